//! Client state machines: the producer ([`producer::ProducerNode`]) and the consumer
//! ([`consumer::ConsumerNode`]), and what they share ([`common`]).

pub mod common;
pub mod consumer;
pub mod producer;
