//! Pretty JSON as serde_json's `PrettyFormatter` (two spaces) writes it, for the
//! final-state report's tens of megabytes: [`Pretty`], a formatter that writes each line's
//! start at once, and [`PrettyOut`], a writer by hand for the report's many small rows (a
//! broker's records, a producer's acknowledged list) that serde would write call by call,
//! every field name escaped anew.
//!
//! Invariant: byte for byte what `serde_json::ser::PrettyFormatter::new()` writes (the
//! same rules for brackets, commas and indentation; strings escaped as serde_json escapes
//! them; integers as `Display`). The tests here, `tests/node_state_text.rs` and
//! `tests/cli_run_stream.rs` compare the output with `to_string_pretty`.

use serde_json::ser::Formatter;
use std::io::{self, Write};

mod out;

pub use out::{PrettyOut, RowText};

/// Levels whose line start is one slice; deeper ones are written in two parts.
const LEVELS: usize = 32;

/// ",\n" and then two spaces per level up to [`LEVELS`].
const LINE_STARTS: [u8; 2 + 2 * LEVELS] = {
    let mut bytes = [b' '; 2 + 2 * LEVELS];
    bytes[0] = b',';
    bytes[1] = b'\n';
    bytes
};

/// ",\n" (or "\n" for a first entry, or before a closing bracket) and `indent` levels.
fn line<W: ?Sized + Write>(w: &mut W, indent: usize, comma: bool) -> io::Result<()> {
    let from = if comma { 0 } else { 1 };
    let levels = indent.min(LEVELS);
    w.write_all(&LINE_STARTS[from..2 + 2 * levels])?;
    for _ in levels..indent {
        w.write_all(b"  ")?;
    }
    Ok(())
}

#[derive(Default)]
pub struct Pretty {
    current_indent: usize,
    has_value: bool,
}

impl Pretty {
    /// A formatter for a value written `indent` levels deep (inside a [`PrettyOut`]).
    fn at(indent: usize) -> Self {
        Pretty { current_indent: indent, has_value: false }
    }

    fn line<W: ?Sized + Write>(&self, w: &mut W, comma: bool) -> io::Result<()> {
        line(w, self.current_indent, comma)
    }
}

impl Formatter for Pretty {
    #[inline]
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.current_indent += 1;
        self.has_value = false;
        w.write_all(b"[")
    }

    #[inline]
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.current_indent -= 1;
        if self.has_value {
            self.line(w, false)?;
        }
        w.write_all(b"]")
    }

    #[inline]
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.line(w, !first)
    }

    #[inline]
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    #[inline]
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.current_indent += 1;
        self.has_value = false;
        w.write_all(b"{")
    }

    #[inline]
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.current_indent -= 1;
        if self.has_value {
            self.line(w, false)?;
        }
        w.write_all(b"}")
    }

    #[inline]
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.line(w, !first)
    }

    #[inline]
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    #[inline]
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::json;

    fn pretty(value: &serde_json::Value) -> String {
        let mut out = Vec::new();
        value.serialize(&mut serde_json::Serializer::with_formatter(&mut out, Pretty::default())).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn writes_what_serde_json_pretty_writes() {
        // Empty and nested containers, and deeper than the one-slice levels.
        let mut deep = json!({ "leaf": [1, [], {}, "x"] });
        for i in 0..(LEVELS + 5) {
            deep = json!({ "a": i, "nested": deep, "z": [[], null, { "b": {} }] });
            if i > 3 {
                deep = json!([deep]);
            }
            if i % 7 == 0 {
                deep = json!({ "only": deep });
            }
        }
        for value in [json!({}), json!([]), json!(1), json!({ "a": [] }), deep] {
            assert_eq!(pretty(&value), serde_json::to_string_pretty(&value).unwrap());
        }
    }
}
