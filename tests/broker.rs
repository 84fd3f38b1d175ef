//! The single broker: topic creation with Kafka's validation, produce/fetch/list offsets,
//! the retention task and its checkpoint, and a full restart from its store.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::broker::api::{Request, Response};
use kafka_playground::engine::broker::{Broker, BrokerEvent};
use kafka_playground::engine::error::ErrorCode;
use kafka_playground::engine::log::OffsetSpec;
use kafka_playground::engine::record::{decode_batch, BatchBuilder, BatchOptions};
use kafka_playground::storage::memory::MemoryStore;

const T0: i64 = 1_700_000_000_000;

fn create(b: &mut Broker, name: &str, partitions: i64, configs: &[(&str, &str)]) -> Response {
    let configs = configs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    b.handle(T0, Request::CreateTopic { name: name.into(), partitions, configs })
}

fn produce(b: &mut Broker, now: i64, topic: &str, partition: u32, value: &str) -> Response {
    let mut builder = BatchBuilder::new(BatchOptions::default());
    builder.append(now, Some(b"k"), Some(value.as_bytes()), &[]);
    let records = builder.build().unwrap();
    b.handle(now, Request::Produce { topic: topic.into(), partition, acks: 1, records })
}

fn code(r: &Response) -> Option<ErrorCode> {
    r.error().map(|e| e.code)
}

fn restart(b: &mut Broker, store: &mut MemoryStore, now: i64) -> Broker {
    store.apply_now(&b.take_store_ops()).unwrap();
    let segments = store
        .segment_ids(1)
        .into_iter()
        .map(|id| {
            let bytes = store.segment_bytes(&id).unwrap().to_vec();
            (id, bytes)
        })
        .collect();
    let mut recovered = Broker::recover(1, &store.meta_of(1), segments, now);
    store.apply_now(&recovered.take_store_ops()).unwrap();
    recovered
}

#[test]
fn impossible_commands_get_kafka_errors() {
    let mut b = Broker::new(1);
    assert_eq!(code(&create(&mut b, "", 1, &[])), Some(ErrorCode::InvalidTopicException));
    assert_eq!(code(&create(&mut b, "..", 1, &[])), Some(ErrorCode::InvalidTopicException));
    assert_eq!(code(&create(&mut b, "bad name", 1, &[])), Some(ErrorCode::InvalidTopicException));
    assert_eq!(code(&create(&mut b, "t", 0, &[])), Some(ErrorCode::InvalidPartitions));
    assert_eq!(code(&create(&mut b, "t", -3, &[])), Some(ErrorCode::InvalidPartitions));
    assert_eq!(code(&create(&mut b, "t", 1, &[("retention.ms", "-7")])), Some(ErrorCode::InvalidConfig));
    assert_eq!(code(&create(&mut b, "t", 1, &[("retention.bytes", "-2")])), Some(ErrorCode::InvalidConfig));
    assert!(b.topics.is_empty(), "nothing was created by a refused request");
    assert_eq!(code(&create(&mut b, "t", 2, &[])), None);
    assert_eq!(code(&create(&mut b, "t", 2, &[])), Some(ErrorCode::TopicAlreadyExists));
    assert_eq!(code(&produce(&mut b, T0, "missing", 0, "v")), Some(ErrorCode::UnknownTopicOrPartition));
    assert_eq!(code(&produce(&mut b, T0, "t", 2, "v")), Some(ErrorCode::UnknownTopicOrPartition));
    let big = "x".repeat(2_000_000);
    assert_eq!(code(&produce(&mut b, T0, "t", 0, &big)), Some(ErrorCode::MessageTooLarge));
}

#[test]
fn produce_fetch_and_list_offsets() {
    let mut b = Broker::new(1);
    create(&mut b, "t", 1, &[]);
    for i in 0..5 {
        assert!(matches!(produce(&mut b, T0 + i, "t", 0, &format!("v{i}")), Response::Produced { .. }));
    }
    let r = b.handle(T0, Request::Fetch { topic: "t".into(), partition: 0, fetch_offset: 2, max_bytes: 1 });
    let Response::Fetched { high_watermark, records, .. } = r else { panic!("{r:?}") };
    assert_eq!(high_watermark, 5);
    let d = decode_batch(&records).unwrap();
    assert_eq!(d.records[0].offset, 2);
    assert_eq!(d.records[0].value.as_deref(), Some(&b"v2"[..]));
    let r = b.handle(
        T0,
        Request::ListOffsets { topic: "t".into(), partition: 0, spec: OffsetSpec::Timestamp(T0 + 3) },
    );
    let Response::Offsets { found, .. } = r else { panic!() };
    assert_eq!(found.offset, 3);
    let events = b.take_events();
    assert_eq!(events.iter().filter(|e| matches!(e, BrokerEvent::Appended { .. })).count(), 5);
}

#[test]
fn restart_recovers_topics_records_and_log_start_offsets() {
    let mut b = Broker::new(1);
    let mut store = MemoryStore::new();
    create(&mut b, "some_topic", 3, &[("segment.bytes", "200"), ("retention.ms", "60000")]);
    for i in 0..9 {
        produce(&mut b, T0 + i * 10_000, "some_topic", (i % 3) as u32, "value");
    }
    store.apply_now(&b.take_store_ops()).unwrap();
    let before = b.snapshot(100);
    let mut b2 = restart(&mut b, &mut store, T0);
    assert_eq!(b2.snapshot(100), before, "same picture after a restart");
    // Retention deletes everything old, the checkpoint survives a restart.
    let r = b2.handle(T0 + 10_000_000, Request::RetentionCheck);
    let Response::RetentionDone { deleted } = r else { panic!() };
    assert!(!deleted.is_empty());
    let after = b2.snapshot(100);
    let b3 = restart(&mut b2, &mut store, T0 + 10_000_000);
    assert_eq!(b3.snapshot(100), after);
    assert!(after.topics[0].partitions.iter().all(|p| p.log_start_offset == 3 && p.log_end_offset == 3));
}

#[test]
fn snapshot_caps_records_but_keeps_counts() {
    let mut b = Broker::new(1);
    create(&mut b, "t", 1, &[("segment.bytes", "300")]);
    for i in 0..50 {
        produce(&mut b, T0, "t", 0, &format!("{i}"));
    }
    let s = b.snapshot(10);
    let p = &s.topics[0].partitions[0];
    assert_eq!(p.records.len(), 10);
    assert_eq!(p.records[0].offset, 40);
    assert_eq!(p.records[9].offset, 49);
    assert_eq!(p.segments.iter().map(|s| s.records_count).sum::<u64>(), 50);
    assert!(p.segments.last().unwrap().is_active);
}
