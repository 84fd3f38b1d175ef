//! The playground's own bounds on every size and count a page form or a scenario file can
//! set, so one browser tab (and the CLI) stays healthy: Kafka itself has no upper bound
//! on a topic's partitions or a cluster's topics, but a tab that draws every replica and
//! keeps every log in memory and IndexedDB does. Invariant: the controller
//! ([`crate::engine::controller`]) and scenario validation check the same constants, so
//! nothing the page or a file asks for can exceed them; a refusal carries Kafka's error
//! code for the thing refused (`INVALID_PARTITIONS` for a partition count, as Kafka's
//! `ReplicationControlManager.createTopic` answers a count below 1) and a message in
//! Kafka's style that says the bound is the playground's.
//!
//! Why each number:
//! * [`MAX_PARTITIONS_PER_TOPIC`] 64: every partition is a strip on the page; 64 still
//!   holds `__consumer_offsets`' default 50 (`offsets.topic.num.partitions`).
//! * [`MAX_PARTITION_REPLICAS_PER_CLUSTER`] 768: each replica is a log (and its
//!   IndexedDB documents) in a broker worker; 100 000 of them froze every later page load
//!   for ~70 s (~0.7 ms each, so 768 cost ~0.5 s). 768 holds `__consumer_offsets`
//!   (50 × replication factor 3 = 150) plus three user topics of 64 partitions × 3.
//! * [`MAX_TOPICS_PER_CLUSTER`] 64, counting internal ones: the page lists every topic.
//!   A refusal is Kafka's `POLICY_VIOLATION`, the code a broker's `CreateTopicPolicy`
//!   answers with, which is what a playground bound is.
//! * [`MAX_BROKERS`] 9: one web worker per broker; the page draws up to 9.
//!   The replication factor needs no bound of its own: Kafka refuses one above the
//!   number of brokers.
//! * [`MAX_CLIENTS`] 32: every client runs on the page's main thread.
//! * [`MAX_RECORDS_PER_PRODUCE`] 10 000, [`MAX_RECORDS_PER_SCENARIO`] 200 000,
//!   [`MAX_KEY_BYTES`] 1 KiB, [`MAX_VALUE_BYTES`] 4 KiB and
//!   [`MAX_PRODUCED_BYTES_PER_SCENARIO`] 64 MiB: records are what fill memory (every
//!   replica keeps each one), so a run holds at most ~200 MB of record bytes at
//!   replication factor 3; the benchmark scenario sends 57 000 records of ~20 bytes.
//! * [`MAX_STEPS`] 10 000, [`MAX_UNTIL_MS`] one hour of virtual time,
//!   [`MAX_SCENARIO_BYTES`] 1 MiB: a run's length and its journal grow with them (the
//!   standard benchmark scenario has 570 steps, 600 s and 137 kB).
//! * [`MAX_LATENCY_MS`] 10 s: longer than every default timeout's interesting range;
//!   jitter is at most the latency and loss a probability in [0, 1].
//! * [`MAX_PROCESSING_TIME_PER_RECORD_MS`] one hour: keeps `now + time × records` far
//!   from overflowing.
//! * [`MAX_EVENTS_PER_RUN`] 5 000 000: every event a run takes is kept in its journal
//!   (~360 bytes each), and rates are Kafka's to choose (`broker.heartbeat.interval.ms=1`
//!   is valid): 60 s of 9 brokers heartbeating and fetching every millisecond take 5
//!   million events and 1.8 GB, so a run stops there, with an error, rather than grow
//!   until it is killed. The standard benchmark scenario (600 s) takes 18 457.
//!
//! Configs whose values bound buffers (`segment.bytes`, `batch.size`, `fetch.max.bytes`,
//! `replica.fetch.max.bytes`, `max.poll.records`, `segment.index.bytes`, …) keep Kafka's
//! ranges: nothing in the engine allocates by them up front (a segment, a batch, a fetch
//! or an index grows with the records it holds), so memory follows the records, which
//! the bounds above limit.

use crate::engine::error::ErrorCode;
use std::fmt;

