//! Lesson files: a documented, versioned JSON format for a guided walk through one section
//! of the lecture (`lessons/README.md` describes it for teachers). A lesson starts from a
//! scenario of `scenarios/` and is a sequence of steps; a step says something (English and
//! Russian), names what to look at ([`LookAt`]: the page highlights it), may act (scenario
//! steps, timed from the moment the step begins, run through the same resolution as a
//! scenario's own: [`crate::sim::cluster_world::step_actions`]) and may ask the learner to
//! do something ([`Task`]), which completes when the run shows it happened ([`watch`]).
//!
//! Parsing names the field that is wrong (`steps[3].task.done_when.crashed.leader_of.topic:
//! …`), as scenario parsing does; [`Lesson::validate_against`] then checks every name and
//! act against the lesson's scenario. Every count and text is bounded.

pub mod outline;
mod validate;
pub mod watch;

pub use validate::LessonError;

use super::scenario::{Step, TopicPartitionRef};
use serde::{Deserialize, Serialize};

/// The format version this code reads.
pub const LESSON_VERSION: u32 = 1;
/// The lecture's sections (`lecture-ru.md`): a lesson belongs to one of 1 … 11.
pub const LECTURE_SECTIONS: u32 = 11;
/// A lesson file's size at most.
pub const MAX_LESSON_BYTES: usize = 256 * 1024;
pub const MAX_LESSON_STEPS: usize = 40;
pub const MAX_ACTS_PER_STEP: usize = 20;
pub const MAX_LOOKS_PER_STEP: usize = 8;
/// Characters of one text in one language.
pub const MAX_TEXT_CHARS: usize = 2_000;
/// How long after its step begins an act may be timed.
pub const MAX_ACT_DELAY_MS: i64 = 600_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    pub version: u32,
    /// The file's name without `.json`.
    pub name: String,
    /// The lecture section it teaches, 1 … [`LECTURE_SECTIONS`].
    pub section: u32,
    pub title: Texts,
    /// The scenario it starts from: a name of `scenarios/` without `.json`.
    pub scenario: String,
    pub steps: Vec<LessonStep>,
}

/// Where a learner is in a lesson, as the page's view carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonProgress {
    /// The step shown (0-based).
    pub step: usize,
    /// Whether its task (if it has one) happened.
    pub task_done: bool,
}

/// One text in both of the page's languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    pub en: String,
    pub ru: String,
}

impl Texts {
    /// The text in `lang` (`"ru"`, else English).
    pub fn get(&self, lang: &str) -> &str {
        if lang == "ru" {
            &self.ru
        } else {
            &self.en
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonStep {
    pub text: Texts,
    /// What the page highlights while the step is shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub look: Vec<LookAt>,
    /// Scenario steps run when the step begins; each `at_ms` counts from that moment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub act: Vec<Step>,
    /// Something the learner does; the step's "next" waits until it happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<Task>,
}

/// A part of the page a step points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LookAt {
    /// A broker's card.
    Broker(u32),
    /// The KRaft controller's card.
    Controller {},
    /// Every partition of a topic.
    Topic(String),
    /// One partition's replicas.
    Partition(TopicPartitionRef),
    /// A client by its scenario name.
    Client(String),
    /// A consumer group by its `group.id`.
    Group(String),
    /// The events feed.
    Events {},
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// What to do, in words.
    pub text: Texts,
    pub done_when: DoneWhen,
}

/// What completes a task: something that happens in the run after its step began.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DoneWhen {
    /// A node crashed: a given broker, whichever broker led a partition at that moment, a
    /// client, or (nothing given) any broker.
    Crashed(NodeWhen),
    /// A crashed broker or client was restarted (nothing given: any).
    Restarted(NodeWhen),
    /// The partition got a new leader.
    LeaderElected(TopicPartitionRef),
    /// A producer had at least `records` more records acknowledged.
    Acknowledged(ClientCount),
    /// A consumer finished processing at least `records` more records.
    Consumed(ClientCount),
    /// The group finished a rebalance: it became Stable.
    GroupStable(GroupRef),
    /// A topic was created (a given one, or any).
    TopicCreated(TopicRef),
    /// A replica of the partition deleted whole segments of its log: retention
    /// (`retention.ms`, `retention.bytes`) or a log start offset moved past them.
    SegmentsDeleted(TopicPartitionRef),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeWhen {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader_of: Option<TopicPartitionRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientCount {
    pub client: String,
    pub records: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRef {
    pub group: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Lesson {
    /// Parses a lesson file, naming the field that is wrong, and checks what needs no
    /// scenario (version, section, texts, bounds). [`Lesson::validate_against`] checks the rest.
    pub fn parse(text: &str) -> Result<Lesson, LessonError> {
        if text.len() > MAX_LESSON_BYTES {
            return Err(LessonError::new(
                "(file)",
                format!("{} bytes: a lesson file has at most {MAX_LESSON_BYTES}", text.len()),
            ));
        }
        let de = &mut serde_json::Deserializer::from_str(text);
        let lesson: Lesson = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            LessonError::new(if path == "." { "(file)".to_string() } else { path }, e.inner().to_string())
        })?;
        lesson.validate_alone()?;
        Ok(lesson)
    }
}
