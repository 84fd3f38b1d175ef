//! The few `java.lang`/`java.util` behaviours whose results Kafka's assignors depend on,
//! reproduced so the assignments match the Java client's exactly:
//!
//! * [`compare`]: `String.compareTo` (UTF-16 code units, not UTF-8 bytes);
//! * [`string_hash`] / [`topic_partition_hash`]: `String.hashCode` and
//!   `TopicPartition.hashCode`;
//! * [`JavaHashTable`]: the iteration order of a `java.util.HashMap`/`HashSet`, which is
//!   fixed by the keys' hashes, the table's capacity history and the insertion order.
//!   Kafka iterates such maps when it decides which member keeps its owned partitions
//!   first and which partition a sticky reassignment moves.

use crate::engine::cluster::messages::TopicPartition;
use std::cmp::Ordering;

/// `String.compareTo`: lexicographic over UTF-16 code units.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// A string ordered as Java orders it, for sorted sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JavaString(pub String);

impl Ord for JavaString {
    fn cmp(&self, other: &Self) -> Ordering {
        compare(&self.0, &other.0)
    }
}

impl PartialOrd for JavaString {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `String.hashCode`: `s[0]*31^(n-1) + ... + s[n-1]` over UTF-16 code units, wrapping.
pub(crate) fn string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| h.wrapping_mul(31).wrapping_add(i32::from(unit)))
}

/// `TopicPartition.hashCode`: `31 * (31 + partition) + topic.hashCode()`.
pub(crate) fn topic_partition_hash(tp: &TopicPartition) -> i32 {
    31i32.wrapping_add(tp.partition as i32).wrapping_mul(31).wrapping_add(string_hash(&tp.topic))
}

/// Keys a [`JavaHashTable`] can hold: anything with a Java `hashCode`.
pub(crate) trait JavaHash {
    fn java_hash(&self) -> i32;
}

impl JavaHash for String {
    fn java_hash(&self) -> i32 {
        string_hash(self)
    }
}

impl JavaHash for TopicPartition {
    fn java_hash(&self) -> i32 {
        topic_partition_hash(self)
    }
}

const DEFAULT_INITIAL_CAPACITY: usize = 16;
const MAXIMUM_CAPACITY: usize = 1 << 30;
const TREEIFY_THRESHOLD: usize = 8;
const MIN_TREEIFY_CAPACITY: usize = 64;

/// The key order of a `java.util.HashMap` (and so of a `HashSet`): buckets in index order,
/// each bucket in insertion order. Resizes happen exactly when Java's do (load factor
/// 0.75, and when a bucket passes 8 entries in a table smaller than 64), and split buckets
/// keep their relative order, as Java's do. A bucket Java turns into a red-black tree
/// (9+ colliding keys in a table of 64+) keeps insertion order here, where Java's differs;
/// that needs hundreds of keys in one bucket and is not modelled.
#[derive(Debug, Clone)]
pub(crate) struct JavaHashTable<K> {
    /// Empty until the first insert (Java's `table == null`).
    buckets: Vec<Vec<K>>,
    /// Java's `threshold`: the resize point (0 before the table exists).
    threshold: usize,
    len: usize,
}

impl<K: JavaHash + PartialEq> JavaHashTable<K> {
    /// `new HashMap<>()` / `new HashSet<>()`.
    pub(crate) fn new() -> Self {
        JavaHashTable { buckets: Vec::new(), threshold: 0, len: 0 }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `put`/`add`: a new key goes to the end of its bucket; an existing key keeps its
    /// place. Returns whether the key was new.
    pub(crate) fn insert(&mut self, key: K) -> bool {
        if self.buckets.is_empty() {
            self.resize();
        }
        let index = self.index_of(&key);
        let bucket = &mut self.buckets[index];
        if bucket.contains(&key) {
            return false;
        }
        let before = bucket.len();
        bucket.push(key);
        // Java's treeifyBin: a bin reaching TREEIFY_THRESHOLD + 1 nodes resizes a small table.
        if before >= TREEIFY_THRESHOLD && self.buckets.len() < MIN_TREEIFY_CAPACITY {
            self.resize();
        }
        self.len += 1;
        if self.len > self.threshold {
            self.resize();
        }
        true
    }

    /// `computeIfAbsent` (as `Collectors.groupingBy` fills its map): unlike `put`, a new
    /// key goes to the head of its bucket, and the table grows before an insert that finds
    /// it over its threshold rather than after. Returns whether the key was new.
    pub(crate) fn compute_if_absent(&mut self, key: K) -> bool {
        if self.len > self.threshold || self.buckets.is_empty() {
            self.resize();
        }
        let index = self.index_of(&key);
        let bucket = &mut self.buckets[index];
        if bucket.contains(&key) {
            return false;
        }
        let before = bucket.len();
        bucket.insert(0, key);
        if before >= TREEIFY_THRESHOLD - 1 && self.buckets.len() < MIN_TREEIFY_CAPACITY {
            self.resize();
        }
        self.len += 1;
        true
    }

    /// `remove`: the table never shrinks.
    pub(crate) fn remove(&mut self, key: &K) -> bool {
        if self.buckets.is_empty() {
            return false;
        }
        let index = self.index_of(key);
        let bucket = &mut self.buckets[index];
        match bucket.iter().position(|k| k == key) {
            Some(at) => {
                bucket.remove(at);
                self.len -= 1;
                true
            }
            None => false,
        }
    }

    /// Keys in Java's iteration order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &K> {
        self.buckets.iter().flatten()
    }

