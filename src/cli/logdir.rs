//! Kafka's on-disk log-dir layout for the CLI: `DIR/<topic>-<partition>/` holding
//! `<20-digit base offset>.log`, `.index` and `.timeindex` per segment (and `.txnindex`
//! once an aborted transaction is indexed in it, as Kafka creates it), and the
//! producer state snapshots `<20-digit offset>.snapshot` (Kafka's byte format). Loading goes
//! through `PartitionLog::recover` (every batch re-validated, indexes rebuilt); saving
//! appends the engine's `StoreOp::Append` bytes to the `.log` files and rewrites the
//! indexes of the segments the run touched. A partition whose files are corrupt is
//! refused rather than repaired: the CLI never cuts a user's data.

use super::CliError;
use crate::engine::log::producer_log::{from_hex, parse_snapshot_meta_name};
use crate::engine::log::producer_state::snapshot::PRODUCER_SNAPSHOT_FILE_SUFFIX;
use crate::engine::log::producer_state::snapshot_file_name;
use crate::engine::log::{filename_prefix_from_offset, PartitionLog};
use crate::engine::store::StoreOp;
use crate::engine::topic::TopicConfig;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `DIR/<topic>-<partition>`.
pub fn partition_dir(root: &Path, topic: &str, partition: u32) -> PathBuf {
    root.join(format!("{topic}-{partition}"))
}

