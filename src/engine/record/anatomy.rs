//! One record batch taken apart byte by byte, for the page's batch anatomy: each field of
//! the 61-byte RecordBatch v2 header and of each record, where it sits and what it says,
//! named as Kafka's protocol documentation names them ("Record Batch": `baseOffset` …
//! `records`; "Record": `length`, `attributes`, `timestampDelta` … `Headers`; "Header":
//! `headerKeyLength` …) and read as `DefaultRecordBatch` / `DefaultRecord.readFrom` read
//! them. A compressed batch's records are taken apart in its decompressed bytes, a second
//! byte area. Invariant: a pure read that never fails: what does not decode ends the
//! walk with a `problem` naming it; at most [`MAX_RECORDS`] records and
//! [`MAX_AREA_BYTES`] bytes per area, so an answer stays small whatever the batch.

use super::batch::{read_header, BatchHeader, Compression, TimestampType, RECORD_BATCH_OVERHEAD};
use super::compression::decompress_at_most;
use super::crc::crc32c;
use super::varint::{decode_varint, decode_varlong};
use serde::{Deserialize, Serialize};

/// Records taken apart at most.
pub const MAX_RECORDS: usize = 100;
/// Bytes of one area shown at most (the fields stop where the shown bytes end).
pub const MAX_AREA_BYTES: usize = 16 * 1024;

/// Which bytes a field's position refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Area {
    /// The batch as stored.
    Batch,
    /// A compressed batch's records, decompressed.
    Records,
}

/// What a field's value means, beside the value itself: the page says it in the
/// learner's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Note {
    /// `batchLength`: the bytes after this field.
    BytesAfterField,
    /// `crc` equals the CRC-32C of the bytes from `attributes` to the batch's end.
    CrcMatches,
    /// `crc` differs from what the bytes give.
    CrcCorrupt { computed: u32 },
    /// `records`: the count of records that follow.
    RecordsFollow,
    /// A record's `length`: its bytes after this field.
    RecordBytesAfterField,
    /// A record's `attributes` (no bit is used).
    Unused,
    /// A record's `timestampDelta`: base timestamp + delta.
    Timestamp(i64),
    /// A record's `offsetDelta`: base offset + delta.
    Offset(i64),
    /// A length of -1.
    Null,
    /// A length that counts the bytes after it.
    Bytes,
    /// A record's `Headers`: the count of headers.
    HeadersCount,
    /// A compressed batch's records section, with its codec.
    CompressedWith(String),
}

/// One field: Kafka's name, its bytes (`start..start + len` of `area`), its value (as
/// Kafka's fields hold it, in Kafka's words) and what that means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub area: Area,
    pub start: u32,
    pub len: u32,
    pub value: String,
    pub note: Option<Note>,
    /// The record it belongs to (its index in the batch), `None` for the header.
    pub record: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchAnatomy {
    /// The batch's bytes (at most [`MAX_AREA_BYTES`]).
    pub bytes: Vec<u8>,
    /// A compressed batch's records decompressed (at most [`MAX_AREA_BYTES`]).
    pub records_bytes: Option<Vec<u8>>,
    pub fields: Vec<Field>,
    /// What stopped the walk: bytes that do not decode, or a limit reached.
    pub problem: Option<String>,
}

/// Takes `batch` (one whole batch) apart.
pub fn batch_anatomy(batch: &[u8]) -> BatchAnatomy {
    let mut a = Walk { fields: Vec::new(), problem: None };
    let shown = &batch[..batch.len().min(MAX_AREA_BYTES)];
    let records_bytes = match read_header(batch) {
        Ok(h) => {
            a.header(batch, &h);
            a.records_area(batch, &h)
        }
        Err(e) => {
            a.problem = Some(format!("the batch header does not decode: {e}"));
            None
        }
    };
    if batch.len() > MAX_AREA_BYTES && a.problem.is_none() {
        a.problem = Some(format!("only the first {MAX_AREA_BYTES} of {} bytes are shown", batch.len()));
    }
    BatchAnatomy { bytes: shown.to_vec(), records_bytes, fields: a.fields, problem: a.problem }
}

struct Walk {
    fields: Vec<Field>,
    problem: Option<String>,
}

