//! The deployment recipes in `deploy/` (nginx, Caddy) reproduce the gateway's rules: each
//! runs for real, from its shipped file with only the listen address and upstream swapped,
//! in front of the emulator or a recording stub instance. Missing binaries fail the test with
//! a pointer to `cargo xtask setup`; nothing is skipped.

use std::net::SocketAddr;
use std::path::Path;

use twinscope_e2e::Result;
use twinscope_e2e::deploy::{
    Rendered, Server, StubUpstream, caddy_test_conf, differing_lines, nginx_test_conf,
    render_index, start_caddy, start_nginx, write_dist,
};
use twinscope_e2e::raw_http::{RawResponse, raw_request};
use twinscope_emulator::Options;
use twinscope_emulator::adt::errors::EMULATOR_REASON_HEADER;
use twinscope_gateway::GatewayConfig;

const INSTANCE: &str = "contoso-campus.api.weu.digitaltwins.azure.net";
const MODELS: &str = "/models?api-version=2023-10-31";

#[derive(Debug, Clone, Copy)]
enum Proxy {
    Nginx,
    Caddy,
}

async fn start(proxy: Proxy, dist: &Path, upstream: SocketAddr) -> Result<Server> {
    match proxy {
        Proxy::Nginx => start_nginx(dist, &format!("http://{upstream}")).await,
        Proxy::Caddy => start_caddy(dist, upstream).await,
    }
}

fn dist() -> Result<(tempfile::TempDir, Rendered)> {
    let dir = tempfile::tempdir()?;
    write_dist(dir.path())?;
    let rendered = render_index(dir.path())?;
    Ok((dir, rendered))
}

fn context(server: &Server, what: &str, response: &RawResponse) -> String {
    format!("{what}: {response:#?}\nserver log:\n{}", server.log_text())
}

#[test]
fn nginx_conf_under_test_differs_from_production_only_in_listen_and_upstream() -> Result<()> {
    let (production, test) = nginx_test_conf(18080, "http://127.0.0.1:9")?;
    let (gone, added) = differing_lines(&production, &test);
    assert_eq!(
        gone,
        [
            "listen 8080;",
            "proxy_pass https://$adt_host$adt_rest$is_args$args;"
        ]
    );
    assert_eq!(
        added,
        [
            "listen 127.0.0.1:18080;",
            "proxy_pass http://127.0.0.1:9/adt/$adt_host$adt_rest$is_args$args;"
        ]
    );
    Ok(())
}

#[test]
fn caddyfile_under_test_differs_from_production_only_in_address_and_upstream() -> Result<()> {
    let (production, test) = caddy_test_conf(18080, SocketAddr::from(([127, 0, 0, 1], 9)))?;
    let (gone, added) = differing_lines(&production, &test);
    assert_eq!(
        gone,
        [
            ":8080 {",
            "reverse_proxy @adt_ok {re.adt.1}:443 {",
            "rewrite {http.vars.adt_rest}?{query}",
            "tls",
            "tls_server_name {re.adt.1}"
        ]
    );
    assert_eq!(
        added,
        [
            "http://127.0.0.1:18080 {",
            "reverse_proxy @adt_ok 127.0.0.1:9 {",
            "rewrite /adt/{re.adt.1}{http.vars.adt_rest}?{query}"
        ]
    );
    Ok(())
}

#[test]
fn shipped_csp_is_what_the_gateway_computes_for_the_shipped_config() -> Result<()> {
    let (_dir, rendered) = dist()?;
    let expected = format!("\"{}\"", rendered.policy);
    assert!(
        rendered.policy.contains(
            "connect-src 'self' https://login.microsoftonline.com https://management.azure.com;"
        ),
        "{}",
        rendered.policy
    );
    let nginx =
        std::fs::read_to_string(twinscope_e2e::deploy::deploy_dir().join("nginx/twinscope.conf"))?;
    assert!(
        nginx.contains(&format!("default {expected};")),
        "deploy/nginx/twinscope.conf must send {expected}"
    );
    let caddy =
        std::fs::read_to_string(twinscope_e2e::deploy::deploy_dir().join("caddy/Caddyfile"))?;
    assert!(
        caddy.contains(&format!("Content-Security-Policy {expected}")),
        "deploy/caddy/Caddyfile must send {expected}"
    );
    Ok(())
}

