//! `serve`'s sockets and clock: listener threads per broker (127.0.0.1, and ::1 when the
//! machine has it) accept connections, a
//! reader thread per connection hands bytes to the one thread that owns the simulation
//! (the engine is single-threaded), which runs it up to the wall clock, feeds each
//! connection's decoded requests in, and writes the encoded answers back. A connection
//! that sends a bad frame is closed (after the answers before it); a client that stops
//! reading is dropped after [`WRITE_TIMEOUT`] rather than stalling every broker.
//! Standard input carries control lines ([`super::control`]: `crash N`, `restart N`), and
//! the page's port ([`super::http`]) the pages that watch and drive the cluster
//! ([`super::watch`]); both act through [`act`].

use super::control::Control;
use super::http::PageTx;
use super::journal_file::JournalFile;
use super::watch::Watchers;
use super::ServeArgs;
use crate::cli::CliError;
use crate::engine::cluster::{Envelope, NodeId, NodeView};
use crate::sim::picture::live::{live_action, parse_page_message, ConnectionView, LiveAction, Refusal};
use crate::sim::picture::log_ask::parse_log_request;
use crate::sim::scenario::Scenario;
use crate::sim::serve_world::{build_serve_sim, Outbox, FIRST_CONNECTION_ID};
use crate::sim::{Action, Sim};
use crate::wire::{Connection, Outgoing, ServeContext};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// How long a write to a client may block before the client is dropped.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest the loop sleeps with nothing due (it wakes on any arrival anyway).
const IDLE_WAKE_MS: i64 = 100;
/// How long the brokers may take to register before `serve` gives up.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// Events the simulation may run in one catch-up with the clock.
const MAX_STEPS_PER_TURN: u64 = 1_000_000;

pub(super) enum NetEvent {
    Opened {
        conn: NodeId,
        broker: NodeId,
        stream: TcpStream,
    },
    Bytes {
        conn: NodeId,
        bytes: Vec<u8>,
    },
    Closed {
        conn: NodeId,
    },
    /// A line on standard input ([`super::control`]).
    Line(String),
    /// A page's WebSocket ([`super::http`]): opened (views go to `tx`), a message, closed.
    PageOpened {
        page: u32,
        tx: PageTx,
    },
    PageText {
        page: u32,
        text: String,
    },
    PageClosed {
        page: u32,
    },
}

/// Longest control line read (a longer one is cut there and refused as not a command).
const MAX_CONTROL_LINE: u64 = 256;

fn read_control(tx: Sender<NetEvent>) {
    use std::io::BufRead;
    let stdin = std::io::stdin();
    let mut lock = stdin.lock();
    loop {
        let mut line = String::new();
        match (&mut lock).take(MAX_CONTROL_LINE).read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                if tx.send(NetEvent::Line(line)).is_err() {
                    return;
                }
            }
        }
    }
}

struct Open {
    stream: TcpStream,
    connection: Connection,
    broker: NodeId,
}

/// The brokers crashed by a control line: their listeners close what they accept.
type Down = std::sync::Arc<std::sync::Mutex<std::collections::BTreeSet<NodeId>>>;

fn listen(
    listener: TcpListener,
    broker: NodeId,
    tx: Sender<NetEvent>,
    next: std::sync::Arc<std::sync::atomic::AtomicU32>,
    down: Down,
) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        if down.lock().map(|d| d.contains(&broker)).unwrap_or(false) {
            // A crashed broker: the connection is closed at once.
            let _ = stream.shutdown(Shutdown::Both);
            continue;
        }
        let conn = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (Ok(reader), true) = (stream.try_clone(), stream.set_write_timeout(Some(WRITE_TIMEOUT)).is_ok())
        else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        if tx.send(NetEvent::Opened { conn, broker, stream }).is_err() {
            return;
        }
        let tx = tx.clone();
        std::thread::spawn(move || read_loop(reader, conn, tx));
    }
}

