//! One record inside a v2 batch (`DefaultRecord`): its fields, its exact encoding
//! (length varint, attributes, timestamp delta, offset delta, key, value, headers) and
//! its decoding, which refuses every malformed length the way Kafka's parser does.

use super::varint::{
    decode_varint, decode_varlong, packed_unsigned_varint, read_varint, read_varlong, varint_size,
    varlong_size, write_varint, write_varlong, zigzag32, zigzag64,
};
use crate::engine::error::{Corruption, KafkaError, Result};
use serde::{Deserialize, Serialize};

/// A record header: a UTF-8 key (never null) and a nullable value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub key: String,
    pub value: Option<Vec<u8>>,
}

/// A record as stored, with its absolute offset and timestamp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub offset: i64,
    pub timestamp_ms: i64,
    pub offset_delta: i32,
    pub timestamp_delta_ms: i64,
    pub attributes: i8,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<Header>,
}

fn nullable_len(bytes: Option<&[u8]>) -> i32 {
    bytes.map_or(-1, |b| b.len() as i32)
}

fn nullable_size(bytes: Option<&[u8]>) -> u32 {
    match bytes {
        None => 1,
        Some(b) => varint_size(b.len() as i32) + b.len() as u32,
    }
}

/// Bytes of a record body (everything after its length varint).
pub fn body_size(
    offset_delta: i32,
    timestamp_delta_ms: i64,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
    headers: &[Header],
) -> u32 {
    let mut size = 1 + varlong_size(timestamp_delta_ms) + varint_size(offset_delta);
    size += nullable_size(key) + nullable_size(value);
    size += varint_size(headers.len() as i32);
    for h in headers {
        size += nullable_size(Some(h.key.as_bytes())) + nullable_size(h.value.as_deref());
    }
    size
}

fn length_size(len: Option<usize>) -> u32 {
    match len {
        None => 1,
        Some(n) => varint_size(n as i32) + n as u32,
    }
}

/// [`body_size`] of a record without headers, from the key and value lengths alone.
pub fn body_size_of_lengths(
    offset_delta: i32,
    timestamp_delta_ms: i64,
    key_len: Option<usize>,
    value_len: Option<usize>,
) -> u32 {
    1 + varlong_size(timestamp_delta_ms)
        + varint_size(offset_delta)
        + length_size(key_len)
        + length_size(value_len)
        + 1
}

/// `DefaultRecord.sizeInBytes`: the whole record (its length varint included) at these
/// deltas, from the key and value lengths and the headers.
pub fn record_size_in_bytes(
    offset_delta: i32,
    timestamp_delta_ms: i64,
    key_len: Option<usize>,
    value_len: Option<usize>,
    headers: &[Header],
) -> u32 {
    let mut body = body_size_of_lengths(offset_delta, timestamp_delta_ms, key_len, value_len);
    if !headers.is_empty() {
        body = body - 1 + varint_size(headers.len() as i32);
        for h in headers {
            body += length_size(Some(h.key.len())) + length_size(h.value.as_ref().map(Vec::len));
        }
    }
    varint_size(body as i32) + body
}

/// [`write_record`] of a record without headers whose `value_len` value bytes
/// `write_value` appends to `buf` itself (no copy of the value through another buffer).
/// The same bytes as `write_record(buf, offset_delta, timestamp_delta_ms, key, Some(value), &[])`.
pub fn write_record_with(
    buf: &mut Vec<u8>,
    offset_delta: i32,
    timestamp_delta_ms: i64,
    key: Option<&[u8]>,
    value_len: usize,
    write_value: impl FnOnce(&mut Vec<u8>),
) -> u32 {
    let body = body_size_of_lengths(offset_delta, timestamp_delta_ms, key.map(<[u8]>::len), Some(value_len));
    let before = write_head(buf, body, offset_delta, timestamp_delta_ms, key);
    write_varint(buf, value_len as i32);
    let value_start = buf.len();
    write_value(buf);
    debug_assert_eq!(buf.len() - value_start, value_len);
    write_varint(buf, 0); // no headers
    (buf.len() - before) as u32
}

