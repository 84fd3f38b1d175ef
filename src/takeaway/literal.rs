//! String literals and record-text expressions in Python and Java: a `produce` command's
//! key and value are templates (`{i}` the record's number, `{i:bytes}` Python's `bytes(i)`,
//! see `engine::client::producer::record_text`) that become an expression over the loop
//! variable `i`. Literals escape what each language's grammar needs and keep other text
//! as written (both sources are UTF-8).

use crate::engine::client::producer::record_text::{NUMBER_PLACEHOLDER, ZERO_BYTES_PLACEHOLDER};

/// A template's pieces in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Number,
    ZeroBytes,
}

pub fn pieces(template: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = template;
    loop {
        let next = [(NUMBER_PLACEHOLDER, Piece::Number), (ZERO_BYTES_PLACEHOLDER, Piece::ZeroBytes)]
            .into_iter()
            .filter_map(|(p, piece)| rest.find(p).map(|at| (at, p.len(), piece)))
            .min_by_key(|(at, _, _)| *at);
        match next {
            None => {
                if !rest.is_empty() {
                    out.push(Piece::Text(rest.to_string()));
                }
                return out;
            }
            Some((at, len, piece)) => {
                if at > 0 {
                    out.push(Piece::Text(rest[..at].to_string()));
                }
                out.push(piece);
                rest = &rest[at + len..];
            }
        }
    }
}

/// Whether the template needs bytes (it has `{i:bytes}`).
pub fn has_bytes(template: &str) -> bool {
    pieces(template).contains(&Piece::ZeroBytes)
}

/// A Python string literal (single quotes, as `repr` writes one).
pub fn py_str(text: &str) -> String {
    format!("'{}'", py_escape(text))
}

/// The inside of a single-quoted Python literal.
fn py_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The Python expression for one record's key or value text: a `str` (confluent_kafka
/// encodes it as UTF-8) unless the template has `{i:bytes}`, then `bytes`.
pub fn py_expr(template: &str) -> String {
    let parts = pieces(template);
    if parts.contains(&Piece::ZeroBytes) {
        let joined: Vec<String> = parts
            .iter()
            .map(|p| match p {
                Piece::Text(t) => format!("{}.encode()", py_str(t)),
                Piece::Number => "str(i).encode()".to_string(),
                Piece::ZeroBytes => "bytes(i)".to_string(),
            })
            .collect();
        return joined.join(" + ");
    }
    if !parts.contains(&Piece::Number) {
        return py_str(template);
    }
    let body: String = parts
        .iter()
        .map(|p| match p {
            Piece::Text(t) => py_escape(t).replace('{', "{{").replace('}', "}}"),
            _ => "{i}".to_string(),
        })
        .collect();
    format!("f'{body}'")
}

/// A Java string literal.
pub fn java_str(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The Java expression for one record's key or value: a `String`, or a `byte[]` when the
/// template has `{i:bytes}` (then the producer uses `ByteArraySerializer` for that side).
pub fn java_expr(template: &str) -> String {
    let parts = pieces(template);
    if parts.contains(&Piece::ZeroBytes) {
        if parts.len() == 1 {
            return "new byte[i]".to_string();
        }
        let joined: Vec<String> = parts
            .iter()
            .map(|p| match p {
                Piece::Text(t) => format!("{}.getBytes(StandardCharsets.UTF_8)", java_str(t)),
                Piece::Number => "String.valueOf(i).getBytes(StandardCharsets.UTF_8)".to_string(),
                Piece::ZeroBytes => "new byte[i]".to_string(),
            })
            .collect();
        return format!("concat({})", joined.join(", "));
    }
    if !parts.contains(&Piece::Number) {
        return java_str(template);
    }
    let joined: Vec<String> = parts
        .iter()
        .map(|p| match p {
            Piece::Text(t) => java_str(t),
            _ => "i".to_string(),
        })
        .collect();
    // `"" + i` keeps a template that starts with the number a String.
    if parts.first() == Some(&Piece::Number) {
        format!("\"\" + {}", joined.join(" + "))
    } else {
        joined.join(" + ")
    }
}
