//! When the application commits: the playground's own setting
//! `playground.commit.sync` models application code that turns `enable.auto.commit` off
//! and calls `commitSync()` itself at one moment of its poll loop:
//!
//! * `off` (the default): the application never calls `commitSync()`; offsets are
//!   committed by auto-commit (`enable.auto.commit`, inside the next `poll()`, so what
//!   was processed) or by the `commit` command. At least once.
//! * `before-processing`: `commitSync()` right after `poll()` returns, before the first
//!   record is processed. Java's `commitSync()` commits `subscriptions.allConsumed()`,
//!   the positions, i.e. everything the poll returned; the application blocks until the
//!   answer. A crash while processing loses the rest of that poll: it is committed, so
//!   no one reads it again. At most once.
//! * `after-processing`: `commitSync()` once every record of the poll is processed, then
//!   the next `poll()`. A crash while processing leaves the processed records
//!   uncommitted: the next owner reads them again. At least once.
//!
//! Exactly once (consume–transform–produce, offsets committed inside the producer's
//! transaction with `sendOffsetsToTransaction`) needs transactions, which the playground
//! does not have: the setting refuses it by name. Kafka's own `enable.auto.commit` keeps
//! its meaning and may be on as well (its commit of what was processed changes nothing
//! here). Invariant: while an application `commitSync()` is in flight, no record is
//! processed (before-processing) and `poll()` is not called (after-processing).

use super::{CommitPurpose, ConsumerNode};
use crate::engine::client::common::config::{invalid, ConfigError};
use serde::{Deserialize, Serialize};

/// The playground's setting naming when the application calls `commitSync()`.
pub const COMMIT_SYNC_CONFIG: &str = "playground.commit.sync";

/// `playground.commit.sync`: when the application calls `commitSync()` itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CommitSync {
    /// Never: auto-commit or the `commit` command commit.
    #[default]
    Off,
    /// Right after `poll()` returns, before processing: at most once.
    BeforeProcessing,
    /// After the poll's records are processed: at least once.
    AfterProcessing,
}

impl CommitSync {
    pub fn is_off(&self) -> bool {
        *self == CommitSync::Off
    }

    /// The value as written in the setting.
    pub fn name(&self) -> &'static str {
        match self {
            CommitSync::Off => "off",
            CommitSync::BeforeProcessing => "before-processing",
            CommitSync::AfterProcessing => "after-processing",
        }
    }

    /// The setting's value, or why it is refused (exactly once is named and refused).
    pub fn parse(name: &str, value: &str) -> Result<CommitSync, ConfigError> {
        match value.trim() {
            "off" => Ok(CommitSync::Off),
            "before-processing" => Ok(CommitSync::BeforeProcessing),
            "after-processing" => Ok(CommitSync::AfterProcessing),
            v if v.contains("exactly") || v.contains("transaction") => Err(invalid(
                name,
                value,
                "exactly once (consume-transform-produce: the offsets committed in the producer's transaction with sendOffsetsToTransaction) is written with a transactional producer's steps (begin_transaction, send_offsets_to_transaction naming this consumer, commit_transaction), not with this setting; String must be one of: off, before-processing, after-processing",
            )),
            _ => Err(invalid(name, value, "String must be one of: off, before-processing, after-processing")),
        }
    }
}

impl ConsumerNode {
    /// `poll()` just handed records to the application. With `before-processing` it
    /// calls `commitSync()` of the positions now and waits for the answer before it
    /// processes them; true if it waits.
    pub(super) fn commit_before_processing(&mut self) -> bool {
        if self.config.commit_sync != CommitSync::BeforeProcessing {
            return false;
        }
        let offsets =
            self.assigned.iter().filter_map(|(tp, p)| p.position.map(|o| (tp.clone(), o))).collect();
        self.app_commit_pending = self.commit_offsets(offsets, CommitPurpose::BeforeProcessing);
        if !self.app_commit_pending {
            self.note("commitSync() before processing could not be sent (no coordinator known): processing the poll's records uncommitted".into());
        }
        self.app_commit_pending
    }

    /// The application processed the poll's last record. With `after-processing` it
    /// calls `commitSync()` of what it processed and waits before the next `poll()`.
    pub(super) fn commit_after_processing(&mut self) {
        if self.txn_app.is_some() {
            // The application's transaction (send the offsets, commit) runs before the
            // next poll(): the pipeline releases it ([`Self::txn_app_release`]).
            self.app_commit_pending = true;
            return;
        }
        if self.config.commit_sync != CommitSync::AfterProcessing {
            return;
        }
        let offsets =
            self.assigned.iter().filter_map(|(tp, p)| p.processed.map(|o| (tp.clone(), o))).collect();
        self.app_commit_pending = self.commit_offsets(offsets, CommitPurpose::AfterProcessing);
    }

    /// The application's `commitSync()` returned (answered, failed or timed out): it
    /// processes what the poll returned, or polls again.
    pub(super) fn app_commit_returned(&mut self, purpose: CommitPurpose) {
        if !self.app_commit_pending {
            return;
        }
        self.app_commit_pending = false;
        if purpose == CommitPurpose::BeforeProcessing && !self.processing.is_empty() {
            self.processing_done_ms = Some(self.now_ms + self.config.processing_time_per_record_ms);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::client::consumer::ConsumerConfig;

    #[test]
    fn the_setting_takes_three_moments_and_refuses_exactly_once_by_name() {
        let c = ConsumerConfig::from_pairs([(COMMIT_SYNC_CONFIG, "before-processing")]).unwrap();
        assert_eq!(c.commit_sync, CommitSync::BeforeProcessing);
        assert!(c.enable_auto_commit, "enable.auto.commit keeps Kafka's default");
        assert_eq!(ConsumerConfig::default().commit_sync, CommitSync::Off);
        let e = ConsumerConfig::from_pairs([(COMMIT_SYNC_CONFIG, "exactly-once")]).unwrap_err();
        assert_eq!(e.name, COMMIT_SYNC_CONFIG);
        assert!(e.message.contains("sendOffsetsToTransaction"), "{e}");
        let e = ConsumerConfig::from_pairs([(COMMIT_SYNC_CONFIG, "sometimes")]).unwrap_err();
        assert!(e.message.contains("off, before-processing, after-processing"), "{e}");
    }

    #[test]
    fn the_default_is_not_serialised_so_stored_configs_stay_as_they_were() {
        let json = serde_json::to_value(ConsumerConfig::default()).unwrap();
        assert!(json.get("commit_sync").is_none());
        let c = ConsumerConfig::from_pairs([(COMMIT_SYNC_CONFIG, "after-processing")]).unwrap();
        let back: ConsumerConfig = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back.commit_sync, CommitSync::AfterProcessing);
    }
}
