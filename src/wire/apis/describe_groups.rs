//! DescribeGroups 0–5 and ListGroups 0–4 (`KafkaApis.handleDescribeGroupsRequest`,
//! `handleListGroupsRequest`): one engine request to the connection's broker, whose
//! group coordinator answers for the groups it coordinates (a client sends DescribeGroups
//! to each group's coordinator and ListGroups to every broker). `authorized_operations`
//! (v3+) is `Int.MIN_VALUE`, Kafka's "not provided": the playground has no authorizer to
//! ask. ListGroups' `states_filter` exists from v4; v5's `types_filter` is not served.

use super::{code, text, Ctx, OneAnswer};
use crate::engine::cluster::Message;
use crate::wire::request::{encode_response, Header};
use bytes::Bytes;
use kafka_protocol::messages::describe_groups_response::{DescribedGroup, DescribedGroupMember};
use kafka_protocol::messages::list_groups_response::ListedGroup;
use kafka_protocol::messages::{
    ApiKey, DescribeGroupsRequest, DescribeGroupsResponse, GroupId, ListGroupsRequest, ListGroupsResponse,
};

/// `authorized_operations` when not provided.
const AUTHORIZED_OPERATIONS_OMITTED: i32 = i32::MIN;

pub fn start_describe(request: &DescribeGroupsRequest, ctx: &mut Ctx) -> OneAnswer {
    let groups = request.groups.iter().map(|g| g.0.to_string()).collect();
    let id = ctx.send(ctx.broker, |correlation_id| Message::DescribeGroupsRequest { correlation_id, groups });
    OneAnswer::new(id, encode)
}

pub fn start_list(request: &ListGroupsRequest, ctx: &mut Ctx) -> OneAnswer {
    let states_filter = request.states_filter.iter().map(|s| s.to_string()).collect();
    let id =
        ctx.send(ctx.broker, |correlation_id| Message::ListGroupsRequest { correlation_id, states_filter });
    OneAnswer::new(id, encode)
}

fn encode(header: &Header, answer: &Message) -> Result<Vec<u8>, String> {
    let v = header.api_version;
    match (header.api_key, answer) {
        (ApiKey::DescribeGroups, Message::DescribeGroupsResponse { groups, .. }) => {
            let groups = groups
                .iter()
                .map(|g| {
                    let members = g
                        .members
                        .iter()
                        .map(|m| {
                            DescribedGroupMember::default()
                                .with_member_id(text(&m.member_id))
                                .with_group_instance_id(m.group_instance_id.as_deref().map(text))
                                .with_client_id(text(&m.client_id))
                                .with_client_host(text(&m.client_host))
                                .with_member_metadata(Bytes::from(m.member_metadata.clone()))
                                .with_member_assignment(Bytes::from(m.member_assignment.clone()))
                        })
                        .collect();
                    DescribedGroup::default()
                        .with_error_code(code(g.error))
                        .with_group_id(GroupId(text(&g.group_id)))
                        .with_group_state(text(&g.group_state))
                        .with_protocol_type(text(&g.protocol_type))
                        .with_protocol_data(text(&g.protocol_data))
                        .with_members(members)
                        .with_authorized_operations(AUTHORIZED_OPERATIONS_OMITTED)
                })
                .collect();
            encode_response(header, v, &DescribeGroupsResponse::default().with_groups(groups))
        }
        (ApiKey::ListGroups, Message::ListGroupsResponse { error, groups, .. }) => {
            let groups = groups
                .iter()
                .map(|g| {
                    ListedGroup::default()
                        .with_group_id(GroupId(text(&g.group_id)))
                        .with_protocol_type(text(&g.protocol_type))
                        .with_group_state(text(&g.group_state))
                })
                .collect();
            let response = ListGroupsResponse::default().with_error_code(code(*error)).with_groups(groups);
            encode_response(header, v, &response)
        }
        (key, other) => Err(format!("{key:?}: no groups answer to encode (got {other:?})")),
    }
}
