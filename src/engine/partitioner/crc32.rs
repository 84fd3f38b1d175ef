//! librdkafka's `rd_crc32`: the standard IEEE 802.3 / zlib CRC-32 (reflected polynomial
//! 0xEDB88320, init and final xor 0xFFFFFFFF). It is NOT the CRC-32C that RecordBatch v2
//! uses for checksums; librdkafka's `consistent` partitioners hash keys with this one.

/// `rd_crc32(key, len)`. A NULL key hashes as the empty key, giving 0.
pub fn rd_crc32(key: &[u8]) -> u32 {
    crc32fast::hash(key)
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
}