/// A record's length (`body` bytes follow it), attributes, timestamp and offset deltas
/// and key; returns where the record began in `buf`.
#[inline]
fn write_head(
    buf: &mut Vec<u8>,
    body: u32,
    offset_delta: i32,
    timestamp_delta_ms: i64,
    key: Option<&[u8]>,
) -> usize {
    let before = buf.len();
    buf.reserve(body as usize + HEAD_MAX);
    // The fixed fields are put together in a register and appended in one copy of 16
    // bytes (constant size, inlined), cut back to what they took: the same bytes as a push
    // per byte, without a store per byte. The rare head longer than 16 bytes (a timestamp
    // delta of years, say) is written field by field.
    if let Some((head, len)) = packed_head(body, offset_delta, timestamp_delta_ms, key) {
        buf.extend_from_slice(&head.to_le_bytes());
        buf.truncate(before + len);
    } else {
        write_varint(buf, body as i32);
        buf.push(0); // attributes: unused
        write_varlong(buf, timestamp_delta_ms);
        write_varint(buf, offset_delta);
        write_varint(buf, nullable_len(key));
    }
    if let Some(k) = key {
        buf.extend_from_slice(k);
    }
    before
}

/// A record's length, attributes (0), timestamp and offset deltas and key length as
/// varints in the low bytes of a `u128` (little-endian order) and how many bytes they
/// take, when that is at most 16; `None` otherwise.
#[inline(always)]
fn packed_head(
    body: u32,
    offset_delta: i32,
    timestamp_delta_ms: i64,
    key: Option<&[u8]>,
) -> Option<(u128, usize)> {
    let (length, length_len) = packed_unsigned_varint(u64::from(zigzag32(body as i32)))?;
    let (timestamp, timestamp_len) = packed_unsigned_varint(zigzag64(timestamp_delta_ms))?;
    let (offset, offset_len) = packed_unsigned_varint(u64::from(zigzag32(offset_delta)))?;
    let (key_len, key_len_len) = packed_unsigned_varint(u64::from(zigzag32(nullable_len(key))))?;
    let timestamp_at = length_len + 1; // after the attributes byte
    let offset_at = timestamp_at + timestamp_len;
    let key_len_at = offset_at + offset_len;
    let end = key_len_at + key_len_len;
    if end > 16 {
        return None;
    }
    let head = u128::from(length)
        | (u128::from(timestamp) << (8 * timestamp_at))
        | (u128::from(offset) << (8 * offset_at))
        | (u128::from(key_len) << (8 * key_len_at));
    Some((head, end as usize))
}

/// The most bytes a record's fixed fields take: length, attributes, timestamp delta,
/// offset delta and key length (5 + 1 + 10 + 5 + 5).
const HEAD_MAX: usize = 26;

fn write_nullable(buf: &mut Vec<u8>, bytes: Option<&[u8]>) {
    write_varint(buf, nullable_len(bytes));
    if let Some(b) = bytes {
        buf.extend_from_slice(b);
    }
}

/// Appends one encoded record (length varint first) to `buf`; returns the bytes written.
pub fn write_record(
    buf: &mut Vec<u8>,
    offset_delta: i32,
    timestamp_delta_ms: i64,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
    headers: &[Header],
) -> u32 {
    let body = body_size(offset_delta, timestamp_delta_ms, key, value, headers);
    let before = write_head(buf, body, offset_delta, timestamp_delta_ms, key);
    write_nullable(buf, value);
    write_varint(buf, headers.len() as i32);
    for h in headers {
        write_nullable(buf, Some(h.key.as_bytes()));
        write_nullable(buf, h.value.as_deref());
    }
    (buf.len() - before) as u32
}

fn invalid(detail: String) -> KafkaError {
    KafkaError::corrupt(Corruption::InvalidRecord { detail })
}

