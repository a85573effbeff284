//! The deployment recipes in `deploy/` (nginx, Caddy) run for real in front of a local
//! upstream: their files, with only the listen address and the upstream swapped, in a
//! scratch prefix; a small bundle; raw HTTP/1.1 to look at exactly what comes back.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpStream;

use crate::{Result, free_port};

/// The workspace's `deploy/` directory.
pub fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

/// The path of `binary` on `PATH`; panics (never skips) when it is missing.
pub fn require_binary(binary: &str, package: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
            .map(|dir| dir.join(binary))
            .find(|path| path.is_file())
    });
    match found {
        Some(path) => path,
        None => panic!(
            "`{binary}` is not installed: these tests run the deploy/ recipe for it for real. \
             Run `cargo xtask setup` (it installs Debian's `{package}`)"
        ),
    }
}

/// Replaces the one line containing `marker` (which must occur exactly once) with `line`,
/// keeping its indentation.
pub fn replace_line(text: &str, marker: &str, line: &str) -> Result<String> {
    let hits = text.lines().filter(|l| l.contains(marker)).count();
    if hits != 1 {
        return Err(format!("expected one line containing `{marker}`, found {hits}").into());
    }
    let mut out = String::with_capacity(text.len());
    for l in text.lines() {
        if l.contains(marker) {
            let indent = &l[..l.len() - l.trim_start().len()];
            if !line.is_empty() {
                out.push_str(indent);
                out.push_str(line);
                out.push('\n');
            }
        } else {
            out.push_str(l);
            out.push('\n');
        }
    }
    Ok(out)
}

/// The lines of `a` that `b` lacks and the lines of `b` that `a` lacks, trimmed.
pub fn differing_lines(a: &str, b: &str) -> (Vec<String>, Vec<String>) {
    let set = |t: &str| -> Vec<String> { t.lines().map(|l| l.trim().to_owned()).collect() };
    let (a, b) = (set(a), set(b));
    (
        a.iter().filter(|l| !b.contains(l)).cloned().collect(),
        b.iter().filter(|l| !a.contains(l)).cloned().collect(),
    )
}

/// A small bundle like Trunk's: an index.html with an inline loader and stylesheet and a CSP
/// meta, a hashed asset, an unhashed file, a dotfile that must never be served, and
/// `deploy/config.json`. Then rendered for that config exactly as the gateway serves it
/// (see [`render_index`]).
pub fn write_dist(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join("index.html"),
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self' http://localhost:8480; manifest-src 'self'; base-uri 'none'; form-action 'self'">
<title>twinscope</title><style>body{margin:0}</style>
<script type="module">import init from '/twinscope-0123456789abcdef.js';await init({module_or_path:'/twinscope-0123456789abcdef_bg.wasm'});</script>
</head><body></body></html>
"#,
    )?;
    std::fs::write(
        dir.join("twinscope-0123456789abcdef.js"),
        "export default async function init() {}\n",
    )?;
    std::fs::write(
        dir.join("favicon.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n",
    )?;
    std::fs::write(dir.join(".env"), "SECRET=do-not-serve\n")?;
    std::fs::copy(deploy_dir().join("config.json"), dir.join("config.json"))?;
    Ok(())
}

/// What `twinscope-gateway` computes for a bundle: its index.html with the meta's
/// `connect-src` rewritten from `config.json` and carrying `config.json`, the header policy
/// for that page (with the inline hashes), and the policy of every other response.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub index_html: String,
    pub index_policy: String,
    pub policy: String,
}

pub fn render_index(dist: &Path) -> Result<Rendered> {
    let connect = twinscope_gateway::csp::connect_sources_from_file(&dist.join("config.json"))?;
    let html = std::fs::read_to_string(dist.join("index.html"))?;
    let config = std::fs::read_to_string(dist.join("config.json"))?;
    let (index_html, index_policy) = twinscope_gateway::served_page(&html, &connect, Some(&config));
    let policy = twinscope_gateway::content_security_policy(
        &connect,
        &twinscope_gateway::InlineHashes::default(),
    );
    Ok(Rendered {
        index_html,
        index_policy,
        policy,
    })
}

