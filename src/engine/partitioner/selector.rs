//! [`Partitioner`]: the stateful part of partitioning a producer keeps, one seeded random
//! stream and one sticky partition per topic, driven by the caller's `now_ms`.
//!
//! Every random choice is a draw of `Rng::new(seed).below(partition_count)`, in record
//! order, so a run with the same seed, times and records picks the same partitions.

use super::java::java_sticky_partition;
use super::kind::{partition_of_hash, partitions_not_positive, PartitionerConfig, PartitionerKind};
use super::librdkafka::rd_sticky_partition;
use crate::engine::error::Result;
use crate::engine::rng::Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A topic's current sticky partition and what has gone to it since it was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StickyPartition {
    pub partition: u32,
    /// When it was chosen (librdkafka re-chooses after `sticky.partitioning.linger.ms`).
    pub chosen_at_ms: u64,
    /// Record bytes sent to it since then (Java re-chooses at `batch.size`).
    pub produced_bytes: u64,
    pub record_count: u64,
}

impl StickyPartition {
    pub(super) fn chosen(partition: u32, now_ms: u64) -> Self {
        StickyPartition { partition, chosen_at_ms: now_ms, produced_bytes: 0, record_count: 0 }
    }
}

/// Why a record went to its partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PartitionReason {
    /// The partitioner function hashed the key: partition = `hash % partition_count`.
    KeyHash { hash: u32 },
    /// The partitioner function picked a uniformly random partition for this record alone.
    Random,
    /// The topic's sticky partition; `newly_chosen` when this record is the first sent to it
    /// since it was (re)chosen.
    Sticky { newly_chosen: bool },
}

/// The partition of one record and the reason for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionChoice {
    pub partition: u32,
    pub reason: PartitionReason,
}

/// A producer's partitioner with its state: kind, config, random stream, sticky partitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partitioner {
    kind: PartitionerKind,
    config: PartitionerConfig,
    rng: Rng,
    sticky_partitions: BTreeMap<String, StickyPartition>,
}

impl Partitioner {
    /// A partitioner whose random choices all come from `seed`.
    pub fn new(kind: PartitionerKind, config: PartitionerConfig, seed: u64) -> Self {
        Partitioner { kind, config, rng: Rng::new(seed), sticky_partitions: BTreeMap::new() }
    }

    pub fn kind(&self) -> PartitionerKind {
        self.kind
    }

    pub fn config(&self) -> PartitionerConfig {
        self.config
    }

    /// The topic's current sticky partition, if a record has needed one yet.
    pub fn sticky_partition(&self, topic: &str) -> Option<&StickyPartition> {
        self.sticky_partitions.get(topic)
    }

    /// Drops a topic's sticky state (e.g. the topic was deleted).
    pub fn forget_topic(&mut self, topic: &str) {
        self.sticky_partitions.remove(topic);
    }

    /// The partition for one record. `record_size_bytes` is what the record adds to its
    /// batch (Java's sticky partition moves after `batch.size` of them). Errors with
    /// `PartitionsNotPositive` when `partition_count` is 0, changing no state.
    pub fn partition(
        &mut self,
        now_ms: u64,
        topic: &str,
        key: Option<&[u8]>,
        record_size_bytes: u32,
        partition_count: u32,
    ) -> Result<u32> {
        self.choose(now_ms, topic, key, record_size_bytes, partition_count).map(|choice| choice.partition)
    }

    /// Like [`Partitioner::partition`], also saying why.
    pub fn choose(
        &mut self,
        now_ms: u64,
        topic: &str,
        key: Option<&[u8]>,
        record_size_bytes: u32,
        partition_count: u32,
    ) -> Result<PartitionChoice> {
        if partition_count == 0 {
            return Err(partitions_not_positive());
        }
        let linger_ms = self.config.sticky_partitioning_linger_ms;
        if self.kind.uses_sticky_partition(key, linger_ms) {
            let (name, previous) = match self.sticky_partitions.remove_entry(topic) {
                Some((name, sticky)) => (name, Some(sticky)),
                None => (topic.to_string(), None),
            };
            let (next, partition, newly_chosen) = if self.kind.is_java() {
                java_sticky_partition(
                    previous,
                    &mut self.rng,
                    self.config.batch_size_bytes,
                    record_size_bytes,
                    partition_count,
                    now_ms,
                )
            } else {
                rd_sticky_partition(
                    previous,
                    &mut self.rng,
                    linger_ms,
                    record_size_bytes,
                    partition_count,
                    now_ms,
                )
            };
            self.sticky_partitions.insert(name, next);
            let reason = PartitionReason::Sticky { newly_chosen };
            return Ok(PartitionChoice { partition, reason });
        }
        match self.kind.key_hash(key) {
            Some(hash) => Ok(PartitionChoice {
                partition: partition_of_hash(hash, partition_count)?,
                reason: PartitionReason::KeyHash { hash },
            }),
            None => Ok(PartitionChoice {
                partition: self.rng.below(partition_count),
                reason: PartitionReason::Random,
            }),
        }
    }
}

