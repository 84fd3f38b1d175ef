//! CRC-32C (Castagnoli), the checksum of RecordBatch v2: over bytes `[21, end)` of a batch.
//! Natively the `crc32c` crate uses the CPU's CRC instruction. wasm32 has none, so there
//! we run our own slicing-by-16 (16 tables of 256 entries, built at compile time), which
//! shortens the dependency chain per byte twice over the crate's slicing-by-8.

/// The reflected Castagnoli polynomial.
const POLY: u32 = 0x82F6_3B78;

const fn tables() -> [[u32; 256]; 16] {
    let mut t = [[0u32; 256]; 16];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut s = 1;
    while s < 16 {
        let mut i = 0;
        while i < 256 {
            let prev = t[s - 1][i];
            t[s][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            i += 1;
        }
        s += 1;
    }
    t
}

static TABLES: [[u32; 256]; 16] = tables();

/// Table-driven CRC-32C, slicing by 16 bytes.
pub fn crc32c_slicing16(bytes: &[u8]) -> u32 {
    crc32c_slicing16_append(0, bytes)
}

/// [`crc32c_slicing16`] carried on: the CRC-32C of `a ++ bytes` given `crc` = that of `a`.
fn crc32c_slicing16_append(crc: u32, bytes: &[u8]) -> u32 {
    let t = &TABLES;
    let mut crc = !crc;
    let mut chunks = bytes.chunks_exact(16);
    for c in &mut chunks {
        // chunks_exact yields 16 bytes: as an array, every index below is in bounds.
        let Ok(c) = <&[u8; 16]>::try_from(c) else { continue };
        let a = (crc ^ u32::from_le_bytes([c[0], c[1], c[2], c[3]])).to_le_bytes();
        crc = t[15][usize::from(a[0])]
            ^ t[14][usize::from(a[1])]
            ^ t[13][usize::from(a[2])]
            ^ t[12][usize::from(a[3])]
            ^ t[11][usize::from(c[4])]
            ^ t[10][usize::from(c[5])]
            ^ t[9][usize::from(c[6])]
            ^ t[8][usize::from(c[7])]
            ^ t[7][usize::from(c[8])]
            ^ t[6][usize::from(c[9])]
            ^ t[5][usize::from(c[10])]
            ^ t[4][usize::from(c[11])]
            ^ t[3][usize::from(c[12])]
            ^ t[2][usize::from(c[13])]
            ^ t[1][usize::from(c[14])]
            ^ t[0][usize::from(c[15])];
    }
    for &b in chunks.remainder() {
        crc = t[0][((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

/// CRC-32C of `bytes`.
#[inline]
pub fn crc32c(bytes: &[u8]) -> u32 {
    #[cfg(target_arch = "wasm32")]
    {
        crc32c_slicing16(bytes)
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
        crc32c_slicing16_append(crc, bytes)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crc32c::crc32c_append(crc, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn castagnoli_check_value() {
        // The standard check value of CRC-32C over "123456789".
        assert_eq!(crc32c(b"123456789"), 0xe306_9283);
        assert_eq!(crc32c_slicing16(b"123456789"), 0xe306_9283);
    }

    #[test]
    fn slicing16_agrees_with_the_hardware_crate_on_every_length() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        for len in (0..100).chain([255, 256, 1024, 4095, 4096, 4097, 5000]) {
            assert_eq!(crc32c_slicing16(&data[..len]), crc32c::crc32c(&data[..len]), "length {len}");
        }
    }

    #[test]
    fn appending_piece_by_piece_gives_the_one_shot_crc() {
        let data: Vec<u8> = (0..3000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect();
        assert_eq!(crc32c_append(0, b""), 0);
        assert_eq!(crc32c_append(crc32c(b"1234"), b"56789"), 0xe306_9283);
        for cuts in [vec![0], vec![1], vec![15, 16, 17], vec![100, 1024, 1025, 2999], vec![3000]] {
            let mut crc = 0;
            let mut slow = 0;
            let mut from = 0;
            for to in cuts.into_iter().chain([data.len()]) {
                crc = crc32c_append(crc, &data[from..to]);
                slow = crc32c_slicing16_append(slow, &data[from..to]);
                from = to;
            }
            assert_eq!(crc, crc32c(&data));
            assert_eq!(slow, crc32c(&data));
        }
    }
}
