//! Client state machines: the producer ([`producer::ProducerNode`]).

pub mod producer;