fn read_nullable<'a>(bytes: &'a [u8], pos: &mut usize, what: &str) -> Result<Option<&'a [u8]>> {
    let len = read_varint(bytes, pos)?;
    if len < 0 {
        if len != -1 {
            return Err(invalid(format!("{what} length {len} is negative")));
        }
        return Ok(None);
    }
    let end = *pos + len as usize;
    if end > bytes.len() {
        return Err(invalid(format!("{what} length {len} runs past the end of the record")));
    }
    let out = &bytes[*pos..end];
    *pos = end;
    Ok(Some(out))
}

/// A record's fields borrowed from the batch bytes.
pub struct RecordRef<'a> {
    pub attributes: i8,
    pub timestamp_delta_ms: i64,
    pub offset_delta: i32,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
    pub header_count: i32,
    headers_bytes: &'a [u8],
}

impl RecordRef<'_> {
    /// The record's offset in a batch at `base_offset` (wrapping as Java's `long` does).
    pub fn offset(&self, base_offset: i64) -> i64 {
        base_offset.wrapping_add(i64::from(self.offset_delta))
    }

    /// The checks [`RecordRef::headers`] makes (each key present and UTF-8, each value's
    /// length), without copying anything.
    pub fn check_headers(&self) -> Result<()> {
        self.each_header(|_, _| {})
    }

    /// Walks the headers in order, each key checked present and UTF-8, each value's
    /// length checked; `each` sees them borrowed.
    fn each_header<'b>(&'b self, mut each: impl FnMut(&'b str, Option<&'b [u8]>)) -> Result<()> {
        let mut pos = 0;
        for _ in 0..self.header_count {
            let key = read_nullable(self.headers_bytes, &mut pos, "header key")?
                .ok_or_else(|| invalid("null header key".to_string()))?;
            let key = std::str::from_utf8(key).map_err(|_| invalid("header key is not UTF-8".to_string()))?;
            each(key, read_nullable(self.headers_bytes, &mut pos, "header value")?);
        }
        Ok(())
    }

    /// Decodes the headers (UTF-8 keys are checked).
    pub fn headers(&self) -> Result<Vec<Header>> {
        let mut out = Vec::with_capacity(self.header_count.max(0) as usize);
        self.each_header(|key, value| {
            out.push(Header { key: key.to_string(), value: value.map(<[u8]>::to_vec) })
        })?;
        Ok(out)
    }
}

/// Reads one record at `*pos` (starting at its length varint), advancing past it. Checks
/// that the fields fill exactly the declared length. The common, well-formed case takes a
/// lean path; a malformed record is re-read to say exactly what is wrong.
#[inline]
pub fn read_record<'a>(bytes: &'a [u8], pos: &mut usize) -> Result<RecordRef<'a>> {
    let start = *pos;
    if let Some(r) = scan_record(bytes, pos) {
        return Ok(r);
    }
    *pos = start;
    read_record_detailed(bytes, pos)
}

#[inline(always)]
fn scan_nullable<'a>(bytes: &'a [u8], pos: &mut usize) -> Option<Option<&'a [u8]>> {
    let len = decode_varint(bytes, pos)?;
    if len < 0 {
        return (len == -1).then_some(None);
    }
    let end = pos.checked_add(len as usize)?;
    let out = bytes.get(*pos..end)?;
    *pos = end;
    Some(Some(out))
}

/// The lean read of one well-formed record ([`read_record`]'s fast path): `None` on any
/// malformation, whatever it is.
#[inline(always)]
pub(super) fn scan_record<'a>(bytes: &'a [u8], pos: &mut usize) -> Option<RecordRef<'a>> {
    let length = decode_varint(bytes, pos)?;
    if length < 0 {
        return None;
    }
    let end = pos.checked_add(length as usize)?;
    let body = bytes.get(..end)?;
    let attributes = *body.get(*pos)? as i8;
    *pos += 1;
    let timestamp_delta_ms = decode_varlong(body, pos)?;
    let offset_delta = decode_varint(body, pos)?;
    let key = scan_nullable(body, pos)?;
    let value = scan_nullable(body, pos)?;
    let header_count = decode_varint(body, pos)?;
    if header_count < 0 {
        return None;
    }
    let headers_start = *pos;
    for _ in 0..header_count {
        scan_nullable(body, pos)??;
        scan_nullable(body, pos)?;
    }
    if *pos != end {
        return None;
    }
    Some(RecordRef {
        attributes,
        timestamp_delta_ms,
        offset_delta,
        key,
        value,
        header_count,
        headers_bytes: &body[headers_start..end],
    })
}

