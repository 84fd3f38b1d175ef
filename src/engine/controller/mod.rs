//! The KRaft-style controller ([`ControllerNode`], node [`CONTROLLER_ID`]): the cluster's
//! metadata is a log of [`MetadataRecord`]s and every decision (a broker registers, is
//! fenced or unfenced, a topic is created or deleted, a leader is elected, an ISR changes) is a
//! record appended and then applied to the [`ClusterImage`]. Invariants: `image` is
//! exactly the replay of `log`; every record is persisted as it is appended; every
//! registered broker is eventually pushed every record it lacks.
//!
//! Persistence is append-only: record `n` is the meta document
//! `__cluster_metadata-{n:020}` of broker id [`CONTROLLER_ID`] (JSON of the record), so an
//! append costs one small write. [`ControllerNode::recover`] replays them in offset order
//! and stops at the first gap (a torn tail), deleting what lies beyond it.
//!
//! Metadata propagation: Kafka brokers fetch `__cluster_metadata`; here the controller
//! pushes `MetadataUpdate { first_offset, records }`. A broker's heartbeat reports
//! `metadata_offset` = the last offset it has applied (Kafka's `CurrentMetadataOffset`,
//! -1 when none); it is unfenced once that reaches its own registration record; if a broker
//! still lacks records that were sent before its previous heartbeat, they are sent again,
//! so lost pushes heal. Brokers must skip records they already have.

pub mod config;

mod admin;
mod alter;
pub mod broker_configs;
mod brokers;
mod delete_topic;
mod election;
pub mod producer_ids;
mod topics;

pub use config::{ControllerConfig, UNCLEAN_LEADER_ELECTION_ENABLE};
pub use delete_topic::is_internal_topic;
pub use topics::{refusal_text, Refusal};

use crate::engine::cluster::command::{Command, CreateTopicCommand};
use crate::engine::cluster::metadata::{ClusterImage, MetadataRecord};
use crate::engine::cluster::{
    ClusterEvent, Envelope, Input, Message, Node, NodeId, Output, TimerKey, TimerKind, CONTROLLER_ID,
};
use crate::engine::store::StoreOp;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// Name prefix of the persisted metadata records.
pub const METADATA_LOG_PREFIX: &str = "__cluster_metadata-";

/// What the controller tracks of a broker beside the image (Kafka's
/// `BrokerHeartbeatManager`): its last contact and what it has been sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokerSession {
    pub last_contact_ms: i64,
    /// The log offset up to which records were pushed to it.
    pub sent_offset: i64,
    /// `sent_offset` when its previous heartbeat arrived.
    pub sent_offset_at_last_heartbeat: i64,
}

pub struct ControllerNode {
    pub(crate) config: ControllerConfig,
    pub(crate) log: Vec<MetadataRecord>,
    pub(crate) image: ClusterImage,
    pub(crate) sessions: BTreeMap<NodeId, BrokerSession>,
    pub(crate) outputs: VecDeque<Output>,
    pub(crate) now_ms: i64,
    /// False after `recover` until the first input: then every known broker gets a
    /// fresh session, as a newly active Kafka controller gives them.
    activated: bool,
}

impl ControllerNode {
    pub fn new(config: ControllerConfig) -> Self {
        ControllerNode {
            config,
            log: Vec::new(),
            image: ClusterImage::default(),
            sessions: BTreeMap::new(),
            outputs: VecDeque::new(),
            now_ms: 0,
            activated: true,
        }
    }

    /// Restarts from the controller's persisted meta documents (`(name, value)`, any
    /// order; documents of other names are ignored).
    pub fn recover(config: ControllerConfig, meta: &[(String, String)]) -> Self {
        let mut node = ControllerNode::new(config);
        node.activated = false;
        let mut stored: Vec<(u64, &str, &str)> = meta
            .iter()
            .filter_map(|(name, value)| {
                let offset = name.strip_prefix(METADATA_LOG_PREFIX)?.parse::<u64>().ok()?;
                Some((offset, name.as_str(), value.as_str()))
            })
            .collect();
        stored.sort_by_key(|(offset, _, _)| *offset);
        let mut torn = false;
        for (offset, name, value) in stored {
            if !torn {
                match serde_json::from_str::<MetadataRecord>(value) {
                    Ok(record) if offset == node.log.len() as u64 => {
                        node.image.apply(&record);
                        node.log.push(record);
                        continue;
                    }
                    _ => {
                        torn = true;
                        node.refuse(format!(
                            "metadata log recovery stopped at offset {}: document {name} is missing or unreadable",
                            node.log.len()
                        ));
                    }
                }
            }
            node.outputs.push_back(Output::Persist(StoreOp::DeleteMeta {
                broker_id: CONTROLLER_ID,
                name: name.to_string(),
            }));
        }
        node
    }

