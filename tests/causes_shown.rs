//! What the page shows of causes (#14 point 7), without logs or arithmetic: the feed
//! folds a send retried again and again for the same reason into one line whose attempt
//! counts up ("retried × 33", not 33 lines pushing the causes out); keeps internal steps
//! out; and the cluster's configs stand beside the topics'. In
//! acks-1-loses-acknowledged-record a send produced after the leader's crash is retried
//! (NETWORK_EXCEPTION) until the network heals.

use kafka_playground::engine::cluster::ClusterEvent;
use kafka_playground::engine::cluster::FIRST_CLIENT_ID;
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::picture::cluster::{Picture, RunInfo};
use kafka_playground::sim::picture::command::ClusterCommand;
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::timeline::apply::schedule;

#[test]
fn retries_of_one_send_for_one_reason_are_one_line_counting_up() {
    let path = format!("{}/scenarios/acks-1-loses-acknowledged-record.json", env!("CARGO_MANIFEST_DIR"));
    let scenario = Scenario::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut sim = build_sim(&scenario, 1).unwrap();
    sim.run_until(12_000, u64::MAX);
    let produce = ClusterCommand::Produce {
        client: FIRST_CLIENT_ID,
        topic: "payments".into(),
        count: 4,
        key: Some("k-{i}".into()),
        value: "v-{i}".into(),
        partition: None,
        partitioner: None,
        headers: Vec::new(),
    };
    schedule(&mut sim, &scenario, produce);
    sim.run_until(scenario.until_ms, u64::MAX);
    let retried: usize =
        sim.timeline().iter_from(0).filter(|(_, _, e)| matches!(e, ClusterEvent::SendRetried { .. })).count();
    let view = Picture::default().view(
        &sim,
        &scenario,
        RunInfo { speed: 1.0, achieved_speed: 0.0, paused: true, error: None },
    );
    let lines: Vec<&ClusterEvent> = view.events.iter().map(|(_, _, e)| e).collect();
    let shown: Vec<u32> = lines
        .iter()
        .filter_map(|e| match e {
            ClusterEvent::SendRetried { attempt, .. } => Some(*attempt),
            _ => None,
        })
        .collect();
    assert!(retried >= 5, "the send is retried again and again ({retried})");
    assert!(shown.len() < retried, "{} lines for {retried} retries", shown.len());
    assert!(shown.iter().any(|a| *a >= 4), "a folded line counts its attempts up: {shown:?}");
    for pair in lines.windows(2) {
        if let (
            ClusterEvent::SendRetried { client_id: a, tp: p, error: e, .. },
            ClusterEvent::SendRetried { client_id: b, tp: q, error: f, .. },
        ) = (pair[0], pair[1])
        {
            assert!((a, p, e) != (b, q, f), "two lines for the same send and reason: {pair:?}");
        }
    }
}

/// A push of metadata meant for a broker's previous process can reach its new one after a
/// restart (the controller pushes; Kafka's brokers pull): the new process drops records
/// after a gap without a word in the feed, and its next heartbeat gets them sent again, so
/// it ends with the whole metadata log.
#[test]
fn a_restarted_broker_drops_a_stale_push_quietly_and_catches_up() {
    let path = format!("{}/scenarios/unclean-election-loses-data.json", env!("CARGO_MANIFEST_DIR"));
    let scenario = Scenario::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut sim = build_sim(&scenario, 1).unwrap();
    sim.run_until(scenario.until_ms, u64::MAX);
    let restarts = sim
        .journal()
        .entries
        .iter()
        .filter(|e| matches!(e, kafka_playground::sim::JournalEntry::Restart { .. }))
        .count();
    assert!(restarts >= 2, "brokers restart in this scenario ({restarts})");
    for (_, node, e) in sim.timeline().iter() {
        assert!(
            !matches!(e, ClusterEvent::Refused { reason, .. } if reason.contains("metadata")),
            "node {node}: {e:?}"
        );
    }
    let state = sim.final_state();
    let log_end = state["nodes"]["3000"]["log_end_offset"].as_i64().unwrap();
    for broker in ["1", "2", "3"] {
        assert_eq!(state["nodes"][broker]["metadata_offset"].as_i64(), Some(log_end - 1), "broker {broker}");
    }
}

