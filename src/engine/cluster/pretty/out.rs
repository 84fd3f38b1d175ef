//! [`PrettyOut`], pretty JSON written by hand, as [`super::Pretty`] through serde_json
//! writes it, for the report's many small rows; and [`RowText`], the fixed text between a
//! row's values.

use super::{line, Pretty, LEVELS, LINE_STARTS};
use std::io::{self, Write};

/// Bytes gathered before each write to the sink: few calls, a small fixed buffer.
const FLUSH_AT: usize = 1 << 16;

/// Pretty JSON written by hand into a buffer that is handed to `sink` every
/// [`FLUSH_AT`] bytes or so, always after a line's end (so a line-buffered sink, such as
/// stdout, writes it whole instead of keeping a line's start back for a second call). The
/// calls follow serde's: `begin_object`, then per entry `field` (or `key`) and its value,
/// `end_object`; `begin_array`, then per element `element` and its value, `end_array`; an
/// array of objects with the same fields may be written row by row (`row_start`, …).
/// Any part may be handed to serde ([`PrettyOut::value`]).
pub struct PrettyOut<'w> {
    buf: Vec<u8>,
    sink: &'w mut dyn Write,
    indent: usize,
    /// Whether the open object or array has an entry yet (the next one starts with ",").
    has_value: bool,
}

/// The fixed text of an array's rows, objects with the same fields, at one depth
/// ([`PrettyOut::row_text`]): copied whole between a row's values.
pub struct RowText {
    /// ",\n", the row's indentation, "{\n", the fields' indentation and the first key.
    open: Vec<u8>,
    /// Per later field: ",\n", the fields' indentation and its key.
    fields: Vec<Vec<u8>>,
    /// "\n", the row's indentation and "}" (only "}" for no fields).
    close: Vec<u8>,
}

impl<'w> PrettyOut<'w> {
    pub fn new(sink: &'w mut dyn Write) -> Self {
        PrettyOut { buf: Vec::with_capacity(FLUSH_AT + 4096), sink, indent: 0, has_value: false }
    }

    /// A line's end after the value (as a file's last line has).
    pub fn newline(&mut self) -> io::Result<()> {
        self.buf.push(b'\n');
        Ok(())
    }

    /// Writes what is left and flushes the sink.
    pub fn finish(self) -> io::Result<()> {
        self.sink.write_all(&self.buf)?;
        self.sink.flush()
    }

    /// Writes `piece` (",\n" and the new line's start) from its comma, or from its "\n"
    /// when no comma is due; a full buffer is handed on after the "\n".
    #[inline]
    fn new_line(&mut self, piece: &[u8], comma: bool) -> io::Result<()> {
        let from = usize::from(!comma);
        if self.buf.len() < FLUSH_AT {
            self.buf.extend_from_slice(&piece[from..]);
            return Ok(());
        }
        self.buf.extend_from_slice(&piece[from..2]);
        self.sink.write_all(&self.buf)?;
        self.buf.clear();
        self.buf.extend_from_slice(&piece[2..]);
        Ok(())
    }

    /// A new line for an entry or an element.
    #[inline]
    fn entry(&mut self) -> io::Result<()> {
        let comma = self.has_value;
        self.has_value = true;
        let levels = self.indent.min(LEVELS);
        self.new_line(&LINE_STARTS[..2 + 2 * levels], comma)?;
        for _ in levels..self.indent {
            self.buf.extend_from_slice(b"  ");
        }
        Ok(())
    }

    /// The text between the values of the rows of the array opened here: objects whose
    /// fields are `names` (field names, nothing to escape), in sorted order.
    pub fn row_text(&self, names: &[&str]) -> RowText {
        debug_assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
        let spaces = |levels: usize| vec![b' '; 2 * levels];
        let key = |name: &str| [b"\"", name.as_bytes(), b"\": "].concat();
        let Some((first, rest)) = names.split_first() else {
            let open = [&b",\n"[..], &spaces(self.indent), b"{"].concat();
            return RowText { open, fields: Vec::new(), close: b"}".to_vec() };
        };
        let fields_start = [&b",\n"[..], &spaces(self.indent + 1)].concat();
        RowText {
            open: [&b",\n"[..], &spaces(self.indent), b"{\n", &spaces(self.indent + 1), &key(first)].concat(),
            fields: rest.iter().map(|name| [&fields_start[..], &key(name)].concat()).collect(),
            close: [&b"\n"[..], &spaces(self.indent), b"}"].concat(),
        }
    }

    /// A row's start: the element's new line, "{" and the first field's key.
    #[inline]
    pub fn row_start(&mut self, text: &RowText) -> io::Result<()> {
        let comma = self.has_value;
        self.has_value = true;
        self.new_line(&text.open, comma)?;
        self.indent += 1;
        Ok(())
    }