    /// `iterator().next()`.
    pub(crate) fn first(&self) -> Option<&K> {
        self.iter().next()
    }

    fn index_of(&self, key: &K) -> usize {
        let h = key.java_hash() as u32;
        let spread = h ^ (h >> 16);
        spread as usize & (self.buckets.len() - 1)
    }

    /// `HashMap.resize`.
    fn resize(&mut self) {
        let old_cap = self.buckets.len();
        let old_thr = self.threshold;
        let (new_cap, new_thr) = if old_cap > 0 {
            if old_cap >= MAXIMUM_CAPACITY {
                self.threshold = usize::MAX;
                return;
            }
            let new_cap = old_cap * 2;
            let thr = if new_cap < MAXIMUM_CAPACITY && old_cap >= DEFAULT_INITIAL_CAPACITY {
                old_thr * 2
            } else {
                0
            };
            (new_cap, thr)
        } else if old_thr > 0 {
            (old_thr, 0)
        } else {
            (DEFAULT_INITIAL_CAPACITY, DEFAULT_INITIAL_CAPACITY * 3 / 4)
        };
        let new_thr = if new_thr == 0 { new_cap * 3 / 4 } else { new_thr };
        let mut buckets: Vec<Vec<K>> = (0..new_cap).map(|_| Vec::new()).collect();
        for key in std::mem::take(&mut self.buckets).into_iter().flatten() {
            let h = key.java_hash() as u32;
            let index = (h ^ (h >> 16)) as usize & (new_cap - 1);
            buckets[index].push(key);
        }
        self.buckets = buckets;
        self.threshold = new_thr;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(topic: &str, partition: u32) -> TopicPartition {
        TopicPartition { topic: topic.into(), partition }
    }

    #[test]
    fn hashes_match_java() {
        // "consumer1".hashCode() == -421004549 in Java.
        assert_eq!(string_hash("consumer1"), -421_004_549);
        assert_eq!(string_hash(""), 0);
        // new TopicPartition("topic", 0).hashCode() == 31 * 31 + "topic".hashCode()
        assert_eq!(topic_partition_hash(&tp("topic", 0)), 961i32.wrapping_add(string_hash("topic")));
    }

    #[test]
    fn compare_is_utf16_order() {
        // U+FF61 sorts after U+10000 in UTF-8 byte order but before it in UTF-16.
        assert_eq!(compare("\u{FF61}", "\u{10000}"), Ordering::Greater);
        assert_eq!("\u{FF61}".cmp("\u{10000}"), Ordering::Less);
        assert_eq!(compare("consumer1", "consumer2"), Ordering::Less);
    }

    #[test]
    fn hash_map_order_follows_buckets() {
        // Java: a HashMap with consumer1..3 iterates consumer3, consumer2, consumer1.
        let mut table = JavaHashTable::new();
        for key in ["consumer1", "consumer2", "consumer3"] {
            table.insert(key.to_string());
        }
        let order: Vec<&str> = table.iter().map(String::as_str).collect();
        assert_eq!(order, ["consumer3", "consumer2", "consumer1"]);
        // "a1" and "zz" share bucket 0: put keeps insertion order, computeIfAbsent reverses it.
        let mut put = JavaHashTable::new();
        let mut computed = JavaHashTable::new();
        for key in ["a1", "zz"] {
            put.insert(key.to_string());
            computed.compute_if_absent(key.to_string());
        }
        assert_eq!(put.iter().map(String::as_str).collect::<Vec<_>>(), ["a1", "zz"]);
        assert_eq!(computed.iter().map(String::as_str).collect::<Vec<_>>(), ["zz", "a1"]);
        assert!(!table.insert("consumer2".to_string()));
        assert!(table.remove(&"consumer3".to_string()));
        assert_eq!(table.first().map(String::as_str), Some("consumer2"));
        assert_eq!(table.iter().count(), 2);
    }

    #[test]
    fn hash_map_grows_like_java() {
        let mut table = JavaHashTable::new();
        for i in 0..100 {
            table.insert(format!("member-{i}"));
        }
        // 100 keys: thresholds 12, 24, 48, 96 passed -> capacity 256.
        assert_eq!(table.buckets.len(), 256);
        assert_eq!(table.len, 100);
    }
}