    pub fn config(&self) -> &ControllerConfig {
        &self.config
    }

    /// The image the whole log describes.
    /// A broker's session as the controller keeps it: its last contact, or `None`
    /// before it registered.
    pub fn session(&self, broker_id: NodeId) -> Option<&BrokerSession> {
        self.sessions.get(&broker_id)
    }

    pub fn image(&self) -> &ClusterImage {
        &self.image
    }

    pub fn log(&self) -> &[MetadataRecord] {
        &self.log
    }

    pub fn log_end_offset(&self) -> i64 {
        self.log.len() as i64
    }

    /// Appends one record to the log, applies it and persists it.
    pub(crate) fn append(&mut self, record: MetadataRecord) {
        let offset = self.log.len();
        match serde_json::to_string(&record) {
            Ok(value) => self.outputs.push_back(Output::Persist(StoreOp::PutMeta {
                broker_id: CONTROLLER_ID,
                name: format!("{METADATA_LOG_PREFIX}{offset:020}"),
                value,
            })),
            Err(e) => self.refuse(format!("cannot persist metadata record {offset}: {e}")),
        }
        self.image.apply(&record);
        self.log.push(record);
    }

    pub(crate) fn send(&mut self, to: NodeId, message: Message) {
        self.outputs.push_back(Output::Send(Envelope { from: CONTROLLER_ID, to, message }));
    }

    pub(crate) fn event(&mut self, event: ClusterEvent) {
        self.outputs.push_back(Output::Event(event));
    }

    pub(crate) fn refuse(&mut self, reason: String) {
        self.event(ClusterEvent::Refused { node_id: CONTROLLER_ID, reason });
    }

    /// Pushes every registered broker the records it has not been sent.
    fn push_metadata_updates(&mut self) {
        let end = self.log.len() as i64;
        let mut sends = Vec::new();
        for (broker_id, session) in &mut self.sessions {
            if session.sent_offset < end {
                let from = session.sent_offset.max(0) as usize;
                let records = self.log.get(from..).map(<[MetadataRecord]>::to_vec).unwrap_or_default();
                sends.push((*broker_id, Message::MetadataUpdate { first_offset: from as i64, records }));
                session.sent_offset = end;
            }
        }
        for (to, message) in sends {
            self.send(to, message);
        }
    }

    fn activate(&mut self) {
        self.activated = true;
        let end = self.log.len() as i64;
        let brokers: Vec<NodeId> = self.image.brokers.keys().copied().collect();
        for broker_id in brokers {
            self.sessions.insert(
                broker_id,
                BrokerSession {
                    last_contact_ms: self.now_ms,
                    sent_offset: end,
                    sent_offset_at_last_heartbeat: end,
                },
            );
            self.arm_session_timer(broker_id);
        }
    }

