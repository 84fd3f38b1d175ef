//! The page's one state, fed by what the broker worker reports (its snapshot and events)
//! and by the learner's choices. Every change is an [`Action`]; components only dispatch.

use super::i18n::Lang;
use crate::engine::broker::api::Response;
use crate::engine::broker::snapshot::BrokerSnapshot;
use crate::engine::broker::BrokerEvent;
use crate::engine::error::KafkaError;
use crate::engine::record::{decode_batch, split_batches, Record};
use crate::web::protocol::{WorkerOutput, WorkerReply};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::Reducible;

/// How many feed entries and produce outcomes the page keeps.
const FEED_MAX: usize = 200;
const OUTCOMES_MAX: usize = 12;

/// What a request was sent for, so its reply lands in the right place.
#[derive(Debug, Clone, PartialEq)]
pub enum Purpose {
    Open,
    CreateTopic,
    /// `records` produced to one partition by one click.
    Produce {
        records: u32,
    },
    Read,
    Export,
    Retention,
    Reset,
    /// Part of seeding the first-visit example.
    Example,
}

/// One line of the event feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    pub at_ms: i64,
    pub event: BrokerEvent,
}

/// The result of one send.
#[derive(Debug, Clone, PartialEq)]
pub enum ProduceOutcome {
    Acked { topic: String, partition: u32, first_offset: i64, last_offset: i64 },
    Failed { error: KafkaError },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReaderState {
    pub records: Vec<Record>,
    pub error: Option<KafkaError>,
    pub read_once: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    pub lang: Lang,
    pub ready: bool,
    pub segments_loaded: Option<u32>,
    pub snapshot: Option<BrokerSnapshot>,
    pub feed: Vec<FeedItem>,
    pub pending: BTreeMap<u64, Purpose>,
    pub topic_error: Option<KafkaError>,
    pub outcomes: Vec<ProduceOutcome>,
    pub reader: ReaderState,
    pub storage_error: Option<String>,
    pub selected: Option<(String, u32)>,
    /// Log end offsets before the latest change, to mark new records.
    pub previous_leo: BTreeMap<(String, u32), i64>,
    pub now_ms: i64,
}

impl AppState {
    pub fn new(lang: Lang) -> Self {
        AppState {
            lang,
            ready: false,
            segments_loaded: None,
            snapshot: None,
            feed: Vec::new(),
            pending: BTreeMap::new(),
            topic_error: None,
            outcomes: Vec::new(),
            reader: ReaderState::default(),
            storage_error: None,
            selected: None,
            previous_leo: BTreeMap::new(),
            now_ms: 0,
        }
    }

    pub fn partition_count(&self, topic: &str) -> Option<u32> {
        let t = self.snapshot.as_ref()?.topics.iter().find(|t| t.name == topic)?;
        Some(t.partitions.len() as u32)
    }

    /// The producer's batch limit for a topic: `batch.size`, capped at the topic's
    /// `segment.bytes` and `max.message.bytes`, so that a topic
    /// with tiny segments takes bulk sends as many small batches instead of refusing one
    /// large one (the Java producer splits on MESSAGE_TOO_LARGE to the same effect).
    pub fn batch_limit_bytes(&self, topic: &str, batch_size_bytes: u32) -> u32 {
        let overrides = self
            .snapshot
            .as_ref()
            .and_then(|s| s.topics.iter().find(|t| t.name == topic))
            .map(|t| t.config_overrides.clone())
            .unwrap_or_default();
        let config = crate::engine::topic::TopicConfig::from_pairs(
            overrides.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        )
        .unwrap_or_default();
        batch_size_bytes.min(config.segment_bytes).min(config.max_message_bytes)
    }

    pub fn topic_names(&self) -> Vec<String> {
        self.snapshot.as_ref().map(|s| s.topics.iter().map(|t| t.name.clone()).collect()).unwrap_or_default()
    }
}

pub enum Action {
    SetLang(Lang),
    Sent {
        id: u64,
        purpose: Purpose,
    },
    Reply {
        output: WorkerOutput,
        now_ms: i64,
    },
    Select(String, u32),
    ClearTopicError,
    /// A produce refused before it reached the broker (e.g. bad partition number).
    ProduceRefused(KafkaError),
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::SetLang(lang) => s.lang = lang,
            Action::Sent { id, purpose } => {
                s.pending.insert(id, purpose);
            }
            Action::Select(topic, partition) => s.selected = Some((topic, partition)),
            Action::ClearTopicError => s.topic_error = None,
            Action::ProduceRefused(error) => push_outcome(&mut s, ProduceOutcome::Failed { error }),
            Action::Reply { output, now_ms } => apply_reply(&mut s, output, now_ms),
        }
        Rc::new(s)
    }
}

fn push_outcome(s: &mut AppState, o: ProduceOutcome) {
    s.outcomes.insert(0, o);
    s.outcomes.truncate(OUTCOMES_MAX);
}

fn apply_reply(s: &mut AppState, output: WorkerOutput, now_ms: i64) {
    s.now_ms = now_ms;
    let purpose = s.pending.remove(&output.id);
    if let Some(snapshot) = output.snapshot {
        if let Some(old) = &s.snapshot {
            s.previous_leo = old
                .topics
                .iter()
                .flat_map(|t| {
                    t.partitions.iter().map(move |p| ((t.name.clone(), p.partition), p.log_end_offset))
                })
                .collect();
        }
        if s.selected.is_none() {
            s.selected = snapshot.topics.first().map(|t| (t.name.clone(), 0));
        }
        s.snapshot = Some(snapshot);
    }
    for event in output.events {
        s.feed.insert(0, FeedItem { at_ms: now_ms, event });
    }
    s.feed.truncate(FEED_MAX);
    match output.reply {
        WorkerReply::Opened { segments_loaded } => {
            s.ready = true;
            s.segments_loaded = Some(segments_loaded);
            s.storage_error = None;
        }
        WorkerReply::Failed { detail } => s.storage_error = Some(detail),
        WorkerReply::Answered { response } => match (purpose, response) {
            (Some(Purpose::CreateTopic), Response::Error { error }) => s.topic_error = Some(error),
            (Some(Purpose::CreateTopic), Response::TopicCreated { name, .. }) => {
                s.topic_error = None;
                s.selected = Some((name, 0));
            }
            (Some(Purpose::Produce { .. }), Response::Produced { topic, partition, info }) => push_outcome(
                s,
                ProduceOutcome::Acked {
                    topic,
                    partition,
                    first_offset: info.first_offset,
                    last_offset: info.last_offset,
                },
            ),
            (Some(Purpose::Produce { .. }), Response::Error { error }) => {
                push_outcome(s, ProduceOutcome::Failed { error })
            }
            (Some(Purpose::Read), Response::Fetched { records, .. }) => s.reader = decode_read(&records),
            (Some(Purpose::Read), Response::Error { error }) => {
                s.reader = ReaderState { records: Vec::new(), error: Some(error), read_once: true };
            }
            (_, Response::Error { error }) => s.storage_error = Some(error.to_string()),
            _ => {}
        },
    }
}

/// Records of a fetch response, stopping at the first batch that does not decode.
fn decode_read(bytes: &[u8]) -> ReaderState {
    let mut records = Vec::new();
    let mut error = None;
    for view in split_batches(bytes) {
        match view.and_then(|v| decode_batch(v.bytes)) {
            Ok(batch) => records.extend(batch.records),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    ReaderState { records, error, read_once: true }
}
