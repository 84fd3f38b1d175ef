//! A `produce` command's key or value text without a `String` per record: the command's
//! [`Template`] (its text split at the `{i}` placeholders, shared by the command's
//! records) and the record's running number. [`RecordText`] writes itself out on demand
//! (to encode the record, to report it) and reads, prints and serializes as the text
//! `str::replace("{i}", number)` gives.

use serde::{Serialize, Serializer};
use std::fmt;
use std::rc::Rc;

/// A key or value text split at its `{i}` placeholders once per command.
#[derive(Debug, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<String>,
    /// Bytes of the text without its placeholders.
    fixed_len: usize,
}

impl Template {
    pub fn new(text: &str) -> Self {
        let pieces: Vec<String> = text.split("{i}").map(str::to_string).collect();
        let fixed_len = pieces.iter().map(String::len).sum();
        Template { pieces, fixed_len }
    }

    /// Bytes of the text of record `number`.
    pub fn len(&self, number: u64) -> usize {
        self.fixed_len + self.pieces.len().saturating_sub(1) * decimal_len(number)
    }

    /// Appends the text of record `number` to `out`, as UTF-8 bytes.
    pub fn write(&self, number: u64, out: &mut Vec<u8>) {
        let mut digits = [0u8; 20];
        self.write_digits(crate::engine::text::decimal_digits(number, &mut digits), out);
    }

    /// [`Template::write`] with the record number already written out as `digits`.
    pub fn write_digits(&self, digits: &[u8], out: &mut Vec<u8>) {
        let Some((first, rest)) = self.pieces.split_first() else { return };
        out.extend_from_slice(first.as_bytes());
        for piece in rest {
            out.extend_from_slice(digits);
            out.extend_from_slice(piece.as_bytes());
        }
    }

    /// [`Template::len`] for a number of `digits_len` digits.
    fn len_digits(&self, digits_len: usize) -> usize {
        self.fixed_len + self.pieces.len().saturating_sub(1) * digits_len
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
        self.template.write_digits(digits, out);
    }

    /// [`RecordText::len`] given its number's `digits`.
    pub fn len_digits(&self, digits: &[u8]) -> usize {
        self.template.len_digits(digits.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Display for RecordText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = Vec::new();
        self.write(&mut text);
        // Pieces of a `str` joined by ASCII digits: always UTF-8.
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
        s.serialize_str(&self.to_string())
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
}
