//! Partitioners: key -> partition, bit-exact with Kafka's Java client and librdkafka.
//!
//! * Pure hashes: [`murmur2`] / [`to_positive`] (Kafka `Utils`), [`rd_murmur2`],
//!   [`rd_fnv1a`], [`rd_crc32`] (librdkafka), and [`java_partition_for_key`].
//! * [`PartitionerKind`] names a partitioner by its config string and answers, purely,
//!   whether a key goes to the sticky partition and what it hashes to.
//! * [`Partitioner`] keeps the state: a seeded [`Rng`](crate::engine::rng::Rng) and one
//!   sticky partition per topic (Java: moved after `batch.size` bytes; librdkafka: after
//!   `sticky.partitioning.linger.ms`). The `java` and `librdkafka` modules document the
//!   exact rules and where they simplify the clients.

mod crc32;
mod fnv1a;
mod java;
mod kind;
mod librdkafka;
mod murmur2;
mod selector;

pub use crc32::rd_crc32;
pub use fnv1a::rd_fnv1a;
pub use java::java_partition_for_key;
pub use kind::{partition_of_hash, PartitionerConfig, PartitionerKind};
pub use murmur2::{murmur2, rd_murmur2, to_positive};
pub use selector::{sticky_size_hint, PartitionChoice, PartitionReason, Partitioner, StickyPartition};
