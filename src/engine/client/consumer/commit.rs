//! Offset commits (`commitSync` / auto-commit): what the application finished
//! processing goes to the coordinator; the answer updates the committed offsets, and a
//! commit made before a rejoin or a close lets that go on when it ends.

use super::{CommitPurpose, ConsumerNode, Generation, JoinPhase, Lifecycle, Pending, Subscription};
use crate::engine::cluster::messages::{
    Message, OffsetCommitPartition, OffsetPartitionResult, TopicPartition,
};
use crate::engine::cluster::ClusterEvent;
use crate::engine::error::ErrorCode;

impl ConsumerNode {
    /// Commits what the application finished processing, changed or not, as Java's
    /// `ConsumerCoordinator` commits `subscriptions.allConsumed()` for every purpose
    /// (`maybeAutoCommitOffsetsAsync`, `onJoinPrepare`, `close`, `commitSync()`); false
    /// if there was nothing to commit or no way to (no coordinator).
    pub(crate) fn commit_processed(&mut self, purpose: CommitPurpose) -> bool {
        let offsets: Vec<(TopicPartition, i64)> =
            self.assigned.iter().filter_map(|(tp, p)| p.processed.map(|o| (tp.clone(), o))).collect();
        self.commit_offsets(offsets, purpose)
    }

    /// Sends an OffsetCommit of `offsets` to the coordinator; false if there was nothing
    /// to commit or no coordinator to commit to.
    pub(crate) fn commit_offsets(
        &mut self,
        offsets: Vec<(TopicPartition, i64)>,
        purpose: CommitPurpose,
    ) -> bool {
        let Some(coordinator) = self.coordinator else {
            if purpose == CommitPurpose::Manual {
                self.refuse("commit: the group coordinator is not known yet".into());
            }
            return false;
        };
        if offsets.is_empty() {
            return false;
        }
        let in_group = matches!(self.subscription, Subscription::Topics(_));
        let generation = if in_group { self.generation.clone() } else { Generation::none() };
        let instance = if in_group { self.config.group_instance_id.clone() } else { None };
        let group_id = self.group_id_or_empty();
        let partitions: Vec<OffsetCommitPartition> = offsets
            .iter()
            .map(|(tp, o)| OffsetCommitPartition {
                tp: tp.clone(),
                committed_offset: *o,
                committed_leader_epoch: -1,
                committed_metadata: String::new(),
            })
            .collect();
        let timeout = self.config.request_timeout_ms;
        self.request(
            coordinator,
            Pending::OffsetCommit { offsets, purpose },
            |correlation_id| Message::OffsetCommitRequest {
                correlation_id,
                group_id,
                generation_id: generation.generation_id,
                member_id: generation.member_id,
                group_instance_id: instance,
                offsets: partitions,
            },
            timeout,
        );
        true
    }

    pub(crate) fn handle_commit_response(
        &mut self,
        correlation_id: u64,
        partitions: Vec<OffsetPartitionResult>,
    ) {
        let Some(Pending::OffsetCommit { offsets, purpose }) = self.answered(correlation_id) else { return };
        let error = partitions.iter().find_map(|p| p.error);
        if error.is_none() {
            for (tp, o) in &offsets {
                if let Some(p) = self.assigned.get_mut(tp) {
                    p.committed = Some(p.committed.map_or(*o, |c| c.max(*o)));
                }
            }
        }
        self.event(ClusterEvent::CommitCompleted {
            client_id: self.client_id,
            group_id: self.group_id_or_empty(),
            offsets,
            error,
        });
        match error {
            Some(ErrorCode::CoordinatorNotAvailable | ErrorCode::NotCoordinator) => {
                self.mark_coordinator_unknown("OffsetCommit answered with a coordinator error")
            }
            Some(ErrorCode::UnknownMemberId) => {
                self.reset_generation("encountered UNKNOWN_MEMBER_ID from OFFSET_COMMIT response", true)
            }
            Some(ErrorCode::IllegalGeneration) => {
                self.reset_generation("encountered ILLEGAL_GENERATION from OFFSET_COMMIT response", false)
            }
            Some(ErrorCode::RebalanceInProgress) => {
                self.request_rejoin("OffsetCommit answered REBALANCE_IN_PROGRESS")
            }
            Some(ErrorCode::FencedInstanceId) => self.fail(ErrorCode::FencedInstanceId, "OffsetCommit"),
            _ => {}
        }
        self.commit_finished(purpose);
    }

    /// A synchronous commit ended (answered or timed out): what waited for it goes on.
    pub(crate) fn commit_finished(&mut self, purpose: CommitPurpose) {
        match purpose {
            CommitPurpose::BeforeJoin if self.join_phase == JoinPhase::Committing => {
                self.revoke_before_join();
                self.send_join_group();
            }
            CommitPurpose::BeforeClose if self.lifecycle == Lifecycle::Closing => self.finish_close(),
            CommitPurpose::BeforeProcessing | CommitPurpose::AfterProcessing => {
                self.app_commit_returned(purpose)
            }
            _ => {}
        }
    }
}
