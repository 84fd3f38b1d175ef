//! ListOffsets 1–7 (`KafkaApis.handleListOffsetRequest`): one engine ListOffsets per
//! partition to the connection's broker (the engine asks per partition), gathered into
//! one response in request order, with the request's isolation level: `latest` is the
//! high watermark under read_uncommitted and the last stable offset under read_committed
//! (`Partition.fetchOffsetForTimestamp`). An unknown isolation level fails every
//! partition with `UNKNOWN_SERVER_ERROR` (`IsolationLevel.forId` throws,
//! `ListOffsetsRequest.getErrorResponse`).

use super::{code, Ctx, Gather, UNKNOWN_TOPIC_OR_PARTITION};
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::Message;
use crate::wire::request::{encode_response, Header};
use kafka_protocol::messages::list_offsets_response::{
    ListOffsetsPartitionResponse, ListOffsetsTopicResponse,
};
use kafka_protocol::messages::{ListOffsetsRequest, ListOffsetsResponse, TopicName};
use kafka_protocol::protocol::StrBytes;

struct Asked {
    topic: String,
    partition: i32,
    id: Option<u64>,
    /// (error code, timestamp, offset) once answered.
    answer: Option<(i16, i64, i64)>,
}

pub struct ListOffsetsGather {
    asked: Vec<Asked>,
}

pub fn start(request: &ListOffsetsRequest, ctx: &mut Ctx) -> ListOffsetsGather {
    let mut asked = Vec::new();
    let isolation_level = super::fetch::isolation_level_of(request.isolation_level);
    for t in &request.topics {
        let topic = t.name.0.to_string();
        for p in &t.partitions {
            let refused = match isolation_level {
                None => Some(super::fetch::UNKNOWN_SERVER_ERROR),
                Some(_) if p.partition_index < 0 => Some(UNKNOWN_TOPIC_OR_PARTITION),
                Some(_) => None,
            };
            let (id, answer) = if let Some(error) = refused {
                (None, Some((error, -1, -1)))
            } else {
                let tp = TopicPartition::new(topic.as_str(), p.partition_index as u32);
                let timestamp_ms = p.timestamp;
                let id = ctx.send(ctx.broker, |correlation_id| Message::ListOffsetsRequest {
                    correlation_id,
                    tp,
                    timestamp_ms,
                    isolation_level: isolation_level.unwrap_or_default(),
                });
                (Some(id), None)
            };
            asked.push(Asked { topic: topic.clone(), partition: p.partition_index, id, answer });
        }
    }
    ListOffsetsGather { asked }
}

impl ListOffsetsGather {
    pub fn is_done(&self) -> bool {
        self.asked.iter().all(|a| a.answer.is_some())
    }
}

impl Gather for ListOffsetsGather {
    fn waits_on(&self, correlation_id: u64) -> bool {
        self.asked.iter().any(|a| a.answer.is_none() && a.id == Some(correlation_id))
    }

    fn answer(&mut self, _ctx: &mut Ctx, message: &Message) -> bool {
        if let Message::ListOffsetsResponse { correlation_id, error, offset, timestamp_ms, .. } = message {
            if let Some(a) = self.asked.iter_mut().find(|a| a.id == Some(*correlation_id)) {
                a.answer = Some((code(*error), *timestamp_ms, *offset));
            }
        }
        self.is_done()
    }

    fn encode(&self, header: &Header) -> Result<Vec<u8>, String> {
        let mut topics: Vec<ListOffsetsTopicResponse> = Vec::new();
        for a in &self.asked {
            if topics.last().is_none_or(|t| t.name.0.as_str() != a.topic) {
                topics.push(
                    ListOffsetsTopicResponse::default()
                        .with_name(TopicName(StrBytes::from_string(a.topic.clone()))),
                );
            }
            let (error, timestamp, offset) = a.answer.unwrap_or((UNKNOWN_TOPIC_OR_PARTITION, -1, -1));
            let p = ListOffsetsPartitionResponse::default()
                .with_partition_index(a.partition)
                .with_error_code(error)
                .with_timestamp(timestamp)
                .with_offset(offset)
                .with_leader_epoch(-1);
            if let Some(t) = topics.last_mut() {
                t.partitions.push(p);
            }
        }
        encode_response(header, header.api_version, &ListOffsetsResponse::default().with_topics(topics))
    }
}
