//! What a course page may send (`{"v":1,"id":"…","type":"…",…}`), parsed in stages so
//! the error names the first thing wrong: the size, JSON, an object (one of the page's
//! own messages out is recognized here and never answered), the version (before
//! any other field, so a newer page's message is told its version, not its fields), the
//! `id`, the `type`, then the fields of that type (unknown ones refused, serde's
//! `deny_unknown_fields`, as [`ClusterCommand`]'s own). A lesson's next / back / again
//! resolves to the step as the page's buttons do ([`lesson_target`]).

use super::{EMBED_VERSION, MAX_ID_CHARS, MAX_MESSAGE_BYTES};
use crate::sim::lesson::LessonProgress;
use crate::sim::picture::command::ClusterCommand;
use serde::Deserialize;
use std::fmt;

/// The message types a course page may send.
pub const INBOUND_TYPES: [&str; 3] = ["hello", "command", "lesson"];
/// The types of the page's own messages out ([`super::outbound::Outbound`]): one of them
/// coming in is an answer or an event (another playground's, or this one's posted to
/// itself), and is not answered, so two pages never answer each other's answers.
pub const OUTBOUND_TYPES: [&str; 7] =
    ["ready", "accepted", "error", "node", "group", "lesson_step", "task_completed"];

/// One validated message.
#[derive(Debug, Clone, PartialEq)]
pub struct Inbound {
    /// Echoed in the answer, so the course page can match them.
    pub id: Option<String>,
    pub body: InboundBody,
}

#[derive(Debug, Clone, PartialEq)]
pub enum InboundBody {
    /// Asks for the ready handshake again (a course page that listens late).
    Hello,
    /// One of the page's own commands, as `window.kafkaPlaygroundCommand` takes it.
    Command(ClusterCommand),
    /// The lesson panel's buttons.
    Lesson(LessonGo),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LessonGo {
    Next,
    Back,
    Again,
}

/// What is wrong with a message (its `code()` goes out beside the words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmbedError {
    TooLarge {
        bytes: usize,
    },
    NotJson(String),
    NotAnObject,
    MissingVersion,
    UnsupportedVersion(String),
    BadId(String),
    MissingType,
    UnknownType(String),
    BadFields {
        kind: &'static str,
        error: String,
    },
    /// The page is not a lesson's, or the step cannot be gone to.
    Lesson(String),
    /// The cluster refused the command (Kafka's error, as the page's forms show it).
    Refused(String),
    QueueFull,
    /// One of the page's own messages out (any version): never answered.
    OwnMessage,
}

impl EmbedError {
    /// A stable name for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            EmbedError::TooLarge { .. } => "too_large",
            EmbedError::NotJson(_) => "not_json",
            EmbedError::NotAnObject => "not_an_object",
            EmbedError::MissingVersion | EmbedError::UnsupportedVersion(_) => "version",
            EmbedError::BadId(_) => "bad_id",
            EmbedError::MissingType | EmbedError::UnknownType(_) => "unknown_type",
            EmbedError::BadFields { .. } => "bad_fields",
            EmbedError::Lesson(_) => "lesson",
            EmbedError::Refused(_) => "refused",
            EmbedError::QueueFull => "queue_full",
            EmbedError::OwnMessage => "own_message",
        }
    }
}

