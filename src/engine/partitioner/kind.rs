//! Which partitioner a producer uses, its config, and the two pure questions every record
//! asks of it: does this key go to the sticky partition, and if not, what does the key hash to.
//!
//! Names are the config strings: `built_in` for the Java client's default (`partitioner.class`
//! unset) and librdkafka's `partitioner` values. The decision rules follow
//! `BuiltInPartitioner`/`KafkaProducer.partition` (Java) and `rd_kafka_msg_partitioner`
//! plus the topic's `random_partitioner` flag (librdkafka `rdkafka_msg.c`, `rdkafka_topic.c`).

use super::crc32::rd_crc32;
use super::fnv1a::rd_fnv1a;
use super::murmur2::{murmur2, rd_murmur2, to_positive};
use crate::engine::error::{ConfigProblem, KafkaError, Result};
use serde::{Deserialize, Serialize};

/// A producer's partitioner: the Java client's default or one of librdkafka's built-ins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionerKind {
    /// Java client default (KIP-794): murmur2 for keys, sticky partition for null keys.
    #[default]
    BuiltIn,
    /// librdkafka `random`: uniform random partition per keyed message.
    Random,
    /// librdkafka `consistent`: CRC-32 of the key (NULL and empty hash to 0).
    Consistent,
    /// librdkafka `consistent_random` (librdkafka's default): CRC-32, random if keylen is 0.
    ConsistentRandom,
    /// librdkafka `murmur2`: Java-compatible murmur2 (NULL hashes like the empty key).
    Murmur2,
    /// librdkafka `murmur2_random`: murmur2, random for NULL keys (empty keys are hashed).
    Murmur2Random,
    /// librdkafka `fnv1a`: FNV-1a (NULL hashes like the empty key).
    Fnv1a,
    /// librdkafka `fnv1a_random`: FNV-1a, random for NULL keys.
    Fnv1aRandom,
}

impl PartitionerKind {
    /// Every partitioner, Java's first, then librdkafka's in its documentation order.
    pub const ALL: [PartitionerKind; 8] = [
        PartitionerKind::BuiltIn,
        PartitionerKind::Random,
        PartitionerKind::Consistent,
        PartitionerKind::ConsistentRandom,
        PartitionerKind::Murmur2,
        PartitionerKind::Murmur2Random,
        PartitionerKind::Fnv1a,
        PartitionerKind::Fnv1aRandom,
    ];

    /// The config string (`built_in`, or librdkafka's `partitioner` value).
    pub fn name(self) -> &'static str {
        match self {
            PartitionerKind::BuiltIn => "built_in",
            PartitionerKind::Random => "random",
            PartitionerKind::Consistent => "consistent",
            PartitionerKind::ConsistentRandom => "consistent_random",
            PartitionerKind::Murmur2 => "murmur2",
            PartitionerKind::Murmur2Random => "murmur2_random",
            PartitionerKind::Fnv1a => "fnv1a",
            PartitionerKind::Fnv1aRandom => "fnv1a_random",
        }
    }

    /// Parses a config string; anything else is `INVALID_CONFIG` for `partitioner`.
    pub fn from_name(name: &str) -> Result<PartitionerKind> {
        PartitionerKind::ALL.into_iter().find(|kind| kind.name() == name).ok_or_else(|| {
            let allowed = PartitionerKind::ALL.iter().map(|k| k.name().to_string()).collect();
            KafkaError::invalid_config("partitioner", name, ConfigProblem::NotOneOf { allowed })
        })
    }

    /// True for the Java client's partitioner, false for librdkafka's.
    pub fn is_java(self) -> bool {
        self == PartitionerKind::BuiltIn
    }

    /// librdkafka's per-topic `random_partitioner` flag: true means the sticky partition is
    /// disabled and every message goes through the partitioner function. It is true when
    /// `sticky.partitioning.linger.ms` is 0 or the partitioner is consistent, murmur2 or
    /// fnv1a. Meaningless (false) for the Java client.
    pub fn random_partitioner(self, sticky_partitioning_linger_ms: u64) -> bool {
        match self {
            PartitionerKind::BuiltIn => false,
            PartitionerKind::Consistent | PartitionerKind::Murmur2 | PartitionerKind::Fnv1a => true,
            _ => sticky_partitioning_linger_ms == 0,
        }
    }

    /// Whether a record with this key goes to the topic's sticky partition instead of the
    /// partitioner function. Java: every null key. librdkafka (unless `random_partitioner`):
    /// every NULL key, and an empty key under `consistent_random`.
    pub fn uses_sticky_partition(self, key: Option<&[u8]>, sticky_partitioning_linger_ms: u64) -> bool {
        if self.is_java() {
            return key.is_none();
        }
        if self.random_partitioner(sticky_partitioning_linger_ms) {
            return false;
        }
        match key {
            None => true,
            Some(bytes) => bytes.is_empty() && self == PartitionerKind::ConsistentRandom,
        }
    }

    /// What the partitioner function maps `key` with (the partition is this modulo the
    /// partition count), or `None` when it picks a uniformly random partition instead.
    /// The value is already non-negative as each client makes it:
    /// Java and librdkafka murmur2: `murmur2 & 0x7fffffff`; fnv1a: `rd_fnv1a` (sign folded);
    /// consistent: `rd_crc32`. librdkafka's deterministic partitioners hash NULL as empty.
    /// For `BuiltIn` a null key gives `None` (it is never hashed: see the sticky partition).
    pub fn key_hash(self, key: Option<&[u8]>) -> Option<u32> {
        let bytes = key.unwrap_or(&[]);
        let keylen_zero = bytes.is_empty();
        match self {
            PartitionerKind::BuiltIn => key.map(|k| to_positive(murmur2(k)) as u32),
            PartitionerKind::Random => None,
            PartitionerKind::Consistent => Some(rd_crc32(bytes)),
            PartitionerKind::ConsistentRandom => (!keylen_zero).then(|| rd_crc32(bytes)),
            PartitionerKind::Murmur2 => Some(rd_murmur2(bytes) & 0x7fff_ffff),
            PartitionerKind::Murmur2Random => key.map(|k| rd_murmur2(k) & 0x7fff_ffff),
            PartitionerKind::Fnv1a => Some(rd_fnv1a(bytes)),
            PartitionerKind::Fnv1aRandom => key.map(rd_fnv1a),
        }
    }
}

