//! How keys, values and times are shown: text when printable, hex otherwise; a key's
//! colour comes from its murmur2 hash, so records with one key share a colour (and a
//! label, since colour is never the only signal). Okabe–Ito palette, colour-blind safe.

use crate::engine::partitioner::murmur2;

const PALETTE: [&str; 8] =
    ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#8C8C8C"];

/// Printable UTF-8 as text, anything else as a Python bytes literal (`b'\x00\x00'`, as
/// the lecture's notebook prints keys); `null` for None.
pub fn bytes_text(bytes: Option<&[u8]>) -> String {
    match bytes {
        None => "null".to_string(),
        Some(b) => match std::str::from_utf8(b) {
            Ok(s) if !s.chars().any(char::is_control) => s.to_string(),
            _ => format!("b'{}'", b.iter().map(|&x| escaped(x)).collect::<String>()),
        },
    }
}

fn escaped(x: u8) -> String {
    if x.is_ascii_graphic() && x != b'\\' && x != b'\'' || x == b' ' {
        (x as char).to_string()
    } else {
        format!("\\x{x:02x}")
    }
}

/// A label short enough for a record cell: the text, or for bytes hex (a run as `00×3`).
pub fn short_label(bytes: Option<&[u8]>) -> String {
    let Some(b) = bytes else { return "null".to_string() };
    if b.is_empty() {
        return "\"\"".to_string();
    }
    let text = bytes_text(Some(b));
    if !text.starts_with("b'") && text.chars().count() <= 7 {
        return text;
    }
    if !text.starts_with("b'") {
        return format!("{}…", text.chars().take(6).collect::<String>());
    }
    if b.iter().all(|&x| x == b[0]) {
        return format!("{:02x}×{}", b[0], b.len());
    }
    format!("{}…", b.iter().take(3).map(|x| format!("{x:02x}")).collect::<String>())
}

/// The colour of a key's records.
pub fn key_colour(key: Option<&[u8]>) -> &'static str {
    match key {
        None => "#BBBBBB",
        Some(k) => PALETTE[(murmur2(k) as u32 % PALETTE.len() as u32) as usize],
    }
}
