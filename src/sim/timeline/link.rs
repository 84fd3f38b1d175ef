//! A share link's run: the moment and the log of commands, as JSON, deflated (RFC 1951)
//! and written in base64url without padding (RFC 4648 §5), so it fits in a URL's query
//! (`&run=…`; the scenario or lesson and the seed are the URL's own parameters).
//! Reading one is bounded (text, inflated bytes, commands) and every refusal names
//! what is wrong.

use super::{Logged, LOGGED_AT_MOST};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};

/// The longest `run` parameter read, and the most bytes it may inflate to.
pub const LINK_TEXT_AT_MOST: usize = 64 * 1024;
pub const LINK_JSON_AT_MOST: u64 = 4 * 1024 * 1024;
/// The format's version (`v`).
const VERSION: u32 = 1;

/// What a link holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedRun {
    pub v: u32,
    /// The moment the link opens at (virtual ms).
    pub at_ms: i64,
    pub log: Vec<Logged>,
}

/// The `run` parameter for a run looked at `at_ms` with `log` (commands after `at_ms`
/// are left out: the link shows that moment).
pub fn encode(at_ms: i64, log: &[Logged]) -> Result<String, String> {
    let run =
        SharedRun { v: VERSION, at_ms, log: log.iter().filter(|l| l.at.at_ms <= at_ms).cloned().collect() };
    let json = serde_json::to_vec(&run).map_err(|e| format!("the run cannot be written: {e}"))?;
    let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    deflate.write_all(&json).map_err(|e| format!("deflate: {e}"))?;
    let packed = deflate.finish().map_err(|e| format!("deflate: {e}"))?;
    Ok(base64url(&packed))
}

/// The run a `run` parameter holds.
pub fn decode(text: &str) -> Result<SharedRun, String> {
    if text.len() > LINK_TEXT_AT_MOST {
        return Err(format!("run: longer than {LINK_TEXT_AT_MOST} characters"));
    }
    let packed = from_base64url(text)?;
    let mut json = Vec::new();
    flate2::read::DeflateDecoder::new(packed.as_slice())
        .take(LINK_JSON_AT_MOST + 1)
        .read_to_end(&mut json)
        .map_err(|e| format!("run: not deflated data ({e})"))?;
    if json.len() as u64 > LINK_JSON_AT_MOST {
        return Err(format!("run: inflates to more than {LINK_JSON_AT_MOST} bytes"));
    }
    let run: SharedRun = serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(&json))
        .map_err(|e| format!("run.{}: {}", e.path(), e.inner()))?;
    if run.v != VERSION {
        return Err(format!("run.v: version {} is not known (this page reads {VERSION})", run.v));
    }
    if run.log.len() > LOGGED_AT_MOST {
        return Err(format!("run.log: more than {LOGGED_AT_MOST} commands"));
    }
    if run.at_ms < 0 {
        return Err("run.at_ms: negative".into());
    }
    for (i, pair) in run.log.windows(2).enumerate() {
        if (pair[1].at.steps, pair[1].at.at_ms) < (pair[0].at.steps, pair[0].at.at_ms) {
            return Err(format!("run.log[{}].at: before the command ahead of it", i + 1));
        }
    }
    if let Some((i, _)) = run.log.iter().enumerate().find(|(_, l)| l.at.at_ms > run.at_ms) {
        return Err(format!("run.log[{i}].at.at_ms: after the link's moment"));
    }
    Ok(run)
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for k in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize]));
        }
    }
    out
}

fn from_base64url(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for (i, c) in text.bytes().enumerate() {
        let Some(v) = ALPHABET.iter().position(|a| *a == c) else {
            return Err(format!("run: character {} ({:?}) is not base64url", i + 1, char::from(c)));
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 {
        return Err("run: its length is not that of base64url text".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::picture::command::ClusterCommand;
    use crate::sim::timeline::Position;

    #[test]
    fn base64url_is_rfc_4648s() {
        // RFC 4648 §10's vectors, in the URL alphabet without padding.
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64url(plain.as_bytes()), coded);
            assert_eq!(from_base64url(coded).unwrap(), plain.as_bytes());
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert!(from_base64url("Zm9v+").unwrap_err().contains("character 5"));
        assert!(from_base64url("Z").unwrap_err().contains("length"));
    }

    #[test]
    fn a_run_comes_back_and_bad_ones_are_named() {
        let log = vec![
            Logged {
                at: Position { at_ms: 5, steps: 9, before: Some((6, 40)) },
                command: ClusterCommand::Crash(2),
            },
            Logged { at: Position { at_ms: 9_000, steps: 900, before: None }, command: ClusterCommand::Heal },
        ];
        let text = encode(8_000, &log).unwrap();
        let run = decode(&text).unwrap();
        assert_eq!((run.at_ms, run.log), (8_000, log[..1].to_vec()));
        assert!(decode("!!").unwrap_err().contains("not base64url"));
        assert!(decode("AAAA").unwrap_err().starts_with("run"));
        let pack = |json: &str| {
            let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
            d.write_all(json.as_bytes()).unwrap();
            base64url(&d.finish().unwrap())
        };
        let e = decode(&pack(
            r#"{"v":1,"at_ms":5,"log":[{"at":{"at_ms":5,"steps":1,"before":null},"command":{"Crash":"x"}}]}"#,
        ))
        .unwrap_err();
        assert!(e.starts_with("run.log[0].command"), "{e}");
        assert!(decode(&pack(r#"{"v":2,"at_ms":5,"log":[]}"#)).unwrap_err().starts_with("run.v"));
        assert!(decode(&pack(r#"{"v":1,"at_ms":5,"log":[],"x":1}"#)).unwrap_err().contains("unknown field"));
        let late = r#"{"v":1,"at_ms":5,"log":[{"at":{"at_ms":6,"steps":1,"before":null},"command":"Heal"}]}"#;
        assert!(decode(&pack(late)).unwrap_err().starts_with("run.log[0].at.at_ms"));
        assert!(decode(&"A".repeat(LINK_TEXT_AT_MOST + 1)).unwrap_err().contains("longer"));
        // A bomb: 5 MB of zeros deflate to a few KB and are refused by their inflated size.
        let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        d.write_all(&vec![b' '; 5 << 20]).unwrap();
        let bomb = base64url(&d.finish().unwrap());
        assert!(bomb.len() < LINK_TEXT_AT_MOST);
        assert!(decode(&bomb).unwrap_err().contains("inflates to more"));
    }
}