/// The cluster's configs beside the topics' (#14 point 7): Kafka's defaults where a
/// scenario sets nothing (Kafka's documentation), the scenario's values where it does.
#[test]
fn the_cluster_configs_are_kafkas_defaults_or_the_scenarios() {
    let view_of = |text: &str| {
        let scenario = Scenario::parse(text).unwrap();
        let mut sim = build_sim(&scenario, 1).unwrap();
        sim.run_until(3_000, u64::MAX);
        let view = Picture::default().view(
            &sim,
            &scenario,
            RunInfo { speed: 1.0, achieved_speed: 0.0, paused: true, error: None },
        );
        view.cluster_configs.into_iter().map(|c| (c.name, c.value)).collect::<Vec<_>>()
    };
    let path = format!("{}/scenarios/acks-1-loses-acknowledged-record.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let kafka_defaults: Vec<(String, String)> = [
        ("broker.session.timeout.ms", "9000"),
        ("min.insync.replicas", "1"),
        ("unclean.leader.election.enable", "false"),
        ("default.replication.factor", "1"),
        ("replica.lag.time.max.ms", "30000"),
        ("replica.socket.timeout.ms", "30000"),
        ("group.initial.rebalance.delay.ms", "3000"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(view_of(&text), kafka_defaults);
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["cluster"]["configs"] =
        serde_json::json!({"replica.lag.time.max.ms": "10000", "broker.session.timeout.ms": "6000"});
    let set = view_of(&json.to_string());
    assert!(set.contains(&("replica.lag.time.max.ms".into(), "10000".into())), "{set:?}");
    assert!(set.contains(&("broker.session.timeout.ms".into(), "6000".into())), "{set:?}");
}

/// Reorderings counted per consumer (#14 point 7): max-in-flight-reorders-without-
/// idempotence's reader. The truth is the log itself: the records' values carry their
/// producer's send number (`step-{i}`), and a reader reads its partition in offset order,
/// so every record whose number is below one read before it is out of order.
#[test]
fn a_reader_counts_the_records_it_read_out_of_their_producers_order() {
    let path =
        format!("{}/scenarios/max-in-flight-reorders-without-idempotence.json", env!("CARGO_MANIFEST_DIR"));
    let scenario = Scenario::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut sim = build_sim(&scenario, 1).unwrap();
    sim.run_until(scenario.until_ms, u64::MAX);
    let view = Picture::default().view(
        &sim,
        &scenario,
        RunInfo { speed: 1.0, achieved_speed: 0.0, paused: true, error: None },
    );
    let state = sim.final_state();
    let out_of_order = |topic: &str| -> u64 {
        let leader = (1..=3)
            .map(|b| &state["nodes"][b.to_string()]["partitions"][format!("{topic}-0")])
            .find(|p| p["role"] == "leader")
            .unwrap();
        let numbers: Vec<u64> = leader["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["value"].as_str().unwrap().trim_start_matches("step-").parse().unwrap())
            .collect();
        let mut latest = 0;
        numbers
            .iter()
            .filter(|n| {
                if **n < latest {
                    true
                } else {
                    latest = **n;
                    false
                }
            })
            .count() as u64
    };
    // One reader of both topics: its count is the two logs' inversions (the idempotent
    // one has none).
    let member = &view.groups.iter().find(|g| g.group_id == "reader").unwrap().members[0];
    assert_eq!(member.records_consumed, 24, "twelve records of each topic");
    assert!(out_of_order("plain") > 0, "the plain log is reordered");
    assert_eq!(out_of_order("idempotent"), 0, "idempotence keeps the order");
    assert_eq!(member.reordered, out_of_order("plain"));
}