/// Brokers in a cluster (ids 1 … 9).
pub const MAX_BROKERS: u32 = 9;
/// Partitions of one topic (also `offsets.topic.num.partitions`).
pub const MAX_PARTITIONS_PER_TOPIC: u32 = 64;
/// Partition replicas over every topic of a cluster, internal ones included.
pub const MAX_PARTITION_REPLICAS_PER_CLUSTER: u32 = 768;
/// Topics of a cluster, internal ones included.
pub const MAX_TOPICS_PER_CLUSTER: u32 = 64;
/// Producers and consumers of a scenario.
pub const MAX_CLIENTS: u32 = 32;
/// Records one `produce` command or step may send.
pub const MAX_RECORDS_PER_PRODUCE: u64 = 10_000;
/// Records all of a scenario's `produce` steps may send together.
pub const MAX_RECORDS_PER_SCENARIO: u64 = 200_000;
/// A record key (or key template) in bytes of UTF-8.
pub const MAX_KEY_BYTES: u32 = 1024;
/// A record value (or value template) in bytes of UTF-8.
pub const MAX_VALUE_BYTES: u32 = 4096;
/// Timed steps of a scenario.
pub const MAX_STEPS: u32 = 10_000;
/// Bytes of key and value (as templates) all of a scenario's `produce` steps may send
/// together: with 3 replicas of each, ~200 MB at most.
pub const MAX_PRODUCED_BYTES_PER_SCENARIO: u64 = 64 * 1024 * 1024;
/// A scenario's `until_ms`: one hour of virtual time.
pub const MAX_UNTIL_MS: i64 = 3_600_000;
/// A scenario file's size.
pub const MAX_SCENARIO_BYTES: u32 = 1024 * 1024;
/// A network link's latency (and so its jitter).
pub const MAX_LATENCY_MS: i64 = 10_000;
/// `playground.processing.time.per.record.ms` and `set_processing_time` steps.
pub const MAX_PROCESSING_TIME_PER_RECORD_MS: i64 = 3_600_000;

/// Events (deliveries, timers, steps) one run may take before it stops with an error.
pub const MAX_EVENTS_PER_RUN: u64 = 5_000_000;

/// A request refused by one of these bounds: Kafka's code and the message a client would
/// print after it (`INVALID_PARTITIONS: Number of partitions must be at most 64 …`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitError {
    pub code: ErrorCode,
    pub message: String,
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.name(), self.message)
    }
}

impl std::error::Error for LimitError {}

/// A partition count Kafka accepts (≥ 1, `INVALID_PARTITIONS` otherwise, in the words of
/// KRaft's `ReplicationControlManager.createTopic`)
/// and the playground can host (≤ [`MAX_PARTITIONS_PER_TOPIC`]). Checked before anything
/// is allocated for the partitions.
pub fn check_partition_count(partitions: i64) -> Result<u32, LimitError> {
    if partitions <= 0 {
        return Err(LimitError {
            code: ErrorCode::InvalidPartitions,
            message: "Number of partitions was set to an invalid non-positive value.".to_string(),
        });
    }
    if partitions > i64::from(MAX_PARTITIONS_PER_TOPIC) {
        return Err(LimitError {
            code: ErrorCode::InvalidPartitions,
            message: format!(
                "Number of partitions must be at most {MAX_PARTITIONS_PER_TOPIC} in the playground (got {partitions})."
            ),
        });
    }
    Ok(partitions as u32)
}

/// Whether a cluster hosting `existing_replicas` may add `new_replicas` more.
pub fn check_cluster_replicas(existing_replicas: u64, new_replicas: u64) -> Result<(), LimitError> {
    let total = existing_replicas.saturating_add(new_replicas);
    if total > u64::from(MAX_PARTITION_REPLICAS_PER_CLUSTER) {
        return Err(LimitError {
            code: ErrorCode::InvalidPartitions,
            message: format!(
                "The cluster would host {total} partition replicas ({existing_replicas} now, {new_replicas} new): the playground hosts at most {MAX_PARTITION_REPLICAS_PER_CLUSTER}."
            ),
        });
    }
    Ok(())
}

/// Whether a cluster with `existing_topics` topics may create one more.
pub fn check_topic_count(existing_topics: u64) -> Result<(), LimitError> {
    if existing_topics >= u64::from(MAX_TOPICS_PER_CLUSTER) {
        return Err(LimitError {
            code: ErrorCode::PolicyViolation,
            message: format!(
                "The cluster has {existing_topics} topics: the playground hosts at most {MAX_TOPICS_PER_CLUSTER}."
            ),
        });
    }
    Ok(())
}

/// A produce request's record count, key and value templates within the bounds; the
/// message names what is too large.
pub fn check_produce(count: u64, key: Option<&str>, value: &str) -> Result<(), String> {
    if count == 0 || count > MAX_RECORDS_PER_PRODUCE {
        return Err(format!("count must be 1 to {MAX_RECORDS_PER_PRODUCE} in the playground, got {count}"));
    }
    if let Some(key) = key {
        if key.len() > MAX_KEY_BYTES as usize {
            return Err(format!(
                "key is {} bytes: the playground's keys are at most {MAX_KEY_BYTES}",
                key.len()
            ));
        }
    }
    if value.len() > MAX_VALUE_BYTES as usize {
        return Err(format!(
            "value is {} bytes: the playground's values are at most {MAX_VALUE_BYTES}",
            value.len()
        ));
    }
    Ok(())
}

