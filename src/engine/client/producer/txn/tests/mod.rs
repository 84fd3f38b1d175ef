//! The transactional producer driven by hand, sans-IO, as Kafka's `TransactionManagerTest`
//! drives its `TransactionManager` and `Sender` with a `MockClient`: commands in, the
//! coordinators' and leaders' answers fed back, requests, state and events checked. Each
//! test names the Kafka test method it ports.

mod basic;
mod errors;
pub(crate) mod harness;
