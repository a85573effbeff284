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

/// Dot segments name nothing we serve: 404, never a file above `dist`.
#[tokio::test]
async fn dot_segments_are_404() {
    let f = Fixture::new(|_, _| {}).await;
    for path in [
        "/../../etc/passwd",
        "/..",
        "/a/../../Cargo.toml",
        "/./boot.js",
    ] {
        let (status, response) = raw_get(f.gateway.addr(), path).await;
        assert_eq!(status, 404, "{path}: {response}");
        assert!(!response.contains("root:"), "{path}: {response}");
        assert!(!response.contains("// boot"), "{path}: {response}");
    }
}

/// A symlink in `dist` is followed only if it resolves inside `dist` (and not into a
/// dot-directory); one that leads outside is a 404, also as a precompressed sibling.
#[tokio::test]
async fn symlinks_leading_out_of_dist_are_404() {
    const SECRET: &str = "secret-outside-dist";
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), SECRET).unwrap();
    std::fs::create_dir(outside.path().join("dir")).unwrap();
    std::fs::write(outside.path().join("dir/inner.txt"), SECRET).unwrap();
    let target = outside.path().to_owned();
    let f = Fixture::new(move |dist, _| {
        use std::os::unix::fs::symlink;
        symlink(target.join("secret.txt"), dist.join("link.txt")).unwrap();
        symlink(target.join("dir"), dist.join("linkdir")).unwrap();
        symlink(target.join("secret.txt"), dist.join("boot.js.br")).unwrap();
        symlink(dist.join("boot.js"), dist.join("alias.js")).unwrap();
        std::fs::create_dir(dist.join(".git")).unwrap();
        std::fs::write(dist.join(".git/config"), SECRET).unwrap();
        symlink(dist.join(".git/config"), dist.join("git.txt")).unwrap();
    })
    .await;
    for path in [
        "/link.txt",
        "/linkdir/inner.txt",
        "/linkdir/",
        "/git.txt",
        "/lin%6b.txt",
    ] {
        let (status, response) = raw_get(f.gateway.addr(), path).await;
        assert_eq!(status, 404, "{path}: {response}");
        assert!(!response.contains(SECRET), "{path}: {response}");
    }
    // The precompressed sibling leads outside: the plain file is served instead.
    let r = f
        .client
        .get(format!("{}/boot.js", f.gateway.base_url()))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "content-encoding"), "");
    assert_eq!(r.text().await.unwrap(), "// boot");
    // A link that stays inside is served like its target.
    let r = f.get("/alias.js").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "// boot");
}

/// Dotfiles and dot-directories (`.env`, `.git`, editor leftovers) are never served.
#[tokio::test]
async fn dotfiles_and_dot_directories_are_404() {
    let f = Fixture::new(|dist, _| {
        std::fs::write(dist.join(".env"), "SECRET=1").unwrap();
        std::fs::create_dir(dist.join(".git")).unwrap();
        std::fs::write(dist.join(".git/config"), "[core] SECRET").unwrap();
        std::fs::create_dir(dist.join("a")).unwrap();
        std::fs::write(dist.join("a/.hidden"), "SECRET").unwrap();
        std::fs::write(dist.join("a/visible.txt"), "fine").unwrap();
    })
    .await;
    for path in [
        "/.env",
        "/.git/config",
        "/a/.hidden",
        "//.env",
        "/a//.hidden",
        "/.git/",
        "/.git",
    ] {
        let (status, response) = raw_get(f.gateway.addr(), path).await;
        assert_eq!(status, 404, "{path}: {response}");
        assert!(!response.contains("SECRET"), "{path}: {response}");
    }
    let r = f.get("/a/visible.txt").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "fine");
}

/// The head and body of a raw response, the head's lines lower-cased and without `date` and
/// `x-request-id` (which differ per request).
fn split_response(response: &str) -> (Vec<String>, String) {
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((response, ""));
    let mut lines: Vec<String> = head
        .lines()
        .map(str::to_ascii_lowercase)
        .filter(|l| !l.starts_with("date:") && !l.starts_with("x-request-id:"))
        .collect();
    lines.sort();
    (lines, body.to_owned())
}

