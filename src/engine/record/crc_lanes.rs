//! CRC-32C over 16 streams at once, one per lane of a 128-bit vector: the wasm32 `simd128`
//! path of [`super::crc`], for inputs of 256 bytes and more (batches are ~16 KiB).
//!
//! The input is cut into superblocks of 16 equal streams (4 KiB, then 1 KiB, then 256 B).
//! Lane `j` runs the ordinary byte-at-a-time CRC over stream `j`: the register is kept as
//! four vectors, one per register byte, so `r >> 8` is a renaming of vectors and the table
//! lookup `T[(r ^ b) & 0xff]` is two 16-entry lookups (low and high nibble) per register
//! byte, which `i8x16.swizzle` does for all 16 lanes at once. Loads read 16 bytes of each
//! stream and a 16×16 byte transpose (four rounds of interleaving) turns them into 16
//! steps. The 16 stream registers are then joined in order: each is shifted over one
//! stream's length of zero bytes (four lookups in a table made for that length) and XORed
//! with the next. The rest (under 256 bytes) runs braided.
//!
//! The vector type is a plain `[u8; 16]` with the same operations on other targets, so the
//! algorithm itself is tested natively against the `crc32c` crate; on wasm32 each
//! operation is the one `simd128` instruction.

use super::crc::{byte_table, crc32c_braided_append};

/// Register after feeding `n` zero bytes, by register byte: `r` shifted over `n` zero
/// bytes is the XOR of `zeros[k][byte k of r]` (the shift is linear in `r`).
const fn zeros_table(n: usize) -> [[u32; 256]; 4] {
    let t = byte_table();
    let mut out = [[0u32; 256]; 4];
    let mut k = 0;
    while k < 4 {
        let mut b = 0;
        while b < 256 {
            let mut r = (b as u32) << (8 * k);
            let mut i = 0;
            while i < n {
                r = t[(r & 0xff) as usize] ^ (r >> 8);
                i += 1;
            }
            out[k][b] = r;
            b += 1;
        }
        k += 1;
    }
    out
}

static ZEROS_256: [[u32; 256]; 4] = zeros_table(256);
static ZEROS_64: [[u32; 256]; 4] = zeros_table(64);
static ZEROS_16: [[u32; 256]; 4] = zeros_table(16);

/// Nibble tables: `[k]` holds byte `k` of `T[v]`, `[4 + k]` byte `k` of `T[v << 4]`,
/// for `v` in `0..16` (`T[b] = T[b & 15] ^ T[b & 0xf0]`: the table is linear).
const fn nibble_tables() -> [[u8; 16]; 8] {
    let t = byte_table();
    let mut out = [[0u8; 16]; 8];
    let mut k = 0;
    while k < 4 {
        let mut v = 0;
        while v < 16 {
            out[k][v] = (t[v] >> (8 * k)) as u8;
            out[4 + k][v] = (t[v << 4] >> (8 * k)) as u8;
            v += 1;
        }
        k += 1;
    }
    out
}

static NIBBLES: [[u8; 16]; 8] = nibble_tables();

#[cfg(target_arch = "wasm32")]
mod v {
    //! The vector operations as `simd128` instructions.
    pub use core::arch::wasm32::v128 as V;
    use core::arch::wasm32::*;