/// Whether a cluster whose logs keep `kept_records` records in `kept_bytes` bytes (its
/// largest replica of each partition, summed) may take `count` more of at most
/// `record_bytes` each: the page's produce form stops at the bounds a scenario has
/// ([`MAX_RECORDS_PER_SCENARIO`], [`MAX_PRODUCED_BYTES_PER_SCENARIO`]), counted on what the
/// logs keep, so retention, DeleteRecords and deleting a topic make room again.
pub fn check_records_kept(
    kept_records: u64,
    kept_bytes: u64,
    count: u64,
    record_bytes: u64,
) -> Result<(), String> {
    let records = kept_records.saturating_add(count);
    let bytes = kept_bytes.saturating_add(count.saturating_mul(record_bytes));
    if records > MAX_RECORDS_PER_SCENARIO || bytes > MAX_PRODUCED_BYTES_PER_SCENARIO {
        return Err(format!(
            "the cluster's logs keep {kept_records} records ({} KiB): the playground keeps at most {MAX_RECORDS_PER_SCENARIO} records and {} MiB, since every replica holds its log in memory; delete records or a topic, or let retention.ms remove old segments",
            kept_bytes / 1024,
            MAX_PRODUCED_BYTES_PER_SCENARIO / (1024 * 1024)
        ));
    }
    Ok(())
}

/// The most bytes a key or value template writes for one record: its text, with each
/// `{i}` as up to 20 digits and each `{i:bytes}` as up to
/// [`MAX_ZERO_BYTES`](crate::engine::client::producer::record_text::MAX_ZERO_BYTES) zero
/// bytes (what [`MAX_PRODUCED_BYTES_PER_SCENARIO`] counts).
pub fn record_bytes_at_most(template: &str) -> u64 {
    use crate::engine::client::producer::record_text::{
        MAX_ZERO_BYTES, NUMBER_PLACEHOLDER, ZERO_BYTES_PLACEHOLDER,
    };
    let zero_bytes = template.matches(ZERO_BYTES_PLACEHOLDER).count() as u64;
    let numbers = template.matches(NUMBER_PLACEHOLDER).count() as u64;
    template.len() as u64 + zero_bytes * MAX_ZERO_BYTES + numbers * 20
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_counts_below_one_get_kafkas_words_and_above_the_bound_the_playgrounds() {
        assert_eq!(check_partition_count(1), Ok(1));
        assert_eq!(check_partition_count(64), Ok(64));
        let zero = check_partition_count(0).unwrap_err();
        assert_eq!(zero.code.code(), 37, "INVALID_PARTITIONS is code 37 in Kafka's Errors");
        assert_eq!(
            zero.to_string(),
            "INVALID_PARTITIONS: Number of partitions was set to an invalid non-positive value."
        );
        let huge = check_partition_count(100_000_000).unwrap_err();
        assert_eq!(huge.code, ErrorCode::InvalidPartitions);
        assert!(huge.message.contains("at most 64 in the playground"), "{huge}");
    }

    #[test]
    fn the_offsets_topic_fits_with_room_for_user_topics() {
        // __consumer_offsets: 50 partitions × replication factor 3, plus three 64 × 3 topics.
        assert!(check_partition_count(50).is_ok());
        assert!(check_cluster_replicas(150, 3 * 64 * 3).is_ok());
        assert!(check_cluster_replicas(760, 9).is_err());
        assert!(check_topic_count(63).is_ok());
        assert_eq!(check_topic_count(64).unwrap_err().code.code(), 44);
    }

    #[test]
    fn produce_bounds_name_what_is_too_large() {
        assert!(check_records_kept(199_000, 0, 1000, 10).is_ok());
        let full = check_records_kept(199_001, 1024 * 1024, 1000, 10).unwrap_err();
        assert!(full.contains("keep 199001 records (1024 KiB)") && full.contains("200000"), "{full}");
        assert!(check_records_kept(0, 64 * 1024 * 1024 - 100, 10, 10).is_ok());
        assert!(check_records_kept(0, 64 * 1024 * 1024 - 100, 11, 10).is_err());
        assert!(check_produce(10_000, Some("k-{i}"), "v-{i}").is_ok());
        assert!(check_produce(10_001, None, "v").unwrap_err().contains("count"));
        assert!(check_produce(0, None, "v").is_err());
        assert!(check_produce(1, Some(&"k".repeat(1025)), "v").unwrap_err().contains("key"));
        assert!(check_produce(1, None, &"v".repeat(4097)).unwrap_err().contains("value"));
    }

    #[test]
    fn a_zero_bytes_placeholder_counts_as_its_largest_expansion() {
        assert_eq!(record_bytes_at_most("v-1"), 3);
        assert_eq!(record_bytes_at_most("v-{i}"), 5 + 20);
        assert_eq!(record_bytes_at_most("{i:bytes}"), 9 + 4096);
    }
}
