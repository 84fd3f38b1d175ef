//! Compression of a batch's records section, in the framings Kafka's Java client writes:
//! gzip (GZIPOutputStream), snappy in xerial's stream framing (SnappyOutputStream; raw
//! snappy as librdkafka may send it is accepted on read), lz4 as an LZ4 frame with 64 KiB
//! independent blocks (KafkaLZ4BlockOutputStream), zstd as a standard zstd frame.
//! All codecs are pure Rust, so the same code runs natively and in wasm32.
//!
//! Invariant: decompression is bounded. Kafka's Java consumer and broker stream records
//! out of the codec one at a time, so a small compressed batch that expands without end
//! (a decompression bomb) never sits in memory whole there; here the records section is
//! decompressed into one buffer, so [`decompress`] stops at
//! [`MAX_DECOMPRESSED_RECORDS_BYTES`] and answers `CORRUPT_MESSAGE`, the engine's answer to
//! any records section its codec cannot read (where Kafka's `DefaultRecordBatch`
//! iterator throws `KafkaException: Failed to decompress record stream`). Raw snappy's
//! declared length is checked before anything is allocated for it.

use super::batch::Compression;
use crate::engine::error::{Corruption, KafkaError, Result};
use crate::engine::limits::MAX_PRODUCED_BYTES_PER_SCENARIO;
use std::io::{Read, Write};

/// xerial snappy-java stream header: magic, then version 1 and compatible version 1.
const XERIAL_MAGIC: [u8; 8] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];
const XERIAL_HEADER_LEN: usize = 16;
/// SnappyOutputStream's default block size.
const XERIAL_BLOCK_BYTES: usize = 32 * 1024;

/// The most bytes a records section may decompress to: twice every key and value byte a
/// whole scenario may produce ([`MAX_PRODUCED_BYTES_PER_SCENARIO`], 64 MiB), the second
/// half for record framing and headers. No batch the playground writes is larger, so a
/// larger one is a decompression bomb.
pub const MAX_DECOMPRESSED_RECORDS_BYTES: usize = 2 * MAX_PRODUCED_BYTES_PER_SCENARIO as usize;

/// How many times its own size a snappy block can decompress to, at most (rounded up
/// from 64/3: a copy element of 3 bytes writes 64).
const SNAPPY_MAX_EXPANSION: usize = 22;

fn failed(codec: Compression, detail: impl std::fmt::Display) -> KafkaError {
    KafkaError::corrupt(Corruption::Decompression { detail: format!("{}: {detail}", codec.name()) })
}

/// Compresses a records section.
pub fn compress(codec: Compression, raw: &[u8]) -> Result<Vec<u8>> {
    match codec {
        Compression::None => Ok(raw.to_vec()),
        Compression::Gzip => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(raw).map_err(|e| failed(codec, e))?;
            enc.finish().map_err(|e| failed(codec, e))
        }
        Compression::Snappy => {
            let mut out = Vec::with_capacity(raw.len() / 2 + XERIAL_HEADER_LEN);
            out.extend_from_slice(&XERIAL_MAGIC);
            out.extend_from_slice(&1i32.to_be_bytes());
            out.extend_from_slice(&1i32.to_be_bytes());
            let mut enc = snap::raw::Encoder::new();
            for block in raw.chunks(XERIAL_BLOCK_BYTES) {
                let compressed = enc.compress_vec(block).map_err(|e| failed(codec, e))?;
                out.extend_from_slice(&(compressed.len() as i32).to_be_bytes());
                out.extend_from_slice(&compressed);
            }
            Ok(out)
        }
        Compression::Lz4 => {
            let info = lz4_flex::frame::FrameInfo::new()
                .block_size(lz4_flex::frame::BlockSize::Max64KB)
                .block_mode(lz4_flex::frame::BlockMode::Independent);
            let mut enc = lz4_flex::frame::FrameEncoder::with_frame_info(info, Vec::new());
            enc.write_all(raw).map_err(|e| failed(codec, e))?;
            enc.finish().map_err(|e| failed(codec, e))
        }
        Compression::Zstd => {
            Ok(ruzstd::encoding::compress_to_vec(raw, ruzstd::encoding::CompressionLevel::Fastest))
        }
    }
}

/// Decompresses a records section, at most [`MAX_DECOMPRESSED_RECORDS_BYTES`] of it.
pub fn decompress(codec: Compression, data: &[u8]) -> Result<Vec<u8>> {
    decompress_at_most(codec, data, MAX_DECOMPRESSED_RECORDS_BYTES)
}

fn too_large(codec: Compression, max_bytes: usize) -> KafkaError {
    failed(codec, format!("decompresses to more than {max_bytes} bytes, the most a batch holds"))
}

