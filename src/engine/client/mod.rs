//! Client state machines: the producer ([`producer::ProducerNode`]), the consumer
//! ([`consumer::ConsumerNode`]), a consume-transform-produce process with one of each
//! ([`pipeline::PipelineNode`]), and what they share ([`common`]).

pub mod common;
pub mod consumer;
pub mod pipeline;
pub mod producer;