fn read_record_detailed<'a>(bytes: &'a [u8], pos: &mut usize) -> Result<RecordRef<'a>> {
    let length = read_varint(bytes, pos)?;
    if length < 0 {
        return Err(invalid(format!("record length {length} is negative")));
    }
    let end = *pos + length as usize;
    if end > bytes.len() {
        return Err(invalid(format!("record length {length} runs past the end of the batch")));
    }
    let body = &bytes[..end];
    let attributes = *body.get(*pos).ok_or_else(|| invalid("empty record".to_string()))? as i8;
    *pos += 1;
    let timestamp_delta_ms = read_varlong(body, pos)?;
    let offset_delta = read_varint(body, pos)?;
    let key = read_nullable(body, pos, "key")?;
    let value = read_nullable(body, pos, "value")?;
    let header_count = read_varint(body, pos)?;
    if header_count < 0 {
        return Err(invalid(format!("header count {header_count} is negative")));
    }
    let headers_start = *pos;
    for _ in 0..header_count {
        read_nullable(body, pos, "header key")?;
        read_nullable(body, pos, "header value")?;
    }
    if *pos != end {
        return Err(invalid(format!(
            "record length {length} does not match its fields ({} bytes)",
            *pos + length as usize - end
        )));
    }
    Ok(RecordRef {
        attributes,
        timestamp_delta_ms,
        offset_delta,
        key,
        value,
        header_count,
        headers_bytes: &bytes[headers_start..end],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `DefaultRecord.writeTo`, field by field through `ByteUtils`' writers, one push per
    /// byte: the reference the head's one-copy assembly must equal.
    fn reference(
        offset_delta: i32,
        timestamp_delta_ms: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
    ) -> Vec<u8> {
        let mut body = vec![0u8]; // attributes
        write_varlong(&mut body, timestamp_delta_ms);
        write_varint(&mut body, offset_delta);
        for field in [key, value] {
            write_varint(&mut body, nullable_len(field));
            body.extend_from_slice(field.unwrap_or_default());
        }
        write_varint(&mut body, 0); // headers
        let mut out = Vec::new();
        write_varint(&mut out, body.len() as i32);
        out.extend(body);
        out
    }

    #[test]
    fn a_record_head_of_every_length_is_written_as_kafka_writes_it() {
        let timestamps = [
            0,
            1,
            -1,
            63,
            -64,
            64,
            8_191,
            1 << 20,
            -(1 << 27),
            1 << 34,
            1 << 49,
            1 << 55,
            i64::MAX,
            i64::MIN,
        ];
        let offsets = [0, 1, 63, 64, 8_191, 8_192, 1 << 20, i32::MAX];
        let key_long = vec![b'k'; 200];
        let value_long = vec![b'v'; 20_000];
        let keys: [Option<&[u8]>; 4] = [None, Some(b""), Some(b"alice"), Some(&key_long)];
        let values: [Option<&[u8]>; 3] = [None, Some(b"x"), Some(&value_long)];
        for &ts in &timestamps {
            for &offset in &offsets {
                for key in keys {
                    for value in values {
                        let mut buf = vec![0xAA]; // written after what is already there
                        let n = write_record(&mut buf, offset, ts, key, value, &[]);
                        let want = reference(offset, ts, key, value);
                        assert_eq!(&buf[1..], &want[..], "ts {ts} offset {offset} key {key:?}");
                        assert_eq!(n as usize, want.len());
                    }
                }
            }
        }
    }
}
