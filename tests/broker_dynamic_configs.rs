//! Broker configs that pace retention and cleaning, as Kafka lets them change:
//! `log.cleaner.backoff.ms` is dynamic (`LogCleaner.ReconfigurableConfigs`), so an
//! IncrementalAlterConfigs at the cluster default, through the controller's metadata log,
//! paces every broker's cleaner from then on: running ones at once, a restarted one and
//! one added later from the log. `log.retention.check.interval.ms` is read-only
//! (`DynamicBrokerConfig.nonDynamicConfigs`): refused with Kafka's `INVALID_REQUEST:
//! Cannot update these configs dynamically: Set(…)`, it is set where a broker starts
//! (a scenario's `cluster.configs`), and there it paces the retention task.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::cluster::command::{Command, StartSpec};
use kafka_playground::engine::cluster::{ClusterEvent, Input, NodeId, TimerKey, TimerKind, CONTROLLER_ID};
use kafka_playground::sim::cluster_world::{build_sim, ClusterWorld};
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::{replay, Action, JournalEntry, Sim};
use serde_json::{json, Value};

fn scenario(cluster_configs: Value) -> Scenario {
    let text = json!({
        "version": 1, "name": "broker-pacing",
        "cluster": { "brokers": 2, "max_brokers": 3, "network": { "latency_ms": 2, "jitter_ms": 0 },
                     "configs": cluster_configs },
        "topics": [ { "name": "t", "partitions": 1, "replication_factor": 2, "configs": { "cleanup.policy": "compact" } } ],
        "clients": [],
        "steps": [],
        "until_ms": 60000
    });
    Scenario::parse(&text.to_string()).unwrap()
}

fn alter(sim: &mut Sim, at_ms: i64, configs: Value) {
    let command = json!({ "alter_broker_configs": { "configs": configs } });
    sim.schedule(at_ms, Action::Command(CONTROLLER_ID, Command::from_json(&command.to_string()).unwrap()));
}

fn finish(s: &Scenario, mut sim: Sim) -> Sim {
    sim.run_until(s.until_ms, 5_000_000);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    let (state, events) = replay(&sim.journal(), &ClusterWorld::new(s, 1).unwrap());
    assert_eq!(state, sim.final_state(), "replay rebuilds the same state");
    assert_eq!(events, sim.timeline().to_vec(), "replay reports the same events");
    sim
}

/// When `broker`'s timer `kind` fired.
fn fired(sim: &Sim, broker: NodeId, kind: TimerKind) -> Vec<i64> {
    sim.journal()
        .entries
        .iter()
        .filter_map(|e| match e {
            JournalEntry::Deliver { at_ms, node, input: Input::Timer(TimerKey { kind: k, .. }) }
                if *node == broker && *k == kind =>
            {
                Some(*at_ms)
            }
            _ => None,
        })
        .collect()
}

fn gaps(times: &[i64]) -> Vec<i64> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

fn refusals(sim: &Sim) -> Vec<String> {
    sim.timeline()
        .iter()
        .filter_map(|(_, _, e)| match e {
            ClusterEvent::Refused { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect()
}

/// log.cleaner.backoff.ms changed live: every broker's cleaner runs at once (the
/// reconfigured cleaner thread starts) and then every 2000 ms instead of 15000; a broker
/// restarted and a broker added later take the value from the metadata log.
#[test]
fn cleaner_backoff_changes_live_on_every_broker() {
    let s = scenario(json!({}));
    let mut sim = build_sim(&s, 1).unwrap();
    alter(&mut sim, 20_000, json!({ "log.cleaner.backoff.ms": "2000" }));
    sim.schedule(40_000, Action::Crash(2));
    sim.schedule(41_000, Action::Restart(2));
    sim.schedule(45_000, Action::StartWith(3, StartSpec::default()));
    let sim = finish(&s, sim);
    for broker in [1, 2] {
        let times = fired(&sim, broker, TimerKind::LogCleaner);
        let before: Vec<i64> = times.iter().copied().filter(|t| *t < 20_000).collect();
        assert!(gaps(&before).iter().all(|g| *g == 15_000), "broker {broker} before: {before:?}");
        let after: Vec<i64> = times.iter().copied().filter(|t| (20_000..40_000).contains(t)).collect();
        assert!(after[0] < 20_100, "broker {broker} cleans at once: {after:?}");
        assert!(gaps(&after).iter().all(|g| *g == 2_000), "broker {broker} after: {after:?}");
        assert!(after.len() >= 9, "{after:?}");
    }
    for (broker, from) in [(2, 41_000), (3, 45_000)] {
        let times: Vec<i64> =
            fired(&sim, broker, TimerKind::LogCleaner).into_iter().filter(|t| *t >= from).collect();
        assert!(times.len() >= 5, "broker {broker} from {from}: {times:?}");
        assert!(gaps(&times).iter().all(|g| *g == 2_000), "broker {broker} from {from}: {times:?}");
    }
    assert!(refusals(&sim).is_empty(), "{:?}", refusals(&sim));
}

/// log.retention.check.interval.ms is read-only: refused in Kafka's words, nothing is
/// written, the retention task keeps its interval; a bad value and an unknown name are
/// refused too, and a refused request changes none of its configs.
#[test]
fn read_only_and_bad_values_are_refused() {
    let s = scenario(json!({}));
    let mut sim = build_sim(&s, 1).unwrap();
    alter(&mut sim, 20_000, json!({ "log.retention.check.interval.ms": "1000" }));
    alter(&mut sim, 20_000, json!({ "log.cleaner.backoff.ms": "2000", "replica.lag.time.max.ms": "1000" }));
    alter(&mut sim, 20_000, json!({ "log.cleaner.backoff.ms": "soon" }));
    alter(&mut sim, 20_000, json!({ "log.flush.interval.ms": "1000" }));
    let sim = finish(&s, sim);
    assert_eq!(
        refusals(&sim),
        vec![
            "INVALID_REQUEST: Cannot update these configs dynamically: Set(log.retention.check.interval.ms)",
            "INVALID_REQUEST: Cannot update these configs dynamically: Set(replica.lag.time.max.ms)",
            "INVALID_REQUEST: Invalid value soon for configuration log.cleaner.backoff.ms: log.cleaner.backoff.ms: 'soon' is not a number",
            "INVALID_REQUEST: Unknown broker config log.flush.interval.ms: the playground does not implement it",
        ]
    );
    let retention = fired(&sim, 1, TimerKind::LogRetention);
    assert!(gaps(&retention).iter().all(|g| *g == 10_000), "{retention:?}");
    let cleaner = fired(&sim, 1, TimerKind::LogCleaner);
    assert!(gaps(&cleaner).iter().all(|g| *g == 15_000), "{cleaner:?}");
}

/// Where it is set (a scenario's cluster.configs, read when each broker starts), the
/// retention check interval paces the retention task: every 3000 ms, not 10000.
#[test]
fn retention_check_interval_is_set_where_brokers_start() {
    let s = scenario(json!({ "log.retention.check.interval.ms": "3000" }));
    let sim = finish(&s, build_sim(&s, 1).unwrap());
    let retention = fired(&sim, 1, TimerKind::LogRetention);
    assert!(retention.len() >= 15, "{retention:?}");
    assert!(gaps(&retention).iter().all(|g| *g == 3_000), "{retention:?}");
}