impl fmt::Display for EmbedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmbedError::TooLarge { bytes } => {
                write!(f, "message of {bytes} bytes: at most {MAX_MESSAGE_BYTES} bytes of JSON")
            }
            EmbedError::NotJson(e) => write!(f, "not JSON: {e}"),
            EmbedError::NotAnObject => write!(f, "not a JSON object: a message is {{\"v\":1,\"type\":…}}"),
            EmbedError::MissingVersion => write!(f, "v: missing (this page speaks version {EMBED_VERSION})"),
            EmbedError::UnsupportedVersion(v) => {
                write!(f, "v: version {v} is not spoken here (this page speaks version {EMBED_VERSION})")
            }
            EmbedError::BadId(why) => write!(f, "id: {why}"),
            EmbedError::MissingType => write!(f, "type: missing (one of {})", INBOUND_TYPES.join(", ")),
            EmbedError::UnknownType(t) => {
                write!(f, "type: unknown type \"{t}\" (one of {})", INBOUND_TYPES.join(", "))
            }
            EmbedError::BadFields { kind, error } => write!(f, "{kind} message: {error}"),
            EmbedError::Lesson(why) => write!(f, "lesson: {why}"),
            EmbedError::Refused(why) => write!(f, "refused: {why}"),
            EmbedError::QueueFull => write!(
                f,
                "too many commands waiting: {} wait for the run to take them; send again later",
                super::COMMANDS_WAITING_AT_MOST
            ),
            EmbedError::OwnMessage => write!(f, "one of the page's own messages out: not answered"),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HelloFields {
    #[allow(dead_code)]
    v: u32,
    #[allow(dead_code)]
    #[serde(rename = "type")]
    kind: String,
    #[allow(dead_code)]
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommandFields {
    #[allow(dead_code)]
    v: u32,
    #[allow(dead_code)]
    #[serde(rename = "type")]
    kind: String,
    #[allow(dead_code)]
    #[serde(default)]
    id: Option<String>,
    command: ClusterCommand,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LessonFields {
    #[allow(dead_code)]
    v: u32,
    #[allow(dead_code)]
    #[serde(rename = "type")]
    kind: String,
    #[allow(dead_code)]
    #[serde(default)]
    id: Option<String>,
    go: LessonGo,
}

/// The message's `id`, if it has a usable one (an error answer echoes it when it can).
pub fn id_of(value: &serde_json::Value) -> Result<Option<String>, EmbedError> {
    match value.get("id") {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) if s.chars().count() <= MAX_ID_CHARS => Ok(Some(s.clone())),
        Some(serde_json::Value::String(_)) => {
            Err(EmbedError::BadId(format!("longer than {MAX_ID_CHARS} characters")))
        }
        Some(other) => Err(EmbedError::BadId(format!("a string is needed, not {other}"))),
    }
}

/// Parses and validates one message's JSON text. The `id` comes back with the error
/// when it was readable, so the answer can name the message it answers.
pub fn parse(text: &str) -> Result<Inbound, (Option<String>, EmbedError)> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err((None, EmbedError::TooLarge { bytes: text.len() }));
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| (None, EmbedError::NotJson(e.to_string())))?;
    if !value.is_object() {
        return Err((None, EmbedError::NotAnObject));
    }
    if value.get("type").and_then(|t| t.as_str()).is_some_and(|t| OUTBOUND_TYPES.contains(&t)) {
        return Err((None, EmbedError::OwnMessage));
    }
    let id = id_of(&value).map_err(|e| (None, e))?;
    let fail = |e: EmbedError| (id.clone(), e);
    match value.get("v") {
        None => return Err(fail(EmbedError::MissingVersion)),
        Some(v) if v.as_u64() == Some(u64::from(EMBED_VERSION)) => {}
        Some(v) => return Err(fail(EmbedError::UnsupportedVersion(v.to_string()))),
    }
    let kind = match value.get("type") {
        None => return Err(fail(EmbedError::MissingType)),
        Some(serde_json::Value::String(t)) => t.clone(),
        Some(other) => return Err(fail(EmbedError::UnknownType(other.to_string()))),
    };
    let bad = |kind: &'static str| {
        let id = id.clone();
        move |e: serde_json::Error| (id, EmbedError::BadFields { kind, error: e.to_string() })
    };
    // The fields are read from the text, not from `value`: one JSON decoder of a
    // ClusterCommand serves this and `kafkaPlaygroundCommand`, where decoding from a
    // `Value` would be a second one in the page's wasm (page weight, BENCHMARKS.md).
    let body = match kind.as_str() {
        "hello" => {
            serde_json::from_str::<HelloFields>(text).map(|_| InboundBody::Hello).map_err(bad("hello"))?
        }
        "command" => serde_json::from_str::<CommandFields>(text)
            .map(|m| InboundBody::Command(m.command))
            .map_err(bad("command"))?,
        "lesson" => serde_json::from_str::<LessonFields>(text)
            .map(|m| InboundBody::Lesson(m.go))
            .map_err(bad("lesson"))?,
        _ => return Err(fail(EmbedError::UnknownType(kind.chars().take(MAX_ID_CHARS).collect()))),
    };
    Ok(Inbound { id, body })
}

/// The step `go` shows, as the lesson panel's buttons allow it: next waits for the step's
/// task and stops at the last step, back stops at the first. `progress` is where the run
/// is (`None` before the lesson began); `steps` the lesson's count (`None`: no lesson).
pub fn lesson_target(
    go: LessonGo,
    progress: Option<LessonProgress>,
    steps: Option<usize>,
) -> Result<usize, EmbedError> {
    let steps = steps.ok_or_else(|| {
        EmbedError::Lesson("this page follows no lesson (open it with ?lesson=NAME)".into())
    })?;
    let p = progress
        .ok_or_else(|| EmbedError::Lesson("the lesson has not begun yet: wait for the ready event".into()))?;
    match go {
        LessonGo::Again => Ok(p.step),
        LessonGo::Back if p.step == 0 => {
            Err(EmbedError::Lesson("step 1 is the first: there is no step before it".into()))
        }
        LessonGo::Back => Ok(p.step - 1),
        LessonGo::Next if p.step + 1 >= steps => {
            Err(EmbedError::Lesson(format!("step {} is the last of {steps}", p.step + 1)))
        }
        LessonGo::Next if !p.task_done => Err(EmbedError::Lesson(format!(
            "step {}'s task is not done yet: next waits for it, as the page's button does",
            p.step + 1
        ))),
        LessonGo::Next => Ok(p.step + 1),
    }
}
