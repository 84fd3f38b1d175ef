//! [`Chunked`]: an append-only list kept in chunks of a fixed size, for what a run only
//! ever adds to (its journal, its timeline of events). Growing it never copies what it
//! holds nor moves it to fresh memory, where a `Vec` doubles: a run keeps tens of
//! thousands of entries, and every doubling copied them and touched new pages.
//!
//! A long run in the tab cannot keep them all: full chunks at the front can be handed
//! over ([`Chunked::take_front_chunk`], the journal spilled to IndexedDB) or forgotten
//! ([`Chunked::forget_before`], timeline events every reader has read). Invariant: indices
//! stay absolute (the `i`th entry ever pushed is index `i`, forgotten or not; `len()`
//! counts every entry ever pushed), only whole full chunks are ever forgotten, and the
//! last chunk is always kept.

use std::collections::VecDeque;

/// Entries per chunk.
pub const CHUNK_ENTRIES: usize = 1024;

#[derive(Clone)]
pub struct Chunked<T> {
    chunks: VecDeque<Vec<T>>,
    /// Chunks handed over or forgotten: the first kept entry is `forgotten * CHUNK_ENTRIES`.
    forgotten: usize,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked { chunks: VecDeque::new(), forgotten: 0, len: 0 }
    }
}

impl<T> Chunked<T> {
    pub fn push(&mut self, entry: T) {
        match self.chunks.back_mut() {
            Some(chunk) if chunk.len() < CHUNK_ENTRIES => chunk.push(entry),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK_ENTRIES);
                chunk.push(entry);
                self.chunks.push_back(chunk);
            }
        }
        self.len += 1;
    }

    /// Every entry ever pushed, the forgotten ones included.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The index of the first entry still kept (0 unless chunks were forgotten).
    pub fn first_kept(&self) -> usize {
        self.forgotten * CHUNK_ENTRIES
    }

    /// The kept entries, from [`Chunked::first_kept`] on.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.chunks.iter().flatten()
    }

    /// The entries from the `start`th on (what `iter().skip(start)` gives, without
    /// walking the ones before); a `start` before [`Chunked::first_kept`] begins there.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = &T> + '_ {
        let start = start.saturating_sub(self.first_kept());
        let (chunk, at) = (start / CHUNK_ENTRIES, start % CHUNK_ENTRIES);
        let first = self.chunks.get(chunk).map_or(&[][..], |c| c.get(at..).unwrap_or_default());
        first.iter().chain(self.chunks.iter().skip(chunk + 1).flatten())
    }

    pub fn last(&self) -> Option<&T> {
        self.chunks.back().and_then(|c| c.last())
    }

    /// The kept entries as one `Vec` (every entry, where nothing was forgotten).
    pub fn to_vec(&self) -> Vec<T>
    where
        T: Clone,
    {
        let mut all = Vec::with_capacity(self.len - self.first_kept());
        self.chunks.iter().for_each(|c| all.extend_from_slice(c));
        all
    }

    /// Hands over the first kept chunk if it is full, is not the last one, and ends at or
    /// before index `upto` (every reader has read it); it is forgotten here. Returns its
    /// first entry's index with it.
    pub fn take_front_chunk(&mut self, upto: usize) -> Option<(usize, Vec<T>)> {
        let front_full = self.chunks.front().is_some_and(|c| c.len() == CHUNK_ENTRIES);
        if self.chunks.len() < 2 || !front_full || self.first_kept() + CHUNK_ENTRIES > upto {
            return None;
        }
        let first = self.first_kept();
        let chunk = self.chunks.pop_front()?;
        self.forgotten += 1;
        Some((first, chunk))
    }

    /// Forgets every full chunk before the last that ends at or before index `upto`.
    pub fn forget_before(&mut self, upto: usize) {
        while self.take_front_chunk(upto).is_some() {}
    }
}

impl<'a, T> IntoIterator for &'a Chunked<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Flatten<std::collections::vec_deque::Iter<'a, Vec<T>>>;
    fn into_iter(self) -> Self::IntoIter {
        self.chunks.iter().flatten()
    }
}

