//! A `serde_json` formatter that writes what its `PrettyFormatter` (two spaces) writes,
//! with each line's start written at once, for the report's tens of megabytes. `PrettyFormatter` writes a new
//! line's indentation two bytes per level, each a `write_all` call, and a broker's
//! records sit six levels deep, so that was most of the calls writing the report made.
//!
//! Invariant: byte for byte what `serde_json::ser::PrettyFormatter::new()` writes (the
//! same rules for brackets, commas and indentation; its test and `tests/cli_run_stream.rs`
//! compare the output with `to_string_pretty`).

use serde_json::ser::Formatter;
use std::io::{self, Write};

/// Levels whose line start is one slice; deeper ones are written in two parts.
const LEVELS: usize = 32;

/// ",\n" and then two spaces per level up to [`LEVELS`].
const LINE_STARTS: [u8; 2 + 2 * LEVELS] = {
    let mut bytes = [b' '; 2 + 2 * LEVELS];
    bytes[0] = b',';
    bytes[1] = b'\n';
    bytes
};

#[derive(Default)]
pub struct Pretty {
    current_indent: usize,
    has_value: bool,
}

impl Pretty {
    /// Writes ",\n" (or "\n" for a first entry, or before a closing bracket) and the
    /// indentation of the current level.
    fn line<W: ?Sized + Write>(&self, w: &mut W, comma: bool) -> io::Result<()> {
        let from = if comma { 0 } else { 1 };
        let levels = self.current_indent.min(LEVELS);
        w.write_all(&LINE_STARTS[from..2 + 2 * levels])?;
        for _ in levels..self.current_indent {
            w.write_all(b"  ")?;
        }
        Ok(())
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
