//! The admin APIs forwarded to the controller or sent to a leader
//! (`ControllerApis.createPartitions`, `handleIncrementalAlterConfigs`,
//! `KafkaApis.handleDeleteRecordsRequest`):
//! * CreatePartitions 0–3: one engine CreatePartitions per topic to the controller, which
//!   checks the count against the topic and the cluster; a topic named twice is
//!   INVALID_REQUEST "Duplicate topic name.", as `ControllerApis.createPartitions` says.
//!   Manual assignments are refused INVALID_REQUEST rather than ignored (the engine
//!   places new replicas itself).
//! * IncrementalAlterConfigs 0–1: SET of cluster-wide default broker configs (resource
//!   BROKER with the empty name), the dynamic configs the engine's brokers take; anything
//!   else (a topic, one broker by id, DELETE/APPEND/SUBTRACT) is refused INVALID_REQUEST
//!   with what the playground does instead, never ignored. A resource named twice is
//!   INVALID_REQUEST "Duplicate resource.".
//! * DeleteRecords 0–2: one engine DeleteRecords with every partition to the connection's
//!   broker (the client sends each partition to its leader; a partition this broker does
//!   not lead is answered NOT_LEADER_OR_FOLLOWER by the engine, as by Kafka).

use super::{code, Ctx, Gather, INVALID_REQUEST};
use crate::engine::cluster::messages::{DeleteRecordsPartition, DeletedRecordsPartition, TopicPartition};
use crate::engine::cluster::Message;
use crate::wire::request::{encode_response, Header};
use kafka_protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kafka_protocol::messages::delete_records_response::{
    DeleteRecordsPartitionResult, DeleteRecordsTopicResult,
};
use kafka_protocol::messages::incremental_alter_configs_response::AlterConfigsResourceResponse;
use kafka_protocol::messages::{
    ApiKey, CreatePartitionsRequest, CreatePartitionsResponse, DeleteRecordsRequest, DeleteRecordsResponse,
    IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse, TopicName,
};
use kafka_protocol::protocol::StrBytes;

/// `ConfigResource.Type.BROKER`.
const RESOURCE_BROKER: i8 = 4;
/// `AlterConfigOp.OpType.SET`.
const OP_SET: i8 = 0;

/// One answer of a request that asks the engine per item: its name, the engine request's
/// correlation id, and (error code, message) once known.
struct Item {
    name: String,
    resource_type: i8,
    id: Option<u64>,
    answer: Option<(i16, Option<String>)>,
}

impl Item {
    fn refused(name: &str, resource_type: i8, message: &str) -> Item {
        let answer = Some((INVALID_REQUEST, Some(message.to_string())));
        Item { name: name.to_string(), resource_type, id: None, answer }
    }
}

pub struct AdminGather {
    items: Vec<Item>,
    /// DeleteRecords: the engine's answer.
    deleted: Option<Vec<DeletedRecordsPartition>>,
    deleted_id: Option<u64>,
}

impl AdminGather {
    pub fn is_done(&self) -> bool {
        self.items.iter().all(|i| i.answer.is_some()) && (self.deleted_id.is_none() || self.deleted.is_some())
    }

    fn of(items: Vec<Item>) -> Self {
        AdminGather { items, deleted: None, deleted_id: None }
    }
}

pub fn start_create_partitions(request: &CreatePartitionsRequest, ctx: &mut Ctx) -> AdminGather {
    let mut items = Vec::new();
    for t in &request.topics {
        let name = t.name.0.to_string();
        if request.topics.iter().filter(|o| o.name.0.as_str() == name).count() > 1 {
            items.push(Item::refused(&name, 0, "Duplicate topic name."));
        } else if t.assignments.is_some() {
            items.push(Item::refused(
                &name,
                0,
                "manual partition assignments are not supported by the playground yet.",
            ));
        } else {
            let (topic, count, validate_only) = (name.clone(), i64::from(t.count), request.validate_only);
            let controller = ctx.serve.controller_id;
            let id = ctx.send(controller, |correlation_id| Message::CreatePartitionsRequest {
                correlation_id,
                topic,
                count,
                validate_only,
            });
            items.push(Item { name, resource_type: 0, id: Some(id), answer: None });
        }
    }
    AdminGather::of(items)
}

