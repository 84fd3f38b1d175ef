#![cfg(not(target_arch = "wasm32"))]
//! The transaction scenarios through the `kafka-playground run` binary (seed 1), each
//! outcome asserted on the final state (the partition leader's log, its HW and last
//! stable offset, the consumers' processed records) and on the timeline:
//! `hanging-transaction-holds-lso` (an open transaction holds the LSO at its first offset
//! while the HW moves past it: read_committed stops there, read_uncommitted does not;
//! its commit releases both), `zombie-producer-fenced` (a second `initTransactions` with
//! the same `transactional.id` bumps the epoch and fences the first producer, whose
//! records are never committed) and `transaction-survives-crashes` (crashes of the output
//! partition's leader, of the transaction coordinator and of the producer: a
//! read_committed reader gets exactly the committed transactions' records, each once).

use kafka_playground::engine::txn::partition_for;
use serde_json::{json, Value};
use std::process::Command;

#[path = "common/scenario_run.rs"]
mod scenario_run;

const SCENARIOS: [&str; 3] =
    ["hanging-transaction-holds-lso", "zombie-producer-fenced", "transaction-survives-crashes"];

const BIN: &str = env!("CARGO_BIN_EXE_kafka-playground");

fn scenario_path(scenario: &str) -> String {
    format!("{}/scenarios/{scenario}.json", env!("CARGO_MANIFEST_DIR"))
}

/// The run's report (final state, timeline, violations) for the scenario file at `path`.
fn run_file(path: &str) -> Value {
    let out = Command::new(BIN).args(["run", path, "--seed", "1"]).output().expect("run the CLI");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("the report is JSON");
    assert_eq!(report["violations"], json!([]), "no invariant is violated");
    report
}

fn run(scenario: &str) -> Value {
    run_file(&scenario_path(scenario))
}

/// The leader's replica of `tp` in the final state.
fn leader(report: &Value, tp: &str) -> Value {
    let nodes = report["final_state"]["nodes"].as_object().unwrap();
    nodes
        .values()
        .filter_map(|n| n["partitions"].get(tp))
        .find(|p| p["role"] == "leader")
        .unwrap_or_else(|| panic!("a leader of {tp} at the end"))
        .clone()
}

/// The LSO the final state shows (only where it is below the HW; else it is the HW).
fn last_stable_offset(replica: &Value) -> i64 {
    replica.get("last_stable_offset").unwrap_or(&replica["high_watermark"]).as_i64().unwrap()
}

/// The offset of the first record in `replica` whose value starts with `prefix`.
fn first_offset_of(replica: &Value, prefix: &str) -> i64 {
    let records = replica["records"].as_array().unwrap();
    let r = records.iter().find(|r| r["value"].as_str().is_some_and(|v| v.starts_with(prefix)));
    r.unwrap_or_else(|| panic!("a record {prefix}… in {replica}"))["offset"].as_i64().unwrap()
}

/// A client's node id: clients are numbered from 10000 in the scenario's order.
fn client_id(report: &Value, name: &str) -> i64 {
    let text = std::fs::read_to_string(scenario_path(report["scenario"].as_str().unwrap())).unwrap();
    let s: Value = serde_json::from_str(&text).unwrap();
    let clients = s["clients"].as_array().unwrap();
    let index = clients.iter().position(|c| c["id"] == name).unwrap_or_else(|| panic!("a client {name}"));
    10_000 + index as i64
}

/// A client's node in the final state, by its scenario name.
fn client<'a>(report: &'a Value, name: &str) -> &'a Value {
    &report["final_state"]["nodes"][client_id(report, name).to_string()]
}

/// The events of `kind` in the timeline, with their time.
fn events<'a>(report: &'a Value, kind: &str) -> Vec<(i64, &'a Value)> {
    let timeline = report["timeline"].as_array().unwrap();
    timeline.iter().filter_map(|e| Some((e["at_ms"].as_i64()?, e["event"].get(kind)?))).collect()
}

/// The offsets a consumer's application processed in `topic`-`partition`, in order.
fn consumed_offsets(report: &Value, client_id: i64, topic: &str, partition: u32) -> Vec<i64> {
    let mut out = Vec::new();
    for (_, e) in events(report, "RecordsConsumed") {
        if e["client_id"] == client_id && e["tp"]["topic"] == topic && e["tp"]["partition"] == partition {
            out.extend(e["first_offset"].as_i64().unwrap()..=e["last_offset"].as_i64().unwrap());
        }
    }
    out
}

/// The values at `offsets` in `replica`'s log.
fn values_at(replica: &Value, offsets: &[i64]) -> Vec<String> {
    let records = replica["records"].as_array().unwrap();
    let value = |o: i64| {
        let r = records.iter().find(|r| r["offset"] == o).unwrap_or_else(|| panic!("offset {o} in the log"));
        r["value"].as_str().unwrap().to_string()
    };
    offsets.iter().map(|&o| value(o)).collect()
}

