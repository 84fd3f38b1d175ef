//! `KafkaProducer.waitOnMetadata` as the producer follows it: a record naming a partition
//! its metadata does not have yet blocks its `send()` (and the records after it) while
//! the metadata is asked again, and goes on once the partition appears (the topic grew);
//! after `max.block.ms` (60000 by default) it fails with Kafka's `TimeoutException`
//! words, and the next record starts its own wait. Expected values are Kafka's
//! (`KafkaProducer.waitOnMetadata`, `ProducerConfig`'s `max.block.ms` default).

use super::config::MAX_BLOCK_MS;
use super::txn::tests::harness::H;
use crate::engine::cluster::ClusterEvent;
use crate::engine::error::ErrorCode;

/// A plain producer whose metadata requests say `t` has `partitions` partitions, and
/// whose Produce requests are acknowledged at once.
fn producer(partitions: u32) -> H {
    let mut h = H::plain(&[("linger.ms", "0"), ("enable.idempotence", "false")]);
    h.partitions = partitions;
    h.auto_ack = true;
    h
}

fn produce(h: &mut H, partition: u32, count: u64) {
    h.command(&format!(r#"{{"produce": {{"topic": "t", "partition": {partition}, "count": {count}}}}}"#));
}

fn advance_to(h: &mut H, at_ms: i64) {
    h.advance(at_ms - h.now);
}

fn failed(h: &H) -> Vec<ErrorCode> {
    let error = |e: &ClusterEvent| match e {
        ClusterEvent::SendFailed { error, .. } => Some(*error),
        _ => None,
    };
    h.events.iter().filter_map(error).collect()
}

#[test]
fn a_record_for_a_partition_the_metadata_lacks_waits_until_the_topic_grows() {
    let mut h = producer(2);
    produce(&mut h, 0, 1);
    advance_to(&mut h, 10);
    assert_eq!(h.produced, vec![0]);
    // Partition 2 of a two-partition topic: no refusal, send() blocks and asks again.
    produce(&mut h, 2, 1);
    produce(&mut h, 1, 1);
    let asked = h.metadata_requests;
    advance_to(&mut h, 5_000);
    assert!(h.refusals().is_empty(), "{:?}", h.refusals());
    assert_eq!(h.produced, vec![0], "the record after the blocked one waits behind it");
    assert!(h.metadata_requests > asked + 10, "metadata asked again every retry.backoff.ms");
    assert_eq!(h.p.records_waiting_for_metadata(), 2);
    // The topic grows to three partitions: the next answer lets both go (one request to
    // their leader, partitions in order).
    h.partitions = 3;
    advance_to(&mut h, 5_500);
    assert_eq!(h.produced, vec![0, 1, 2]);
    assert_eq!(h.p.records_waiting_for_metadata(), 0);
    assert!(failed(&h).is_empty());
}

#[test]
fn a_partition_that_never_appears_fails_after_max_block_ms_and_the_next_record_waits_its_own() {
    assert_eq!(MAX_BLOCK_MS, 60_000, "ProducerConfig's max.block.ms default");
    let mut h = producer(2);
    produce(&mut h, 0, 1);
    advance_to(&mut h, 1_000);
    produce(&mut h, 5, 2);
    advance_to(&mut h, 1_000 + MAX_BLOCK_MS - 1);
    assert!(failed(&h).is_empty(), "still blocked 1 ms before max.block.ms");
    advance_to(&mut h, 1_000 + MAX_BLOCK_MS);
    assert_eq!(
        h.refusals(),
        vec!["Partition 5 of topic t with partition count 2 is not present in metadata after 60000 ms."]
    );
    assert_eq!(failed(&h), vec![ErrorCode::RequestTimedOut]);
    // The second record's send() began when the first returned: its own 60 s.
    advance_to(&mut h, 1_000 + 2 * MAX_BLOCK_MS - 1);
    assert_eq!(failed(&h).len(), 1);
    advance_to(&mut h, 1_000 + 2 * MAX_BLOCK_MS);
    assert_eq!(failed(&h).len(), 2);
    assert_eq!(h.p.counts().in_flight, 0);
    assert_eq!(h.p.counts().failed, 2);
    // A partition the metadata has goes at once.
    produce(&mut h, 1, 1);
    h.advance(10);
    assert_eq!(h.produced, vec![0, 1]);
}

#[test]
fn records_waiting_behind_a_blocked_send_are_bounded_and_the_rest_refused_in_words() {
    use super::{MAX_RECORDS_PER_COMMAND, MAX_WAITING_RECORDS};
    let mut h = producer(2);
    for _ in 0..MAX_WAITING_RECORDS / MAX_RECORDS_PER_COMMAND {
        produce(&mut h, 5, MAX_RECORDS_PER_COMMAND);
    }
    assert_eq!(h.p.records_waiting_for_metadata() as u64, MAX_WAITING_RECORDS);
    assert!(h.refusals().is_empty());
    produce(&mut h, 0, 1);
    assert_eq!(
        h.refusals(),
        vec![format!(
            "produce refused: send() is blocked waiting for metadata and {MAX_WAITING_RECORDS} records wait behind it (at most {MAX_WAITING_RECORDS})"
        )]
    );
    assert_eq!(h.p.records_waiting_for_metadata() as u64, MAX_WAITING_RECORDS, "nothing added");
    assert_eq!(h.p.counts().in_flight, MAX_WAITING_RECORDS, "the refused record was never counted");
}

/// `KafkaProducer.doSend`'s catch hands the `TimeoutException` to
/// `TransactionManager.maybeTransitionToErrorState`: the transaction can only be aborted.
#[test]
fn a_transactional_send_that_times_out_on_metadata_leaves_the_transaction_abortable() {
    let mut h = H::new(&[]);
    h.do_init_transactions();
    h.command(r#"{"begin_transaction": true}"#);
    assert_eq!(h.state(), "IN_TRANSACTION");
    produce(&mut h, 5, 1);
    let at = h.now + MAX_BLOCK_MS;
    advance_to(&mut h, at - 1);
    assert_eq!(h.state(), "IN_TRANSACTION", "still blocked");
    advance_to(&mut h, at);
    assert_eq!(failed(&h), vec![ErrorCode::RequestTimedOut]);
    assert_eq!(h.state(), "ABORTABLE_ERROR");
}
