//! Messages cross between the page and its workers in bincode (gloo-worker's codec), which
//! cannot skip a field: a `skip_serializing_if` on a type that crosses makes the worker's
//! decode fail and the page stop ("RuntimeError: unreachable"). Each message with its
//! optional fields at their defaults and set comes back equal from bincode.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::cluster::messages::{
    AbortedTransaction, CoordinatorType, FetchedPartition, IsolationLevel, Message, TopicPartition,
};
use kafka_playground::engine::record::MemoryRecords;

fn round_trip(m: &Message) {
    let bytes = bincode::serialize(m).expect("encodes");
    let back: Message = bincode::deserialize(&bytes).unwrap_or_else(|e| panic!("{m:?} does not decode: {e}"));
    assert_eq!(&back, m);
}

#[test]
fn messages_with_new_optional_fields_cross_in_bincode() {
    for isolation_level in [IsolationLevel::ReadUncommitted, IsolationLevel::ReadCommitted] {
        round_trip(&Message::FetchRequest {
            correlation_id: 1,
            replica_id: None,
            max_wait_ms: 500,
            max_bytes: 1 << 20,
            partitions: vec![],
            isolation_level,
        });
        round_trip(&Message::ListOffsetsRequest {
            correlation_id: 2,
            tp: TopicPartition::new("t", 0),
            timestamp_ms: -1,
            isolation_level,
        });
    }
    for key_type in [CoordinatorType::Group, CoordinatorType::Transaction] {
        round_trip(&Message::FindCoordinatorRequest { correlation_id: 3, key: "k".into(), key_type });
    }
    for aborted_transactions in [None, Some(vec![AbortedTransaction { producer_id: 7, first_offset: 3 }])] {
        round_trip(&Message::FetchResponse {
            correlation_id: 4,
            partitions: vec![FetchedPartition {
                tp: TopicPartition::new("t", 0),
                error: None,
                high_watermark: 10,
                last_stable_offset: 8,
                log_start_offset: 0,
                diverging_epoch: None,
                records: MemoryRecords::new(),
                aborted_transactions,
            }],
        });
    }
}
