//! The gateway as the SPA's host: caching, precompression, fallback and headers.

use std::path::Path;

use reqwest::StatusCode;
use twinscope_gateway::{
    CACHE_IMMUTABLE, CACHE_NEVER, CACHE_REVALIDATE, ConnectSources, GatewayConfig, InlineHashes,
    content_security_policy, start,
};

const INDEX: &str = "<!DOCTYPE html><title>twinscope</title>";
const HASHED_JS: &str = "twinscope-0123456789abcdef.js";

/// A dist directory like Trunk's, with a precompressed sibling for the hashed script.
fn dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, body: &[u8]| std::fs::write(dir.path().join(name), body).unwrap();
    write("index.html", INDEX.as_bytes());
    write(HASHED_JS, b"export default 1;");
    write(&format!("{HASHED_JS}.br"), b"brotli-bytes");
    write("boot.js", b"// boot");
    write(
        "config.json",
        br#"{"from":"dist","authority":"https://login.microsoftonline.com/organizations"}"#,
    );
    dir
}

struct Fixture {
    dist: tempfile::TempDir,
    gateway: twinscope_gateway::RunningGateway,
    client: reqwest::Client,
}

impl Fixture {
    async fn new(configure: impl FnOnce(&Path, &mut GatewayConfig)) -> Self {
        let dist = dist();
        let mut config = GatewayConfig::new(dist.path());
        configure(dist.path(), &mut config);
        let gateway = start(config).await.expect("gateway starts");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            dist,
            gateway,
            client,
        }
    }

    fn dist(&self) -> &Path {
        self.dist.path()
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.gateway.base_url()))
            .send()
            .await
            .unwrap()
    }
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The policy for the fixture's `config.json` (authority plus ARM's default).
fn expected_policy() -> String {
    content_security_policy(
        &ConnectSources::new([
            "https://login.microsoftonline.com".to_owned(),
            "https://management.azure.com".to_owned(),
        ]),
        &InlineHashes::default(),
    )
}

fn check_security_headers(response: &reqwest::Response) {
    let policy = expected_policy();
    assert_eq!(header(response, "content-security-policy"), policy);
    assert!(policy.contains("'wasm-unsafe-eval'"));
    assert!(!policy.contains("unsafe-inline"));
    assert_eq!(header(response, "x-content-type-options"), "nosniff");
    assert_eq!(header(response, "referrer-policy"), "no-referrer");
    assert_eq!(header(response, "x-frame-options"), "DENY");
    assert_eq!(
        header(response, "cross-origin-opener-policy"),
        "same-origin"
    );
}

#[tokio::test]
async fn index_is_never_cached_and_carries_every_security_header() {
    let f = Fixture::new(|_, _| {}).await;
    let r = f.get("/").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "cache-control"), CACHE_NEVER);
    assert!(header(&r, "content-type").starts_with("text/html"));
    check_security_headers(&r);
    assert_eq!(r.text().await.unwrap(), INDEX);
}

/// A page with an inline loader and stylesheet gets their hashes in its header and meta;
/// other responses get the policy without them; the page edited on disk is served with the
/// new hashes at once.
#[tokio::test]
async fn the_page_inline_loader_and_stylesheet_are_allowed_by_hash() {
    let page = |script: &str| {
        format!(
            "<!DOCTYPE html><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'\"><style>p{{margin:0}}</style><script type=\"module\">{script}</script>"
        )
    };
    let f = Fixture::new(|dist, _| {
        std::fs::write(dist.join("index.html"), page("import init from '/a.js';")).unwrap();
    })
    .await;
    let r = f.get("/t/x").await;
    let policy = header(&r, "content-security-policy").to_owned();
    let script = inline_csp::hash_source("import init from '/a.js';");
    let style = inline_csp::hash_source("p{margin:0}");
    assert_eq!(
        policy,
        expected_policy()
            .replace(
                "'wasm-unsafe-eval';",
                &format!("'wasm-unsafe-eval' {script};")
            )
            .replace("style-src 'self';", &format!("style-src 'self' {style};"))
    );
    let body = r.text().await.unwrap();
    assert!(
        body.contains(&format!(
            "script-src 'self' {script}; style-src 'self' {style};"
        )),
        "{body}"
    );
    let js = f.get(&format!("/{HASHED_JS}")).await;
    assert_eq!(header(&js, "content-security-policy"), expected_policy());

    std::fs::write(f.dist().join("index.html"), page("alert(1)")).unwrap();
    let r = f.get("/").await;
    let policy = header(&r, "content-security-policy");
    assert!(
        policy.contains(&inline_csp::hash_source("alert(1)")),
        "{policy}"
    );
    assert!(!policy.contains(&script), "{policy}");
}

