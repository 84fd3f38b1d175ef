//! librdkafka's `rd_fnv1a`: 32-bit FNV-1a made non-negative the way Sarama's
//! `NewHashPartitioner` does it (negate when the signed value is negative).

const OFFSET_BASIS: u32 = 0x811c_9dc5;
const PRIME: u32 = 0x0100_0193;

/// `rd_fnv1a(key, len)`. A NULL key hashes as the empty key, giving 0x7ee3623b.
///
/// The C code keeps the hash in an `int32_t` and does `if (h < 0) h = -h;`. Negating
/// `INT32_MIN` wraps back to `INT32_MIN` (0x80000000), which is what this returns too.
pub fn rd_fnv1a(key: &[u8]) -> u32 {
    let mut h = OFFSET_BASIS;
    for byte in key {
        h ^= u32::from(*byte);
        h = h.wrapping_mul(PRIME);
    }
    let signed = h as i32;
    if signed < 0 {
        signed.wrapping_neg() as u32
    } else {
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_key_is_the_offset_basis_made_positive() {
        // 0x811c9dc5 is negative as int32; its negation is 0x7ee3623b.
        assert_eq!(rd_fnv1a(b""), 0x7ee3_623b);
    }

    #[test]
    fn result_never_has_the_sign_bit_except_int_min() {
        for i in 0..2000u32 {
            let h = rd_fnv1a(&i.to_le_bytes());
            assert!(h <= 0x8000_0000, "key {i} gave {h:#x}");
        }
    }
}
