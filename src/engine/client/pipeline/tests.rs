//! The pipeline's routing: answers go to the client that asked (by kind, and by
//! correlation id where both ask), timers likewise; a command other than the start
//! signal is refused.

use super::*;
use crate::engine::cluster::command::Command;
use crate::engine::cluster::{ClusterEvent, Envelope};
use crate::engine::error::ErrorCode;

fn topics() -> PipelineTopics {
    PipelineTopics { input: "in".into(), output: "out".into() }
}

fn node() -> PipelineNode {
    let consumer = ConsumerConfig::from_pairs([
        ("group.id", "g"),
        ("enable.auto.commit", "false"),
        ("isolation.level", "read_committed"),
        ("bootstrap.servers", "1"),
    ])
    .unwrap();
    let producer =
        ProducerConfig::from_pairs([("transactional.id", "t"), ("bootstrap.servers", "1")]).unwrap();
    PipelineNode::new(10_000, topics(), consumer, producer, 1)
}

#[test]
fn answers_go_to_the_client_that_asked() {
    let find = |correlation_id| Message::FindCoordinatorResponse {
        correlation_id,
        error: None,
        node_id: Some(1),
        key: "g".into(),
    };
    assert!(part_for_message(&find(3)) == Part::Consumer);
    assert!(part_for_message(&find(PRODUCER_CORRELATION_BASE + 3)) == Part::Producer);
    let end = Message::EndTxnResponse {
        correlation_id: PRODUCER_CORRELATION_BASE,
        error: Some(ErrorCode::ProducerFenced),
        producer_id: 1,
        producer_epoch: 0,
    };
    assert!(part_for_message(&end) == Part::Producer);
    assert!(part_for_message(&Message::ConnectionClosed) == Part::Both);
    assert!(part_for_correlation(PRODUCER_CORRELATION_BASE - 1) == Part::Consumer);
}

#[test]
fn the_start_signal_initializes_transactions_before_the_consumer_subscribes() {
    let mut p = node();
    p.handle(0, Input::Command(Command::start()));
    assert_eq!(p.app_state(), &AppState::Initializing);
    let mut sent = Vec::new();
    while let Some(o) = p.poll_output() {
        if let Output::Send(Envelope { message, .. }) = o {
            sent.push(message);
        }
    }
    // Only the producer speaks: FindCoordinator for the transactional id (key type 1).
    assert!(!sent.is_empty());
    for m in &sent {
        match m {
            Message::FindCoordinatorRequest { correlation_id, .. }
            | Message::MetadataRequest { correlation_id, .. } => {
                assert!(*correlation_id >= PRODUCER_CORRELATION_BASE, "{m:?}")
            }
            other => panic!("only the producer asks before initTransactions returns: {other:?}"),
        }
    }
}

#[test]
fn a_command_is_refused() {
    let mut p = node();
    p.handle(0, Input::Command(Command::Commit {}));
    let refused = std::iter::from_fn(|| p.poll_output()).any(
        |o| matches!(o, Output::Event(ClusterEvent::Refused { reason, .. }) if reason.contains("pipeline")),
    );
    assert!(refused);
}
