//! A `produce` command's key or value text without a `String` per record: the command's
//! [`Template`] (its text split at the `{i}` and `{i:bytes}` placeholders, shared by the
//! command's records) and the record's running number. [`RecordText`] writes itself out
//! on demand (to encode the record, to report it) and reads, prints and serializes as the
//! text `str::replace("{i}", number)` gives, with `{i:bytes}` standing for Python's
//! `bytes(i)`: `i` zero bytes (the lecture notebook's key, `key=bytes(idx)`).

use serde::{Serialize, Serializer};
use std::fmt;
use std::rc::Rc;

/// The placeholder for the record's number in decimal.
pub const NUMBER_PLACEHOLDER: &str = "{i}";
/// The placeholder for Python's `bytes(i)`: the record's number of zero bytes.
pub const ZERO_BYTES_PLACEHOLDER: &str = "{i:bytes}";
/// The most zero bytes `{i:bytes}` may stand for: a record numbered above it is refused
/// (the producer checks before it accepts a command), so one key never grows past 4 KiB.
pub const MAX_ZERO_BYTES: u64 = 4096;

/// What stands between two literal pieces of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placeholder {
    Number,
    ZeroBytes,
}

/// A key or value text split at its placeholders once per command.
#[derive(Debug, PartialEq, Eq)]
pub struct Template {
    /// The first literal piece, then each placeholder with the literal piece after it.
    first: String,
    rest: Vec<(Placeholder, String)>,
    /// Bytes of the text without its placeholders.
    fixed_len: usize,
}

impl Template {
    pub fn new(text: &str) -> Self {
        let mut rest = Vec::new();
        let mut first = None;
        let mut tail = text;
        let mut pending: Option<Placeholder> = None;
        loop {
            let next =
                [(NUMBER_PLACEHOLDER, Placeholder::Number), (ZERO_BYTES_PLACEHOLDER, Placeholder::ZeroBytes)]
                    .into_iter()
                    .filter_map(|(p, kind)| tail.find(p).map(|at| (at, p.len(), kind)))
                    .min_by_key(|(at, _, _)| *at);
            let (piece, after) = match next {
                Some((at, len, kind)) => {
                    let piece = &tail[..at];
                    tail = &tail[at + len..];
                    (piece, Some(kind))
                }
                None => (tail, None),
            };
            match pending {
                None => first = Some(piece.to_string()),
                Some(kind) => rest.push((kind, piece.to_string())),
            }
            match after {
                Some(kind) => pending = Some(kind),
                None => break,
            }
        }
        let first = first.unwrap_or_default();
        let fixed_len = first.len() + rest.iter().map(|(_, p)| p.len()).sum::<usize>();
        Template { first, rest, fixed_len }
    }

    /// Whether the text holds `{i:bytes}` (its records' numbers are bounded by
    /// [`MAX_ZERO_BYTES`]).
    pub fn has_zero_bytes(&self) -> bool {
        self.rest.iter().any(|(kind, _)| *kind == Placeholder::ZeroBytes)
    }

    /// Bytes of the text of record `number`.
    pub fn len(&self, number: u64) -> usize {
        self.len_digits(decimal_len(number), number)
    }

    /// Appends the text of record `number` to `out`.
    pub fn write(&self, number: u64, out: &mut Vec<u8>) {
        let mut digits = [0u8; 20];
        self.write_digits(crate::engine::text::decimal_digits(number, &mut digits), number, out);
    }

    /// [`Template::write`] with the record number already written out as `digits`.
    pub fn write_digits(&self, digits: &[u8], number: u64, out: &mut Vec<u8>) {
        out.extend_from_slice(self.first.as_bytes());
        for (kind, piece) in &self.rest {
            match kind {
                Placeholder::Number => out.extend_from_slice(digits),
                Placeholder::ZeroBytes => out.resize(out.len() + number.min(MAX_ZERO_BYTES) as usize, 0),
            }
            out.extend_from_slice(piece.as_bytes());
        }
    }

    /// [`Template::len`] for a number of `digits_len` digits.
    fn len_digits(&self, digits_len: usize, number: u64) -> usize {
        self.fixed_len
            + self
                .rest
                .iter()
                .map(|(kind, _)| match kind {
                    Placeholder::Number => digits_len,
                    Placeholder::ZeroBytes => number.min(MAX_ZERO_BYTES) as usize,
                })
                .sum::<usize>()
    }
}