/// The base offset in a segment file name (`00000000000000001234<suffix>`), if it is one.
pub fn segment_base_offset(file_name: &str, suffix: &str) -> Option<i64> {
    let digits = file_name.strip_suffix(suffix)?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> CliError {
    CliError::failure(format!("cannot {what} {}: {e}", path.display()))
}

/// Partition numbers that already have a directory for `topic` under `root`, sorted.
pub fn existing_partitions(root: &Path, topic: &str) -> Result<Vec<u32>, CliError> {
    if !root.exists() {
        return Ok(Vec::new());
    }
    let prefix = format!("{topic}-");
    let mut found = Vec::new();
    for entry in fs::read_dir(root).map_err(|e| io_error("list", root, e))? {
        let entry = entry.map_err(|e| io_error("list", root, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(number) = name.strip_prefix(&prefix) else { continue };
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) || !entry.path().is_dir() {
            continue;
        }
        if let Ok(p) = number.parse::<u32>() {
            found.push(p);
        }
    }
    found.sort_unstable();
    Ok(found)
}

/// Checks that existing partition dirs are exactly `0..requested` (or that there are none).
pub fn check_partition_count(
    root: &Path,
    topic: &str,
    existing: &[u32],
    requested: u32,
) -> Result<(), CliError> {
    let expected: Vec<u32> = (0..requested).collect();
    if existing.is_empty() || existing == expected.as_slice() {
        return Ok(());
    }
    let list: Vec<String> = existing.iter().map(u32::to_string).collect();
    Err(CliError::failure(format!(
        "topic {topic:?} already has partition directories [{}] in {} but --partitions is {requested}; \
         a topic's partition count must match its existing directories",
        list.join(", "),
        root.display()
    )))
}

/// Reads one partition's segments and rebuilds its log, refusing a corrupt one.
pub fn load_partition(
    root: &Path,
    topic: &str,
    partition: u32,
    config: &TopicConfig,
    now_ms: i64,
) -> Result<PartitionLog, CliError> {
    let dir = partition_dir(root, topic, partition);
    if !dir.exists() {
        return Ok(PartitionLog::new(0, topic, partition, config.clone(), now_ms));
    }
    let mut stored = Vec::new();
    let mut snapshots = Vec::new();
    for entry in fs::read_dir(&dir).map_err(|e| io_error("list", &dir, e))? {
        let entry = entry.map_err(|e| io_error("list", &dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(base) = segment_base_offset(&name, ".log") {
            let path = entry.path();
            stored.push((base, fs::read(&path).map_err(|e| io_error("read", &path, e))?));
        } else if let Some(offset) = segment_base_offset(&name, PRODUCER_SNAPSHOT_FILE_SUFFIX) {
            let path = entry.path();
            snapshots.push((offset, fs::read(&path).map_err(|e| io_error("read", &path, e))?));
        }
    }
    stored.sort_by_key(|(base, _)| *base);
    snapshots.sort_by_key(|(offset, _)| *offset);
    let (mut log, report) = PartitionLog::recover(0, topic, partition, config.clone(), stored, None, now_ms);
    if let Some(corruption) = report.corruption {
        return Err(CliError::failure(format!(
            "{} holds a corrupt segment ({corruption}); recovery would cut {} bytes and delete {} later \
             segment(s). Refusing to append; inspect it with `kafka-playground dump-log`",
            dir.display(),
            report.truncated_bytes,
            report.deleted_segments.len()
        )));
    }
    log.take_store_ops();
    // The producer state from the `.snapshot` files and the log after them; a corrupt
    // snapshot is replaced, as a broker does, when the partition is saved.
    log.load_producer_state(snapshots, now_ms);
    Ok(log)
}

fn segment_path(dir: &Path, base_offset: i64, suffix: &str) -> PathBuf {
    dir.join(format!("{}{suffix}", filename_prefix_from_offset(base_offset)))
}

fn append_at(path: &Path, position: u32, bytes: &[u8]) -> Result<(), CliError> {
    let mut file =
        fs::OpenOptions::new().create(true).append(true).open(path).map_err(|e| io_error("open", path, e))?;
    let size = file.metadata().map_err(|e| io_error("inspect", path, e))?.len();
    if size != u64::from(position) {
        return Err(CliError::failure(format!(
            "{} is {size} bytes but the log expected {position}; was it changed during the run?",
            path.display()
        )));
    }
    file.write_all(bytes).map_err(|e| io_error("write", path, e))
}

/// Persists what the run changed: appended `.log` bytes, then the `.index`,
/// `.timeindex` (and `.txnindex`) of every segment from `first_touched_base` on (new and
/// rolled ones).
/// Empty `.log` files are created for segments (and partitions) with no data yet, as a
/// broker does when it creates a partition.
pub fn save_partition(root: &Path, log: &mut PartitionLog, first_touched_base: i64) -> Result<(), CliError> {
    let dir = partition_dir(root, &log.topic, log.partition);
    fs::create_dir_all(&dir).map_err(|e| io_error("create", &dir, e))?;
    for op in log.take_store_ops() {
        match op {
            StoreOp::Append { segment, position, bytes } => {
                let base = i64::try_from(segment.base_offset).unwrap_or(i64::MAX);
                append_at(&segment_path(&dir, base, ".log"), position, &bytes)?;
            }
            // Producer state snapshots, written where Kafka keeps them: `<offset>.snapshot`.
            StoreOp::PutMeta { name, value, .. } if parse_snapshot_meta_name(&name).is_some() => {
                let (_, _, offset) = parse_snapshot_meta_name(&name).unwrap_or_default();
                let path = dir.join(snapshot_file_name(offset));
                let bytes = from_hex(&value).ok_or_else(|| {
                    CliError::failure(format!("internal error: snapshot {name} is not hex"))
                })?;
                fs::write(&path, bytes).map_err(|e| io_error("write", &path, e))?;
            }
            StoreOp::DeleteMeta { name, .. } if parse_snapshot_meta_name(&name).is_some() => {
                let (_, _, offset) = parse_snapshot_meta_name(&name).unwrap_or_default();
                let path = dir.join(snapshot_file_name(offset));
                if path.exists() {
                    fs::remove_file(&path).map_err(|e| io_error("delete", &path, e))?;
                }
            }
            other => {
                return Err(CliError::failure(format!(
                    "internal error: unexpected storage operation {other:?} while producing"
                )))
            }
        }
    }
    for segment in log.segments().iter().filter(|s| s.base_offset >= first_touched_base) {
        let log_path = segment_path(&dir, segment.base_offset, ".log");
        if !log_path.exists() {
            fs::write(&log_path, []).map_err(|e| io_error("create", &log_path, e))?;
        }
        let index_path = segment_path(&dir, segment.base_offset, ".index");
        fs::write(&index_path, segment.offset_index.to_bytes())
            .map_err(|e| io_error("write", &index_path, e))?;
        let time_path = segment_path(&dir, segment.base_offset, ".timeindex");
        fs::write(&time_path, segment.time_index.to_bytes()).map_err(|e| io_error("write", &time_path, e))?;
        // `TransactionIndex` creates its file at the first entry, and keeps it (empty)
        // after a truncation.
        let txn_path = segment_path(&dir, segment.base_offset, ".txnindex");
        if !segment.txn_index.is_empty() || txn_path.exists() {
            fs::write(&txn_path, segment.txn_index.bytes()).map_err(|e| io_error("write", &txn_path, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_names_are_twenty_digits() {
        assert_eq!(segment_base_offset("00000000000000001234.log", ".log"), Some(1234));
        assert_eq!(segment_base_offset("00000000000000001234.index", ".log"), None);
        assert_eq!(segment_base_offset("1234.log", ".log"), None);
        assert_eq!(segment_base_offset("0000000000000000123x.log", ".log"), None);
    }

    #[test]
    fn partition_count_must_match_existing_dirs() {
        let root = Path::new("/nonexistent");
        assert!(check_partition_count(root, "t", &[], 3).is_ok());
        assert!(check_partition_count(root, "t", &[0, 1, 2], 3).is_ok());
        let err = check_partition_count(root, "t", &[0, 1], 3).unwrap_err();
        assert!(err.message.contains("[0, 1]") && err.message.contains("--partitions is 3"));
        assert!(check_partition_count(root, "t", &[0, 2, 3], 3).is_err());
    }
}
