//! Kafka's `ProducerStateManagerTest`, the cases about idempotence and snapshots, ported
//! with its helpers (`appendClientEntry`, `appendReplicationEntry`: one-record batches,
//! `updateMapEndOffset(offset + 1)` after each).

use super::*;
use crate::engine::error::{ErrorCode, Result};

const PID: i64 = 1;
const EPOCH: i16 = 0;
/// The test's `producerIdExpirationMs` in `testAcceptAppendWithoutProducerStateOnReplica`.
const EXPIRATION_MS: i64 = 60_000;

fn append(
    m: &mut ProducerStateManager,
    pid: i64,
    epoch: i16,
    seq: i32,
    offset: i64,
    ts_ms: i64,
    origin: AppendOrigin,
) -> Result<()> {
    let mut info = m.prepare_update("t-0", pid, origin);
    info.append_data_batch(epoch, seq, seq, ts_ms, offset, offset, false)?;
    m.update(info);
    m.update_map_end_offset(offset + 1);
    Ok(())
}

fn client(m: &mut ProducerStateManager, epoch: i16, seq: i32, offset: i64) -> Result<()> {
    append(m, PID, epoch, seq, offset, 0, AppendOrigin::Client)
}

fn replication(m: &mut ProducerStateManager, epoch: i16, seq: i32, offset: i64, ts_ms: i64) {
    append(m, PID, epoch, seq, offset, ts_ms, AppendOrigin::Replication).unwrap();
}

#[test]
fn basic_id_mapping() {
    let mut m = ProducerStateManager::new(0);
    client(&mut m, EPOCH, 0, 0).unwrap();
    client(&mut m, EPOCH, 1, 1).unwrap();
    // Duplicates are checked separately: appended again they are out of order.
    assert_eq!(client(&mut m, EPOCH, 1, 2).unwrap_err().code, ErrorCode::OutOfOrderSequenceNumber);
    let gap = client(&mut m, EPOCH, 5, 2).unwrap_err();
    assert_eq!(gap.code, ErrorCode::OutOfOrderSequenceNumber);
    assert_eq!(
        gap.to_string(),
        "OUT_OF_ORDER_SEQUENCE_NUMBER: Out of order sequence number for producer 1 at offset 2 in partition t-0: \
         5 (incoming seq. number), 1 (current end sequence number)"
    );
    // An epoch bump starts again at sequence 0.
    client(&mut m, EPOCH + 1, 0, 3).unwrap();
    let fenced = client(&mut m, EPOCH, 0, 4).unwrap_err();
    assert_eq!(fenced.code, ErrorCode::InvalidProducerEpoch);
    assert!(fenced.to_string().contains("is 0, which is smaller than the last seen epoch 1"), "{fenced}");
    let new_epoch_gap = client(&mut m, EPOCH + 2, 3, 4).unwrap_err();
    assert_eq!(new_epoch_gap.code, ErrorCode::OutOfOrderSequenceNumber);
    assert!(new_epoch_gap.to_string().contains("Invalid sequence number for new epoch"), "{new_epoch_gap}");
}

#[test]
fn producer_sequence_wrap_around() {
    let mut m = ProducerStateManager::new(0);
    replication(&mut m, 15, i32::MAX, 735, 0);
    append(&mut m, PID, 15, 0, 1235, 0, AppendOrigin::Client).unwrap();
    let e = m.last_entry(PID).unwrap();
    assert_eq!((e.producer_epoch, e.first_seq(), e.last_seq()), (15, i32::MAX, 0));
}

#[test]
fn producer_sequence_invalid_wrap_around() {
    let mut m = ProducerStateManager::new(0);
    replication(&mut m, 15, i32::MAX, 735, 0);
    let err = append(&mut m, PID, 15, 1, 1235, 0, AppendOrigin::Client).unwrap_err();
    assert_eq!(err.code, ErrorCode::OutOfOrderSequenceNumber);
}

#[test]
fn no_validation_on_first_entry_when_loading_log() {
    let mut m = ProducerStateManager::new(0);
    replication(&mut m, 5, 16, 735, 0);
    let e = m.last_entry(PID).unwrap();
    assert_eq!((e.producer_epoch, e.first_seq(), e.last_seq(), e.first_data_offset()), (5, 16, 16, 735));
}

/// KIP-360: a producer the broker no longer knows is accepted at any sequence.
#[test]
fn unknown_producer_is_accepted_at_any_sequence() {
    let mut m = ProducerStateManager::new(0);
    client(&mut m, 3, 42, 0).unwrap();
    assert_eq!(m.last_entry(PID).unwrap().last_seq(), 42);
}

#[test]
fn accept_append_with_sequence_gaps_on_replica() {
    let mut m = ProducerStateManager::new(0);
    client(&mut m, EPOCH, 0, 0).unwrap();
    assert!(client(&mut m, EPOCH, 3, 1).is_err());
    assert_eq!(m.last_entry(PID).unwrap().last_seq(), 0, "a refused append changes nothing");
    replication(&mut m, EPOCH, 3, 1, 1);
    assert_eq!(m.last_entry(PID).unwrap().last_seq(), 3);
    // Replication lets a lower epoch through too (Kafka only logs it).
    replication(&mut m, EPOCH, 4, 2, 1);
}

#[test]
fn truncate_and_reload_removes_out_of_range_snapshots() {
    let mut m = ProducerStateManager::new(0);
    for seq in 0..5 {
        client(&mut m, EPOCH, seq, i64::from(seq)).unwrap();
        assert!(m.take_snapshot());
    }
    m.truncate_and_reload(1, 3, 0, EXPIRATION_MS);
    assert_eq!(m.snapshot_offsets().collect::<Vec<_>>(), vec![2, 3]);
    // Reloaded from the snapshot at 3: seq 2 was the last below it.
    assert_eq!((m.map_end_offset(), m.last_entry(PID).unwrap().last_seq()), (3, 2));
}