/// Digits of `n` in decimal.
fn decimal_len(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// One record's key or value text: its command's template filled with its number.
#[derive(Clone)]
pub struct RecordText {
    template: Rc<Template>,
    number: u64,
}

impl RecordText {
    pub fn new(template: Rc<Template>, number: u64) -> Self {
        RecordText { template, number }
    }

    /// Appends the text to `out`, as UTF-8 bytes.
    pub fn write(&self, out: &mut Vec<u8>) {
        self.template.write(self.number, out);
    }

    /// Bytes [`RecordText::write`] appends.
    pub fn len(&self) -> usize {
        self.template.len(self.number)
    }

    /// The record's number (`{i}`).
    pub fn number(&self) -> u64 {
        self.number
    }

    /// [`RecordText::write`] given [`RecordText::number`] written out as `digits` (a key
    /// and a value of one record share it: written out once).
    pub fn write_digits(&self, digits: &[u8], out: &mut Vec<u8>) {
        debug_assert_eq!(crate::engine::text::decimal_digits(self.number, &mut [0; 20]), digits);
        self.template.write_digits(digits, self.number, out);
    }

    /// [`RecordText::len`] given its number's `digits`.
    pub fn len_digits(&self, digits: &[u8]) -> usize {
        self.template.len_digits(digits.len(), self.number)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Display for RecordText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = Vec::new();
        self.write(&mut text);
        // Pieces of a `str` joined by ASCII digits or zero bytes: always UTF-8.
        f.write_str(&String::from_utf8_lossy(&text))
    }
}

impl fmt::Debug for RecordText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

// Comparing with plain text renders the text: rare (tests, checks), so no allocation-free path.
#[allow(clippy::cmp_owned)]
impl PartialEq for RecordText {
    fn eq(&self, other: &Self) -> bool {
        (Rc::ptr_eq(&self.template, &other.template) && self.number == other.number)
            || self.to_string() == other.to_string()
    }
}

impl Eq for RecordText {}

// Comparing with plain text renders the text: rare (tests, checks), so no allocation-free path.
#[allow(clippy::cmp_owned)]
impl PartialEq<str> for RecordText {
    fn eq(&self, other: &str) -> bool {
        self.to_string() == other
    }
}

// Comparing with plain text renders the text: rare (tests, checks), so no allocation-free path.
#[allow(clippy::cmp_owned)]
impl PartialEq<&str> for RecordText {
    fn eq(&self, other: &&str) -> bool {
        self.to_string() == *other
    }
}

// Comparing with plain text renders the text: rare (tests, checks), so no allocation-free path.
#[allow(clippy::cmp_owned)]
impl PartialEq<String> for RecordText {
    fn eq(&self, other: &String) -> bool {
        self.to_string() == *other
    }
}

// Comparing with plain text renders the text: rare (tests, checks), so no allocation-free path.
#[allow(clippy::cmp_owned)]
impl PartialEq<RecordText> for String {
    fn eq(&self, other: &RecordText) -> bool {
        *self == other.to_string()
    }
}

// Comparing with plain text renders the text: rare (tests, checks), so no allocation-free path.
#[allow(clippy::cmp_owned)]
impl PartialEq<RecordText> for &str {
    fn eq(&self, other: &RecordText) -> bool {
        *self == other.to_string()
    }
}

impl Serialize for RecordText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // The text as `Display` gives it, without its second copy (a producer's final
        // state lists every acknowledged record's key and value).
        let mut text = Vec::with_capacity(self.len());
        self.write(&mut text);
        match std::str::from_utf8(&text) {
            Ok(text) => s.serialize_str(text),
            Err(_) => s.serialize_str(&String::from_utf8_lossy(&text)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_the_replaced_text() {
        for (text, n) in [
            ("k-{i}", 0u64),
            ("{i}-{i}", 42),
            ("plain", 7),
            ("v{i}", u64::MAX),
            ("", 3),
            ("{i}", 9),
            ("{i}", 10),
            ("a{i}", 99_999),
        ] {
            let r = RecordText::new(Rc::new(Template::new(text)), n);
            let expected = text.replace("{i}", &n.to_string());
            assert_eq!(r.to_string(), expected);
            assert_eq!(r.len(), expected.len());
            assert_eq!(format!("{r:?}"), format!("{expected:?}"));
            assert_eq!(serde_json::to_string(&r).unwrap(), serde_json::to_string(&expected).unwrap());
            assert!(r == expected);
            let digits = n.to_string();
            let mut out = Vec::new();
            r.write_digits(digits.as_bytes(), &mut out);
            assert_eq!(
                (out, r.len_digits(digits.as_bytes())),
                (expected.clone().into_bytes(), expected.len())
            );
        }
    }

    /// `{i:bytes}` is Python's `bytes(i)`: i zero bytes (`bytes(0) == b""`).
    #[test]
    fn zero_bytes_placeholder_is_pythons_bytes_of_i() {
        for (text, n, expected) in [
            ("{i:bytes}", 0u64, Vec::new()),
            ("{i:bytes}", 3, vec![0u8; 3]),
            ("k{i:bytes}-{i}", 2, b"k\0\0-2".to_vec()),
            ("{i}{i:bytes}", 10, [b"10".to_vec(), vec![0u8; 10]].concat()),
        ] {
            let t = Rc::new(Template::new(text));
            assert!(t.has_zero_bytes());
            let r = RecordText::new(t, n);
            let mut out = Vec::new();
            r.write(&mut out);
            assert_eq!(out, expected, "{text} {n}");
            assert_eq!(r.len(), expected.len());
            let digits = n.to_string();
            assert_eq!(r.len_digits(digits.as_bytes()), expected.len());
        }
        assert!(!Template::new("k-{i}").has_zero_bytes());
    }
}