fn read_loop(mut stream: TcpStream, conn: NodeId, tx: Sender<NetEvent>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if tx.send(NetEvent::Bytes { conn, bytes: buf[..n].to_vec() }).is_err() {
                    return;
                }
            }
        }
    }
    let _ = tx.send(NetEvent::Closed { conn });
}

pub fn serve(
    args: &ServeArgs,
    s: &Scenario,
    context: ServeContext,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let outbox: Outbox = Default::default();
    let mut sim = build_serve_sim(s, 0, outbox.clone()).map_err(|e| CliError::failure(e.to_string()))?;
    let mut journal = JournalFile::create(args.journal.as_deref(), &sim)?;
    let (tx, rx) = channel();
    let next = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(FIRST_CONNECTION_ID));
    let mut listeners = Vec::new();
    for broker in 1..=args.brokers {
        let port = args.port + (broker - 1) as u16;
        let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
            CliError::failure(format!("broker {broker}: cannot listen on 127.0.0.1:{port}: {e}"))
        })?;
        // Also on ::1 when the machine has IPv6: a client given "localhost" (the
        // lecture's notebook) may try ::1 first. Optional: 127.0.0.1 is the listener.
        let v6 = TcpListener::bind(("::1", port)).ok();
        listeners.push((broker, port, listener, v6));
    }
    let page_listener = super::http::bind(args.http_port).map_err(CliError::failure)?;
    let start = Instant::now();
    wait_until_unfenced(&mut sim, args.brokers, start)?;
    let down: Down = Default::default();
    for (broker, port, listener, v6) in listeners {
        let (tx4, next4, down4) = (tx.clone(), next.clone(), down.clone());
        std::thread::spawn(move || listen(listener, broker, tx4, next4, down4));
        let also = match v6 {
            Some(v6) => {
                let (tx6, next6, down6) = (tx.clone(), next.clone(), down.clone());
                std::thread::spawn(move || listen(v6, broker, tx6, next6, down6));
                format!(" and [::1]:{port}")
            }
            None => String::new(),
        };
        let (host, advertised) = context.endpoints.get(&broker).cloned().unwrap_or_default();
        crate::cli::write_out(
            out,
            &format!(
                "broker {broker} listening on 127.0.0.1:{port}{also} (advertised as {host}:{advertised})\n"
            ),
        )?;
    }
    let control_tx = tx.clone();
    std::thread::spawn(move || read_control(control_tx));
    let (page_tx, page_dir) = (tx.clone(), args.page_dir.clone());
    if !page_dir.is_dir() {
        crate::cli::write_out(out, &format!("page: {}\n", super::http::missing_dir_message(&page_dir)))?;
    }
    std::thread::spawn(move || super::http::listen(page_listener, page_dir, page_tx));
    crate::cli::write_out(out, &format!("page: http://127.0.0.1:{}/\n", args.http_port))?;
    drop(tx);
    let mut open: BTreeMap<NodeId, Open> = BTreeMap::new();
    let mut watchers = Watchers::default();
    loop {
        let now_ms = start.elapsed().as_millis() as i64;
        sim.run_until(now_ms, MAX_STEPS_PER_TURN);
        // Answers may ask the engine again (Metadata's auto-creation): until it settles.
        loop {
            let answers: Vec<Envelope> = outbox.borrow_mut().drain(..).collect();
            if answers.is_empty() {
                break;
            }
            for env in answers {
                if let Some(o) = open.get_mut(&env.to) {
                    let sends = o.connection.on_engine(&env.message, &context);
                    inject(&mut sim, env.to, sends);
                }
            }
            sim.run_until(now_ms, MAX_STEPS_PER_TURN);
        }
        flush(&mut sim, &mut open);
        watchers.tick(&sim, s, || connections(&open));
        journal.append(&mut sim)?;
        // The pages' picture has read every event (it keeps up also when nobody watches):
        // a long session keeps at most two chunks of them.
        let read = sim.timeline().len();
        sim.forget_timeline_before(read);
        let wait_ms = sim.next_event_ms().map_or(IDLE_WAKE_MS, |at| (at - now_ms).clamp(0, IDLE_WAKE_MS));
        let first = match rx.recv_timeout(Duration::from_millis(wait_ms as u64)) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return Err(CliError::failure("every listener stopped")),
        };
        let now_ms = start.elapsed().as_millis() as i64;
        sim.run_until(now_ms, MAX_STEPS_PER_TURN);
        for event in std::iter::once(first).chain(rx.try_iter()) {
            match event {
                NetEvent::Opened { conn, broker, stream } => {
                    sim.schedule(sim.now_ms, Action::Start(conn));
                    let connection = match stream.peer_addr() {
                        Ok(peer) => Connection::from_client(broker, peer.ip()),
                        Err(_) => Connection::new(broker),
                    };
                    open.insert(conn, Open { stream, connection, broker });
                }
                NetEvent::Bytes { conn, bytes } => {
                    if let Some(o) = open.get_mut(&conn) {
                        let sends = o.connection.receive(&bytes, &context);
                        inject(&mut sim, conn, sends);
                    }
                }
                NetEvent::Closed { conn } => {
                    if let Some(o) = open.remove(&conn) {
                        let _ = o.stream.shutdown(Shutdown::Both);
                        sim.schedule(sim.now_ms, Action::Crash(conn));
                    }
                }
                NetEvent::Line(line) => {
                    let answer = match super::control::parse(&line, args.brokers) {
                        Ok(Control::Stop) => return stop(&mut sim, &mut journal, out),
                        Ok(Control::Act(a)) => {
                            act(a, &mut sim, &mut open, &down).unwrap_or_else(|r| r.english())
                        }
                        Err(usage) => usage,
                    };
                    watchers.changed();
                    crate::cli::write_out(out, &format!("{answer}\n"))?;
                }
                NetEvent::PageOpened { page, tx } => {
                    watchers.opened(page, tx);
                    let n = watchers.count();
                    crate::cli::write_out(out, &format!("page: a page is watching ({n} now)\n"))?;
                }
                NetEvent::PageText { page, text } if parse_log_request(&text).is_some() => {
                    watchers.log(page, &sim, &text);
                }
                NetEvent::PageText { page, text } => {
                    let done = parse_page_message(&text)
                        .and_then(|c| live_action(&c, args.brokers))
                        .and_then(|a| act(a, &mut sim, &mut open, &down));
                    if let Ok(said) = &done {
                        crate::cli::write_out(out, &format!("page: {said}\n"))?;
                    }
                    watchers.answer(page, done.err());
                }
                NetEvent::PageClosed { page } => watchers.closed(page),
            }
        }
    }
}

