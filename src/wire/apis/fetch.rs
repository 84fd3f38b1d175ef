//! Fetch 4–12 for consumers (`KafkaApis.handleFetchRequest`): one engine FetchRequest to
//! the connection's broker, which holds it in its own delayed fetch up to `max_wait_ms`
//! (`DelayedFetch`) and answers with whole batches as the log holds them. Fetch sessions
//! (KIP-227, v7+) are not kept: a full fetch (session id 0) is answered with session id 0,
//! which clients read as "sessionless" (as when Kafka's `FetchSessionCache` is full), and
//! an incremental fetch of a session this server never gave out gets
//! `FETCH_SESSION_ID_NOT_FOUND`. The last stable offset is the partition's. The request's
//! isolation level goes to the engine, which reads a `read_committed` fetch (isolation
//! level 1, librdkafka's default) up to the LSO (`UnifiedLog.read` with
//! `FetchIsolation.TXN_COMMITTED`) and answers its aborted transactions, encoded as they
//! come (null for read_uncommitted, as Kafka's `FetchDataInfo` leaves them).
//! Any other isolation level byte fails the request as Kafka's does
//! (`IsolationLevel.forId` throws, `FetchRequest.getErrorResponse` below v13: the
//! top-level error and every partition's is `UNKNOWN_SERVER_ERROR`).

use super::{code, Ctx, Gather, UNKNOWN_TOPIC_OR_PARTITION};
use crate::engine::cluster::messages::{FetchPartition, FetchedPartition, IsolationLevel, TopicPartition};
use crate::engine::cluster::Message;
use crate::wire::request::{encode_response, Header};
use kafka_protocol::messages::fetch_response::{
    AbortedTransaction, EpochEndOffset, FetchableTopicResponse, PartitionData,
};
use kafka_protocol::messages::{BrokerId, FetchRequest, FetchResponse, ProducerId, TopicName};
use kafka_protocol::protocol::StrBytes;

const FETCH_SESSION_ID_NOT_FOUND: i16 = 70;

pub struct FetchGather {
    id: Option<u64>,
    top_error: i16,
    /// The error of a partition without an answer.
    unanswered_error: i16,
    /// (topic, partition) in request order, and the answer once in.
    asked: Vec<(String, i32)>,
    answered: Vec<FetchedPartition>,
    done: bool,
}

pub fn start(request: &FetchRequest, ctx: &mut Ctx) -> FetchGather {
    if request.session_id != 0 {
        return FetchGather {
            id: None,
            top_error: FETCH_SESSION_ID_NOT_FOUND,
            unanswered_error: UNKNOWN_TOPIC_OR_PARTITION,
            asked: Vec::new(),
            answered: Vec::new(),
            done: true,
        };
    }
    let mut asked = Vec::new();
    let mut partitions = Vec::new();
    for t in &request.topics {
        let name = t.topic.0.to_string();
        for p in &t.partitions {
            asked.push((name.clone(), p.partition));
            if p.partition >= 0 {
                partitions.push(FetchPartition {
                    tp: TopicPartition::new(name.as_str(), p.partition as u32),
                    fetch_offset: p.fetch_offset,
                    last_fetched_epoch: p.last_fetched_epoch,
                    current_leader_epoch: p.current_leader_epoch,
                    log_start_offset: -1,
                });
            }
        }
    }
    let Some(isolation_level) = isolation_level_of(request.isolation_level) else {
        return FetchGather {
            id: None,
            top_error: UNKNOWN_SERVER_ERROR,
            unanswered_error: UNKNOWN_SERVER_ERROR,
            asked,
            answered: Vec::new(),
            done: true,
        };
    };
    let id = (!partitions.is_empty()).then(|| {
        let max_wait_ms = i64::from(request.max_wait_ms.max(0));
        let max_bytes = request.max_bytes.max(0) as u32;
        ctx.send(ctx.broker, |correlation_id| Message::FetchRequest {
            correlation_id,
            replica_id: None,
            max_wait_ms,
            max_bytes,
            partitions,
            isolation_level,
        })
    });
    FetchGather {
        done: id.is_none(),
        id,
        top_error: 0,
        unanswered_error: UNKNOWN_TOPIC_OR_PARTITION,
        asked,
        answered: Vec::new(),
    }
}

impl FetchGather {
    /// True when answered here, without the engine.
    pub fn is_done(&self) -> bool {
        self.done
    }
}

impl Gather for FetchGather {
    fn waits_on(&self, correlation_id: u64) -> bool {
        !self.done && self.id == Some(correlation_id)
    }

    fn answer(&mut self, _ctx: &mut Ctx, message: &Message) -> bool {
        if let Message::FetchResponse { partitions, .. } = message {
            self.answered = partitions.clone();
            self.done = true;
        }
        self.done
    }

