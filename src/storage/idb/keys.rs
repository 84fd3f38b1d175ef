//! How segment chunks and metadata documents are named inside the workspace database.
//!
//! Invariant: every key is an IndexedDB *array key* whose first element is the broker id,
//! so one broker's data is the contiguous key range `[broker_id] .. [broker_id, []]`
//! (arrays compare element by element, a shorter prefix sorts first, and an array sorts
//! after every number and string). Numbers are stored as JS numbers (f64): exact for every
//! `u32`, and for `u64` offsets below 2^53, which is enforced here rather than rounded.

use super::super::StoreError;
use crate::engine::store::SegmentId;
use ::idb::KeyRange;
use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};

/// The largest integer an f64 holds exactly (2^53 - 1, JavaScript's `MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// `[broker_id, topic, partition, base_offset]`: the prefix every chunk key of a segment
/// shares.
fn segment_prefix(segment: &SegmentId) -> Result<Array, StoreError> {
    if segment.base_offset > MAX_SAFE_INTEGER {
        return Err(StoreError::new(format!(
            "base offset {} of {} is above 2^53 and cannot be an exact IndexedDB key",
            segment.base_offset,
            segment.dir_name()
        )));
    }
    let key = Array::new();
    key.push(&JsValue::from(segment.broker_id));
    key.push(&JsValue::from_str(&segment.topic));
    key.push(&JsValue::from(segment.partition));
    key.push(&JsValue::from_f64(segment.base_offset as f64));
    Ok(key)
}

fn with_tail(prefix: &Array, tail: &JsValue) -> Array {
    let key = prefix.slice(0, prefix.length());
    key.push(tail);
    key
}

/// A value that sorts after every number and string at the same array position.
fn after_all() -> JsValue {
    Array::new().into()
}

fn bound(lower: &JsValue, upper: &JsValue, upper_open: bool) -> Result<KeyRange, StoreError> {
    KeyRange::bound(lower, upper, Some(false), Some(upper_open))
        .map_err(|e| StoreError::new(format!("cannot build an IndexedDB key range: {e}")))
}

/// `[broker_id, topic, partition, base_offset, position]`: the chunk written at byte
/// `position` of the segment.
pub(super) fn chunk_key(segment: &SegmentId, position: u32) -> Result<JsValue, StoreError> {
    Ok(with_tail(&segment_prefix(segment)?, &JsValue::from(position)).into())
}

/// Every chunk of the segment.
pub(super) fn segment_range(segment: &SegmentId) -> Result<KeyRange, StoreError> {
    let prefix = segment_prefix(segment)?;
    bound(&prefix.clone().into(), &with_tail(&prefix, &after_all()).into(), false)
}

/// The chunks of the segment that start at a position in `[from, to)` (`to == None`: to
/// the end); `None` when that interval is empty.
pub(super) fn chunk_range(
    segment: &SegmentId,
    from: u32,
    to: Option<u32>,
) -> Result<Option<KeyRange>, StoreError> {
    let prefix = segment_prefix(segment)?;
    let lower = with_tail(&prefix, &JsValue::from(from)).into();
    match to {
        Some(to) if to <= from => Ok(None),
        Some(to) => bound(&lower, &with_tail(&prefix, &JsValue::from(to)).into(), true).map(Some),
        None => bound(&lower, &with_tail(&prefix, &after_all()).into(), false).map(Some),
    }
}

/// Every key of one broker, in either object store.
pub(super) fn broker_range(broker_id: u32) -> Result<KeyRange, StoreError> {
    let lower = Array::of1(&JsValue::from(broker_id));
    let upper = Array::of2(&JsValue::from(broker_id), &after_all());
    bound(&lower.into(), &upper.into(), false)
}

/// The first key after every chunk of `segment`: where a key cursor jumps to skip it.
pub(super) fn after_segment(segment: &SegmentId) -> Result<JsValue, StoreError> {
    Ok(with_tail(&segment_prefix(segment)?, &after_all()).into())
}

/// `[broker_id, name]`: a metadata document.
pub(super) fn meta_key(broker_id: u32, name: &str) -> JsValue {
    Array::of2(&JsValue::from(broker_id), &JsValue::from_str(name)).into()
}

fn key_parts(key: &JsValue, len: u32) -> Result<Array, StoreError> {
    let parts: Array =
        key.clone().dyn_into().map_err(|k| StoreError::new(format!("expected an array key, found {k:?}")))?;
    if parts.length() != len {
        return Err(StoreError::new(format!("expected a key of {len} parts, found {key:?}")));
    }
    Ok(parts)
}

fn integer(value: &JsValue, max: u64, what: &str) -> Result<u64, StoreError> {
    match value.as_f64() {
        Some(v) if v >= 0.0 && v.fract() == 0.0 && v <= max as f64 => Ok(v as u64),
        _ => Err(StoreError::new(format!("{what} in a key is not an integer in 0..={max}: {value:?}"))),
    }
}

fn small(value: &JsValue, what: &str) -> Result<u32, StoreError> {
    let v = integer(value, u64::from(u32::MAX), what)?;
    u32::try_from(v).map_err(|_| StoreError::new(format!("{what} {v} does not fit in u32")))
}

/// Reads a chunk key back into its segment and byte position.
pub(super) fn parse_chunk_key(key: &JsValue) -> Result<(SegmentId, u32), StoreError> {
    let parts = key_parts(key, 5)?;
    let topic = parts
        .get(1)
        .as_string()
        .ok_or_else(|| StoreError::new(format!("topic in a chunk key is not a string: {key:?}")))?;
    let segment = SegmentId {
        broker_id: small(&parts.get(0), "broker id")?,
        topic: topic.into(),
        partition: small(&parts.get(2), "partition")?,
        base_offset: integer(&parts.get(3), MAX_SAFE_INTEGER, "base offset")?,
    };
    Ok((segment, small(&parts.get(4), "position")?))
}

/// Reads a metadata key back into its document name.
pub(super) fn parse_meta_name(key: &JsValue) -> Result<String, StoreError> {
    key_parts(key, 2)?
        .get(1)
        .as_string()
        .ok_or_else(|| StoreError::new(format!("name in a meta key is not a string: {key:?}")))
}