/// Runs the cluster at the wall clock's pace until every broker sees every broker
/// registered and unfenced: a Kafka broker serves clients only once it is unfenced
/// (`BrokerServer.startup` waits for the controller's first unfencing), so a client's
/// first Metadata already lists them all.
fn wait_until_unfenced(sim: &mut Sim, brokers: u32, start: Instant) -> Result<(), CliError> {
    let ready = |sim: &Sim| {
        (1..=brokers).all(|b| match sim.live_node(b).map(|n| n.view()) {
            Some(NodeView::Broker(broker)) => broker.image().live_brokers().len() == brokers as usize,
            _ => false,
        })
    };
    while !ready(sim) {
        if start.elapsed() > STARTUP_TIMEOUT {
            return Err(CliError::failure(format!(
                "the brokers did not all register with the controller within {} s",
                STARTUP_TIMEOUT.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(5));
        sim.run_until(start.elapsed().as_millis() as i64, MAX_STEPS_PER_TURN);
    }
    Ok(())
}

/// Carries out a control line's or a page's action; returns what to print, or why not.
fn act(
    action: LiveAction,
    sim: &mut Sim,
    open: &mut BTreeMap<NodeId, Open>,
    down: &Down,
) -> Result<String, Refusal> {
    let Ok(mut crashed) = down.lock() else {
        return Err(Refusal::Invalid("the control state is unavailable".into()));
    };
    let now = sim.now_ms;
    match action {
        LiveAction::Crash(broker) => {
            if !crashed.insert(broker) {
                return Err(Refusal::AlreadyCrashed(broker));
            }
            sim.schedule(now, Action::Crash(broker));
            let gone: Vec<NodeId> =
                open.iter().filter(|(_, o)| o.broker == broker).map(|(c, _)| *c).collect();
            for conn in &gone {
                if let Some(o) = open.remove(conn) {
                    let _ = o.stream.shutdown(Shutdown::Both);
                    sim.schedule(now, Action::Crash(*conn));
                }
            }
            Ok(format!("broker {broker} crashed ({} connections closed)", gone.len()))
        }
        LiveAction::Restart(broker) => {
            if !crashed.remove(&broker) {
                return Err(Refusal::NotCrashed(broker));
            }
            sim.schedule(now, Action::Restart(broker));
            Ok(format!("broker {broker} restarted"))
        }
        LiveAction::Pause(broker) | LiveAction::Resume(broker) if crashed.contains(&broker) => {
            Err(Refusal::AlreadyCrashed(broker))
        }
        LiveAction::Pause(broker) => {
            sim.schedule(now, Action::Pause(broker));
            Ok(format!("broker {broker} paused"))
        }
        LiveAction::Resume(broker) => {
            sim.schedule(now, Action::Resume(broker));
            Ok(format!("broker {broker} resumed"))
        }
        LiveAction::Cut(a, b) => {
            let said = format!("network cut between {a:?} and {b:?}");
            sim.schedule(now, Action::Partition(a.into_iter().collect(), b.into_iter().collect()));
            Ok(said)
        }
        LiveAction::Heal => {
            sim.schedule(now, Action::Heal);
            Ok("network healed".to_string())
        }
    }
}

/// Ends the session on the `stop` line: the journal complete, the final state printed as
/// one JSON line (what `replay` prints as `final_state`).
fn stop(sim: &mut Sim, journal: &mut JournalFile, out: &mut dyn Write) -> Result<(), CliError> {
    journal.append(sim)?;
    let state = serde_json::to_string(&sim.final_state()).map_err(|e| CliError::failure(e.to_string()))?;
    crate::cli::write_out(out, &format!("stopped at {} ms\n{state}\n", sim.now_ms))
}

/// The real clients' connections, for the pages.
fn connections(open: &BTreeMap<NodeId, Open>) -> Vec<ConnectionView> {
    open.iter()
        .map(|(id, o)| ConnectionView {
            id: *id,
            client_id: o.connection.client_id().map(str::to_string),
            broker: o.broker,
            requests: o.connection.requests(),
        })
        .collect()
}

/// Puts a connection's engine requests on the simulated wire, now.
fn inject(sim: &mut Sim, from: NodeId, sends: Vec<Outgoing>) {
    for s in sends {
        sim.deliver_external(Envelope { from, to: s.to, message: s.message });
    }
}

/// Writes every connection's ready answers; closes the ones that must close.
fn flush(sim: &mut Sim, open: &mut BTreeMap<NodeId, Open>) {
    let mut gone = Vec::new();
    for (conn, o) in open.iter_mut() {
        let bytes = o.connection.take_output();
        let written = bytes.is_empty() || o.stream.write_all(&bytes).is_ok();
        if !written || o.connection.close_reason().is_some() {
            if let Some(reason) = o.connection.close_reason() {
                eprintln!("Closing socket for connection {conn} because of error: {reason}");
            }
            let _ = o.stream.shutdown(Shutdown::Both);
            gone.push(*conn);
        }
    }
    for conn in gone {
        open.remove(&conn);
        sim.schedule(sim.now_ms, Action::Crash(conn));
    }
}
