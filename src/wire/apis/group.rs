//! The classic group membership APIs, each one engine request to the connection's
//! broker (whose group coordinator answers NOT_COORDINATOR if the group is not its own),
//! following `KafkaApis.handleJoinGroupRequest`, `handleSyncGroupRequest`,
//! `handleHeartbeatRequest` and `handleLeaveGroupRequest`:
//! * JoinGroup 0–5. v0 has no rebalance timeout: the session timeout stands in
//!   (`JoinGroupRequest`'s v0 rule in the coordinator). From v4 a new dynamic member is
//!   answered MEMBER_ID_REQUIRED with its id and joins again with it (KIP-394,
//!   `requireKnownMemberId = version >= 4`); below v4 Kafka adds it at once, so here the
//!   engine's MEMBER_ID_REQUIRED is not shown to the client: the join is sent again with
//!   the handed-out id and the client gets that join's answer. Below v7 a missing
//!   protocol name is "" (`JoinGroupResponse`'s constructor); members' instance ids
//!   exist from v5. `skip_assignment` exists from v9 only; a static leader that rejoins
//!   (the engine answers as to v9) gets the members without the flag. Kafka instead
//!   rebalances for a leader below v9 (KIP-814): not done here yet, the engine's join
//!   does not know the request's version.
//! * SyncGroup 0–3, Heartbeat 0–3: fields as they are.
//! * LeaveGroup 0–3: v0–2 name one member (`member_id`), v3 a batch; below v3 the
//!   response's error is the top-level one, else the first member's
//!   (`LeaveGroupResponse`'s constructor).
//!
//! Throttle time is 0: this server has no quotas.

use super::{code, Ctx, Gather};
use crate::engine::cluster::messages::{JoinGroupProtocol, LeavingMember, SyncGroupAssignment};
use crate::engine::cluster::Message;
use crate::engine::error::ErrorCode;
use crate::wire::request::{encode_response, Header};
use kafka_protocol::messages::join_group_response::JoinGroupResponseMember;
use kafka_protocol::messages::leave_group_response::MemberResponse;
use kafka_protocol::messages::{
    HeartbeatRequest, HeartbeatResponse, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest,
    LeaveGroupResponse, SyncGroupRequest, SyncGroupResponse,
};
use kafka_protocol::protocol::StrBytes;

