//! The tab's journal, bounded in memory (issue #12, point 6): once a chunk of the journal
//! is full, not the last, and read by every reader, the driver turns it into its compact
//! text (its entries' compact JSON joined by commas: the bytes they are inside the CLI's
//! `run --journal` text, see `crate::sim::journal::compact_entries`) and writes it to the
//! workspace's IndexedDB as the metadata document `journal-NNNNNNNNNNNN` of the pseudo node
//! [`JOURNAL_NODE`], through the driver's one ordered writer (`flush_writes`), then drops
//! it. The timeline's chunks every reader has read are dropped too (nothing shows them
//! again). The readers are the picture (the feed, the producers' outcomes, the groups,
//! which read both) and the cluster invariants; the invariants read up to the end after
//! every step, and a view reads everything new, so what the last view had read is read.
//!
//! Invariants: the spilled documents of this life of the run (a chunk is stored as one or
//! more, cut between entries) are `0 .. chunks` in order,
//! each stored once; `bytes` and `crc` are the length and CRC-32C of the header and the
//! spilled chunks' text with its separators, so the digest (entries, bytes, CRC-32C of the
//! whole compact text) only serializes what is still in memory. The whole text (the
//! download, `kafkaPlaygroundJournal()`) is a `Blob` assembled from parts, the chunks read
//! back from IndexedDB one at a time once committed, never one string in wasm memory.
//! Chunks of an earlier life never mix in: a fresh run deletes the workspace, a resumed one
//! deletes [`JOURNAL_NODE`]'s documents before it starts (`persist::open`), and a reset's
//! generation check drops the old run's writes and reads.

use super::{ClusterDriver, Inner, Sim};
use crate::engine::record::crc::crc32c_append;
use crate::engine::store::StoreOp;
use crate::sim::journal::{compact_entries, compact_header, COMPACT_SEPARATOR, COMPACT_TRAILER};
use crate::storage::idb::IdbStore;
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Weak;
use wasm_bindgen::JsValue;

/// The pseudo node id whose metadata documents are the spilled journal chunks: no broker,
/// controller or client has it, so no node's `list_meta` ever loads them.
pub(super) const JOURNAL_NODE: u32 = u32::MAX;
/// How long (wall ms) a read of the journal waits for its chunks to be committed.
const COMMIT_WAIT_MS: u32 = 60_000;
const COMMIT_POLL_MS: u32 = 20;
/// Text of one stored journal document, about (a document ends after the entry that
/// reaches it; a chunk of 1,024 entries is ≈ 6.7 MB of text under the standard load and
/// ≈ 18 MB under the hour benchmark's bursts).
const PIECE_BYTES: usize = 2 * 1024 * 1024;
/// Spilled documents that may wait for IndexedDB at once: beyond it the run waits
/// (`Inner::turn`), so a run faster than its writes does not pile them up in memory.
const MAX_UNCOMMITTED_DOCUMENTS: u64 = 3;
/// Blob parts gathered before they are folded into one Blob (the browser keeps a Blob's
/// bytes out of the JS heap, so strings read back do not pile up).
const PARTS_PER_FOLD: u32 = 32;

/// The name of the `n`th spilled chunk (zero-padded: key order is chunk order).
pub(super) fn chunk_name(n: u64) -> String {
    format!("journal-{n:012}")
}

/// What was spilled in this life of the run.
#[derive(Default)]
pub(super) struct Spill {
    /// Documents (a chunk is one or more) handed to the writer, and of them committed to
    /// IndexedDB.
    pub(super) chunks: u64,
    pub(super) committed: u64,
    pub(super) entries: usize,
    /// Length and CRC-32C of the header and the spilled text (0 until the first chunk).
    bytes: u64,
    crc: u32,
    /// How far every reader has read the journal and the timeline (after the last view).
    pub(super) journal_read: usize,
    pub(super) timeline_read: usize,
}

/// The whole compact journal's size and checksum, and how much of it is in IndexedDB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct JournalDigest {
    pub entries: usize,
    pub bytes: u64,
    pub crc32c: u32,
    pub spilled_entries: usize,
}

fn header(sim: &Sim) -> Result<String, String> {
    compact_header(sim.seed, &sim.journal_scenario()).map_err(|e| format!("journal: {e}"))
}