/// Every other spelling of `/index.html` gets exactly what `/` gets (the rewritten page
/// with its hashes and `no-store`), or a 404: never the file as it lies in `dist`.
#[tokio::test]
async fn aliases_of_the_page_get_the_rewritten_page_or_404() {
    let page = "<!DOCTYPE html><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'self'; connect-src 'self'\"><script type=\"module\">import '/a.js';</script>";
    let f = Fixture::new(|dist, _| {
        std::fs::write(dist.join("index.html"), page).unwrap();
    })
    .await;
    let (status, canonical) = raw_get(f.gateway.addr(), "/").await;
    assert_eq!(status, 200);
    let (want_head, want_body) = split_response(&canonical);
    assert!(
        want_head
            .iter()
            .any(|l| l.starts_with("content-security-policy:") && l.contains("'sha256-")),
        "{canonical}"
    );
    assert!(want_head.contains(&"cache-control: no-store".to_owned()));
    assert_ne!(want_body, page, "the page is rewritten");
    for path in [
        "/index.html",
        "/index.html/",
        "/index.html//",
        "//index.html",
        "/%69ndex.html",
        "/index.htm%6c",
        "/./index.html",
        "/index.html/.",
        "/a/../index.html",
    ] {
        let (status, response) = raw_get(f.gateway.addr(), path).await;
        let (head, body) = split_response(&response);
        match status {
            200 => {
                assert_eq!(head, want_head, "{path}");
                assert_eq!(body, want_body, "{path}");
            }
            404 => assert!(!response.contains(page), "{path}: {response}"),
            other => panic!("{path}: {other}: {response}"),
        }
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

/// Issue #16: the rewritten page is compressed per response by `Accept-Encoding` (Brotli
/// first, then gzip), says so with `Vary`, and decompresses to exactly the identity page.
#[tokio::test]
async fn the_page_is_compressed_per_response_by_accept_encoding() {
    use std::io::Read;
    let f = Fixture::new(|_, _| {}).await;
    let fetch = |accept: &'static str| {
        let client = &f.client;
        let url = format!("{}/", f.gateway.base_url());
        async move {
            let r = client
                .get(url)
                .header("accept-encoding", accept)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            let header = |name: &str| {
                r.headers()
                    .get(name)
                    .map(|v| v.to_str().unwrap().to_owned())
            };
            let (encoding, vary, length) = (
                header("content-encoding"),
                header("vary"),
                header("content-length"),
            );
            let body = r.bytes().await.unwrap().to_vec();
            assert_eq!(length, Some(body.len().to_string()), "{accept}");
            assert_eq!(vary.as_deref(), Some("accept-encoding"), "{accept}");
            (encoding, body)
        }
    };
    let (encoding, plain) = fetch("identity").await;
    assert_eq!(encoding, None);
    assert!(String::from_utf8_lossy(&plain).starts_with("<!DOCTYPE html>"));

    let (encoding, gz) = fetch("gzip;q=1, br;q=0").await;
    assert_eq!(encoding.as_deref(), Some("gzip"), "br refused with q=0");
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, plain);

    let (encoding, br) = fetch("gzip, deflate, br").await;
    assert_eq!(encoding.as_deref(), Some("br"));
    let mut out = Vec::new();
    brotli::Decompressor::new(&br[..], 4096)
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, plain);
}

/// The content of the page's `<meta name="twinscope-config">`, entities decoded as a browser
/// decodes an attribute (the gateway writes only these five).
fn config_meta(page: &str) -> Option<String> {
    let open = r#"<meta name="twinscope-config" content=""#;
    let start = page.find(open)? + open.len();
    let end = start + page[start..].find('"')?;
    Some(
        page[start..end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// The page carries the `config.json` being served (from outside the bundle here) in a meta
/// of its head, so the app needs no request before it can start; every character as in the
/// file, markup in it inert (an attribute value, escaped). It is read per request, like
/// `/config.json`: the page and the file never disagree.
#[tokio::test]
async fn the_page_carries_the_config_json_being_served() {
    let outside = std::env::temp_dir().join(format!(
        "twinscope-embedded-config-{}.json",
        std::process::id()
    ));
    let tricky = r#"{"authority":"https://login.microsoftonline.com/organizations","note":"a \"quoted\" '<script>alert(1)</script>' & <!-- --> </head>"}"#;
    std::fs::write(&outside, tricky).unwrap();
    let f = Fixture::new(|dir, config| {
        std::fs::write(
            dir.join("index.html"),
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>twinscope</title></HEAD><body></body></html>",
        )
        .unwrap();
        config.config_json = Some(outside.clone());
    })
    .await;
    for path in ["/", "/t/some-tenant", "/index.html"] {
        let page = f.get(path).await.text().await.unwrap();
        assert_eq!(
            config_meta(&page).as_deref(),
            Some(tricky),
            "{path}: {page}"
        );
        assert!(
            !page.contains("<script>"),
            "markup of the config went into the page: {page}"
        );
        assert_eq!(page.matches("</HEAD>").count(), 1, "{page}");
        let meta = page.find("twinscope-config").unwrap();
        assert!(
            meta < page.find("</HEAD>").unwrap(),
            "the meta is in the head: {page}"
        );
    }
    let changed =
        r#"{"authority":"https://login.microsoftonline.com/organizations","note":"changed"}"#;
    std::fs::write(&outside, changed).unwrap();
    let page = f.get("/").await.text().await.unwrap();
    assert_eq!(config_meta(&page).as_deref(), Some(changed));
    assert_eq!(f.get("/config.json").await.text().await.unwrap(), changed);
    // A page without a head gets no meta (the app then fetches `/config.json`).
    std::fs::write(f.dist().join("index.html"), INDEX).unwrap();
    assert_eq!(f.get("/").await.text().await.unwrap(), INDEX);
    std::fs::remove_file(&outside).unwrap();
}
