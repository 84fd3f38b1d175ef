#![cfg(not(target_arch = "wasm32"))]
//! Every row of `tests/vectors/partitioner_murmur2.json` (Kafka Java client) and
//! `tests/vectors/partitioner_librdkafka.json` (librdkafka), checked against the engine's
//! hashes and its stateful `Partitioner`.

use kafka_playground::engine::partitioner::{
    java_partition_for_key, murmur2, partition_of_hash, rd_crc32, rd_fnv1a, rd_murmur2, to_positive,
    PartitionReason, Partitioner, PartitionerConfig, PartitionerKind,
};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

// ---------- Java murmur2 vectors ----------

#[derive(Deserialize)]
struct Murmur2File {
    partition_counts: Vec<u32>,
    cases: Vec<Murmur2Case>,
}

#[derive(Deserialize)]
struct Murmur2Case {
    key_hex: String,
    key_text: String,
    key_len: usize,
    asserted_murmur2_in_source: Option<i32>,
    murmur2_int32: i32,
    murmur2_uint32_hex: String,
    to_positive: i32,
    asserted_to_positive_in_source: Option<i32>,
    partition: BTreeMap<String, u32>,
}

// ---------- librdkafka vectors ----------

#[derive(Deserialize)]
struct LibrdkafkaFile {
    test_0048_cases: Vec<Case0048>,
    hash_unittest_vectors: Vec<HashVector>,
}

#[derive(Deserialize)]
struct Case0048 {
    partitioner: String,
    key_name: String,
    key_hex: Option<String>,
    key_is_null: bool,
    expected_hash_in_test: Option<String>,
    expected_partition: Expected,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Expected {
    Partitions(BTreeMap<String, u32>),
    Word(String),
}

#[derive(Deserialize)]
struct HashVector {
    key_name: String,
    key_hex: Option<String>,
    key_is_null: bool,
    rd_murmur2_raw_uint32: String,
    rd_fnv1a_uint32: String,
    crc32_uint32_derived: String,
    partition_derived: BTreeMap<String, BTreeMap<String, u32>>,
}

fn read_vectors(name: &str) -> String {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    assert!(hex.len().is_multiple_of(2), "odd-length hex {hex:?}");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or_else(|e| panic!("{hex:?}: {e}")))
        .collect()
}

fn hex_u32(hex: &str) -> u32 {
    let digits = hex.strip_prefix("0x").unwrap_or_else(|| panic!("{hex:?} lacks 0x"));
    u32::from_str_radix(digits, 16).unwrap_or_else(|e| panic!("{hex:?}: {e}"))
}

fn count(text: &str) -> u32 {
    text.parse().unwrap_or_else(|e| panic!("partition count {text:?}: {e}"))
}

fn key_of(key_is_null: bool, key_hex: Option<&str>, row: &str) -> Option<Vec<u8>> {
    if key_is_null {
        assert!(key_hex.is_none(), "{row}: NULL key with bytes");
        None
    } else {
        Some(hex_bytes(key_hex.unwrap_or_else(|| panic!("{row}: non-NULL key without key_hex"))))
    }
}

fn config(sticky_partitioning_linger_ms: u64) -> PartitionerConfig {
    PartitionerConfig { sticky_partitioning_linger_ms, ..PartitionerConfig::default() }
}

/// The seeds, times and topics every deterministic row is tried with: a deterministic
/// partitioner must give the same answer whatever they are.
const SEEDS: [u64; 4] = [0, 1, 42, 0xdead_beef];
const TIMES_MS: [u64; 4] = [0, 9, 10_000, 123_456_789];

fn assert_deterministic(kind: PartitionerKind, key: Option<&[u8]>, n: u32, expected: u32, row: &str) {
    for linger_ms in [0, 10] {
        for seed in SEEDS {
            let mut p = Partitioner::new(kind, config(linger_ms), seed);
            for now_ms in TIMES_MS {
                let choice = p.choose(now_ms, "t", key, 100, n).unwrap();
                assert_eq!(
                    choice.partition,
                    expected,
                    "{row}: {} with {n} partitions (linger {linger_ms} ms, seed {seed}, t={now_ms})",
                    kind.name()
                );
                assert!(
                    matches!(choice.reason, PartitionReason::KeyHash { .. }),
                    "{row}: expected a key hash, got {:?}",
                    choice.reason
                );
            }
        }
    }
}