    fn encode(&self, header: &Header) -> Result<Vec<u8>, String> {
        let mut topics: Vec<FetchableTopicResponse> = Vec::new();
        for (name, index) in &self.asked {
            if topics.last().is_none_or(|t| t.topic.0.as_str() != name) {
                topics.push(
                    FetchableTopicResponse::default()
                        .with_topic(TopicName(StrBytes::from_string(name.clone()))),
                );
            }
            let found =
                self.answered.iter().find(|a| a.tp.topic.as_str() == name && a.tp.partition as i32 == *index);
            let p = match found {
                Some(a) => {
                    let aborted = a.aborted_transactions.as_ref().map(|list| {
                        list.iter()
                            .map(|t| {
                                AbortedTransaction::default()
                                    .with_producer_id(ProducerId(t.producer_id))
                                    .with_first_offset(t.first_offset)
                            })
                            .collect()
                    });
                    let mut p = PartitionData::default()
                        .with_partition_index(*index)
                        .with_error_code(code(a.error))
                        .with_high_watermark(a.high_watermark)
                        .with_last_stable_offset(a.last_stable_offset)
                        .with_log_start_offset(a.log_start_offset)
                        .with_aborted_transactions(aborted)
                        .with_preferred_read_replica(BrokerId(-1))
                        .with_records(Some(bytes::Bytes::copy_from_slice(&a.records)));
                    if let Some(d) = a.diverging_epoch {
                        p.diverging_epoch =
                            EpochEndOffset::default().with_epoch(d.epoch).with_end_offset(d.end_offset);
                    }
                    p
                }
                None => PartitionData::default()
                    .with_partition_index(*index)
                    .with_error_code(self.unanswered_error)
                    .with_high_watermark(-1)
                    .with_last_stable_offset(-1)
                    .with_log_start_offset(-1)
                    .with_preferred_read_replica(BrokerId(-1))
                    .with_records(Some(bytes::Bytes::new())),
            };
            if let Some(t) = topics.last_mut() {
                t.partitions.push(p);
            }
        }
        let response = FetchResponse::default()
            .with_error_code(self.top_error)
            .with_session_id(0)
            .with_responses(topics);
        encode_response(header, header.api_version, &response)
    }
}

/// Kafka's `UNKNOWN_SERVER_ERROR`.
pub const UNKNOWN_SERVER_ERROR: i16 = -1;

/// `IsolationLevel.forId`, as `FetchRequest.isolationLevel` and
/// `ListOffsetsRequest.isolationLevel` read it: 0 and 1, anything else refused.
pub fn isolation_level_of(id: i8) -> Option<IsolationLevel> {
    [IsolationLevel::ReadUncommitted, IsolationLevel::ReadCommitted].into_iter().find(|l| l.wire() == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `IsolationLevel.forId`: 0 and 1, "Unknown isolation level" for any other.
    #[test]
    fn isolation_levels_are_kafkas_ids() {
        assert_eq!(isolation_level_of(0), Some(IsolationLevel::ReadUncommitted));
        assert_eq!(isolation_level_of(1), Some(IsolationLevel::ReadCommitted));
        assert_eq!(isolation_level_of(2), None);
        assert_eq!(isolation_level_of(-1), None);
    }

    /// `FetchResponse.PartitionData.abortedTransactions` (v4+, nullable): the engine's
    /// list as it came, null for read_uncommitted, decoded back by kafka-protocol.
    #[test]
    fn aborted_transactions_are_encoded_as_the_engine_answers() {
        use crate::engine::cluster::messages::AbortedTransaction as EngineAborted;
        use crate::engine::record::MemoryRecords;
        use bytes::Buf;
        use kafka_protocol::messages::{ApiKey, ResponseHeader};
        use kafka_protocol::protocol::Decodable;
        let answered = |aborted: Option<Vec<EngineAborted>>| FetchedPartition {
            tp: TopicPartition::new("t", 0),
            error: None,
            high_watermark: 8,
            last_stable_offset: 6,
            log_start_offset: 0,
            diverging_epoch: None,
            records: MemoryRecords::new(),
            aborted_transactions: aborted,
        };
        for aborted in [None, Some(vec![]), Some(vec![EngineAborted { producer_id: 7, first_offset: 0 }])] {
            let gather = FetchGather {
                id: Some(1),
                top_error: 0,
                unanswered_error: UNKNOWN_TOPIC_OR_PARTITION,
                asked: vec![("t".to_string(), 0)],
                answered: vec![answered(aborted.clone())],
                done: true,
            };
            let header =
                Header { api_key: ApiKey::Fetch, api_version: 11, correlation_id: 5, client_id: None };
            let frame = gather.encode(&header).unwrap();
            let mut buf = bytes::Bytes::from(frame);
            buf.advance(4);
            ResponseHeader::decode(&mut buf, 0).unwrap();
            let response = FetchResponse::decode(&mut buf, 11).unwrap();
            let p = &response.responses[0].partitions[0];
            let decoded = p.aborted_transactions.as_ref().map(|list| {
                list.iter()
                    .map(|t| EngineAborted { producer_id: t.producer_id.0, first_offset: t.first_offset })
                    .collect()
            });
            assert_eq!(decoded, aborted);
            assert_eq!((p.high_watermark, p.last_stable_offset), (8, 6));
        }
    }
}
