//! The Java client's default partitioning (`BuiltInPartitioner`, KIP-794).
//!
//! Keyed records (an empty key counts as a key): `toPositive(murmur2(key)) % numPartitions`.
//! Null keys go to the topic's sticky partition. The rule implemented here, per topic:
//!
//! 1. With no sticky partition yet, one is chosen uniformly at random among all partitions.
//! 2. The record goes to the sticky partition and its size is added to the bytes produced
//!    to it (`updatePartitionInfo`, called after the record is appended).
//! 3. If the produced bytes are now `>= batch.size`, a new sticky partition is chosen
//!    uniformly at random right away (it may be the same partition again, as in Java) and
//!    its byte count starts at 0.
//!
//! Simplifications of Java's adaptive partitioning, since there is no accumulator yet:
//! no queue-size weighting (`partitionLoadStats` is always null, so the choice is uniform,
//! which is also what Java does when all queues are equal); every partition counts as
//! available (no `partitioner.availability.timeout.ms`); the switch is always enabled
//! (Java may postpone it, up to 2 x `batch.size`, while the partition's last batch is not
//! full); the caller's `record_size_bytes` stands for Java's `appendedBytes`. Java draws
//! `toPositive(nextInt()) % n` from `ThreadLocalRandom`; here the draw is the seeded,
//! unbiased `Rng::below(n)`. A sticky partition beyond the current partition count
//! (impossible in Kafka, where partitions only grow) is re-chosen.

use super::kind::{partition_of_hash, PartitionerKind};
use super::selector::StickyPartition;
use crate::engine::error::Result;
use crate::engine::rng::Rng;

/// `BuiltInPartitioner.partitionForKey`: `toPositive(murmur2(key)) % partition_count`.
/// Errors with `PartitionsNotPositive` when `partition_count` is 0.
pub fn java_partition_for_key(key: &[u8], partition_count: u32) -> Result<u32> {
    let hash = PartitionerKind::BuiltIn.key_hash(Some(key)).unwrap_or_default();
    partition_of_hash(hash, partition_count)
}

/// One null-key record through the Java sticky rule (see the module doc). Takes the
/// topic's previous sticky state and returns the next one, the partition for this record
/// and whether this record is the first to go to that sticky partition.
/// `partition_count` must be at least 1 (the caller checks).
pub(super) fn java_sticky_partition(
    previous: Option<StickyPartition>,
    rng: &mut Rng,
    batch_size_bytes: u32,
    record_size_bytes: u32,
    partition_count: u32,
    now_ms: u64,
) -> (StickyPartition, u32, bool) {
    let mut sticky = match previous {
        Some(sticky) if sticky.partition < partition_count => sticky,
        _ => StickyPartition::chosen(rng.below(partition_count), now_ms),
    };
    let partition = sticky.partition;
    let newly_chosen = sticky.record_count == 0;
    sticky.record_count += 1;
    sticky.produced_bytes = sticky.produced_bytes.saturating_add(u64::from(record_size_bytes));
    // KafkaProducer passes max(1, batch.size) as the sticky batch size.
    if sticky.produced_bytes >= u64::from(batch_size_bytes.max(1)) {
        sticky = StickyPartition::chosen(rng.below(partition_count), now_ms);
    }
    (sticky, partition, newly_chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_key_is_hashed_not_sticky() {
        // murmur2("") = 275646681; 275646681 % 100 = 81.
        assert_eq!(java_partition_for_key(b"", 100), Ok(81));
        assert!(java_partition_for_key(b"", 0).is_err());
    }

    #[test]
    fn switches_after_batch_size_bytes_are_produced() {
        let n = 1000;
        let mut model = Rng::new(5);
        let first = model.below(n);
        let second = model.below(n);
        let mut rng = Rng::new(5);
        let mut state = None;
        let mut seen = Vec::new();
        for i in 0..5u64 {
            let (next, partition, newly) = java_sticky_partition(state, &mut rng, 100, 30, n, i);
            seen.push((partition, newly));
            state = Some(next);
        }
        // 30, 60, 90, 120 bytes: the 4th record reaches 100 and moves the sticky partition.
        assert_eq!(seen, vec![(first, true), (first, false), (first, false), (first, false), (second, true)]);
    }

    #[test]
    fn zero_batch_size_switches_after_every_record() {
        let mut rng = Rng::new(1);
        // batch.size 0 acts as 1: a 1-byte record already fills the "batch".
        let (next, _, _) = java_sticky_partition(None, &mut rng, 0, 1, 3, 0);
        assert_eq!(next.record_count, 0, "a new sticky partition was chosen");
    }

    #[test]
    fn sticky_partition_beyond_partition_count_is_rechosen() {
        let mut rng = Rng::new(2);
        let stale = StickyPartition::chosen(7, 0);
        let (_, partition, newly) = java_sticky_partition(Some(stale), &mut rng, 100, 1, 3, 0);
        assert!(partition < 3 && newly);
    }
}
