//! CRC-32C (Castagnoli), the checksum of RecordBatch v2: over bytes `[21, end)` of a batch.
//! Hardware-accelerated natively where the CPU has it; table-driven on wasm32.

/// CRC-32C of `bytes`.
#[inline]
pub fn crc32c(bytes: &[u8]) -> u32 {
    crc32c::crc32c(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn castagnoli_check_value() {
        // The standard check value of CRC-32C over "123456789".
        assert_eq!(super::crc32c(b"123456789"), 0xe306_9283);
    }
}
