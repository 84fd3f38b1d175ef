//! Produce 3–9 (`KafkaApis.handleProduceRequest`): one engine ProduceRequest to the
//! connection's broker with every partition's record batches as the client sent them
//! (the engine's own bytes, never re-encoded); `acks` other than 0, 1, -1 is answered
//! `INVALID_REQUIRED_ACKS` for every partition (`ReplicaManager.appendRecords`); with
//! `acks=0` there is no response at all (the caller keeps no slot).

use super::{code, Ctx, Gather, UNKNOWN_TOPIC_OR_PARTITION};
use crate::engine::cluster::messages::{Acks, ProducePartition, TopicPartition};
use crate::engine::cluster::Message;
use crate::engine::record::MemoryRecords;
use crate::wire::request::{encode_response, Header};
use kafka_protocol::messages::produce_response::{PartitionProduceResponse, TopicProduceResponse};
use kafka_protocol::messages::{ProduceRequest, ProduceResponse, TopicName};
use kafka_protocol::protocol::StrBytes;

const INVALID_REQUIRED_ACKS: i16 = 21;

pub struct ProduceGather {
    id: Option<u64>,
    /// (topic, partition, error code, base offset, log append time) in request order.
    results: Vec<(String, i32, i16, i64, i64)>,
    done: bool,
}

/// Starts a produce; `None` when the request gets no response (`acks=0`).
pub fn start(request: &ProduceRequest, ctx: &mut Ctx) -> Option<ProduceGather> {
    let acks = match request.acks {
        0 => Some(Acks::None),
        1 => Some(Acks::Leader),
        -1 => Some(Acks::All),
        _ => None,
    };
    let mut results = Vec::new();
    let mut partitions = Vec::new();
    for t in &request.topic_data {
        let name = t.name.0.to_string();
        for p in &t.partition_data {
            let local_error = if acks.is_none() {
                INVALID_REQUIRED_ACKS
            } else if p.index < 0 {
                UNKNOWN_TOPIC_OR_PARTITION
            } else {
                0
            };
            results.push((name.clone(), p.index, local_error, -1, -1));
            if local_error == 0 {
                let records: MemoryRecords = p.records.as_deref().unwrap_or_default().into();
                partitions.push(ProducePartition {
                    tp: TopicPartition::new(name.as_str(), p.index as u32),
                    records,
                });
            }
        }
    }
    let id = match acks {
        Some(acks) if !partitions.is_empty() => {
            let timeout_ms = i64::from(request.timeout_ms);
            Some(ctx.send(ctx.broker, |correlation_id| Message::ProduceRequest {
                correlation_id,
                acks,
                timeout_ms,
                partitions,
            }))
        }
        _ => None,
    };
    if acks == Some(Acks::None) {
        return None;
    }
    Some(ProduceGather { done: id.is_none(), id, results })
}

impl ProduceGather {
    /// True when every partition was answered here, without the engine.
    pub fn is_done(&self) -> bool {
        self.done
    }
}

impl Gather for ProduceGather {
    fn waits_on(&self, correlation_id: u64) -> bool {
        !self.done && self.id == Some(correlation_id)
    }

    fn answer(&mut self, _ctx: &mut Ctx, message: &Message) -> bool {
        if let Message::ProduceResponse { partitions, .. } = message {
            for answered in partitions {
                let slot = self.results.iter_mut().find(|r| {
                    r.2 == 0
                        && r.3 == -1
                        && r.0 == answered.tp.topic.as_str()
                        && r.1 == answered.tp.partition as i32
                });
                if let Some(r) = slot {
                    r.2 = code(answered.error);
                    r.3 = answered.base_offset;
                    r.4 = answered.log_append_time_ms;
                }
            }
            self.done = true;
        }
        self.done
    }

    fn encode(&self, header: &Header) -> Result<Vec<u8>, String> {
        let mut topics: Vec<TopicProduceResponse> = Vec::new();
        for (name, index, error, base_offset, append_ms) in &self.results {
            if topics.last().is_none_or(|t| t.name.0.as_str() != name) {
                topics.push(
                    TopicProduceResponse::default().with_name(TopicName(StrBytes::from_string(name.clone()))),
                );
            }
            let p = PartitionProduceResponse::default()
                .with_index(*index)
                .with_error_code(*error)
                .with_base_offset(if *error == 0 { *base_offset } else { -1 })
                .with_log_append_time_ms(*append_ms)
                .with_log_start_offset(-1);
            if let Some(t) = topics.last_mut() {
                t.partition_responses.push(p);
            }
        }
        encode_response(header, header.api_version, &ProduceResponse::default().with_responses(topics))
    }
}