fn be(bytes: &[u8], at: usize, len: usize) -> i64 {
    bytes[at..at + len].iter().fold(0i64, |acc, b| (acc << 8) | i64::from(*b))
}

fn signed(v: i64, len: usize) -> i64 {
    let shift = 64 - 8 * len as u32;
    (v << shift) >> shift
}

fn attributes_text(h: &BatchHeader) -> String {
    let codec =
        h.compression().map_or_else(|_| format!("unknown ({})", h.attributes & 0x07), |c| c.name().into());
    let timestamp = match h.timestamp_type() {
        TimestampType::CreateTime => "CreateTime",
        TimestampType::LogAppendTime => "LogAppendTime",
    };
    format!(
        "{} = compression {codec}, timestampType {timestamp}, isTransactional {}, isControlBatch {}, hasDeleteHorizonMs {}",
        h.attributes,
        h.is_transactional(),
        h.is_control_batch(),
        h.has_delete_horizon_ms()
    )
}

impl Walk {
    fn push(
        &mut self,
        name: &str,
        (area, start, len): (Area, usize, usize),
        value: String,
        note: Option<Note>,
        record: Option<u32>,
    ) {
        self.fields.push(Field {
            name: name.into(),
            area,
            start: start as u32,
            len: len as u32,
            value,
            note,
            record,
        });
    }

    /// The 61 bytes every batch starts with, at Kafka's offsets (`DefaultRecordBatch`).
    fn header(&mut self, b: &[u8], h: &BatchHeader) {
        let computed = crc32c(&b[super::batch::ATTRIBUTES_OFFSET..b.len().min(h.size_in_bytes() as usize)]);
        let crc_note = if computed == h.crc { Note::CrcMatches } else { Note::CrcCorrupt { computed } };
        let plain = |len: usize, at: usize| signed(be(b, at, len), len).to_string();
        let rows: [(&str, usize, usize, String, Option<Note>); 13] = [
            ("baseOffset", 0, 8, plain(8, 0), None),
            ("batchLength", 8, 4, h.batch_length.to_string(), Some(Note::BytesAfterField)),
            ("partitionLeaderEpoch", 12, 4, plain(4, 12), None),
            ("magic", 16, 1, plain(1, 16), None),
            ("crc", 17, 4, format!("{} = {:#010x}", h.crc, h.crc), Some(crc_note)),
            ("attributes", 21, 2, attributes_text(h), None),
            ("lastOffsetDelta", 23, 4, plain(4, 23), None),
            ("baseTimestamp", 27, 8, plain(8, 27), None),
            ("maxTimestamp", 35, 8, plain(8, 35), None),
            ("producerId", 43, 8, plain(8, 43), None),
            ("producerEpoch", 51, 2, plain(2, 51), None),
            ("baseSequence", 53, 4, plain(4, 53), None),
            ("records", 57, 4, h.records_count.to_string(), Some(Note::RecordsFollow)),
        ];
        for (name, at, len, value, note) in rows {
            self.push(name, (Area::Batch, at, len), value, note, None);
        }
    }

    /// Walks the records section; returns the decompressed bytes of a compressed batch.
    fn records_area(&mut self, b: &[u8], h: &BatchHeader) -> Option<Vec<u8>> {
        let end = b.len().min(h.size_in_bytes() as usize);
        let section = b.get(RECORD_BATCH_OVERHEAD..end).unwrap_or_default();
        match h.compression() {
            Ok(Compression::None) => {
                let shown = &b[..b.len().min(MAX_AREA_BYTES)];
                self.records(shown, RECORD_BATCH_OVERHEAD, Area::Batch, h);
                None
            }
            Ok(codec) => {
                self.push(
                    "records (compressed)",
                    (Area::Batch, RECORD_BATCH_OVERHEAD, section.len()),
                    section.len().to_string(),
                    Some(Note::CompressedWith(codec.name().into())),
                    None,
                );
                match decompress_at_most(codec, section, MAX_AREA_BYTES) {
                    Ok(plain) => {
                        self.records(&plain, 0, Area::Records, h);
                        Some(plain)
                    }
                    Err(e) => {
                        self.problem = Some(format!("the records do not decompress: {e}"));
                        None
                    }
                }
            }
            Err(e) => {
                self.problem = Some(format!("unknown codec: {e}"));
                None
            }
        }
    }

