//! The producing side of the page: the producer form, its settings, the admin card and
//! its broker configs.

pub mod admin;
pub mod broker_configs;
pub mod form;
pub mod settings;
