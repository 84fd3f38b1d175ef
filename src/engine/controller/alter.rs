//! AlterPartition (KIP-497): a partition leader asks to shrink or expand its ISR. Checked
//! in Kafka's order — broker epoch (STALE_BROKER_EPOCH), partition exists
//! (UNKNOWN_TOPIC_OR_PARTITION), sender is the leader (NOT_LEADER_OR_FOLLOWER), leader
//! epoch (FENCED_LEADER_EPOCH), partition epoch (INVALID_UPDATE_VERSION), new ISR members
//! are unfenced replicas and include the leader (INELIGIBLE_REPLICA). Invariant: an
//! accepted change is one PartitionChange record, answered with the state it produced.

use super::ControllerNode;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::metadata::PartitionState;
use crate::engine::cluster::{Message, NodeId};
use crate::engine::error::ErrorCode;

impl ControllerNode {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn handle_alter_partition(
        &mut self,
        from: NodeId,
        broker_id: NodeId,
        broker_epoch: i64,
        tp: TopicPartition,
        leader_epoch: i32,
        partition_epoch: i32,
        new_isr: Vec<NodeId>,
    ) {
        let result = self.check_alter_partition(
            from,
            broker_id,
            broker_epoch,
            &tp,
            leader_epoch,
            partition_epoch,
            &new_isr,
        );
        let response = match result {
            Ok(current) if current.isr == new_isr => {
                Message::AlterPartitionResponse { tp, error: None, state: Some(current) }
            }
            Ok(_) => {
                self.change_partition(&tp.topic, tp.partition, Some(new_isr), None, false);
                let state = self.image.partition(&tp.topic, tp.partition).cloned();
                Message::AlterPartitionResponse { tp, error: None, state }
            }
            Err((code, reason)) => {
                self.refuse(format!(
                    "AlterPartition for {}-{} from broker {broker_id}: {}: {reason}",
                    tp.topic,
                    tp.partition,
                    code.name()
                ));
                let state = self.image.partition(&tp.topic, tp.partition).cloned();
                Message::AlterPartitionResponse { tp, error: Some(code), state }
            }
        };
        self.send(from, response);
    }

    #[allow(clippy::too_many_arguments)]
    fn check_alter_partition(
        &self,
        from: NodeId,
        broker_id: NodeId,
        broker_epoch: i64,
        tp: &TopicPartition,
        leader_epoch: i32,
        partition_epoch: i32,
        new_isr: &[NodeId],
    ) -> Result<PartitionState, (ErrorCode, String)> {
        let current_epoch = self.image.brokers.get(&broker_id).map(|b| b.broker_epoch);
        if from != broker_id || current_epoch != Some(broker_epoch) {
            return Err((
                ErrorCode::StaleBrokerEpoch,
                format!("broker epoch {broker_epoch} is not the current one ({current_epoch:?})"),
            ));
        }
        let Some(p) = self.image.partition(&tp.topic, tp.partition).cloned() else {
            return Err((ErrorCode::UnknownTopicOrPartition, "no such partition".to_string()));
        };
        if p.leader != Some(broker_id) {
            return Err((ErrorCode::NotLeaderOrFollower, format!("the leader is {:?}", p.leader)));
        }
        if leader_epoch != p.leader_epoch {
            return Err((
                ErrorCode::FencedLeaderEpoch,
                format!("leader epoch {leader_epoch}, current {}", p.leader_epoch),
            ));
        }
        if partition_epoch != p.partition_epoch {
            return Err((
                ErrorCode::InvalidUpdateVersion,
                format!("partition epoch {partition_epoch}, current {}", p.partition_epoch),
            ));
        }
        if !new_isr.contains(&broker_id) {
            return Err((ErrorCode::IneligibleReplica, "the new ISR must contain the leader".to_string()));
        }
        let live = self.image.live_brokers();
        let mut seen = Vec::new();
        for b in new_isr {
            if !p.replicas.contains(b) || !live.contains(b) || seen.contains(b) {
                return Err((
                    ErrorCode::IneligibleReplica,
                    format!("broker {b} is not an unfenced replica of the partition"),
                ));
            }
            seen.push(*b);
        }
        Ok(p)
    }
}
