//! Consumer configs, each changed from its default, act as the Java client documents.
//! The base has consumer `c1` in group `g` (reading from the earliest offset) and the
//! producer's 10 records sent at 5 s.

use super::harness::*;
use kafka_playground::engine::cluster::events::RemovalCause;
use kafka_playground::engine::cluster::ClusterEvent;
use serde_json::{json, Value};

fn consumer(name: &str, value: &str) -> Value {
    set(with_consumer(), &["clients", "1"], name, value)
}

fn consumed(r: &Run) -> Vec<(i64, i64)> {
    r.events()
        .iter()
        .filter_map(|(_, _, e)| match e {
            ClusterEvent::RecordsConsumed { client_id: C1, first_offset, last_offset, .. } => {
                Some((*first_offset, *last_offset))
            }
            _ => None,
        })
        .collect()
}

fn records(r: &Run) -> i64 {
    consumed(r).iter().map(|(a, b)| b - a + 1).sum()
}

fn between(r: &Run, from_ms: i64, to_ms: i64, f: impl Fn(&ClusterEvent) -> bool) -> usize {
    r.events().iter().filter(|(t, _, e)| (from_ms..to_ms).contains(t) && f(e)).count()
}

/// The partitions each consumer owns at the end, in client order.
fn owned(r: &Run, clients: &[u32]) -> Vec<usize> {
    let mut out = vec![0; clients.len()];
    for (_, _, e) in r.events() {
        if let ClusterEvent::PartitionsAssigned { client_id, owned, .. } = e {
            if let Some(i) = clients.iter().position(|c| *c == client_id) {
                out[i] = owned.len();
            }
        }
    }
    out
}

fn second_consumer(s: Value, group: &str) -> Value {
    let mut s = s;
    s["clients"].as_array_mut().unwrap().push(json!({
        "id": "c2", "type": "consumer", "configs": { "group.id": group }, "subscribe": ["t"]
    }));
    s
}

/// group.id: consumers of one group share the partitions; of two groups, each reads all.
#[test]
fn group_id() {
    let mut s = with_consumer();
    s["topics"][0]["partitions"] = json!(2);
    assert_eq!(owned(&run(&second_consumer(s.clone(), "g")), &[C1, C2]), vec![1, 1]);
    assert_eq!(owned(&run(&second_consumer(s, "h")), &[C1, C2]), vec![2, 2]);
}

/// client.id: member ids start with it (the default is the scenario's client name).
#[test]
fn client_id() {
    let member = |r: &Run| {
        r.events()
            .into_iter()
            .find_map(|(_, _, e)| match e {
                ClusterEvent::MemberJoined { member_id, .. } => Some(member_id),
                _ => None,
            })
            .unwrap()
    };
    assert!(member(&run(&with_consumer())).starts_with("c1-"));
    assert!(member(&run(&consumer("client.id", "alice"))).starts_with("alice-"));
}

/// session.timeout.ms: a crashed member is removed once its session expires.
#[test]
fn session_timeout_ms() {
    let crashed = |s: Value| {
        let mut s = s;
        step(&mut s, json!({ "at_ms": 15000, "crash": { "client": "c1" } }));
        s["until_ms"] = json!(40000);
        s
    };
    let removed = |r: &Run| {
        r.first(|e| matches!(e, ClusterEvent::MemberRemoved { cause: RemovalCause::SessionTimeout, .. }))
    };
    assert_eq!(removed(&run(&crashed(with_consumer()))), None, "45 s have not passed");
    let at = removed(&run(&crashed(consumer("session.timeout.ms", "10000")))).unwrap();
    assert!((15000..=25100).contains(&at), "removed at {at}");
}

/// heartbeat.interval.ms: how often a member heartbeats.
#[test]
fn heartbeat_interval_ms() {
    let beats = |r: &Run| {
        between(r, 10000, 30000, |e| matches!(e, ClusterEvent::HeartbeatAnswered { client_id: C1, .. }))
    };
    let default = beats(&run(&with_consumer()));
    let often = beats(&run(&consumer("heartbeat.interval.ms", "1000")));
    assert!((5..=8).contains(&default), "{default}");
    assert!(often >= 18, "{often}");
}

