//! Messages between the page (main thread, UI only) and the run worker, which hosts the
//! cluster driver: the simulation, the controller, the clients and the lockstep router
//! (`super::run_worker`). The page asks to start a run, sends commands, the log panel's
//! questions and the scripts' questions; the worker answers each by its id and sends the
//! views as the run goes, as `serve`'s WebSocket sends them to the page that watches it.
//! Both ends are built from this crate; the messages are the page's binary codec
//! ([`crate::sim::picture::frame`], as `serve`'s frames are, through [`Frames`]): the
//! page's wasm carries one small decoder of the view. So no type here skips a field when
//! it serializes (bincode reads fields by position).

use crate::engine::cluster::NodeId;
use crate::sim::lesson::outline::LessonOutline;
use crate::sim::picture::command::ClusterCommand;
use crate::sim::picture::log_ask::{LogAnswer, LogAsk};
use crate::sim::picture::view::ClusterView;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where trunk puts the run worker's loader (`data-bin="run_worker"`, `data-loader-shim`).
pub const RUN_WORKER_LOADER: &str = "run_worker_loader.js";

/// What the page asks for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum RunRequest {
    /// Load the scenario (or the lesson and its scenario) and start the run.
    Start(RunStart),
    /// A command: sent to the run, tried (checked first, then sent) or only checked.
    Command { id: u64, command: ClusterCommand, how: Submit },
    /// The log panel asks a broker about one of its replicas.
    Inspect { id: u64, broker: NodeId, topic: String, partition: u32, ask: LogAsk },
    /// Forget the stored run and start the scenario afresh.
    Reset,
    /// The page drew the last view in this many ms (the driver paces views by it) and
    /// is ready for the next one.
    Drawn { ms: f64 },
    /// Scripts' and the page's questions, answered by [`RunReply::Text`].
    Ask { id: u64, question: Question },
    /// Check a scenario file of one's own; answered by [`RunReply::Checked`].
    CheckScenario { id: u64, text: String },
}

/// How a command is submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Submit {
    /// Queue it for the run's next turn (refused only when the queue is full or the
    /// timeline shows an earlier moment).
    Send,
    /// Check it against the cluster now (Kafka's refusal at the form), then send it.
    Try,
    /// Check it only.
    Check,
}

/// What the page needs answered as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Question {
    /// The run's journal as the CLI's `run --journal` writes it (in [`RunReply::Text`]
    /// parts of at most [`JOURNAL_PART_CHARS`] UTF-16 units).
    Journal,
    /// (entries, bytes, CRC-32C, spilled entries) of the journal, as compact JSON.
    JournalDigest,
    /// The wasm memory of the run worker and each broker's worker, as JSON.
    Memory,
    /// Windows run with the broker workers so far.
    WorkerWindows,
    /// The share link's `run` parameter for the moment shown.
    ShareRun,
}

/// The journal's text goes to the page in parts of at most this many UTF-16 units (a
/// part never ends between the two halves of a surrogate pair).
pub const JOURNAL_PART_CHARS: usize = 1 << 20;

/// What starts a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunStart {
    /// `?scenario=NAME` (a lesson names its own).
    pub scenario: String,
    /// The text of a scenario of one's own, which the page keeps in `localStorage`.
    pub own_text: Option<String>,
    pub lesson: Option<String>,
    pub seed: u64,
    /// The IndexedDB workspace, whose Web Lock the page holds.
    pub workspace: String,
    /// A share link's `run` parameter, as the address gives it.
    pub shared: Option<String>,
    /// The page's address: scenario and lesson files are fetched relative to it.
    pub base_url: String,
}

/// What the worker tells the page: unasked ([`RunEvent`]), or the answer to a request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum RunReply {
    Event(RunEvent),
    /// A command's outcome.
    Submitted {
        id: u64,
        outcome: Outcome,
    },
    Log {
        id: u64,
        answer: LogAnswer,
    },
    /// An answer as text (a journal comes in several, the last with `last`).
    Text {
        id: u64,
        text: Result<String, String>,
        last: bool,
    },
    /// A scenario file of one's own: its `name`, or what is wrong with it.
    Checked {
        id: u64,
        name: Result<String, String>,
    },
}

/// What the run tells the page unasked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum RunEvent {
    /// The files are loaded and the run starts: the scenario's description by language,
    /// and the lesson as the page shows it.
    Loaded {
        description: BTreeMap<String, String>,
        lesson: Option<LessonFacts>,
    },
    /// The run could not start (a file, a lesson that does not fit its scenario …).
    Failed(String),
    /// The share link's `run` cannot be read (the reason names the field): nothing runs.
    BadLink(String),
    View(Box<ClusterView>),
}

/// A command's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Accepted,
    /// Kafka's refusal, as the page's forms show it.
    Refused(String),
    /// More commands wait than the run takes ([`crate::embed::COMMANDS_WAITING_AT_MOST`]).
    QueueFull,
}

/// A lesson and what its pointers need of its scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonFacts {
    pub lesson: LessonOutline,
    /// Each client's kind by its scenario id: `true` for a consumer.
    pub consumers: BTreeMap<String, bool>,
    /// Each topic's partitions.
    pub topic_partitions: BTreeMap<String, u32>,
}

/// gloo-worker's codec for the run worker: [`crate::sim::picture::frame`]. Both ends are
/// this crate's, so a message that does not decode is a bug in it, thrown with its words.
pub struct Frames;

impl gloo_worker::Codec for Frames {
    fn encode<I: Serialize>(input: I) -> wasm_bindgen::JsValue {
        js_sys::Uint8Array::from(crate::sim::picture::frame::to_frame(&input).as_slice()).into()
    }

    fn decode<O: for<'de> Deserialize<'de>>(input: wasm_bindgen::JsValue) -> O {
        let bytes = js_sys::Uint8Array::new(&input).to_vec();
        match crate::sim::picture::frame::from_frame(&bytes) {
            Ok(o) => o,
            Err(e) => wasm_bindgen::throw_str(&format!("run worker message: {e}")),
        }
    }
}
