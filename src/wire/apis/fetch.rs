//! Fetch 4–12 for consumers (`KafkaApis.handleFetchRequest`): one engine FetchRequest to
//! the connection's broker, which holds it in its own delayed fetch up to `max_wait_ms`
//! (`DelayedFetch`) and answers with whole batches as the log holds them. Fetch sessions
//! (KIP-227, v7+) are not kept: a full fetch (session id 0) is answered with session id 0,
//! which clients read as "sessionless" (as when Kafka's `FetchSessionCache` is full), and
//! an incremental fetch of a session this server never gave out gets
//! `FETCH_SESSION_ID_NOT_FOUND`. The last stable offset is the partition's; a
//! `read_committed` fetch (isolation level 1, librdkafka's default) gets only the batches
//! below it, as `UnifiedLog.read` with `FetchIsolation.TXN_COMMITTED` reads up to the
//! LSO. No transaction can be aborted yet (no marker is written but by a coordinator,
//! which serve does not run), so the aborted transactions are always empty.

use super::{code, Ctx, Gather, UNKNOWN_TOPIC_OR_PARTITION};
use crate::engine::cluster::messages::{FetchPartition, FetchedPartition, IsolationLevel, TopicPartition};
use crate::engine::cluster::Message;
use crate::wire::request::{encode_response, Header};
use kafka_protocol::messages::fetch_response::{EpochEndOffset, FetchableTopicResponse, PartitionData};
use kafka_protocol::messages::{BrokerId, FetchRequest, FetchResponse, TopicName};
use kafka_protocol::protocol::StrBytes;

const FETCH_SESSION_ID_NOT_FOUND: i16 = 70;

pub struct FetchGather {
    id: Option<u64>,
    /// `isolation_level` 1: only what is below the last stable offset.
    read_committed: bool,
    top_error: i16,
    /// (topic, partition) in request order, and the answer once in.
    asked: Vec<(String, i32)>,
    answered: Vec<FetchedPartition>,
    done: bool,
}

pub fn start(request: &FetchRequest, ctx: &mut Ctx) -> FetchGather {
    if request.session_id != 0 {
        return FetchGather {
            id: None,
            read_committed: false,
            top_error: FETCH_SESSION_ID_NOT_FOUND,
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
    let id = (!partitions.is_empty()).then(|| {
        let max_wait_ms = i64::from(request.max_wait_ms.max(0));
        let max_bytes = request.max_bytes.max(0) as u32;
        ctx.send(ctx.broker, |correlation_id| Message::FetchRequest {
            correlation_id,
            replica_id: None,
            max_wait_ms,
            max_bytes,
            partitions,
            isolation_level: IsolationLevel::ReadUncommitted,
        })
    });
    let read_committed = request.isolation_level == 1;
    FetchGather { done: id.is_none(), id, read_committed, top_error: 0, asked, answered: Vec::new() }
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
                    let records = if self.read_committed {
                        batches_below(&a.records, a.last_stable_offset)
                    } else {
                        &a.records[..]
                    };
                    let mut p = PartitionData::default()
                        .with_partition_index(*index)
                        .with_error_code(code(a.error))
                        .with_high_watermark(a.high_watermark)
                        .with_last_stable_offset(a.last_stable_offset)
                        .with_log_start_offset(a.log_start_offset)
                        .with_aborted_transactions(Some(Vec::new()))
                        .with_preferred_read_replica(BrokerId(-1))
                        .with_records(Some(bytes::Bytes::copy_from_slice(records)));
                    if let Some(d) = a.diverging_epoch {
                        p.diverging_epoch =
                            EpochEndOffset::default().with_epoch(d.epoch).with_end_offset(d.end_offset);
                    }
                    p
                }
                None => PartitionData::default()
                    .with_partition_index(*index)
                    .with_error_code(UNKNOWN_TOPIC_OR_PARTITION)
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

/// The whole batches of `records` whose base offset is below `limit` (a batch's base
/// offset is its first 8 bytes, its length the next 4, counting the bytes after them).
fn batches_below(records: &[u8], limit: i64) -> &[u8] {
    let mut end = 0;
    while let Some(header) = records.get(end..end + 12) {
        let base_offset = i64::from_be_bytes(header[..8].try_into().unwrap_or([0xff; 8]));
        let length = i32::from_be_bytes(header[8..12].try_into().unwrap_or([0; 4]));
        let next = end + 12 + length.max(0) as usize;
        if base_offset >= limit || next > records.len() {
            break;
        }
        end = next;
    }
    &records[..end]
}

#[cfg(test)]
mod tests {
    use super::batches_below;

    /// A batch as its header frames it: base offset, then the bytes after the length.
    fn batch(base_offset: i64, body: usize) -> Vec<u8> {
        let mut b = base_offset.to_be_bytes().to_vec();
        b.extend_from_slice(&(body as i32).to_be_bytes());
        b.extend(std::iter::repeat_n(7u8, body));
        b
    }

    #[test]
    fn read_committed_keeps_the_whole_batches_below_the_last_stable_offset() {
        let records: Vec<u8> = [batch(0, 50), batch(3, 40), batch(8, 30)].concat();
        assert_eq!(batches_below(&records, 8).len(), 62 + 52);
        assert_eq!(batches_below(&records, 3).len(), 62);
        assert_eq!(batches_below(&records, 0).len(), 0);
        assert_eq!(batches_below(&records, 100).len(), records.len());
        // A cut last batch is not sent half.
        assert_eq!(batches_below(&records[..records.len() - 1], 100).len(), 62 + 52);
    }
}