/// A child process killed (and reaped) when dropped, with its log file for failures.
#[derive(Debug)]
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub log: PathBuf,
    _scratch: tempfile::TempDir,
}

impl Server {
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn wait_listening(child: &mut Child, addr: SocketAddr, log: &Path) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if TcpStream::connect(addr).await.is_ok() {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            return Err(format!("the server exited ({status}) before listening:\n{log}").into());
        }
        if Instant::now() > deadline {
            return Err(format!("nothing listens on {addr} after 15 s").into());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn scratch() -> Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    // nginx workers drop root privileges: they must read the bundle and the config.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(dir)
}

/// `deploy/nginx/twinscope.conf` with the listen port and the upstream line swapped.
pub fn nginx_test_conf(port: u16, upstream_base: &str) -> Result<(String, String)> {
    let production = std::fs::read_to_string(deploy_dir().join("nginx/twinscope.conf"))?;
    let conf = replace_line(
        &production,
        "listen 8080;",
        &format!("listen 127.0.0.1:{port};"),
    )?;
    let conf = replace_line(
        &conf,
        "proxy_pass https://$adt_host$adt_rest$is_args$args;",
        &format!("proxy_pass {upstream_base}/adt/$adt_host$adt_rest$is_args$args;"),
    )?;
    Ok((production, conf))
}

/// Runs `nginx -g 'daemon off;'` with `deploy/nginx/twinscope.conf` (listen and upstream
/// swapped) over a copy of `dist` rendered as the gateway serves it.
pub async fn start_nginx(dist: &Path, upstream_base: &str) -> Result<Server> {
    let nginx = require_binary("nginx", "nginx");
    let dir = scratch()?;
    let prefix = dir.path();
    let port = free_port()?;
    let (_, conf) = nginx_test_conf(port, upstream_base)?;
    let root = prefix.join("srv");
    copy_dist(dist, &root)?;
    let rendered = render_index(&root)?;
    std::fs::write(root.join("index.html"), &rendered.index_html)?;
    let conf = conf.replace("root /srv/twinscope;", &format!("root {};", root.display()));
    std::fs::write(prefix.join("twinscope.conf"), conf)?;
    std::fs::create_dir_all(prefix.join("twinscope"))?;
    std::fs::write(
        prefix.join("twinscope/index-csp.map"),
        format!("\"/index.html\" \"{}\";\n", rendered.index_policy),
    )?;
    let p = prefix.display();
    std::fs::write(
        prefix.join("nginx.conf"),
        format!(
            "worker_processes 1;\nerror_log {p}/error.log info;\npid {p}/nginx.pid;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n  \
             access_log {p}/access.log;\n  client_body_temp_path {p}/body;\n  proxy_temp_path {p}/proxy;\n  \
             fastcgi_temp_path {p}/fastcgi;\n  uwsgi_temp_path {p}/uwsgi;\n  scgi_temp_path {p}/scgi;\n  \
             include twinscope.conf;\n}}\n"
        ),
    )?;
    let log = prefix.join("error.log");
    let mut child = Command::new(nginx)
        .arg("-p")
        .arg(prefix)
        .arg("-c")
        .arg(prefix.join("nginx.conf"))
        .args(["-g", "daemon off;"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(
            prefix.join("stderr.log"),
        )?))
        .spawn()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    if let Err(e) = wait_listening(&mut child, addr, &prefix.join("stderr.log")).await {
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    Ok(Server {
        child,
        addr,
        log,
        _scratch: dir,
    })
}

/// The Caddyfile lines the tests change: the site address, the upstream, the rewrite (the
/// emulator serves ADT under `/adt/{host}`) and the two TLS lines (the test upstream is http).
pub fn caddy_test_conf(port: u16, upstream: SocketAddr) -> Result<(String, String)> {
    let production = std::fs::read_to_string(deploy_dir().join("caddy/Caddyfile"))?;
    let conf = replace_line(
        &production,
        ":8080 {",
        &format!("http://127.0.0.1:{port} {{"),
    )?;
    let conf = replace_line(
        &conf,
        "reverse_proxy @adt_ok {re.adt.1}:443 {",
        &format!("reverse_proxy @adt_ok {upstream} {{"),
    )?;
    let conf = replace_line(
        &conf,
        "rewrite {http.vars.adt_rest}?{query}",
        "rewrite /adt/{re.adt.1}{http.vars.adt_rest}?{query}",
    )?;
    let conf = replace_line(&conf, "tls_server_name {re.adt.1}", "")?;
    let conf = conf
        .lines()
        .filter(|l| l.trim() != "tls")
        .collect::<Vec<_>>()
        .join("\n");
    Ok((production, conf + "\n"))
}

/// Runs `caddy run` with `deploy/caddy/Caddyfile` (see [`caddy_test_conf`]).
pub async fn start_caddy(dist: &Path, upstream: SocketAddr) -> Result<Server> {
    let caddy = require_binary("caddy", "caddy");
    let dir = scratch()?;
    let prefix = dir.path();
    let port = free_port()?;
    let (_, conf) = caddy_test_conf(port, upstream)?;
    let root = prefix.join("srv");
    copy_dist(dist, &root)?;
    let rendered = render_index(&root)?;
    std::fs::write(root.join("index.html"), &rendered.index_html)?;
    let conf = conf.replace(
        "root * /srv/twinscope",
        &format!("root * {}", root.display()),
    );
    std::fs::write(prefix.join("Caddyfile"), conf)?;
    std::fs::create_dir_all(prefix.join("twinscope"))?;
    std::fs::write(
        prefix.join("twinscope/index-csp.caddy"),
        format!(
            "header /index.html Content-Security-Policy \"{}\"\n",
            rendered.index_policy
        ),
    )?;
    let log = prefix.join("caddy.log");
    let mut child = Command::new(caddy)
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(prefix.join("Caddyfile"))
        .current_dir(prefix)
        .env("HOME", prefix)
        .env("XDG_DATA_HOME", prefix.join("data"))
        .env("XDG_CONFIG_HOME", prefix.join("config"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(&log)?))
        .spawn()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    if let Err(e) = wait_listening(&mut child, addr, &log).await {
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    Ok(Server {
        child,
        addr,
        log,
        _scratch: dir,
    })
}

fn copy_dist(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

/// What reached the stub upstream: the request target and its headers (lower-case names).
#[derive(Debug, Clone)]
pub struct Seen {
    pub target: String,
    pub headers: BTreeMap<String, String>,
}

/// A stand-in instance on `127.0.0.1`: records every request; `/adt/{host}/redirect…`
/// answers 302 with a Location, everything else 200 with a JSON body; both set a cookie and
/// the instance's own security headers.
#[derive(Debug)]
pub struct StubUpstream {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    _task: tokio::task::JoinHandle<()>,
}

impl StubUpstream {
    pub async fn start() -> Result<Self> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .fallback(stub_answer)
            .with_state(Arc::clone(&seen));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            addr,
            seen,
            _task: task,
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

async fn stub_answer(State(seen): State<Arc<Mutex<Vec<Seen>>>>, request: Request) -> Response {
    let target = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let headers: BTreeMap<String, String> = request
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    if let Ok(mut list) = seen.lock() {
        list.push(Seen {
            target: target.clone(),
            headers,
        });
    }
    let mut response = if target.contains("/redirect") {
        (
            StatusCode::FOUND,
            [(header::LOCATION, "https://evil.example/stolen")],
            "moved",
        )
            .into_response()
    } else {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"value":[],"stub":true}"#,
        )
            .into_response()
    };
    let h = response.headers_mut();
    h.insert(
        header::SET_COOKIE,
        HeaderValue::from_static("instance-session=secret; Path=/"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src *"),
    );
    h.insert(header::SERVER, HeaderValue::from_static("stub-instance"));
    response
}
