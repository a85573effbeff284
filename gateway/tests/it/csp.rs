//! The Content-Security-Policy comes from the deployment's `config.json`: the header and
//! `index.html`'s meta agree, and a config the policy cannot be computed from stops start.

use twinscope_gateway::{GatewayConfig, StartError, start};

/// The source `index.html`'s meta, as `trunk serve` development needs it.
const INDEX: &str = "<!DOCTYPE html><html><head>\n<meta http-equiv=\"Content-Security-Policy\" \
    content=\"default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
    img-src 'self' data:; font-src 'self'; connect-src 'self' http://localhost:8480; \
    manifest-src 'self'; base-uri 'none'; form-action 'self'\">\n<title>twinscope</title></head></html>";

fn dist(config_json: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), INDEX).unwrap();
    if let Some(json) = config_json {
        std::fs::write(dir.path().join("config.json"), json).unwrap();
    }
    dir
}

/// The `content` of the CSP meta in a served page.
fn meta_policy(html: &str) -> &str {
    let marker = "http-equiv=\"Content-Security-Policy\" content=\"";
    let start = html.find(marker).expect("the page keeps its CSP meta") + marker.len();
    let end = start + html[start..].find('"').unwrap();
    &html[start..end]
}

/// Serves `config_json` and checks that `/` and an SPA route carry `connect_src` in both the
/// header and the meta, and that they agree.
async fn check(config_json: &str, connect_src: &str) {
    let dist = dist(Some(config_json));
    let gateway = start(GatewayConfig::new(dist.path()))
        .await
        .expect("gateway starts");
    for path in ["/", "/index.html", "/t/some/route"] {
        let r = reqwest::get(format!("{}{path}", gateway.base_url()))
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let header = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        let html = r.text().await.unwrap();
        let meta = meta_policy(&html);
        assert_eq!(format!("{meta}; frame-ancestors 'none'"), header, "{path}");
        let directive = format!("; connect-src {connect_src}; ");
        assert!(header.contains(&directive), "{path}: {header}");
        assert!(!html.contains("localhost:8480") || connect_src.contains("localhost:8480"));
    }
}

#[tokio::test]
async fn header_and_meta_carry_the_deployment_origins() {
    check(
        r#"{"clientId":"x","authority":"https://login.microsoftonline.com/organizations"}"#,
        "'self' https://login.microsoftonline.com https://management.azure.com",
    )
    .await;
    check(
        r#"{"authority":"http://127.0.0.1:8480/organizations","armEndpoint":"http://127.0.0.1:8480"}"#,
        "'self' http://127.0.0.1:8480",
    )
    .await;
    check(
        r#"{"authority":"https://login.microsoftonline.us/contoso","armEndpoint":"https://management.usgovcloudapi.net/"}"#,
        "'self' https://login.microsoftonline.us https://management.usgovcloudapi.net",
    )
    .await;
}

#[tokio::test]
async fn the_policy_follows_the_config_json_that_is_served() {
    let dist = dist(Some(
        r#"{"authority":"https://login.microsoftonline.com/organizations"}"#,
    ));
    let outside = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        outside.path(),
        r#"{"authority":"https://login.partner.microsoftonline.cn/organizations","armEndpoint":"https://management.chinacloudapi.cn"}"#,
    )
    .unwrap();
    let mut config = GatewayConfig::new(dist.path());
    config.config_json = Some(outside.path().to_owned());
    let gateway = start(config).await.unwrap();
    let r = reqwest::get(format!("{}/config.json", gateway.base_url()))
        .await
        .unwrap();
    let header = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        header.contains(
            "connect-src 'self' https://login.partner.microsoftonline.cn https://management.chinacloudapi.cn;"
        ),
        "{header}"
    );
}

#[tokio::test]
async fn a_config_the_policy_cannot_come_from_stops_start_naming_the_file() {
    let missing = dist(None);
    let err = start(GatewayConfig::new(missing.path())).await.unwrap_err();
    assert!(matches!(err, StartError::NoConfigFile(_)), "{err}");
    assert!(err.to_string().contains("config.json"), "{err}");

    for (json, problem) in [
        ("{\n  \"authority\": oops\n}", "line 2"),
        ("{}", "missing field `authority`"),
        (r#"{"authority":"not a url"}"#, "not an absolute URL"),
        (
            r#"{"authority":"https://login.microsoftonline.com/o","armEndpoint":"file:///etc"}"#,
            "`armEndpoint`",
        ),
    ] {
        let d = dist(Some(json));
        let err = start(GatewayConfig::new(d.path())).await.unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains(&d.path().join("config.json").display().to_string()),
            "{message}"
        );
        assert!(message.contains(problem), "{json}: {message}");
    }
}
