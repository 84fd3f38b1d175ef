//! The transactional producer's APIs (`KafkaApis.handleAddPartitionsToTxnRequest`,
//! `handleAddOffsetsToTxnRequest`, `handleEndTxnRequest`, `handleTxnOffsetCommitRequest`),
//! each one engine request to the connection's broker, whose transaction coordinator (or,
//! for TxnOffsetCommit, group coordinator) answers NOT_COORDINATOR when it does not own
//! the id, as Kafka's does. Versions are the client ones (AddPartitionsToTxn 0–3: v4+ is
//! the brokers' batched verify-only form; EndTxn 0–3: the transaction version the engine
//! runs, TV_0, returns no new producer id, which is v5's field).
//! * AddPartitionsToTxn: a partition index below 0 cannot name a partition and is refused
//!   UNKNOWN_TOPIC_OR_PARTITION; the other partitions then get OPERATION_NOT_ATTEMPTED,
//!   as Kafka answers a request with any partition it refuses before the coordinator
//!   (`KafkaApis.handleAddPartitionsToTxnRequest`: `unauthorizedTopicErrors ++
//!   nonExistingTopicErrors`, the rest `OPERATION_NOT_ATTEMPTED`).
//! * PRODUCER_FENCED reaches clients of AddPartitionsToTxn, AddOffsetsToTxn and EndTxn
//!   below v2 as INVALID_PRODUCER_EPOCH, as `KafkaApis` answers them.
//! * TxnOffsetCommit: partitions answered per topic in the engine's order; v3's
//!   generation, member id and instance id are the consumer's group metadata (below v3:
//!   -1, "" and null, which the coordinator does not check).

use super::{code, Ctx, Gather, UNKNOWN_TOPIC_OR_PARTITION};
use crate::engine::cluster::messages::{
    OffsetCommitPartition, OffsetPartitionResult, TopicPartition, TxnPartitionResult,
};
use crate::engine::cluster::Message;
use crate::wire::request::{encode_response, Header};
use kafka_protocol::messages::add_partitions_to_txn_response::{
    AddPartitionsToTxnPartitionResult, AddPartitionsToTxnTopicResult,
};
use kafka_protocol::messages::txn_offset_commit_response::{
    TxnOffsetCommitResponsePartition, TxnOffsetCommitResponseTopic,
};
use kafka_protocol::messages::{
    AddOffsetsToTxnRequest, AddOffsetsToTxnResponse, AddPartitionsToTxnRequest, AddPartitionsToTxnResponse,
    EndTxnRequest, EndTxnResponse, ProducerId, TopicName, TxnOffsetCommitRequest, TxnOffsetCommitResponse,
};
use kafka_protocol::protocol::StrBytes;

/// Kafka's `OPERATION_NOT_ATTEMPTED`.
pub const OPERATION_NOT_ATTEMPTED: i16 = 55;

/// PRODUCER_FENCED (90) as a client of `version` understands it: below `since`, the
/// older INVALID_PRODUCER_EPOCH (47), as `KafkaApis` answers older clients.
pub fn fenced_for(error: i16, version: i16, since: i16) -> i16 {
    const PRODUCER_FENCED: i16 = 90;
    const INVALID_PRODUCER_EPOCH: i16 = 47;
    if error == PRODUCER_FENCED && version < since {
        INVALID_PRODUCER_EPOCH
    } else {
        error
    }
}

pub struct TxnGather {
    id: Option<u64>,
    /// Answered without the engine: (topic, partition, error).
    refused: Vec<(String, i32, i16)>,
    answer: Option<Message>,
}

impl TxnGather {
    pub fn is_done(&self) -> bool {
        self.id.is_none() || self.answer.is_some()
    }

    fn sent(ctx: &mut Ctx, make: impl FnOnce(u64) -> Message) -> Self {
        let id = ctx.send(ctx.broker, make);
        TxnGather { id: Some(id), refused: Vec::new(), answer: None }
    }
}

