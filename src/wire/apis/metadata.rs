//! Metadata 0–12 (`KafkaApis.handleTopicMetadataRequest`): the connection's broker's
//! metadata image, with each live broker at its advertised host:port and a live broker
//! as the controller id (KRaft brokers report one, not the controller quorum). Topics it
//! does not know are created when `auto.create.topics.enable` and the request allow it
//! and the request named topics (not "all topics"): a CreateTopics with the cluster's
//! `num.partitions` and `default.replication.factor` goes to the controller, and the
//! topic is reported `UNKNOWN_TOPIC_OR_PARTITION` until the client asks again, as
//! `AutoTopicCreationManager.createTopics` does when the creation is forwarded.

use super::{Ctx, Gather, UNKNOWN_TOPIC_OR_PARTITION};
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::metadata::PartitionState;
use crate::engine::cluster::{Message, NodeId};
use crate::wire::request::{encode_response, Header};
use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::{BrokerId, MetadataRequest, MetadataResponse, TopicName};
use kafka_protocol::protocol::StrBytes;

/// Kafka's `INVALID_TOPIC_EXCEPTION`, `LEADER_NOT_AVAILABLE`, `UNKNOWN_TOPIC_ID`.
const INVALID_TOPIC_EXCEPTION: i16 = 17;
const LEADER_NOT_AVAILABLE: i16 = 5;
const UNKNOWN_TOPIC_ID: i16 = 100;

pub struct MetadataGather {
    id: u64,
    /// `None`: every topic; else the names asked for, in order (`None` entries: asked by
    /// topic id, which this server does not give out).
    asked: Option<Vec<Option<String>>>,
    allow_auto_create: bool,
    response: Option<MetadataResponse>,
}

pub fn start(request: &MetadataRequest, version: i16, ctx: &mut Ctx) -> MetadataGather {
    // v0: an empty list means every topic; from v1 that is a null list.
    let asked: Option<Vec<Option<String>>> = match &request.topics {
        None => None,
        Some(t) if t.is_empty() && version == 0 => None,
        Some(t) => Some(t.iter().map(|t| t.name.as_ref().map(|n| n.0.to_string())).collect()),
    };
    let names: Vec<String> = match &asked {
        None => Vec::new(),
        Some(list) => list.iter().flatten().cloned().collect(),
    };
    // The engine answers every topic for an empty list; a request for no topics still
    // needs the brokers, so it asks for all and keeps none (`build`).
    let id =
        ctx.send(ctx.broker, |correlation_id| Message::MetadataRequest { correlation_id, topics: names });
    let allow_auto_create =
        (version < 4 || request.allow_auto_topic_creation) && ctx.serve.auto_create_topics_enable;
    MetadataGather { id, asked, allow_auto_create, response: None }
}

fn broker_ids(ids: &[NodeId]) -> Vec<BrokerId> {
    ids.iter().map(|b| BrokerId(*b as i32)).collect()
}

fn partition(index: u32, state: &PartitionState, live: &[NodeId]) -> MetadataResponsePartition {
    let offline: Vec<NodeId> = state.replicas.iter().copied().filter(|r| !live.contains(r)).collect();
    MetadataResponsePartition::default()
        .with_error_code(if state.leader.is_some() { 0 } else { LEADER_NOT_AVAILABLE })
        .with_partition_index(index as i32)
        .with_leader_id(BrokerId(state.leader.map_or(-1, |l| l as i32)))
        .with_leader_epoch(state.leader_epoch)
        .with_replica_nodes(broker_ids(&state.replicas))
        .with_isr_nodes(broker_ids(&state.isr))
        .with_offline_replicas(broker_ids(&offline))
}

fn topic(name: &str, error_code: i16) -> MetadataResponseTopic {
    MetadataResponseTopic::default()
        .with_error_code(error_code)
        .with_name(Some(TopicName(StrBytes::from_string(name.to_string()))))
        .with_is_internal(name == "__consumer_offsets")
}

impl MetadataGather {
    fn build(
        &self,
        ctx: &mut Ctx,
        brokers: &[NodeId],
        partitions: &[(TopicPartition, PartitionState)],
        unknown: &[String],
    ) -> MetadataResponse {
        let mut known: Vec<MetadataResponseTopic> = Vec::new();
        for (tp, state) in partitions {
            if known.last().and_then(|t| t.name.as_ref()).is_none_or(|n| n.0.as_str() != tp.topic.as_str()) {
                known.push(topic(tp.topic.as_str(), 0));
            }
            if let Some(t) = known.last_mut() {
                t.partitions.push(partition(tp.partition, state, brokers));
            }
        }
        let topics = match &self.asked {
            None => known,
            Some(list) => {
                let mut out = Vec::new();
                for name in list {
                    let Some(name) = name else {
                        out.push(MetadataResponseTopic::default().with_error_code(UNKNOWN_TOPIC_ID));
                        continue;
                    };
                    if let Some(t) =
                        known.iter().find(|t| t.name.as_ref().is_some_and(|n| n.0.as_str() == name))
                    {
                        out.push(t.clone());
                    } else if unknown.contains(name) {
                        out.push(self.unknown_topic(ctx, name));
                    }
                }
                out
            }
        };
        let live: Vec<MetadataResponseBroker> = brokers
            .iter()
            .filter_map(|b| ctx.serve.endpoints.get(b).map(|e| (b, e)))
            .map(|(b, (host, port))| {
                MetadataResponseBroker::default()
                    .with_node_id(BrokerId(*b as i32))
                    .with_host(StrBytes::from_string(host.clone()))
                    .with_port(*port)
            })
            .collect();
        let controller = brokers.iter().min().map_or(-1, |b| *b as i32);
        MetadataResponse::default()
            .with_brokers(live)
            .with_cluster_id(Some(StrBytes::from_string(ctx.serve.cluster_id.clone())))
            .with_controller_id(BrokerId(controller))
            .with_topics(topics)
    }

    fn unknown_topic(&self, ctx: &mut Ctx, name: &str) -> MetadataResponseTopic {
        if crate::engine::topic::validate_topic_name(name).is_err() {
            return topic(name, INVALID_TOPIC_EXCEPTION);
        }
        if self.allow_auto_create {
            let controller = ctx.serve.controller_id;
            ctx.send(controller, |correlation_id| Message::CreateTopicsRequest {
                correlation_id,
                name: name.to_string(),
                partitions: -1,
                replication_factor: -1,
                configs: Vec::new(),
            });
        }
        topic(name, UNKNOWN_TOPIC_OR_PARTITION)
    }
}

impl Gather for MetadataGather {
    fn waits_on(&self, correlation_id: u64) -> bool {
        correlation_id == self.id && self.response.is_none()
    }

    fn answer(&mut self, ctx: &mut Ctx, message: &Message) -> bool {
        if let Message::MetadataResponse { brokers, partitions, unknown_topics, .. } = message {
            let mut brokers = brokers.clone();
            brokers.sort_unstable();
            self.response = Some(self.build(ctx, &brokers, partitions, unknown_topics));
        }
        self.response.is_some()
    }

    fn encode(&self, header: &Header) -> Result<Vec<u8>, String> {
        let response = self.response.clone().unwrap_or_default();
        encode_response(header, header.api_version, &response)
    }
}
