//! The test harness itself: what a failing test leaves behind.

use std::time::{Duration, Instant};

use twinscope_e2e::{Browser, processes_naming};

/// A test that panics drops its browser without closing it; its Chromium must not keep
/// running (renderers left spinning slowed every later test and bench).
#[tokio::test]
async fn a_browser_dropped_without_closing_takes_its_chromium_along() {
    let browser = Browser::start().await.unwrap();
    browser.goto("about:blank").await.unwrap();
    let profile = browser.profile_dir().display().to_string();
    let running = processes_naming(&profile);
    assert!(
        !running.is_empty(),
        "no Chromium process names the profile {profile}"
    );
    drop(browser);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        // A killed process stays a zombie until its parent (the killed chromedriver) is
        // reaped; a zombie's command line is empty, so it no longer names the profile.
        let left = processes_naming(&profile);
        if left.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still running 5 s after the drop: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
