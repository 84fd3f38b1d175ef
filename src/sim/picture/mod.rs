//! The picture the page draws, built from a running simulation with no browser API (so
//! native tests check its figures against the timeline): the view types ([`view`]), the
//! commands the page's controls send ([`command`]), and
//! the consumer groups' part ([`group`], its rebalance figures in `rebalances`, what its commit
//! moment cost in `delivery`), and how
//! records are told apart and placed ([`keys`]), what logs lost ([`removed`]) and which acknowledged records no replica holds ([`ledger`]); real clients' groups as their coordinators hold them ([`described`], for `serve`); what the log panel asks of a replica ([`log_ask`]); the binary codec the page reads
//! it in ([`frame`]). The page's driver (`crate::web`) fills the rest from its workers and
//! serializes it.

pub mod cluster;
pub mod command;
mod delivery;
pub mod described;
pub mod drawn;
pub mod frame;
pub mod group;
mod group_util;
pub mod keys;
pub mod ledger;
pub mod live;
pub mod log_ask;
mod order;
pub mod producer_view;
mod rebalances;
pub mod removed;
mod ring;
pub mod txn;
pub mod view;
