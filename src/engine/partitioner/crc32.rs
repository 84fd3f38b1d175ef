//! librdkafka's `rd_crc32`: the standard IEEE 802.3 / zlib CRC-32 (reflected polynomial
//! 0xEDB88320, init and final xor 0xFFFFFFFF). It is NOT the CRC-32C that RecordBatch v2
//! uses for checksums; librdkafka's `consistent` partitioners hash keys with this one.
//! Byte at a time through one 256-entry table, as librdkafka's `rdcrc32.c` does (its
//! table-driven `rd_crc32_update`): keys are short, and the page draws key hashing too, so
//! a 1 KiB table rather than a crate's 16 KiB slicing tables in every learner's download
//! (page weight, BENCHMARKS.md).

use crate::engine::record::crc::{feed_bytes, reflected_byte_table};

/// The byte table of the reflected IEEE polynomial.
static TABLE: [u32; 256] = reflected_byte_table(0xEDB8_8320);

/// `rd_crc32(key, len)`. A NULL key hashes as the empty key, giving 0.
pub fn rd_crc32(key: &[u8]) -> u32 {
    !feed_bytes(&TABLE, !0, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_check_value() {
        // The CRC catalogue's check value for CRC-32/ISO-HDLC.
        assert_eq!(rd_crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(rd_crc32(b""), 0);
    }

    #[test]
    fn equals_the_crc32fast_crate_at_every_length() {
        let data: Vec<u8> = (0..300u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        for len in 0..data.len() {
            assert_eq!(rd_crc32(&data[..len]), crc32fast::hash(&data[..len]), "length {len}");
        }
    }
}
