//! CRC-32C (Castagnoli), the checksum of RecordBatch v2: over bytes `[21, end)` of a batch.
//! Natively the `crc32c` crate uses the CPU's CRC instruction. wasm32 has none, so there
//! we run our own table-driven CRC, "braided" after Mark Adler's in zlib: the input is
//! read as 16-byte blocks of four little-endian u32 words, and each of the four word
//! positions carries its own CRC register (a braid), so four independent dependency
//! chains run side by side; each word is folded into its braid with three lookups of
//! 11, 11 and 10 bits (tables of 2048, 2048 and 1024 entries, 20 KiB, built at compile
//! time) that already carry the word across the other three braids' 12 bytes. The last
//! block joins the four braids byte by byte. Per 4 bytes that is 3 lookups where
//! slicing-by-16 (this module's previous algorithm) did 4: in Chromium, 16 KiB buffers,
//! 3.5 GB/s against 2.4 (BENCHMARKS.md, "wasm"). Measured and not kept: 16-bit tables
//! (512 KiB, out of L1: slower), and `simd128` with 16 streams in the lanes of a vector
//! (the table lookup as two `i8x16.swizzle` nibble lookups per register byte, a 16×16
//! byte transpose, the streams joined with shift-over-zeros tables): 3.9 GB/s alone, but
//! the append was no faster (9.5 against 9.8 M records/s) for unsafe loads and a
//! `simd128` build. The algorithm compiles on every target, so its tests also run
//! natively against the crate.

/// The reflected Castagnoli polynomial.
const POLY: u32 = 0x82F6_3B78;

/// Words per block, each the head of its own braid.
const BRAIDS: usize = 4;
/// Bytes per block.
const BLOCK: usize = 4 * BRAIDS;