/// What follows the spilled text: a separator if both sides have entries, the kept
/// entries, the trailer.
fn tail(spill: &Spill, sim: &Sim) -> Result<String, String> {
    let kept = compact_entries(sim.journal_entries()).map_err(|e| format!("journal: {e}"))?;
    let separator = if spill.chunks > 0 && !kept.is_empty() { COMPACT_SEPARATOR } else { "" };
    Ok(format!("{separator}{kept}{COMPACT_TRAILER}"))
}

impl Spill {
    /// Too many spilled chunks wait for IndexedDB: the run must wait for them.
    pub(super) fn backlogged(&self) -> bool {
        self.chunks.saturating_sub(self.committed) >= MAX_UNCOMMITTED_DOCUMENTS
    }

    /// (entries, bytes, CRC-32C) of the whole compact journal, serializing only what is
    /// kept in memory.
    pub(super) fn digest(&self, sim: &Sim) -> Result<JournalDigest, String> {
        let (bytes, crc) = if self.chunks > 0 {
            (self.bytes, self.crc)
        } else {
            let header = header(sim)?;
            (header.len() as u64, crc32c_append(0, header.as_bytes()))
        };
        let tail = tail(self, sim)?;
        Ok(JournalDigest {
            entries: sim.journal_len(),
            bytes: bytes + tail.len() as u64,
            crc32c: crc32c_append(crc, tail.as_bytes()),
            spilled_entries: self.entries,
        })
    }
}

impl ClusterDriver {
    /// The run's journal as the CLI's `run --journal` writes it (compact JSON), as a Blob
    /// assembled from the chunks spilled to IndexedDB and the ones kept (see `spill.rs`).
    /// Holds the run only weakly while it reads.
    pub fn journal_blob(&self) -> impl std::future::Future<Output = Result<web_sys::Blob, String>> {
        journal_blob(std::rc::Rc::downgrade(&self.inner))
    }

    /// (entries, bytes, CRC-32C) of the journal as compact JSON: what the CLI's run of
    /// the same scenario and seed gives (tests/change_detectors/sim_journal_digest.json), and how
    /// many entries of it were spilled to IndexedDB.
    pub fn journal_digest(&self) -> Result<JournalDigest, String> {
        let i = self.inner.borrow();
        i.spill.digest(&i.sim)
    }
}

impl Inner {
    /// Records that every reader has read the journal and the timeline up to now (called
    /// after a view was built: the picture read everything new).
    pub(super) fn mark_read(&mut self) {
        self.spill.journal_read = self.sim.journal_len();
        self.spill.timeline_read = self.sim.timeline().len();
    }

    /// Drops the timeline's read chunks and queues the journal's read full chunks for
    /// IndexedDB (written by the next `flush_writes`).
    pub(super) fn spill(&mut self) {
        self.sim.forget_timeline_before(self.spill.timeline_read);
        while let Some((_, entries)) = self.sim.take_journal_chunk(self.spill.journal_read) {
            if let Err(e) = self.spill_chunk(&entries) {
                return self.fail(e);
            }
        }
    }

    /// Writes a chunk's entries out as documents of about [`PIECE_BYTES`] of text each
    /// (cut between entries: the reader joins documents as it joins entries), so a
    /// chunk's whole text (≈ 18 MB under a bursty load) is never one string that grows by
    /// doubling.
    fn spill_chunk(&mut self, entries: &[crate::sim::JournalEntry]) -> Result<(), String> {
        let mut piece = String::with_capacity(PIECE_BYTES + PIECE_BYTES / 4);
        let mut in_piece = 0;
        for entry in entries {
            if in_piece > 0 {
                piece.push_str(COMPACT_SEPARATOR);
            }
            let text = serde_json::to_string(entry).map_err(|e| format!("journal: {e}"))?;
            piece.push_str(&text);
            in_piece += 1;
            if piece.len() >= PIECE_BYTES {
                let full =
                    std::mem::replace(&mut piece, String::with_capacity(PIECE_BYTES + PIECE_BYTES / 4));
                self.spill_piece(full, std::mem::take(&mut in_piece))?;
            }
        }
        if in_piece > 0 {
            self.spill_piece(piece, in_piece)?;
        }
        Ok(())
    }

