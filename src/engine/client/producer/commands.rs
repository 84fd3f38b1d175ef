//! The producer's commands ([`Command::Produce`] and the start signal): a `produce` is
//! checked against what this producer can do (the count, `{i:bytes}`'s bound, the
//! partitioner's name, the headers' bounds, the partition number) and turned into
//! records waiting for their topic's metadata, or refused with the reason; any other
//! command is refused. Invariant: a refused command adds no record.

use super::accumulator::SentRecord;
use super::record_text::{self, RecordText, Template};
use super::{
    ProducerNode, WaitingRecord, MAX_HEADERS_PER_RECORD, MAX_HEADER_BYTES, MAX_RECORDS_PER_COMMAND,
    MAX_WAITING_RECORDS,
};
use crate::engine::cluster::command::{Command, HeaderSpec, ProduceCommand};
use crate::engine::cluster::messages::TopicName;
use crate::engine::partitioner::PartitionerKind;
use crate::engine::record::Header;
use std::rc::Rc;

/// A produce command's headers as Kafka's record headers (ordered, keys may repeat, a
/// value may be null), bounded.
fn record_headers(list: &[HeaderSpec]) -> Result<Option<Rc<[Header]>>, String> {
    if list.len() > MAX_HEADERS_PER_RECORD {
        return Err(format!(
            "{} headers: a record carries at most {MAX_HEADERS_PER_RECORD} here",
            list.len()
        ));
    }
    let mut headers = Vec::with_capacity(list.len());
    for h in list {
        let value = h.value.as_ref().map(|v| v.as_bytes().to_vec());
        if h.key.len() > MAX_HEADER_BYTES || value.as_ref().is_some_and(|v| v.len() > MAX_HEADER_BYTES) {
            return Err(format!("a header's key or value is longer than {MAX_HEADER_BYTES} bytes"));
        }
        headers.push(Header { key: h.key.clone(), value });
    }
    Ok((!headers.is_empty()).then(|| headers.into()))
}

impl ProducerNode {
    pub(super) fn handle_command(&mut self, command: Command) {
        match command {
            // The driver's start signal: metadata is fetched on the first send.
            Command::Start(_) => {}
            Command::RestartWith(spec) => self.restart_with(&spec.configs),
            // Sends asked for while this producer closes wait for the next one.
            command @ Command::Produce(_) if self.rebuild_with.is_some() => self.hold(command),
            Command::Produce(spec) => self.produce(spec),
            command @ (Command::InitTransactions(_)
            | Command::BeginTransaction(_)
            | Command::CommitTransaction(_)
            | Command::AbortTransaction(_)
            | Command::SendOffsetsToTransaction(_)) => self.handle_transaction_command(command),
            other => self.refuse(format!("a producer does not take the command \"{}\"", other.name())),
        }
    }

    /// `{i}` in key and value is the producer's running record number from 0 and
    /// `{i:bytes}` Python's `bytes(i)` (at most [`record_text::MAX_ZERO_BYTES`]); a
    /// `partitioner` becomes the topic's, as librdkafka's topic-level property.
    fn produce(&mut self, spec: ProduceCommand) {
        let topic = TopicName::new(&spec.topic);
        let count = spec.count;
        if count == 0 || count > MAX_RECORDS_PER_COMMAND {
            self.refuse(format!("produce \"count\" must be 1..={MAX_RECORDS_PER_COMMAND}, got {count}"));
            return;
        }
        let key = spec.key.as_deref().map(|k| Rc::new(Template::new(k)));
        let value = Rc::new(Template::new(&spec.value));
        let last_number = self.next_record_index.saturating_add(count - 1);
        if (key.as_ref().is_some_and(|k| k.has_zero_bytes()) || value.has_zero_bytes())
            && last_number > record_text::MAX_ZERO_BYTES
        {
            self.refuse(format!(
                "produce: {{i:bytes}} stands for at most {} zero bytes, and this command's last record is number {last_number}",
                record_text::MAX_ZERO_BYTES
            ));
            return;
        }
        if let Some(name) = &spec.partitioner {
            let Ok(kind) = PartitionerKind::from_name(name) else {
                self.refuse(format!("produce: Invalid value {name} for configuration partitioner"));
                return;
            };
            self.set_topic_partitioner(&topic, kind);
        }
        let headers = match record_headers(&spec.headers) {
            Ok(h) => h,
            Err(problem) => {
                self.refuse(format!("produce \"headers\": {problem}"));
                return;
            }
        };
        let waiting = self.waiting.len() as u64;
        if waiting + count > MAX_WAITING_RECORDS {
            self.refuse(format!(
                "produce refused: send() is blocked waiting for metadata and {waiting} records wait behind it (at most {MAX_WAITING_RECORDS})"
            ));
            return;
        }
        let partition = spec.partition;
        self.waiting.reserve(count.min(MAX_RECORDS_PER_COMMAND) as usize);
        for _ in 0..count {
            let i = self.next_record_index;
            self.next_record_index += 1;
            let record = SentRecord {
                headers: headers.clone(),
                key: key.as_ref().map(|k| RecordText::new(Rc::clone(k), i)),
                value: RecordText::new(Rc::clone(&value), i),
            };
            self.counts.in_flight += 1;
            self.waiting.push(WaitingRecord { topic: topic.clone(), partition, record });
        }
        self.place_waiting_records();
    }
}
