//! A node's place in the simulation ([`Slot`]): the node itself when it runs in this
//! thread, its process status and incarnation, the inputs held while it is paused, and
//! its armed timers ([`Timers`]), which the driver consults when a timer event comes due.

use super::driver::Status;
use crate::engine::cluster::{Input, Node, TimerKey};

pub(super) struct Slot {
    /// The node itself, when it runs in this thread; `None` when crashed or remote.
    pub(super) node: Option<Box<dyn Node>>,
    pub(super) status: Status,
    pub(super) incarnation: u64,
    /// The node's armed timers (for a remote node, a mirror kept from its traces).
    pub(super) timers: Timers,
    pub(super) held: Vec<Input>,
}

/// A node's armed timers and when each is due: a few keys, kept sorted in one vector
/// (arming, cancelling and firing one are a binary search and a short shift).
#[derive(Default)]
pub(super) struct Timers(Vec<(TimerKey, i64)>);

impl Timers {
    pub(super) fn get(&self, key: &TimerKey) -> Option<&i64> {
        let at = self.0.binary_search_by(|(k, _)| k.cmp(key)).ok()?;
        self.0.get(at).map(|(_, due)| due)
    }

    pub(super) fn insert(&mut self, key: TimerKey, due: i64) {
        match self.0.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(at) => self.0[at].1 = due,
            Err(at) => self.0.insert(at, (key, due)),
        }
    }

    pub(super) fn remove(&mut self, key: &TimerKey) {
        if let Ok(at) = self.0.binary_search_by(|(k, _)| k.cmp(key)) {
            self.0.remove(at);
        }
    }

    pub(super) fn clear(&mut self) {
        self.0.clear();
    }
}
