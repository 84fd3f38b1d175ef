//! OffsetCommit 2–7 and OffsetFetch 1–7 (`KafkaApis.handleOffsetCommitRequest`,
//! `handleOffsetFetchRequest`), engine requests to the connection's broker, whose group
//! coordinator checks the group, generation and member and writes the offsets to
//! `__consumer_offsets` before it answers.
//! * OffsetCommit: a topic or partition the broker's metadata does not know is
//!   UNKNOWN_TOPIC_OR_PARTITION and not sent on (a Metadata round trip first, as
//!   `KafkaApis` checks its metadata cache); partitions answered per topic in the
//!   engine's order. v2–4 carry a `retention_time_ms`; Kafka keeps such an offset until
//!   now + that time, the engine only by `offsets.retention.minutes`, so anything but -1
//!   (the default every client sends) is refused `INVALID_REQUEST` on each partition
//!   rather than ignored.
//! * OffsetFetch: a null topic list (v2+) asks for every committed partition; from v2 a
//!   group error is the top-level `error_code`, below v2 (no such field) it is put on
//!   each partition asked for. v7's `require_stable` goes to the coordinator, which
//!   answers UNSTABLE_OFFSET_COMMIT on a partition whose transactional offsets are still
//!   pending (below v7 the field is absent and false).

use super::{code, Ctx, Gather, INVALID_REQUEST};
use crate::engine::cluster::messages::{OffsetCommitPartition, OffsetPartitionResult, TopicPartition};
use crate::engine::cluster::Message;
use crate::wire::request::{encode_response, Header};
use kafka_protocol::messages::offset_commit_response::{
    OffsetCommitResponsePartition, OffsetCommitResponseTopic,
};
use kafka_protocol::messages::offset_fetch_response::{
    OffsetFetchResponsePartition, OffsetFetchResponseTopic,
};
use kafka_protocol::messages::{
    OffsetCommitRequest, OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse, TopicName,
};
use kafka_protocol::protocol::StrBytes;

/// `OffsetCommitRequest.DEFAULT_RETENTION_TIME`.
pub const DEFAULT_RETENTION_TIME: i64 = -1;

pub struct OffsetsGather {
    id: Option<u64>,
    /// Answered here without the engine: (topic, partition, error).
    refused: Vec<(String, i32, i16)>,
    /// OffsetFetch below v2: the partitions asked for (a group error goes on each).
    asked: Vec<TopicPartition>,
    answer: Option<Message>,
    /// OffsetCommit: the commit, sent once the broker's metadata says which of its
    /// partitions exist.
    pending_commit: Option<Message>,
}

impl OffsetsGather {
    pub fn is_done(&self) -> bool {
        self.id.is_none() || self.answer.is_some()
    }
}

pub fn start_commit(request: &OffsetCommitRequest, version: i16, ctx: &mut Ctx) -> OffsetsGather {
    let mut refused = Vec::new();
    let mut offsets = Vec::new();
    let bad_retention = version <= 4 && request.retention_time_ms != DEFAULT_RETENTION_TIME;
    for t in &request.topics {
        for p in &t.partitions {
            if bad_retention || p.partition_index < 0 {
                let error = if bad_retention { INVALID_REQUEST } else { super::UNKNOWN_TOPIC_OR_PARTITION };
                refused.push((t.name.0.to_string(), p.partition_index, error));
                continue;
            }
            offsets.push(OffsetCommitPartition {
                tp: TopicPartition::new(t.name.0.as_str(), p.partition_index as u32),
                committed_offset: p.committed_offset,
                committed_leader_epoch: p.committed_leader_epoch,
                committed_metadata: p.committed_metadata.as_ref().map(|m| m.to_string()).unwrap_or_default(),
            });
        }
    }
    let topics: Vec<String> = offsets.iter().fold(Vec::new(), |mut names, o| {
        if !names.iter().any(|n: &String| n == o.tp.topic.as_str()) {
            names.push(o.tp.topic.to_string());
        }
        names
    });
    let commit = Message::OffsetCommitRequest {
        correlation_id: 0,
        group_id: request.group_id.0.to_string(),
        generation_id: request.generation_id_or_member_epoch,
        member_id: request.member_id.to_string(),
        group_instance_id: request.group_instance_id.as_ref().map(|s| s.to_string()),
        offsets,
    };
    // KafkaApis first drops what its metadata cache does not know (a topic, a partition):
    // UNKNOWN_TOPIC_OR_PARTITION, never sent to the coordinator.
    let id = (!topics.is_empty())
        .then(|| ctx.send(ctx.broker, |correlation_id| Message::MetadataRequest { correlation_id, topics }));
    let pending_commit = id.map(|_| commit);
    OffsetsGather { id, refused, asked: Vec::new(), answer: None, pending_commit }
}

