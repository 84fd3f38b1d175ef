//! The page's binary codec: what `serve` sends the page ([`super::live::ServeMessage`])
//! and what the run worker and the page say to each other (`crate::web::run_protocol`)
//! is bincode with varint integers, bounded by [`MAX_FRAME_BYTES`]. One codec, so the
//! page's wasm carries one small decoder per type (JSON's is several times larger).
//! bincode reads fields by position: no type sent this way may skip a field when it
//! serializes (`tests/view_frames.rs`).

use bincode::Options;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The longest frame read (a view of a full cluster is far less).
pub const MAX_FRAME_BYTES: u64 = 64 * 1024 * 1024;

fn codec() -> impl Options {
    bincode::DefaultOptions::new().with_limit(MAX_FRAME_BYTES)
}

/// `value` as one frame (empty if it is larger than [`MAX_FRAME_BYTES`]).
pub fn to_frame<T: Serialize>(value: &T) -> Vec<u8> {
    codec().serialize(value).unwrap_or_default()
}

/// A frame read back, or what is wrong with it.
pub fn from_frame<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    codec().deserialize(bytes).map_err(|e| e.to_string())
}
