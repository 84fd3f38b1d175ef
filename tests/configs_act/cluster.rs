//! Topic, broker (replica manager and group coordinator) and controller configs, each
//! changed from its default, act as Kafka documents.

use super::harness::*;
use kafka_playground::engine::cluster::{ClusterEvent, Envelope, Input, Message, Node};
use kafka_playground::engine::controller::{ControllerConfig, ControllerNode};
use kafka_playground::engine::error::ErrorCode;
use serde_json::{json, Value};

fn topic(name: &str, value: &str) -> Value {
    set(base(), &["topics", "0"], name, value)
}

fn cluster(s: Value, name: &str, value: &str) -> Value {
    set(s, &["cluster"], name, value)
}

/// Broker 1 leads t-0, followed by 2 and 3.
fn led_by_1(s: Value) -> Value {
    let mut s = s;
    s["topics"][0]["replica_assignment"] = json!([[1, 2, 3]]);
    s
}

/// Segments of `dir` (e.g. `t-0`) in broker 1's store.
fn segments(r: &Run, dir: &str) -> usize {
    segments_on(r, 1, dir)
}

fn segments_on(r: &Run, broker: u32, dir: &str) -> usize {
    let stores = r.sim.final_state()["stores"][broker.to_string()]["segments"].clone();
    let all = stores.as_array().cloned().unwrap_or_default();
    all.iter().filter(|s| s["segment"].as_str().unwrap().starts_with(&format!("{dir}/"))).count()
}

/// Three produce steps of 10 records, 3 s apart (three batches).
fn three_batches(s: Value) -> Value {
    let mut s = s;
    step(&mut s, json!({ "at_ms": 8000, "produce": { "client": "p1", "topic": "t", "count": 10 } }));
    step(&mut s, json!({ "at_ms": 11000, "produce": { "client": "p1", "topic": "t", "count": 10 } }));
    s
}

fn acked(r: &Run) -> u32 {
    r.events()
        .iter()
        .map(|(_, _, e)| if let ClusterEvent::SendAcknowledged { records, .. } = e { *records } else { 0 })
        .sum()
}

#[test]
fn segment_bytes() {
    assert_eq!(segments(&run(&three_batches(led_by_1(base()))), "t-0"), 1);
    assert_eq!(segments(&run(&three_batches(led_by_1(topic("segment.bytes", "200")))), "t-0"), 3);
}

/// segment.jitter.ms: a segment rolls once it is older than segment.ms minus a jitter
/// drawn per segment in [0, min(segment.jitter.ms, segment.ms)) (`randomSegmentJitter`):
/// with a jitter as large as segment.ms, segments roll earlier, at ages that differ.
#[test]
fn segment_jitter_ms() {
    let mut s = led_by_1(topic("segment.ms", "10000"));
    s["until_ms"] = json!(50_000);
    for i in 0..40 {
        step(
            &mut s,
            json!({ "at_ms": 3000 + 1000 * i, "produce": { "client": "p1", "topic": "t", "count": 1 } }),
        );
    }
    let plain = segments(&run(&s), "t-0");
    assert!((3..=5).contains(&plain), "40 s of records in 10 s segments: {plain}");
    let jittered = segments(&run(&set(s, &["topics", "0"], "segment.jitter.ms", "10000")), "t-0");
    assert!(jittered > plain, "{jittered} segments with jitter, {plain} without");
}

/// segment.index.bytes: a segment whose index is full rolls (here one entry per batch).
#[test]
fn segment_index_bytes() {
    let s = led_by_1(three_batches(topic("index.interval.bytes", "0")));
    assert_eq!(segments(&run(&s), "t-0"), 1);
    assert!(segments(&run(&set(s, &["topics", "0"], "segment.index.bytes", "12")), "t-0") > 1);
}

/// max.message.bytes: a larger batch is refused with MESSAGE_TOO_LARGE.
#[test]
fn max_message_bytes() {
    let big = |mut s: Value| {
        s["steps"][0]["produce"]["value"] = json!("v".repeat(300));
        s["steps"][0]["produce"]["count"] = json!(1);
        s
    };
    assert_eq!(acked(&run(&big(base()))), 1);
    let r = run(&big(topic("max.message.bytes", "100")));
    assert_eq!(acked(&r), 0);
    assert!(r
        .first(|e| matches!(e, ClusterEvent::SendFailed { error: ErrorCode::MessageTooLarge, .. }))
        .is_some());
}

/// Follower 3 cut off from leader 1 at 3 s.
fn follower_cut(s: Value) -> Value {
    let mut s = led_by_1(s);
    step(&mut s, json!({ "at_ms": 3000, "partition": { "groups": [[3], [1]] } }));
    s
}

fn shrunk(r: &Run) -> Option<i64> {
    r.first(|e| matches!(e, ClusterEvent::IsrShrunk { .. }))
}

