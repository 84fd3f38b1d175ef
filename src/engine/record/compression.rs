//! Compression of a batch's records section, in the framings Kafka's Java client writes:
//! gzip (GZIPOutputStream), snappy in xerial's stream framing (SnappyOutputStream; raw
//! snappy as librdkafka may send it is accepted on read), lz4 as an LZ4 frame with 64 KiB
//! independent blocks (KafkaLZ4BlockOutputStream), zstd as a standard zstd frame.
//! All codecs are pure Rust, so the same code runs natively and in wasm32.

use super::batch::Compression;
use crate::engine::error::{Corruption, KafkaError, Result};
use std::io::{Read, Write};

/// xerial snappy-java stream header: magic, then version 1 and compatible version 1.
const XERIAL_MAGIC: [u8; 8] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];
const XERIAL_HEADER_LEN: usize = 16;
/// SnappyOutputStream's default block size.
const XERIAL_BLOCK_BYTES: usize = 32 * 1024;

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

/// Decompresses a records section.
pub fn decompress(codec: Compression, data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() * 3);
    match codec {
        Compression::None => out.extend_from_slice(data),
        Compression::Gzip => {
            flate2::read::MultiGzDecoder::new(data).read_to_end(&mut out).map_err(|e| failed(codec, e))?;
        }
        Compression::Snappy => return snappy_decompress(data),
        Compression::Lz4 => {
            lz4_flex::frame::FrameDecoder::new(data).read_to_end(&mut out).map_err(|e| failed(codec, e))?;
        }
        Compression::Zstd => {
            let mut dec = ruzstd::decoding::StreamingDecoder::new(data).map_err(|e| failed(codec, e))?;
            dec.read_to_end(&mut out).map_err(|e| failed(codec, e))?;
        }
    }
    Ok(out)
}

fn snappy_decompress(data: &[u8]) -> Result<Vec<u8>> {
    let codec = Compression::Snappy;
    let mut dec = snap::raw::Decoder::new();
    if !data.starts_with(&XERIAL_MAGIC) {
        return dec.decompress_vec(data).map_err(|e| failed(codec, e));
    }
    if data.len() < XERIAL_HEADER_LEN {
        return Err(failed(codec, "xerial header is truncated"));
    }
    let mut out = Vec::with_capacity(data.len() * 3);
    let mut pos = XERIAL_HEADER_LEN;
    while pos < data.len() {
        let len_bytes = data.get(pos..pos + 4).ok_or_else(|| failed(codec, "block length is truncated"))?;
        let len = i32::from_be_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]);
        pos += 4;
        let block = usize::try_from(len)
            .ok()
            .and_then(|len| data.get(pos..pos + len))
            .ok_or_else(|| failed(codec, format!("block of {len} bytes runs past the end")))?;
        out.extend_from_slice(&dec.decompress_vec(block).map_err(|e| failed(codec, e))?);
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

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for codec in [Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd] {
            assert!(decompress(codec, &[1, 2, 3, 4, 5]).is_err(), "{}", codec.name());
        }
    }
}