    /// Each record from `pos` (`DefaultRecord.readFrom`), until the declared count, the
    /// bytes end, [`MAX_RECORDS`], or a field that does not decode.
    fn records(&mut self, bytes: &[u8], mut pos: usize, area: Area, h: &BatchHeader) {
        let count = h.records_count.max(0) as usize;
        for i in 0..count {
            if i == MAX_RECORDS {
                self.problem = Some(format!("only the first {MAX_RECORDS} of {count} records are shown"));
                return;
            }
            if pos >= bytes.len() {
                if self.problem.is_none() {
                    self.problem = Some(format!("the bytes shown end after {i} of {count} records"));
                }
                return;
            }
            if let Err(what) = self.record(bytes, &mut pos, area, i as u32, h) {
                self.problem = Some(format!("record {i}: {what} does not decode"));
                return;
            }
        }
    }

    fn record(
        &mut self,
        bytes: &[u8],
        pos: &mut usize,
        area: Area,
        i: u32,
        h: &BatchHeader,
    ) -> Result<(), String> {
        let r = Some(i);
        let length = self.varint(bytes, pos, area, "length", r, |_| Some(Note::RecordBytesAfterField))?;
        let start = *pos;
        let end = start.saturating_add(length.max(0) as usize);
        let at = *pos;
        let attributes = *bytes.get(at).ok_or("attributes")?;
        *pos += 1;
        self.push("attributes", (area, at, 1), attributes.to_string(), Some(Note::Unused), r);
        let at = *pos;
        let delta = decode_varlong(bytes, pos).ok_or("timestampDelta")?;
        let timestamp = h.base_timestamp.wrapping_add(delta);
        self.push(
            "timestampDelta",
            (area, at, *pos - at),
            delta.to_string(),
            Some(Note::Timestamp(timestamp)),
            r,
        );
        let base = h.base_offset;
        self.varint(bytes, pos, area, "offsetDelta", r, |v| {
            Some(Note::Offset(base.wrapping_add(i64::from(v))))
        })?;
        self.bytes_field(bytes, pos, area, ("keyLength", "key"), r)?;
        self.bytes_field(bytes, pos, area, ("valueLen", "value"), r)?;
        let headers = self.varint(bytes, pos, area, "Headers", r, |_| Some(Note::HeadersCount))?;
        for _ in 0..headers.max(0) {
            if *pos >= end {
                return Err("Headers".into());
            }
            self.bytes_field(bytes, pos, area, ("headerKeyLength", "headerKey"), r)?;
            self.bytes_field(bytes, pos, area, ("headerValueLength", "Value"), r)?;
        }
        if *pos != end {
            return Err(format!("length (it says {length}, the fields take {})", *pos - start));
        }
        Ok(())
    }

    fn varint(
        &mut self,
        bytes: &[u8],
        pos: &mut usize,
        area: Area,
        name: &str,
        record: Option<u32>,
        note: impl Fn(i32) -> Option<Note>,
    ) -> Result<i32, String> {
        let at = *pos;
        let v = decode_varint(bytes, pos).ok_or_else(|| name.to_string())?;
        self.push(name, (area, at, *pos - at), v.to_string(), note(v), record);
        Ok(v)
    }

    /// A varint length and the bytes it counts (-1: null, no bytes).
    fn bytes_field(
        &mut self,
        bytes: &[u8],
        pos: &mut usize,
        area: Area,
        (len_name, name): (&str, &str),
        record: Option<u32>,
    ) -> Result<(), String> {
        let len = self.varint(bytes, pos, area, len_name, record, |v| {
            Some(if v < 0 { Note::Null } else { Note::Bytes })
        })?;
        if len < 0 {
            return Ok(());
        }
        let at = *pos;
        let data = bytes.get(at..at.saturating_add(len as usize)).ok_or_else(|| name.to_string())?;
        *pos += len as usize;
        self.push(name, (area, at, len as usize), text_of(data), None, record);
        Ok(())
    }
}

/// Bytes in words: UTF-8 text in quotes when they are text, else hex.
fn text_of(data: &[u8]) -> String {
    match std::str::from_utf8(data) {
        Ok(s) if !s.chars().any(char::is_control) => format!("\"{s}\""),
        _ => data.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" "),
    }
}
