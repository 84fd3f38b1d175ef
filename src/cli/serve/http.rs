//! `serve`'s page port (`--http-port`, default [`DEFAULT_HTTP_PORT`], on 127.0.0.1): the
//! built page's files from `--page-dir` (trunk's `dist/`) and, at `/ws`, the WebSocket
//! (RFC 6455, tungstenite in blocking mode) over which the page watches and drives the
//! cluster ([`crate::sim::picture::live`]).
//!
//! How the page knows it watches `serve`: `/` without a query redirects to `/?serve=1`,
//! and the page in serve mode (`?serve=1`: the WebSocket at `ws://<its host>/ws`; or
//! `?serve=ws://…`) draws the views it is sent instead of running a cluster of its own.
//! The page's files are the ordinary build: nothing is rewritten.
//!
//! Bounds: [`MAX_PAGES`] WebSockets and [`MAX_HTTP`] plain requests at once (more are
//! answered 503), request heads of [`MAX_HEAD_BYTES`], messages from the page of
//! [`MAX_PAGE_MESSAGE_BYTES`] (a longer one gets a refusal and the socket is closed). A
//! WebSocket from another origin than the page's is refused (403): another site open in
//! the learner's browser must not crash their brokers. Only GET (and HEAD) of files
//! under the page's directory are served.

use super::net::NetEvent;
use crate::sim::picture::live::{Refusal, ServeMessage, MAX_PAGE_MESSAGE_BYTES};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::time::Duration;
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::{Message, WebSocket};

/// Not 8080: that is the tab's own page under `scripts/serve.sh` (trunk serve), which a
/// developer may run beside `serve`.
pub const DEFAULT_HTTP_PORT: u16 = 8081;
/// Pages watching at once.
pub const MAX_PAGES: usize = 8;
/// Plain HTTP requests served at once.
pub const MAX_HTTP: usize = 32;
pub const MAX_HEAD_BYTES: usize = 8 * 1024;
/// Messages waiting for one page (views are dropped when it reads too slowly).
const PAGE_QUEUE: usize = 16;
/// How often a page's thread looks for what to send while the page is silent.
const POLL: Duration = Duration::from_millis(25);

/// What the simulation's thread sends a page: a [`ServeMessage`]'s binary frame.
pub type PageTx = SyncSender<Arc<[u8]>>;

/// Binds the page's port, with a clear error when it is taken.
pub fn bind(port: u16) -> Result<TcpListener, String> {
    TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
        format!("page: cannot listen on 127.0.0.1:{port}: {e} (choose another port with --http-port)")
    })
}

/// Serves the page's port until `tx`'s receiver is gone.
pub fn listen(listener: TcpListener, dir: PathBuf, tx: Sender<NetEvent>) {
    let dir = Arc::new(dir);
    let (pages, plain) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let next_page = Arc::new(AtomicU32::new(1));
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        if plain.load(Ordering::Relaxed) >= MAX_HTTP {
            let _ = respond(&stream, "503 Service Unavailable", "text/plain", b"busy", false);
            continue;
        }
        let (dir, tx, pages, plain, next_page) =
            (dir.clone(), tx.clone(), pages.clone(), plain.clone(), next_page.clone());
        plain.fetch_add(1, Ordering::Relaxed);
        std::thread::spawn(move || {
            let upgraded = one_request(stream, &dir, &pages, &next_page);
            plain.fetch_sub(1, Ordering::Relaxed);
            if let Some((ws, page)) = upgraded {
                watch(ws, page, &tx);
                pages.fetch_sub(1, Ordering::Relaxed);
            }
        });
    }
}

struct Head {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Reads the request head; returns it and the bytes read past it.
fn read_head(stream: &mut TcpStream) -> Option<(Head, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD_BYTES {
            return None;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let text = std::str::from_utf8(&buf[..end]).ok()?;
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?.to_string(), first.next()?.to_string());
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Some((Head { method, target, headers }, buf[end + 4..].to_vec()))
}

fn respond(
    mut stream: &TcpStream,
    status: &str,
    kind: &str,
    body: &[u8],
    head_only: bool,
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()
}

/// Answers one request; a WebSocket upgrade returns the socket to watch with.
fn one_request(
    mut stream: TcpStream,
    dir: &Path,
    pages: &AtomicUsize,
    next_page: &AtomicU32,
) -> Option<(WebSocket<TcpStream>, u32)> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_write_timeout(Some(super::net::WRITE_TIMEOUT));
    let Some((head, rest)) = read_head(&mut stream) else {
        let _ = respond(&stream, "400 Bad Request", "text/plain", b"bad request", false);
        return None;
    };
    let (path, query) = head.target.split_once('?').unwrap_or((head.target.as_str(), ""));
    if path == "/ws" {
        return upgrade(stream, &head, rest, pages, next_page);
    }
    let head_only = head.method == "HEAD";
    if head.method != "GET" && !head_only {
        let _ = respond(&stream, "405 Method Not Allowed", "text/plain", b"GET only", false);
        return None;
    }
    if path == "/" && query.is_empty() {
        let redirect =
            "HTTP/1.1 302 Found\r\nLocation: /?serve=1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        let _ = stream.write_all(redirect.as_bytes());
        return None;
    }
    let _ = match file(dir, path) {
        Ok((kind, body)) => respond(&stream, "200 OK", kind, &body, head_only),
        Err((status, text)) => {
            respond(&stream, status, "text/plain; charset=utf-8", text.as_bytes(), head_only)
        }
    };
    None
}

