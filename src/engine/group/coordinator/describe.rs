//! DescribeGroups and ListGroups on the coordinator (`GroupMetadataManager.describeGroups`,
//! `listGroups`; `GroupCoordinatorService` routes each group to its partition): a group
//! this broker does not coordinate gets NOT_COORDINATOR (or COORDINATOR_LOAD_IN_PROGRESS
//! while its partition loads, INVALID_GROUP_ID for an empty id); a group it coordinates
//! but does not know is Dead with no error and nothing else. A Stable group reports its
//! protocol (the assignor) and each member's subscription and assignment bytes; in any
//! other state the protocol is "" and members come without them (`describeNoMetadata`).
//! ListGroups lists the groups of every partition this broker coordinates, filtered by
//! state names (case-insensitive, as `ClassicGroupState.caseInsensitiveParse`); while any
//! of its partitions loads the answer is COORDINATOR_LOAD_IN_PROGRESS and no groups.

use super::group::{GroupState, Waiter};
use super::GroupCoordinator;
use crate::engine::cluster::messages::{DescribedGroup, DescribedMember, ListedGroup, Message};
use crate::engine::cluster::NodeId;
use crate::engine::error::ErrorCode;

/// A group with nothing to describe: refused with `error`, or in `group_state` (Dead).
fn bare(group_id: &str, error: Option<ErrorCode>, group_state: &str) -> DescribedGroup {
    DescribedGroup {
        group_id: group_id.to_string(),
        error,
        group_state: group_state.to_string(),
        protocol_type: String::new(),
        protocol_data: String::new(),
        members: Vec::new(),
    }
}

impl GroupCoordinator {
    pub(crate) fn handle_describe_groups(&mut self, from: NodeId, message: &Message) {
        let Message::DescribeGroupsRequest { correlation_id, groups } = message else { return };
        let described = groups.iter().map(|id| self.describe(id)).collect();
        let waiter = Waiter { node: from, correlation_id: *correlation_id };
        self.send(
            waiter,
            Message::DescribeGroupsResponse { correlation_id: *correlation_id, groups: described },
        );
    }

    fn describe(&self, group_id: &str) -> DescribedGroup {
        if let Err(e) = self.route(group_id) {
            return bare(group_id, Some(e), "");
        }
        let Some(g) = self.groups.get(group_id).filter(|g| !g.is(GroupState::Dead)) else {
            return bare(group_id, None, GroupState::Dead.name());
        };
        let stable_protocol = g.protocol_name.clone().filter(|_| g.is(GroupState::Stable));
        let members = g
            .members
            .values()
            .map(|m| {
                let (member_metadata, member_assignment) = match &stable_protocol {
                    Some(p) => (m.metadata(p).map(<[u8]>::to_vec).unwrap_or_default(), m.assignment.clone()),
                    None => (Vec::new(), Vec::new()),
                };
                DescribedMember {
                    member_id: m.member_id.clone(),
                    group_instance_id: m.group_instance_id.clone(),
                    client_id: m.client_id.clone(),
                    client_host: m.client_host.clone(),
                    member_metadata,
                    member_assignment,
                }
            })
            .collect();
        DescribedGroup {
            group_id: group_id.to_string(),
            error: None,
            group_state: g.state.name().to_string(),
            protocol_type: g.protocol_type.clone().unwrap_or_default(),
            protocol_data: stable_protocol.unwrap_or_default(),
            members,
        }
    }

    pub(crate) fn handle_list_groups(&mut self, from: NodeId, message: &Message) {
        let Message::ListGroupsRequest { correlation_id, states_filter } = message else { return };
        let waiter = Waiter { node: from, correlation_id: *correlation_id };
        let loading = self.partitions.values().any(|p| !p.loaded);
        let (error, groups) = if loading {
            (Some(ErrorCode::CoordinatorLoadInProgress), Vec::new())
        } else {
            let wanted = |state: &str| {
                states_filter.is_empty() || states_filter.iter().any(|s| s.eq_ignore_ascii_case(state))
            };
            let groups = self
                .groups
                .values()
                .filter(|g| !g.is(GroupState::Dead) && self.partitions.contains_key(&g.partition))
                .filter(|g| wanted(g.state.name()))
                .map(|g| ListedGroup {
                    group_id: g.group_id.clone(),
                    protocol_type: g.protocol_type.clone().unwrap_or_default(),
                    group_state: g.state.name().to_string(),
                })
                .collect();
            (None, groups)
        };
        self.send(waiter, Message::ListGroupsResponse { correlation_id: *correlation_id, error, groups });
    }
}
