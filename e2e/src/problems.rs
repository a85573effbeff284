//! What went wrong in a page that a person would not see: console errors and warnings
//! (a panic's message among them), uncaught errors, rejected promises, CSP violations.

use serde_json::json;

use crate::{Browser, sizes};

/// Runs before any page script in every document: keeps console errors and warnings,
/// uncaught errors, rejected promises and CSP violations in `window.__problems`.
const PROBLEM_RECORDER: &str = r#"(() => {
  const problems = window.__problems = [];
  const show = (a) => { try { return typeof a === 'string' ? a : (a && a.stack) ? a.stack : JSON.stringify(a); } catch (e) { return String(a); } };
  for (const level of ['error', 'warn']) {
    const original = console[level].bind(console);
    console[level] = (...args) => { problems.push(level + ': ' + args.map(show).join(' ')); return original(...args); };
  }
  addEventListener('error', (e) => problems.push('uncaught: ' + e.message));
  addEventListener('unhandledrejection', (e) => problems.push('unhandled: ' + show(e.reason)));
  document.addEventListener('securitypolicyviolation', (e) => problems.push('csp: ' + e.violatedDirective + ' ' + e.blockedURI));
})();"#;

/// Headless Chromium with [`PROBLEM_RECORDER`] in every document it opens.
pub async fn recording_problems() -> Browser {
    let browser = Browser::start().await.expect("Chromium starts");
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": PROBLEM_RECORDER }),
        )
        .await
        .expect("DevTools accepts the recorder");
    browser
}

/// No console error or warning, uncaught error or CSP violation in this document so far.
pub async fn assert_no_problems(browser: &Browser) {
    let problems = problems(browser).await;
    assert!(
        problems.is_empty(),
        "console errors, warnings or CSP violations: {problems:#?}"
    );
}

/// What the recorder kept in this document so far.
pub async fn problems(browser: &Browser) -> Vec<String> {
    let value = browser
        .eval("return window.__problems || null")
        .await
        .unwrap();
    assert!(value.is_array(), "the problem recorder is not running");
    sizes::paths(&value)
}