    /// The key of the row's field number `field` (1 for the second field, and so on).
    #[inline]
    pub fn row_field(&mut self, text: &RowText, field: usize) -> io::Result<()> {
        debug_assert!(field >= 1 && field <= text.fields.len(), "{field}");
        if let Some(piece) = text.fields.get(field.wrapping_sub(1)) {
            self.buf.extend_from_slice(piece);
        }
        Ok(())
    }

    /// A row's end: "}" on its own line.
    #[inline]
    pub fn row_end(&mut self, text: &RowText) -> io::Result<()> {
        self.indent -= 1;
        self.has_value = true;
        self.buf.extend_from_slice(&text.close);
        Ok(())
    }

    pub fn begin_object(&mut self) -> io::Result<()> {
        self.begin(b'{')
    }

    pub fn end_object(&mut self) -> io::Result<()> {
        self.end(b'}')
    }

    pub fn begin_array(&mut self) -> io::Result<()> {
        self.begin(b'[')
    }

    pub fn end_array(&mut self) -> io::Result<()> {
        self.end(b']')
    }

    fn begin(&mut self, bracket: u8) -> io::Result<()> {
        self.indent += 1;
        self.has_value = false;
        self.buf.push(bracket);
        Ok(())
    }

    fn end(&mut self, bracket: u8) -> io::Result<()> {
        self.indent -= 1;
        if self.has_value {
            line(&mut self.buf, self.indent, false)?;
        }
        // The enclosing object or array has this one as its entry.
        self.has_value = true;
        self.buf.push(bracket);
        Ok(())
    }

    /// An object's entry whose key is a field name, written between quotes as it is
    /// (a name of ASCII letters and `_`: nothing to escape).
    pub fn field(&mut self, name: &str) -> io::Result<()> {
        debug_assert!(!needs_escape(name.as_bytes()), "{name}");
        self.entry()?;
        self.buf.reserve(name.len() + 4);
        self.buf.push(b'"');
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.extend_from_slice(b"\": ");
        Ok(())
    }

    /// An object's entry whose key comes from data (escaped as a string).
    pub fn key(&mut self, key: &str) -> io::Result<()> {
        self.entry()?;
        self.string(key)?;
        self.buf.extend_from_slice(b": ");
        Ok(())
    }

    /// An array's element.
    pub fn element(&mut self) -> io::Result<()> {
        self.entry()
    }

    /// A string, escaped as serde_json escapes it (most need nothing escaped: one copy).
    #[inline]
    pub fn string(&mut self, s: &str) -> io::Result<()> {
        if needs_escape(s.as_bytes()) {
            return serde_json::to_writer(&mut self.buf, s).map_err(io::Error::other);
        }
        self.buf.reserve(s.len() + 2);
        self.buf.push(b'"');
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.push(b'"');
        Ok(())
    }

    /// A string, or `null` for none.
    pub fn optional_string(&mut self, s: Option<&str>) -> io::Result<()> {
        match s {
            Some(s) => self.string(s),
            None => self.null(),
        }
    }

    pub fn null(&mut self) -> io::Result<()> {
        self.buf.extend_from_slice(b"null");
        Ok(())
    }

    /// An integer, as `Display` (and serde_json) write it.
    #[inline]
    pub fn integer(&mut self, n: i64) -> io::Result<()> {
        match u8::try_from(n) {
            // One digit (a leader epoch, a partition, most often): no formatting.
            Ok(digit) if digit < 10 => self.buf.push(b'0' + digit),
            _ => crate::engine::text::push_decimal_bytes(&mut self.buf, n),
        }
        Ok(())
    }

    /// An unsigned integer, as `Display` (and serde_json) write it.
    #[inline]
    pub fn unsigned(&mut self, n: u64) -> io::Result<()> {
        match u8::try_from(n) {
            Ok(digit) if digit < 10 => self.buf.push(b'0' + digit),
            _ => crate::engine::text::push_unsigned_bytes(&mut self.buf, n),
        }
        Ok(())
    }

    /// Any value, written by serde_json at this depth.
    pub fn value<T: ?Sized + serde::Serialize>(&mut self, value: &T) -> io::Result<()> {
        let mut ser = serde_json::Serializer::with_formatter(&mut self.buf, Pretty::at(self.indent));
        value.serialize(&mut ser).map_err(io::Error::other)
    }
}