/// Producer settings the partitioners read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionerConfig {
    /// Java `batch.size` (default 16384): the Java client moves its sticky partition after
    /// this many bytes have gone to it. 0 behaves as 1, as `KafkaProducer` clamps it.
    pub batch_size_bytes: u32,
    /// librdkafka `sticky.partitioning.linger.ms` (default 10 = 2 x `linger.ms` 5): how
    /// long a sticky partition is kept. 0 disables the sticky partition.
    pub sticky_partitioning_linger_ms: u64,
}

impl Default for PartitionerConfig {
    fn default() -> Self {
        PartitionerConfig { batch_size_bytes: 16_384, sticky_partitioning_linger_ms: 10 }
    }
}

/// `hash % partition_count`, refusing a partition count of 0.
pub fn partition_of_hash(hash: u32, partition_count: u32) -> Result<u32> {
    hash.checked_rem(partition_count).ok_or_else(partitions_not_positive)
}

pub(crate) fn partitions_not_positive() -> KafkaError {
    KafkaError::new(crate::engine::error::ErrorKind::PartitionsNotPositive { partitions: 0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::error::ErrorCode;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for kind in PartitionerKind::ALL {
            assert_eq!(PartitionerKind::from_name(kind.name()), Ok(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
        }
        let err = PartitionerKind::from_name("sticky").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidConfig);
        assert!(err.to_string().contains("consistent_random"));
    }

    #[test]
    fn random_partitioner_flag_follows_librdkafka() {
        use PartitionerKind::*;
        for kind in [Consistent, Murmur2, Fnv1a] {
            assert!(kind.random_partitioner(10) && kind.random_partitioner(0));
        }
        for kind in [Random, ConsistentRandom, Murmur2Random, Fnv1aRandom] {
            assert!(!kind.random_partitioner(10) && kind.random_partitioner(0));
        }
    }

    #[test]
    fn sticky_applies_to_null_keys_and_consistent_random_empty_keys() {
        use PartitionerKind::*;
        assert!(BuiltIn.uses_sticky_partition(None, 0));
        assert!(!BuiltIn.uses_sticky_partition(Some(b""), 10));
        assert!(Random.uses_sticky_partition(None, 10));
        assert!(!Random.uses_sticky_partition(Some(b""), 10));
        assert!(ConsistentRandom.uses_sticky_partition(Some(b""), 10));
        assert!(!ConsistentRandom.uses_sticky_partition(Some(b"k"), 10));
        assert!(!Murmur2Random.uses_sticky_partition(Some(b""), 10));
        assert!(!Murmur2.uses_sticky_partition(None, 10));
        assert!(!Fnv1aRandom.uses_sticky_partition(None, 0));
    }

    #[test]
    fn zero_partitions_is_an_error() {
        let err = partition_of_hash(5, 0).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidPartitions);
        assert_eq!(partition_of_hash(5, 3), Ok(2));
    }
}