pub fn start_alter_configs(request: &IncrementalAlterConfigsRequest, ctx: &mut Ctx) -> AdminGather {
    let mut items = Vec::new();
    for r in &request.resources {
        let name = r.resource_name.to_string();
        let kind = r.resource_type;
        let twice = request
            .resources
            .iter()
            .filter(|o| o.resource_type == kind && o.resource_name == r.resource_name);
        if twice.count() > 1 {
            items.push(Item::refused(&name, kind, "Duplicate resource."));
        } else if kind != RESOURCE_BROKER || !name.is_empty() {
            items.push(Item::refused(&name, kind, "the playground alters only the brokers' cluster-wide default configs (resource BROKER with an empty name); topic configs are set when a topic is created."));
        } else if r.configs.iter().any(|c| c.config_operation != OP_SET) {
            items.push(Item::refused(
                &name,
                kind,
                "the playground supports only the SET operation on broker configs.",
            ));
        } else {
            let configs: Vec<(String, String)> = r
                .configs
                .iter()
                .map(|c| (c.name.to_string(), c.value.as_ref().map(|v| v.to_string()).unwrap_or_default()))
                .collect();
            let validate_only = request.validate_only;
            let controller = ctx.serve.controller_id;
            let id = ctx.send(controller, |correlation_id| Message::AlterBrokerConfigsRequest {
                correlation_id,
                configs,
                validate_only,
            });
            items.push(Item { name, resource_type: kind, id: Some(id), answer: None });
        }
    }
    AdminGather::of(items)
}

pub fn start_delete_records(request: &DeleteRecordsRequest, ctx: &mut Ctx) -> AdminGather {
    let partitions: Vec<DeleteRecordsPartition> = request
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions.iter().filter(|p| p.partition_index >= 0).map(move |p| DeleteRecordsPartition {
                tp: TopicPartition::new(t.name.0.as_str(), p.partition_index as u32),
                offset: p.offset,
            })
        })
        .collect();
    let timeout_ms = i64::from(request.timeout_ms);
    let id = ctx.send(ctx.broker, |correlation_id| Message::DeleteRecordsRequest {
        correlation_id,
        timeout_ms,
        partitions,
    });
    AdminGather { items: Vec::new(), deleted: None, deleted_id: Some(id) }
}

fn text(s: &Option<String>) -> Option<StrBytes> {
    s.clone().map(StrBytes::from_string)
}

impl Gather for AdminGather {
    fn waits_on(&self, correlation_id: u64) -> bool {
        (self.deleted.is_none() && self.deleted_id == Some(correlation_id))
            || self.items.iter().any(|i| i.answer.is_none() && i.id == Some(correlation_id))
    }

    fn answer(&mut self, _ctx: &mut Ctx, message: &Message) -> bool {
        match message {
            Message::CreatePartitionsResponse { correlation_id, error, message, .. }
            | Message::AlterBrokerConfigsResponse { correlation_id, error, message } => {
                if let Some(i) = self.items.iter_mut().find(|i| i.id == Some(*correlation_id)) {
                    i.answer = Some((code(*error), message.clone()));
                }
            }
            Message::DeleteRecordsResponse { partitions, .. } => self.deleted = Some(partitions.clone()),
            _ => {}
        }
        self.is_done()
    }

    fn encode(&self, header: &Header) -> Result<Vec<u8>, String> {
        let v = header.api_version;
        let answer = |i: &Item| i.answer.clone().unwrap_or((INVALID_REQUEST, None));
        match header.api_key {
            ApiKey::CreatePartitions => {
                let results = self
                    .items
                    .iter()
                    .map(|i| {
                        let (error, message) = answer(i);
                        CreatePartitionsTopicResult::default()
                            .with_name(TopicName(StrBytes::from_string(i.name.clone())))
                            .with_error_code(error)
                            .with_error_message(text(&message))
                    })
                    .collect();
                encode_response(header, v, &CreatePartitionsResponse::default().with_results(results))
            }
            ApiKey::IncrementalAlterConfigs => {
                let responses = self
                    .items
                    .iter()
                    .map(|i| {
                        let (error, message) = answer(i);
                        AlterConfigsResourceResponse::default()
                            .with_error_code(error)
                            .with_error_message(text(&message))
                            .with_resource_type(i.resource_type)
                            .with_resource_name(StrBytes::from_string(i.name.clone()))
                    })
                    .collect();
                encode_response(
                    header,
                    v,
                    &IncrementalAlterConfigsResponse::default().with_responses(responses),
                )
            }
            ApiKey::DeleteRecords => {
                let mut topics: Vec<DeleteRecordsTopicResult> = Vec::new();
                for p in self.deleted.iter().flatten() {
                    if topics.last().is_none_or(|t| t.name.0.as_str() != p.tp.topic.as_str()) {
                        let name = TopicName(StrBytes::from_string(p.tp.topic.to_string()));
                        topics.push(DeleteRecordsTopicResult::default().with_name(name));
                    }
                    if let Some(t) = topics.last_mut() {
                        t.partitions.push(
                            DeleteRecordsPartitionResult::default()
                                .with_partition_index(p.tp.partition as i32)
                                .with_low_watermark(p.low_watermark)
                                .with_error_code(code(p.error)),
                        );
                    }
                }
                encode_response(header, v, &DeleteRecordsResponse::default().with_topics(topics))
            }
            other => Err(format!("{other:?}: no admin answer to encode")),
        }
    }
}
