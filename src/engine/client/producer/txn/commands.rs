//! The transaction commands of a producer (`KafkaProducer.initTransactions`,
//! `beginTransaction`, `sendOffsetsToTransaction`, `commitTransaction`,
//! `abortTransaction`): each is checked as `KafkaProducer` and `TransactionManager` check
//! the call (`throwIfNoTransactionManager`, `throwIfInvalidGroupMetadata`, the state's
//! transitions) and refused with the words of Java's exception (`ClusterEvent::Refused`),
//! or started; its outcome comes later as a `ClusterEvent::Transaction*` event. Java's
//! calls block until the outcome; a command does not, so a second call while the first is
//! under way meets `throwIfPendingState` as a call after a timed-out one does. Invariant: a
//! refused command changes nothing.

use crate::engine::client::producer::ProducerNode;
use crate::engine::cluster::command::{Command, SendOffsetsCommand};
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::ClusterEvent;

/// `KafkaProducer.throwIfNoTransactionManager`.
pub const NO_TRANSACTION_MANAGER: &str = "Cannot use transactional methods without enabling transactions by setting the transactional.id configuration property";

impl ProducerNode {
    /// Handles a transaction command (any other is ignored: the caller routes only these).
    pub(crate) fn handle_transaction_command(&mut self, command: Command) {
        let name = command.name();
        let id = self.current_id();
        let outcome = match (&command, self.txn.as_mut()) {
            (
                Command::InitTransactions(_)
                | Command::BeginTransaction(_)
                | Command::CommitTransaction(_)
                | Command::AbortTransaction(_)
                | Command::SendOffsetsToTransaction(_),
                None,
            ) => Err(NO_TRANSACTION_MANAGER.to_string()),
            (Command::InitTransactions(_), Some(txn)) => txn.initialize_transactions(id),
            (Command::BeginTransaction(_), Some(txn)) => {
                let began = txn.begin_transaction(id);
                let transactional_id = txn.transactional_id.clone();
                if began.is_ok() {
                    self.event(ClusterEvent::TransactionBegan {
                        client_id: self.client_id,
                        transactional_id,
                        producer_id: id.0,
                        producer_epoch: id.1,
                    });
                }
                began
            }
            (Command::CommitTransaction(_), Some(txn)) => txn.begin_commit(id),
            (Command::AbortTransaction(_), Some(txn)) => txn.begin_abort(id),
            (Command::SendOffsetsToTransaction(spec), Some(_)) => {
                self.send_offsets_to_transaction(spec.clone())
            }
            _ => return,
        };
        if let Err(reason) = outcome {
            self.refuse(format!("{name} refused: {reason}"));
        }
        self.emit_transaction_outcomes();
    }

    /// What [`Self::handle_transaction_command`] would answer a call of
    /// `initTransactions()`, `beginTransaction()`, `commitTransaction()` or
    /// `abortTransaction()` now: the refusal's words (`begin_transaction refused:
    /// TransactionalId tp-1: Invalid transition attempted from state UNINITIALIZED to
    /// state IN_TRANSACTION`), tried on a copy of the transaction state, so the page can
    /// answer at the control. Changes nothing.
    pub fn check_transaction_command(&self, command: &Command) -> Result<(), String> {
        let name = command.name();
        let id = self.current_id();
        let Some(txn) = self.txn.as_ref() else {
            return Err(format!("{name} refused: {NO_TRANSACTION_MANAGER}"));
        };
        let mut copy = txn.clone();
        let outcome = match command {
            Command::InitTransactions(_) => copy.initialize_transactions(id),
            Command::BeginTransaction(_) => copy.begin_transaction(id),
            Command::CommitTransaction(_) => copy.begin_commit(id),
            Command::AbortTransaction(_) => copy.begin_abort(id),
            _ => Ok(()),
        };
        outcome.map_err(|reason| format!("{name} refused: {reason}"))
    }

    /// `KafkaProducer.sendOffsetsToTransaction(offsets, groupMetadata)`.
    fn send_offsets_to_transaction(&mut self, spec: SendOffsetsCommand) -> Result<(), String> {
        let Some(group) = spec.group_metadata else {
            return Err(format!(
                "the consumer {} has no group metadata to give (it is not running, or has no group.id)",
                spec.consumer
            ));
        };
        // `throwIfInvalidGroupMetadata`.
        if group.generation_id > 0 && group.member_id.is_empty() {
            return Err(format!(
                "Passed in group metadata GroupMetadata(groupId = {}, generationId = {}, memberId = , groupInstanceId = {}) has generationId > 0 but member.id ",
                group.group_id,
                group.generation_id,
                group.group_instance_id.as_deref().unwrap_or("")
            ));
        }
        let offsets: Vec<(TopicPartition, i64)> = spec
            .offsets
            .iter()
            .map(|o| (TopicPartition::new(o.topic.as_str(), o.partition), o.offset))
            .collect();
        let id = self.current_id();
        let Some(txn) = self.txn.as_mut() else { return Err(NO_TRANSACTION_MANAGER.into()) };
        // Java calls the transaction manager only with offsets to send, and returns.
        if offsets.is_empty() {
            return Err(format!(
                "the consumer {} has processed no records of the partitions it owns: no offsets to send (Java's sendOffsetsToTransaction returns at once)",
                spec.consumer
            ));
        }
        txn.send_offsets_to_transaction(id, offsets, group)
    }
}
