//! The events band: what happened, in words.

pub mod feed;
