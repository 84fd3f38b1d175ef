//! Each API this server handles, mapped onto the engine's own messages: a request
//! becomes one or more engine requests to the connection's broker (CreateTopics and
//! DeleteTopics: to the controller, as a Kafka broker forwards them), and the engine's
//! answers are gathered into Kafka's response. One file per API; [`Gather`] is what a request waiting on the
//! engine keeps.

pub mod admin;
pub mod create_topics;
pub mod delete_topics;
pub mod describe_configs;
pub mod describe_groups;
pub mod fetch;
pub mod find_coordinator;
pub mod group;
pub mod init_producer_id;
pub mod list_offsets;
pub mod metadata;
pub mod offset_for_leader_epoch;
pub mod offsets;
pub mod produce;
pub mod txn;

use super::request::Header;
use crate::engine::cluster::{Message, NodeId};
use std::collections::BTreeMap;

/// What every connection of one `serve` shares: how brokers are reached from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeContext {
    /// The cluster's id as Metadata (v2+) reports it.
    pub cluster_id: String,
    /// The engine node CreateTopics goes to.
    pub controller_id: NodeId,
    /// Each broker's advertised host and port.
    pub endpoints: BTreeMap<NodeId, (String, i32)>,
    /// `auto.create.topics.enable` (Kafka's default true).
    pub auto_create_topics_enable: bool,
}

/// An engine request to put on the wire from the connection's node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub to: NodeId,
    pub message: Message,
}

/// What one request's handling may do: send engine requests (with fresh correlation
/// ids) and read the shared context.
pub struct Ctx<'a> {
    pub broker: NodeId,
    /// The client's address as Kafka's `clientHost` shows it (`/127.0.0.1`), if known.
    pub client_host: Option<&'a str>,
    pub serve: &'a ServeContext,
    pub next_id: &'a mut u64,
    pub sends: &'a mut Vec<Outgoing>,
}

impl Ctx<'_> {
    /// Sends the message `make` builds around a fresh correlation id; returns the id.
    pub fn send(&mut self, to: NodeId, make: impl FnOnce(u64) -> Message) -> u64 {
        *self.next_id += 1;
        let id = *self.next_id;
        self.sends.push(Outgoing { to, message: make(id) });
        id
    }
}

/// A request waiting for the engine's answers.
pub trait Gather {
    /// Whether the engine answer with this correlation id belongs to this request.
    fn waits_on(&self, correlation_id: u64) -> bool;
    /// One engine answer; true once every answer is in.
    fn answer(&mut self, ctx: &mut Ctx, message: &Message) -> bool;
    /// Kafka's response, as a frame.
    fn encode(&self, header: &Header) -> Result<Vec<u8>, String>;
}

/// A request answered by one engine message (DescribeGroups, ListGroups, DescribeConfigs):
/// its correlation id, the answer once in, and how Kafka's response is made from it.
pub struct OneAnswer {
    id: u64,
    answer: Option<Message>,
    encode: fn(&Header, &Message) -> Result<Vec<u8>, String>,
}

impl OneAnswer {
    pub fn new(id: u64, encode: fn(&Header, &Message) -> Result<Vec<u8>, String>) -> Self {
        OneAnswer { id, answer: None, encode }
    }
}

impl Gather for OneAnswer {
    fn waits_on(&self, correlation_id: u64) -> bool {
        self.id == correlation_id && self.answer.is_none()
    }

    fn answer(&mut self, _ctx: &mut Ctx, message: &Message) -> bool {
        self.answer = Some(message.clone());
        true
    }

    fn encode(&self, header: &Header) -> Result<Vec<u8>, String> {
        match &self.answer {
            Some(message) => (self.encode)(header, message),
            None => Err(format!("{:?}: no answer to encode yet", header.api_key)),
        }
    }
}

/// A string as the protocol's.
pub fn text(s: &str) -> kafka_protocol::protocol::StrBytes {
    kafka_protocol::protocol::StrBytes::from_string(s.to_string())
}

/// The correlation id of an engine answer this layer asks for.
pub fn answer_id(message: &Message) -> Option<u64> {
    match message {
        Message::ProduceResponse { correlation_id, .. }
        | Message::FetchResponse { correlation_id, .. }
        | Message::ListOffsetsResponse { correlation_id, .. }
        | Message::MetadataResponse { correlation_id, .. }
        | Message::CreateTopicsResponse { correlation_id, .. }
        | Message::FindCoordinatorResponse { correlation_id, .. }
        | Message::JoinGroupResponse { correlation_id, .. }
        | Message::SyncGroupResponse { correlation_id, .. }
        | Message::HeartbeatResponse { correlation_id, .. }
        | Message::LeaveGroupResponse { correlation_id, .. }
        | Message::OffsetCommitResponse { correlation_id, .. }
        | Message::OffsetFetchResponse { correlation_id, .. }
        | Message::InitProducerIdResponse { correlation_id, .. }
        | Message::DeleteTopicsResponse { correlation_id, .. }
        | Message::OffsetForLeaderEpochResponse { correlation_id, .. }
        | Message::DescribeGroupsResponse { correlation_id, .. }
        | Message::ListGroupsResponse { correlation_id, .. }
        | Message::DescribeConfigsResponse { correlation_id, .. }
        | Message::CreatePartitionsResponse { correlation_id, .. }
        | Message::AlterBrokerConfigsResponse { correlation_id, .. }
        | Message::DeleteRecordsResponse { correlation_id, .. }
        | Message::AddPartitionsToTxnResponse { correlation_id, .. }
        | Message::AddOffsetsToTxnResponse { correlation_id, .. }
        | Message::EndTxnResponse { correlation_id, .. }
        | Message::TxnOffsetCommitResponse { correlation_id, .. } => Some(*correlation_id),
        _ => None,
    }
}

/// Kafka's error code for an engine error (0: none).
pub fn code(error: Option<crate::engine::error::ErrorCode>) -> i16 {
    error.map_or(0, |e| e.code())
}

/// Kafka's `UNKNOWN_TOPIC_OR_PARTITION`.
pub const UNKNOWN_TOPIC_OR_PARTITION: i16 = 3;

/// Kafka's `COORDINATOR_NOT_AVAILABLE`.
pub const COORDINATOR_NOT_AVAILABLE: i16 = 15;

/// Kafka's `INVALID_REQUEST`.
pub const INVALID_REQUEST: i16 = 42;

/// `Errors.message()` for the codes this layer sends with a message: the exception's
/// default message, "NONE" for no error (`Errors.NONE` has no exception, so its
/// `toString()`), else the error's name.
pub fn error_message(code: i16) -> &'static str {
    match code {
        0 => "NONE",
        14 => "The coordinator is loading and hence can't process requests.",
        15 => "The coordinator is not available.",
        16 => "This is not the correct coordinator.",
        24 => "The configured groupId is invalid.",
        42 => "This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details.",
        _ => "UNKNOWN",
    }
}
