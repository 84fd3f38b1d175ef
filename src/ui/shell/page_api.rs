//! The run as scripts and course pages reach it, on `window`: `kafkaPlaygroundView()`
//! (the latest view as JSON text, built only when asked), `…Command(json)`,
//! `…Journal()`, `…JournalDigest()`, `…WorkerWindows()`, `…Memory()` and
//! `…ShareLink()`, and the course page's `postMessage` channel ([`EmbedPort`]). The run
//! is in the run worker ([`RunLink`]), so every answer but the view's is a Promise.
//! They are there from the first render on: before the run starts (the workspace's lock
//! is being taken, or another tab holds it) the worker keeps the commands, at most
//! [`crate::embed::COMMANDS_WAITING_AT_MOST`], and answers the questions with an error.

use crate::embed::inbound::EmbedError;
use crate::ui::embed::EmbedPort;
use crate::web::cluster_view::{ClusterCommand, ClusterView};
use crate::web::run_link::RunLink;
use crate::web::run_protocol::{Outcome, Question, Submit};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use yew::Callback;

/// Where the page keeps its run worker's link.
pub type LinkSlot = Rc<RefCell<Option<Rc<RunLink>>>>;

fn set(name: &str, f: &JsValue) {
    if let Some(w) = web_sys::window() {
        let _ = js_sys::Reflect::set(&w, &JsValue::from_str(name), f);
    }
}

/// The link in the slot, if the slot is still the page's.
fn link(slot: &Weak<RefCell<Option<Rc<RunLink>>>>) -> Option<Rc<RunLink>> {
    slot.upgrade()?.borrow().clone()
}

/// A Promise of what `ask` hands its reply (or its error, as a rejection).
fn promise(ask: impl FnOnce(Box<dyn FnOnce(Result<JsValue, String>)>)) -> js_sys::Promise {
    let mut ask = Some(ask);
    js_sys::Promise::new(&mut |resolve, reject| {
        let Some(ask) = ask.take() else { return };
        ask(Box::new(move |r| {
            let _ = match r {
                Ok(v) => resolve.call1(&JsValue::NULL, &v),
                Err(e) => reject.call1(&JsValue::NULL, &JsValue::from_str(&e)),
            };
        }));
    })
}

/// Asks the run worker `q`, for a Promise of the text.
fn ask_text(slot: &Weak<RefCell<Option<Rc<RunLink>>>>, q: Question) -> js_sys::Promise {
    let link = link(slot);
    promise(move |reply| match link {
        Some(l) => l.ask(q, move |parts| reply(parts.map(|p| JsValue::from_str(&p.concat())))),
        None => reply(Err("no cluster is running".into())),
    })
}

/// `window.kafkaPlaygroundView()` returns the latest view as JSON text ("null" before the
/// first). Built on demand: serializing every view would cost the page its frames.
pub(crate) fn expose_view(latest: Rc<RefCell<Option<Rc<ClusterView>>>>) {
    let view = Closure::<dyn Fn() -> String>::new(move || {
        serde_json::to_string(&latest.borrow().as_deref()).unwrap_or_else(|_| "null".into())
    });
    set("kafkaPlaygroundView", view.as_ref());
    view.forget();
}

/// `window.kafkaPlaygroundShareLink()`: a Promise of the share link of the moment shown,
/// or `error: …`, asked as the timeline's "Copy link" asks it (`share`).
pub fn expose_share_link(share: Callback<Callback<Result<String, String>>>) {
    let f = Closure::<dyn Fn() -> js_sys::Promise>::new(move || {
        let share = share.clone();
        promise(move |reply| {
            let reply = Cell::new(Some(reply));
            share.emit(Callback::from(move |link: Result<String, String>| {
                if let Some(reply) = reply.take() {
                    let text = link.unwrap_or_else(|e| format!("error: {e}"));
                    reply(Ok(JsValue::from_str(&text)));
                }
            }));
        })
    });
    set("kafkaPlaygroundShareLink", f.as_ref());
    f.forget();
}

