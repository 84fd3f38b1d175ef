//! Kafka's protocol primitives as its generated message classes read and write them
//! (`ByteBufferAccessor`, `ByteUtils.readUnsignedVarint`, `MessageUtil`): big-endian
//! integers, int16-length strings and int32-length arrays (non-flexible versions),
//! unsigned-varint "compact" strings and arrays (length + 1, 0 = null) and tagged-field
//! sections (flexible versions). Invariant: every length is checked against the bytes
//! left before anything is allocated, so a hostile length costs nothing; a read past the
//! end is a [`TxnError::Malformed`] naming the field.

use super::error::{TxnError, TxnResult};

pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// What is being read, for the error ("TransactionLogValue").
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8], what: &'static str) -> Self {
        Reader { buf, pos: 0, what }
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn err(&self, detail: String) -> TxnError {
        TxnError::malformed(self.what, detail)
    }

    pub fn bytes(&mut self, n: usize, field: &str) -> TxnResult<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.err(format!(
                "{field} needs {n} bytes at position {} but only {} remain",
                self.pos,
                self.remaining()
            )));
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn array<const N: usize>(&mut self, field: &str) -> TxnResult<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.bytes(N, field)?);
        Ok(a)
    }

    pub fn i8(&mut self, field: &str) -> TxnResult<i8> {
        Ok(i8::from_be_bytes(self.array(field)?))
    }
    pub fn i16(&mut self, field: &str) -> TxnResult<i16> {
        Ok(i16::from_be_bytes(self.array(field)?))
    }
    pub fn i32(&mut self, field: &str) -> TxnResult<i32> {
        Ok(i32::from_be_bytes(self.array(field)?))
    }
    pub fn i64(&mut self, field: &str) -> TxnResult<i64> {
        Ok(i64::from_be_bytes(self.array(field)?))
    }

    /// `ByteUtils.readUnsignedVarint`: at most 5 bytes.
    pub fn unsigned_varint(&mut self, field: &str) -> TxnResult<u32> {
        let mut value: u32 = 0;
        for i in 0..5 {
            let b = self.array::<1>(field)?[0];
            value |= u32::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(self.err(format!("{field}: varint is too long, the most significant bit in the 5th byte is set")))
    }

    fn utf8(&mut self, len: usize, field: &str) -> TxnResult<String> {
        let raw = self.bytes(len, field)?;
        String::from_utf8(raw.to_vec()).map_err(|_| self.err(format!("{field} is not valid UTF-8")))
    }

    /// A non-nullable `string` of a non-flexible version: int16 length, then UTF-8.
    pub fn string(&mut self, field: &str) -> TxnResult<String> {
        let len = self.i16(field)?;
        if len < 0 {
            return Err(self.err(format!("non-nullable field {field} was serialized as null")));
        }
        self.utf8(len as usize, field)
    }

    /// A non-nullable `string` of a flexible version: unsigned varint length + 1.
    pub fn compact_string(&mut self, field: &str) -> TxnResult<String> {
        let len = self.unsigned_varint(field)?;
        if len == 0 {
            return Err(self.err(format!("non-nullable field {field} was serialized as null")));
        }
        if len - 1 > 0x7fff {
            return Err(self.err(format!("string field {field} had invalid length {}", len - 1)));
        }
        self.utf8((len - 1) as usize, field)
    }

    /// An array's element count (`None` = null), refused if `min_element_bytes` per element
    /// cannot fit in what is left.
    pub fn array_len(
        &mut self,
        compact: bool,
        field: &str,
        min_element_bytes: usize,
    ) -> TxnResult<Option<usize>> {
        let len: i64 =
            if compact { i64::from(self.unsigned_varint(field)?) - 1 } else { i64::from(self.i32(field)?) };
        if len < 0 {
            return Ok(None);
        }
        let len = len as usize;
        if len.saturating_mul(min_element_bytes.max(1)) > self.remaining() {
            return Err(self
                .err(format!("{field} declares {len} elements but only {} bytes remain", self.remaining())));
        }
        Ok(Some(len))
    }
}

pub fn put_i16(out: &mut Vec<u8>, v: i16) {
    out.extend_from_slice(&v.to_be_bytes());
}
pub fn put_i32(out: &mut Vec<u8>, v: i32) {
    out.extend_from_slice(&v.to_be_bytes());
}
pub fn put_i64(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// `ByteUtils.writeUnsignedVarint`.
pub fn put_unsigned_varint(out: &mut Vec<u8>, mut v: u32) {
    while v & !0x7f != 0 {
        out.push(((v & 0x7f) | 0x80) as u8);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A string as the given version's flexibility says (int16 length or compact).
pub fn put_string(out: &mut Vec<u8>, s: &str, compact: bool) {
    if compact {
        put_unsigned_varint(out, s.len() as u32 + 1);
    } else {
        put_i16(out, s.len() as i16);
    }
    out.extend_from_slice(s.as_bytes());
}

/// An array length (`None` = null) as the version's flexibility says.
pub fn put_array_len(out: &mut Vec<u8>, len: Option<usize>, compact: bool) {
    match (len, compact) {
        (None, true) => put_unsigned_varint(out, 0),
        (None, false) => put_i32(out, -1),
        (Some(n), true) => put_unsigned_varint(out, n as u32 + 1),
        (Some(n), false) => put_i32(out, n as i32),
    }
}

/// One tagged field as read: its tag and raw bytes (kept, as Kafka keeps
/// `unknownTaggedFields`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawTaggedField {
    pub tag: u32,
    pub data: Vec<u8>,
}

/// Reads a tagged-field section: a count, then (tag, size, bytes) per field.
/// Kafka's generated readers require no particular order; each field's size is bounded
/// by the bytes left.
pub fn read_tagged_fields(r: &mut Reader<'_>, field: &str) -> TxnResult<Vec<RawTaggedField>> {
    let count = r.unsigned_varint(field)? as usize;
    // Each field takes at least two bytes (tag and size).
    if count.saturating_mul(2) > r.remaining() {
        return Err(TxnError::malformed(
            r.what,
            format!("{field} declares {count} tagged fields but only {} bytes remain", r.remaining()),
        ));
    }
    let mut fields = Vec::with_capacity(count);
    for _ in 0..count {
        let tag = r.unsigned_varint(field)?;
        let size = r.unsigned_varint(field)? as usize;
        let data = r.bytes(size, field)?.to_vec();
        fields.push(RawTaggedField { tag, data });
    }
    Ok(fields)
}

/// Writes a tagged-field section; `fields` must be in ascending tag order.
pub fn put_tagged_fields(out: &mut Vec<u8>, fields: &[RawTaggedField]) {
    put_unsigned_varint(out, fields.len() as u32);
    for f in fields {
        put_unsigned_varint(out, f.tag);
        put_unsigned_varint(out, f.data.len() as u32);
        out.extend_from_slice(&f.data);
    }
}
