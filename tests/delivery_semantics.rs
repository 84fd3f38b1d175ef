//! The lecture's §8 (delivery guarantees) on the consumer side, in the deterministic
//! simulation: when the application commits decides what a crash between commit and
//! processing costs. Kafka's rules (the documentation's "Message Delivery Semantics"):
//! committing the position before processing, a crash loses what was committed but not
//! processed — the next process resumes at the committed offset (at most once);
//! committing after processing, a crash leaves processed records uncommitted and the
//! next process reads them again (at least once). The expected offsets are worked out
//! here from the consumer's own events (what it processed, what its commits carried),
//! then the group picture the page draws must name the same offsets.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::cluster::messages::TopicPartition;
use kafka_playground::engine::cluster::{ClusterEvent, NodeId, FIRST_CLIENT_ID};
use kafka_playground::sim::picture::group::GroupPicture;
use kafka_playground::sim::picture::view::{MemberView, OffsetRange};
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::Sim;
use std::collections::BTreeMap;

#[path = "common/scenario_run.rs"]
mod scenario_run;
use scenario_run::run;
#[path = "common/group_records.rs"]
#[allow(dead_code)]
mod group_records;
use group_records::{processed, produced};

const CRASH_MS: i64 = 16_000;
const RESTART_MS: i64 = 18_000;
/// `max.poll.records` of both scenarios: one poll, so one commit, covers at most this.
const MAX_POLL_RECORDS: i64 = 50;

fn tp() -> TopicPartition {
    TopicPartition { topic: "orders".into(), partition: 0 }
}

fn c1(s: &Scenario) -> NodeId {
    FIRST_CLIENT_ID + s.clients.iter().position(|c| c.id == "c1").unwrap() as u32
}

/// What the consumer saw: (at, first, last) processed and (at, offset) committed by c1.
#[allow(clippy::type_complexity)]
fn c1_story(sim: &Sim, c1: NodeId) -> (Vec<(i64, i64, i64)>, Vec<(i64, i64)>) {
    let (mut done, mut commits) = (Vec::new(), Vec::new());
    for (at, _, e) in sim.timeline().iter() {
        match e {
            ClusterEvent::RecordsConsumed { client_id, first_offset, last_offset, .. }
                if *client_id == c1 =>
            {
                done.push((*at, *first_offset, *last_offset))
            }
            ClusterEvent::CommitCompleted { client_id, offsets, error: None, .. } if *client_id == c1 => {
                commits.extend(offsets.iter().map(|(_, o)| (*at, *o)))
            }
            _ => {}
        }
    }
    (done, commits)
}

/// Before the crash: the last offset c1's commits carried, and where its processing got.
fn at_crash(done: &[(i64, i64, i64)], commits: &[(i64, i64)]) -> (i64, i64) {
    let committed = commits.iter().filter(|(t, _)| *t < CRASH_MS).map(|(_, o)| *o).max().unwrap();
    let processed_to = done.iter().filter(|(t, ..)| *t < CRASH_MS).map(|(.., l)| l + 1).max().unwrap();
    (committed, processed_to)
}

fn member(sim: &Sim, s: &Scenario) -> MemberView {
    let groups = GroupPicture::default().view(sim, s);
    groups.into_iter().flat_map(|g| g.members).find(|m| m.name == "c1").expect("c1 in the picture")
}

#[test]
fn at_most_once_loses_what_was_committed_but_not_processed() {
    for seed in 1..=3 {
        let (s, sim) = run("at-most-once-loses-on-crash", seed);
        let id = c1(&s);
        let (done, commits) = c1_story(&sim, id);
        // Committed before processing: no record is processed before a commit covered it.
        for (at, _, last) in &done {
            assert!(commits.iter().any(|(t, o)| t < at && *o > *last), "offset {last} processed uncommitted");
        }
        let (committed, processed_to) = at_crash(&done, &commits);
        assert!(processed_to < committed, "the crash came between commit and processing");
        assert!(committed - processed_to <= MAX_POLL_RECORDS, "a commit covers one poll");
        // The new process resumes at the committed offset: what lies between is lost.
        let first_after = done.iter().find(|(t, ..)| *t > RESTART_MS).map(|(_, f, _)| *f);
        assert_eq!(first_after, Some(committed), "resumes at the committed offset");
        let seen = processed(&sim, &[]);
        let end = produced(&sim)[&tp()];
        for o in 0..end {
            let times = seen.get(&(tp(), o)).copied().unwrap_or(0);
            let lost = (processed_to..committed).contains(&o);
            assert_eq!(times, u32::from(!lost), "seed {seed}: offset {o} (lost {processed_to}..{committed})");
        }
        let m = member(&sim, &s);
        assert_eq!(m.lost, (committed - processed_to) as u64);
        assert_eq!(m.lost_ranges, vec![OffsetRange::new(&tp(), processed_to, committed - 1)]);
        assert_eq!((m.duplicates, m.duplicate_ranges.len()), (0, 0), "nothing processed twice");
        assert_eq!((m.commit_sync.as_str(), m.enable_auto_commit), ("before-processing", false));
    }
}

#[test]
fn at_least_once_processes_again_what_was_processed_but_not_committed() {
    for seed in 1..=3 {
        let (s, sim) = run("at-least-once-duplicates-on-crash", seed);
        let id = c1(&s);
        let (done, commits) = c1_story(&sim, id);
        // Committed after processing: a commit never carries an offset not yet processed.
        for (at, offset) in &commits {
            assert!(
                done.iter().any(|(t, _, last)| t <= at && last + 1 == *offset),
                "{offset} committed early"
            );
        }
        let (committed, processed_to) = at_crash(&done, &commits);
        assert!(committed < processed_to, "the crash came between processing and commit");
        let first_after = done.iter().find(|(t, ..)| *t > RESTART_MS).map(|(_, f, _)| *f);
        assert_eq!(first_after, Some(committed), "resumes at the committed offset");
        let seen = processed(&sim, &[]);
        let end = produced(&sim)[&tp()];
        for o in 0..end {
            let twice = (committed..processed_to).contains(&o);
            assert_eq!(seen.get(&(tp(), o)).copied(), Some(1 + u32::from(twice)), "seed {seed}: offset {o}");
        }
        let m = member(&sim, &s);
        assert_eq!(m.duplicates, (processed_to - committed) as u64);
        assert_eq!(m.duplicate_ranges, vec![OffsetRange::new(&tp(), committed, processed_to - 1)]);
        assert_eq!((m.lost, m.lost_ranges.len()), (0, 0), "nothing lost");
        assert_eq!(m.commit_sync, "after-processing");
    }
}

#[test]
fn by_default_auto_commit_is_at_least_once_and_the_picture_reports_no_loss() {
    let (s, sim) = run("consumer-restart-resumes-from-committed", 1);
    let m = member(&sim, &s);
    assert_eq!((m.commit_sync.as_str(), m.enable_auto_commit), ("off", true));
    assert!(m.duplicates > 0, "records processed after the last auto-commit come again");
    assert_eq!(m.lost, 0);
    let total: BTreeMap<_, _> = processed(&sim, &[]);
    assert!(total.values().all(|n| *n >= 1));
}

#[test]
fn both_scenarios_replay_byte_for_byte() {
    for name in ["at-most-once-loses-on-crash", "at-least-once-duplicates-on-crash"] {
        let (s, sim) = run(name, 7);
        scenario_run::assert_replays(&s, &sim, name);
    }
}
