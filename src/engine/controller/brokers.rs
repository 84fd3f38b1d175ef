//! Broker lifecycle (Kafka's `ClusterControlManager` and `BrokerHeartbeatManager`):
//! registration gives a broker a new epoch (the offset of its RegisterBroker record) and
//! leaves it fenced until a heartbeat shows it has replayed the log up to its own
//! registration; heartbeats keep its session; a broker silent for
//! `broker.session.timeout.ms` is fenced. Invariant: only a heartbeat with the broker's
//! current epoch refreshes its session or unfences it.

use super::{BrokerSession, ControllerNode};
use crate::engine::cluster::metadata::MetadataRecord;
use crate::engine::cluster::{ClusterEvent, Message, NodeId, Output, TimerKey, TimerKind};

impl ControllerNode {
    pub(crate) fn arm_session_timer(&mut self, broker_id: NodeId) {
        if let Some(session) = self.sessions.get(&broker_id) {
            let at_ms = session.last_contact_ms.saturating_add(self.config.broker_session_timeout_ms);
            let key = TimerKey { kind: TimerKind::BrokerSession, instance: u64::from(broker_id) };
            self.outputs.push_back(Output::SetTimer { key, at_ms });
        }
    }

    pub(crate) fn handle_registration(&mut self, from: NodeId, broker_id: NodeId, incarnation: u64) {
        if from != broker_id {
            self.refuse(format!("node {from} tried to register as broker {broker_id}"));
            return;
        }
        let existing = self.image.brokers.get(&broker_id).cloned();
        let same_incarnation = existing.is_some()
            && self.log.iter().rev().find_map(|r| match r {
                MetadataRecord::RegisterBroker { broker_id: b, incarnation: i, .. } if *b == broker_id => {
                    Some(*i)
                }
                _ => None,
            }) == Some(incarnation);
        if same_incarnation {
            // A retried registration of the same process: keep its epoch, resend the log.
            self.sessions.insert(
                broker_id,
                BrokerSession {
                    last_contact_ms: self.now_ms,
                    sent_offset: 0,
                    sent_offset_at_last_heartbeat: 0,
                },
            );
            self.arm_session_timer(broker_id);
            return;
        }
        if let Some(old) = existing.filter(|b| !b.fenced) {
            // A new incarnation while the old one was unfenced: the old process is gone
            // (KIP-966 `handleBrokerUncleanShutdown`), so its replicas leave ISRs first.
            self.fence(broker_id, old.broker_epoch, format!("re-registered with incarnation {incarnation}"));
        }
        let broker_epoch = self.log.len() as i64;
        self.append(MetadataRecord::RegisterBroker { broker_id, broker_epoch, incarnation });
        self.event(ClusterEvent::BrokerRegistered { broker_id, broker_epoch });
        self.sessions.insert(
            broker_id,
            BrokerSession { last_contact_ms: self.now_ms, sent_offset: 0, sent_offset_at_last_heartbeat: 0 },
        );
        self.arm_session_timer(broker_id);
    }

    pub(crate) fn handle_heartbeat(
        &mut self,
        from: NodeId,
        broker_id: NodeId,
        broker_epoch: i64,
        metadata_offset: i64,
    ) {
        let Some(state) = self.image.brokers.get(&broker_id).cloned() else {
            self.refuse(format!(
                "heartbeat from broker {broker_id}, which is not registered (BROKER_ID_NOT_REGISTERED)"
            ));
            self.send(from, Message::BrokerHeartbeatResponse { broker_epoch: -1, is_fenced: true });
            return;
        };
        if state.broker_epoch != broker_epoch || from != broker_id {
            self.refuse(format!(
                "STALE_BROKER_EPOCH: heartbeat from broker {broker_id} with epoch {broker_epoch}, current epoch is {}",
                state.broker_epoch
            ));
            self.send(from, Message::BrokerHeartbeatResponse { broker_epoch, is_fenced: true });
            return;
        }
        // Kafka's `CurrentMetadataOffset`: the last offset the broker has applied.
        let next_needed = metadata_offset + 1;
        let session = self.sessions.entry(broker_id).or_insert(BrokerSession {
            last_contact_ms: self.now_ms,
            sent_offset: next_needed.max(0),
            sent_offset_at_last_heartbeat: next_needed.max(0),
        });
        session.last_contact_ms = self.now_ms;
        if next_needed < session.sent_offset_at_last_heartbeat {
            // Records pushed before its previous heartbeat never arrived: push again.
            session.sent_offset = next_needed.max(0);
        }
        session.sent_offset_at_last_heartbeat = session.sent_offset;
        self.arm_session_timer(broker_id);
        // Caught up once it has applied its own registration (`BrokerHeartbeatManager`).
        let caught_up = metadata_offset >= state.broker_epoch;
        if state.fenced && caught_up {
            self.append(MetadataRecord::UnfenceBroker { broker_id, broker_epoch });
            self.event(ClusterEvent::BrokerUnfenced { broker_id });
            self.on_broker_unfenced(broker_id);
        }
        let is_fenced = self.image.brokers.get(&broker_id).is_none_or(|b| b.fenced);
        self.send(from, Message::BrokerHeartbeatResponse { broker_epoch, is_fenced });
    }

    /// The session deadline of a broker passed (Kafka: `lastContact + sessionTimeout`);
    /// with millisecond time, a broker silent for exactly `broker.session.timeout.ms` is
    /// fenced. A heartbeat in between moved the deadline, so a stale timer does nothing.
    pub(crate) fn handle_session_timer(&mut self, broker_id: NodeId) {
        let Some(session) = self.sessions.get(&broker_id) else { return };
        if self.now_ms - session.last_contact_ms < self.config.broker_session_timeout_ms {
            self.arm_session_timer(broker_id);
            return;
        }
        let silent_ms = self.now_ms - session.last_contact_ms;
        if let Some(state) = self.image.brokers.get(&broker_id).cloned().filter(|b| !b.fenced) {
            self.fence(
                broker_id,
                state.broker_epoch,
                format!(
                    "no heartbeat for {silent_ms} ms (broker.session.timeout.ms={})",
                    self.config.broker_session_timeout_ms
                ),
            );
        }
    }

    /// Fences a broker and moves its partitions off it (Kafka's `handleBrokerFenced`).
    pub(crate) fn fence(&mut self, broker_id: NodeId, broker_epoch: i64, reason: String) {
        self.append(MetadataRecord::FenceBroker { broker_id, broker_epoch });
        self.event(ClusterEvent::BrokerFenced { broker_id, reason });
        self.on_broker_fenced(broker_id);
    }
}