/// `window.kafkaPlaygroundJournal()`: a Promise of the run's journal as the CLI's
/// `run --journal` writes it (compact JSON text, the chunks spilled to IndexedDB read
/// back); `…JournalDigest()` of its entries, bytes, CRC-32C and spilled entries as
/// compact JSON; `…WorkerWindows()` of the lockstep windows run with the broker workers
/// (one round trip each; the speed benchmark reads it); `…Memory()` of the wasm memory
/// of the page (`main`), the run worker (`run`) and each broker's worker (`workers`), as
/// JSON; `…Command(json)` runs a [`ClusterCommand`] given as JSON (e.g.
/// `{"SetSpeed":100}`, `"Pause"`, `{"Crash":2}`), a Promise of "" or the error.
pub fn expose_run(slot: &LinkSlot) {
    let weak = Rc::downgrade(slot);
    let journal = Closure::<dyn Fn() -> js_sys::Promise>::new(move || ask_text(&weak, Question::Journal));
    set("kafkaPlaygroundJournal", journal.as_ref());
    journal.forget();
    let weak = Rc::downgrade(slot);
    let digest =
        Closure::<dyn Fn() -> js_sys::Promise>::new(move || ask_text(&weak, Question::JournalDigest));
    set("kafkaPlaygroundJournalDigest", digest.as_ref());
    digest.forget();
    let weak = Rc::downgrade(slot);
    let windows = Closure::<dyn Fn() -> js_sys::Promise>::new(move || {
        let link = link(&weak);
        promise(move |reply| match link {
            Some(l) => l.ask(Question::WorkerWindows, move |r| {
                let n = r.ok().and_then(|p| p.concat().parse::<u64>().ok()).unwrap_or(0) as f64;
                reply(Ok(JsValue::from_f64(n)));
            }),
            None => reply(Ok(JsValue::from_f64(0.0))),
        })
    });
    set("kafkaPlaygroundWorkerWindows", windows.as_ref());
    windows.forget();
    let weak = Rc::downgrade(slot);
    let memory = Closure::<dyn Fn() -> js_sys::Promise>::new(move || {
        let link = link(&weak);
        promise(move |reply| {
            let main = crate::web::node_protocol::wasm_memory_bytes();
            let with_main = move |run: Option<String>| {
                let mut v: serde_json::Value =
                    run.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_else(|| serde_json::json!({}));
                v["main"] = main.into();
                reply(Ok(JsValue::from_str(&v.to_string())));
            };
            match link {
                Some(l) => l.ask(Question::Memory, move |r| with_main(r.ok().map(|p| p.concat()))),
                None => with_main(None),
            }
        })
    });
    set("kafkaPlaygroundMemory", memory.as_ref());
    memory.forget();
    let weak = Rc::downgrade(slot);
    let command = Closure::<dyn Fn(String) -> js_sys::Promise>::new(move |text: String| {
        let link = link(&weak);
        promise(move |reply| match serde_json::from_str::<ClusterCommand>(&text) {
            Ok(c) => submit(link, c, Submit::Send, move |r| {
                reply(Ok(JsValue::from_str(&r.err().map(|e| e.to_string()).unwrap_or_default())))
            }),
            Err(e) => reply(Ok(JsValue::from_str(&format!("not a cluster command: {e}")))),
        })
    });
    set("kafkaPlaygroundCommand", command.as_ref());
    command.forget();
}

/// Submits `c` to the run worker; `reply` gets the outcome as the embed API words it.
pub fn submit(
    link: Option<Rc<RunLink>>,
    c: ClusterCommand,
    how: Submit,
    reply: impl FnOnce(Result<(), EmbedError>) + 'static,
) {
    match link {
        Some(l) => l.submit(c, how, move |outcome| {
            reply(match outcome {
                Outcome::Accepted => Ok(()),
                Outcome::Refused(why) => Err(EmbedError::Refused(why)),
                Outcome::QueueFull => Err(EmbedError::QueueFull),
            })
        }),
        None => reply(Err(EmbedError::Refused("no cluster is running".into()))),
    }
}

/// The course page's channel ([`crate::ui::embed`]): a command is checked against the
/// running cluster first, so the course page hears Kafka's refusal as a form would.
pub fn embed_port(slot: &LinkSlot) -> Rc<EmbedPort> {
    let weak = Rc::downgrade(slot);
    EmbedPort::listen(Rc::new(move |c: ClusterCommand, reply| submit(link(&weak), c, Submit::Try, reply)))
}