pub fn start_fetch(request: &OffsetFetchRequest, ctx: &mut Ctx) -> OffsetsGather {
    let partitions: Option<Vec<TopicPartition>> = request.topics.as_ref().map(|topics| {
        topics
            .iter()
            .flat_map(|t| {
                t.partition_indexes
                    .iter()
                    .filter(|p| **p >= 0)
                    .map(move |p| TopicPartition::new(t.name.0.as_str(), *p as u32))
            })
            .collect()
    });
    let asked = partitions.clone().unwrap_or_default();
    let group_id = request.group_id.0.to_string();
    let require_stable = request.require_stable;
    let id = ctx.send(ctx.broker, |correlation_id| Message::OffsetFetchRequest {
        correlation_id,
        group_id,
        partitions,
        require_stable,
    });
    OffsetsGather { id: Some(id), refused: Vec::new(), asked, answer: None, pending_commit: None }
}

fn topic_name(name: &str) -> TopicName {
    TopicName(StrBytes::from_string(name.to_string()))
}

fn commit_response(
    refused: &[(String, i32, i16)],
    results: &[OffsetPartitionResult],
) -> OffsetCommitResponse {
    let mut topics: Vec<OffsetCommitResponseTopic> = Vec::new();
    let all = refused
        .iter()
        .map(|(t, p, e)| (t.as_str(), *p, *e))
        .chain(results.iter().map(|r| (r.tp.topic.as_str(), r.tp.partition as i32, code(r.error))));
    for (topic, partition, error) in all {
        if topics.last().is_none_or(|t| t.name.0.as_str() != topic) {
            topics.push(OffsetCommitResponseTopic::default().with_name(topic_name(topic)));
        }
        if let Some(t) = topics.last_mut() {
            t.partitions.push(
                OffsetCommitResponsePartition::default()
                    .with_partition_index(partition)
                    .with_error_code(error),
            );
        }
    }
    OffsetCommitResponse::default().with_topics(topics)
}

fn fetch_response(
    version: i16,
    error: i16,
    asked: &[TopicPartition],
    results: &[OffsetPartitionResult],
) -> OffsetFetchResponse {
    let rows: Vec<(String, i32, i64, i32, String, i16)> = if version < 2 && error != 0 {
        asked
            .iter()
            .map(|tp| (tp.topic.to_string(), tp.partition as i32, -1, -1, String::new(), error))
            .collect()
    } else {
        results
            .iter()
            .map(|r| {
                let tp = &r.tp;
                (
                    tp.topic.to_string(),
                    tp.partition as i32,
                    r.committed_offset,
                    r.committed_leader_epoch,
                    r.metadata.clone(),
                    code(r.error),
                )
            })
            .collect()
    };
    let mut topics: Vec<OffsetFetchResponseTopic> = Vec::new();
    for (topic, partition, offset, epoch, metadata, error) in rows {
        if topics.last().is_none_or(|t| t.name.0.as_str() != topic) {
            topics.push(OffsetFetchResponseTopic::default().with_name(topic_name(&topic)));
        }
        if let Some(t) = topics.last_mut() {
            t.partitions.push(
                OffsetFetchResponsePartition::default()
                    .with_partition_index(partition)
                    .with_committed_offset(offset)
                    .with_committed_leader_epoch(if version >= 5 { epoch } else { -1 })
                    .with_metadata(Some(StrBytes::from_string(metadata)))
                    .with_error_code(error),
            );
        }
    }
    OffsetFetchResponse::default().with_topics(topics).with_error_code(if version >= 2 { error } else { 0 })
}

impl Gather for OffsetsGather {
    fn waits_on(&self, correlation_id: u64) -> bool {
        self.id == Some(correlation_id) && self.answer.is_none()
    }

    fn answer(&mut self, ctx: &mut Ctx, message: &Message) -> bool {
        if let (Some(commit), Message::MetadataResponse { partitions, .. }) =
            (self.pending_commit.take(), message)
        {
            let Message::OffsetCommitRequest {
                group_id,
                generation_id,
                member_id,
                group_instance_id,
                offsets,
                ..
            } = commit
            else {
                return false;
            };
            let (known, unknown): (Vec<_>, Vec<_>) =
                offsets.into_iter().partition(|o| partitions.iter().any(|(tp, _)| *tp == o.tp));
            for o in unknown {
                self.refused.push((
                    o.tp.topic.to_string(),
                    o.tp.partition as i32,
                    super::UNKNOWN_TOPIC_OR_PARTITION,
                ));
            }
            if known.is_empty() {
                self.answer =
                    Some(Message::OffsetCommitResponse { correlation_id: 0, partitions: Vec::new() });
                return true;
            }
            self.id = Some(ctx.send(ctx.broker, |correlation_id| Message::OffsetCommitRequest {
                correlation_id,
                group_id,
                generation_id,
                member_id,
                group_instance_id,
                offsets: known,
            }));
            return false;
        }
        self.answer = Some(message.clone());
        true
    }

    fn encode(&self, header: &Header) -> Result<Vec<u8>, String> {
        let v = header.api_version;
        match &self.answer {
            Some(Message::OffsetCommitResponse { partitions, .. }) => {
                encode_response(header, v, &commit_response(&self.refused, partitions))
            }
            None if self.id.is_none() => encode_response(header, v, &commit_response(&self.refused, &[])),
            Some(Message::OffsetFetchResponse { error, partitions, .. }) => {
                encode_response(header, v, &fetch_response(v, code(*error), &self.asked, partitions))
            }
            other => Err(format!("{:?}: no offsets answer to encode (got {other:?})", header.api_key)),
        }
    }
}
