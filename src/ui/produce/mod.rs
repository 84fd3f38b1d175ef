//! The producing side of the page: the producer form and the admin card (with its delete-topic control).

pub mod admin;
pub mod delete_topic;
pub mod form;
