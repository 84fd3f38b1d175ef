//! The consumer's commands ([`Command`], listed in the module doc of [`super`]): each is
//! turned into a call on the client, or refused with the reason (a command of another
//! node kind, one that needs a running consumer while it is not); `seek` lives here.

use super::{AutoOffsetReset, CommitPurpose, ConsumerNode, Subscription};
use crate::engine::cluster::command::{Command, SeekCommand, SeekTo};
use crate::engine::cluster::messages::TopicPartition;

impl ConsumerNode {
    pub(super) fn handle_command(&mut self, command: Command) {
        let command = match command {
            Command::Start(spec) => {
                if !self.started {
                    if let Some(configs) = &spec.configs {
                        match self.changed_config(configs) {
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
            Command::RestartWith(spec) => {
                self.restart_with(&spec.configs);
                return;
            }
            other => other,
        };
        if !self.is_active() {
            let name = command.name();
            self.refuse(format!("the consumer is {:?}: command \"{name}\" ignored", self.lifecycle));
            return;
        }
        match command {
            Command::Subscribe(spec) => {
                let topics = spec.topics;
                if !topics.is_empty() && topics.iter().all(|s| !s.is_empty()) {
                    self.apply_subscription(Subscription::Topics(topics));
                } else {
                    self.refuse("subscribe needs \"topics\": a non-empty list of topic names".into());
                }
            }
            Command::Assign(spec) => self.apply_subscription(Subscription::Assigned(spec.partitions)),
            Command::Unsubscribe {} => self.apply_subscription(Subscription::None),
            Command::Commit {} => {
                self.commit_processed(CommitPurpose::Manual);
            }
            Command::Seek(spec) => self.seek(&spec),
            Command::Close {} => self.close(),
            Command::PauseHeartbeats(paused) => {
                self.heartbeats_paused = paused;
                let state = if paused { "paused" } else { "resumed" };
                self.note(format!("heartbeat thread {state}"));
            }
            Command::SetProcessingTime(spec) if spec.per_record_ms >= 0 => {
                self.config.processing_time_per_record_ms = spec.per_record_ms
            }
            Command::SetProcessingTime(_) => {
                self.refuse("set_processing_time needs \"per_record_ms\" ≥ 0".into())
            }
            other => self.refuse(format!("a consumer does not take the command \"{}\"", other.name())),
        }
    }

    fn seek(&mut self, spec: &SeekCommand) {
        let tp = TopicPartition { topic: spec.topic.as_str().into(), partition: spec.partition };
        if !self.assigned.contains_key(&tp) {
            self.refuse(format!("No current assignment for partition {}-{}", tp.topic, tp.partition));
            return;
        }
        let target = match (spec.offset, spec.to) {
            (Some(o), _) if o >= 0 => Some(o),
            (_, Some(SeekTo::Beginning)) => Some(-2),
            (_, Some(SeekTo::End)) => Some(-1),
            _ => None,
        };
        let Some(target) = target else {
            self.refuse("seek needs \"offset\" ≥ 0 or \"to\": \"beginning\" | \"end\"".into());
            return;
        };
        self.buffer.retain(|(t, _, _)| t != &tp);
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
