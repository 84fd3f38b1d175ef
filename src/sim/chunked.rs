//! [`Chunked`]: an append-only list kept in chunks of a fixed size, for what a run only
//! ever adds to (its journal, its timeline of events). Growing it never copies what it
//! holds nor moves it to fresh memory, where a `Vec` doubles: a run keeps tens of
//! thousands of entries, and every doubling copied them and touched new pages.

/// Entries per chunk.
const CHUNK_ENTRIES: usize = 1024;

#[derive(Clone)]
pub struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked { chunks: Vec::new(), len: 0 }
    }
}

impl<T> Chunked<T> {
    pub fn push(&mut self, entry: T) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK_ENTRIES => chunk.push(entry),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK_ENTRIES);
                chunk.push(entry);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.chunks.iter().flatten()
    }

    /// The entries from the `start`th on (what `iter().skip(start)` gives, without
    /// walking the ones before).
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = &T> + '_ {
        let (chunk, at) = (start / CHUNK_ENTRIES, start % CHUNK_ENTRIES);
        let first = self.chunks.get(chunk).map_or(&[][..], |c| c.get(at..).unwrap_or_default());
        first.iter().chain(self.chunks.iter().skip(chunk + 1).flatten())
    }

    pub fn last(&self) -> Option<&T> {
        self.chunks.last().and_then(|c| c.last())
    }

    pub fn to_vec(&self) -> Vec<T>
    where
        T: Clone,
    {
        let mut all = Vec::with_capacity(self.len);
        self.chunks.iter().for_each(|c| all.extend_from_slice(c));
        all
    }
}

impl<'a, T> IntoIterator for &'a Chunked<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<T>>>;
    fn into_iter(self) -> Self::IntoIter {
        self.chunks.iter().flatten()
    }
}

impl<T: PartialEq> PartialEq for Chunked<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
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
}
