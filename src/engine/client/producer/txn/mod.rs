//! The transactional producer (`transactional.id` set), after the Java client's
//! `TransactionManager`, `KafkaProducer`'s transactional methods and `Sender`'s
//! transactional requests: [`state`] keeps the state machine and the request queue
//! (of [`request`]s),
//! [`handlers`] takes the coordinators' answers, [`sender`] sends the requests and turns
//! outcomes into events, [`commands`] takes the application's calls.
//!
//! `send_offsets_to_transaction` needs what the application's consumer knows: its
//! `groupMetadata()` and the offsets it processed. In Java both live in one process; here
//! the consumer is its own node, so a scenario step names the consumer and the driver
//! (the sim, at the step's time) reads that consumer's group metadata and processed
//! positions and hands them to the producer inside the command
//! ([`crate::engine::cluster::command::SendOffsetsCommand`]). The journal records the
//! command as delivered, so a replay gives the producer the same offsets without asking
//! the consumer again. A consumer that is not running gives no metadata, and the
//! producer refuses the command with that reason.

pub mod commands;
pub mod handlers;
pub mod request;
pub mod sender;
pub mod state;

#[cfg(test)]
pub(crate) mod tests;
