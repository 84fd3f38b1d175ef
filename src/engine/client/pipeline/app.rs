//! The pipeline's application loop (Kafka's `ExactlyOnceMessageProcessor.run`) as a
//! state machine driven by what its two clients output: `initTransactions` before the
//! consumer starts; a poll that returns records begins a transaction; each processed
//! record is sent transformed (`value + "-ok"`, the example's transformation, same key);
//! after the poll's last record the positions go to the transaction
//! (`sendOffsetsToTransaction` with the consumer's `groupMetadata()`), then
//! `commitTransaction`; the next poll follows the commit. A call that fails with the
//! producer in ABORTABLE_ERROR, or is refused (Java's `KafkaException`), is answered by
//! `abortTransaction` and a rewind to the committed offsets; FATAL_ERROR (fenced by a
//! newer self: `ProducerFencedException`) stops the process, as the example's `shutdown()`.
//! Kafka's example gives up on a poll after five aborts and commits past it; this one
//! retries without limit, so nothing is skipped. Invariant: one transaction at a time,
//! and records reach the producer only inside it.

use super::PipelineNode;
use crate::engine::client::consumer::txn_app::AppRecord;
use crate::engine::cluster::command::{Command, ProduceCommand, SendOffsetsCommand, Yes};
use crate::engine::cluster::{ClusterEvent, Input, Node, Output};
use serde::Serialize;
use std::collections::VecDeque;

/// Where the application's loop is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AppState {
    /// Not started yet.
    #[default]
    Idle,
    /// `initTransactions()` under way; the consumer has not subscribed yet.
    Initializing,
    /// Inside `poll()`.
    Polling,
    /// A transaction with the last poll's records: processing and sending them.
    InTransaction,
    /// `sendOffsetsToTransaction()` under way.
    SendingOffsets,
    /// `commitTransaction()` under way.
    Committing,
    /// `abortTransaction()` under way; then the consumer seeks to the committed offsets.
    Aborting,
    /// The process stopped (fenced), with the exception's message.
    Stopped(String),
}

/// The loop's state and counts.
#[derive(Debug, Default)]
pub(super) struct App {
    pub(super) state: AppState,
    /// The call the application is about to make: it is made once the producer can take
    /// it (Java's calls block until the previous one returned; `send()` until the
    /// topic's metadata is known).
    want: Option<Command>,
    /// `beginTransaction()` returned for the current transaction.
    began: bool,
    /// Processed records not yet sent (they wait for `beginTransaction()`).
    to_send: VecDeque<AppRecord>,
    /// The transaction completed (committed or not); the call returns once the producer
    /// is ready for the next one (an abort may still bump the epoch).
    completed: Option<bool>,
    /// The consumer has been started.
    subscribed: bool,
    committed: u64,
    aborted: u64,
    /// Records sent in the current transaction, and in committed ones.
    sent: u64,
    sent_committed: u64,
}

impl App {
    pub(super) fn counts(&self) -> (u64, u64) {
        (self.committed, self.aborted)
    }

    pub(super) fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "state": self.state,
            "transactions_committed": self.committed,
            "transactions_aborted": self.aborted,
            "records_in_transaction": self.sent,
            "records_committed": self.sent_committed,
        })
    }
}

fn yes() -> Yes {
    Yes
}

impl PipelineNode {
    /// The start signal starts the producer and calls `initTransactions()`; the
    /// pipeline takes no other command.
    pub(super) fn command(&mut self, now_ms: i64, command: Command) {
        match command {
            Command::Start(spec) if self.app.state == AppState::Idle => {
                self.producer.handle(now_ms, Input::Command(Command::Start(spec)));
                self.app.state = AppState::Initializing;
                self.app.want = Some(Command::InitTransactions(yes()));
            }
            Command::Start(_) => {}
            other => self.outputs.push_back(Output::Event(ClusterEvent::Refused {
                node_id: self.id,
                reason: format!(
                    "{} refused: a consume-transform-produce pipeline runs its own loop (it takes no commands; crash, restart, pause and resume it)",
                    other.name()
                ),
            })),
        }
    }

    /// Carries the application's loop as far as the clients' outputs let it, passing
    /// every output on.
    pub(super) fn settle(&mut self, now_ms: i64) {
        for _ in 0..10_000 {
            let mut acted = false;
            while let Some(o) = self.consumer.poll_output() {
                self.outputs.push_back(o);
            }
            let records = self.consumer.take_app_records();
            if matches!(self.app.state, AppState::Polling | AppState::InTransaction) {
                self.app.to_send.extend(records);
            }
            if self.app.state == AppState::Polling
                && (!self.app.to_send.is_empty() || self.consumer.processing_records() > 0)
            {
                self.app.state = AppState::InTransaction;
                self.app.began = false;
                self.app.want = Some(Command::BeginTransaction(yes()));
                use crate::engine::faults::{on, Fault};
                if on(Fault::PipelineCommitsOutsideTransaction) {
                    self.consumer.txn_app_commit_positions(now_ms);
                }
            }
            acted |= self.make_wanted_call(now_ms);
            if self.app.state == AppState::InTransaction && self.app.began && self.app.want.is_none() {
                while let Some(r) = self.app.to_send.pop_front() {
                    self.send_transformed(now_ms, r);
                    acted = true;
                }
                if self.consumer.txn_app_waiting() {
                    self.app.state = AppState::SendingOffsets;
                    self.app.want = Some(Command::SendOffsetsToTransaction(self.offsets_to_commit()));
                    acted |= self.make_wanted_call(now_ms);
                }
            }
            let mut events = Vec::new();
            while let Some(o) = self.producer.poll_output() {
                if let Output::Event(e) = &o {
                    events.push(e.clone());
                }
                self.outputs.push_back(o);
            }
            for e in events {
                acted |= self.on_producer_event(now_ms, e);
            }
            acted |= self.maybe_return_from_completion(now_ms);
            if !acted {
                break;
            }
        }
    }

