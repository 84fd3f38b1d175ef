//! Consumer groups: what the group leader's client computes when a group rebalances.
//! [`assignor`] holds Kafka's client-side partition assignors (`range`, `roundrobin`,
//! `sticky`, `cooperative-sticky`) and the `ConsumerProtocol` bytes they travel in.

pub mod assignor;