/// A bearer-carrying request for a real instance reaches the emulator and comes back as the
/// emulator answers it directly (its 401 for a token it did not issue, ADT-shaped).
async fn forwards_to_the_emulator(proxy: Proxy) -> Result<()> {
    let emulator = twinscope_emulator::start(Options::default()).await?;
    let (dir, _) = dist()?;
    let server = start(proxy, dir.path(), emulator.addr()).await?;
    let bearer = [("Authorization", "Bearer not-issued-by-the-emulator")];
    let through = raw_request(
        server.addr,
        "GET",
        &format!("/adt/{INSTANCE}{MODELS}"),
        &bearer,
    )
    .await?;
    let direct = raw_request(
        emulator.addr(),
        "GET",
        &format!("/adt/{INSTANCE}{MODELS}"),
        &bearer,
    )
    .await?;
    let what = context(&server, "through the proxy", &through);
    assert_eq!(direct.status, 401, "{direct:#?}");
    assert_eq!(through.status, direct.status, "{what}");
    assert_eq!(through.text(), direct.text(), "{what}");
    let body: serde_json::Value = serde_json::from_str(&through.text())?;
    assert_eq!(body["statusCode"], 401, "{what}");
    // The emulator says why in its own header; without the bearer it says something else, so
    // the same reason through the proxy means Authorization went up.
    let reason = |r: &RawResponse| r.header(EMULATOR_REASON_HEADER).map(str::to_owned);
    assert!(reason(&direct).is_some(), "{direct:#?}");
    assert_eq!(reason(&through), reason(&direct), "{what}");
    let anonymous = raw_request(
        emulator.addr(),
        "GET",
        &format!("/adt/{INSTANCE}{MODELS}"),
        &[],
    )
    .await?;
    assert_ne!(reason(&anonymous), reason(&through), "{anonymous:#?}");
    assert_eq!(
        through.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    Ok(())
}

#[tokio::test]
async fn nginx_forwards_an_instance_request_to_the_emulator() -> Result<()> {
    forwards_to_the_emulator(Proxy::Nginx).await
}

#[tokio::test]
async fn caddy_forwards_an_instance_request_to_the_emulator() -> Result<()> {
    forwards_to_the_emulator(Proxy::Caddy).await
}

/// Hosts outside `.digitaltwins.azure.net` (or not plainly written) and unsafe paths are
/// refused by the proxy itself: the stub instance sees nothing.
async fn refuses_without_connecting(proxy: Proxy) -> Result<()> {
    let stub = StubUpstream::start().await?;
    let (dir, _) = dist()?;
    let server = start(proxy, dir.path(), stub.addr).await?;
    for target in [
        "/adt/evil.example/models".to_owned(),
        "/adt/127.0.0.1/models".to_owned(),
        "/adt/x.digitaltwins.azure.net.evil.com/models".to_owned(),
        "/adt/CONTOSO-CAMPUS.api.weu.digitaltwins.azure.net/models".to_owned(),
        format!("/adt/{INSTANCE}:443/models"),
        format!("/adt/user@{INSTANCE}/models"),
        "/adt/digitaltwins.azure.net/models".to_owned(),
        format!("/adt/{INSTANCE}/models/%2e%2e/x"),
        format!("/adt/{INSTANCE}/models%2Fx"),
        format!("/adt/{INSTANCE}/models/../../evil"),
        format!("/adt/{INSTANCE}"),
        "/adt".to_owned(),
    ] {
        let response = raw_request(server.addr, "GET", &target, &[]).await?;
        let what = context(&server, &target, &response);
        assert!(matches!(response.status, 400 | 404), "{what}");
        assert!(
            stub.seen().is_empty(),
            "{target} reached the upstream: {:?}",
            stub.seen()
        );
    }
    Ok(())
}

#[tokio::test]
async fn nginx_refuses_other_hosts_and_unsafe_paths_without_connecting() -> Result<()> {
    refuses_without_connecting(Proxy::Nginx).await
}

#[tokio::test]
async fn caddy_refuses_other_hosts_and_unsafe_paths_without_connecting() -> Result<()> {
    refuses_without_connecting(Proxy::Caddy).await
}

/// Path and query go up as received with the instance as Host and Authorization; cookies
/// never go up, Set-Cookie and the instance's own headers never come back; a redirect is a
/// 502 without Location.
async fn headers_and_redirects(proxy: Proxy) -> Result<()> {
    let stub = StubUpstream::start().await?;
    let (dir, _) = dist()?;
    let server = start(proxy, dir.path(), stub.addr).await?;
    let target = format!("/adt/{INSTANCE}/digitaltwins/room%201?api-version=2023-10-31&x=a%2Fb");
    let response = raw_request(
        server.addr,
        "GET",
        &target,
        &[
            ("Authorization", "Bearer abc"),
            ("Cookie", "app-session=secret"),
            ("If-None-Match", "W/\"1\""),
        ],
    )
    .await?;
    let what = context(&server, &target, &response);
    assert_eq!(response.status, 200, "{what}");
    assert!(response.text().contains("\"stub\":true"), "{what}");
    assert_eq!(response.header("set-cookie"), None, "{what}");
    assert_ne!(response.header("server"), Some("stub-instance"), "{what}");
    let csp = response
        .header("content-security-policy")
        .unwrap_or_default();
    assert!(!csp.contains("default-src *"), "{what}");
    let seen = stub.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let up = &seen[0];
    assert_eq!(
        up.target,
        format!("/adt/{INSTANCE}/digitaltwins/room%201?api-version=2023-10-31&x=a%2Fb"),
        "{up:?}"
    );
    assert_eq!(up.headers.get("cookie"), None, "{up:?}");
    assert_eq!(
        up.headers.get("authorization").map(String::as_str),
        Some("Bearer abc")
    );
    assert_eq!(
        up.headers.get("if-none-match").map(String::as_str),
        Some("W/\"1\"")
    );
    assert_eq!(
        up.headers.get("host").map(String::as_str),
        Some(INSTANCE),
        "{up:?}"
    );
    assert_eq!(up.headers.get("x-forwarded-for"), None, "{up:?}");

    let redirect = raw_request(
        server.addr,
        "GET",
        &format!("/adt/{INSTANCE}/redirect?api-version=2023-10-31"),
        &[("Authorization", "Bearer abc")],
    )
    .await?;
    let what = context(&server, "redirect", &redirect);
    assert_eq!(redirect.status, 502, "{what}");
    assert_eq!(redirect.header("location"), None, "{what}");
    assert_eq!(redirect.header("set-cookie"), None, "{what}");
    let body: serde_json::Value = serde_json::from_str(&redirect.text())?;
    assert!(body["error"]["code"].is_string(), "{what}");
    assert_eq!(
        stub.seen().len(),
        2,
        "the redirect was followed: {:?}",
        stub.seen()
    );
    Ok(())
}

#[tokio::test]
async fn nginx_forwards_only_allowed_headers_and_never_a_redirect() -> Result<()> {
    headers_and_redirects(Proxy::Nginx).await
}

#[tokio::test]
async fn caddy_forwards_only_allowed_headers_and_never_a_redirect() -> Result<()> {
    headers_and_redirects(Proxy::Caddy).await
}

/// The page, SPA routes, assets, config.json, dotfiles and missing files get what the gateway
/// gives them: the same policy (the page's with its inline hashes), security headers and
/// caching.
async fn static_files_like_the_gateway(proxy: Proxy) -> Result<()> {
    let (dir, rendered) = dist()?;
    let server = start(proxy, dir.path(), SocketAddr::from(([127, 0, 0, 1], 9))).await?;
    let gateway = twinscope_gateway::start(GatewayConfig::new(dir.path())).await?;
    for path in ["/", "/twins/x", "/index.html"] {
        let response = raw_request(server.addr, "GET", path, &[]).await?;
        let what = context(&server, path, &response);
        assert_eq!(response.status, 200, "{what}");
        assert_eq!(
            response.header("content-security-policy"),
            Some(rendered.index_policy.as_str()),
            "{what}"
        );
        assert_eq!(response.header("cache-control"), Some("no-store"), "{what}");
        assert_eq!(response.text(), rendered.index_html, "{what}");
        let reference = raw_request(gateway.addr(), "GET", path, &[]).await?;
        for name in [
            "content-security-policy",
            "x-content-type-options",
            "referrer-policy",
            "x-frame-options",
            "cross-origin-opener-policy",
            "cross-origin-resource-policy",
            "permissions-policy",
            "cache-control",
        ] {
            assert_eq!(
                response.header(name),
                reference.header(name),
                "{name} on {path}: {what}"
            );
        }
    }
    for (path, cache) in [
        (
            "/twinscope-0123456789abcdef.js",
            "public, max-age=31536000, immutable",
        ),
        ("/config.json", "no-cache"),
        ("/favicon.svg", "no-cache"),
    ] {
        let response = raw_request(server.addr, "GET", path, &[]).await?;
        let what = context(&server, path, &response);
        assert_eq!(response.status, 200, "{what}");
        assert_eq!(response.header("cache-control"), Some(cache), "{what}");
        assert_eq!(
            response.header("content-security-policy"),
            Some(rendered.policy.as_str()),
            "{what}"
        );
        assert_eq!(
            response.header("x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
        assert_eq!(
            response.header("referrer-policy"),
            Some("no-referrer"),
            "{what}"
        );
    }
    for path in [
        "/.env",
        "/.git/config",
        "/missing-0123456789abcdef.js",
        "/twins/x.json",
    ] {
        let response = raw_request(server.addr, "GET", path, &[]).await?;
        let what = context(&server, path, &response);
        assert_eq!(response.status, 404, "{what}");
        assert!(!response.text().contains("SECRET"), "{what}");
        assert_eq!(
            response.header("x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
    }
    gateway.stop().await;
    Ok(())
}

#[tokio::test]
async fn nginx_serves_the_bundle_with_the_gateways_headers() -> Result<()> {
    static_files_like_the_gateway(Proxy::Nginx).await
}

#[tokio::test]
async fn caddy_serves_the_bundle_with_the_gateways_headers() -> Result<()> {
    static_files_like_the_gateway(Proxy::Caddy).await
}
