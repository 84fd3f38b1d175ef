//! DeleteTopics 1–5 (`KafkaApis.handleDeleteTopicsRequest`, forwarded to the controller
//! as a KRaft broker does; `ControllerApis.deleteTopics`): one engine DeleteTopics per
//! name to the controller, which checks `delete.topic.enable`, internal topics and the
//! name, then writes the `RemoveTopicRecord`. A name given twice is refused
//! INVALID_REQUEST "Duplicate topic name.", as the controller does. With deletion
//! disabled, v3+ answers TOPIC_DELETION_DISABLED; below v3 the controller throws
//! `InvalidRequestException("Topic deletion is disabled.")`, so each topic gets
//! INVALID_REQUEST. The error message exists from v5.

use super::{code, Ctx, Gather, INVALID_REQUEST};
use crate::engine::cluster::Message;
use crate::engine::error::ErrorCode;
use crate::wire::request::{encode_response, Header};
use kafka_protocol::messages::delete_topics_response::DeletableTopicResult;
use kafka_protocol::messages::{DeleteTopicsRequest, DeleteTopicsResponse, TopicName};
use kafka_protocol::protocol::StrBytes;

struct Asked {
    name: String,
    id: Option<u64>,
    /// (error code, message) once answered.
    answer: Option<(i16, Option<String>)>,
}

pub struct DeleteTopicsGather {
    version: i16,
    asked: Vec<Asked>,
}

pub fn start(request: &DeleteTopicsRequest, version: i16, ctx: &mut Ctx) -> DeleteTopicsGather {
    let names: Vec<String> = request.topic_names.iter().map(|n| n.0.to_string()).collect();
    let mut asked = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            continue;
        }
        if names.iter().filter(|n| *n == name).count() > 1 {
            let answer = Some((INVALID_REQUEST, Some("Duplicate topic name.".to_string())));
            asked.push(Asked { name: name.clone(), id: None, answer });
            continue;
        }
        let controller = ctx.serve.controller_id;
        let n = name.clone();
        let id =
            ctx.send(controller, |correlation_id| Message::DeleteTopicsRequest { correlation_id, name: n });
        asked.push(Asked { name: name.clone(), id: Some(id), answer: None });
    }
    DeleteTopicsGather { version, asked }
}

impl DeleteTopicsGather {
    pub fn is_done(&self) -> bool {
        self.asked.iter().all(|a| a.answer.is_some())
    }
}

impl Gather for DeleteTopicsGather {
    fn waits_on(&self, correlation_id: u64) -> bool {
        self.asked.iter().any(|a| a.answer.is_none() && a.id == Some(correlation_id))
    }

    fn answer(&mut self, _ctx: &mut Ctx, message: &Message) -> bool {
        if let Message::DeleteTopicsResponse { correlation_id, error, message, .. } = message {
            let version = self.version;
            if let Some(a) = self.asked.iter_mut().find(|a| a.id == Some(*correlation_id)) {
                let error = match error {
                    Some(ErrorCode::TopicDeletionDisabled) if version < 3 => INVALID_REQUEST,
                    other => code(*other),
                };
                a.answer = Some((error, message.clone()));
            }
        }
        self.is_done()
    }

    fn encode(&self, header: &Header) -> Result<Vec<u8>, String> {
        let v = header.api_version;
        let responses = self
            .asked
            .iter()
            .map(|a| {
                let (error, message) = a.answer.clone().unwrap_or((INVALID_REQUEST, None));
                DeletableTopicResult::default()
                    .with_name(Some(TopicName(StrBytes::from_string(a.name.clone()))))
                    .with_error_code(error)
                    .with_error_message(if v >= 5 { message.map(StrBytes::from_string) } else { None })
            })
            .collect();
        encode_response(header, v, &DeleteTopicsResponse::default().with_responses(responses))
    }
}
