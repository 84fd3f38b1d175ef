//! Kafka's offset checkpoint file format (`CheckpointFile`), used for a broker's
//! `log-start-offset-checkpoint` and `cleaner-offset-checkpoint`: a version line (0), an entry count, then one
//! `topic partition offset` line per partition.

use crate::engine::text::{push_decimal_bytes, push_unsigned_bytes};
use std::collections::BTreeMap;

pub const LOG_START_OFFSET_CHECKPOINT: &str = "log-start-offset-checkpoint";

/// Writes entries in Kafka's checkpoint text format.
pub fn write_checkpoint(entries: &BTreeMap<(String, u32), i64>) -> String {
    write_checkpoint_of(
        entries.len(),
        entries.iter().map(|((topic, partition), offset)| (topic.as_str(), *partition, *offset)),
    )
}

/// [`write_checkpoint`] of `count` (topic, partition, offset) entries, in order.
pub fn write_checkpoint_of<'a>(
    count: usize,
    entries: impl Iterator<Item = (&'a str, u32, i64)> + Clone,
) -> String {
    let mut out =
        Vec::with_capacity(8 + entries.clone().map(|(topic, _, _)| topic.len() + 24).sum::<usize>());
    out.extend_from_slice(b"0\n");
    push_unsigned_bytes(&mut out, count as u64);
    out.push(b'\n');
    for (topic, partition, offset) in entries {
        out.extend_from_slice(topic.as_bytes());
        out.push(b' ');
        push_unsigned_bytes(&mut out, u64::from(partition));
        out.push(b' ');
        push_decimal_bytes(&mut out, offset);
        out.push(b'\n');
    }
    // Topic names and ASCII digits: always UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// Reads a checkpoint; malformed lines are skipped (Kafka would refuse the file and
/// recover from the segments, which is what skipping amounts to).
pub fn read_checkpoint(text: &str) -> BTreeMap<(String, u32), i64> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    if lines.next().map(str::trim) != Some("0") {
        return out;
    }
    let _count = lines.next();
    for line in lines {
        let mut parts = line.split_whitespace();
        if let (Some(t), Some(p), Some(o), None) = (parts.next(), parts.next(), parts.next(), parts.next()) {
            if let (Ok(p), Ok(o)) = (p.parse::<u32>(), o.parse::<i64>()) {
                out.insert((t.to_string(), p), o);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_in_kafka_format() {
        let mut m = BTreeMap::new();
        m.insert(("orders".to_string(), 0), 42);
        m.insert(("orders".to_string(), 1), 0);
        let text = write_checkpoint(&m);
        assert_eq!(text, "0\n2\norders 0 42\norders 1 0\n");
        assert_eq!(read_checkpoint(&text), m);
        assert!(read_checkpoint("garbage").is_empty());
    }
}
