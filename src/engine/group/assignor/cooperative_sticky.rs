//! `cooperative-sticky` (`CooperativeStickyAssignor`): the sticky assignment, minus every
//! partition that changes owner. Under the cooperative protocol the previous owner must
//! first revoke it; the follow-up rebalance then hands it to its new owner
//! (`adjustAssignment`).

use super::group_subscription::GroupSubscription;
use super::sticky::{self, remove_first, Flavor};
use super::{AssignmentOutcome, AssignorError, TopicPartition};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) fn assign(group: &GroupSubscription) -> Result<AssignmentOutcome, AssignorError> {
    let mut outcome = sticky::assign(group, Flavor::Cooperative)?;
    let transferring = match &outcome.partitions_transferring_ownership {
        Some(transferring) => transferring.clone(),
        None => partitions_transferring_ownership(group, &outcome.assignment),
    };
    for (tp, consumer) in &transferring {
        if let Some(list) = outcome.assignment.get_mut(consumer) {
            remove_first(list, tp);
        }
    }
    Ok(outcome)
}

/// `computePartitionsTransferringOwnership`: partitions newly assigned to one member that
/// some member owned and now loses.
fn partitions_transferring_ownership(
    group: &GroupSubscription,
    assignment: &BTreeMap<String, Vec<TopicPartition>>,
) -> BTreeMap<TopicPartition, String> {
    let mut added: BTreeMap<TopicPartition, String> = BTreeMap::new();
    let mut revoked: BTreeSet<TopicPartition> = BTreeSet::new();
    for member in &group.members {
        let Some(assigned) = assignment.get(&member.member_id) else { continue };
        let owned: BTreeSet<&TopicPartition> = member.owned_partitions.iter().collect();
        let assigned_set: BTreeSet<&TopicPartition> = assigned.iter().collect();
        for tp in assigned {
            if !owned.contains(tp) {
                added.insert(tp.clone(), member.member_id.clone());
            }
        }
        for tp in &member.owned_partitions {
            if !assigned_set.contains(tp) {
                revoked.insert(tp.clone());
            }
        }
    }
    added.retain(|tp, _| revoked.contains(tp));
    added
}
