//! What the log panel asks of one replica's log and what it gets ([`LogAsk`],
//! [`LogAnswer`]), answered from a broker node ([`answer`]): by the tab's node workers
//! (`crate::web::node_worker`) and, for the page watching `kafka-playground serve`, by
//! serve itself from its in-process brokers ([`LogRequest`] from the page as JSON text,
//! [`super::live::ServeMessage::Log`] back to that page only). Native and wasm alike.
//!
//! Decision: serve answers on the simulation's thread from the broker's state at that
//! instant (as the worker does between two windows); a crashed broker, like the tab's,
//! answers "the broker is not running" (serve keeps its log as its disk, but a crashed
//! process reads nothing).

use crate::engine::cluster::NodeId;
use crate::engine::log::{LogDetail, ReadFrom, RecordView, SegmentFiles};
use crate::engine::record::anatomy::BatchAnatomy;
use crate::engine::replica::BrokerNode;
use serde::{Deserialize, Serialize};

/// What the log panel asks of a replica.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LogAsk {
    /// Segments and the newest records.
    Detail { max_records: u32 },
    /// One segment's `.log`, `.index` and `.timeindex`.
    Files { base_offset: i64 },
    /// Records from an offset or a timestamp, as a consumer's Fetch returns them.
    Read { from: ReadFrom, max_bytes: u32 },
    /// The batch holding an offset, taken apart byte by byte.
    Batch { offset: i64 },
}

/// A replica's answer to a [`LogAsk`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LogAnswer {
    Detail(LogDetail),
    Files(SegmentFiles),
    Records(Vec<RecordView>),
    Batch(BatchAnatomy),
    /// The replica is not hosted there, the segment is gone, or Kafka's error for the read.
    Refused(String),
}

/// The page's request to serve for one replica's log: `id` comes back with the answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogRequest {
    pub id: u64,
    pub broker: NodeId,
    pub topic: String,
    pub partition: u32,
    pub ask: LogAsk,
}

/// A page message that asks for a log: `{"Log":{…}}` (every other message is a command).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LogMessage {
    Log(LogRequest),
}

/// The log request in a page's message, if it is one.
pub fn parse_log_request(text: &str) -> Option<LogRequest> {
    match serde_json::from_str::<LogMessage>(text) {
        Ok(LogMessage::Log(r)) => Some(r),
        Err(_) => None,
    }
}

/// The answer of `b` (`None`: not running) to `ask` for `topic`-`partition`.
pub fn answer(b: Option<&BrokerNode>, topic: &str, partition: u32, ask: LogAsk) -> LogAnswer {
    let Some(b) = b else {
        return LogAnswer::Refused("the broker is not running".into());
    };
    let missing = || LogAnswer::Refused(format!("no replica of {topic}-{partition} on this broker"));
    match ask {
        LogAsk::Detail { max_records } => {
            b.log_detail(topic, partition, max_records as usize).map_or_else(missing, LogAnswer::Detail)
        }
        LogAsk::Files { base_offset } => match b.segment_files(topic, partition, base_offset) {
            Some(files) => LogAnswer::Files(files),
            None => LogAnswer::Refused(format!("segment {base_offset} of {topic}-{partition} is gone")),
        },
        LogAsk::Read { from, max_bytes } => match b.read_records(topic, partition, from, max_bytes) {
            Some(Ok(records)) => LogAnswer::Records(records),
            Some(Err(e)) => LogAnswer::Refused(e.to_string()),
            None => missing(),
        },
        LogAsk::Batch { offset } => match b.batch_anatomy(topic, partition, offset) {
            Some(Ok(Some(anatomy))) => LogAnswer::Batch(anatomy),
            Some(Ok(None)) => {
                LogAnswer::Refused(format!("no batch of {topic}-{partition} holds offset {offset}"))
            }
            Some(Err(e)) => LogAnswer::Refused(e.to_string()),
            None => missing(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_requests_are_told_from_commands() {
        let text =
            r#"{"Log":{"id":7,"broker":2,"topic":"t","partition":1,"ask":{"Detail":{"max_records":20}}}}"#;
        let r = parse_log_request(text).expect("a log request");
        assert_eq!((r.id, r.broker, r.topic.as_str(), r.partition), (7, 2, "t", 1));
        assert_eq!(r.ask, LogAsk::Detail { max_records: 20 });
        assert_eq!(parse_log_request(r#"{"Crash":2}"#), None);
        assert_eq!(parse_log_request(r#"{"Log":{"id":7}}"#), None);
        let round = serde_json::to_string(&LogMessage::Log(r.clone())).unwrap();
        assert_eq!(parse_log_request(&round), Some(r));
        assert_eq!(
            answer(None, "t", 0, LogAsk::Batch { offset: 0 }),
            LogAnswer::Refused("the broker is not running".into())
        );
    }
}
