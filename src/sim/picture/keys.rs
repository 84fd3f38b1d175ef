//! How the cluster picture (`crate::ui::cluster::replica`) tells keys apart and says where a record went: a colour per
//! distinct key, handed out in order of first appearance (so no two keys on screen share
//! one while fewer than [`SAFE_COLOURS`] are shown, and neighbours in that order never
//! do), a short label that keeps the part of the key that differs (`order-17` → `-17`),
//! and the partitioner's arithmetic for a record (`murmur2("alice") % 3 = 0`), as Kafka's
//! `BuiltInPartitioner.partitionForKey` or librdkafka's partitioners compute it.
//! Invariant: colour is never the only signal (every cell also shows its label).

use crate::engine::partitioner::{partition_of_hash, PartitionerKind};
use std::collections::BTreeMap;

/// Paul Tol's "muted" and "bright" qualitative schemes: distinguishable for colour-blind
/// readers, dark enough for white text.
pub const SAFE_COLOURS: [&str; 14] = [
    "#332288", "#117733", "#44AA99", "#88CCEE", "#DDCC77", "#CC6677", "#AA4499", "#882255", "#4477AA",
    "#228833", "#CCBB44", "#EE6677", "#66CCEE", "#999933",
];
/// The colour of the null key (no key: grey, labelled "null").
pub const NULL_KEY_COLOUR: &str = "#BBBBBB";
/// Keys remembered at most; then the assignment starts again (colours stay apart).
const KEYS_KEPT: usize = 4_096;

/// Colours handed to keys in the order they first appear, kept while they stay on screen.
#[derive(Default)]
pub struct KeyColours {
    next: usize,
    given: BTreeMap<String, usize>,
}

impl KeyColours {
    /// The colour of `key`, giving it the next one if it has none yet.
    pub fn colour(&mut self, key: Option<&str>) -> String {
        let Some(key) = key else { return NULL_KEY_COLOUR.to_string() };
        if self.given.len() >= KEYS_KEPT && !self.given.contains_key(key) {
            self.given.clear();
        }
        let next = &mut self.next;
        let index = *self.given.entry(key.to_string()).or_insert_with(|| {
            *next += 1;
            *next - 1
        });
        colour_of(index)
    }
}

/// The `index`-th colour: the safe palette first, then hues a golden angle apart at two
/// lightnesses (never the same as the previous dozen).
pub fn colour_of(index: usize) -> String {
    match SAFE_COLOURS.get(index) {
        Some(c) => (*c).to_string(),
        None => {
            let i = index - SAFE_COLOURS.len();
            let hue = (i as f64 * 137.508) % 360.0;
            let lightness = if i.is_multiple_of(2) { 38 } else { 52 };
            format!("hsl({hue:.0}, 55%, {lightness}%)")
        }
    }
}

/// A label that fits a record cell and keeps what tells keys apart: the whole key when
/// short, else its last part after a separator (`order-17` → `-17`), else its start.
pub fn key_label(key: Option<&str>) -> String {
    let Some(key) = key else { return "null".to_string() };
    if key.is_empty() {
        return "\"\"".to_string();
    }
    let chars: Vec<char> = key.chars().collect();
    // Bytes that are no text (Python's `bytes(3)` is three zero bytes): hex, a run as
    // `00×3`, else the last two bytes (where `bytes(i)` keys differ).
    if chars.iter().any(|c| c.is_control()) {
        let bytes = key.as_bytes();
        if bytes.iter().all(|b| *b == bytes[0]) {
            return format!("{:02x}×{}", bytes[0], bytes.len());
        }
        let tail = &bytes[bytes.len().saturating_sub(2)..];
        return format!("…{}", tail.iter().map(|b| format!("{b:02x}")).collect::<String>());
    }
    if chars.len() <= 5 {
        return key.to_string();
    }
    if let Some(cut) = chars.iter().rposition(|c| matches!(c, '-' | '_' | ':' | '.' | '/' | ' ')) {
        if chars.len() - cut <= 6 && cut > 0 {
            return chars[cut..].iter().collect();
        }
    }
    format!("{}…", chars[..4].iter().collect::<String>())
}

