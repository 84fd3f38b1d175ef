//! The coordinator's deadlines (Kafka's timer keys `heartbeat-{group}-{member}`,
//! `join-{group}`, `sync-{group}`, plus append timeouts and partition loads): at most one
//! deadline per key, rescheduling replaces it, and due deadlines come out in (time,
//! scheduling order). The broker arms one timer at [`Timers::next_deadline_ms`].

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum TimerKey {
    /// A member's session (or a pending member's wait for its JoinGroup).
    Heartbeat { group: String, member: String },
    /// The join phase's end (initial delay or rebalance timeout).
    Join { group: String },
    /// The wait for every member's SyncGroup.
    Sync { group: String },
    /// `offsets.commit.timeout.ms` of one write to `__consumer_offsets`.
    Append { id: u64 },
    /// Reading a newly led `__consumer_offsets` partition.
    Load { partition: u32 },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Timers {
    by_key: BTreeMap<TimerKey, (i64, u64)>,
    queue: BTreeSet<(i64, u64, TimerKey)>,
    next_seq: u64,
}

impl Timers {
    pub fn schedule(&mut self, key: TimerKey, at_ms: i64) {
        self.cancel(&key);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.queue.insert((at_ms, seq, key.clone()));
        self.by_key.insert(key, (at_ms, seq));
    }

    pub fn cancel(&mut self, key: &TimerKey) {
        if let Some((at, seq)) = self.by_key.remove(key) {
            self.queue.remove(&(at, seq, key.clone()));
        }
    }

    pub fn is_scheduled(&self, key: &TimerKey) -> bool {
        self.by_key.contains_key(key)
    }

    /// The earliest deadline due at `now_ms`, removed.
    pub fn pop_due(&mut self, now_ms: i64) -> Option<TimerKey> {
        let first = self.queue.first()?.clone();
        if first.0 > now_ms {
            return None;
        }
        self.queue.remove(&first);
        self.by_key.remove(&first.2);
        Some(first.2)
    }

    pub fn next_deadline_ms(&self) -> Option<i64> {
        self.queue.first().map(|(at, _, _)| *at)
    }

    /// Drops every deadline `keep` refuses.
    pub fn retain(&mut self, keep: impl Fn(&TimerKey) -> bool) {
        let dropped: Vec<TimerKey> = self.by_key.keys().filter(|k| !keep(k)).cloned().collect();
        for k in dropped {
            self.cancel(&k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescheduling_replaces_and_due_comes_in_order() {
        let mut t = Timers::default();
        t.schedule(TimerKey::Join { group: "g".into() }, 100);
        t.schedule(TimerKey::Load { partition: 1 }, 50);
        t.schedule(TimerKey::Join { group: "g".into() }, 30);
        assert_eq!(t.next_deadline_ms(), Some(30));
        assert_eq!(t.pop_due(40), Some(TimerKey::Join { group: "g".into() }));
        assert_eq!(t.pop_due(40), None);
        assert_eq!(t.pop_due(60), Some(TimerKey::Load { partition: 1 }));
        assert_eq!(t.next_deadline_ms(), None);
    }
}
