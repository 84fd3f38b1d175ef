//! Kafka's `Utils.murmur2` and `Utils.toPositive`, bit-exact with the Java client.
//!
//! MurmurHash2 with seed 0x9747b28c, m = 0x5bd1e995, r = 24, little-endian 4-byte blocks,
//! Java `int` arithmetic (wrapping multiply, unsigned `>>>` shifts). librdkafka's
//! `rd_murmur2` is the same function, returned as `uint32_t`.

const SEED: u32 = 0x9747_b28c;
const M: u32 = 0x5bd1_e995;
const R: u32 = 24;

/// Kafka's `Utils.murmur2(byte[])`, as the Java `int` it returns.
pub fn murmur2(key: &[u8]) -> i32 {
    // Java uses the int length; keys are far below 2^32 bytes.
    let mut h: u32 = SEED ^ (key.len() as u32);
    let mut blocks = key.chunks_exact(4);
    for block in &mut blocks {
        if let [b0, b1, b2, b3] = *block {
            let mut k = u32::from_le_bytes([b0, b1, b2, b3]);
            k = k.wrapping_mul(M);
            k ^= k >> R;
            k = k.wrapping_mul(M);
            h = h.wrapping_mul(M);
            h ^= k;
        }
    }
    // The remaining 0..=3 bytes, the same fall-through as Java's switch on length % 4.
    let tail = blocks.remainder();
    if !tail.is_empty() {
        for (i, byte) in tail.iter().enumerate().rev() {
            h ^= u32::from(*byte) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// librdkafka's `rd_murmur2(key, len)`: the same hash as [`murmur2`], unsigned. A NULL key
/// hashes as the empty key (length 0).
pub fn rd_murmur2(key: &[u8]) -> u32 {
    murmur2(key) as u32
}

/// Kafka's `Utils.toPositive`: clears the sign bit (`x & 0x7fffffff`), which is NOT
/// `Math.abs` (`toPositive(i32::MIN)` is 0, not an overflow).
pub fn to_positive(x: i32) -> i32 {
    x & 0x7fff_ffff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_key_hashes_to_seed_mix() {
        assert_eq!(murmur2(b""), 0x106e_08d9);
        assert_eq!(rd_murmur2(b""), 0x106e_08d9);
    }

    #[test]
    fn every_tail_length_is_mixed() {
        // Changing any byte of any tail length changes the hash.
        for len in 1..=7usize {
            let key: Vec<u8> = (0..len as u8).collect();
            for pos in 0..len {
                let mut other = key.clone();
                other[pos] ^= 0x80;
                assert_ne!(murmur2(&key), murmur2(&other), "len {len}, byte {pos}");
            }
        }
    }

    #[test]
    fn to_positive_masks_the_sign_bit() {
        assert_eq!(to_positive(-1), i32::MAX);
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(5), 5);
        assert_eq!(to_positive(-973_932_308), 1_173_551_340);
    }
}