/// The file at `path` under `dir` (`/` is `index.html`), with its content type.
fn file(dir: &Path, path: &str) -> Result<(&'static str, Vec<u8>), (&'static str, String)> {
    let not_found = || ("404 Not Found", format!("no {path} here"));
    let rel = if path == "/" { "index.html" } else { path.trim_start_matches('/') };
    let safe = !rel.is_empty()
        && rel.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
        && !rel.contains(['\\', '\0', ':']);
    if !safe {
        return Err(not_found());
    }
    if !dir.is_dir() {
        return Err(("404 Not Found", missing_dir_message(dir)));
    }
    let body = std::fs::read(dir.join(rel)).map_err(|_| not_found())?;
    let kind = match rel.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript",
        "wasm" => "application/wasm",
        "css" => "text/css",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    };
    Ok((kind, body))
}

/// What `serve` says (at start, and to a browser) when the page's files are missing.
pub fn missing_dir_message(dir: &Path) -> String {
    format!(
        "the page's files are not in {} (build them with `trunk build --release`, or give --page-dir DIR); real clients are served all the same",
        dir.display()
    )
}

/// Completes the WebSocket handshake (RFC 6455 §4.2.2) for a page of this origin.
fn upgrade(
    stream: TcpStream,
    head: &Head,
    rest: Vec<u8>,
    pages: &AtomicUsize,
    next_page: &AtomicU32,
) -> Option<(WebSocket<TcpStream>, u32)> {
    let is_upgrade = head.header("Upgrade").is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
    let Some(key) = head.header("Sec-WebSocket-Key").filter(|_| is_upgrade && head.method == "GET") else {
        let _ = respond(&stream, "400 Bad Request", "text/plain", b"a WebSocket upgrade only", false);
        return None;
    };
    // A browser sends the page's origin: it must be this host's (scripts and tests
    // without an Origin are let in).
    let same_origin = match (head.header("Origin"), head.header("Host")) {
        (None, _) => true,
        (Some(origin), Some(host)) => origin == format!("http://{host}"),
        (Some(_), None) => false,
    };
    if !same_origin {
        let _ =
            respond(&stream, "403 Forbidden", "text/plain", b"only the page served here may watch", false);
        return None;
    }
    if pages.fetch_add(1, Ordering::Relaxed) >= MAX_PAGES {
        pages.fetch_sub(1, Ordering::Relaxed);
        let _ = respond(&stream, "503 Service Unavailable", "text/plain", b"too many pages watching", false);
        return None;
    }
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    if (&stream).write_all(answer.as_bytes()).is_err() || stream.set_read_timeout(Some(POLL)).is_err() {
        pages.fetch_sub(1, Ordering::Relaxed);
        return None;
    }
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_PAGE_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_PAGE_MESSAGE_BYTES));
    let ws = WebSocket::from_partially_read(stream, rest, Role::Server, Some(config));
    let page = next_page.fetch_add(1, Ordering::Relaxed);
    Some((ws, page))
}

fn answer_frame(refusal: Refusal) -> Message {
    Message::binary(ServeMessage::Answer(Some(refusal)).frame())
}

/// One page's socket: its messages go to the simulation's thread, which answers and
/// sends views through the page's queue.
fn watch(mut ws: WebSocket<TcpStream>, page: u32, tx: &Sender<NetEvent>) {
    let (page_tx, page_rx): (PageTx, Receiver<Arc<[u8]>>) = sync_channel(PAGE_QUEUE);
    if tx.send(NetEvent::PageOpened { page, tx: page_tx }).is_err() {
        return;
    }
    loop {
        match ws.read() {
            Ok(Message::Text(text)) => {
                if tx.send(NetEvent::PageText { page, text: text.as_str().to_string() }).is_err() {
                    break;
                }
            }
            Ok(Message::Binary(_)) => {
                let answer = answer_frame(Refusal::Invalid("a binary message (send JSON text)".into()));
                if ws.send(answer).is_err() {
                    break;
                }
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(tungstenite::Error::Capacity(e)) => {
                let answer = answer_frame(Refusal::Invalid(format!(
                    "longer than {MAX_PAGE_MESSAGE_BYTES} bytes ({e})"
                )));
                let _ = ws.send(answer);
                let _ = ws.close(None);
                let _ = ws.flush();
                break;
            }
            Err(_) => break,
        }
        let mut gone = false;
        while let Ok(frame) = page_rx.try_recv() {
            if ws.send(Message::binary(frame.to_vec())).is_err() {
                gone = true;
                break;
            }
        }
        if gone {
            break;
        }
    }
    let _ = tx.send(NetEvent::PageClosed { page });
}
