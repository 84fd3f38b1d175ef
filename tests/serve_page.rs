//! `serve`'s page port (issue 15, point 3), against the real binary on free loopback
//! ports: it serves the page's files (`/` redirects to `/?serve=1`, nothing outside the
//! page's directory), refuses a port in use with a clear error, and over its WebSocket
//! sends the cluster view (the brokers, and each real client's connection named by the
//! `client.id` of its requests), carries out a crash and a restart from the page (the
//! broker's connections are reset, its port refuses), and refuses with a reason what it
//! cannot do under real clients (speed, produce), garbage, and another site's page; and
//! answers the log panel's requests by id.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::sim::picture::live::{Refusal, ServeMessage};
use kafka_playground::sim::picture::log_ask::LogAnswer;
use kafka_playground::sim::picture::view::ClusterView;
use kafka_playground::sim::Status;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tungstenite::{Message, WebSocket};

/// A base port with `n` free ports after it (bound and released).
fn free_ports(n: u16) -> u16 {
    for _ in 0..50 {
        let base = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        if base.checked_add(n).is_none() {
            continue;
        }
        let held: Result<Vec<_>, _> = (base..base + n).map(|p| TcpListener::bind(("127.0.0.1", p))).collect();
        if held.is_ok() {
            return base;
        }
    }
    panic!("no {n} free consecutive ports");
}

struct Serve {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(brokers: u32, port: u16, http: u16, dir: &std::path::Path) -> Serve {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kafka-playground"))
        .args(["serve", "--brokers", &brokers.to_string(), "--port", &port.to_string()])
        .args(["--http-port", &http.to_string(), "--page-dir"])
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    Serve { child, lines }
}

impl Serve {
    /// The next line on its standard output that contains `what`.
    fn line_with(&self, what: &str) -> String {
        loop {
            let line = self.lines.recv_timeout(Duration::from_secs(30)).expect(what);
            if line.contains(what) {
                return line;
            }
        }
    }
}

/// A GET of `target` with `headers` (each ending in CRLF); the whole answer.
fn get(http: u16, target: &str, headers: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", http)).unwrap();
    write!(s, "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{http}\r\n{headers}\r\n").unwrap();
    // Until the server closes, or the head of a 101 (the socket then stays open).
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let upgraded = answer.starts_with(b"HTTP/1.1 101") && answer.windows(4).any(|w| w == b"\r\n\r\n");
        match s.read(&mut chunk) {
            _ if upgraded => break,
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8(answer).unwrap()
}

type Ws = WebSocket<tungstenite::stream::MaybeTlsStream<TcpStream>>;

fn next(ws: &mut Ws) -> ServeMessage {
    loop {
        if let Message::Binary(b) = ws.read().unwrap() {
            return ServeMessage::from_frame(&b).unwrap();
        }
    }
}

fn answer(ws: &mut Ws, text: &str) -> Option<Refusal> {
    ws.send(Message::text(text)).unwrap();
    loop {
        if let ServeMessage::Answer(a) = next(ws) {
            return a;
        }
    }
}

/// The first view (within 20 s) for which `ok` holds.
fn view_where(ws: &mut Ws, ok: impl Fn(&ClusterView) -> bool) -> ClusterView {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let ServeMessage::View(v) = next(ws) {
            if ok(&v) {
                return *v;
            }
        }
    }
    panic!("no such view within 20 s");
}

/// ApiVersions v0 with `client_id`, answered on a connection kept open.
fn kafka_client(port: u16, client_id: &str) -> TcpStream {
    let mut body = Vec::new();
    body.extend_from_slice(&18i16.to_be_bytes());
    body.extend_from_slice(&0i16.to_be_bytes());
    body.extend_from_slice(&7i32.to_be_bytes());
    body.extend_from_slice(&(client_id.len() as i16).to_be_bytes());
    body.extend_from_slice(client_id.as_bytes());
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(&(body.len() as i32).to_be_bytes()).unwrap();
    s.write_all(&body).unwrap();
    let mut len = [0u8; 4];
    s.read_exact(&mut len).unwrap();
    let mut answer = vec![0u8; i32::from_be_bytes(len) as usize];
    s.read_exact(&mut answer).unwrap();
    assert_eq!(&answer[..4], &7i32.to_be_bytes(), "the answer to our correlation id");
    s
}

#[test]
fn the_page_watches_and_drives_serve() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!doctype html><title>page</title>").unwrap();
    std::fs::write(dir.path().join("app_bg.wasm"), b"\0asm").unwrap();
    let (port, http) = (free_ports(3), free_ports(1));
    let serve = start(3, port, http, dir.path());
    assert_eq!(serve.line_with("page: "), format!("page: http://127.0.0.1:{http}/"));

    // The page's files, and nothing else.
    assert!(get(http, "/", "").starts_with("HTTP/1.1 302 Found\r\nLocation: /?serve=1\r\n"));
    let index = get(http, "/?serve=1", "");
    assert!(
        index.starts_with("HTTP/1.1 200 OK") && index.contains("text/html") && index.ends_with("</title>")
    );
    assert!(get(http, "/app_bg.wasm", "").contains("Content-Type: application/wasm"));
    assert!(get(http, "/../Cargo.toml", "").starts_with("HTTP/1.1 404"));
    assert!(get(http, "/missing.js", "").starts_with("HTTP/1.1 404"));
    // Another site's page may not drive the cluster.
    let upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    let foreign = format!("{upgrade}Origin: http://evil.example\r\n");
    assert!(get(http, "/ws", &foreign).starts_with("HTTP/1.1 403"));
    let own = format!("{upgrade}Origin: http://127.0.0.1:{http}\r\n");
    assert!(get(http, "/ws", &own).starts_with("HTTP/1.1 101 Switching Protocols"));

