//! How many record cells the page's partition × broker matrix draws: at most
//! [`RECORD_CELLS_DRAWN`] in all, each replica its newest `RECORD_CELLS_DRAWN / replicas`,
//! at least [`MIN_RECORDS_DRAWN`] and at most the [`RECORDS_PER_REPLICA`] its picture
//! holds. A small cluster shows every record its picture holds; a big one under load
//! (3 brokers × 12 partitions at 1,000 records/s: every drawn record is new at every
//! view) does not rebuild a thousand cells a view, where a cell shows a few at a time.
//! Native, so the rule is tested beside the picture it bounds.

use crate::engine::replica::view::RECORDS_PER_REPLICA;

/// Record cells the whole matrix draws at most (36 replicas: 6 each; 6 replicas: all 32).
pub const RECORD_CELLS_DRAWN: usize = 216;
/// Record cells a replica draws at least, however many replicas there are.
pub const MIN_RECORDS_DRAWN: usize = 4;

/// How many of its newest records each of `replicas` cells draws.
pub fn records_drawn(replicas: usize) -> usize {
    (RECORD_CELLS_DRAWN / replicas.max(1)).clamp(MIN_RECORDS_DRAWN, RECORDS_PER_REPLICA)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_matrix_draws_every_record_and_a_big_one_stays_within_the_bound() {
        // The notebook (one broker, a few partitions) and a section-5 cluster: all 32.
        assert_eq!(records_drawn(1), RECORDS_PER_REPLICA);
        assert_eq!(records_drawn(6), RECORDS_PER_REPLICA);
        // 3 brokers x 6 partitions: 12 each; 3 x 12 (the frame benchmark's load): 6 each.
        assert_eq!(records_drawn(18), 12);
        assert_eq!(records_drawn(36), 6);
        for replicas in 7..=RECORD_CELLS_DRAWN / MIN_RECORDS_DRAWN {
            assert!(records_drawn(replicas) * replicas <= RECORD_CELLS_DRAWN, "{replicas} replicas");
        }
        // Past the bound every replica still shows its newest few.
        assert_eq!(records_drawn(192), MIN_RECORDS_DRAWN);
        assert_eq!(records_drawn(0), RECORDS_PER_REPLICA);
    }
}