pub fn start_add_partitions(request: &AddPartitionsToTxnRequest, ctx: &mut Ctx) -> TxnGather {
    let asked: Vec<(String, i32)> = request
        .v3_and_below_topics
        .iter()
        .flat_map(|t| t.partitions.iter().map(move |p| (t.name.0.to_string(), *p)))
        .collect();
    if asked.iter().any(|(_, p)| *p < 0) {
        let refused = asked
            .into_iter()
            .map(|(t, p)| {
                let error = if p < 0 { UNKNOWN_TOPIC_OR_PARTITION } else { OPERATION_NOT_ATTEMPTED };
                (t, p, error)
            })
            .collect();
        return TxnGather { id: None, refused, answer: None };
    }
    let partitions = asked.into_iter().map(|(t, p)| TopicPartition::new(t.as_str(), p as u32)).collect();
    TxnGather::sent(ctx, |correlation_id| Message::AddPartitionsToTxnRequest {
        correlation_id,
        transactional_id: request.v3_and_below_transactional_id.0.to_string(),
        producer_id: request.v3_and_below_producer_id.0,
        producer_epoch: request.v3_and_below_producer_epoch,
        partitions,
    })
}

pub fn start_add_offsets(request: &AddOffsetsToTxnRequest, ctx: &mut Ctx) -> TxnGather {
    TxnGather::sent(ctx, |correlation_id| Message::AddOffsetsToTxnRequest {
        correlation_id,
        transactional_id: request.transactional_id.0.to_string(),
        producer_id: request.producer_id.0,
        producer_epoch: request.producer_epoch,
        group_id: request.group_id.0.to_string(),
    })
}

pub fn start_end(request: &EndTxnRequest, ctx: &mut Ctx) -> TxnGather {
    TxnGather::sent(ctx, |correlation_id| Message::EndTxnRequest {
        correlation_id,
        transactional_id: request.transactional_id.0.to_string(),
        producer_id: request.producer_id.0,
        producer_epoch: request.producer_epoch,
        committed: request.committed,
    })
}

