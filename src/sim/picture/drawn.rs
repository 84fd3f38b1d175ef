//! How many record cells the page's partition × broker matrix draws: at most
//! [`RECORD_CELLS_DRAWN`] in all, each replica its newest `RECORD_CELLS_DRAWN / replicas`,
//! at least [`MIN_RECORDS_DRAWN`] and at most the [`RECORDS_PER_REPLICA`] its picture
//! holds. A small cluster shows every record its picture holds; a big one under load
//! (3 brokers × 12 partitions at 1,000 records/s: every drawn record is new at every
//! view) does not rebuild a thousand cells a view, where a cell shows a few at a time.
//! Native, so the rule is tested beside the picture it bounds.

use crate::engine::replica::view::RECORDS_PER_REPLICA;

/// Record cells the whole matrix draws at most (36 replicas: 3 each, where a strip shows
/// one or two beside its offsets; 18 replicas: 6; 3 replicas: all 32).
pub const RECORD_CELLS_DRAWN: usize = 108;
/// Record cells a replica draws at least, however many replicas there are.
pub const MIN_RECORDS_DRAWN: usize = 3;

/// How many of its newest records each of `replicas` cells draws.
pub fn records_drawn(replicas: usize) -> usize {
    (RECORD_CELLS_DRAWN / replicas.max(1)).clamp(MIN_RECORDS_DRAWN, RECORDS_PER_REPLICA)
}

/// How many of `len` records (oldest first) come before the newest `max_drawn`, which
/// are drawn; at least one is drawn.
pub fn first_drawn(len: usize, max_drawn: usize) -> usize {
    len.saturating_sub(max_drawn.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_matrix_draws_every_record_and_a_big_one_stays_within_the_bound() {
        // The notebook (one broker, a few partitions) and a one-partition cluster: all 32.
        assert_eq!(records_drawn(1), RECORDS_PER_REPLICA);
        assert_eq!(records_drawn(3), RECORDS_PER_REPLICA);
        // 3 brokers x 2 partitions: 18 each; x 6: 6 each; x 12 (the frame benchmark's load): 3 each.
        assert_eq!(records_drawn(6), 18);
        assert_eq!(records_drawn(18), 6);
        assert_eq!(records_drawn(36), 3);
        for replicas in 7..=RECORD_CELLS_DRAWN / MIN_RECORDS_DRAWN {
            assert!(records_drawn(replicas) * replicas <= RECORD_CELLS_DRAWN, "{replicas} replicas");
        }
        // Past the bound every replica still shows its newest few.
        assert_eq!(records_drawn(96), MIN_RECORDS_DRAWN);
        assert_eq!(records_drawn(0), RECORDS_PER_REPLICA);
        // The newest `max_drawn` are drawn, at least one.
        assert_eq!(first_drawn(32, 3), 29);
        assert_eq!(first_drawn(2, 3), 0);
        assert_eq!(first_drawn(5, 0), 4);
    }
}
