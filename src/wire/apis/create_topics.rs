//! CreateTopics 2–4 (`KafkaApis.handleCreateTopicsRequest`, forwarded to the controller
//! as a KRaft broker does): one engine CreateTopics per topic to the controller, which
//! runs Kafka's checks (name, partitions, replication factor, configs) and answers with
//! Kafka's error and message. A name given twice is refused `INVALID_REQUEST` "Duplicate
//! topic name." as Kafka does. What the engine cannot do yet is refused, never ignored:
//! manual replica assignments and `validate_only`.

use super::{Ctx, Gather};
use crate::engine::cluster::Message;
use crate::wire::request::{encode_response, Header};
use kafka_protocol::messages::create_topics_response::CreatableTopicResult;
use kafka_protocol::messages::{CreateTopicsRequest, CreateTopicsResponse, TopicName};
use kafka_protocol::protocol::StrBytes;

const INVALID_REQUEST: i16 = 42;

struct Asked {
    name: String,
    id: Option<u64>,
    /// (error code, message) once answered.
    answer: Option<(i16, Option<String>)>,
}

pub struct CreateTopicsGather {
    asked: Vec<Asked>,
}

fn refused(name: &str, message: &str) -> Asked {
    Asked { name: name.to_string(), id: None, answer: Some((INVALID_REQUEST, Some(message.to_string()))) }
}

pub fn start(request: &CreateTopicsRequest, ctx: &mut Ctx) -> CreateTopicsGather {
    let mut asked = Vec::new();
    for t in &request.topics {
        let name = t.name.0.to_string();
        let duplicate = request.topics.iter().filter(|o| o.name.0.as_str() == name).count() > 1;
        if duplicate {
            asked.push(refused(&name, "Duplicate topic name."));
            continue;
        }
        if request.validate_only {
            asked.push(refused(&name, "validate_only is not supported by the playground yet."));
            continue;
        }
        if !t.assignments.is_empty() {
            asked.push(refused(&name, "manual replica assignments are not supported by the playground yet."));
            continue;
        }
        let configs: Vec<(String, String)> = t
            .configs
            .iter()
            .filter_map(|c| c.value.as_ref().map(|v| (c.name.to_string(), v.to_string())))
            .collect();
        let partitions = i64::from(t.num_partitions);
        let replication_factor = i64::from(t.replication_factor);
        let topic_name = name.clone();
        let controller = ctx.serve.controller_id;
        let id = ctx.send(controller, |correlation_id| Message::CreateTopicsRequest {
            correlation_id,
            name: topic_name,
            partitions,
            replication_factor,
            configs,
        });
        asked.push(Asked { name, id: Some(id), answer: None });
    }
    CreateTopicsGather { asked }
}

impl CreateTopicsGather {
    pub fn is_done(&self) -> bool {
        self.asked.iter().all(|a| a.answer.is_some())
    }
}

impl Gather for CreateTopicsGather {
    fn waits_on(&self, correlation_id: u64) -> bool {
        self.asked.iter().any(|a| a.answer.is_none() && a.id == Some(correlation_id))
    }

    fn answer(&mut self, _ctx: &mut Ctx, message: &Message) -> bool {
        if let Message::CreateTopicsResponse { correlation_id, error, message, .. } = message {
            if let Some(a) = self.asked.iter_mut().find(|a| a.id == Some(*correlation_id)) {
                a.answer = Some((super::code(*error), message.clone()));
            }
        }
        self.is_done()
    }

    fn encode(&self, header: &Header) -> Result<Vec<u8>, String> {
        let topics = self
            .asked
            .iter()
            .map(|a| {
                let (error, message) = a.answer.clone().unwrap_or((INVALID_REQUEST, None));
                CreatableTopicResult::default()
                    .with_name(TopicName(StrBytes::from_string(a.name.clone())))
                    .with_error_code(error)
                    .with_error_message(message.map(StrBytes::from_string))
            })
            .collect();
        encode_response(header, header.api_version, &CreateTopicsResponse::default().with_topics(topics))
    }
}
