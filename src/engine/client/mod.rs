//! Client state machines: the producer ([`producer::ProducerNode`]).
