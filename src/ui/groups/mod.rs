//! The consumer-groups band: members, assignment, rebalances, lag, and their forms.

pub mod band;
pub mod forms;
pub mod lag;
pub mod members;
pub mod rebalances;
pub mod spans;
pub mod words;
