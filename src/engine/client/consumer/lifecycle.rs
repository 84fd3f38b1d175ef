//! The consumer process's life: start, settings changed at start or by a rolling
//! restart (kept in the client's store under [`CONFIG_META`]), `close()` (commit, revoke,
//! leave) and the new process that follows a `restart_with`.

use super::{CommitPurpose, ConsumerConfig, ConsumerNode, Lifecycle, MemberState, Subscription, CONFIG_META};
use crate::engine::cluster::Output;
use std::collections::BTreeMap;

impl ConsumerNode {
    pub(super) fn is_active(&self) -> bool {
        matches!(self.lifecycle, Lifecycle::Running | Lifecycle::Closing)
    }

    pub(super) fn start(&mut self) {
        self.started = true;
        self.last_poll_ms = self.now_ms;
        let initial = self.initial.clone();
        self.apply_subscription(initial);
    }

    /// This consumer's config with `configs` (`{name: value}`) over it, or why not.
    pub(super) fn changed_config(
        &self,
        configs: &BTreeMap<String, String>,
    ) -> Result<ConsumerConfig, String> {
        self.config.with_pairs(configs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(|e| e.message)
    }

    pub(super) fn persist_config(&mut self, config: &ConsumerConfig) {
        if let Ok(value) = serde_json::to_string(config) {
            let op = crate::engine::store::StoreOp::PutMeta {
                broker_id: self.client_id,
                name: CONFIG_META.into(),
                value,
            };
            self.outputs.push_back(Output::Persist(op));
        }
    }

    /// A rolling restart of this process with changed settings: close, then start anew.
    pub(super) fn restart_with(&mut self, configs: &BTreeMap<String, String>) {
        let config = match self.changed_config(configs) {
            Ok(c) => c,
            Err(reason) => {
                self.refuse(format!("restart_with refused: {reason}"));
                return;
            }
        };
        self.persist_config(&config);
        match self.lifecycle {
            Lifecycle::Running if self.started => {
                self.note("restarting with changed settings: close() first".into());
                self.reborn = Some(config);
                self.close();
            }
            Lifecycle::Closing => self.reborn = Some(config),
            _ => self.rebirth(config),
        }
    }

    /// The new process of a rolling restart: nothing of the old one's memory survives
    /// but the request numbering (so late answers to the old one are ignored).
    pub(crate) fn rebirth(&mut self, config: ConsumerConfig) {
        let mut fresh = ConsumerNode::new(self.client_id, config, self.initial.clone());
        fresh.now_ms = self.now_ms;
        fresh.next_correlation_id = self.next_correlation_id;
        fresh.outputs = std::mem::take(&mut self.outputs);
        fresh.tick_at_ms = self.tick_at_ms;
        *self = fresh;
        self.note(format!(
            "started again with partition.assignment.strategy = {} ({:?})",
            self.config.partition_assignment_strategy.iter().map(|a| a.name()).collect::<Vec<_>>().join(","),
            self.protocol
        ));
        self.start();
    }

    pub(crate) fn take_reborn(&mut self) -> Option<ConsumerConfig> {
        self.reborn.take()
    }

    /// `close()`: commit (auto-commit on), revoke, leave, stop.
    pub(crate) fn close(&mut self) {
        if self.lifecycle != Lifecycle::Running {
            return;
        }
        self.lifecycle = Lifecycle::Closing;
        self.processing.clear();
        self.processing_done_ms = None;
        if self.config.enable_auto_commit
            && self.generation.is_valid()
            && self.commit_processed(CommitPurpose::BeforeClose)
        {
            return;
        }
        if self.config.enable_auto_commit
            && matches!(self.subscription, Subscription::Assigned(_))
            && self.commit_processed(CommitPurpose::BeforeClose)
        {
            return;
        }
        self.finish_close();
    }

    pub(super) fn finish_close(&mut self) {
        if !self.assigned.is_empty() {
            let lost = !self.generation.is_valid() && matches!(self.subscription, Subscription::Topics(_));
            self.revoke_all(lost);
        }
        if matches!(self.subscription, Subscription::Topics(_)) {
            self.maybe_leave_group("the consumer is being closed");
        }
        self.lifecycle = Lifecycle::Closed;
        self.member_state = MemberState::Unjoined;
        self.buffer.clear();
        self.note("consumer closed".into());
        if let Some(config) = self.take_reborn() {
            self.rebirth(config);
        }
    }
}