/// max.poll.interval.ms with playground.processing.time.per.record.ms: a poll loop slower
/// than max.poll.interval.ms makes the member leave the group; either alone does not.
#[test]
fn max_poll_interval_ms() {
    let left = |s: Value| {
        let r = run(&s);
        r.first(|e| matches!(e, ClusterEvent::MemberRemoved { .. })).is_some()
    };
    let slow = consumer("playground.processing.time.per.record.ms", "2000");
    assert!(!left(slow.clone()), "300 s default");
    assert!(!left(consumer("max.poll.interval.ms", "5000")), "processing takes no time");
    assert!(left(set(slow, &["clients", "1"], "max.poll.interval.ms", "5000")));
}

/// max.poll.records: at most that many records per poll.
#[test]
fn max_poll_records() {
    let default = run(&with_consumer());
    assert_eq!(consumed(&default), vec![(0, 9)]);
    let few = run(&consumer("max.poll.records", "3"));
    assert!(consumed(&few).iter().all(|(a, b)| b - a < 3), "{:?}", consumed(&few));
    assert_eq!(records(&few), 10);
}

/// auto.offset.reset: with no committed offset, start at the log end (latest) or start.
#[test]
fn auto_offset_reset() {
    // Sent at 3 s, before the group forms (its first rebalance waits 3 s).
    let early = |mut s: Value| {
        s["steps"][0]["at_ms"] = json!(3000);
        s
    };
    assert_eq!(records(&run(&early(with_consumer()))), 10);
    assert_eq!(records(&run(&early(consumer("auto.offset.reset", "latest")))), 0);
}

/// enable.auto.commit: offsets are committed in the background, or never without a commit.
#[test]
fn enable_auto_commit() {
    let commits = |r: &Run| r.count(|e| matches!(e, ClusterEvent::OffsetsCommitted { .. }));
    assert!(commits(&run(&with_consumer())) > 0);
    assert_eq!(commits(&run(&consumer("enable.auto.commit", "false"))), 0);
}

/// auto.commit.interval.ms: how often the background commit runs.
#[test]
fn auto_commit_interval_ms() {
    let commits = |r: &Run| r.count(|e| matches!(e, ClusterEvent::CommitCompleted { client_id: C1, .. }));
    let default = commits(&run(&steady(with_consumer())));
    let often = commits(&run(&steady(consumer("auto.commit.interval.ms", "1000"))));
    assert!(often > 2 * default, "{often} commits every second, {default} every 5 s");
}

/// partition.assignment.strategy: range gives a topic's partitions per topic (so both
/// single-partition topics go to the first member), roundrobin spreads them.
#[test]
fn partition_assignment_strategy() {
    let two_topics = |strategy: Option<&str>| {
        let mut s = second_consumer(with_consumer(), "g");
        s["topics"]
            .as_array_mut()
            .unwrap()
            .push(json!({ "name": "u", "partitions": 1, "replication_factor": 3 }));
        for c in [1, 2] {
            s["clients"][c]["subscribe"] = json!(["t", "u"]);
            if let Some(v) = strategy {
                s["clients"][c]["configs"]["partition.assignment.strategy"] = json!(v);
            }
        }
        let r = run(&s);
        let mut o = owned(&r, &[C1, C2]);
        o.sort();
        o
    };
    assert_eq!(two_topics(None), vec![0, 2], "range first");
    assert_eq!(two_topics(Some("roundrobin")), vec![1, 1]);
}

/// fetch.max.wait.ms: how long a broker holds an empty fetch, so how often an idle
/// consumer fetches.
#[test]
fn fetch_max_wait_ms() {
    let fetches =
        |r: &Run| r.delivered(C1, "Fetch").iter().filter(|(t, _)| (15000..30000).contains(t)).count();
    let default = fetches(&run(&with_consumer()));
    let long = fetches(&run(&consumer("fetch.max.wait.ms", "2000")));
    assert!((25..=31).contains(&default), "{default}");
    assert!((6..=8).contains(&long), "{long}");
}

