//! Kafka's variable-length integers (`ByteUtils`): zigzag varint (int32) and varlong
//! (int64) as used inside records, and the unsigned varint of flexible protocol versions.
//! Decoding refuses encodings longer than Kafka accepts (5 bytes for 32 bits, 10 for 64).

use crate::engine::error::{Corruption, KafkaError, Result};

fn too_long(what: &str) -> KafkaError {
    KafkaError::corrupt(Corruption::InvalidRecord { detail: format!("{what} is too long") })
}

fn ran_out(at: usize) -> KafkaError {
    KafkaError::corrupt(Corruption::InvalidRecord {
        detail: format!("varint runs past the end of the data at byte {at}"),
    })
}

/// `value` zigzag-mapped, so small magnitudes get short codes (`ByteUtils`).
#[inline(always)]
pub fn zigzag32(value: i32) -> u32 {
    ((value << 1) ^ (value >> 31)) as u32
}

/// [`zigzag32`] for 64 bits.
#[inline(always)]
pub fn zigzag64(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

/// `value` as an unsigned base-128 varint held in the low bytes of a `u64` (its first
/// byte lowest) and how many bytes it takes, for values of up to 56 bits (8 bytes of 7
/// bits); `None` above. Built in a register, so a record's head is assembled without a
/// store to memory per byte (bytes stored one by one and read back 16 at a time stall
/// the CPU: the load cannot be forwarded from the narrower stores).
#[inline(always)]
pub fn packed_unsigned_varint(value: u64) -> Option<(u64, u32)> {
    if value >> 56 != 0 {
        return None;
    }
    let mut packed = value & 0x7f;
    let mut rest = value >> 7;
    let mut len = 1;
    while rest != 0 {
        packed |= 0x80 << (8 * (len - 1));
        packed |= (rest & 0x7f) << (8 * len);
        rest >>= 7;
        len += 1;
    }
    Some((packed, len))
}

/// Appends `value` as an unsigned base-128 varint.
#[inline]
pub fn write_unsigned_varint(buf: &mut Vec<u8>, value: u32) {
    write_unsigned_varlong(buf, u64::from(value));
}

#[inline]
fn write_unsigned_varlong(buf: &mut Vec<u8>, value: u64) {
    let mut v = value;
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// Appends `value` zigzag-encoded (`ByteUtils.writeVarint`).
#[inline]
pub fn write_varint(buf: &mut Vec<u8>, value: i32) {
    write_unsigned_varint(buf, zigzag32(value));
}

/// Appends `value` zigzag-encoded (`ByteUtils.writeVarlong`).
#[inline]
pub fn write_varlong(buf: &mut Vec<u8>, value: i64) {
    write_unsigned_varlong(buf, zigzag64(value));
}

/// Bytes `write_unsigned_varint(value)` takes.
#[inline]
pub fn unsigned_varint_size(value: u32) -> u32 {
    // 1 byte per started group of 7 bits, at least one.
    match value {
        0..0x80 => 1,
        0x80..0x4000 => 2,
        0x4000..0x20_0000 => 3,
        0x20_0000..0x1000_0000 => 4,
        _ => 5,
    }
}

/// Bytes `write_varint(value)` takes.
#[inline]
pub fn varint_size(value: i32) -> u32 {
    unsigned_varint_size(zigzag32(value))
}

/// Bytes `write_varlong(value)` takes.
#[inline]
pub fn varlong_size(value: i64) -> u32 {
    let v = zigzag64(value);
    let bits = 64 - (v | 1).leading_zeros();
    bits.div_ceil(7)
}

/// Fast-path decoding for the broker's validation walk: `None` on any malformation (the
/// caller re-reads with the `read_*` functions to say exactly what is wrong).
#[inline(always)]
pub fn decode_unsigned_varint(bytes: &[u8], pos: &mut usize) -> Option<u32> {
    let b0 = *bytes.get(*pos)?;
    if b0 < 0x80 {
        *pos += 1;
        return Some(u32::from(b0));
    }
    if let Some(&b1) = bytes.get(*pos + 1) {
        if b1 < 0x80 {
            *pos += 2;
            return Some(u32::from(b0 & 0x7f) | (u32::from(b1) << 7));
        }
    }
    decode_unsigned_varint_multi(bytes, pos)
}

#[inline(never)]
fn decode_unsigned_varint_multi(bytes: &[u8], pos: &mut usize) -> Option<u32> {
    let mut value: u32 = 0;
    for i in 0..5 {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        if i == 4 && b > 0x0f {
            return None;
        }
        value |= u32::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// [`decode_unsigned_varint`] with zigzag.
#[inline(always)]
pub fn decode_varint(bytes: &[u8], pos: &mut usize) -> Option<i32> {
    let raw = decode_unsigned_varint(bytes, pos)?;
    Some(((raw >> 1) as i32) ^ -((raw & 1) as i32))
}

/// Fast-path zigzag varlong; `None` on any malformation.
#[inline(always)]
pub fn decode_varlong(bytes: &[u8], pos: &mut usize) -> Option<i64> {
    let b0 = *bytes.get(*pos)?;
    if b0 < 0x80 {
        *pos += 1;
        return Some(i64::from(b0 >> 1) ^ -i64::from(b0 & 1));
    }
    let mut raw: u64 = 0;
    for i in 0..10 {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        if i == 9 && b > 0x01 {
            return None;
        }
        raw |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some(((raw >> 1) as i64) ^ -((raw & 1) as i64));
        }
    }
    None
}

/// Why a varint at `start` did not decode: it ran past the data, or it is too long.
fn varint_error(bytes: &[u8], start: usize, what: &str) -> KafkaError {
    let terminated = bytes.get(start..).is_some_and(|rest| rest.iter().any(|b| b & 0x80 == 0));
    if terminated {
        too_long(what)
    } else {
        ran_out(start)
    }
}

/// Reads an unsigned varint at `*pos`, advancing it.
#[inline]
pub fn read_unsigned_varint(bytes: &[u8], pos: &mut usize) -> Result<u32> {
    let start = *pos;
    decode_unsigned_varint(bytes, pos).ok_or_else(|| varint_error(bytes, start, "Varint"))
}

/// Reads a zigzag varint at `*pos`, advancing it.
#[inline]
pub fn read_varint(bytes: &[u8], pos: &mut usize) -> Result<i32> {
    let start = *pos;
    decode_varint(bytes, pos).ok_or_else(|| varint_error(bytes, start, "Varint"))
}

/// Reads a zigzag varlong at `*pos`, advancing it.
#[inline]
pub fn read_varlong(bytes: &[u8], pos: &mut usize) -> Result<i64> {
    let start = *pos;
    decode_varlong(bytes, pos).ok_or_else(|| varint_error(bytes, start, "Varlong"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_varint_is_the_written_varint() {
        let mut values = vec![0u64, 1, 0x7f, 0x80, 0x3fff, 0x4000, (1 << 56) - 1];
        for bits in 0..56 {
            values.extend([1u64 << bits, (1u64 << bits) - 1, (1u64 << bits) + 1]);
        }
        for v in values {
            let mut written = Vec::new();
            write_unsigned_varlong(&mut written, v);
            let (packed, len) = packed_unsigned_varint(v).unwrap();
            assert_eq!(&packed.to_le_bytes()[..len as usize], &written[..], "{v:#x}");
            assert!(packed.to_le_bytes()[len as usize..].iter().all(|b| *b == 0), "{v:#x}");
        }
        assert_eq!(packed_unsigned_varint(1 << 56), None);
        assert_eq!(packed_unsigned_varint(u64::MAX), None);
    }

    #[test]
    fn sizes_agree_with_encodings() {
        for v in [0, 1, -1, 63, -64, 64, 8191, -8192, 8192, i32::MAX, i32::MIN] {
            let mut buf = Vec::new();
            write_varint(&mut buf, v);
            assert_eq!(buf.len() as u32, varint_size(v), "value {v}");
            let mut pos = 0;
            assert_eq!(read_varint(&buf, &mut pos).unwrap(), v);
            assert_eq!(pos, buf.len());
        }
        for v in [0i64, -1, 1 << 40, i64::MAX, i64::MIN] {
            let mut buf = Vec::new();
            write_varlong(&mut buf, v);
            assert_eq!(buf.len() as u32, varlong_size(v));
        }
    }

    #[test]
    fn truncated_and_overlong_inputs_are_errors() {
        let mut pos = 0;
        assert!(read_varint(&[0x80], &mut pos).is_err());
        let mut pos = 0;
        assert!(read_varint(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x01], &mut pos).is_err());
    }
}