/// Whether serde_json would escape any of `bytes`: `"`, `\` or a control character
/// (below 0x20). Every byte is looked at, without an early exit, so the loop vectorises.
fn needs_escape(bytes: &[u8]) -> bool {
    bytes.iter().fold(false, |any, &b| any | (b < 0x20) | (b == b'"') | (b == b'\\'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_writer_by_hand_writes_what_serde_json_pretty_writes() {
        let texts = [
            "",
            "plain",
            "quote \" back \\ slash",
            "\n\t\r\u{8}\u{c}\u{1}\u{1f}\u{7f}",
            "é ü 字 🙂",
            "x\"y\\",
        ];
        let mut out = Vec::new();
        let mut w = PrettyOut::new(&mut out);
        w.begin_object().unwrap();
        w.field("empty_array").unwrap();
        w.begin_array().unwrap();
        w.end_array().unwrap();
        w.field("empty_object").unwrap();
        w.begin_object().unwrap();
        w.end_object().unwrap();
        w.field("rows").unwrap();
        w.begin_array().unwrap();
        for (i, text) in texts.iter().enumerate() {
            w.element().unwrap();
            w.begin_object().unwrap();
            w.field("keyed").unwrap();
            w.begin_object().unwrap();
            w.key(text).unwrap();
            w.string(text).unwrap();
            w.end_object().unwrap();
            w.field("n").unwrap();
            w.integer(i64::MIN + i as i64).unwrap();
            w.field("none").unwrap();
            w.optional_string(None).unwrap();
            w.field("tree").unwrap();
            w.value(&json!({ "b": [1, { "c": [] }], "a": 1.5 })).unwrap();
            w.field("u").unwrap();
            w.unsigned(u64::MAX - i as u64).unwrap();
            w.end_object().unwrap();
        }
        w.element().unwrap();
        w.value(&json!([])).unwrap();
        w.end_array().unwrap();
        w.end_object().unwrap();
        w.finish().unwrap();
        let rows: Vec<_> = texts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let mut row = json!({ "n": i64::MIN + i as i64, "none": null, "u": u64::MAX - i as u64 });
                row["tree"] = json!({ "b": [1, { "c": [] }], "a": 1.5 });
                row["keyed"] = json!({ *text: text });
                row
            })
            .chain([json!([])])
            .collect();
        let tree = json!({ "empty_array": [], "empty_object": {}, "rows": rows });
        assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string_pretty(&tree).unwrap());
    }

    #[test]
    fn rows_write_what_serde_json_pretty_writes() {
        let mut out = Vec::new();
        let mut w = PrettyOut::new(&mut out);
        w.begin_object().unwrap();
        w.field("rows").unwrap();
        w.begin_array().unwrap();
        let text = w.row_text(&["a", "b", "c"]);
        let none = w.row_text(&[]);
        for i in 0..3 {
            w.row_start(&text).unwrap();
            w.integer(i).unwrap();
            w.row_field(&text, 1).unwrap();
            w.value(&json!({ "x": [i, {}], "y": "\n" })).unwrap();
            w.row_field(&text, 2).unwrap();
            w.string("c\"").unwrap();
            w.row_end(&text).unwrap();
            w.element().unwrap();
            w.value(&json!({ "other": i })).unwrap();
            w.row_start(&none).unwrap();
            w.row_end(&none).unwrap();
        }
        w.end_array().unwrap();
        w.field("z").unwrap();
        w.begin_array().unwrap();
        let text = w.row_text(&["only"]);
        w.row_start(&text).unwrap();
        w.null().unwrap();
        w.row_end(&text).unwrap();
        w.end_array().unwrap();
        w.end_object().unwrap();
        w.finish().unwrap();
        let rows: Vec<_> = (0..3)
            .flat_map(|i| {
                [
                    json!({ "a": i, "b": { "x": [i, {}], "y": "\n" }, "c": "c\"" }),
                    json!({ "other": i }),
                    json!({}),
                ]
            })
            .collect();
        let tree = json!({ "rows": rows, "z": [{ "only": null }] });
        assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string_pretty(&tree).unwrap());
    }

    #[test]
    fn large_output_is_handed_on_in_pieces_and_whole() {
        // Each piece handed on ends a line (a line-buffered sink writes it whole).
        struct Pieces(Vec<Vec<u8>>);
        impl Write for Pieces {
            fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
                self.0.push(bytes.to_vec());
                Ok(bytes.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut pieces = Pieces(Vec::new());
        let mut w = PrettyOut::new(&mut pieces);
        w.begin_array().unwrap();
        let rows: Vec<String> = (0..20_000).map(|i| format!("row {i} {}", "x".repeat(i % 50))).collect();
        let text = w.row_text(&["n", "row"]);
        for (i, row) in rows.iter().enumerate() {
            w.element().unwrap();
            w.string(row).unwrap();
            w.row_start(&text).unwrap();
            w.unsigned(i as u64).unwrap();
            w.row_field(&text, 1).unwrap();
            w.string(row).unwrap();
            w.row_end(&text).unwrap();
        }
        w.end_array().unwrap();
        w.finish().unwrap();
        let (last, full) = pieces.0.split_last().unwrap();
        assert!(full.len() > 10, "{}", full.len());
        assert!(full.iter().all(|piece| piece.ends_with(b"\n") && piece.len() < FLUSH_AT + 200));
        let tree: Vec<_> = rows
            .iter()
            .enumerate()
            .flat_map(|(n, row)| [json!(row), json!({ "n": n, "row": row })])
            .collect();
        let text = [&full.concat()[..], last].concat();
        assert_eq!(String::from_utf8(text).unwrap(), serde_json::to_string_pretty(&tree).unwrap());
    }
}
