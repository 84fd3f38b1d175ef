//! librdkafka's sticky partition for NULL keys (`rd_kafka_msg_sticky_partition`).
//!
//! The rule, per topic, for records that [`PartitionerKind::uses_sticky_partition`] sends
//! here: if there is no sticky partition yet, or it no longer exists (librdkafka: "not
//! available", which expedites the interval), or more than `sticky.partitioning.linger.ms`
//! have passed since it was chosen (`rd_interval` fires when `now > last + interval`,
//! strictly), a new one is chosen uniformly at random (`rd_kafka_msg_partitioner_random`,
//! may repeat the old one) and its time is `now_ms`. The record goes to the sticky
//! partition. All other records go through the partitioner function: the key hash modulo
//! the partition count ([`PartitionerKind::key_hash`]) or, when it has none, a uniform
//! random partition per message (`rd_jitter(0, partition_cnt - 1)`). Every partition
//! counts as available, so the second random draw librdkafka makes for an unavailable
//! partition never happens here.
//!
//! [`PartitionerKind::uses_sticky_partition`]: super::PartitionerKind::uses_sticky_partition
//! [`PartitionerKind::key_hash`]: super::PartitionerKind::key_hash

use super::selector::StickyPartition;
use crate::engine::rng::Rng;

/// One record through librdkafka's sticky rule (see the module doc). Takes the topic's
/// previous sticky state and returns the next one, the partition for this record and
/// whether this record is the first to go to that sticky partition.
/// `partition_count` must be at least 1 (the caller checks).
pub(super) fn rd_sticky_partition(
    previous: Option<StickyPartition>,
    rng: &mut Rng,
    sticky_partitioning_linger_ms: u64,
    record_size_bytes: u32,
    partition_count: u32,
    now_ms: u64,
) -> (StickyPartition, u32, bool) {
    let mut sticky = match previous {
        Some(sticky)
            if sticky.partition < partition_count
                && now_ms <= sticky.chosen_at_ms.saturating_add(sticky_partitioning_linger_ms) =>
        {
            sticky
        }
        _ => StickyPartition::chosen(rng.below(partition_count), now_ms),
    };
    let partition = sticky.partition;
    let newly_chosen = sticky.record_count == 0;
    sticky.record_count += 1;
    sticky.produced_bytes = sticky.produced_bytes.saturating_add(u64::from(record_size_bytes));
    (sticky, partition, newly_chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_through_the_linger_window_and_rechosen_after_it() {
        let n = 1000;
        let mut model = Rng::new(8);
        let first = model.below(n);
        let second = model.below(n);
        let mut rng = Rng::new(8);
        let mut state = None;
        let mut seen = Vec::new();
        for now_ms in [100, 105, 110, 111, 121] {
            let (next, partition, newly) = rd_sticky_partition(state, &mut rng, 10, 1, n, now_ms);
            seen.push((partition, newly));
            state = Some(next);
        }
        assert_eq!(
            seen,
            vec![(first, true), (first, false), (first, false), (second, true), (second, false)]
        );
    }

    #[test]
    fn first_record_at_time_zero_chooses_a_partition() {
        let mut rng = Rng::new(1);
        let (state, partition, newly) = rd_sticky_partition(None, &mut rng, 10, 5, 4, 0);
        assert!(partition < 4 && newly);
        assert_eq!((state.chosen_at_ms, state.produced_bytes, state.record_count), (0, 5, 1));
    }

    #[test]
    fn vanished_partition_is_rechosen_inside_the_window() {
        let mut rng = Rng::new(3);
        let stale = StickyPartition::chosen(9, 50);
        let (_, partition, newly) = rd_sticky_partition(Some(stale), &mut rng, 10, 1, 2, 51);
        assert!(partition < 2 && newly);
    }
}
