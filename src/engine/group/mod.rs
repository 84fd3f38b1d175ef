//! Consumer groups. [`coordinator`] is the broker side of Kafka's classic group protocol
//! (the group coordinator, its place in `__consumer_offsets`, the records it writes
//! there); [`assignor`] holds Kafka's client-side partition assignors (`range`,
//! `roundrobin`, `sticky`, `cooperative-sticky`) the group leader runs. The rest of the
//! client side (and the `ConsumerProtocol` bytes) lives in `client::consumer`.

pub mod assignor;
pub mod coordinator;
