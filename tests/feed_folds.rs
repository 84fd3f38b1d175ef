//! The feed folds a send retried again and again for the same reason into one line whose
//! attempt counts up (#14 point 7: "retried × 33", not 33 lines pushing the causes out of
//! the feed). In acks-1-loses-acknowledged-record a send produced after the leader's crash
//! is retried (NETWORK_EXCEPTION) until the network heals.

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
