//! The consumer's traffic: outputs (messages, events, notes, refusals), requests with a
//! correlation id and a `request.timeout.ms` timer, which broker to ask, and the dispatch
//! of each answer (or timeout, or closed connection) to the part of the client that waits
//! for it.

use super::{ConsumerNode, JoinPhase, MemberState, Pending};
use crate::engine::cluster::{ClusterEvent, Envelope, Message, NodeId, Output, TimerKey, TimerKind};

impl ConsumerNode {
    pub(crate) fn send(&mut self, to: NodeId, message: Message) {
        self.outputs.push_back(Output::Send(Envelope { from: self.client_id, to, message }));
    }

    /// Sends a request and arms its timeout.
    pub(crate) fn request(
        &mut self,
        to: NodeId,
        pending: Pending,
        build: impl FnOnce(u64) -> Message,
        timeout_ms: i64,
    ) -> u64 {
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id += 1;
        self.in_flight.insert(correlation_id, (to, pending));
        self.send(to, build(correlation_id));
        let key = TimerKey { kind: TimerKind::RequestTimeout, instance: correlation_id };
        self.outputs.push_back(Output::SetTimer { key, at_ms: self.now_ms + timeout_ms });
        correlation_id
    }

    /// Takes the pending request a response answers, cancelling its timeout.
    pub(crate) fn answered(&mut self, correlation_id: u64) -> Option<Pending> {
        let (_, pending) = self.in_flight.remove(&correlation_id)?;
        let key = TimerKey { kind: TimerKind::RequestTimeout, instance: correlation_id };
        self.outputs.push_back(Output::CancelTimer { key });
        Some(pending)
    }

    pub(crate) fn has_in_flight(&self, matches: impl Fn(&Pending) -> bool) -> bool {
        self.in_flight.values().any(|(_, p)| matches(p))
    }

    pub(crate) fn event(&mut self, event: ClusterEvent) {
        self.outputs.push_back(Output::Event(event));
    }

    pub(crate) fn note(&mut self, note: String) {
        self.event(ClusterEvent::ConsumerNote { client_id: self.client_id, note });
    }

    pub(crate) fn refuse(&mut self, reason: String) {
        self.event(ClusterEvent::Refused { node_id: self.client_id, reason });
    }

    /// A broker to ask for metadata or the coordinator: known brokers, else bootstrap.
    pub(crate) fn any_broker(&mut self) -> Option<NodeId> {
        let nodes = if self.brokers.is_empty() { &self.config.bootstrap } else { &self.brokers };
        if nodes.is_empty() {
            return None;
        }
        let n = nodes[(self.metadata_requests_sent % nodes.len() as u64) as usize];
        self.metadata_requests_sent += 1;
        Some(n)
    }

    pub(super) fn handle_message(&mut self, envelope: Envelope) {
        let from = envelope.from;
        match envelope.message {
            Message::MetadataResponse { correlation_id, brokers, partitions, unknown_topics } => {
                self.handle_metadata_response(correlation_id, brokers, partitions, unknown_topics)
            }
            Message::FindCoordinatorResponse { correlation_id, error, node_id, .. } => {
                self.handle_find_coordinator_response(correlation_id, error, node_id)
            }
            Message::JoinGroupResponse {
                correlation_id,
                error,
                generation_id,
                protocol_name,
                leader,
                member_id,
                members,
                ..
            } => self.handle_join_response(
                correlation_id,
                error,
                generation_id,
                protocol_name,
                leader,
                member_id,
                members,
            ),
            Message::SyncGroupResponse { correlation_id, error, assignment, .. } => {
                self.handle_sync_response(correlation_id, error, &assignment)
            }
            Message::HeartbeatResponse { correlation_id, error } => {
                self.handle_heartbeat_response(correlation_id, error)
            }
            Message::OffsetCommitResponse { correlation_id, partitions } => {
                self.handle_commit_response(correlation_id, partitions)
            }
            Message::OffsetFetchResponse { correlation_id, error, partitions } => {
                self.handle_offset_fetch_response(correlation_id, error, partitions)
            }
            Message::ListOffsetsResponse { correlation_id, tp, error, offset, .. } => {
                self.handle_list_offsets_response(correlation_id, tp, error, offset)
            }
            Message::FetchResponse { correlation_id, partitions } => {
                self.handle_fetch_response(from, correlation_id, partitions)
            }
            Message::LeaveGroupResponse { correlation_id, .. } => {
                self.answered(correlation_id);
            }
            Message::ConnectionClosed => self.handle_disconnect(from),
            _ => {}
        }
    }

    pub(super) fn handle_request_timeout(&mut self, correlation_id: u64) {
        if let Some((_, pending)) = self.in_flight.remove(&correlation_id) {
            self.fail_request(pending, false);
        }
    }

    /// The connection to `node` was closed (its broker is gone): as Java's
    /// `ConsumerNetworkClient` on a disconnect, every request in flight to it fails at
    /// once (a coordinator's makes the coordinator unknown), and metadata is refreshed.
    pub(super) fn handle_disconnect(&mut self, node: NodeId) {
        self.metadata_refresh_needed = true;
        let failed: Vec<u64> =
            self.in_flight.iter().filter(|(_, (to, _))| *to == node).map(|(id, _)| *id).collect();
        for correlation_id in failed {
            if let Some(pending) = self.answered(correlation_id) {
                self.fail_request(pending, true);
            }
        }
    }

    /// A request ends without an answer: timed out, or its connection closed.
    fn fail_request(&mut self, pending: Pending, disconnected: bool) {
        match pending {
            Pending::FindCoordinator
            | Pending::JoinGroup
            | Pending::SyncGroup
            | Pending::Heartbeat
            | Pending::OffsetFetch { .. } => {
                self.mark_coordinator_unknown(if disconnected {
                    "disconnected"
                } else {
                    "request timed out"
                });
                if matches!(pending, Pending::JoinGroup | Pending::SyncGroup) {
                    self.join_phase = JoinPhase::Idle;
                    self.member_state = MemberState::Unjoined;
                }
                // A refused FindCoordinator (no coordinator to forget) still waits
                // retry.backoff.ms before the next lookup, as Java's does.
                if disconnected {
                    let retry_ms = self.now_ms + self.config.retry_backoff_ms;
                    self.coordinator_retry_ms = self.coordinator_retry_ms.max(retry_ms);
                }
            }
            Pending::OffsetCommit { purpose, .. } => {
                self.mark_coordinator_unknown(if disconnected {
                    "offset commit disconnected"
                } else {
                    "offset commit timed out"
                });
                self.commit_finished(purpose);
            }
            Pending::Metadata | Pending::ListOffsets { .. } | Pending::Fetch { .. } => {
                self.metadata_refresh_needed = true;
                // A refused connection fails at once: without a pause, a consumer would
                // ask the dead leader again every round trip until the cluster elects
                // another (Java's client waits out the node's reconnect backoff).
                if disconnected {
                    let retry_ms = self.now_ms + self.config.retry_backoff_ms;
                    match pending {
                        Pending::Fetch { .. } => self.fetch_retry_ms = retry_ms,
                        Pending::ListOffsets { .. } => self.list_offsets_retry_ms = retry_ms,
                        _ => {}
                    }
                }
            }
            Pending::LeaveGroup => {}
        }
    }
}
