//! The consumer's commands (JSON, listed in the module doc of [`super`]): each is checked
//! and turned into a call on the client, or refused with the reason; `seek` lives here.

use super::{AutoOffsetReset, CommitPurpose, ConsumerNode, Subscription};
use crate::engine::cluster::messages::TopicPartition;

impl ConsumerNode {
    pub(super) fn handle_command(&mut self, command: serde_json::Value) {
        if let Some(spec) = command.get("start") {
            if !self.started {
                if spec.get("configs").is_some() {
                    match self.changed_config(spec) {
                        Ok(config) => {
                            self.persist_config(&config);
                            self.protocol = config.rebalance_protocol();
                            self.config = config;
                        }
                        Err(reason) => {
                            self.refuse(format!("the consumer cannot start: {reason}"));
                            return;
                        }
                    }
                }
                self.start();
            }
            return;
        }
        if let Some(spec) = command.get("restart_with") {
            self.restart_with(spec);
            return;
        }
        if !self.is_active() {
            self.refuse(format!("the consumer is {:?}: command {command} ignored", self.lifecycle));
            return;
        }
        if let Some(spec) = command.get("subscribe") {
            let topics: Option<Vec<String>> =
                spec.get("topics").and_then(|t| serde_json::from_value(t.clone()).ok());
            match topics {
                Some(t) if !t.is_empty() && t.iter().all(|s| !s.is_empty()) => {
                    self.apply_subscription(Subscription::Topics(t))
                }
                _ => self.refuse("subscribe needs \"topics\": a non-empty list of topic names".into()),
            }
        } else if let Some(spec) = command.get("assign") {
            let partitions: Option<Vec<TopicPartition>> =
                spec.get("partitions").and_then(|t| serde_json::from_value(t.clone()).ok());
            match partitions {
                Some(p) => self.apply_subscription(Subscription::Assigned(p)),
                None => self.refuse("assign needs \"partitions\": [{\"topic\", \"partition\"}]".into()),
            }
        } else if command.get("unsubscribe").is_some() {
            self.apply_subscription(Subscription::None);
        } else if command.get("commit").is_some() {
            self.commit_processed(CommitPurpose::Manual);
        } else if let Some(spec) = command.get("seek") {
            self.seek(spec);
        } else if command.get("close").is_some() {
            self.close();
        } else if let Some(v) = command.get("pause_heartbeats") {
            self.heartbeats_paused = v.as_bool().unwrap_or(true);
            let state = if self.heartbeats_paused { "paused" } else { "resumed" };
            self.note(format!("heartbeat thread {state}"));
        } else if let Some(spec) = command.get("set_processing_time") {
            match spec.get("per_record_ms").and_then(serde_json::Value::as_i64).filter(|v| *v >= 0) {
                Some(ms) => self.config.processing_time_per_record_ms = ms,
                None => self.refuse("set_processing_time needs \"per_record_ms\" ≥ 0".into()),
            }
        } else {
            self.refuse(format!("unknown consumer command: {command}"));
        }
    }

    fn seek(&mut self, spec: &serde_json::Value) {
        let topic = spec.get("topic").and_then(|v| v.as_str()).unwrap_or_default().to_string();
        let partition = spec.get("partition").and_then(|v| v.as_u64()).unwrap_or(u64::MAX);
        let tp =
            TopicPartition { topic: topic.into(), partition: u32::try_from(partition).unwrap_or(u32::MAX) };
        if !self.assigned.contains_key(&tp) {
            self.refuse(format!("No current assignment for partition {}-{}", tp.topic, tp.partition));
            return;
        }
        let target =
            match (spec.get("offset").and_then(|v| v.as_i64()), spec.get("to").and_then(|v| v.as_str())) {
                (Some(o), _) if o >= 0 => Some(o),
                (_, Some("beginning")) => Some(-2),
                (_, Some("end")) => Some(-1),
                _ => None,
            };
        let Some(target) = target else {
            self.refuse("seek needs \"offset\" ≥ 0 or \"to\": \"beginning\" | \"end\"".into());
            return;
        };
        self.buffer.retain(|(t, _)| t != &tp);
        let reset = match target {
            -2 => Some(AutoOffsetReset::Earliest),
            -1 => Some(AutoOffsetReset::Latest),
            _ => None,
        };
        if let Some(p) = self.assigned.get_mut(&tp) {
            // seekToBeginning / seekToEnd are `requestOffsetReset`: the committed offset
            // must not be used meanwhile.
            p.awaiting_reset = reset;
            if target >= 0 {
                p.position = Some(target);
                p.processed = Some(target);
            } else {
                p.position = None;
            }
        }
        if let Some(policy) = reset {
            self.reset_offset(&tp, policy);
        }
    }
}