#[test]
fn skip_snapshot_if_offset_unchanged() {
    let mut m = ProducerStateManager::new(0);
    client(&mut m, EPOCH, 0, 0).unwrap();
    assert!(m.take_snapshot());
    assert!(!m.take_snapshot(), "the map end offset did not move");
    let written = m.take_changes();
    assert_eq!(written.len(), 1);
    assert!(matches!(&written[0], SnapshotChange::Written { offset: 1, .. }));
}

#[test]
fn accept_append_without_producer_state_on_replica() {
    let mut m = ProducerStateManager::new(0);
    append(&mut m, PID, EPOCH, 0, 0, 0, AppendOrigin::Client).unwrap();
    append(&mut m, PID, EPOCH, 1, 1, 0, AppendOrigin::Client).unwrap();
    m.take_snapshot();
    let mut recovered = ProducerStateManager::new(0);
    recovered.add_stored_snapshot(2, m.snapshot_bytes(2).unwrap().to_vec());
    recovered.truncate_and_reload(0, 1, 70_000, EXPIRATION_MS);
    assert!(recovered.last_entry(PID).is_none(), "expired at reload");
    append(&mut recovered, PID, EPOCH, 2, 2, 70_001, AppendOrigin::Replication).unwrap();
    assert_eq!(recovered.last_entry(PID).unwrap().last_seq(), 2);
}

#[test]
fn pid_expiration_timeout() {
    let mut m = ProducerStateManager::new(0);
    append(&mut m, PID, EPOCH, 0, 0, 1_000, AppendOrigin::Client).unwrap();
    assert_eq!(m.remove_expired_producers(1_000 + EXPIRATION_MS - 1, EXPIRATION_MS), 0);
    assert_eq!(m.remove_expired_producers(1_000 + EXPIRATION_MS, EXPIRATION_MS), 1);
    // Expired: the producer may start again anywhere.
    append(&mut m, PID, EPOCH, 7, 1, 70_000, AppendOrigin::Client).unwrap();
}

#[test]
fn truncate_fully_and_start_at() {
    let mut m = ProducerStateManager::new(0);
    client(&mut m, EPOCH, 0, 0).unwrap();
    m.take_snapshot();
    m.truncate_fully_and_start_at(10);
    assert!(m.is_empty() && m.latest_snapshot_offset().is_none());
    assert_eq!(m.map_end_offset(), 10);
}

#[test]
fn remove_stray_snapshots_keeps_clean_shutdown_snapshot() {
    let mut m = ProducerStateManager::new(0);
    for o in [5, 2, 42] {
        m.add_stored_snapshot(o, write_snapshot(&Default::default()));
    }
    m.remove_stray_snapshots(&[5]);
    assert_eq!(m.snapshot_offsets().collect::<Vec<_>>(), vec![5, 42]);
    let mut all = ProducerStateManager::new(0);
    for o in [5, 2, 42] {
        all.add_stored_snapshot(o, write_snapshot(&Default::default()));
    }
    all.remove_stray_snapshots(&[42]);
    assert_eq!(all.snapshot_offsets().collect::<Vec<_>>(), vec![42]);
}

/// `testReadWriteSnapshot`: what a snapshot keeps of an entry is its last batch.
#[test]
fn read_write_snapshot() {
    let mut producers = BTreeMap::new();
    let mut one = ProducerStateEntry::empty(1);
    one.producer_epoch = 2;
    one.coordinator_epoch = 3;
    one.current_txn_first_offset = Some(100);
    one.batch_metadata.push_back(BatchMetadata {
        last_seq: 1,
        last_offset: 2,
        offset_delta: 3,
        timestamp_ms: -1,
    });
    let mut eleven = ProducerStateEntry::empty(11);
    eleven.producer_epoch = 12;
    eleven.coordinator_epoch = 13;
    eleven.last_timestamp_ms = 123_456;
    producers.insert(1, one.clone());
    producers.insert(11, eleven.clone());
    let read = read_snapshot(&write_snapshot(&producers)).unwrap();
    assert_eq!(read, vec![one, eleven]);
}

/// `testLoadFromCorruptSnapshotFile`: the corrupt latest snapshot is deleted and the one
/// before it loaded.
#[test]
fn load_from_corrupt_snapshot_falls_back_to_older() {
    let mut m = ProducerStateManager::new(0);
    client(&mut m, EPOCH, 0, 0).unwrap();
    m.take_snapshot();
    client(&mut m, EPOCH, 1, 1).unwrap();
    m.take_snapshot();
    let mut bad = m.snapshot_bytes(2).unwrap().to_vec();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let mut reloaded = ProducerStateManager::new(0);
    reloaded.add_stored_snapshot(1, m.snapshot_bytes(1).unwrap().to_vec());
    reloaded.add_stored_snapshot(2, bad);
    let corrupt = reloaded.truncate_and_reload(0, 2, 0, EXPIRATION_MS);
    assert_eq!(corrupt.len(), 1);
    assert!(corrupt[0].0.starts_with("Snapshot is corrupt (CRC is no longer valid)"), "{}", corrupt[0]);
    assert_eq!(reloaded.snapshot_offsets().collect::<Vec<_>>(), vec![1]);
    assert_eq!((reloaded.map_end_offset(), reloaded.last_entry(PID).unwrap().last_seq()), (1, 0));
}