/// The byte-at-a-time table of a reflected CRC-32 with polynomial `poly`: entry `b` is the
/// register after feeding byte `b` to a zero register. Shared with the IEEE CRC-32 of
/// librdkafka's partitioners (`crate::engine::partitioner::crc32`).
pub(crate) const fn reflected_byte_table(poly: u32) -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ poly } else { c >> 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

/// The braid tables. A braid's word `x` (its register already XORed in) sits at the head
/// of 16 bytes of which the other 12 belong to the other braids; its register for its
/// next word is what `x` followed by 12 zero bytes leaves in a zero register. That is
/// linear in `x`, so it is the XOR of one entry per bit field: table `f` maps the value
/// of bits `[11f, 11f + 11)` of `x` (10 bits for the top field).
const fn braid_tables() -> [[u32; 2048]; 3] {
    let t = reflected_byte_table(POLY);
    // by_byte[k][b]: byte b at position k of the word, then the word's remaining 3 - k
    // bytes and the other braids' 12, all zero.
    let mut by_byte = [[0u32; 256]; 4];
    let mut b = 0;
    while b < 256 {
        let mut r = t[b];
        let mut i = 0;
        while i < 4 * (BRAIDS - 1) {
            r = t[(r & 0xff) as usize] ^ (r >> 8);
            i += 1;
        }
        by_byte[3][b] = r;
        let mut k = 3;
        while k > 0 {
            r = t[(r & 0xff) as usize] ^ (r >> 8);
            k -= 1;
            by_byte[k][b] = r;
        }
        b += 1;
    }
    let mut out = [[0u32; 2048]; 3];
    let mut f = 0;
    while f < 3 {
        let mut v = 0u32;
        while v < 2048 {
            // The top field has 10 bits: its upper half of the table stays zero.
            let x = if f == 2 && v >= 1024 { 0 } else { v << (11 * f) };
            let mut r = 0;
            let mut k = 0;
            while k < 4 {
                r ^= by_byte[k][((x >> (8 * k)) & 0xff) as usize];
                k += 1;
            }
            out[f][v as usize] = r;
            v += 1;
        }
        f += 1;
    }
    out
}

static BYTE: [u32; 256] = reflected_byte_table(POLY);
static BRAID: [[u32; 2048]; 3] = braid_tables();

/// Table-driven CRC-32C, four braids of u32 words (the wasm32 implementation).
pub fn crc32c_braided(bytes: &[u8]) -> u32 {
    crc32c_braided_append(0, bytes)
}

/// Word `n` of a block, little-endian.
#[inline(always)]
fn word(block: &[u8; BLOCK], n: usize) -> u32 {
    u32::from_le_bytes([block[4 * n], block[4 * n + 1], block[4 * n + 2], block[4 * n + 3]])
}

/// [`crc32c_braided`] carried on: the CRC-32C of `a ++ bytes` given `crc` = that of `a`.
pub fn crc32c_braided_append(crc: u32, bytes: &[u8]) -> u32 {
    let t = &BRAID;
    let mut crc = !crc;
    let mut rest = bytes;
    let blocks = bytes.len() / BLOCK;
    // Braiding pays once there are two blocks: all but the last run braided, the last
    // joins the braids.
    if blocks >= 2 {
        let (body, last) = bytes.split_at((blocks - 1) * BLOCK);
        let (last, tail) = last.split_at(BLOCK);
        let mut braid = [crc, 0, 0, 0];
        for block in body.chunks_exact(BLOCK) {
            // chunks_exact yields BLOCK bytes: as an array, every index below is in bounds.
            let Ok(block) = <&[u8; BLOCK]>::try_from(block) else { continue };
            for (n, c) in braid.iter_mut().enumerate() {
                let x = word(block, n) ^ *c;
                *c = t[0][(x & 0x7ff) as usize]
                    ^ t[1][((x >> 11) & 0x7ff) as usize]
                    ^ t[2][(x >> 22) as usize];
            }
        }
        // The last block, word by word and each word byte by byte, from one register:
        // braid n's register enters at word n, where its next word would have been.
        if let Ok(last) = <&[u8; BLOCK]>::try_from(last) {
            crc = 0;
            for (n, c) in braid.into_iter().enumerate() {
                let mut r = crc ^ c ^ word(last, n);
                for _ in 0..4 {
                    r = BYTE[(r & 0xff) as usize] ^ (r >> 8);
                }
                crc = r;
            }
        }
        rest = tail;
    }
    !feed_bytes(&BYTE, crc, rest)
}

/// Feeds `bytes` one at a time to the register `crc` (already inverted) through a
/// [`reflected_byte_table`]; returns the register, not yet inverted back.
#[inline]
pub(crate) fn feed_bytes(table: &[u32; 256], mut crc: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        crc = table[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

/// CRC-32C of `bytes`, byte at a time through the 1 KiB table: for the page's few short
/// texts (an own scenario's name), where the braid tables' 24 KiB would weigh more in
/// every learner's download than the speed is worth (page weight, BENCHMARKS.md).
pub fn crc32c_bytewise(bytes: &[u8]) -> u32 {
    !feed_bytes(&BYTE, !0, bytes)
}

/// CRC-32C of `bytes`.
#[inline]
pub fn crc32c(bytes: &[u8]) -> u32 {
    #[cfg(target_arch = "wasm32")]
    {
        crc32c_braided(bytes)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crc32c::crc32c(bytes)
    }
}

/// The CRC-32C of `a ++ bytes`, given `crc` = the CRC-32C of `a` (0 for nothing): a
/// checksum kept running over text that is never whole in memory (the tab's journal,
/// spilled chunk by chunk).
#[inline]
pub fn crc32c_append(crc: u32, bytes: &[u8]) -> u32 {
    #[cfg(target_arch = "wasm32")]
    {
        crc32c_braided_append(crc, bytes)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crc32c::crc32c_append(crc, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random bytes (xorshift32 from `seed`).
    fn noise(seed: u32, len: usize) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 11) as u8
            })
            .collect()
    }

    #[test]
    fn castagnoli_check_value() {
        // The check value of CRC-32C over "123456789" (RFC 3720, iSCSI).
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c_bytewise(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c_braided(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c_braided(b""), 0);
        // 32 bytes of zeros and of 0xFF: RFC 3720 B.4.
        assert_eq!(crc32c_braided(&[0; 32]), 0x8A91_36AA);
        assert_eq!(crc32c_braided(&[0xFF; 32]), 0x62A8_AB43);
    }

    #[test]
    fn braided_agrees_with_the_crate_on_every_length_to_1024_at_every_alignment() {
        let data = noise(1, 1024 + 8);
        for align in 0..8 {
            for len in 0..=1024 {
                let bytes = &data[align..align + len];
                assert_eq!(crc32c_braided(bytes), crc32c::crc32c(bytes), "length {len}, alignment {align}");
                assert_eq!(crc32c_bytewise(bytes), crc32c::crc32c(bytes), "bytewise, length {len}");
            }
        }
    }

    #[test]
    fn braided_agrees_with_the_crate_on_random_buffers_to_64_kib_at_every_alignment() {
        let data = noise(2, 65536 + 8);
        let mut lens: Vec<usize> = vec![1025, 4095, 4096, 4097, 16_363, 16_384, 65_535, 65_536];
        let mut x = 0x9E37_79B9u32;
        for _ in 0..24 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            lens.push(1 + (x as usize % 65536));
        }
        for len in lens {
            for align in 0..8 {
                let bytes = &data[align..align + len];
                let prior = x.rotate_left(align as u32);
                assert_eq!(crc32c_braided(bytes), crc32c::crc32c(bytes), "length {len}, alignment {align}");
                assert_eq!(
                    crc32c_braided_append(prior, bytes),
                    crc32c::crc32c_append(prior, bytes),
                    "length {len}, alignment {align}, prior CRC {prior:#x}"
                );
            }
        }
    }

    #[test]
    fn appending_piece_by_piece_gives_the_one_shot_crc() {
        assert_eq!(crc32c_append(0, b""), 0);
        assert_eq!(crc32c_append(crc32c(b"1234"), b"56789"), 0xE306_9283);
        assert_eq!(crc32c_braided_append(crc32c_braided(b"1234"), b"56789"), 0xE306_9283);
        // Every split point of a buffer long enough for several blocks on both sides.
        let data = noise(3, 300);
        let whole = crc32c::crc32c(&data);
        for cut in 0..=data.len() {
            let (a, b) = data.split_at(cut);
            assert_eq!(crc32c_braided_append(crc32c_braided(a), b), whole, "cut at {cut}");
            assert_eq!(crc32c_append(crc32c(a), b), whole, "cut at {cut}");
        }
        // Many pieces of a large buffer, cut at block edges and off them.
        let data = noise(4, 40_000);
        let whole = crc32c::crc32c(&data);
        for cuts in [
            vec![0],
            vec![1],
            vec![15, 16, 17],
            vec![31, 32, 33, 100],
            vec![100, 1024, 1025, 2999, 16_384],
            vec![40_000],
        ] {
            let (mut crc, mut braided, mut from) = (0, 0, 0);
            for to in cuts.into_iter().chain([data.len()]) {
                crc = crc32c_append(crc, &data[from..to]);
                braided = crc32c_braided_append(braided, &data[from..to]);
                from = to;
            }
            assert_eq!(crc, whole);
            assert_eq!(braided, whole);
        }
    }
}
