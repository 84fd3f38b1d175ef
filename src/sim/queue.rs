//! The driver's event queue: everything due, in (time, sequence number) order. A binary
//! heap orders small keys; the events themselves (a message is ~200 bytes) sit in
//! reused slots, so adding and taking one moves it once. Keys are unique (the sequence
//! number grows), so the heap's order is the total order; walking the queue in order
//! (the picture of messages in flight) sorts a copy of the keys; the lockstep planner
//! sorts only the keys of its window, since acts may be queued for the whole run.

use super::driver::Pending;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// An event's place in the run: its time, then the order it was queued in.
pub(super) type Due = (i64, u64);

#[derive(Default)]
pub(super) struct EventQueue {
    order: BinaryHeap<Reverse<(Due, usize)>>,
    slots: Vec<Option<Pending>>,
    free: Vec<usize>,
}

impl EventQueue {
    pub(super) fn insert(&mut self, due: Due, p: Pending) {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = Some(p);
                slot
            }
            None => {
                self.slots.push(Some(p));
                self.slots.len() - 1
            }
        };
        self.order.push(Reverse((due, slot)));
    }

    fn release(&mut self, slot: usize) -> Option<Pending> {
        let p = self.slots.get_mut(slot)?.take();
        self.free.push(slot);
        p
    }

    pub(super) fn pop_first(&mut self) -> Option<(Due, Pending)> {
        let Reverse((due, slot)) = self.order.pop()?;
        self.release(slot).map(|p| (due, p))
    }

    pub(super) fn first_key_value(&self) -> Option<(&Due, &Pending)> {
        let Reverse((due, slot)) = self.order.peek()?;
        Some((due, self.slots.get(*slot)?.as_ref()?))
    }

    pub(super) fn first_mut(&mut self) -> Option<&mut Pending> {
        let Reverse((_, slot)) = self.order.peek()?;
        self.slots.get_mut(*slot)?.as_mut()
    }

    pub(super) fn remove_first(&mut self) {
        if let Some(Reverse((_, slot))) = self.order.pop() {
            self.release(slot);
        }
    }

    /// Every queued event, in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&Due, &Pending)> {
        self.before((i64::MAX, u64::MAX))
    }

    /// The queued events due before `end`, in order.
    pub(super) fn before(&self, end: Due) -> impl Iterator<Item = (&Due, &Pending)> {
        let mut keys: Vec<&(Due, usize)> =
            self.order.iter().map(|Reverse(key)| key).filter(|(due, _)| *due < end).collect();
        keys.sort_unstable();
        keys.into_iter().filter_map(|(due, slot)| Some((due, self.slots.get(*slot)?.as_ref()?)))
    }
}
