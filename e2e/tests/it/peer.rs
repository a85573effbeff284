//! The MSAL peer page (`e2e/peer/`, see `twinscope_e2e::peer`): it builds, signs in against
//! the emulator behind its TLS front, and yields figures the bench report can use.

use twinscope_e2e::peer::{self, USER};

#[tokio::test]
async fn the_msal_peer_page_signs_in_against_the_emulator() {
    let figures = peer::measure(1).await.unwrap();
    eprintln!("{figures:#?}");
    assert_eq!(figures.username, USER);
    assert!(
        figures.msal_version.starts_with("4."),
        "{}",
        figures.msal_version
    );
    let requests = figures.requests_after_redirect;
    assert_eq!(requests.runs, 1);
    assert!(
        requests.median >= 2.0,
        "the returned document and its script at least: {:?}",
        figures.requests_seen
    );
    assert_eq!(requests.median as usize, figures.requests_seen.len());
    for needed in ["/peer.js", "/config.json", "/oauth2/v2.0/token"] {
        assert!(
            figures.requests_seen.iter().any(|u| u.ends_with(needed)),
            "no {needed} among {:?}",
            figures.requests_seen
        );
    }
    assert!(figures.signed_in_ms.median > 0.0);
    assert!(figures.payload.js.raw > 50_000, "{:?}", figures.payload);
    assert!(figures.payload.js.gzip < figures.payload.js.raw);
    assert!(figures.payload.html.raw > 0);
    assert_eq!(figures.payload.wasm.raw + figures.payload.css.raw, 0);
}
