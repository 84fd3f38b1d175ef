//! The consumer's side of a consume-transform-produce application (Kafka's
//! `ExactlyOnceMessageProcessor`, [`crate::engine::client::pipeline`]): the records a
//! poll returned are kept with their key and value until processed, each processed
//! record is handed to the application (which sends it transformed in its producer's
//! transaction), and after the poll's last record the application holds the poll loop
//! until its transaction is over (`sendOffsetsToTransaction`, `commitTransaction`): the
//! next `poll()` comes only then. On an abort the application rewinds the consumer to the
//! group's committed offsets (`consumer.committed(assignment)` then `seek`, which drops
//! what was fetched). Invariant: only records the application has not yet taken are kept.

use super::ConsumerNode;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::record::default_record::RecordRef;
use std::collections::BTreeMap;

/// One input record as the application reads it: its partition, offset, key and value
/// (UTF-8, lossily, as the playground shows values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRecord {
    pub tp: TopicPartition,
    pub offset: i64,
    pub key: Option<String>,
    pub value: String,
}

/// The records fetched for the application and those it processed and has not yet taken.
#[derive(Debug, Default)]
pub struct TxnApp {
    texts: BTreeMap<(TopicPartition, i64), (Option<String>, String)>,
    finished: Vec<AppRecord>,
}

fn text(bytes: Option<&[u8]>) -> Option<String> {
    bytes.map(|b| String::from_utf8_lossy(b).into_owned())
}

impl TxnApp {
    /// Keeps the key and value of `records` at or after `position`.
    pub(super) fn keep(
        &mut self,
        tp: &TopicPartition,
        position: i64,
        base_offset: i64,
        records: &[RecordRef<'_>],
    ) {
        for r in records.iter().filter(|r| r.offset(base_offset) >= position) {
            let value = text(r.value).unwrap_or_default();
            self.texts.insert((tp.clone(), r.offset(base_offset)), (text(r.key), value));
        }
    }

    /// The application finished processing the record at `offset`.
    pub(super) fn finished(&mut self, tp: &TopicPartition, offset: i64) {
        let (key, value) = self.texts.remove(&(tp.clone(), offset)).unwrap_or_default();
        self.finished.push(AppRecord { tp: tp.clone(), offset, key, value });
    }
}

impl ConsumerNode {
    /// Makes this consumer the input of a consume-transform-produce application.
    pub fn set_txn_app(&mut self) {
        self.txn_app = Some(TxnApp::default());
    }

    /// The records processed since the last call, in processing order.
    pub fn take_app_records(&mut self) -> Vec<AppRecord> {
        self.txn_app.as_mut().map(|a| std::mem::take(&mut a.finished)).unwrap_or_default()
    }

    /// The poll's records are all processed and the application holds the poll loop.
    pub fn txn_app_waiting(&self) -> bool {
        self.txn_app.is_some() && self.processing.is_empty() && self.app_commit_pending
    }

    /// Records handed to the application and not yet processed.
    pub fn processing_records(&self) -> usize {
        self.processing.len()
    }

    /// `consumer.position(tp)` of each owned partition that has one (Kafka's example's
    /// `getOffsetsToCommit`).
    pub fn owned_positions(&self) -> Vec<(TopicPartition, i64)> {
        self.assigned.iter().filter_map(|(tp, p)| p.position.map(|o| (tp.clone(), o))).collect()
    }

    /// `producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata())` as the
    /// command `name`'s producer takes it: these offsets with this consumer's group
    /// metadata (none outside a group).
    pub fn send_offsets_command(
        &self,
        name: String,
        offsets: Vec<(TopicPartition, i64)>,
    ) -> crate::engine::cluster::command::SendOffsetsCommand {
        use crate::engine::cluster::command::{ConsumerGroupMetadata, SendOffsetsCommand, TxnOffsetSpec};
        let group_metadata = self.group_id().map(|group_id| ConsumerGroupMetadata {
            generation_id: self.generation().generation_id,
            group_id: group_id.to_string(),
            group_instance_id: self.config().group_instance_id.clone(),
            member_id: self.generation().member_id.clone(),
        });
        let offsets = offsets
            .into_iter()
            .map(|(tp, offset)| TxnOffsetSpec {
                offset,
                partition: tp.partition,
                topic: tp.topic.to_string(),
            })
            .collect();
        SendOffsetsCommand { consumer: name, group_metadata, offsets }
    }

    /// A broken application's `commitSync()` of its positions outside the transaction
    /// (the break-engine switch `PipelineCommitsOutsideTransaction`).
    pub fn txn_app_commit_positions(&mut self, now_ms: i64) {
        self.now_ms = now_ms;
        let offsets = self.owned_positions();
        self.commit_offsets(offsets, super::CommitPurpose::Manual);
        self.run();
    }

    /// The application's transaction is over: the poll loop goes on.
    pub fn txn_app_release(&mut self, now_ms: i64) {
        self.now_ms = now_ms;
        self.app_commit_pending = false;
        self.run();
    }

    /// After an abort: every owned partition goes back to the group's committed offset
    /// (fetched again, as `consumer.committed()`; none: `auto.offset.reset`), fetched and
    /// unprocessed records are dropped, and the poll loop goes on.
    pub fn txn_app_rewind(&mut self, now_ms: i64) {
        self.now_ms = now_ms;
        self.buffer.clear();
        self.processing.clear();
        self.processing_done_ms = None;
        if let Some(app) = self.txn_app.as_mut() {
            *app = TxnApp::default();
        }
        for p in self.assigned.values_mut() {
            p.position = None;
            p.processed = None;
        }
        // A fetch in flight asked from the old positions: its answer is stale (Java's
        // `FetchCollector` discards a completed fetch whose offset is not the position).
        self.in_flight.retain(|_, (_, pending)| !matches!(pending, super::Pending::Fetch { .. }));
        self.note(
            "the application aborted its transaction: its positions go back to the group's committed offsets"
                .into(),
        );
        self.app_commit_pending = false;
        self.run();
    }
}