/// replica.lag.time.max.ms: a follower that has not caught up for this long leaves the ISR.
#[test]
fn replica_lag_time_max_ms() {
    assert_eq!(shrunk(&run(&follower_cut(base()))), None, "30 s have not passed");
    let at = shrunk(&run(&follower_cut(cluster(base(), "replica.lag.time.max.ms", "5000")))).unwrap();
    assert!((8000..12000).contains(&at), "shrunk at {at}");
}

/// Fetches a follower (broker 2) sends between 15 s and 30 s.
fn follower_fetches(r: &Run) -> usize {
    r.delivered(2, "Fetch").iter().filter(|(t, to)| *to == 1 && (15000..30000).contains(t)).count()
}

/// replica.fetch.wait.max.ms: how long a leader holds a follower's empty fetch.
#[test]
fn replica_fetch_wait_max_ms() {
    let default = follower_fetches(&run(&led_by_1(base())));
    let long = follower_fetches(&run(&led_by_1(cluster(base(), "replica.fetch.wait.max.ms", "2000"))));
    assert!((25..=31).contains(&default), "{default}");
    assert!((6..=8).contains(&long), "{long}");
}

/// replica.fetch.max.bytes: a follower catching up gets at most that much per fetch (at
/// least one batch), so the three batches it missed (acks=1) take three fetches.
#[test]
fn replica_fetch_max_bytes() {
    let catch_up = |s: Value| {
        let s = cluster(set(s, &["clients", "0"], "acks", "1"), "replica.socket.timeout.ms", "1000");
        let mut s = follower_cut(three_batches(s));
        step(&mut s, json!({ "at_ms": 14000, "heal": {} }));
        let r = run(&s);
        r.messages()
            .iter()
            .filter(|(t, from, to, m)| {
                *from == 1
                    && *to == 3
                    && *t >= 14000
                    && matches!(m, Message::FetchResponse { partitions, .. } if partitions.iter().any(|p| !p.records.as_slice().is_empty()))
            })
            .count()
    };
    assert_eq!(catch_up(base()), 1);
    assert_eq!(catch_up(cluster(base(), "replica.fetch.max.bytes", "1")), 3);
}

/// replica.fetch.backoff.ms: the pause after a failed fetch (here: the leader crashed).
#[test]
fn replica_fetch_backoff_ms() {
    // The fetch in flight when the leader dies is retried after replica.socket.timeout.ms;
    // each retry is refused at once (the host is up, the process is not).
    let refused = |s: Value| {
        let mut s = led_by_1(cluster(s, "replica.socket.timeout.ms", "1000"));
        step(&mut s, json!({ "at_ms": 5000, "crash": { "broker": 1 } }));
        let r = run(&s);
        r.messages()
            .iter()
            .filter(|(t, from, to, m)| {
                *from == 1 && *to == 2 && *t < 13_000 && matches!(m, Message::ConnectionClosed)
            })
            .count()
    };
    let default = refused(base());
    let quick = refused(cluster(base(), "replica.fetch.backoff.ms", "100"));
    assert!(quick > 3 * default, "{quick} refused fetches with 100 ms, {default} with 1 s");
}

/// replica.socket.timeout.ms: a follower's fetch unanswered by then is sent again.
#[test]
fn replica_socket_timeout_ms() {
    let queued = |s: Value| {
        let mut s = led_by_1(s);
        step(&mut s, json!({ "at_ms": 5000, "pause": { "node": 1 } }));
        step(&mut s, json!({ "at_ms": 12000, "resume": { "node": 1 } }));
        let r = run(&s);
        r.delivered(2, "Fetch").iter().filter(|(t, to)| *to == 1 && (12000..12003).contains(t)).count()
    };
    assert_eq!(queued(base()), 0);
    assert!(queued(cluster(base(), "replica.socket.timeout.ms", "1000")) >= 3);
}

/// broker.heartbeat.interval.ms: how often a broker heartbeats to the controller.
#[test]
fn broker_heartbeat_interval_ms() {
    let beats = |r: &Run| {
        r.delivered(1, "BrokerHeartbeat").iter().filter(|(t, _)| (10000..30000).contains(t)).count()
    };
    assert!((9..=11).contains(&beats(&run(&base()))));
    assert!(beats(&run(&cluster(base(), "broker.heartbeat.interval.ms", "500"))) >= 38);
}

/// controller.socket.timeout.ms: an AlterPartition the (paused) controller does not answer
/// is sent again after it.
#[test]
fn controller_socket_timeout_ms() {
    let sent = |s: Value| {
        let mut s = follower_cut(cluster(s, "replica.lag.time.max.ms", "2000"));
        step(&mut s, json!({ "at_ms": 3000, "pause": { "node": "controller" } }));
        step(&mut s, json!({ "at_ms": 12000, "resume": { "node": "controller" } }));
        run(&s).delivered(1, "AlterPartition").len()
    };
    let default = sent(base());
    let quick = sent(cluster(base(), "controller.socket.timeout.ms", "1000"));
    assert!(quick > default + 3, "{quick} AlterPartitions with 1 s, {default} with 30 s");
}