    /// Queues one document of `entries` entries' compact text (comma-joined).
    fn spill_piece(&mut self, text: String, entries: usize) -> Result<(), String> {
        let s = &mut self.spill;
        if s.chunks == 0 {
            let header = header(&self.sim)?;
            (s.bytes, s.crc) = (header.len() as u64, crc32c_append(0, header.as_bytes()));
        } else {
            s.bytes += COMPACT_SEPARATOR.len() as u64;
            s.crc = crc32c_append(s.crc, COMPACT_SEPARATOR.as_bytes());
        }
        s.bytes += text.len() as u64;
        s.crc = crc32c_append(s.crc, text.as_bytes());
        let name = chunk_name(s.chunks);
        s.chunks += 1;
        s.entries += entries;
        self.writes.push(StoreOp::PutMeta { broker_id: JOURNAL_NODE, name, value: text });
        Ok(())
    }
}

/// How many of `ops` are spilled journal chunks (to count them committed).
pub(super) fn journal_chunks_in(ops: &[StoreOp]) -> u64 {
    ops.iter()
        .filter(|op| matches!(op, StoreOp::PutMeta { broker_id, .. } if *broker_id == JOURNAL_NODE))
        .count() as u64
}

/// The run's whole compact journal, as the CLI's `run --journal` writes it, assembled as
/// a Blob: the header, the spilled chunks read back from IndexedDB one at a time (once the
/// writer has committed them), the kept tail and the trailer, as they are now.
pub(super) async fn journal_blob(weak: Weak<RefCell<Inner>>) -> Result<web_sys::Blob, String> {
    let gone = || "the run is gone".to_string();
    let (generation, workspace, chunks, header, tail) = {
        let inner = weak.upgrade().ok_or_else(gone)?;
        let i = inner.borrow();
        (i.retire.generation, i.workspace.clone(), i.spill.chunks, header(&i.sim)?, tail(&i.spill, &i.sim)?)
    };
    let parts = js_sys::Array::of1(&JsValue::from_str(&header));
    drop(header);
    if chunks > 0 {
        wait_committed(&weak, generation, chunks).await?;
        let store = IdbStore::open(&workspace).await;
        let mut parts = parts.clone();
        let read = async {
            let store = store.map_err(|e| e.to_string())?;
            for n in 0..chunks {
                let text = store
                    .get_meta(JOURNAL_NODE, &chunk_name(n))
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("journal chunk {n} of {chunks} is missing from {workspace}"))?;
                if n > 0 {
                    parts.push(&JsValue::from_str(COMPACT_SEPARATOR));
                }
                parts.push(&JsValue::from_str(&text));
                if parts.length() >= PARTS_PER_FOLD {
                    let folded =
                        web_sys::Blob::new_with_str_sequence(&parts).map_err(|e| format!("Blob: {e:?}"))?;
                    parts = js_sys::Array::of1(&folded);
                }
            }
            Ok::<_, String>(parts)
        };
        let result = read.await;
        let inner = weak.upgrade().ok_or_else(gone)?;
        let mut i = inner.borrow_mut();
        if i.retire.generation != generation {
            return Err("the run was started over".into());
        }
        match result {
            Ok(read) => return finish_blob(read, &tail),
            Err(e) => {
                let e = format!("IndexedDB: reading the journal back: {e}");
                i.fail(e.clone());
                return Err(e);
            }
        }
    }
    finish_blob(parts, &tail)
}

fn finish_blob(parts: js_sys::Array, tail: &str) -> Result<web_sys::Blob, String> {
    parts.push(&JsValue::from_str(tail));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|e| format!("Blob: {e:?}"))
}

/// Waits until the writer has committed the first `chunks` spilled chunks.
async fn wait_committed(weak: &Weak<RefCell<Inner>>, generation: u64, chunks: u64) -> Result<(), String> {
    let mut waited = 0;
    loop {
        {
            let inner = weak.upgrade().ok_or("the run is gone")?;
            let i = inner.borrow();
            if i.retire.generation != generation {
                return Err("the run was started over".into());
            }
            if i.spill.committed >= chunks {
                return Ok(());
            }
            if let (Some(e), false) = (&i.error, i.writing) {
                return Err(format!("the journal was not all written: the run stopped: {e}"));
            }
        }
        if waited >= COMMIT_WAIT_MS {
            return Err(format!("the journal's chunks were not written within {COMMIT_WAIT_MS} ms"));
        }
        gloo_timers::future::TimeoutFuture::new(COMMIT_POLL_MS).await;
        waited += COMMIT_POLL_MS;
    }
}