/// How the partitioner placed a record with `key` in `partition` of a topic with
/// `partition_count` partitions, as a formula when it hashes the key.
pub fn placement(
    kind: PartitionerKind,
    key: Option<&str>,
    partition: u32,
    partition_count: u32,
) -> Placement {
    let bytes = key.map(str::as_bytes);
    if kind.uses_sticky_partition(bytes, 10) || kind.key_hash(bytes).is_none() {
        return Placement::Sticky { partitioner: kind.name() };
    }
    let hash = kind.key_hash(bytes).unwrap_or_default();
    let Ok(chosen) = partition_of_hash(hash, partition_count) else { return Placement::Unknown };
    let function = match kind {
        PartitionerKind::BuiltIn | PartitionerKind::Murmur2 | PartitionerKind::Murmur2Random => "murmur2",
        PartitionerKind::Fnv1a | PartitionerKind::Fnv1aRandom => "fnv1a",
        _ => "crc32",
    };
    let formula = format!("{function}({:?}) % {partition_count} = {chosen}", key.unwrap_or(""));
    if chosen == partition {
        Placement::Hashed { partitioner: kind.name(), formula }
    } else {
        Placement::NotByKey { formula }
    }
}

/// What [`placement`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// The key's hash modulo the partition count chose this partition.
    Hashed {
        partitioner: &'static str,
        formula: String,
    },
    /// No key (or a key the partitioner does not hash): the sticky partition (KIP-480).
    Sticky {
        partitioner: &'static str,
    },
    /// The key hashes elsewhere: an explicit partition, or the topic had fewer partitions.
    NotByKey {
        formula: String,
    },
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_get_distinct_colours_in_order_of_appearance() {
        let mut k = KeyColours::default();
        let colours: Vec<String> =
            ["bob", "dave", "alice", "bob"].iter().map(|x| k.colour(Some(x))).collect();
        assert_eq!(colours[0], colours[3], "one key, one colour");
        assert_ne!(colours[0], colours[1], "bob and dave never share a colour");
        let many: Vec<String> = (0..40).map(colour_of).collect();
        for w in many.windows(12) {
            let distinct: std::collections::BTreeSet<_> = w.iter().collect();
            assert_eq!(distinct.len(), 12, "twelve neighbours in order are all different");
        }
        assert_eq!(k.colour(None), NULL_KEY_COLOUR);
    }

    #[test]
    fn labels_keep_the_part_that_differs_and_are_never_only_an_ellipsis() {
        assert_eq!(key_label(Some("order-17")), "-17");
        assert_eq!(key_label(Some("alice")), "alice");
        assert_eq!(key_label(None), "null");
        assert_eq!(key_label(Some("abcdefghij")), "abcd…");
        assert_eq!(key_label(Some("\0\0\0")), "00×3", "Python's bytes(3)");
        assert_eq!(key_label(Some("\0\u{1}\u{2}")), "…0102");
    }

    #[test]
    fn placement_is_kafkas_murmur2_formula() {
        // Kafka's BuiltInPartitioner: toPositive(murmur2("alice")) % 3; the vector is the
        // Java client's (tests/partitioner_vectors.rs checks the hash itself).
        let p = crate::engine::partitioner::java_partition_for_key(b"alice", 3).unwrap();
        assert_eq!(
            placement(PartitionerKind::BuiltIn, Some("alice"), p, 3),
            Placement::Hashed { partitioner: "built_in", formula: format!("murmur2(\"alice\") % 3 = {p}") }
        );
        assert!(matches!(placement(PartitionerKind::BuiltIn, None, 0, 3), Placement::Sticky { .. }));
        assert!(matches!(
            placement(PartitionerKind::BuiltIn, Some("alice"), (p + 1) % 3, 3),
            Placement::NotByKey { .. }
        ));
    }
}
