//! The `produce` input file: one JSON object per line, validated completely before
//! anything is written. Each line is
//!
//! ```text
//! {"key": "<hex>" | null, "value": "<text>" | null,
//!  "headers": [{"key": "<text>", "value": "<text>" | null}, ...], "timestamp": <ms>}
//! ```
//!
//! * `key` is hex (`""` is the empty key, distinct from `null`); missing means `null`.
//! * `value` is UTF-8 text; missing or `null` is a null value (a tombstone).
//! * `headers` is optional, kept in order (Kafka allows repeated header keys).
//! * `timestamp` is optional CreateTime in ms, non-negative as the Java producer demands;
//!   without it the record gets the command's fixed clock (see `produce`).
//! * Blank lines are skipped; unknown fields are refused (they are usually typos).

use super::CliError;
use crate::engine::record::Header;
use serde::Deserialize;

/// One record to produce, with the input line it came from (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRecord {
    pub line: usize,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<Header>,
    pub timestamp_ms: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineJson {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    headers: Option<Vec<HeaderJson>>,
    #[serde(default)]
    timestamp: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderJson {
    key: String,
    #[serde(default)]
    value: Option<String>,
}

/// Decodes hex (either case, even length).
pub fn from_hex(text: &str) -> Result<Vec<u8>, String> {
    if !text.len().is_multiple_of(2) {
        return Err(format!("odd number of hex digits ({})", text.len()));
    }
    let digit = |c: u8| -> Result<u8, String> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(format!("{:?} is not a hex digit", char::from(c))),
        }
    };
    text.as_bytes().chunks(2).map(|pair| Ok(digit(pair[0])? << 4 | digit(pair[1])?)).collect()
}

/// Lower-case hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

fn line_error(line: usize, message: impl std::fmt::Display) -> CliError {
    CliError::failure(format!("input line {line}: {message}"))
}

/// Parses one non-blank line.
fn parse_line(line: usize, text: &str) -> Result<InputRecord, CliError> {
    let json: LineJson = serde_json::from_str(text)
        .map_err(|e| line_error(line, format!("not a valid record object: {e}")))?;
    let key = match json.key {
        None => None,
        Some(hex) => {
            Some(from_hex(&hex).map_err(|e| line_error(line, format!("key {hex:?} is not hex: {e}")))?)
        }
    };
    if let Some(ts) = json.timestamp {
        if ts < 0 {
            return Err(line_error(
                line,
                format!("invalid timestamp {ts}: a timestamp must be non-negative (or left out)"),
            ));
        }
    }
    let headers = json
        .headers
        .unwrap_or_default()
        .into_iter()
        .map(|h| Header { key: h.key, value: h.value.map(String::into_bytes) })
        .collect();
    Ok(InputRecord {
        line,
        key,
        value: json.value.map(String::into_bytes),
        headers,
        timestamp_ms: json.timestamp,
    })
}

/// Parses a whole input file; the first bad line is the error.
pub fn parse_input(text: &str) -> Result<Vec<InputRecord>, CliError> {
    let mut records = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            continue;
        }
        records.push(parse_line(i + 1, trimmed)?);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_bad_digits() {
        assert_eq!(from_hex("00ffA1").unwrap(), vec![0, 255, 0xa1]);
        assert_eq!(to_hex(&[0, 255, 0xa1]), "00ffa1");
        assert!(from_hex("abc").unwrap_err().contains("odd"));
        assert!(from_hex("zz").unwrap_err().contains("'z'"));
        assert_eq!(from_hex("").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn parses_every_field_and_skips_blank_lines() {
        let text = "{\"key\": \"6b\", \"value\": \"v\", \"timestamp\": 5, \
                    \"headers\": [{\"key\": \"h\", \"value\": null}, {\"key\": \"h\", \"value\": \"x\"}]}\n\n\
                    {\"key\": null, \"value\": null}\n{\"key\": \"\"}\n";
        let records = parse_input(text).unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].key.as_deref(), Some(&b"k"[..]));
        assert_eq!(records[0].timestamp_ms, Some(5));
        assert_eq!(records[0].headers[1], Header { key: "h".into(), value: Some(b"x".to_vec()) });
        assert_eq!((records[1].line, records[1].key.clone(), records[1].value.clone()), (3, None, None));
        assert_eq!(records[2].key.as_deref(), Some(&b""[..]));
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse_input("{\"value\": \"a\"}\n{\"key\": \"xy\"}\n").unwrap_err();
        assert!(err.message.starts_with("input line 2: key \"xy\" is not hex"), "{}", err.message);
        let err = parse_input("{\"value\": \"a\"}\n\n{oops\n").unwrap_err();
        assert!(err.message.starts_with("input line 3: not a valid record object"), "{}", err.message);
        let err = parse_input("{\"valeu\": \"a\"}").unwrap_err();
        assert!(err.message.contains("unknown field `valeu`"), "{}", err.message);
        let err = parse_input("{\"timestamp\": -1}").unwrap_err();
        assert!(err.message.contains("non-negative"), "{}", err.message);
    }
}
