//! Consumer groups. [`coordinator`] is the broker side of Kafka's classic group protocol
//! (the group coordinator, its place in `__consumer_offsets`, the records it writes there).
//! The client side lives in `client::consumer`.

pub mod coordinator;
