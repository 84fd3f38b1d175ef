//! The consumer as a [`Node`]: inputs dispatched to messages, timers and commands, then
//! the loop that runs everything due (the heartbeat thread, metadata, `poll()`, fetches)
//! until nothing changes, the tick timer for the next deadline, and `state` (a small
//! state, built as a tree).

use super::{ConsumerNode, Lifecycle};
use crate::engine::cluster::{Input, Node, NodeId, Output, TimerKey, TimerKind};
use std::collections::BTreeMap;

impl ConsumerNode {
    /// The next time the loop must run.
    fn next_deadline_ms(&self) -> Option<i64> {
        let now = self.now_ms;
        let mut candidates: Vec<i64> = Vec::new();
        if let Some(t) = self.processing_done_ms {
            candidates.push(t);
        }
        if matches!(self.lifecycle, Lifecycle::Running) {
            candidates.extend(self.heartbeat_deadlines());
            candidates.push(self.metadata_next_ms);
            for t in [
                self.coordinator_retry_ms,
                self.join_retry_ms,
                self.offset_fetch_retry_ms,
                self.list_offsets_retry_ms,
                self.fetch_retry_ms,
            ] {
                candidates.push(t);
            }
            if self.processing.is_empty() && self.config.enable_auto_commit && self.config.group_id.is_some()
            {
                candidates.push(self.next_auto_commit_ms);
            }
            if self.metadata_refreshed_ms > i64::MIN / 2 {
                candidates.push(self.metadata_refreshed_ms + self.config.metadata_max_age_ms);
            }
        }
        candidates.into_iter().filter(|t| *t > now).min()
    }

    pub(super) fn run(&mut self) {
        if !self.started {
            return;
        }
        for _ in 0..10_000 {
            if !self.step_once() {
                break;
            }
        }
        let next = self.next_deadline_ms();
        if next != self.tick_at_ms {
            let key = TimerKey::single(TimerKind::Tick);
            match next {
                Some(at_ms) => self.outputs.push_back(Output::SetTimer { key, at_ms }),
                None => self.outputs.push_back(Output::CancelTimer { key }),
            }
            self.tick_at_ms = next;
        }
    }

    /// One pass of everything due; true if something changed that may enable more.
    fn step_once(&mut self) -> bool {
        let mut progress = self.finish_processing();
        // Blocked in its own commitSync(), the application is neither in poll() nor processing.
        let in_poll = self.processing.is_empty() && !self.app_commit_pending;
        if in_poll {
            // An idle application is blocked inside poll(): its poll timer keeps resetting.
            self.last_poll_ms = self.now_ms;
        }
        if matches!(self.lifecycle, Lifecycle::Running) {
            self.heartbeat_thread();
            self.maybe_request_metadata();
            if in_poll {
                progress |= self.poll();
            }
            self.send_fetches();
        }
        progress
    }
}

impl Node for ConsumerNode {
    fn view(&self) -> crate::engine::cluster::NodeView<'_> {
        crate::engine::cluster::NodeView::Consumer(self)
    }
    fn node_id(&self) -> NodeId {
        self.client_id
    }

    fn handle(&mut self, now_ms: i64, input: Input) {
        self.now_ms = now_ms;
        match input {
            Input::Deliver(envelope) => self.handle_message(envelope),
            Input::Timer(TimerKey { kind: TimerKind::Tick, .. }) => self.tick_at_ms = None,
            Input::Timer(TimerKey { kind: TimerKind::RequestTimeout, instance }) => {
                self.handle_request_timeout(instance)
            }
            Input::Timer(key) => self.refuse(format!("unknown consumer timer {key:?}")),
            Input::Command(command) => self.handle_command(command),
        }
        self.run();
    }

    fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    fn state(&self) -> crate::engine::cluster::NodeState<'_> {
        let partitions: BTreeMap<String, serde_json::Value> = self
            .assigned
            .iter()
            .map(|(tp, p)| {
                let lag = p.position.map(|pos| (p.end_offset(self.config.isolation_level) - pos).max(0));
                let committed_lag = p.committed.map(|c| (p.high_watermark - c).max(0));
                (
                    format!("{}-{}", tp.topic, tp.partition),
                    serde_json::json!({
                        "position": p.position,
                        "processed": p.processed,
                        "committed": p.committed,
                        "high_watermark": p.high_watermark,
                        "lag": lag,
                        "committed_lag": committed_lag,
                    }),
                )
            })
            .collect();
        let consumed: BTreeMap<String, serde_json::Value> = self
            .consumed
            .iter()
            .map(|(tp, offsets)| {
                let records: u32 = offsets.values().sum();
                let duplicates: u32 = offsets.values().map(|n| n.saturating_sub(1)).sum();
                let first = offsets.keys().next().copied();
                let last = offsets.keys().next_back().copied();
                (
                    format!("{}-{}", tp.topic, tp.partition),
                    serde_json::json!({ "records": records, "distinct": offsets.len(), "duplicates": duplicates, "first": first, "last": last }),
                )
            })
            .collect();
        crate::engine::cluster::NodeState::Tree(serde_json::json!({
            "client_id": self.client_id,
            "config": self.config,
            "lifecycle": self.lifecycle,
            "subscription": self.subscription,
            "group_id": self.config.group_id,
            "group_instance_id": self.config.group_instance_id,
            "rebalance_protocol": format!("{:?}", self.protocol).to_uppercase(),
            "coordinator": self.coordinator,
            "member_state": self.member_state,
            "generation": self.generation,
            "assignment": partitions,
            "records_buffered": self.buffer.iter().map(|(_, o, _)| o.len()).sum::<usize>(),
            "records_processing": self.processing.len(),
            "consumed": consumed,
            "heartbeats_paused": self.heartbeats_paused,
            "unknown_topics": self.unknown_topics,
        }))
    }
}
