//! The log cleaner on every broker (`LogCleaner`'s cleaner thread): every
//! `log.cleaner.backoff.ms` it compacts each replica it hosts, leader or follower, whose
//! `cleanup.policy` includes `compact` and whose dirty ratio reaches
//! `min.cleanable.dirty.ratio` ([`PartitionLog::clean`] has Kafka's rules), never past
//! that replica's own high watermark; `__consumer_offsets` is one such log. Kafka's thread
//! cleans the filthiest log and loops until none is due, then sleeps the backoff; one
//! pass over every due log per backoff ends in the same state.
//!
//! `log.cleaner.backoff.ms` is dynamic (`LogCleaner.ReconfigurableConfigs`): a value
//! set at the cluster default through the metadata log takes effect at once.
//!
//! Where each log's last cleaning ended is written to Kafka's `cleaner-offset-checkpoint`
//! after every pass that cleaned, and read back on restart ([`super::recover`]).
//!
//! Invariants: a cleaning changes no offset, log start or log end offset; every rewrite
//! is persisted in the same input's outputs; each cleaning is reported with the offsets
//! it removed.
//!
//! [`PartitionLog::clean`]: crate::engine::log::PartitionLog::clean

use super::BrokerNode;
use crate::engine::cluster::TimerKind;
use crate::engine::cluster::{ClusterEvent, Output};
use crate::engine::log::checkpoint::write_checkpoint_of;
use crate::engine::store::StoreOp;

/// Kafka's file of where each compacted log's last cleaning ended.
pub const CLEANER_OFFSET_CHECKPOINT: &str = "cleaner-offset-checkpoint";

impl BrokerNode {
    pub(crate) fn arm_cleaner_timer(&mut self, now_ms: i64) {
        let at_ms = now_ms + self.config.log_cleaner_backoff_ms;
        self.set_timer(TimerKind::LogCleaner, 0, at_ms);
    }

    /// A dynamic broker config from the metadata log (the controller checked it). A new
    /// `log.cleaner.backoff.ms` restarts the cleaner as `LogCleaner.reconfigure` restarts
    /// its threads: a pass now, then one every new backoff.
    pub(crate) fn reconfigure(&mut self, now_ms: i64, name: &str, value: &str) {
        let before = self.config.log_cleaner_backoff_ms;
        if let Err(why) = self.config.set(name, value) {
            self.refuse(format!("broker {} cannot apply {name}={value}: {why}", self.broker_id));
            return;
        }
        if name == "log.cleaner.backoff.ms" && self.config.log_cleaner_backoff_ms != before {
            self.set_timer(TimerKind::LogCleaner, 0, now_ms);
        }
    }

    /// One pass of the cleaner thread over this broker's compacted logs.
    pub(crate) fn clean_logs(&mut self, now_ms: i64) {
        let mut events = Vec::new();
        let mut cleaned = false;
        for (tp, p) in self.partitions.iter_mut() {
            if !p.log.config.compacts() {
                continue;
            }
            let Some(result) = p.log.clean(p.last_clean_offset, p.high_watermark, now_ms) else { continue };
            p.last_clean_offset = Some(result.first_dirty_offset);
            cleaned = true;
            // A cleaning that found nothing to remove or merge changes nothing to show.
            if result.removed_offsets.is_empty() && result.segments_before == result.segments_after {
                continue;
            }
            events.push(ClusterEvent::LogCleaned {
                broker_id: self.broker_id,
                tp: tp.clone(),
                removed_offsets: result.removed_offsets,
                dirty_ratio_percent: (result.dirty_ratio * 100.0).round() as u32,
                first_dirty_offset: result.first_dirty_offset,
                segments_before: result.segments_before,
                segments_after: result.segments_after,
            });
        }
        for e in events {
            self.event(e);
        }
        if cleaned {
            self.persist_cleaner_checkpoint();
        }
        self.arm_cleaner_timer(now_ms);
    }

    /// `cleaner-offset-checkpoint` with every hosted log the cleaner has cleaned.
    pub(crate) fn persist_cleaner_checkpoint(&mut self) {
        let entries = || {
            self.partitions
                .iter()
                .filter_map(|(tp, p)| p.last_clean_offset.map(|o| (tp.topic.as_str(), tp.partition, o)))
        };
        let value = write_checkpoint_of(entries().count(), entries());
        let name = CLEANER_OFFSET_CHECKPOINT.to_string();
        self.outputs.push_back(Output::Persist(StoreOp::PutMeta { broker_id: self.broker_id, name, value }));
    }
}