fn names(prefix: &str, numbers: std::ops::Range<u32>) -> Vec<String> {
    numbers.map(|i| format!("{prefix}-{i}")).collect()
}

#[test]
fn an_open_transaction_holds_the_last_stable_offset_at_its_first_offset() {
    let report = run("hanging-transaction-holds-lso");
    let orders = leader(&report, "orders-0");
    // committed-0..4 at 0..=4, the commit marker at 5, the open transaction from 6.
    let open_first = first_offset_of(&orders, "open-");
    assert_eq!(open_first, 6);
    assert_eq!(orders["high_watermark"], 11, "the HW moves past the open records");
    assert_eq!(
        last_stable_offset(&orders),
        open_first,
        "the LSO stays at the open transaction's first offset"
    );

    let committed = client_id(&report, "committed-1");
    let uncommitted = client_id(&report, "uncommitted-1");
    let read_committed = values_at(&orders, &consumed_offsets(&report, committed, "orders", 0));
    let read_uncommitted = values_at(&orders, &consumed_offsets(&report, uncommitted, "orders", 0));
    assert_eq!(read_committed, names("committed", 0..5), "read_committed stops at the LSO");
    assert_eq!(read_uncommitted, [names("committed", 0..5), names("open", 5..10)].concat());
    // The read_committed consumer's position never passes the LSO.
    let assignment = &client(&report, "committed-1")["assignment"]["orders-0"];
    assert_eq!(assignment["position"], open_first);
    for (_, lag) in events(&report, "ConsumerLag") {
        if lag["client_id"] == committed {
            assert!(lag["position"].as_i64().unwrap() <= open_first, "{lag}");
        }
    }
}

#[test]
fn committing_the_hanging_transaction_releases_it_to_read_committed() {
    let mut s: Value = serde_json::from_str(
        &std::fs::read_to_string(scenario_path("hanging-transaction-holds-lso")).unwrap(),
    )
    .unwrap();
    s["steps"].as_array_mut().unwrap().push(json!({"at_ms": 20000, "commit_transaction": {"client": "p1"}}));
    s["until_ms"] = json!(30000);
    let path = std::env::temp_dir().join(format!("hanging-committed-{}.json", std::process::id()));
    std::fs::write(&path, s.to_string()).unwrap();
    let report = run_file(path.to_str().unwrap());
    let _ = std::fs::remove_file(&path);
    let orders = leader(&report, "orders-0");
    assert_eq!(orders["high_watermark"], 12, "the commit marker at 11");
    assert_eq!(last_stable_offset(&orders), 12, "no open transaction: LSO = HW");
    let everything = [names("committed", 0..5), names("open", 5..10)].concat();
    for name in ["committed-1", "uncommitted-1"] {
        let offsets = consumed_offsets(&report, client_id(&report, name), "orders", 0);
        assert_eq!(values_at(&orders, &offsets), everything, "{name}");
    }
}

