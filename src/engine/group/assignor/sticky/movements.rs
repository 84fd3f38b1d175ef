//! `AbstractStickyAssignor.PartitionMovements`: the partitions moved so far in one general
//! sticky assignment, per topic and (from, to) member pair. When a partition should move
//! from A to B but another partition of the same topic already moved from B to A, Kafka
//! moves that one back instead, so no topic's partitions swap places between two members.
//! Which one comes back is the first in a Java `HashSet`'s order, reproduced here.

use super::super::java::JavaHashTable;
use super::super::TopicPartition;
use std::collections::BTreeMap;

/// `ConsumerPair`: a move from `src` to `dst`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ConsumerPair {
    src: String,
    dst: String,
}

#[derive(Debug, Default)]
pub(super) struct PartitionMovements {
    by_topic: BTreeMap<String, BTreeMap<ConsumerPair, JavaHashTable<TopicPartition>>>,
    movements: BTreeMap<TopicPartition, ConsumerPair>,
}

impl PartitionMovements {
    fn remove_movement_record(&mut self, tp: &TopicPartition) -> Option<ConsumerPair> {
        let pair = self.movements.remove(tp)?;
        if let Some(pairs) = self.by_topic.get_mut(tp.topic.as_str()) {
            if let Some(set) = pairs.get_mut(&pair) {
                set.remove(tp);
                if set.is_empty() {
                    pairs.remove(&pair);
                }
            }
            if pairs.is_empty() {
                self.by_topic.remove(tp.topic.as_str());
            }
        }
        Some(pair)
    }

    fn add_movement_record(&mut self, tp: &TopicPartition, pair: ConsumerPair) {
        self.movements.insert(tp.clone(), pair.clone());
        self.by_topic
            .entry(tp.topic.to_string())
            .or_default()
            .entry(pair)
            .or_insert_with(JavaHashTable::new)
            .insert(tp.clone());
    }

    /// `movePartition`: record that `tp` moves from `old` to `new`, folding a move back to
    /// its original member into no move at all.
    pub(super) fn move_partition(&mut self, tp: &TopicPartition, old: &str, new: &str) {
        if self.movements.contains_key(tp) {
            if let Some(existing) = self.remove_movement_record(tp) {
                if existing.src != new {
                    self.add_movement_record(tp, ConsumerPair { src: existing.src, dst: new.to_string() });
                }
            }
        } else {
            self.add_movement_record(tp, ConsumerPair { src: old.to_string(), dst: new.to_string() });
        }
    }

    /// `getTheActualPartitionToBeMoved`: the partition to move from `old` to `new` in
    /// place of `tp`.
    pub(super) fn actual_partition_to_move(
        &self,
        tp: &TopicPartition,
        old: &str,
        new: &str,
    ) -> TopicPartition {
        let Some(pairs) = self.by_topic.get(tp.topic.as_str()) else { return tp.clone() };
        let old = match self.movements.get(tp) {
            Some(previous) => previous.src.as_str(),
            None => old,
        };
        let reverse = ConsumerPair { src: new.to_string(), dst: old.to_string() };
        match pairs.get(&reverse).and_then(|set| set.first()) {
            Some(first) => first.clone(),
            None => tp.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(partition: u32) -> TopicPartition {
        TopicPartition { topic: "t".into(), partition }
    }

    #[test]
    fn moving_back_cancels_and_reverse_moves_are_reused() {
        let mut movements = PartitionMovements::default();
        movements.move_partition(&tp(0), "a", "b");
        movements.move_partition(&tp(1), "a", "b");
        // Moving some partition from b to a brings back one already moved a -> b.
        let back = movements.actual_partition_to_move(&tp(7), "b", "a");
        assert!(back == tp(0) || back == tp(1));
        movements.move_partition(&back, "b", "a");
        assert_eq!(movements.movements.len(), 1);
        assert_eq!(movements.actual_partition_to_move(&tp(5), "c", "d"), tp(5));
    }
}
