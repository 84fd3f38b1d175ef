//! The producer's estimate of how well a topic's batches compress (Java's
//! `CompressionRatioEstimator`), which `MemoryRecordsBuilder.estimatedBytesWritten` uses to
//! judge whether another record fits a compressed batch: a batch is full once
//! `61 + uncompressed × estimate × 1.05` reaches `batch.size`. The estimate starts at the
//! codec's `rate` (1.0 for every codec) and after each closed batch moves toward what the
//! batch showed: down by at most 0.005 when it compressed better, up by at least 0.05
//! when worse (`updateEstimation`). Java keeps one table per JVM; a playground producer
//! is its own process, so each producer (and each CLI `produce`) has its own. Invariant:
//! the arithmetic is Java's `float`, so the same records close batches at the same record.

use super::Compression;
use std::collections::BTreeMap;

/// `CompressionRatioEstimator.COMPRESSION_RATIO_IMPROVING_STEP`.
pub const COMPRESSION_RATIO_IMPROVING_STEP: f32 = 0.005;
/// `CompressionRatioEstimator.COMPRESSION_RATIO_DETERIORATE_STEP`.
pub const COMPRESSION_RATIO_DETERIORATE_STEP: f32 = 0.05;
/// `MemoryRecordsBuilder.COMPRESSION_RATE_ESTIMATION_FACTOR`.
pub const COMPRESSION_RATE_ESTIMATION_FACTOR: f32 = 1.05;

/// Estimates per topic, one per codec (indexed by its id), as Java's `float[]` per topic.
#[derive(Debug, Clone, Default)]
pub struct CompressionRatioEstimator {
    ratios: BTreeMap<String, [f32; Compression::ALL.len()]>,
}

impl CompressionRatioEstimator {
    /// `estimation(topic, type)`: the codec's rate (1.0) until a batch was closed.
    pub fn estimation(&self, topic: &str, compression: Compression) -> f32 {
        self.ratios.get(topic).map_or(1.0, |r| r[compression as usize])
    }

    /// `setEstimation(topic, type, ratio)`.
    pub fn set_estimation(&mut self, topic: &str, compression: Compression, ratio: f32) {
        let ratios = match self.ratios.get_mut(topic) {
            Some(ratios) => ratios,
            None => self.ratios.entry(topic.to_string()).or_insert([1.0; Compression::ALL.len()]),
        };
        ratios[compression as usize] = ratio;
    }

    /// `updateEstimation(topic, type, observedRatio)`: the new estimate.
    pub fn update_estimation(&mut self, topic: &str, compression: Compression, observed_ratio: f32) -> f32 {
        let current = self.estimation(topic, compression);
        let updated = if observed_ratio > current {
            (current + COMPRESSION_RATIO_DETERIORATE_STEP).max(observed_ratio)
        } else if observed_ratio < current {
            (current - COMPRESSION_RATIO_IMPROVING_STEP).max(observed_ratio)
        } else {
            current
        };
        self.set_estimation(topic, compression, updated);
        updated
    }
}

/// `MemoryRecordsBuilder.compressionRatio()` of a closed batch: its whole size (header
/// included) over its records' uncompressed size, as Java's `float` division gives it.
pub fn observed_ratio(batch_bytes: usize, uncompressed_records_bytes: u32) -> f32 {
    if uncompressed_records_bytes == 0 {
        return 1.0;
    }
    batch_bytes as f32 / uncompressed_records_bytes as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kafka's `CompressionRatioEstimatorTest.testUpdateEstimation` rows (current,
    /// observed), with the value `updateEstimation` gives by its source: worse than
    /// estimated → max(current + 0.05, observed); better → max(current − 0.005, observed).
    #[test]
    fn kafkas_rows() {
        for (current, observed, expected) in [
            (0.8f32, 0.84f32, 0.8f32 + 0.05),
            (0.6, 0.7, 0.7),
            (0.6, 0.4, 0.6 - 0.005),
            (0.004, 0.001, 0.001),
        ] {
            let mut e = CompressionRatioEstimator::default();
            e.set_estimation("tp", Compression::Zstd, current);
            let updated = e.update_estimation("tp", Compression::Zstd, observed);
            assert!(updated >= observed, "Kafka's assertion: {updated} >= {observed}");
            assert_eq!(updated, expected, "({current}, {observed})");
            assert_eq!(e.estimation("tp", Compression::Zstd), expected);
        }
    }

    #[test]
    fn per_topic_and_codec_from_one() {
        let mut e = CompressionRatioEstimator::default();
        assert_eq!(e.estimation("a", Compression::Gzip), 1.0);
        e.update_estimation("a", Compression::Gzip, 0.3);
        assert_eq!(e.estimation("a", Compression::Gzip), 0.995);
        assert_eq!(e.estimation("a", Compression::Lz4), 1.0);
        assert_eq!(e.estimation("b", Compression::Gzip), 1.0);
        assert_eq!(e.update_estimation("a", Compression::Gzip, 0.995), 0.995, "equal: unchanged");
    }
}

#[cfg(test)]
mod fullness {
    use crate::engine::record::default_record::record_size_in_bytes;
    use crate::engine::record::{BatchBuilder, BatchOptions, Compression};

    /// Records a batch of `compression` with `ratio` takes before `hasRoomFor` says no.
    fn fits(compression: Compression, ratio: f32, limit: u32) -> u32 {
        let mut b = BatchBuilder::new(BatchOptions { compression, ..BatchOptions::default() });
        b.set_estimated_compression_ratio(ratio);
        let value = [b'x'; 90];
        let mut n = 0;
        while b.has_room_for(0, None, Some(value.len()), &[], limit) {
            b.append(0, None, Some(&value), &[]);
            n += 1;
        }
        n
    }

    /// Worked by hand from `MemoryRecordsBuilder.hasRoomFor`: each record is 99 bytes
    /// (`DefaultRecord.sizeInBytes`: 97 bytes of body and a 2-byte length); with the
    /// limit 960 an uncompressed batch takes records while 61 + 99k + 99 ≤ 960 (9), a
    /// gzip batch at the first estimate 1.0 while 61 + ⌊99k × 1.0 × 1.05⌋ + 99 ≤ 960 (8),
    /// and at an estimate of 0.5 while 61 + ⌊99k × 0.5 × 1.05⌋ + 99 ≤ 960 (16).
    #[test]
    fn a_compressed_batch_is_full_by_javas_estimate() {
        assert_eq!(record_size_in_bytes(0, 0, None, Some(90), &[]), 99);
        assert_eq!(fits(Compression::None, 1.0, 960), 9);
        assert_eq!(fits(Compression::None, 0.5, 960), 9, "no estimate without compression");
        assert_eq!(fits(Compression::Gzip, 1.0, 960), 8);
        assert_eq!(fits(Compression::Gzip, 0.5, 960), 16);
    }
}
