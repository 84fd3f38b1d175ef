//! A transactional id's life on its coordinator, each transition written to
//! `__transaction_state` as Kafka writes it and loaded back as a coordinator that takes
//! over the partition loads it (`TransactionStateManager.loadTransactionMetadata` →
//! `readTxnRecordValue`): what is loaded is what was written, except what Kafka does not
//! store (the last epoch, which a load resets to -1).

use kafka_playground::engine::txn::log_record::{
    key_to_bytes, read_txn_record_key, read_txn_record_value, tombstone, value_to_bytes, TxnRecordKey,
};
use kafka_playground::engine::txn::metadata::NO_PRODUCER_ID;
use kafka_playground::engine::txn::{
    partition_for, TopicPartition, TransactionMetadata, TransactionState::*, TransactionVersion,
    TxnTransitMetadata,
};

const ID: &str = "orders-pipeline";

/// Writes `t` at `level`, completes it, loads the record and compares.
fn write_complete_load(m: &mut TransactionMetadata, t: TxnTransitMetadata, level: TransactionVersion) {
    let value = value_to_bytes(&t, level).unwrap();
    m.complete_transition_to(&t).unwrap();
    let TxnRecordKey::Txn { transactional_id, .. } = read_txn_record_key(&key_to_bytes(ID)).unwrap() else {
        panic!("a known key")
    };
    let loaded = read_txn_record_value(&transactional_id, Some(&value)).unwrap().unwrap();
    assert_eq!(loaded.state, t.txn_state);
    assert_eq!((loaded.producer_id, loaded.producer_epoch), (t.producer_id, t.producer_epoch));
    assert_eq!(loaded.topic_partitions, t.topic_partitions);
    assert_eq!(
        (loaded.txn_start_timestamp_ms, loaded.txn_last_update_timestamp_ms, loaded.txn_timeout_ms),
        (t.txn_start_timestamp_ms, t.txn_last_update_timestamp_ms, t.txn_timeout_ms)
    );
    assert_eq!(loaded.last_producer_epoch, -1, "the last epoch is not in the log");
    // A v1 record carries the client's transaction version; v0 cannot.
    let expected_tv =
        if level == TransactionVersion::Tv0 { TransactionVersion::Tv0 } else { t.client_transaction_version };
    assert_eq!(loaded.client_transaction_version, expected_tv);
}

#[test]
fn a_committed_then_fenced_and_aborted_then_expired_transactional_id() {
    assert_eq!(partition_for(ID, 50), {
        let h = ID.encode_utf16().fold(0i32, |h, u| h.wrapping_mul(31).wrapping_add(i32::from(u)));
        (if h == i32::MIN { 0 } else { h.abs() }) % 50
    });
    let level = TransactionVersion::Tv0;
    let mut m = TransactionMetadata::new(
        ID,
        4000,
        NO_PRODUCER_ID,
        NO_PRODUCER_ID,
        -1,
        -1,
        60000,
        Empty,
        -1,
        0,
        level,
    );
    // InitProducerId: epoch -1 → 0.
    let t = m.prepare_increment_producer_epoch(60000, None, 10).unwrap();
    write_complete_load(&mut m, t, level);
    assert_eq!(m.producer_epoch, 0);
    // AddPartitionsToTxn twice, then EndTxn(commit), markers written, complete.
    let t = m.prepare_add_partitions([TopicPartition::new("orders", 0)], 20).unwrap();
    write_complete_load(&mut m, t, level);
    let t = m.prepare_add_partitions([TopicPartition::new("audit", 2)], 25).unwrap();
    write_complete_load(&mut m, t, level);
    assert_eq!(m.txn_start_timestamp_ms, 20);
    let t = m.prepare_abort_or_commit(PrepareCommit, TransactionVersion::Tv0, NO_PRODUCER_ID, 30).unwrap();
    write_complete_load(&mut m, t, level);
    for tp in m.topic_partitions.clone() {
        m.remove_partition(&tp).unwrap();
    }
    let t = m.prepare_complete(40).unwrap();
    write_complete_load(&mut m, t, level);
    assert_eq!(m.state, CompleteCommit);
    // A new transaction; a new producer instance's InitProducerId fences it:
    // PrepareEpochFence (never written as such by Kafka: the pending state is dropped and
    // an abort with the bumped epoch follows), then PrepareAbort and CompleteAbort.
    let t = m.prepare_add_partitions([TopicPartition::new("orders", 1)], 50).unwrap();
    write_complete_load(&mut m, t, level);
    let fence = m.prepare_fence_producer_epoch().unwrap();
    assert_eq!(fence.producer_epoch, 1);
    m.producer_epoch = fence.producer_epoch;
    m.pending_state = None;
    let t = m.prepare_abort_or_commit(PrepareAbort, TransactionVersion::Tv0, NO_PRODUCER_ID, 60).unwrap();
    write_complete_load(&mut m, t, level);
    let t = m.prepare_complete(70).unwrap();
    write_complete_load(&mut m, t, level);
    assert_eq!((m.state, m.producer_epoch), (CompleteAbort, 1));
    // The id expires: Dead is prepared and the record becomes a tombstone.
    let dead = m.prepare_dead().unwrap();
    assert_eq!(dead.txn_state, Dead);
    let (key, value) = tombstone(ID);
    assert_eq!(key, key_to_bytes(ID));
    assert_eq!(read_txn_record_value(ID, value.as_deref()).unwrap(), None);
}

/// TV_2 (KIP-890): every EndTxn bumps the epoch; at the last epoch the completion moves to
/// the next producer id, and v1 records carry ClientTransactionVersion 2.
#[test]
fn transaction_version_2_bumps_on_every_end_and_rotates_at_the_last_epoch() {
    let level = TransactionVersion::Tv2;
    let mut m = TransactionMetadata::new(
        ID,
        4000,
        NO_PRODUCER_ID,
        NO_PRODUCER_ID,
        i16::MAX - 2,
        -1,
        60000,
        Empty,
        -1,
        0,
        level,
    );
    for (round, next_id) in [(0, NO_PRODUCER_ID), (1, 5000)] {
        let t = m.prepare_add_partitions([TopicPartition::new("orders", 0)], 100 * round + 10).unwrap();
        write_complete_load(&mut m, t, level);
        let t = m
            .prepare_abort_or_commit(PrepareCommit, TransactionVersion::Tv2, next_id, 100 * round + 20)
            .unwrap();
        write_complete_load(&mut m, t, level);
        // The markers are written: each partition leaves the transaction.
        for tp in m.topic_partitions.clone() {
            m.remove_partition(&tp).unwrap();
        }
        let t = m.prepare_complete(100 * round + 30).unwrap();
        write_complete_load(&mut m, t, level);
    }
    assert_eq!((m.producer_id, m.producer_epoch, m.previous_producer_id), (5000, 0, 4000));
}