fn offsets_topic(r: &Run) -> (u32, u32) {
    r.events()
        .into_iter()
        .find_map(|(_, _, e)| match e {
            ClusterEvent::TopicCreated { topic, partitions, replication_factor }
                if topic == "__consumer_offsets" =>
            {
                Some((partitions, replication_factor))
            }
            _ => None,
        })
        .unwrap()
}

#[test]
fn offsets_topic_num_partitions() {
    assert_eq!(offsets_topic(&run(&with_consumer())).0, 50);
    assert_eq!(offsets_topic(&run(&cluster(with_consumer(), "offsets.topic.num.partitions", "5"))).0, 5);
}

#[test]
fn offsets_topic_replication_factor() {
    assert_eq!(offsets_topic(&run(&with_consumer())).1, 3);
    assert_eq!(offsets_topic(&run(&cluster(with_consumer(), "offsets.topic.replication.factor", "1"))).1, 1);
}

/// offsets.topic.segment.bytes: `__consumer_offsets`' segment.bytes, so commits roll it.
#[test]
fn offsets_topic_segment_bytes() {
    let most = |r: &Run| {
        let dirs = (0..5).map(|p| format!("__consumer_offsets-{p}"));
        dirs.map(|d| (1..=3).map(|b| segments_on(r, b, &d)).sum::<usize>()).max().unwrap()
    };
    let s = cluster(
        cluster(steady(with_consumer()), "offsets.topic.num.partitions", "5"),
        "offsets.topic.replication.factor",
        "1",
    );
    let s = set(s, &["clients", "1"], "auto.commit.interval.ms", "1000");
    assert!(most(&run(&s)) <= 1);
    assert!(most(&run(&cluster(s, "offsets.topic.segment.bytes", "600"))) > 2);
}

/// offsets.commit.timeout.ms: how long a commit waits for `__consumer_offsets` to
/// replicate; broker 1 is cut off at 12 s and leaves the ISR at ~22 s.
#[test]
fn offsets_commit_timeout_ms() {
    let failed = |s: Value| {
        // Topic t lives on broker 2 alone, so records keep coming and offsets keep moving.
        let mut s = cluster(steady(s), "replica.lag.time.max.ms", "10000");
        s["topics"][0]["replication_factor"] = json!(1);
        s["topics"][0]["replica_assignment"] = json!([[2]]);
        step(&mut s, json!({ "at_ms": 12000, "partition": { "groups": [[1], [2, 3]] } }));
        s["until_ms"] = json!(40000);
        let r = run(&s);
        r.count(|e| matches!(e, ClusterEvent::CommitCompleted { client_id: C1, error: Some(_), .. }))
    };
    assert!(failed(with_consumer()) > 0);
    assert_eq!(failed(cluster(with_consumer(), "offsets.commit.timeout.ms", "60000")), 0);
}

fn first_assigned(r: &Run) -> Option<i64> {
    r.first(|e| matches!(e, ClusterEvent::PartitionsAssigned { client_id: C1, .. }))
}

/// group.initial.rebalance.delay.ms: a new group's first rebalance waits this long.
#[test]
fn group_initial_rebalance_delay_ms() {
    let default = first_assigned(&run(&with_consumer())).unwrap();
    let quick =
        first_assigned(&run(&cluster(with_consumer(), "group.initial.rebalance.delay.ms", "0"))).unwrap();
    assert!(default - quick >= 2000, "{default} vs {quick}");
}

/// group.min.session.timeout.ms / group.max.session.timeout.ms: a member whose
/// session.timeout.ms (45 s) is outside them is refused (INVALID_SESSION_TIMEOUT).
#[test]
fn group_min_session_timeout_ms() {
    assert!(first_assigned(&run(&with_consumer())).is_some());
    assert_eq!(
        first_assigned(&run(&cluster(with_consumer(), "group.min.session.timeout.ms", "50000"))),
        None
    );
}

#[test]
fn group_max_session_timeout_ms() {
    assert_eq!(
        first_assigned(&run(&cluster(with_consumer(), "group.max.session.timeout.ms", "30000"))),
        None
    );
}

