//! The journal: the ordered list of every input delivered to every node, plus node starts,
//! crashes and restarts. It is the run: replaying it into fresh nodes rebuilds the same
//! state bit for bit, without the network, the clock or the seed. Event sourcing, the
//! course's first idea, applied to the playground itself.
//!
//! Its compact text (what `serde_json::to_string(&Journal)` writes, the CLI's `run
//! --journal`) is also made in pieces ([`compact_header`], [`compact_entries`] of any run
//! of entries joined by [`COMPACT_SEPARATOR`], [`COMPACT_TRAILER`]) so that a tab can write
//! a long run's journal out chunk by chunk: invariant, the pieces concatenate to exactly
//! the bytes of the whole (tests/journal_pieces.rs).

use super::world::World;
use crate::engine::cluster::{ClusterEvent, Input, Node, NodeId, Output};
use crate::storage::memory::MemoryStore;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

// Nearly every entry is a delivery, the large variant: boxing it would cost an
// allocation per entry and save nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum JournalEntry {
    /// The node is created fresh.
    Start {
        at_ms: i64,
        node: NodeId,
    },
    Deliver {
        at_ms: i64,
        node: NodeId,
        input: Input,
    },
    /// The node's process dies: its memory is gone, its store stays.
    Crash {
        at_ms: i64,
        node: NodeId,
    },
    /// The node is created again and recovers from its store.
    Restart {
        at_ms: i64,
        node: NodeId,
    },
}

/// The entries of a run as the driver keeps them (appended to, never copied).
pub type JournalEntries = super::chunked::Chunked<JournalEntry>;

/// A whole run: what it was made from and what was delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    pub seed: u64,
    pub scenario: serde_json::Value,
    pub entries: Vec<JournalEntry>,
}

/// What the compact journal text begins with, up to the first entry:
/// `{"seed":N,"scenario":{…},"entries":[` (the fields in `Journal`'s order).
pub fn compact_header(seed: u64, scenario: &serde_json::Value) -> Result<String, serde_json::Error> {
    Ok(format!("{{\"seed\":{seed},\"scenario\":{},\"entries\":[", serde_json::to_string(scenario)?))
}

/// What separates two entries, or two runs of entries, in the compact text.
pub const COMPACT_SEPARATOR: &str = ",";

/// What the compact journal text ends with, after the last entry.
pub const COMPACT_TRAILER: &str = "]}";

/// The entries' compact JSON joined by [`COMPACT_SEPARATOR`]: the bytes they are inside
/// the whole journal's compact text.
pub fn compact_entries<'a>(
    entries: impl IntoIterator<Item = &'a JournalEntry>,
) -> Result<String, serde_json::Error> {
    let mut text = String::new();
    for (i, entry) in entries.into_iter().enumerate() {
        if i > 0 {
            text.push_str(COMPACT_SEPARATOR);
        }
        text.push_str(&serde_json::to_string(entry)?);
    }
    Ok(text)
}

/// The tab's hooks to keep a long run's journal and timeline bounded (see
/// [`super::chunked::Chunked`]).
impl super::Sim {
    /// The journal's entries as kept (absolute indices).
    pub fn journal_entries(&self) -> &JournalEntries {
        &self.journal
    }

    /// Hands over the journal's first kept chunk once it is full, not the last, and every
    /// reader has read it (it ends at or before `upto`): the tab writes it to IndexedDB.
    /// (index of its first entry, its entries).
    pub fn take_journal_chunk(&mut self, upto: usize) -> Option<(usize, Vec<JournalEntry>)> {
        self.journal.take_front_chunk(upto)
    }

    /// Forgets the timeline's full chunks before `upto` (every reader has read them).
    pub fn forget_timeline_before(&mut self, upto: usize) {
        self.timeline.forget_before(upto);
    }
}

/// Every node's state (`None` for a crashed node) and every store's contents, as one
/// stable JSON value.
pub fn final_state(
    nodes: impl Iterator<Item = (NodeId, Option<serde_json::Value>)>,
    stores: &BTreeMap<NodeId, MemoryStore>,
) -> serde_json::Value {
    let nodes_json: serde_json::Map<String, serde_json::Value> =
        nodes.map(|(id, state)| (id.to_string(), state.unwrap_or(serde_json::Value::Null))).collect();
    let stores_json: serde_json::Map<String, serde_json::Value> = stores
        .iter()
        .map(|(id, s)| {
            let segments: Vec<serde_json::Value> = s
                .segment_ids(*id)
                .iter()
                .map(|seg| {
                    // Piece by piece: a segment appended in many pieces is never joined.
                    let (len, crc) =
                        s.segment_pieces(seg).into_iter().flatten().fold((0, 0), |(len, crc), p| {
                            (len + p.len(), crate::engine::record::crc::crc32c_append(crc, p))
                        });
                    serde_json::json!({
                        "segment": format!("{}/{:020}", seg.dir_name(), seg.base_offset),
                        "bytes": len,
                        "crc32c": crc,
                    })
                })
                .collect();
            (id.to_string(), serde_json::json!({ "segments": segments, "meta": s.meta_of(*id) }))
        })
        .collect();
    serde_json::json!({ "nodes": nodes_json, "stores": stores_json })
}

/// Replays a journal into fresh nodes built by `world`; returns the final state and the
/// events the nodes reported, in order.
pub fn replay(journal: &Journal, world: &dyn World) -> (serde_json::Value, Vec<(i64, NodeId, ClusterEvent)>) {
    let mut nodes: BTreeMap<NodeId, Option<Box<dyn Node>>> = BTreeMap::new();
    let mut stores: BTreeMap<NodeId, MemoryStore> = BTreeMap::new();
    let mut events = Vec::new();
    for entry in &journal.entries {
        match entry {
            JournalEntry::Start { at_ms, node } => {
                let store = stores.entry(*node).or_default();
                nodes.insert(*node, Some(world.build(*node, store, *at_ms, false)));
            }
            JournalEntry::Restart { at_ms, node } => {
                let store = stores.entry(*node).or_default();
                nodes.insert(*node, Some(world.build(*node, store, *at_ms, true)));
            }
            JournalEntry::Crash { node, .. } => {
                nodes.insert(*node, None);
            }
            JournalEntry::Deliver { at_ms, node, input } => {
                let Some(Some(n)) = nodes.get_mut(node) else { continue };
                n.handle_ref(*at_ms, input);
                let store = stores.entry(*node).or_default();
                while let Some(out) = n.poll_output() {
                    match out {
                        Output::Persist(op) => {
                            let _ = store.apply_now(std::slice::from_ref(&op));
                        }
                        Output::Event(e) => events.push((*at_ms, *node, e)),
                        Output::Send(_) | Output::SetTimer { .. } | Output::CancelTimer { .. } => {}
                    }
                }
            }
        }
    }
    let states = nodes.iter().map(|(id, n)| (*id, n.as_ref().map(|n| n.state_json())));
    (final_state(states, &stores), events)
}
