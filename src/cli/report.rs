//! `run`'s outputs written as streams: the report (pretty JSON on stdout) and the journal
//! file (compact JSON), each serialised entry by entry through a buffered writer, so the
//! CLI holds no copy of the journal, no JSON tree of the timeline and no whole text in
//! memory: what it keeps beyond the simulation's own state is one entry at a time.
//!
//! Invariant: the bytes are those the whole-tree way gave (`json!` of the report, then
//! `to_string_pretty` + "\n"; `to_string` of `Sim::journal()`). serde_json here keeps an
//! object's keys sorted (no `preserve_order`), so the report writes its keys in sorted
//! order and turns every small part (an event, the stats, the violations) into a `Value`
//! first, which sorts its fields as the tree did. The journal file is written in the
//! derived field order of `Journal`, as `to_string` did, and its digest is pinned by
//! `tests/change_detectors/sim_journal_digest.json` (the page's journal must equal it byte for byte).

use super::CliError;
use crate::engine::cluster::{ClusterEvent, NodeId};
use crate::sim::chunked::Chunked;
use crate::sim::journal::{final_state, JournalEntries};
use crate::sim::Sim;
use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use std::io::{BufWriter, Write};

/// Bytes gathered before each write: few system calls, a small fixed buffer.
const BUFFER_BYTES: usize = 1 << 16;

/// What the report says besides the simulation's state.
pub struct ReportHead<'a> {
    pub scenario: &'a str,
    pub seed: u64,
    pub until_ms: i64,
    /// `--summary`: everything but the timeline.
    pub with_timeline: bool,
}

/// The report's object, keys in sorted order (as the `Value` tree printed them).
struct Report<'a> {
    head: &'a ReportHead<'a>,
    sim: &'a Sim,
}

impl Serialize for Report<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (head, sim) = (self.head, self.sim);
        let stats = serde_json::to_value(sim.stats).map_err(S::Error::custom)?;
        let violations = serde_json::to_value(sim.violations()).map_err(S::Error::custom)?;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("final_state", &FinalState(sim))?;
        map.serialize_entry("scenario", head.scenario)?;
        map.serialize_entry("seed", &head.seed)?;
        map.serialize_entry("stats", &stats)?;
        if head.with_timeline {
            map.serialize_entry("timeline", &Timeline(sim.timeline()))?;
        }
        map.serialize_entry("until_ms", &head.until_ms)?;
        map.serialize_entry("violations", &violations)?;
        map.end()
    }
}

/// `Sim::final_state()` written one node at a time, each straight from the node's data
/// (`Node::state`): a node's state (a broker's lists every record of every replica it
/// holds) as a `Value` tree is many times the size of its text.
struct FinalState<'a>(&'a Sim);

impl Serialize for FinalState<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // The stores' part is small (a CRC and a size per segment): the library's own.
        let stores = final_state(std::iter::empty(), self.0.stores());
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("nodes", &Nodes(self.0))?;
        map.serialize_entry("stores", &stores["stores"])?;
        map.end()
    }
}

/// Every node's state (`null` for a crashed one), keyed by its id as a string.
struct Nodes<'a>(&'a Sim);

impl Serialize for Nodes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // A `Value` object orders its keys as strings ("10000" before "2"): so do we.
        let mut ids: Vec<(String, NodeId)> =
            self.0.node_ids().into_iter().map(|id| (id.to_string(), id)).collect();
        ids.sort();
        let mut map = s.serialize_map(Some(ids.len()))?;
        for (key, id) in &ids {
            map.serialize_entry(key, &self.0.node(*id).map(|n| n.state()))?;
        }
        map.end()
    }
}

/// The timeline as an array of `{at_ms, event, node}`, one entry built at a time.
struct Timeline<'a>(&'a Chunked<(i64, NodeId, ClusterEvent)>);

impl Serialize for Timeline<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for (at_ms, node, event) in self.0.iter() {
            seq.serialize_element(&TimelineEntry { at_ms: *at_ms, node: *node, event })?;
        }
        seq.end()
    }
}

struct TimelineEntry<'a> {
    at_ms: i64,
    node: NodeId,
    event: &'a ClusterEvent,
}

impl Serialize for TimelineEntry<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Through a `Value`: the event's fields come out sorted, as the tree printed them.
        let event = serde_json::to_value(self.event).map_err(S::Error::custom)?;
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("at_ms", &self.at_ms)?;
        map.serialize_entry("event", &event)?;
        map.serialize_entry("node", &self.node)?;
        map.end()
    }
}

/// The journal file's object: `Journal`'s fields in its order, the entries borrowed.
#[derive(Serialize)]
struct JournalOut<'a> {
    seed: u64,
    scenario: serde_json::Value,
    entries: Entries<'a>,
}

struct Entries<'a>(&'a JournalEntries);

impl Serialize for Entries<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter())
    }
}

fn write_failure(what: &str, e: impl std::fmt::Display) -> CliError {
    CliError::failure(format!("cannot write {what}: {e}"))
}

/// Writes the report as pretty JSON and a newline, then flushes.
pub fn write_report(out: &mut dyn Write, head: &ReportHead<'_>, sim: &Sim) -> Result<(), CliError> {
    let mut buffered = BufWriter::with_capacity(BUFFER_BYTES, out);
    let mut ser = serde_json::Serializer::with_formatter(&mut buffered, super::pretty::Pretty::default());
    Report { head, sim }.serialize(&mut ser).map_err(|e| write_failure("output", e))?;
    buffered.write_all(b"\n").and_then(|()| buffered.flush()).map_err(|e| write_failure("output", e))
}

/// Writes the run's journal to `path` as compact JSON (what `replay` reads).
pub fn write_journal(path: &str, sim: &Sim) -> Result<(), CliError> {
    let file = std::fs::File::create(path).map_err(|e| write_failure(path, e))?;
    let mut buffered = BufWriter::with_capacity(BUFFER_BYTES, file);
    let (scenario, entries) = sim.journal_parts();
    let journal = JournalOut { seed: sim.seed, scenario, entries: Entries(entries) };
    serde_json::to_writer(&mut buffered, &journal).map_err(|e| write_failure(path, e))?;
    buffered.flush().map_err(|e| write_failure(path, e))
}