/// fetch.max.bytes: a fetch returns at most that much (but at least one batch).
#[test]
fn fetch_max_bytes() {
    let batches = |s: Value| {
        let mut s = s;
        s["steps"][0]["at_ms"] = json!(3000);
        for i in 1..5 {
            step(
                &mut s,
                json!({ "at_ms": 3000 + 100 * i, "produce": { "client": "p1", "topic": "t", "count": 10 } }),
            );
        }
        let r = run(&s);
        assert_eq!(records(&r), 50);
        consumed(&r).len()
    };
    assert_eq!(batches(with_consumer()), 1);
    assert_eq!(batches(consumer("fetch.max.bytes", "1")), 5);
}

/// request.timeout.ms: a request (a heartbeat, an auto-commit) unanswered by then (every
/// broker paused) fails, and the consumer looks for its coordinator again.
#[test]
fn request_timeout_ms() {
    let paused = |s: Value| {
        let mut s = s;
        for b in 1..=3 {
            step(&mut s, json!({ "at_ms": 15000, "pause": { "node": b } }));
            step(&mut s, json!({ "at_ms": 21000, "resume": { "node": b } }));
        }
        s
    };
    let timed_out = |r: &Run| {
        r.count(
            |e| matches!(e, ClusterEvent::ConsumerNote { client_id: C1, note } if note.contains("timed out")),
        )
    };
    assert_eq!(timed_out(&run(&paused(with_consumer()))), 0);
    assert!(timed_out(&run(&paused(consumer("request.timeout.ms", "2000")))) > 0);
}

/// retry.backoff.ms: the wait before asking again for a coordinator that is not there yet.
#[test]
fn retry_backoff_ms() {
    let lookups = |r: &Run| r.delivered(C1, "FindCoordinator").len();
    let default = lookups(&run(&with_consumer()));
    let slow = lookups(&run(&consumer("retry.backoff.ms", "1000")));
    assert!(slow < default, "{slow} lookups with 1 s, {default} with 100 ms");
}

/// metadata.max.age.ms: metadata is refreshed at least this often.
#[test]
fn metadata_max_age_ms() {
    let refreshes = |r: &Run| r.delivered(C1, "Metadata").iter().filter(|(t, _)| *t >= 10000).count();
    assert_eq!(refreshes(&run(&with_consumer())), 0);
    assert!(refreshes(&run(&consumer("metadata.max.age.ms", "5000"))) >= 3);
}

/// bootstrap.servers: the broker asked first.
#[test]
fn bootstrap_servers() {
    let first =
        |r: &Run| r.messages().into_iter().find(|(_, from, _, _)| *from == C1).map(|(_, _, to, _)| to);
    assert_eq!(first(&run(&with_consumer())), Some(1));
    assert_eq!(first(&run(&consumer("bootstrap.servers", "2"))), Some(2));
}

/// isolation.level: the consumer's Fetch and ListOffsets requests carry it (FetcherTest
/// `testReturnCommittedTransactions` checks `request.isolationLevel()`), and a
/// read_committed Fetch is answered with its aborted transactions (an empty list here,
/// no transaction having aborted) where a read_uncommitted one has none
/// (`FetchDataInfo.abortedTransactions`); with no transaction both read every record.
#[test]
fn isolation_level() {
    use kafka_playground::engine::cluster::messages::{IsolationLevel, Message};
    for (value, level) in [
        ("read_uncommitted", IsolationLevel::ReadUncommitted),
        ("read_committed", IsolationLevel::ReadCommitted),
    ] {
        let r = run(&consumer("isolation.level", value));
        assert_eq!(records(&r), 10, "{value}");
        let messages = r.messages();
        let mut fetches = 0;
        let mut answers = 0;
        for (_, from, to, m) in &messages {
            match m {
                Message::FetchRequest { isolation_level, .. } if *from == C1 => {
                    assert_eq!(*isolation_level, level);
                    fetches += 1;
                }
                Message::ListOffsetsRequest { isolation_level, .. } if *from == C1 => {
                    assert_eq!(*isolation_level, level)
                }
                Message::FetchResponse { partitions, .. } if *to == C1 => {
                    for p in partitions.iter().filter(|p| p.error.is_none()) {
                        assert_eq!(p.aborted_transactions.is_some(), level == IsolationLevel::ReadCommitted);
                        answers += 1;
                    }
                }
                _ => {}
            }
        }
        assert!(fetches > 0 && answers > 0, "{value}");
    }
}