    #[inline(always)]
    pub fn load(a: &[u8; 16]) -> V {
        // SAFETY: `a` is 16 readable bytes; v128.load reads unaligned.
        unsafe { v128_load(a.as_ptr().cast::<V>()) }
    }
    /// The 16 bytes of `b` from `at` (zeros if `b` is shorter: never, for our callers).
    #[inline(always)]
    pub fn load_at(b: &[u8], at: usize) -> V {
        match b.get(at..at + 16) {
            // SAFETY: `row` is 16 readable bytes; v128.load reads unaligned.
            Some(row) => unsafe { v128_load(row.as_ptr().cast::<V>()) },
            None => u8x16_splat(0),
        }
    }
    #[inline(always)]
    pub fn store(v: V) -> [u8; 16] {
        let mut a = [0u8; 16];
        // SAFETY: `a` is 16 writable bytes; v128.store writes unaligned.
        unsafe { v128_store(a.as_mut_ptr().cast::<V>(), v) };
        a
    }
    #[inline(always)]
    pub fn xor(a: V, b: V) -> V {
        v128_xor(a, b)
    }
    #[inline(always)]
    pub fn low_nibbles(a: V) -> V {
        v128_and(a, u8x16_splat(0x0f))
    }
    #[inline(always)]
    pub fn high_nibbles(a: V) -> V {
        u8x16_shr(a, 4)
    }
    #[inline(always)]
    pub fn lookup(table: V, idx: V) -> V {
        u8x16_swizzle(table, idx)
    }
    #[inline(always)]
    pub fn interleave_low(a: V, b: V) -> V {
        i8x16_shuffle::<0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23>(a, b)
    }
    #[inline(always)]
    pub fn interleave_high(a: V, b: V) -> V {
        i8x16_shuffle::<8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31>(a, b)
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod v {
    //! The same operations on `[u8; 16]`, so the algorithm is tested natively.
    pub type V = [u8; 16];

    pub fn load(a: &[u8; 16]) -> V {
        *a
    }
    pub fn load_at(b: &[u8], at: usize) -> V {
        b.get(at..at + 16).and_then(|row| <[u8; 16]>::try_from(row).ok()).unwrap_or([0; 16])
    }
    pub fn store(v: V) -> [u8; 16] {
        v
    }
    pub fn xor(a: V, b: V) -> V {
        core::array::from_fn(|i| a[i] ^ b[i])
    }
    pub fn low_nibbles(a: V) -> V {
        a.map(|x| x & 0x0f)
    }
    pub fn high_nibbles(a: V) -> V {
        a.map(|x| x >> 4)
    }
    pub fn lookup(table: V, idx: V) -> V {
        idx.map(|i| table.get(usize::from(i)).copied().unwrap_or(0))
    }
    pub fn interleave_low(a: V, b: V) -> V {
        core::array::from_fn(|i| if i % 2 == 0 { a[i / 2] } else { b[i / 2] })
    }
    pub fn interleave_high(a: V, b: V) -> V {
        core::array::from_fn(|i| if i % 2 == 0 { a[8 + i / 2] } else { b[8 + i / 2] })
    }
}

use v::V;

/// One round of the transpose: vector `2k` interleaves the low halves of `k` and `k + 8`,
/// `2k + 1` their high halves. Four rounds rotate the 8-bit (vector, byte) index by four
/// bits, which swaps vector and byte: the transpose.
#[inline(always)]
fn interleave_round(r: &[V; 16]) -> [V; 16] {
    [
        v::interleave_low(r[0], r[8]),
        v::interleave_high(r[0], r[8]),
        v::interleave_low(r[1], r[9]),
        v::interleave_high(r[1], r[9]),
        v::interleave_low(r[2], r[10]),
        v::interleave_high(r[2], r[10]),
        v::interleave_low(r[3], r[11]),
        v::interleave_high(r[3], r[11]),
        v::interleave_low(r[4], r[12]),
        v::interleave_high(r[4], r[12]),
        v::interleave_low(r[5], r[13]),
        v::interleave_high(r[5], r[13]),
        v::interleave_low(r[6], r[14]),
        v::interleave_high(r[6], r[14]),
        v::interleave_low(r[7], r[15]),
        v::interleave_high(r[7], r[15]),
    ]
}

/// The CRC register (not inverted) after `block`, 16 streams of `len` bytes each, given
/// the register `crc` before it. `len` is a multiple of 16 and `block` is `16 * len` long.
#[inline(always)]
fn superblock(crc: u32, block: &[u8], len: usize, nib: &[V; 8], zeros: &[[u32; 256]; 4]) -> u32 {
    // Register byte k of every lane; lane 0 (stream 0) starts from `crc`, the others from 0.
    let mut reg: [V; 4] = core::array::from_fn(|k| {
        let mut a = [0u8; 16];
        a[0] = (crc >> (8 * k)) as u8;
        v::load(&a)
    });
    let mut t = 0;
    while t < len {
        let rows: [V; 16] = core::array::from_fn(|j| v::load_at(block, j * len + t));
        let cols = interleave_round(&interleave_round(&interleave_round(&interleave_round(&rows))));
        // One byte of every stream per step, written out 16 times (a loop here stays a
        // loop in wasm, and the columns then go through memory).
        macro_rules! step {
            ($($i:literal)*) => {$(
                let x = v::xor(reg[0], cols[$i]);
                let (lo, hi) = (v::low_nibbles(x), v::high_nibbles(x));
                let byte = |k: usize| v::xor(v::lookup(nib[k], lo), v::lookup(nib[4 + k], hi));
                reg = [v::xor(reg[1], byte(0)), v::xor(reg[2], byte(1)), v::xor(reg[3], byte(2)), byte(3)];
            )*};
        }
        step!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
        t += 16;
    }
    let bytes = reg.map(v::store);
    let lane = |j: usize| u32::from_le_bytes([bytes[0][j], bytes[1][j], bytes[2][j], bytes[3][j]]);
    let mut joined = lane(0);
    for j in 1..16 {
        let r = joined;
        joined = zeros[0][(r & 0xff) as usize]
            ^ zeros[1][((r >> 8) & 0xff) as usize]
            ^ zeros[2][((r >> 16) & 0xff) as usize]
            ^ zeros[3][(r >> 24) as usize]
            ^ lane(j);
    }
    joined
}

/// The CRC-32C of `a ++ bytes` given `crc` = that of `a`, 16 lanes at a time.
#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
pub fn crc32c_lanes_append(crc: u32, bytes: &[u8]) -> u32 {
    let nib: [V; 8] = core::array::from_fn(|i| v::load(&NIBBLES[i]));
    let mut reg = !crc;
    let mut rest = bytes;
    for (len, zeros) in [(256, &ZEROS_256), (64, &ZEROS_64), (16, &ZEROS_16)] {
        while rest.len() >= 16 * len {
            let (block, tail) = rest.split_at(16 * len);
            reg = superblock(reg, block, len, &nib, zeros);
            rest = tail;
        }
    }
    crc32c_braided_append(!reg, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_agree_with_the_crate() {
        let mut x = 5u32;
        let data: Vec<u8> = (0..20_008)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 11) as u8
            })
            .collect();
        assert_eq!(crc32c_lanes_append(0, b"123456789"), 0xE306_9283);
        for len in (0..1300).step_by(17).chain([255, 256, 257, 1024, 4096, 5376, 16_363, 16_384, 20_000]) {
            for align in 0..8 {
                let bytes = &data[align..align + len];
                assert_eq!(
                    crc32c_lanes_append(0, bytes),
                    crc32c::crc32c(bytes),
                    "length {len}, alignment {align}"
                );
                assert_eq!(
                    crc32c_lanes_append(x, bytes),
                    crc32c::crc32c_append(x, bytes),
                    "length {len}, prior {x:#x}"
                );
            }
        }
    }
}
