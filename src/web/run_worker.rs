//! The run worker: a dedicated web worker that hosts the page's run (the cluster driver:
//! the simulation, the controller, the clients, the lockstep router and the broker
//! workers it spawns), so the page's main thread only draws (issue 16: page weight and
//! frame time). It loads the run's files ([`super::run_files`]), starts the driver, sends
//! the page every view, and answers the page's requests ([`RunRequest`]) by their ids.
//! Commands that come before the run has started (the page waits for the workspace's
//! lock, or another tab holds it) are accepted and wait here, unchecked, at most
//! [`crate::embed::COMMANDS_WAITING_AT_MOST`], and are sent to the run when it starts;
//! a check alone is refused then. One run per worker (the page starts a new worker for a
//! new run).

use super::cluster_driver::ClusterDriver;
use super::run_files;
use super::run_protocol::{
    Outcome, Question, RunEvent, RunReply, RunRequest, RunStart, Submit, JOURNAL_PART_CHARS,
};
use crate::embed::inbound::EmbedError;
use crate::sim::picture::command::ClusterCommand;
use crate::sim::scenario::Scenario;
use gloo_worker::{HandlerId, Worker, WorkerScope};
use std::cell::RefCell;
use std::rc::Rc;
use yew::Callback;

thread_local! {
    /// Where a panic is reported: the page that started the run.
    static PAGE: RefCell<Option<(WorkerScope<RunWorker>, HandlerId)>> = const { RefCell::new(None) };
}

/// Registers the worker, with a panic hook that tells the page (a run that cannot go on
/// says why, in the page's error banner, instead of freezing silently).
pub fn register() {
    use gloo_worker::Registrable;
    std::panic::set_hook(Box::new(|info| {
        let text = format!("the run worker panicked: {info}");
        web_sys::console::error_1(&text.clone().into());
        PAGE.with(|p| {
            if let Ok(p) = p.try_borrow() {
                if let Some((scope, who)) = p.as_ref() {
                    scope.respond(*who, RunReply::Event(RunEvent::Failed(text)));
                }
            }
        });
    }));
    RunWorker::registrar().encoding::<super::run_protocol::Frames>().register();
}

#[derive(Default)]
struct Host {
    driver: Option<Rc<ClusterDriver>>,
    started: bool,
    /// Commands that came before the driver, in order.
    waiting: Vec<ClusterCommand>,
}

pub struct RunWorker {
    host: Rc<RefCell<Host>>,
}

impl Worker for RunWorker {
    type Message = ();
    type Input = RunRequest;
    type Output = RunReply;

    fn create(_scope: &WorkerScope<Self>) -> Self {
        RunWorker { host: Rc::new(RefCell::new(Host::default())) }
    }

    fn update(&mut self, _scope: &WorkerScope<Self>, _msg: Self::Message) {}

    fn received(&mut self, scope: &WorkerScope<Self>, msg: RunRequest, who: HandlerId) {
        let driver = self.host.borrow().driver.clone();
        match msg {
            RunRequest::Start(start) => {
                if std::mem::replace(&mut self.host.borrow_mut().started, true) {
                    return scope.respond(
                        who,
                        RunReply::Event(RunEvent::Failed("this worker runs a run already".into())),
                    );
                }
                PAGE.with(|p| *p.borrow_mut() = Some((scope.clone(), who)));
                start_run(self.host.clone(), scope.clone(), who, start);
            }
            RunRequest::Command { id, command, how } => match driver {
                Some(d) => scope.respond(who, RunReply::Submitted { id, outcome: submit(&d, command, how) }),
                None => {
                    let outcome = {
                        let mut host = self.host.borrow_mut();
                        if how == Submit::Check {
                            Outcome::Refused("no cluster is running".into())
                        } else if host.waiting.len() >= crate::embed::COMMANDS_WAITING_AT_MOST {
                            Outcome::QueueFull
                        } else {
                            host.waiting.push(command);
                            Outcome::Accepted
                        }
                    };
                    scope.respond(who, RunReply::Submitted { id, outcome });
                }
            },
            RunRequest::Inspect { id, broker, topic, partition, ask } => {
                let scope2 = scope.clone();
                let on_answer =
                    Callback::from(move |answer| scope2.respond(who, RunReply::Log { id, answer }));
                match driver {
                    Some(d) => d.inspect(broker, topic, partition, ask, on_answer),
                    None => on_answer.emit(crate::sim::picture::log_ask::LogAnswer::Refused(
                        "no cluster is running".into(),
                    )),
                }
            }
            RunRequest::Reset => {
                if let Some(d) = driver {
                    d.reset();
                }
            }
            RunRequest::Drawn { ms } => {
                if let Some(d) = driver {
                    d.drawn(ms);
                }
            }
            RunRequest::Ask { id, question } => answer(driver, scope.clone(), who, id, question),
            RunRequest::CheckScenario { id, text } => {
                let name = Scenario::parse(&text).map(|s| s.name).map_err(|e| e.to_string());
                scope.respond(who, RunReply::Checked { id, name });
            }
        }
    }
}

