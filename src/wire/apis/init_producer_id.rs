//! InitProducerId 0–4 (`KafkaApis.handleInitProducerIdRequest`): one engine
//! InitProducerId to the connection's broker, whose producer-id manager hands out an id
//! from the block the controller granted it, with epoch 0 (`TransactionCoordinator
//! .handleInitProducerId` for a null `transactional.id`); COORDINATOR_LOAD_IN_PROGRESS
//! (retriable) while no block is at hand. The producer's batches then carry that id and
//! their sequences, and the partition leaders check them as Kafka's `ProducerStateManager`.
//! `producer_id`/`producer_epoch` exist from v3 (KIP-360); below they are -1.
//!
//! A `transactional.id` goes to the connection's broker too, whose transaction
//! coordinator answers for the ids of the `__transaction_state` partitions it leads
//! (NOT_COORDINATOR otherwise, and the client looks the coordinator up). Below v4,
//! PRODUCER_FENCED is answered INVALID_PRODUCER_EPOCH, as `KafkaApis` does for clients
//! that do not know the newer code.
//! An empty `transactional.id`, or a producer id without an epoch or the reverse, is
//! INVALID_REQUEST (`TransactionCoordinator.handleInitProducerId`, `KafkaApis`). Errors
//! carry id and epoch -1 (`initTransactionError`).

use super::{code, Ctx, Gather, INVALID_REQUEST};
use crate::engine::cluster::Message;
use crate::wire::request::{encode_response, Header};
use kafka_protocol::messages::{InitProducerIdRequest, InitProducerIdResponse, ProducerId};

pub struct InitProducerIdGather {
    id: Option<u64>,
    /// (error code, producer id, producer epoch) once answered.
    answer: Option<(i16, i64, i16)>,
}

pub fn start(request: &InitProducerIdRequest, ctx: &mut Ctx) -> InitProducerIdGather {
    let transactional_id = request.transactional_id.as_ref().map(|t| t.0.to_string());
    // One of producer id and epoch given without the other (KafkaApis), or an empty id.
    let half_given = (request.producer_id.0 == -1) != (request.producer_epoch == -1);
    if half_given || transactional_id.as_deref() == Some("") {
        return InitProducerIdGather { id: None, answer: Some((INVALID_REQUEST, -1, -1)) };
    }
    let id = ctx.send(ctx.broker, |correlation_id| Message::InitProducerIdRequest {
        correlation_id,
        transactional_id,
        transaction_timeout_ms: request.transaction_timeout_ms,
        producer_id: request.producer_id.0,
        producer_epoch: request.producer_epoch,
    });
    InitProducerIdGather { id: Some(id), answer: None }
}

impl InitProducerIdGather {
    pub fn is_done(&self) -> bool {
        self.answer.is_some()
    }
}

impl Gather for InitProducerIdGather {
    fn waits_on(&self, correlation_id: u64) -> bool {
        self.id == Some(correlation_id) && self.answer.is_none()
    }

    fn answer(&mut self, _ctx: &mut Ctx, message: &Message) -> bool {
        if let Message::InitProducerIdResponse { error, producer_id, producer_epoch, .. } = message {
            self.answer = Some(match error {
                None => (0, *producer_id, *producer_epoch),
                Some(_) => (code(*error), -1, -1),
            });
        }
        self.answer.is_some()
    }

    fn encode(&self, header: &Header) -> Result<Vec<u8>, String> {
        let (error, producer_id, producer_epoch) = self.answer.unwrap_or((INVALID_REQUEST, -1, -1));
        let error = super::txn::fenced_for(error, header.api_version, 4);
        let response = InitProducerIdResponse::default()
            .with_error_code(error)
            .with_producer_id(ProducerId(producer_id))
            .with_producer_epoch(producer_epoch);
        encode_response(header, header.api_version, &response)
    }
}