#[test]
fn java_murmur2_every_case() {
    let file: Murmur2File = serde_json::from_str(&read_vectors("partitioner_murmur2.json")).unwrap();
    assert!(!file.cases.is_empty());
    for case in &file.cases {
        let row = format!("murmur2 case {:?}", case.key_text);
        let key = hex_bytes(&case.key_hex);
        assert_eq!(key.len(), case.key_len, "{row}: key_len");
        assert_eq!(key, case.key_text.as_bytes(), "{row}: key_hex vs key_text");
        let hash = murmur2(&key);
        assert_eq!(hash, case.murmur2_int32, "{row}: murmur2_int32");
        if let Some(asserted) = case.asserted_murmur2_in_source {
            assert_eq!(hash, asserted, "{row}: asserted_murmur2_in_source");
        }
        assert_eq!(hash as u32, hex_u32(&case.murmur2_uint32_hex), "{row}: murmur2_uint32_hex");
        assert_eq!(rd_murmur2(&key), hash as u32, "{row}: rd_murmur2 is Java's murmur2");
        assert_eq!(to_positive(hash), case.to_positive, "{row}: to_positive");
        if let Some(asserted) = case.asserted_to_positive_in_source {
            assert_eq!(to_positive(hash), asserted, "{row}: asserted_to_positive_in_source");
        }
        let listed: BTreeSet<u32> = case.partition.keys().map(|k| count(k)).collect();
        let wanted: BTreeSet<u32> = file.partition_counts.iter().copied().collect();
        assert_eq!(listed, wanted, "{row}: partition counts listed");
        for (n_text, &expected) in &case.partition {
            let n = count(n_text);
            assert_eq!(java_partition_for_key(&key, n), Ok(expected), "{row}: {n} partitions");
            // Through the producer-side partitioner: Java's default and librdkafka's
            // Java-compatible murmur2 partitioners (an empty key is hashed, not random).
            for kind in [PartitionerKind::BuiltIn, PartitionerKind::Murmur2, PartitionerKind::Murmur2Random] {
                assert_deterministic(kind, Some(&key), n, expected, &row);
            }
        }
    }
}

#[test]
fn librdkafka_hash_unittest_vectors_every_row() {
    let file: LibrdkafkaFile = serde_json::from_str(&read_vectors("partitioner_librdkafka.json")).unwrap();
    assert!(!file.hash_unittest_vectors.is_empty());
    for vector in &file.hash_unittest_vectors {
        let row = format!("hash_unittest_vectors {:?}", vector.key_name);
        let key = key_of(vector.key_is_null, vector.key_hex.as_deref(), &row);
        // librdkafka's hash functions see a NULL key as length 0.
        let bytes = key.as_deref().unwrap_or(&[]);
        assert_eq!(rd_murmur2(bytes), hex_u32(&vector.rd_murmur2_raw_uint32), "{row}: rd_murmur2");
        assert_eq!(rd_fnv1a(bytes), hex_u32(&vector.rd_fnv1a_uint32), "{row}: rd_fnv1a");
        assert_eq!(rd_crc32(bytes), hex_u32(&vector.crc32_uint32_derived), "{row}: rd_crc32");
        assert_eq!(vector.partition_derived.len(), 3, "{row}: three partitioners");
        for (name, partitions) in &vector.partition_derived {
            let kind = PartitionerKind::from_name(name).unwrap_or_else(|e| panic!("{row}: {e}"));
            let hash = kind.key_hash(key.as_deref()).unwrap_or_else(|| panic!("{row}: {name} has no hash"));
            for (n_text, &expected) in partitions {
                let n = count(n_text);
                assert_eq!(partition_of_hash(hash, n), Ok(expected), "{row}: {name}, {n} partitions");
                assert_deterministic(kind, key.as_deref(), n, expected, &format!("{row} ({name})"));
            }
        }
    }
}

/// Whether librdkafka sends this row's messages to the sticky partition when
/// `sticky.partitioning.linger.ms` is 10 (the file's `sticky_override`): NULL keys under a
/// partitioner whose `random_partitioner` flag is off, and empty keys under consistent_random.
fn sticky_at_default_linger(kind: PartitionerKind, key: Option<&[u8]>) -> bool {
    let flag_off =
        !matches!(kind, PartitionerKind::Consistent | PartitionerKind::Murmur2 | PartitionerKind::Fnv1a);
    let keyless = match key {
        None => true,
        Some(bytes) => bytes.is_empty() && kind == PartitionerKind::ConsistentRandom,
    };
    flag_off && keyless
}

