//! The producing side of the page: the producer form and the admin card.

pub mod admin;
pub mod form;