/// What one record counts toward `batch.size` for Java's sticky partition (its
/// `appendedBytes`): `DefaultRecord.sizeInBytes` at offset and timestamp delta 0. Java
/// counts the batch's exact growth after the append (a few bytes more for later deltas,
/// plus the 61-byte header for a record that opens a batch); the producer client and the
/// CLI's `produce` both use this one rule, so they switch partitions at the same records.
pub fn sticky_size_hint(
    key: Option<&[u8]>,
    value_len: Option<usize>,
    headers: &[crate::engine::record::Header],
) -> u32 {
    crate::engine::record::default_record::record_size_in_bytes(
        0,
        0,
        key.map(<[u8]>::len),
        value_len,
        headers,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::error::ErrorKind;

    fn config(batch_size_bytes: u32, sticky_partitioning_linger_ms: u64) -> PartitionerConfig {
        PartitionerConfig { batch_size_bytes, sticky_partitioning_linger_ms }
    }

    #[test]
    fn zero_partitions_is_an_error_for_every_kind() {
        for kind in PartitionerKind::ALL {
            let mut p = Partitioner::new(kind, PartitionerConfig::default(), 1);
            for key in [None, Some(&b""[..]), Some(&b"k"[..])] {
                let err = p.partition(0, "t", key, 10, 0).unwrap_err();
                assert_eq!(err.kind, ErrorKind::PartitionsNotPositive { partitions: 0 });
            }
            assert_eq!(p.sticky_partition("t"), None);
        }
    }

    #[test]
    fn java_null_keys_follow_the_sticky_partition_per_topic() {
        let n = 1000;
        let mut model = Rng::new(4);
        let (a1, b1, a2) = (model.below(n), model.below(n), model.below(n));
        let mut p = Partitioner::new(PartitionerKind::BuiltIn, config(100, 10), 4);
        assert_eq!(p.partition(0, "a", None, 60, n), Ok(a1));
        assert_eq!(p.partition(0, "b", None, 10, n), Ok(b1));
        // Keyed records neither move nor count towards the sticky partition.
        let keyed = p.choose(0, "a", Some(b"abc"), 1000, n).unwrap();
        assert_eq!(keyed.reason, PartitionReason::KeyHash { hash: 479_470_107 });
        assert_eq!(p.partition(0, "a", None, 40, n), Ok(a1));
        assert_eq!(p.sticky_partition("a").map(|s| s.partition), Some(a2));
        let next = p.choose(0, "a", None, 1, n).unwrap();
        assert_eq!(
            next,
            PartitionChoice { partition: a2, reason: PartitionReason::Sticky { newly_chosen: true } }
        );
        assert_eq!(p.sticky_partition("b").map(|s| s.produced_bytes), Some(10));
    }

    #[test]
    fn librdkafka_random_picks_per_message_for_keys_and_sticks_for_null() {
        let mut p = Partitioner::new(PartitionerKind::Random, config(16_384, 10), 6);
        let keyed: Vec<u32> = (0..50).map(|_| p.partition(0, "t", Some(b"k"), 1, 17).unwrap()).collect();
        assert!(keyed.iter().any(|&x| x != keyed[0]), "random must vary per keyed message");
        let null: Vec<u32> = (0..50).map(|_| p.partition(5, "t", None, 1, 17).unwrap()).collect();
        assert!(null.iter().all(|&x| x == null[0]), "NULL keys stick within the linger window");
    }

    #[test]
    fn same_seed_same_choices_and_snapshot_resumes() {
        let run = |p: &mut Partitioner| -> Vec<u32> {
            (0..40u64).map(|i| p.partition(i * 7, "t", None, 500, 5).unwrap()).collect()
        };
        for kind in PartitionerKind::ALL {
            let mut a = Partitioner::new(kind, config(1000, 10), 99);
            let mut b = Partitioner::new(kind, config(1000, 10), 99);
            assert_eq!(run(&mut a), run(&mut b), "{}", kind.name());
            let mut restored: Partitioner =
                serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
            assert_eq!(run(&mut restored), run(&mut a), "{}", kind.name());
        }
    }
}
