//! A loopback HTTP server for the wasm tests of "a bearer never follows a redirect"
//! (`tests/it/redirects.rs`): it stands in for an instance that answers with a redirect to
//! another path of the same origin, the attack of issue #14. Started on a free port for the
//! `wasm` stage; its origin reaches the test at compile time as `TWINSCOPE_REDIRECT_SERVER`.
//!
//! - `OPTIONS *`: a CORS preflight that allows `Authorization` (the test page is on another
//!   port, so every request is cross-origin);
//! - `GET /redirect`: `302 Location: /landing`;
//! - `GET /landing`: 200, counting the requests that arrived with `Authorization`;
//! - `GET /seen`: that count, as text.
//!
//! Std only; one thread per connection; stops with the process.

use std::io::{BufRead, BufReader, Write};
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
    let mut lines = BufReader::new(reader).lines();
    let Some(Ok(request_line)) = lines.next() else {
        return;
    };
    let mut bearer = false;
    for line in lines.map_while(Result::ok) {
        if line.is_empty() {
            break;
        }
        if line.to_ascii_lowercase().starts_with("authorization:") {
            bearer = true;
        }
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
        _ => ("404 Not Found", None, String::new()),
    };
    let location = location.map_or(String::new(), |l| format!("Location: {l}\r\n"));
    let response = format!(
        "HTTP/1.1 {status}\r\nConnection: close\r\nAccess-Control-Allow-Origin: *\r\n\
         Access-Control-Allow-Headers: authorization\r\nAccess-Control-Allow-Methods: GET\r\n\
         {location}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}