    /// Makes the call the application waits to make, if the producer can take it now.
    fn make_wanted_call(&mut self, now_ms: i64) -> bool {
        let Some(command) = self.app.want.as_ref() else { return false };
        let ready = match command {
            Command::SendOffsetsToTransaction(_) => self.producer.records_waiting_for_metadata() == 0,
            other => self.producer.check_transaction_command(other).is_ok(),
        };
        if !ready {
            return false;
        }
        if let Some(command) = self.app.want.take() {
            self.producer.handle(now_ms, Input::Command(command));
        }
        true
    }

    /// `commitTransaction()` or `abortTransaction()` returns once the producer is ready
    /// again: the consumer polls on, after an abort from the committed offsets.
    fn maybe_return_from_completion(&mut self, now_ms: i64) -> bool {
        let Some(committed) = self.app.completed else { return false };
        if self.producer.check_transaction_command(&Command::BeginTransaction(yes())).is_err() {
            return false;
        }
        self.app.completed = None;
        self.app.state = AppState::Polling;
        if committed {
            self.app.committed += 1;
            self.app.sent_committed += std::mem::take(&mut self.app.sent);
            self.consumer.txn_app_release(now_ms);
        } else {
            self.app.aborted += 1;
            self.app.sent = 0;
            self.app.to_send.clear();
            self.consumer.txn_app_rewind(now_ms);
        }
        true
    }

    /// `producer.send(new ProducerRecord<>(outputTopic, record.key(), record.value() + "-ok"))`.
    fn send_transformed(&mut self, now_ms: i64, r: AppRecord) {
        let produce = ProduceCommand {
            count: 1,
            headers: Vec::new(),
            key: r.key,
            partition: None,
            partitioner: None,
            topic: self.topics.output.clone(),
            value: format!("{}-ok", r.value),
        };
        self.app.sent += 1;
        self.producer.handle(now_ms, Input::Command(Command::Produce(produce)));
    }

    /// `getOffsetsToCommit(consumer)` and `consumer.groupMetadata()`.
    fn offsets_to_commit(&self) -> SendOffsetsCommand {
        self.consumer.send_offsets_command(format!("{}", self.id), self.consumer.owned_positions())
    }

    /// What the producer's outcome means for the loop; true if the loop moved.
    fn on_producer_event(&mut self, now_ms: i64, event: ClusterEvent) -> bool {
        use AppState::*;
        match (&self.app.state, event) {
            (Stopped(_), _) => return false,
            (Initializing, ClusterEvent::TransactionsInitialized { .. }) => {
                self.app.state = Polling;
                if !self.app.subscribed {
                    self.app.subscribed = true;
                    self.consumer.handle(now_ms, Input::Command(Command::start()));
                }
            }
            (InTransaction, ClusterEvent::TransactionBegan { .. }) => self.app.began = true,
            (SendingOffsets, ClusterEvent::TransactionOffsetsSent { .. }) => {
                self.app.state = Committing;
                self.app.want = Some(Command::CommitTransaction(yes()));
            }
            (Committing, ClusterEvent::TransactionCommitted { .. }) => self.app.completed = Some(true),
            (Aborting, ClusterEvent::TransactionAborted { .. }) => self.app.completed = Some(false),
            (_, ClusterEvent::TransactionFailed { state, message, .. }) if state == "FATAL_ERROR" => {
                self.stop(now_ms, message);
            }
            (Initializing, ClusterEvent::TransactionFailed { .. }) => {
                // `initTransactions()` may be called again after it failed or timed out.
                self.app.want = Some(Command::InitTransactions(yes()));
            }
            (
                InTransaction | SendingOffsets | Committing | Aborting,
                ClusterEvent::TransactionFailed { .. },
            )
            | (InTransaction | SendingOffsets | Committing, ClusterEvent::Refused { .. }) => {
                self.app.state = Aborting;
                self.app.completed = None;
                self.app.want = Some(Command::AbortTransaction(yes()));
            }
            _ => return false,
        }
        true
    }

    /// `shutdown()`: the loop ends and the process closes its consumer (no commit:
    /// `enable.auto.commit` is off), which leaves the group.
    fn stop(&mut self, now_ms: i64, message: String) {
        self.app.state = AppState::Stopped(message);
        self.consumer.handle(now_ms, Input::Command(Command::Close {}));
    }
}
