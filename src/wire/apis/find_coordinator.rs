//! FindCoordinator 0–4 (`KafkaApis.handleFindCoordinatorRequest`, `getCoordinator`):
//! each group key (key type 0) is one engine FindCoordinator to the connection's broker,
//! which answers with the leader of the key's `__consumer_offsets` partition (creating
//! the topic on first use, COORDINATOR_NOT_AVAILABLE meanwhile, as Kafka does). v0–3 ask
//! for one key and answer at the top level (`handleFindCoordinatorRequestLessThanV4`:
//! `error_message` is `Errors.message()`, so "NONE" on success; an error gets
//! `Node.noNode()`: id -1, host "", port -1); v4 batches keys, one `Coordinator` each.
//!
//! Key type 1 (a transactional id) goes the same way to the broker's transaction
//! coordinator side: the leader of the id's `__transaction_state` partition (created on
//! first use, COORDINATOR_NOT_AVAILABLE meanwhile). Any other key type is
//! `CoordinatorType.forId`'s `InvalidRequestException`: INVALID_REQUEST (key type 2, the
//! share coordinator, needs v6, which is not served).

use super::{error_message, Ctx, Gather, COORDINATOR_NOT_AVAILABLE, INVALID_REQUEST};
use crate::engine::cluster::messages::CoordinatorType;
use crate::engine::cluster::Message;
use crate::wire::request::{encode_response, Header};
use kafka_protocol::messages::find_coordinator_response::Coordinator;
use kafka_protocol::messages::{BrokerId, FindCoordinatorRequest, FindCoordinatorResponse};
use kafka_protocol::protocol::StrBytes;

/// `CoordinatorType.GROUP` and `TRANSACTION`.
pub const KEY_TYPE_GROUP: i8 = 0;
pub const KEY_TYPE_TRANSACTION: i8 = 1;

struct Asked {
    key: String,
    id: Option<u64>,
    /// (error code, node id, host, port) once answered.
    answer: Option<(i16, i32, String, i32)>,
}

pub struct FindCoordinatorGather {
    asked: Vec<Asked>,
}

fn no_node(error: i16) -> Option<(i16, i32, String, i32)> {
    Some((error, -1, String::new(), -1))
}

pub fn start(request: &FindCoordinatorRequest, version: i16, ctx: &mut Ctx) -> FindCoordinatorGather {
    let keys: Vec<String> = if version >= 4 {
        request.coordinator_keys.iter().map(|k| k.to_string()).collect()
    } else {
        vec![request.key.to_string()]
    };
    let asked = keys
        .into_iter()
        .map(|key| {
            let key_type = match request.key_type {
                KEY_TYPE_GROUP => CoordinatorType::Group,
                KEY_TYPE_TRANSACTION => CoordinatorType::Transaction,
                _ => return Asked { key, id: None, answer: no_node(INVALID_REQUEST) },
            };
            let k = key.clone();
            let id = ctx.send(ctx.broker, |correlation_id| Message::FindCoordinatorRequest {
                correlation_id,
                key: k,
                key_type,
            });
            Asked { key, id: Some(id), answer: None }
        })
        .collect();
    FindCoordinatorGather { asked }
}

impl FindCoordinatorGather {
    pub fn is_done(&self) -> bool {
        self.asked.iter().all(|a| a.answer.is_some())
    }
}

impl Gather for FindCoordinatorGather {
    fn waits_on(&self, correlation_id: u64) -> bool {
        self.asked.iter().any(|a| a.answer.is_none() && a.id == Some(correlation_id))
    }

    fn answer(&mut self, ctx: &mut Ctx, message: &Message) -> bool {
        if let Message::FindCoordinatorResponse { correlation_id, error, node_id, .. } = message {
            if let Some(a) = self.asked.iter_mut().find(|a| a.id == Some(*correlation_id)) {
                let endpoint = node_id.and_then(|n| ctx.serve.endpoints.get(&n).map(|e| (n, e)));
                a.answer = match (error, endpoint) {
                    (None, Some((n, (host, port)))) => Some((0, n as i32, host.clone(), *port)),
                    // `getAliveBrokerNode` found no endpoint for the leader.
                    (None, None) => no_node(COORDINATOR_NOT_AVAILABLE),
                    (Some(e), _) => no_node(e.code()),
                };
            }
        }
        self.is_done()
    }

    fn encode(&self, header: &Header) -> Result<Vec<u8>, String> {
        let version = header.api_version;
        let coordinators: Vec<Coordinator> = self
            .asked
            .iter()
            .map(|a| {
                let (error, node, host, port) =
                    a.answer.clone().or_else(|| no_node(INVALID_REQUEST)).unwrap_or_default();
                Coordinator::default()
                    .with_key(StrBytes::from_string(a.key.clone()))
                    .with_node_id(BrokerId(node))
                    .with_host(StrBytes::from_string(host))
                    .with_port(port)
                    .with_error_code(error)
            })
            .collect();
        let response = if version >= 4 {
            FindCoordinatorResponse::default().with_coordinators(coordinators)
        } else {
            let c = coordinators.into_iter().next().unwrap_or_default();
            let message = (version >= 1).then(|| StrBytes::from_static_str(error_message(c.error_code)));
            FindCoordinatorResponse::default()
                .with_error_code(c.error_code)
                .with_error_message(message)
                .with_node_id(c.node_id)
                .with_host(c.host)
                .with_port(c.port)
        };
        encode_response(header, version, &response)
    }
}