    fn handle_message(&mut self, envelope: Envelope) {
        let from = envelope.from;
        match envelope.message {
            Message::BrokerRegistration { broker_id, incarnation } => {
                self.handle_registration(from, broker_id, incarnation)
            }
            Message::BrokerHeartbeat { broker_id, broker_epoch, metadata_offset } => {
                self.handle_heartbeat(from, broker_id, broker_epoch, metadata_offset)
            }
            Message::AlterPartition {
                broker_id,
                broker_epoch,
                tp,
                leader_epoch,
                partition_epoch,
                new_isr,
            } => self.handle_alter_partition(
                from,
                broker_id,
                broker_epoch,
                tp,
                leader_epoch,
                partition_epoch,
                new_isr,
            ),
            Message::CreateTopicsRequest {
                correlation_id,
                name,
                partitions,
                replication_factor,
                configs,
            } => {
                let (error, message) =
                    split(self.create_topic(&name, partitions, replication_factor, &configs, None));
                self.send(from, Message::CreateTopicsResponse { correlation_id, name, error, message });
            }
            Message::DeleteTopicsRequest { correlation_id, name } => {
                let (error, message) = split(self.delete_topic(&name));
                self.send(from, Message::DeleteTopicsResponse { correlation_id, name, error, message });
            }
            Message::MetadataRequest { correlation_id, topics } => {
                let response = self.metadata_response(correlation_id, &topics);
                self.send(from, response);
            }
            Message::AllocateProducerIdsRequest { broker_id, broker_epoch } => {
                self.handle_allocate_producer_ids(from, broker_id, broker_epoch)
            }
            Message::CreatePartitionsRequest { correlation_id, topic, count, validate_only } => {
                let (error, message) = split(self.create_partitions(&topic, count, validate_only));
                self.send(from, Message::CreatePartitionsResponse { correlation_id, topic, error, message });
            }
            Message::AlterBrokerConfigsRequest { correlation_id, configs, validate_only } => {
                let (error, message) = split(self.alter_broker_configs(configs, validate_only));
                self.send(from, Message::AlterBrokerConfigsResponse { correlation_id, error, message });
            }
            Message::DeleteRecordsResponse { partitions, .. } => {
                self.handle_delete_records_response(partitions)
            }
            // A broker it pushed records to is gone: its session expires by itself when
            // its heartbeats stop (KRaft fences by heartbeat, not by connection).
            Message::ConnectionClosed => {}
            other => self.refuse(format!("the controller does not handle {}", message_name(&other))),
        }
    }

    /// A command the controller could not carry out is answered in the events feed with
    /// Kafka's refusal.
    fn refuse_if_refused(&mut self, done: Result<(), Refusal>) {
        if let Err(refusal) = done {
            self.refuse(refusal_text(refusal));
        }
    }

    fn handle_command(&mut self, command: Command) {
        match command {
            // The driver's start signal: the controller needs no start-up work.
            Command::Start(_) => {}
            Command::DeleteRecords(spec) => self.delete_records_command(&spec),
            Command::DeleteTopic(spec) => {
                let done = self.delete_topic(&spec.name);
                self.refuse_if_refused(done);
            }
            Command::AlterBrokerConfigs(spec) => {
                let done = self.alter_broker_configs(spec.configs.into_iter().collect(), false);
                self.refuse_if_refused(done);
            }
            Command::CreatePartitions(spec) => {
                let done = self.create_partitions(&spec.topic, spec.count, false);
                self.refuse_if_refused(done);
            }
            Command::CreateTopic(spec) => {
                let CreateTopicCommand { configs, name, partitions, replica_assignment, replication_factor } =
                    spec;
                let configs: Vec<(String, String)> = configs.into_iter().collect();
                let done = self.create_topic(
                    &name,
                    partitions,
                    replication_factor,
                    &configs,
                    replica_assignment.as_deref(),
                );
                self.refuse_if_refused(done);
            }
            other => self.refuse(format!("the controller does not take the command \"{}\"", other.name())),
        }
    }
}

fn message_name(message: &Message) -> String {
    let debug = format!("{message:?}");
    debug.split([' ', '{', '(']).next().unwrap_or_default().to_string()
}

impl Node for ControllerNode {
    fn view(&self) -> crate::engine::cluster::NodeView<'_> {
        crate::engine::cluster::NodeView::Controller(self)
    }
    fn node_id(&self) -> NodeId {
        CONTROLLER_ID
    }

    fn handle(&mut self, now_ms: i64, input: Input) {
        self.now_ms = now_ms;
        if !self.activated {
            self.activate();
        }
        match input {
            Input::Deliver(envelope) => self.handle_message(envelope),
            Input::Timer(TimerKey { kind: TimerKind::BrokerSession, instance }) => {
                self.handle_session_timer(instance as NodeId)
            }
            Input::Timer(key) => self.refuse(format!("unknown controller timer {key:?}")),
            Input::Command(command) => self.handle_command(command),
        }
        self.push_metadata_updates();
    }

    fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    fn state(&self) -> crate::engine::cluster::NodeState<'_> {
        crate::engine::cluster::NodeState::Tree(serde_json::json!({
            "node_id": CONTROLLER_ID,
            "config": self.config,
            "log_end_offset": self.log.len(),
            "image": self.image,
            "sessions": self.sessions,
        }))
    }
}

/// A check's outcome as a response carries it: (error, message).
fn split(done: Result<(), Refusal>) -> (Option<crate::engine::error::ErrorCode>, Option<String>) {
    match done {
        Ok(()) => (None, None),
        Err((code, text)) => (Some(code), Some(text)),
    }
}