    // The port is taken: a second serve says so and stops.
    let second = Command::new(env!("CARGO_BIN_EXE_kafka-playground"))
        .args(["serve", "--port", &free_ports(1).to_string(), "--http-port", &http.to_string()])
        .output()
        .unwrap();
    assert!(!second.status.success());
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(said.contains(&format!("page: cannot listen on 127.0.0.1:{http}")), "{said}");
    assert!(said.contains("--http-port"), "{said}");

    let client = kafka_client(port + 1, "page-test-client");
    let (mut ws, _) = tungstenite::connect(format!("ws://127.0.0.1:{http}/ws")).unwrap();
    let v = view_where(&mut ws, |v| {
        v.live.as_ref().is_some_and(|l| l.connections.iter().any(|c| c.client_id.is_some()))
    });
    assert_eq!(v.brokers.len(), 3);
    assert_eq!(v.speed, 1.0);
    let live = v.live.unwrap();
    assert_eq!(live.connections.len(), 1);
    let c = &live.connections[0];
    assert_eq!((c.client_id.as_deref(), c.broker, c.requests), (Some("page-test-client"), 2, 1));
    assert!(v.brokers.iter().all(|b| b.status == Status::Up));

    // What serve cannot do under real clients, and garbage, are refused with a reason.
    assert_eq!(answer(&mut ws, r#"{"SetSpeed":10.0}"#), Some(Refusal::RealTime));
    assert_eq!(answer(&mut ws, r#""Pause""#), Some(Refusal::RealTime));
    let produce = r#"{"Produce":{"client":10000,"topic":"t","count":1,"key":null,"value":"v"}}"#;
    assert_eq!(answer(&mut ws, produce), Some(Refusal::RealClients));
    assert!(matches!(answer(&mut ws, "{not json"), Some(Refusal::Invalid(_))));
    assert_eq!(answer(&mut ws, r#"{"Crash":7}"#), Some(Refusal::NoBroker(7)));
    assert_eq!(answer(&mut ws, r#"{"Restart":2}"#), Some(Refusal::NotCrashed(2)));
    ws.send(Message::binary(vec![1, 2, 3])).unwrap();
    assert!(matches!(next_answer(&mut ws), Some(Refusal::Invalid(_))));

    // A crash from the page: the broker's connection is reset, its port refuses.
    assert_eq!(answer(&mut ws, r#"{"Crash":2}"#), None);
    serve.line_with("page: broker 2 crashed (1 connections closed)");
    let v = view_where(&mut ws, |v| v.brokers[1].status == Status::Crashed);
    assert!(v.live.unwrap().connections.is_empty());
    // The connection's node closing is no broker's crash: the feed leaves it out.
    assert!(v.events.iter().all(|(_, node, _)| *node < 1_000_000), "{:?}", v.events);
    let mut client = client;
    let mut byte = [0u8; 1];
    assert!(matches!(client.read(&mut byte), Ok(0) | Err(_)), "the connection was reset");
    let mut refused = TcpStream::connect(("127.0.0.1", port + 1)).unwrap();
    refused.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert!(matches!(refused.read(&mut byte), Ok(0) | Err(_)), "a crashed broker's port refuses");
    assert_eq!(answer(&mut ws, r#"{"Crash":2}"#), Some(Refusal::AlreadyCrashed(2)));
    // The log panel's requests are answered from the brokers, by id.
    let log = |broker: u32, id: u64| {
        format!(
            r#"{{"Log":{{"id":{id},"broker":{broker},"topic":"nope","partition":0,"ask":{{"Detail":{{"max_records":5}}}}}}}}"#
        )
    };
    assert_eq!(
        log_answer(&mut ws, &log(2, 41)),
        (41, LogAnswer::Refused("the broker is not running".into()))
    );
    assert_eq!(
        log_answer(&mut ws, &log(1, 42)),
        (42, LogAnswer::Refused("no replica of nope-0 on this broker".into()))
    );
    assert_eq!(answer(&mut ws, r#"{"Restart":2}"#), None);
    view_where(&mut ws, |v| v.brokers[1].status == Status::Up);
    kafka_client(port + 1, "again");

    // At most MAX_PAGES watch at once: the next is told the server is busy.
    let more: Vec<_> = (1..kafka_playground::cli::serve::MAX_PAGES)
        .map(|_| tungstenite::connect(format!("ws://127.0.0.1:{http}/ws")).unwrap())
        .collect();
    match tungstenite::connect(format!("ws://127.0.0.1:{http}/ws")) {
        Err(tungstenite::Error::Http(r)) => assert_eq!(r.status(), 503),
        other => panic!("a page past the bound: {:?}", other.map(|_| ())),
    }
    drop(more);
}

fn log_answer(ws: &mut Ws, text: &str) -> (u64, LogAnswer) {
    ws.send(Message::text(text)).unwrap();
    loop {
        if let ServeMessage::Log { id, answer } = next(ws) {
            return (id, answer);
        }
    }
}

fn next_answer(ws: &mut Ws) -> Option<Refusal> {
    loop {
        if let ServeMessage::Answer(a) = next(ws) {
            return a;
        }
    }
}