pub fn start_offset_commit(request: &TxnOffsetCommitRequest, ctx: &mut Ctx) -> TxnGather {
    let mut refused = Vec::new();
    let mut offsets = Vec::new();
    for t in &request.topics {
        for p in &t.partitions {
            if p.partition_index < 0 {
                refused.push((t.name.0.to_string(), p.partition_index, UNKNOWN_TOPIC_OR_PARTITION));
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
    if offsets.is_empty() {
        return TxnGather { id: None, refused, answer: None };
    }
    let mut gather = TxnGather::sent(ctx, |correlation_id| Message::TxnOffsetCommitRequest {
        correlation_id,
        transactional_id: request.transactional_id.0.to_string(),
        group_id: request.group_id.0.to_string(),
        producer_id: request.producer_id.0,
        producer_epoch: request.producer_epoch,
        generation_id: request.generation_id,
        member_id: request.member_id.to_string(),
        group_instance_id: request.group_instance_id.as_ref().map(|s| s.to_string()),
        offsets,
    });
    gather.refused = refused;
    gather
}

fn topic_name(name: &str) -> TopicName {
    TopicName(StrBytes::from_string(name.to_string()))
}

/// Rows (topic, partition, error) grouped by topic in order, each group built by `make`.
fn by_topic<T>(
    rows: impl Iterator<Item = (String, i32, i16)>,
    make: impl Fn(&str, Vec<(i32, i16)>) -> T,
) -> Vec<T> {
    let mut groups: Vec<(String, Vec<(i32, i16)>)> = Vec::new();
    for (topic, partition, error) in rows {
        match groups.last_mut() {
            Some((t, parts)) if *t == topic => parts.push((partition, error)),
            _ => groups.push((topic, vec![(partition, error)])),
        }
    }
    groups.into_iter().map(|(t, parts)| make(&t, parts)).collect()
}

fn add_partitions_response(
    refused: &[(String, i32, i16)],
    results: &[TxnPartitionResult],
) -> AddPartitionsToTxnResponse {
    let rows = refused
        .iter()
        .cloned()
        .chain(results.iter().map(|r| (r.tp.topic.to_string(), r.tp.partition as i32, code(r.error))));
    let topics = by_topic(rows, |t, parts| {
        AddPartitionsToTxnTopicResult::default().with_name(topic_name(t)).with_results_by_partition(
            parts
                .into_iter()
                .map(|(p, e)| {
                    AddPartitionsToTxnPartitionResult::default()
                        .with_partition_index(p)
                        .with_partition_error_code(e)
                })
                .collect(),
        )
    });
    AddPartitionsToTxnResponse::default().with_results_by_topic_v3_and_below(topics)
}

fn offset_commit_response(
    refused: &[(String, i32, i16)],
    results: &[OffsetPartitionResult],
) -> TxnOffsetCommitResponse {
    let rows = refused
        .iter()
        .cloned()
        .chain(results.iter().map(|r| (r.tp.topic.to_string(), r.tp.partition as i32, code(r.error))));
    let topics = by_topic(rows, |t, parts| {
        TxnOffsetCommitResponseTopic::default().with_name(topic_name(t)).with_partitions(
            parts
                .into_iter()
                .map(|(p, e)| {
                    TxnOffsetCommitResponsePartition::default().with_partition_index(p).with_error_code(e)
                })
                .collect(),
        )
    });
    TxnOffsetCommitResponse::default().with_topics(topics)
}

impl Gather for TxnGather {
    fn waits_on(&self, correlation_id: u64) -> bool {
        self.id == Some(correlation_id) && self.answer.is_none()
    }

    fn answer(&mut self, _ctx: &mut Ctx, message: &Message) -> bool {
        self.answer = Some(message.clone());
        true
    }

    fn encode(&self, header: &Header) -> Result<Vec<u8>, String> {
        use kafka_protocol::messages::ApiKey;
        let v = header.api_version;
        let fenced = |error: Option<crate::engine::error::ErrorCode>| fenced_for(code(error), v, 2);
        match (header.api_key, &self.answer) {
            (ApiKey::AddPartitionsToTxn, Some(Message::AddPartitionsToTxnResponse { results, .. })) => {
                let mut response = add_partitions_response(&self.refused, results);
                for t in &mut response.results_by_topic_v3_and_below {
                    for p in &mut t.results_by_partition {
                        p.partition_error_code = fenced_for(p.partition_error_code, v, 2);
                    }
                }
                encode_response(header, v, &response)
            }
            (ApiKey::AddPartitionsToTxn, None) => {
                encode_response(header, v, &add_partitions_response(&self.refused, &[]))
            }
            (ApiKey::AddOffsetsToTxn, Some(Message::AddOffsetsToTxnResponse { error, .. })) => {
                encode_response(
                    header,
                    v,
                    &AddOffsetsToTxnResponse::default().with_error_code(fenced(*error)),
                )
            }
            (ApiKey::EndTxn, Some(Message::EndTxnResponse { error, producer_id, producer_epoch, .. })) => {
                let response = EndTxnResponse::default()
                    .with_error_code(fenced(*error))
                    .with_producer_id(ProducerId(*producer_id))
                    .with_producer_epoch(*producer_epoch);
                encode_response(header, v, &response)
            }
            (ApiKey::TxnOffsetCommit, Some(Message::TxnOffsetCommitResponse { partitions, .. })) => {
                encode_response(header, v, &offset_commit_response(&self.refused, partitions))
            }
            (ApiKey::TxnOffsetCommit, None) => {
                encode_response(header, v, &offset_commit_response(&self.refused, &[]))
            }
            (key, other) => Err(format!("{key:?}: no transaction answer to encode (got {other:?})")),
        }
    }
}