/// [`decompress`] with its bound as a parameter (so a test can show the bound holds
/// without building a bomb of the real size): an error once the output would pass
/// `max_bytes`, having allocated at most about twice that.
pub fn decompress_at_most(codec: Compression, data: &[u8], max_bytes: usize) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len().saturating_mul(3).min(max_bytes));
    // One byte past the bound tells "exactly the bound" from "more than the bound".
    let limit = max_bytes as u64 + 1;
    match codec {
        Compression::None => out.extend_from_slice(data),
        Compression::Gzip => {
            flate2::read::MultiGzDecoder::new(data)
                .take(limit)
                .read_to_end(&mut out)
                .map_err(|e| failed(codec, e))?;
        }
        Compression::Snappy => return snappy_decompress(data, max_bytes),
        Compression::Lz4 => {
            lz4_flex::frame::FrameDecoder::new(data)
                .take(limit)
                .read_to_end(&mut out)
                .map_err(|e| failed(codec, e))?;
        }
        Compression::Zstd => {
            let dec = ruzstd::decoding::StreamingDecoder::new(data).map_err(|e| failed(codec, e))?;
            dec.take(limit).read_to_end(&mut out).map_err(|e| failed(codec, e))?;
        }
    }
    if out.len() > max_bytes {
        return Err(too_large(codec, max_bytes));
    }
    Ok(out)
}

/// One raw snappy block appended to `out`, its declared length checked first (the snappy
/// decoder allocates it whole, up to 4 GiB, before reading a byte).
fn snappy_block(
    dec: &mut snap::raw::Decoder,
    block: &[u8],
    out: &mut Vec<u8>,
    max_bytes: usize,
) -> Result<()> {
    let codec = Compression::Snappy;
    let len = snap::raw::decompress_len(block).map_err(|e| failed(codec, e))?;
    if len > max_bytes - out.len() {
        return Err(too_large(codec, max_bytes));
    }
    // Snappy's longest element is a 3-byte copy of 64 bytes, so no block expands more
    // than 64/3-fold: a larger declared length is a lie, refused before it is allocated.
    if len > block.len().saturating_mul(SNAPPY_MAX_EXPANSION) {
        return Err(failed(
            codec,
            format!(
                "a block of {} bytes declares {len} uncompressed bytes, more than it can hold",
                block.len()
            ),
        ));
    }
    let start = out.len();
    out.resize(start + len, 0);
    let written = dec.decompress(block, &mut out[start..]).map_err(|e| failed(codec, e))?;
    out.truncate(start + written);
    Ok(())
}

fn snappy_decompress(data: &[u8], max_bytes: usize) -> Result<Vec<u8>> {
    let codec = Compression::Snappy;
    let mut dec = snap::raw::Decoder::new();
    let mut out = Vec::new();
    if !data.starts_with(&XERIAL_MAGIC) {
        snappy_block(&mut dec, data, &mut out, max_bytes)?;
        return Ok(out);
    }
    if data.len() < XERIAL_HEADER_LEN {
        return Err(failed(codec, "xerial header is truncated"));
    }
    out.reserve(data.len().saturating_mul(3).min(max_bytes));
    let mut pos = XERIAL_HEADER_LEN;
    while pos < data.len() {
        let len_bytes = data.get(pos..pos + 4).ok_or_else(|| failed(codec, "block length is truncated"))?;
        let len = i32::from_be_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]);
        pos += 4;
        let block = usize::try_from(len)
            .ok()
            .and_then(|len| data.get(pos..pos.checked_add(len)?))
            .ok_or_else(|| failed(codec, format!("block of {len} bytes runs past the end")))?;
        snappy_block(&mut dec, block, &mut out, max_bytes)?;
        pos += block.len();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_codec_round_trips() {
        let raw: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        for codec in Compression::ALL {
            let packed = compress(codec, &raw).unwrap();
            assert_eq!(decompress(codec, &packed).unwrap(), raw, "{}", codec.name());
        }
    }

    #[test]
    fn snappy_uses_xerial_framing_and_reads_raw_too() {
        let packed = compress(Compression::Snappy, b"hello hello hello").unwrap();
        assert!(packed.starts_with(&XERIAL_MAGIC));
        let raw = snap::raw::Encoder::new().compress_vec(b"plain").unwrap();
        assert_eq!(decompress(Compression::Snappy, &raw).unwrap(), b"plain");
    }

    /// A bomb: a megabyte of zeros packs into a few kilobytes in every codec; under a
    /// 64 KiB bound each is refused as CORRUPT_MESSAGE, and exactly the bound passes.
    #[test]
    fn a_decompression_bomb_is_refused_at_the_bound() {
        let zeros = vec![0u8; 1024 * 1024];
        for codec in [Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd] {
            let packed = compress(codec, &zeros).unwrap();
            assert!(packed.len() < 64 * 1024, "{}: {} bytes", codec.name(), packed.len());
            let e = decompress_at_most(codec, &packed, 64 * 1024).unwrap_err();
            assert_eq!(e.code, crate::engine::error::ErrorCode::CorruptMessage, "{}", codec.name());
            assert!(e.to_string().contains("more than 65536 bytes"), "{}: {e}", codec.name());
            assert_eq!(decompress_at_most(codec, &packed, zeros.len()).unwrap().len(), zeros.len());
        }
        // Raw snappy declaring 4 GiB - 1 in its length varint, with no data behind it.
        let e = decompress(Compression::Snappy, &[0xff, 0xff, 0xff, 0xff, 0x0f]).unwrap_err();
        assert!(e.to_string().contains("more than"), "{e}");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for codec in [Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd] {
            assert!(decompress(codec, &[1, 2, 3, 4, 5]).is_err(), "{}", codec.name());
        }
    }
}
