//! The tab writes a long run's journal out chunk by chunk (src/web/cluster_driver/spill.rs):
//! each full chunk's entries as compact JSON joined by commas, between a header and a
//! trailer. Here real runs of scenarios show those pieces concatenate to exactly the
//! bytes `serde_json::to_string(&journal)` writes (the CLI's `run --journal`), and that a
//! CRC-32C kept running over the pieces is the whole text's.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::record::crc::{crc32c, crc32c_append};
use kafka_playground::sim::chunked::CHUNK_ENTRIES;
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::journal::{compact_entries, compact_header, COMPACT_SEPARATOR, COMPACT_TRAILER};
use kafka_playground::sim::scenario::Scenario;

/// Runs the scenario, then takes its journal apart as the tab does; returns the number of
/// chunks handed over.
fn pieces_equal_the_whole(scenario_text: &str, seed: u64, until_ms: Option<i64>) -> usize {
    let mut s = Scenario::parse(scenario_text).unwrap();
    if let Some(until) = until_ms {
        s.until_ms = until;
    }
    let mut sim = build_sim(&s, seed).unwrap();
    sim.run_until(s.until_ms, 10_000_000);
    let whole = serde_json::to_string(&sim.journal()).unwrap();
    let header = compact_header(sim.seed, &sim.journal_scenario()).unwrap();
    let mut text = header.clone();
    let mut crc = crc32c_append(0, header.as_bytes());
    let mut chunks = 0;
    let mut next = 0;
    while let Some((first, entries)) = sim.take_journal_chunk(usize::MAX) {
        assert_eq!((first, entries.len()), (next, CHUNK_ENTRIES));
        next += CHUNK_ENTRIES;
        let piece = compact_entries(&entries).unwrap();
        let piece = if chunks > 0 { format!("{COMPACT_SEPARATOR}{piece}") } else { piece };
        crc = crc32c_append(crc, piece.as_bytes());
        text.push_str(&piece);
        chunks += 1;
    }
    let kept = compact_entries(sim.journal_entries()).unwrap();
    let mut tail = String::new();
    if chunks > 0 && !kept.is_empty() {
        tail.push_str(COMPACT_SEPARATOR);
    }
    tail.push_str(&kept);
    tail.push_str(COMPACT_TRAILER);
    crc = crc32c_append(crc, tail.as_bytes());
    text.push_str(&tail);
    assert_eq!(text.len(), whole.len(), "{}: lengths", s.name);
    assert!(text == whole, "{}: the pieces differ from the whole journal", s.name);
    assert_eq!(crc, crc32c(whole.as_bytes()), "{}: CRC-32C", s.name);
    chunks
}

#[test]
fn a_small_run_is_header_entries_trailer() {
    // 571 entries: nothing to hand over, one run of entries.
    let chunks =
        pieces_equal_the_whole(include_str!("../scenarios/acks-all-survives-leader-crash.json"), 7, None);
    assert_eq!(chunks, 0);
}

#[test]
fn a_loaded_run_handed_over_chunk_by_chunk_gives_the_cli_journal() {
    // The standard load (1,000 records/s on RF 3) for 20 s: a few thousand entries.
    let chunks = pieces_equal_the_whole(include_str!("../benches/standard-scenario.json"), 1, Some(20_000));
    assert!(chunks >= 2, "only {chunks} chunks handed over");
}

#[test]
fn a_consumer_group_run_gives_the_cli_journal() {
    pieces_equal_the_whole(include_str!("../scenarios/consumer-group-three-members.json"), 3, None);
}