/// A "random" row outside the sticky partition: per message, in range, not constant, and
/// different seeds start differently.
fn assert_random_per_message(kind: PartitionerKind, key: Option<&[u8]>, linger_ms: u64, n: u32, row: &str) {
    let mut p = Partitioner::new(kind, config(linger_ms), 7);
    let mut seen = BTreeSet::new();
    for _ in 0..300 {
        let choice = p.choose(1_000, "t", key, 100, n).unwrap();
        assert!(choice.partition < n, "{row}: partition {} of {n}", choice.partition);
        assert_eq!(choice.reason, PartitionReason::Random, "{row} (linger {linger_ms} ms)");
        seen.insert(choice.partition);
    }
    assert_eq!(
        seen.len() as u32,
        n,
        "{row}: 300 draws over {n} partitions missed some (linger {linger_ms} ms)"
    );
    let firsts: BTreeSet<u32> = (0..32u64)
        .map(|seed| Partitioner::new(kind, config(linger_ms), seed).partition(0, "t", key, 1, n).unwrap())
        .collect();
    assert!(firsts.len() > 1, "{row}: 32 seeds all chose {firsts:?}");
}

/// A "random" row inside the sticky partition: fixed for `linger` ms after it is chosen,
/// re-chosen right after, and it does change over many windows.
fn assert_sticky(kind: PartitionerKind, key: Option<&[u8]>, n: u32, row: &str) {
    let linger_ms = 10;
    let mut p = Partitioner::new(kind, config(linger_ms), 11);
    let mut per_window = Vec::new();
    let mut window_start_ms = 5_000;
    for _ in 0..40 {
        let first = p.choose(window_start_ms, "t", key, 100, n).unwrap();
        assert_eq!(first.reason, PartitionReason::Sticky { newly_chosen: true }, "{row}: window start");
        assert!(first.partition < n, "{row}: partition {} of {n}", first.partition);
        for now_ms in window_start_ms..=window_start_ms + linger_ms {
            let choice = p.choose(now_ms, "t", key, 100, n).unwrap();
            assert_eq!(choice.partition, first.partition, "{row}: moved inside the window at t={now_ms}");
            assert_eq!(choice.reason, PartitionReason::Sticky { newly_chosen: false }, "{row}");
        }
        // Another topic has its own sticky partition and does not disturb this one's window.
        p.partition(window_start_ms, "other", key, 100, n).unwrap();
        per_window.push(first.partition);
        window_start_ms += linger_ms + 1;
    }
    let distinct: BTreeSet<u32> = per_window.iter().copied().collect();
    assert!(distinct.len() > 1, "{row}: 40 windows all stuck to {distinct:?}");
}

#[test]
fn librdkafka_test_0048_every_row() {
    let file: LibrdkafkaFile = serde_json::from_str(&read_vectors("partitioner_librdkafka.json")).unwrap();
    assert!(!file.test_0048_cases.is_empty());
    for case in &file.test_0048_cases {
        let row = format!("0048 {} / {}", case.partitioner, case.key_name);
        let kind = PartitionerKind::from_name(&case.partitioner).unwrap_or_else(|e| panic!("{row}: {e}"));
        assert!(!kind.is_java(), "{row}: librdkafka rows name librdkafka partitioners");
        let key = key_of(case.key_is_null, case.key_hex.as_deref(), &row);
        let key = key.as_deref();
        match &case.expected_partition {
            Expected::Partitions(partitions) => {
                let expected_hash = case.expected_hash_in_test.as_deref().map(hex_u32);
                assert_eq!(kind.key_hash(key), expected_hash, "{row}: expected_hash_in_test");
                for (n_text, &expected) in partitions {
                    assert_deterministic(kind, key, count(n_text), expected, &row);
                }
            }
            Expected::Word(word) => {
                assert_eq!(word, "random", "{row}: unknown expectation");
                assert!(case.expected_hash_in_test.is_none(), "{row}: random row with a hash");
                assert_eq!(kind.key_hash(key), None, "{row}: the partitioner function must be random");
                for n in [3, 7, 17] {
                    // Test 0048 sets sticky.partitioning.linger.ms=0: random per message.
                    assert_random_per_message(kind, key, 0, n, &row);
                    if sticky_at_default_linger(kind, key) {
                        assert_sticky(kind, key, n, &row);
                    } else {
                        assert_random_per_message(kind, key, 10, n, &row);
                    }
                }
            }
        }
    }
}

#[test]
fn java_null_key_is_sticky_not_hashed_and_empty_key_is_hashed() {
    let murmur2_empty = 275_646_681u32; // murmur2(b"") from the vectors' null_key_behaviour note
    for n in [3u32, 17, 100] {
        let mut p = Partitioner::new(PartitionerKind::BuiltIn, PartitionerConfig::default(), 3);
        let empty = p.choose(0, "t", Some(b""), 10, n).unwrap();
        assert_eq!(empty.partition, murmur2_empty % n);
        assert_eq!(empty.reason, PartitionReason::KeyHash { hash: murmur2_empty });
        let null = p.choose(0, "t", None, 10, n).unwrap();
        assert_eq!(null.reason, PartitionReason::Sticky { newly_chosen: true });
    }
}
