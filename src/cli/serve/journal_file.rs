//! `serve --journal FILE`: the session's journal written as it happens, in the compact
//! text `run --journal` writes ([`crate::sim::journal`]'s pieces), so `kafka-playground
//! replay FILE` rebuilds the session. Invariant: after every [`JournalFile::append`] the
//! file is a whole journal (header, the entries so far, trailer): a session stopped by
//! Ctrl-C, a closed terminal or a crash of the machine between two appends leaves a file
//! that replays to the moment of the last append. Each append writes the new entries over
//! the old trailer and a new trailer after them. Entries written are handed back by the
//! simulation in whole chunks ([`crate::sim::Sim::take_journal_chunk`]), so a long session
//! keeps at most two chunks of its journal in memory; without `--journal` the same is
//! dropped.

use crate::cli::CliError;
use crate::sim::journal::{compact_entries, compact_header, COMPACT_SEPARATOR, COMPACT_TRAILER};
use crate::sim::Sim;
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};

/// Where the session's journal goes.
pub struct JournalFile {
    path: String,
    file: Option<File>,
    /// Offset of the trailer: where the next entries are written.
    trailer_at: u64,
    /// Entries written (absolute index of the next one to write).
    written: usize,
}

impl JournalFile {
    /// Creates (or truncates) `path` and writes the header and trailer of an empty journal;
    /// `None` keeps no file (the entries are only released).
    pub fn create(path: Option<&str>, sim: &Sim) -> Result<JournalFile, CliError> {
        let Some(path) = path else {
            return Ok(JournalFile { path: String::new(), file: None, trailer_at: 0, written: 0 });
        };
        let fail = |e: &dyn std::fmt::Display| CliError::failure(format!("--journal {path}: {e}"));
        let mut file = File::create(path).map_err(|e| fail(&e))?;
        let header = compact_header(sim.seed, &sim.journal_scenario()).map_err(|e| fail(&e))?;
        file.write_all(header.as_bytes())
            .and_then(|()| file.write_all(COMPACT_TRAILER.as_bytes()))
            .map_err(|e| fail(&e))?;
        Ok(JournalFile {
            path: path.to_string(),
            file: Some(file),
            trailer_at: header.len() as u64,
            written: 0,
        })
    }

    /// Writes the entries journaled since the last append, then releases the full chunks
    /// written. An error (a full disk) names the file; the session stops rather than run
    /// on with a journal that no longer says what happened.
    pub fn append(&mut self, sim: &mut Sim) -> Result<(), CliError> {
        let entries = sim.journal_entries();
        let end = entries.len();
        if end > self.written {
            if let Some(file) = self.file.as_mut() {
                let fail =
                    |e: &dyn std::fmt::Display| CliError::failure(format!("--journal {}: {e}", self.path));
                let mut text = compact_entries(entries.iter_from(self.written)).map_err(|e| fail(&e))?;
                if self.written > 0 {
                    text.insert_str(0, COMPACT_SEPARATOR);
                }
                file.seek(SeekFrom::Start(self.trailer_at))
                    .and_then(|_| file.write_all(text.as_bytes()))
                    .and_then(|()| file.write_all(COMPACT_TRAILER.as_bytes()))
                    .and_then(|()| file.flush())
                    .map_err(|e| fail(&e))?;
                self.trailer_at += text.len() as u64;
            }
            self.written = end;
        }
        while sim.take_journal_chunk(self.written).is_some() {}
        Ok(())
    }
}
