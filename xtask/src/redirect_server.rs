//! A loopback HTTP server for the wasm tests of "a bearer never follows a redirect"
//! (`tests/it/redirects.rs`): it stands in for an instance that answers with a redirect to
//! another path of the same origin, the attack of issue #14. Started on a free port for the
//! `wasm` stage; its origin reaches the test at compile time as `TWINSCOPE_REDIRECT_SERVER`.
//!
//! - `OPTIONS *`: a CORS preflight that allows `Authorization`, `Content-Type` and every
//!   method the app sends (the test page is on another port, so every request is
//!   cross-origin);
//! - `GET /redirect`: `302 Location: /landing`;
//! - `GET /landing`: 200, counting the requests that arrived with `Authorization`;
//! - `GET /seen`: that count, as text;
//! - any method on `/echo…`: 200 with the request line's method and target, a line break, and
//!   the body, as they arrived (what a request looks like on the wire).
//!
//! Std only; one thread per connection; stops with the process.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The compile-time variable the wasm test reads its origin from.
pub const ENV: &str = "TWINSCOPE_REDIRECT_SERVER";

/// Starts the server on a free loopback port; returns its origin.
pub fn start() -> Result<String, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("redirect server: {e}"))?;
    let origin = format!(
        "http://127.0.0.1:{}",
        listener
            .local_addr()
            .map_err(|e| format!("redirect server: {e}"))?
            .port()
    );
    let seen = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let seen = Arc::clone(&seen);
            std::thread::spawn(move || serve(stream, &seen));
        }
    });
    Ok(origin)
}

fn serve(mut stream: TcpStream, seen: &AtomicUsize) {
    let Ok(reader) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(reader);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let request_line = request_line.trim_end().to_owned();
    let (mut bearer, mut length) = (false, 0);
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
        let field = line.trim_end().to_ascii_lowercase();
        if field.is_empty() {
            break;
        }
        if field.starts_with("authorization:") {
            bearer = true;
        }
        if let Some(value) = field.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        line.clear();
    }
    let mut received = vec![0; length];
    if reader.read_exact(&mut received).is_err() {
        return;
    }
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, location, body) = match (method, path) {
        ("OPTIONS", _) => ("204 No Content", None, String::new()),
        ("GET", "/redirect") => ("302 Found", Some("/landing"), String::new()),
        ("GET", "/landing") => {
            if bearer {
                seen.fetch_add(1, Ordering::SeqCst);
            }
            ("200 OK", None, "landing".to_owned())
        }
        ("GET", "/seen") => ("200 OK", None, seen.load(Ordering::SeqCst).to_string()),
        (_, echo) if echo.starts_with("/echo") => (
            "200 OK",
            None,
            format!("{method} {echo}\n{}", String::from_utf8_lossy(&received)),
        ),
        _ => ("404 Not Found", None, String::new()),
    };
    let location = location.map_or(String::new(), |l| format!("Location: {l}\r\n"));
    let response = format!(
        "HTTP/1.1 {status}\r\nConnection: close\r\nAccess-Control-Allow-Origin: *\r\n\
         Access-Control-Allow-Headers: authorization, content-type\r\n\
         Access-Control-Allow-Methods: GET, POST, PUT, PATCH, DELETE\r\n\
         {location}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}