#[test]
fn a_second_init_transactions_fences_the_zombie_whose_records_are_never_read() {
    let report = run("zombie-producer-fenced");
    let (zombie, successor) = (client_id(&report, "zombie"), client_id(&report, "successor"));
    let inits: Vec<_> = events(&report, "TransactionsInitialized")
        .into_iter()
        .map(|(_, e)| {
            (
                e["client_id"].as_i64().unwrap(),
                e["producer_id"].as_i64().unwrap(),
                e["producer_epoch"].as_i64().unwrap(),
            )
        })
        .collect();
    // Same producer id; the successor's InitProducerId bumps the epoch past the zombie's
    // (by 2: the coordinator fences the open transaction with one bump and aborts it, then
    // hands out the next, as TransactionCoordinator.handleInitProducerId does).
    assert_eq!(inits.len(), 2, "{inits:?}");
    assert_eq!((inits[0].0, inits[1].0), (zombie, successor));
    assert_eq!(inits[0].1, inits[1].1, "one producer id per transactional.id");
    assert!(inits[1].2 > inits[0].2, "the epoch is bumped: {inits:?}");

    // The zombie's next send is refused for its old epoch, its abort is fenced (fatal).
    let send_failed = events(&report, "SendFailed");
    assert!(
        send_failed.iter().any(|(_, e)| e["client_id"] == zombie && e["error"] == "InvalidProducerEpoch"),
        "{send_failed:?}"
    );
    let failed = events(&report, "TransactionFailed");
    assert!(
        failed.iter().any(|(_, e)| e["client_id"] == zombie
            && e["message"] == "PRODUCER_FENCED"
            && e["state"] == "FATAL_ERROR"),
        "{failed:?}"
    );
    // abortTransaction() throws once: the fatal error and the EndTxn's handler fail one
    // result (TransactionManager's TransactionalRequestResult).
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(client(&report, "zombie")["transaction_state"], "FATAL_ERROR");
    let committed = events(&report, "TransactionCommitted");
    assert!(committed.iter().all(|(_, e)| e["client_id"] == successor), "{committed:?}");
    assert_eq!(committed.len(), 1);

    // The zombie's first records are in the log (aborted), its late ones never got there;
    // the reader sees only the successor's.
    let payments = leader(&report, "payments-0");
    assert_eq!(first_offset_of(&payments, "zombie-"), 0);
    let late = payments["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["value"].as_str().is_some_and(|v| v.starts_with("zombie-late")))
        .count();
    assert_eq!(late, 0, "a fenced send is not appended");
    let read = values_at(&payments, &consumed_offsets(&report, client_id(&report, "reader"), "payments", 0));
    assert_eq!(read, names("successor", 0..3));
}

#[test]
fn read_committed_gets_exactly_the_committed_transactions_through_crashes() {
    let report = run("transaction-survives-crashes");
    // The crashed brokers were what the scenario says: 1 led transfers-0 at 8102 ms, 2
    // led the coordinator's __transaction_state partition at 26500 ms.
    let coordinator_partition = partition_for("transfers-tx", 50);
    assert_eq!(coordinator_partition, 33);
    let leader_at = |topic: &str, partition: i32, at_ms: i64| {
        let elected = events(&report, "LeaderElected");
        let last = elected
            .into_iter()
            .rev()
            .find(|(t, e)| *t <= at_ms && e["tp"]["topic"] == topic && e["tp"]["partition"] == partition);
        last.unwrap_or_else(|| panic!("a leader of {topic}-{partition} by {at_ms}")).1["leader"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(leader_at("transfers", 0, 8102), 1, "the output partition's leader crashes");
    assert_eq!(leader_at("__transaction_state", coordinator_partition, 26500), 2, "the coordinator crashes");
    assert_ne!(leader_at("__transaction_state", coordinator_partition, 70000), 2, "and moves");

    // Four commits (1, 2, 4, 6), one abort (3); the restarted producer's InitProducerId
    // aborts transaction 5 and bumps the epoch.
    let p1 = client_id(&report, "p1");
    let ended = |kind: &str| events(&report, kind).into_iter().filter(|(_, e)| e["client_id"] == p1).count();
    assert_eq!((ended("TransactionCommitted"), ended("TransactionAborted")), (4, 1));
    let inits = events(&report, "TransactionsInitialized");
    assert!(
        inits.last().unwrap().1["producer_epoch"].as_i64().unwrap()
            > inits[0].1["producer_epoch"].as_i64().unwrap()
    );

    let transfers = leader(&report, "transfers-0");
    let reader = client_id(&report, "reader");
    let read = values_at(&transfers, &consumed_offsets(&report, reader, "transfers", 0));
    let expected =
        [names("txn1", 0..5), names("txn2", 5..10), names("txn4", 15..20), names("txn6", 0..5)].concat();
    assert_eq!(read, expected, "exactly the committed transactions, each once, in order");
    // The aborted ones are in the log all the same.
    assert_eq!(first_offset_of(&transfers, "txn3-"), 12);
    assert_eq!(first_offset_of(&transfers, "txn5-"), 24);
    assert_eq!(transfers["high_watermark"], 36);
    assert_eq!(last_stable_offset(&transfers), 36);
}

/// Each scenario holds every invariant under other seeds too and replays from its
/// journal to the same final state and events.
#[test]
fn the_transaction_scenarios_replay_byte_for_byte_and_hold_under_other_seeds() {
    for name in SCENARIOS {
        for seed in [2, 7] {
            let (s, sim) = scenario_run::run(name, seed);
            scenario_run::assert_replays(&s, &sim, &format!("{name} seed {seed}"));
        }
    }
}

/// The fuzzer's transactional schedules do run transactions under their faults: commits,
/// aborts and read_committed deliveries, with every invariant holding.
#[test]
fn the_transactional_fuzz_schedules_commit_abort_and_deliver() {
    use kafka_playground::engine::cluster::ClusterEvent;
    use kafka_playground::sim::cluster_world::build_sim;
    use kafka_playground::sim::fuzz::{fuzz_txn_scenario, FUZZ_TXN_UNTIL_MS};
    let (mut commits, mut aborts, mut delivered) = (0, 0, 0);
    for seed in 0..3 {
        let s = fuzz_txn_scenario(seed);
        let mut sim = build_sim(&s, seed).unwrap();
        sim.run_until(FUZZ_TXN_UNTIL_MS, 5_000_000);
        assert!(sim.violations().is_empty(), "seed {seed}: {:?}", sim.violations());
        for (_, _, e) in sim.timeline().iter() {
            match e {
                ClusterEvent::TransactionCommitted { .. } => commits += 1,
                ClusterEvent::TransactionAborted { .. } => aborts += 1,
                ClusterEvent::RecordsConsumed { first_offset, last_offset, .. } => {
                    delivered += last_offset - first_offset + 1
                }
                _ => {}
            }
        }
    }
    assert!(
        commits >= 10 && aborts >= 3 && delivered >= 20,
        "{commits} commits, {aborts} aborts, {delivered} delivered"
    );
}
