//! `run`'s outputs written as streams: the report (pretty JSON on stdout) and the journal
//! file (compact JSON), each written entry by entry through a buffer, so the CLI holds no
//! copy of the journal, no JSON tree of the timeline and no whole text in memory: what it
//! keeps beyond the simulation's own state is one entry at a time.
//!
//! Invariant: the bytes are those the whole-tree way gave (`json!` of the report, then
//! `to_string_pretty` + "\n"; `to_string` of `Sim::journal()`). serde_json here keeps an
//! object's keys sorted (no `preserve_order`), so the report writes its keys in sorted
//! order and turns every small part (an event, the stats, the violations) into a `Value`
//! first, which sorts its fields as the tree did. The report is written by hand
//! ([`PrettyOut`]: its frame, and the nodes' states by `NodeState::write_pretty`), the
//! small parts through serde_json. The journal file is written in the
//! derived field order of `Journal`, as `to_string` did, and its digest is pinned by
//! `tests/change_detectors/sim_journal_digest.json` (the page's journal must equal it byte for byte).

use super::CliError;
use crate::engine::cluster::pretty::PrettyOut;
use crate::engine::cluster::NodeId;
use crate::sim::journal::{final_state, JournalEntries};
use crate::sim::Sim;
use serde::{Serialize, Serializer};
use std::io::{self, BufWriter, Write};

/// Bytes gathered before each write of the journal: few system calls, a small fixed buffer.
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
fn write_report_object(out: &mut PrettyOut<'_>, head: &ReportHead<'_>, sim: &Sim) -> io::Result<()> {
    let stats = serde_json::to_value(sim.stats).map_err(io::Error::other)?;
    let violations = serde_json::to_value(sim.violations()).map_err(io::Error::other)?;
    out.begin_object()?;
    out.field("final_state")?;
    write_final_state(out, sim)?;
    out.field("scenario")?;
    out.string(head.scenario)?;
    out.field("seed")?;
    out.unsigned(head.seed)?;
    out.field("stats")?;
    out.value(&stats)?;
    if head.with_timeline {
        out.field("timeline")?;
        write_timeline(out, sim)?;
    }
    out.field("until_ms")?;
    out.integer(head.until_ms)?;
    out.field("violations")?;
    out.value(&violations)?;
    out.end_object()
}

/// `Sim::final_state()` written one node at a time, each straight from the node's data
/// (`Node::state`): a node's state (a broker's lists every record of every replica it
/// holds) as a `Value` tree is many times the size of its text.
fn write_final_state(out: &mut PrettyOut<'_>, sim: &Sim) -> io::Result<()> {
    // The stores' part is small (a CRC and a size per segment): the library's own.
    let stores = final_state(std::iter::empty(), sim.stores());
    out.begin_object()?;
    out.field("nodes")?;
    // Every node's state (`null` for a crashed one), keyed by its id as a string; a
    // `Value` object orders its keys as strings ("10000" before "2"): so do we.
    let mut ids: Vec<(String, NodeId)> = sim.node_ids().into_iter().map(|id| (id.to_string(), id)).collect();
    ids.sort();
    out.begin_object()?;
    for (key, id) in &ids {
        out.key(key)?;
        match sim.node(*id) {
            Some(node) => node.state().write_pretty(out)?,
            None => out.null()?,
        }
    }
    out.end_object()?;
    out.field("stores")?;
    out.value(&stores["stores"])?;
    out.end_object()
}

/// The timeline as an array of `{at_ms, event, node}`, one entry built at a time.
fn write_timeline(out: &mut PrettyOut<'_>, sim: &Sim) -> io::Result<()> {
    out.begin_array()?;
    let text = out.row_text(&["at_ms", "event", "node"]);
    for (at_ms, node, event) in sim.timeline().iter() {
        // Through a `Value`: the event's fields come out sorted, as the tree printed them.
        let event = serde_json::to_value(event).map_err(io::Error::other)?;
        out.row_start(&text)?;
        out.integer(*at_ms)?;
        out.row_field(&text, 1)?;
        out.value(&event)?;
        out.row_field(&text, 2)?;
        out.unsigned((*node).into())?;
        out.row_end(&text)?;
    }
    out.end_array()
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
    let mut pretty = PrettyOut::new(out);
    write_report_object(&mut pretty, head, sim)
        .and_then(|()| pretty.newline())
        .and_then(|()| pretty.finish())
        .map_err(|e| write_failure("output", e))
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
