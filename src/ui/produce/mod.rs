//! The producing side of the page: the producer form, its settings, a pipeline's card,
//! the admin card with its broker configs and its delete-topic control.

pub mod admin;
pub mod blocked;
pub mod broker_configs;
pub mod delete_topic;
pub mod form;
pub mod pipeline;
pub mod settings;
pub mod txn;
pub mod txn_coordinator;