/// Carries out a command as asked.
fn submit(d: &ClusterDriver, c: ClusterCommand, how: Submit) -> Outcome {
    let done = match how {
        Submit::Send => d.command(c),
        Submit::Try => d.try_command(c),
        Submit::Check => d.check_command(&c).map_err(EmbedError::Refused),
    };
    match done {
        Ok(()) => Outcome::Accepted,
        Err(EmbedError::QueueFull) => Outcome::QueueFull,
        Err(e) => Outcome::Refused(match e {
            EmbedError::Refused(why) => why,
            other => other.to_string(),
        }),
    }
}

/// Loads the run's files and starts the driver; its views go to `who`.
fn start_run(host: Rc<RefCell<Host>>, scope: WorkerScope<RunWorker>, who: HandlerId, start: RunStart) {
    let shared = match start.shared.as_deref().map(crate::sim::timeline::link::decode).transpose() {
        Ok(shared) => shared,
        Err(why) => return scope.respond(who, RunReply::Event(RunEvent::BadLink(why))),
    };
    wasm_bindgen_futures::spawn_local(async move {
        let loaded = run_files::load(&start).await;
        let (scenario, lesson) = match loaded {
            Ok(l) => l,
            Err(e) => return scope.respond(who, RunReply::Event(RunEvent::Failed(e))),
        };
        let facts = lesson.clone().map(|l| run_files::lesson_facts(l, &scenario));
        scope.respond(
            who,
            RunReply::Event(RunEvent::Loaded { description: scenario.description.clone(), lesson: facts }),
        );
        let views = scope.clone();
        let on_view =
            Callback::from(move |v| views.respond(who, RunReply::Event(RunEvent::View(Box::new(v)))));
        match ClusterDriver::start(scenario, start.seed, &start.workspace, on_view, lesson, shared) {
            Ok(d) => {
                let d = Rc::new(d);
                let waiting = {
                    let mut h = host.borrow_mut();
                    h.driver = Some(d.clone());
                    std::mem::take(&mut h.waiting)
                };
                for command in waiting {
                    if let Err(e) = d.command(command) {
                        web_sys::console::warn_1(
                            &format!("a command sent before the run started: {e}").into(),
                        );
                    }
                }
            }
            Err(e) => scope.respond(who, RunReply::Event(RunEvent::Failed(e))),
        }
    });
}

/// Answers a question as text (the journal in parts).
fn answer(
    driver: Option<Rc<ClusterDriver>>,
    scope: WorkerScope<RunWorker>,
    who: HandlerId,
    id: u64,
    q: Question,
) {
    let text = move |text: Result<String, String>| RunReply::Text { id, text, last: true };
    let Some(d) = driver else {
        return scope.respond(who, text(Err("no cluster is running".into())));
    };
    match q {
        Question::JournalDigest => {
            let digest =
                d.journal_digest().and_then(|g| serde_json::to_string(&g).map_err(|e| e.to_string()));
            scope.respond(who, text(digest));
        }
        Question::Memory => scope.respond(who, text(Ok(d.memory_json()))),
        Question::WorkerWindows => scope.respond(who, text(Ok(d.worker_windows().to_string()))),
        Question::ShareRun => scope.respond(who, text(d.share_run())),
        Question::Journal => {
            let blob = d.journal_blob();
            drop(d);
            wasm_bindgen_futures::spawn_local(async move {
                let whole = match blob.await {
                    Ok(b) => {
                        wasm_bindgen_futures::JsFuture::from(b.text()).await.map_err(|e| format!("{e:?}"))
                    }
                    Err(e) => Err(e),
                };
                match whole {
                    Ok(t) => send_parts(&scope, who, id, &js_sys::JsString::from(t)),
                    Err(e) => scope.respond(who, text(Err(e))),
                }
            });
        }
    }
}

/// Sends `whole` in parts of about [`JOURNAL_PART_CHARS`] UTF-16 units, never between
/// the two halves of a surrogate pair.
fn send_parts(scope: &WorkerScope<RunWorker>, who: HandlerId, id: u64, whole: &js_sys::JsString) {
    let len = whole.length();
    let mut from = 0;
    loop {
        let to = part_end(from, len, JOURNAL_PART_CHARS as u32, |i| whole.char_code_at(i) as u16);
        let part = String::from(whole.slice(from, to));
        scope.respond(who, RunReply::Text { id, text: Ok(part), last: to >= len });
        if to >= len {
            return;
        }
        from = to;
    }
}

/// Where the part of a text of `len` UTF-16 units that starts at `from` ends: at most
/// `most` units on, and never between a high surrogate (`unit_at`) and its low one.
pub fn part_end(from: u32, len: u32, most: u32, unit_at: impl Fn(u32) -> u16) -> u32 {
    let to = from.saturating_add(most.max(2)).min(len);
    if to < len && (0xD800..0xDC00).contains(&unit_at(to - 1)) {
        to - 1
    } else {
        to
    }
}
