//! The driver's event queue: everything due, in (time, sequence number) order. The order
//! is a map of small keys to slots; the events themselves (a message is ~200 bytes) sit
//! in reused slots, so adding and taking one moves it once instead of shifting it
//! through the map's nodes.

use super::driver::Pending;
use std::collections::BTreeMap;

/// An event's place in the run: its time, then the order it was queued in.
pub(super) type Due = (i64, u64);

#[derive(Default)]
pub(super) struct EventQueue {
    order: BTreeMap<Due, usize>,
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
        if let Some(old) = self.order.insert(due, slot) {
            self.release(old);
        }
    }

    fn release(&mut self, slot: usize) -> Option<Pending> {
        let p = self.slots.get_mut(slot)?.take();
        self.free.push(slot);
        p
    }

    pub(super) fn pop_first(&mut self) -> Option<(Due, Pending)> {
        let (due, slot) = self.order.pop_first()?;
        self.release(slot).map(|p| (due, p))
    }

    pub(super) fn first_key_value(&self) -> Option<(&Due, &Pending)> {
        self.order.first_key_value().and_then(|(due, slot)| Some((due, self.slots.get(*slot)?.as_ref()?)))
    }

    pub(super) fn first_mut(&mut self) -> Option<&mut Pending> {
        let slot = *self.order.first_key_value()?.1;
        self.slots.get_mut(slot)?.as_mut()
    }

    pub(super) fn remove_first(&mut self) {
        if let Some((_, slot)) = self.order.pop_first() {
            self.release(slot);
        }
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&Due, &Pending)> {
        self.order.iter().filter_map(|(due, slot)| Some((due, self.slots.get(*slot)?.as_ref()?)))
    }
}
