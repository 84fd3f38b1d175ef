//! The consumer-groups band: members, assignment, what each member's commit moment
//! costs (`delivery`), rebalances, lag, and their forms.

pub mod band;
pub mod delivery;
pub mod described;
pub mod forms;
pub mod isolation;
pub mod lag;
pub mod members;
pub mod ownership;
pub mod rebalances;
pub mod spans;
pub mod states;
pub mod words;