impl<T: PartialEq> PartialEq for Chunked<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.forgotten == other.forgotten && self.iter().eq(other.iter())
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Chunked<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_the_vec_of_what_was_pushed() {
        for n in [0, 1, CHUNK_ENTRIES - 1, CHUNK_ENTRIES, CHUNK_ENTRIES + 1, 3 * CHUNK_ENTRIES + 7] {
            let mut c = Chunked::default();
            (0..n).for_each(|i| c.push(i));
            let v: Vec<usize> = (0..n).collect();
            assert_eq!((c.len(), c.is_empty(), c.to_vec()), (n, n == 0, v.clone()));
            assert_eq!(c.last(), v.last());
            assert_eq!((&c).into_iter().copied().collect::<Vec<_>>(), v);
            for start in [0, 1, CHUNK_ENTRIES - 1, CHUNK_ENTRIES, n.saturating_sub(1), n, n + 5] {
                let expected: Vec<usize> = v.iter().skip(start).copied().collect();
                assert_eq!(c.iter_from(start).copied().collect::<Vec<_>>(), expected, "n {n} from {start}");
            }
        }
    }

    #[test]
    fn hands_over_only_full_front_chunks_read_by_everyone_and_never_the_last() {
        let mut c = Chunked::default();
        (0..3 * CHUNK_ENTRIES).for_each(|i| c.push(i));
        // Nobody has read the whole first chunk yet.
        assert_eq!(c.take_front_chunk(CHUNK_ENTRIES - 1), None);
        let (first, chunk) = c.take_front_chunk(CHUNK_ENTRIES).expect("the first chunk is read");
        assert_eq!((first, chunk), (0, (0..CHUNK_ENTRIES).collect::<Vec<_>>()));
        let (first, chunk) = c.take_front_chunk(usize::MAX).expect("the second chunk");
        assert_eq!((first, chunk.first(), chunk.len()), (CHUNK_ENTRIES, Some(&CHUNK_ENTRIES), CHUNK_ENTRIES));
        // The third chunk is full but the last one: it stays.
        assert_eq!(c.take_front_chunk(usize::MAX), None);
        assert_eq!(
            (c.len(), c.first_kept(), c.last()),
            (3 * CHUNK_ENTRIES, 2 * CHUNK_ENTRIES, Some(&(3 * CHUNK_ENTRIES - 1)))
        );
        // Once more is pushed, it is no longer the last.
        c.push(3 * CHUNK_ENTRIES);
        assert_eq!(c.take_front_chunk(usize::MAX).map(|(first, _)| first), Some(2 * CHUNK_ENTRIES));
        assert_eq!(c.to_vec(), vec![3 * CHUNK_ENTRIES]);
    }

    #[test]
    fn forgetting_keeps_indices_absolute_and_iter_from_reads_across_the_cut() {
        let n = 4 * CHUNK_ENTRIES + 10;
        let mut c = Chunked::default();
        (0..n).for_each(|i| c.push(i));
        c.forget_before(2 * CHUNK_ENTRIES + 5);
        assert_eq!((c.len(), c.first_kept()), (n, 2 * CHUNK_ENTRIES));
        // A reader at index i still reads entry i next.
        for start in
            [2 * CHUNK_ENTRIES, 2 * CHUNK_ENTRIES + 1, 3 * CHUNK_ENTRIES - 1, 3 * CHUNK_ENTRIES, n - 1, n]
        {
            assert_eq!(
                c.iter_from(start).copied().collect::<Vec<_>>(),
                (start..n).collect::<Vec<_>>(),
                "from {start}"
            );
        }
        // Before the cut: what is kept, from the first kept entry.
        assert_eq!(c.iter_from(5).next(), Some(&(2 * CHUNK_ENTRIES)));
        assert_eq!(c.iter().count(), n - 2 * CHUNK_ENTRIES);
        // Pushing goes on at the absolute end.
        c.push(n);
        assert_eq!((c.len(), c.last(), c.iter_from(n).next()), (n + 1, Some(&n), Some(&n)));
        c.forget_before(usize::MAX);
        assert_eq!((c.first_kept(), c.iter().count()), (4 * CHUNK_ENTRIES, 11));
    }
}