/// group.max.size: members beyond it are refused (GROUP_MAX_SIZE_REACHED).
#[test]
fn group_max_size() {
    let members = |s: Value| {
        let mut s = s;
        s["clients"].as_array_mut().unwrap().push(json!({
            "id": "c2", "type": "consumer", "configs": { "group.id": "g" }, "subscribe": ["t"]
        }));
        let r = run(&s);
        [C1, C2]
            .iter()
            .filter(|c| {
                r.first(
                    |e| matches!(e, ClusterEvent::PartitionsAssigned { client_id, .. } if client_id == *c),
                )
                .is_some()
            })
            .count()
    };
    assert_eq!(members(with_consumer()), 2);
    assert_eq!(members(cluster(with_consumer(), "group.max.size", "1")), 1);
}

/// broker.session.timeout.ms: a broker silent this long is fenced.
#[test]
fn broker_session_timeout_ms() {
    let fenced = |s: Value| {
        let mut s = s;
        step(&mut s, json!({ "at_ms": 5000, "crash": { "broker": 3 } }));
        run(&s).first(|e| matches!(e, ClusterEvent::BrokerFenced { broker_id: 3, .. })).unwrap()
    };
    assert!(fenced(base()) >= 5000 + 7000);
    assert!(fenced(cluster(base(), "broker.session.timeout.ms", "3000")) <= 5000 + 3100);
}

/// A controller with three registered, unfenced brokers.
fn controller(config: ControllerConfig) -> ControllerNode {
    let mut c = ControllerNode::new(config);
    for b in 1..=3 {
        let deliver = |message| Input::Deliver(Envelope { from: b, to: CONTROLLER, message });
        c.handle(0, deliver(Message::BrokerRegistration { broker_id: b, incarnation: u64::from(b) }));
        let (broker_epoch, metadata_offset) = (c.image().brokers[&b].broker_epoch, c.log_end_offset() - 1);
        c.handle(0, deliver(Message::BrokerHeartbeat { broker_id: b, broker_epoch, metadata_offset }));
    }
    while c.poll_output().is_some() {}
    c
}

/// What a CreateTopics asking for the defaults (-1) creates: (partitions, replication factor).
fn created_with_defaults(config: ControllerConfig) -> (u32, u32) {
    let mut c = controller(config);
    let message = Message::CreateTopicsRequest {
        correlation_id: 1,
        name: "d".into(),
        partitions: -1,
        replication_factor: -1,
        configs: Vec::new(),
    };
    c.handle(0, Input::Deliver(Envelope { from: 1, to: CONTROLLER, message }));
    let t = &c.image().topics["d"];
    (t.partitions.len() as u32, t.partitions[0].replicas.len() as u32)
}

/// num.partitions, default.replication.factor: what a CreateTopics asking for -1 gets.
#[test]
fn default_replication_factor_and_num_partitions() {
    assert_eq!(created_with_defaults(ControllerConfig::default()), (1, 1));
    let pairs = [("num.partitions", "4"), ("default.replication.factor", "2")];
    assert_eq!(created_with_defaults(ControllerConfig::from_pairs(pairs).unwrap()), (4, 2));
}

/// min.insync.replicas (cluster default): a topic without its own inherits it, so with
/// follower 3 out of the ISR, acks=all writes are refused (NOT_ENOUGH_REPLICAS). A second
/// producer (acks=1) writes at 4 s, so the cut-off follower falls behind and leaves.
#[test]
fn cluster_min_insync_replicas() {
    let mut s = follower_cut(cluster(base(), "replica.lag.time.max.ms", "1000"));
    s["clients"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "id": "p2", "type": "producer", "configs": { "acks": "1" } }));
    step(&mut s, json!({ "at_ms": 4000, "produce": { "client": "p2", "topic": "t", "count": 1 } }));
    s["steps"][0]["at_ms"] = json!(8000);
    let p1_acked = |r: &Run| r.count(|e| matches!(e, ClusterEvent::SendAcknowledged { client_id: P1, .. }));
    assert_eq!(p1_acked(&run(&s)), 1);
    let r = run(&cluster(s, "min.insync.replicas", "3"));
    assert_eq!(p1_acked(&r), 0);
    assert!(r
        .first(|e| matches!(e, ClusterEvent::SendRetried { error: ErrorCode::NotEnoughReplicas, .. }))
        .is_some());
}

/// unclean.leader.election.enable (cluster default): with it, an out-of-sync replica may
/// lead when no in-sync one is alive. The shipped demo sets it on its topic; here the
/// cluster sets it instead.
#[test]
fn cluster_unclean_leader_election_enable() {
    let path = format!("{}/scenarios/unclean-election-loses-data.json", env!("CARGO_MANIFEST_DIR"));
    let mut s: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    s["topics"][0]["configs"].as_object_mut().unwrap().remove("unclean.leader.election.enable");
    let unclean = |s: &Value| {
        run(s).first(|e| matches!(e, ClusterEvent::LeaderElected { unclean: true, .. })).is_some()
    };
    assert!(!unclean(&s));
    assert!(unclean(&cluster(s, "unclean.leader.election.enable", "true")));
}