#[tokio::test]
async fn client_side_routes_fall_back_to_index() {
    let f = Fixture::new(|_, _| {}).await;
    for path in [
        "/t/aaaaaaaa-0000-4000-8000-000000000001",
        "/settings",
        "/t/x/i/h.example/twins?q=SELECT",
    ] {
        let r = f.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&r, "cache-control"), CACHE_NEVER, "{path}");
        check_security_headers(&r);
        assert_eq!(r.text().await.unwrap(), INDEX, "{path}");
    }
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_others_revalidate() {
    let f = Fixture::new(|_, _| {}).await;
    let r = f.get(&format!("/{HASHED_JS}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "cache-control"), CACHE_IMMUTABLE);
    assert!(header(&r, "content-type").contains("javascript"));
    check_security_headers(&r);
    let r = f.get("/boot.js").await;
    assert_eq!(header(&r, "cache-control"), CACHE_REVALIDATE);
}

#[tokio::test]
async fn precompressed_brotli_is_served_to_browsers_that_accept_it() {
    let f = Fixture::new(|_, _| {}).await;
    let url = format!("{}/{HASHED_JS}", f.gateway.base_url());
    let r = f
        .client
        .get(&url)
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&r, "content-encoding"), "br");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"brotli-bytes");
    let r = f
        .client
        .get(&url)
        .header("accept-encoding", "identity")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&r, "content-encoding"), "");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"export default 1;");
}

#[tokio::test]
async fn a_missing_asset_is_a_404_not_the_app() {
    let f = Fixture::new(|_, _| {}).await;
    for path in ["/twinscope-ffffffffffffffff.js", "/style.css"] {
        let r = f.get(path).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert_ne!(r.text().await.unwrap(), INDEX, "{path}");
    }
}

/// Sends the request line exactly as given (HTTP clients normalise `%2e%2e` away).
async fn raw_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    (status, response)
}

#[tokio::test]
async fn traversal_and_encoded_separators_are_refused() {
    let f = Fixture::new(|_, _| {}).await;
    for path in [
        "/..%2fCargo.toml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E/x",
        "/a%5c..%5cb",
        "/assets/%2f%2fetc",
        "/../../etc/passwd",
        "/./index.html",
    ] {
        let (status, response) = raw_get(f.gateway.addr(), path).await;
        assert_eq!(status, 400, "{path}: {response}");
        assert!(
            response
                .to_ascii_lowercase()
                .contains("x-content-type-options: nosniff"),
            "{path}"
        );
        assert!(
            !response.contains("root:") && !response.contains(INDEX),
            "{path}: {response}"
        );
    }
}

#[tokio::test]
async fn config_json_can_come_from_outside_the_bundle() {
    let f = Fixture::new(|dir, config| {
        let outside = dir
            .parent()
            .unwrap()
            .join(format!("twinscope-config-{}.json", std::process::id()));
        std::fs::write(
            &outside,
            br#"{"from":"deployment","authority":"https://login.microsoftonline.com/organizations"}"#,
        )
        .unwrap();
        config.config_json = Some(outside);
    })
    .await;
    let r = f.get("/config.json").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "cache-control"), CACHE_REVALIDATE);
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"from":"deployment","authority":"https://login.microsoftonline.com/organizations"}"#
    );
}

#[tokio::test]
async fn only_get_and_head_are_served() {
    let f = Fixture::new(|_, _| {}).await;
    let r = f
        .client
        .post(format!("{}/", f.gateway.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header(&r, "allow"), "GET, HEAD");
    check_security_headers(&r);
}

#[tokio::test]
async fn adt_paths_never_fall_back_to_the_app() {
    let f = Fixture::new(|_, _| {}).await;
    let r = f
        .get("/adt/contoso.api.weu.digitaltwins.azure.net/models?api-version=2023-10-31")
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("pass-through is not enabled")
    );
}

#[tokio::test]
async fn start_refuses_a_directory_without_index_or_a_missing_config() {
    let empty = tempfile::tempdir().unwrap();
    let err = start(GatewayConfig::new(empty.path())).await.unwrap_err();
    assert!(err.to_string().contains("has no index.html"), "{err}");

    let dist = dist();
    let mut config = GatewayConfig::new(dist.path());
    config.config_json = Some(dist.path().join("nope.json"));
    let err = start(config).await.unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}
