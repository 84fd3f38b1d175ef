//! What the page posts to the course page (`{"v":1,"type":"…",…}`): the ready handshake
//! once the run can take commands, an answer to every message (accepted, or an error
//! naming what is wrong), and the state changes between two views ([`changes`]): a node
//! crashed, paused or came back, a consumer group changed state or generation, a lesson
//! step is shown, its task completed. Events carry the run's virtual time (`at_ms`).

use super::inbound::EmbedError;
use super::EMBED_VERSION;
use crate::engine::cluster::{NodeId, CONTROLLER_ID};
use crate::sim::lesson::outline::LessonOutline;
use crate::sim::lesson::LessonProgress;
use crate::sim::picture::view::ClusterView;
use crate::sim::Status;
use serde::Serialize;
use std::collections::BTreeMap;

/// One message out.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outbound {
    /// The page takes commands now. `steps` and `step` only on a lesson's page.
    Ready {
        scenario: String,
        seed: u64,
        lesson: Option<String>,
        steps: Option<usize>,
        step: Option<usize>,
        at_ms: i64,
    },
    /// The message `id` was taken (a command is queued for the run).
    Accepted {
        id: Option<String>,
    },
    Error {
        id: Option<String>,
        code: &'static str,
        error: String,
    },
    /// A broker or the controller changed status: `up`, `paused` or `crashed`.
    Node {
        node: NodeId,
        status: &'static str,
        at_ms: i64,
    },
    /// A consumer group's state (Kafka's words: `Stable`, `PreparingRebalance`, …) or generation changed.
    Group {
        group: String,
        state: String,
        generation: i32,
        at_ms: i64,
    },
    /// The lesson shows step `step` (0-based, as the `LessonStep` command counts).
    LessonStep {
        step: usize,
        steps: usize,
        at_ms: i64,
    },
    /// The task of step `step` happened.
    TaskCompleted {
        step: usize,
        at_ms: i64,
    },
}

#[derive(Serialize)]
struct Envelope<'a> {
    v: u32,
    #[serde(flatten)]
    message: &'a Outbound,
}

impl Outbound {
    /// The error answer to a message.
    pub fn error(id: Option<String>, e: &EmbedError) -> Outbound {
        Outbound::Error { id, code: e.code(), error: e.to_string() }
    }

    /// The message as JSON text, with the protocol version.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&Envelope { v: EMBED_VERSION, message: self }).unwrap_or_default()
    }
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Up => "up",
        Status::Paused => "paused",
        Status::Crashed => "crashed",
    }
}

/// What events are told from: the parts of a view the course page hears about.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    pub at_ms: i64,
    pub nodes: BTreeMap<NodeId, &'static str>,
    pub groups: BTreeMap<String, (String, i32)>,
    pub lesson: Option<LessonProgress>,
}

impl Snapshot {
    pub fn of(view: &ClusterView) -> Snapshot {
        let mut nodes: BTreeMap<NodeId, &'static str> =
            view.brokers.iter().map(|b| (b.id, status_word(b.status))).collect();
        nodes.insert(CONTROLLER_ID, status_word(view.controller));
        Snapshot {
            at_ms: view.now_ms,
            nodes,
            groups: view
                .groups
                .iter()
                .map(|g| (g.group_id.clone(), (g.state.clone(), g.generation)))
                .collect(),
            lesson: view.lesson,
        }
    }
}

/// The ready handshake for the run `view` shows.
pub fn ready(view: &ClusterView, lesson: Option<&LessonOutline>) -> Outbound {
    Outbound::Ready {
        scenario: view.scenario.clone(),
        seed: view.seed,
        lesson: lesson.map(|l| l.name.clone()),
        steps: lesson.map(|l| l.steps.len()),
        step: lesson.and(view.lesson.map(|p| p.step)),
        at_ms: view.now_ms,
    }
}

/// The events between two snapshots of one run, in a fixed order (nodes, groups, lesson).
/// A task is completed only on a step that has one (a step without a task counts as done
/// at once, and says nothing).
pub fn changes(before: &Snapshot, after: &Snapshot, lesson: Option<&LessonOutline>) -> Vec<Outbound> {
    let at_ms = after.at_ms;
    let mut out = Vec::new();
    for (node, status) in &after.nodes {
        if before.nodes.get(node) != Some(status) {
            out.push(Outbound::Node { node: *node, status, at_ms });
        }
    }
    for (group, (state, generation)) in &after.groups {
        if before.groups.get(group) != Some(&(state.clone(), *generation)) {
            out.push(Outbound::Group {
                group: group.clone(),
                state: state.clone(),
                generation: *generation,
                at_ms,
            });
        }
    }
    if let (Some(lesson), Some(now)) = (lesson, after.lesson) {
        let steps = lesson.steps.len();
        let moved = before.lesson.map(|p| p.step) != Some(now.step);
        if moved {
            out.push(Outbound::LessonStep { step: now.step, steps, at_ms });
        }
        let has_task = lesson.steps.get(now.step).is_some_and(|s| s.task.is_some());
        let was_done = !moved && before.lesson.is_some_and(|p| p.task_done);
        if has_task && now.task_done && !was_done {
            out.push(Outbound::TaskCompleted { step: now.step, at_ms });
        }
    }
    out
}
