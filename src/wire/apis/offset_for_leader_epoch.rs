//! OffsetForLeaderEpoch 2–4 (`KafkaApis.handleOffsetForLeaderEpochRequest`,
//! `Partition.lastOffsetForLeaderEpoch`): a consumer checks, after a leader change, that
//! its position is still in the log (KIP-320). One engine request per partition to the
//! connection's broker, which must lead it: the current leader epoch fences as a fetch
//! does (FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH), then the leader's epoch cache gives
//! the largest epoch ≤ the one asked and where it ends (-1 and -1 when none is known).
//! Answers gathered in request order.

use super::{code, Ctx, Gather, UNKNOWN_TOPIC_OR_PARTITION};
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::Message;
use crate::wire::request::{encode_response, Header};
use kafka_protocol::messages::offset_for_leader_epoch_response::{
    EpochEndOffset, OffsetForLeaderTopicResult,
};
use kafka_protocol::messages::{OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse, TopicName};
use kafka_protocol::protocol::StrBytes;

struct Asked {
    topic: String,
    partition: i32,
    id: Option<u64>,
    /// (error code, leader epoch, end offset) once answered.
    answer: Option<(i16, i32, i64)>,
}

pub struct OffsetForLeaderEpochGather {
    asked: Vec<Asked>,
}

pub fn start(request: &OffsetForLeaderEpochRequest, ctx: &mut Ctx) -> OffsetForLeaderEpochGather {
    let mut asked = Vec::new();
    for t in &request.topics {
        let topic = t.topic.0.to_string();
        for p in &t.partitions {
            let (id, answer) = if p.partition < 0 {
                (None, Some((UNKNOWN_TOPIC_OR_PARTITION, -1, -1)))
            } else {
                let tp = TopicPartition::new(topic.as_str(), p.partition as u32);
                let (current_leader_epoch, leader_epoch) = (p.current_leader_epoch, p.leader_epoch);
                let id = ctx.send(ctx.broker, |correlation_id| Message::OffsetForLeaderEpochRequest {
                    correlation_id,
                    tp,
                    current_leader_epoch,
                    leader_epoch,
                });
                (Some(id), None)
            };
            asked.push(Asked { topic: topic.clone(), partition: p.partition, id, answer });
        }
    }
    OffsetForLeaderEpochGather { asked }
}

impl OffsetForLeaderEpochGather {
    pub fn is_done(&self) -> bool {
        self.asked.iter().all(|a| a.answer.is_some())
    }
}

impl Gather for OffsetForLeaderEpochGather {
    fn waits_on(&self, correlation_id: u64) -> bool {
        self.asked.iter().any(|a| a.answer.is_none() && a.id == Some(correlation_id))
    }

    fn answer(&mut self, _ctx: &mut Ctx, message: &Message) -> bool {
        if let Message::OffsetForLeaderEpochResponse {
            correlation_id, error, leader_epoch, end_offset, ..
        } = message
        {
            if let Some(a) = self.asked.iter_mut().find(|a| a.id == Some(*correlation_id)) {
                a.answer = Some((code(*error), *leader_epoch, *end_offset));
            }
        }
        self.is_done()
    }

    fn encode(&self, header: &Header) -> Result<Vec<u8>, String> {
        let mut topics: Vec<OffsetForLeaderTopicResult> = Vec::new();
        for a in &self.asked {
            if topics.last().is_none_or(|t| t.topic.0.as_str() != a.topic) {
                topics.push(
                    OffsetForLeaderTopicResult::default()
                        .with_topic(TopicName(StrBytes::from_string(a.topic.clone()))),
                );
            }
            let (error, leader_epoch, end_offset) = a.answer.unwrap_or((UNKNOWN_TOPIC_OR_PARTITION, -1, -1));
            if let Some(t) = topics.last_mut() {
                t.partitions.push(
                    EpochEndOffset::default()
                        .with_error_code(error)
                        .with_partition(a.partition)
                        .with_leader_epoch(leader_epoch)
                        .with_end_offset(end_offset),
                );
            }
        }
        encode_response(
            header,
            header.api_version,
            &OffsetForLeaderEpochResponse::default().with_topics(topics),
        )
    }
}
