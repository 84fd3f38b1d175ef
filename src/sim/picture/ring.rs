//! A bounded ring of the latest items (the feed's events, a producer's outcomes), with
//! how many came before its first, so the page keys rows by a lasting number.

use std::collections::VecDeque;

/// The latest `CAP` items, and how many came before the first of them (the page keys
/// rows by that lasting number).
pub(super) struct Ring<T, const CAP: usize> {
    pub(super) items: VecDeque<T>,
    pushed: u64,
}

impl<T, const CAP: usize> Default for Ring<T, CAP> {
    fn default() -> Self {
        Ring { items: VecDeque::new(), pushed: 0 }
    }
}

impl<T: Clone, const CAP: usize> Ring<T, CAP> {
    pub(super) fn push(&mut self, item: T) {
        if self.items.len() == CAP {
            self.items.pop_front();
        }
        self.items.push_back(item);
        self.pushed += 1;
    }

    pub(super) fn to_vec(&self) -> Vec<T> {
        self.items.iter().cloned().collect()
    }

    pub(super) fn before(&self) -> u64 {
        self.pushed - self.items.len() as u64
    }

    /// Puts `item` in place of the last item if `same` says it is the same thing again
    /// (a retry of the same send for the same reason: one line that counts up), else
    /// pushes it.
    pub(super) fn fold_into_last(&mut self, item: T, same: impl Fn(&T) -> bool) {
        match self.items.back_mut().filter(|last| same(last)) {
            Some(last) => *last = item,
            None => self.push(item),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Ring;

    #[test]
    fn a_fold_replaces_the_same_last_item_and_keeps_the_numbering() {
        let mut r: Ring<(char, u32), 3> = Ring::default();
        for item in [('a', 1), ('r', 1), ('r', 2), ('r', 3)] {
            r.fold_into_last(item, |last| last.0 == 'r' && item.0 == 'r');
        }
        assert_eq!(r.to_vec(), vec![('a', 1), ('r', 3)]);
        assert_eq!(r.before(), 0);
        for item in [('b', 1), ('c', 1)] {
            r.push(item);
        }
        assert_eq!(r.to_vec(), vec![('r', 3), ('b', 1), ('c', 1)]);
        assert_eq!(r.before(), 1);
    }
}