fn text(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

/// One engine request, waiting for its one answer.
pub struct GroupGather {
    id: u64,
    /// JoinGroup below v4: the request, to send again with the id it is handed.
    join_again: Option<Message>,
    answer: Option<Message>,
}

impl GroupGather {
    fn new(id: u64) -> Self {
        GroupGather { id, join_again: None, answer: None }
    }
}

pub fn start_join(request: &JoinGroupRequest, header: &Header, ctx: &mut Ctx) -> GroupGather {
    let v = header.api_version;
    let rebalance_timeout_ms = if v == 0 { request.session_timeout_ms } else { request.rebalance_timeout_ms };
    let client_host = ctx.client_host.map(str::to_string);
    let make = |correlation_id| Message::JoinGroupRequest {
        correlation_id,
        client_id: header.client_id.clone().unwrap_or_default(),
        group_id: request.group_id.0.to_string(),
        session_timeout_ms: request.session_timeout_ms,
        rebalance_timeout_ms,
        member_id: request.member_id.to_string(),
        group_instance_id: request.group_instance_id.as_ref().map(|s| s.to_string()),
        protocol_type: request.protocol_type.to_string(),
        protocols: request
            .protocols
            .iter()
            .map(|p| JoinGroupProtocol { name: p.name.to_string(), metadata: p.metadata.to_vec() })
            .collect(),
        reason: request.reason.as_ref().map(|s| s.to_string()),
        client_host: client_host.clone(),
    };
    let message = make(0);
    let id = ctx.send(ctx.broker, make);
    let mut g = GroupGather::new(id);
    if v < 4 && request.member_id.is_empty() && request.group_instance_id.is_none() {
        g.join_again = Some(message);
    }
    g
}

pub fn start_sync(request: &SyncGroupRequest, ctx: &mut Ctx) -> GroupGather {
    let id = ctx.send(ctx.broker, |correlation_id| Message::SyncGroupRequest {
        correlation_id,
        group_id: request.group_id.0.to_string(),
        generation_id: request.generation_id,
        member_id: request.member_id.to_string(),
        group_instance_id: request.group_instance_id.as_ref().map(|s| s.to_string()),
        protocol_type: request.protocol_type.as_ref().map(|s| s.to_string()),
        protocol_name: request.protocol_name.as_ref().map(|s| s.to_string()),
        assignments: request
            .assignments
            .iter()
            .map(|a| SyncGroupAssignment {
                member_id: a.member_id.to_string(),
                assignment: a.assignment.to_vec(),
            })
            .collect(),
    });
    GroupGather::new(id)
}

pub fn start_heartbeat(request: &HeartbeatRequest, ctx: &mut Ctx) -> GroupGather {
    let id = ctx.send(ctx.broker, |correlation_id| Message::HeartbeatRequest {
        correlation_id,
        group_id: request.group_id.0.to_string(),
        generation_id: request.generation_id,
        member_id: request.member_id.to_string(),
        group_instance_id: request.group_instance_id.as_ref().map(|s| s.to_string()),
    });
    GroupGather::new(id)
}

pub fn start_leave(request: &LeaveGroupRequest, version: i16, ctx: &mut Ctx) -> GroupGather {
    let members: Vec<LeavingMember> = if version < 3 {
        vec![LeavingMember {
            member_id: request.member_id.to_string(),
            group_instance_id: None,
            reason: None,
            error: None,
        }]
    } else {
        request
            .members
            .iter()
            .map(|m| LeavingMember {
                member_id: m.member_id.to_string(),
                group_instance_id: m.group_instance_id.as_ref().map(|s| s.to_string()),
                reason: m.reason.as_ref().map(|s| s.to_string()),
                error: None,
            })
            .collect()
    };
    let group_id = request.group_id.0.to_string();
    let id = ctx.send(ctx.broker, |correlation_id| Message::LeaveGroupRequest {
        correlation_id,
        group_id,
        members,
    });
    GroupGather::new(id)
}

impl Gather for GroupGather {
    fn waits_on(&self, correlation_id: u64) -> bool {
        correlation_id == self.id && self.answer.is_none()
    }

    fn answer(&mut self, ctx: &mut Ctx, message: &Message) -> bool {
        if let (
            Some(Message::JoinGroupRequest { .. }),
            Message::JoinGroupResponse { error: Some(ErrorCode::MemberIdRequired), member_id, .. },
        ) = (&self.join_again, message)
        {
            if let Some(Message::JoinGroupRequest {
                client_id,
                group_id,
                session_timeout_ms,
                rebalance_timeout_ms,
                group_instance_id,
                protocol_type,
                protocols,
                reason,
                client_host,
                ..
            }) = self.join_again.take()
            {
                let member_id = member_id.clone();
                self.id = ctx.send(ctx.broker, |correlation_id| Message::JoinGroupRequest {
                    correlation_id,
                    client_id,
                    group_id,
                    session_timeout_ms,
                    rebalance_timeout_ms,
                    member_id,
                    group_instance_id,
                    protocol_type,
                    protocols,
                    reason,
                    client_host,
                });
                return false;
            }
        }
        self.answer = Some(message.clone());
        true
    }

    fn encode(&self, header: &Header) -> Result<Vec<u8>, String> {
        let v = header.api_version;
        match &self.answer {
            Some(Message::JoinGroupResponse {
                error,
                generation_id,
                protocol_type,
                protocol_name,
                leader,
                skip_assignment,
                member_id,
                members,
                ..
            }) => {
                let members = members
                    .iter()
                    .map(|m| {
                        JoinGroupResponseMember::default()
                            .with_member_id(text(&m.member_id))
                            .with_group_instance_id(if v >= 5 {
                                m.group_instance_id.as_deref().map(text)
                            } else {
                                None
                            })
                            .with_metadata(m.metadata.clone().into())
                    })
                    .collect();
                let protocol_name = match protocol_name {
                    Some(p) => Some(text(p)),
                    None if v < 7 => Some(text("")),
                    None => None,
                };
                let response = JoinGroupResponse::default()
                    .with_error_code(code(*error))
                    .with_generation_id(*generation_id)
                    .with_protocol_type(if v >= 7 { protocol_type.as_deref().map(text) } else { None })
                    .with_protocol_name(protocol_name)
                    .with_leader(text(leader))
                    .with_skip_assignment(v >= 9 && *skip_assignment)
                    .with_member_id(text(member_id))
                    .with_members(members);
                encode_response(header, v, &response)
            }
            Some(Message::SyncGroupResponse { error, protocol_type, protocol_name, assignment, .. }) => {
                let response = SyncGroupResponse::default()
                    .with_error_code(code(*error))
                    .with_protocol_type(if v >= 5 { protocol_type.as_deref().map(text) } else { None })
                    .with_protocol_name(if v >= 5 { protocol_name.as_deref().map(text) } else { None })
                    .with_assignment(assignment.clone().into());
                encode_response(header, v, &response)
            }
            Some(Message::HeartbeatResponse { error, .. }) => {
                encode_response(header, v, &HeartbeatResponse::default().with_error_code(code(*error)))
            }
            Some(Message::LeaveGroupResponse { error, members, .. }) => {
                let response = if v < 3 {
                    let first = members.first().and_then(|m| m.error);
                    LeaveGroupResponse::default().with_error_code(code(error.or(first)))
                } else {
                    let members = members
                        .iter()
                        .map(|m| {
                            MemberResponse::default()
                                .with_member_id(text(&m.member_id))
                                .with_group_instance_id(m.group_instance_id.as_deref().map(text))
                                .with_error_code(code(m.error))
                        })
                        .collect();
                    LeaveGroupResponse::default().with_error_code(code(*error)).with_members(members)
                };
                encode_response(header, v, &response)
            }
            other => Err(format!("{:?}: no group answer to encode (got {other:?})", header.api_key)),
        }
    }
}
