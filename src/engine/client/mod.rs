//! Client state machines: the producer ([`producer::ProducerNode`]) and the consumer
//! ([`consumer::ConsumerNode`]).

pub mod consumer;
pub mod producer;
