//! The page's end of the run worker ([`super::run_worker`]): starts the worker, sends it
//! the page's requests and hands each answer to whoever asked, by request id. Views,
//! the loaded files and a failed start go to the page's one listener ([`RunEvent`]).
//! The worker answers every request; the answers waiting are bounded all the same
//! ([`WAITING_AT_MOST`] of each kind: a request beyond is answered at once, a command
//! with "too many commands waiting", as the run's own queue answers it). Dropping the
//! link ends the worker, its broker workers with it.

pub use super::run_protocol::RunEvent;
use super::run_protocol::{
    Frames, Outcome, Question, RunReply, RunRequest, RunStart, Submit, RUN_WORKER_LOADER,
};
use super::run_worker::RunWorker;
use crate::engine::cluster::NodeId;
use crate::sim::picture::command::ClusterCommand;
use crate::sim::picture::log_ask::{LogAnswer, LogAsk};
use gloo_worker::{Spawnable, WorkerBridge};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::Callback;

/// Answers waiting at most, of each kind: well above what the run's queue takes
/// ([`crate::embed::COMMANDS_WAITING_AT_MOST`]), which the worker answers itself.
const WAITING_AT_MOST: usize = 4 * crate::embed::COMMANDS_WAITING_AT_MOST;

type Reply<T> = Box<dyn FnOnce(T)>;

/// A text answer's parts so far, and who gets them.
type TextWaiting = (Vec<String>, Reply<Result<Vec<String>, String>>);

#[derive(Default)]
struct Waiting {
    next_id: u64,
    submitted: BTreeMap<u64, Reply<Outcome>>,
    logs: BTreeMap<u64, Callback<LogAnswer>>,
    texts: BTreeMap<u64, TextWaiting>,
    checked: BTreeMap<u64, Reply<Result<String, String>>>,
}

impl Waiting {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

/// Keeps `reply` under `id`, or hands it back when [`WAITING_AT_MOST`] already wait
/// (the caller answers it at once, and sends nothing).
fn wait<T>(map: &mut BTreeMap<u64, T>, id: u64, reply: T) -> Option<T> {
    if map.len() >= WAITING_AT_MOST {
        return Some(reply);
    }
    map.insert(id, reply);
    None
}

const TOO_MANY: &str = "too many questions waiting for the run's answers; ask again later";

pub struct RunLink {
    bridge: WorkerBridge<RunWorker>,
    waiting: Rc<RefCell<Waiting>>,
}

impl RunLink {
    /// Starts the run worker; `on_event` gets its views and what became of the start.
    pub fn spawn(on_event: impl Fn(RunEvent) + 'static) -> RunLink {
        let waiting = Rc::new(RefCell::new(Waiting::default()));
        let back = Rc::downgrade(&waiting);
        let bridge = RunWorker::spawner()
            .encoding::<Frames>()
            .callback(move |reply: RunReply| {
                let Some(waiting) = back.upgrade() else { return };
                on_reply(&waiting, &on_event, reply);
            })
            .spawn_with_loader(RUN_WORKER_LOADER);
        RunLink { bridge, waiting }
    }

    pub fn start(&self, start: RunStart) {
        self.bridge.send(RunRequest::Start(start));
    }

    /// Submits `command` as `how` says; `reply` gets the outcome.
    pub fn submit(&self, command: ClusterCommand, how: Submit, reply: impl FnOnce(Outcome) + 'static) {
        let mut w = self.waiting.borrow_mut();
        let id = w.id();
        let refused = wait(&mut w.submitted, id, Box::new(reply) as Reply<Outcome>);
        drop(w);
        match refused {
            Some(r) => r(Outcome::QueueFull),
            None => self.bridge.send(RunRequest::Command { id, command, how }),
        }
    }

    /// Asks broker `broker` about its replica of `topic`-`partition` (the log panel).
    pub fn inspect(
        &self,
        broker: NodeId,
        topic: String,
        partition: u32,
        ask: LogAsk,
        on: Callback<LogAnswer>,
    ) {
        let mut w = self.waiting.borrow_mut();
        let id = w.id();
        let refused = wait(&mut w.logs, id, on);
        drop(w);
        match refused {
            Some(r) => r.emit(LogAnswer::Refused(TOO_MANY.into())),
            None => self.bridge.send(RunRequest::Inspect { id, broker, topic, partition, ask }),
        }
    }

    pub fn reset(&self) {
        self.bridge.send(RunRequest::Reset);
    }

    /// The page drew the last view in `ms`.
    pub fn drawn(&self, ms: f64) {
        self.bridge.send(RunRequest::Drawn { ms });
    }

    /// Asks `question`; `reply` gets the answer's text in its parts (one part, but for
    /// the journal).
    pub fn ask(&self, question: Question, reply: impl FnOnce(Result<Vec<String>, String>) + 'static) {
        let mut w = self.waiting.borrow_mut();
        let id = w.id();
        let refused = wait(&mut w.texts, id, (Vec::new(), Box::new(reply) as Reply<_>));
        drop(w);
        match refused {
            Some((_, r)) => r(Err(TOO_MANY.into())),
            None => self.bridge.send(RunRequest::Ask { id, question }),
        }
    }

    /// Checks a scenario file of one's own; `reply` gets its `name` or what is wrong.
    pub fn check_scenario(&self, text: String, reply: impl FnOnce(Result<String, String>) + 'static) {
        let mut w = self.waiting.borrow_mut();
        let id = w.id();
        let refused = wait(&mut w.checked, id, Box::new(reply) as Reply<_>);
        drop(w);
        match refused {
            Some(r) => r(Err(TOO_MANY.into())),
            None => self.bridge.send(RunRequest::CheckScenario { id, text }),
        }
    }
}

fn on_reply(waiting: &RefCell<Waiting>, on_event: &dyn Fn(RunEvent), reply: RunReply) {
    match reply {
        RunReply::Event(e) => on_event(e),
        RunReply::Submitted { id, outcome } => {
            let r = waiting.borrow_mut().submitted.remove(&id);
            if let Some(r) = r {
                r(outcome);
            }
        }
        RunReply::Log { id, answer } => {
            let r = waiting.borrow_mut().logs.remove(&id);
            if let Some(r) = r {
                r.emit(answer);
            }
        }
        RunReply::Text { id, text, last } => {
            let done = {
                let mut w = waiting.borrow_mut();
                match (text, w.texts.get_mut(&id)) {
                    (Ok(part), Some((parts, _))) => {
                        parts.push(part);
                        if last {
                            w.texts.remove(&id).map(|(parts, r)| (Ok(parts), r))
                        } else {
                            None
                        }
                    }
                    (Err(e), Some(_)) => w.texts.remove(&id).map(|(_, r)| (Err(e), r)),
                    (_, None) => None,
                }
            };
            if let Some((text, r)) = done {
                r(text);
            }
        }
        RunReply::Checked { id, name } => {
            let r = waiting.borrow_mut().checked.remove(&id);
            if let Some(r) = r {
                r(name);
            }
        }
    }
}
