//! The simulation driver with a toy world (nodes that ping each other on a timer and
//! persist a counter): the same seed gives the same journal, a replay of the journal gives
//! the same state, crashes lose memory but not the store, pauses hold inputs, partitions
//! cut links, losses follow the seed.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::cluster::{
    ClusterEvent, Envelope, Input, Message, Node, NodeId, NodeState, Output, TimerKey, TimerKind,
};
use kafka_playground::engine::store::StoreOp;
use kafka_playground::sim::*;
use kafka_playground::storage::memory::MemoryStore;

/// Every 100 ms pings every peer; counts pongs it gets; persists the count.
struct Pinger {
    id: NodeId,
    peers: Vec<NodeId>,
    received: u64,
    restarts: u64,
    out: Vec<Output>,
}

const TICK: TimerKey = TimerKey::single(TimerKind::Tick);

impl Node for Pinger {
    fn node_id(&self) -> NodeId {
        self.id
    }
    fn handle(&mut self, now_ms: i64, input: Input) {
        match input {
            Input::Command(_) | Input::Timer(_) => {
                for p in &self.peers {
                    let message = Message::MetadataRequest { correlation_id: self.received, topics: vec![] };
                    self.out.push(Output::Send(Envelope { from: self.id, to: *p, message }));
                }
                self.out.push(Output::SetTimer { key: TICK, at_ms: now_ms + 100 });
            }
            Input::Deliver(_) => {
                self.received += 1;
                self.out.push(Output::Persist(StoreOp::PutMeta {
                    broker_id: self.id,
                    name: "received".into(),
                    value: self.received.to_string(),
                }));
                if self.received.is_multiple_of(10) {
                    self.out.push(Output::Event(ClusterEvent::BrokerUnfenced { broker_id: self.id }));
                }
            }
        }
    }
    fn poll_output(&mut self) -> Option<Output> {
        if self.out.is_empty() {
            None
        } else {
            Some(self.out.remove(0))
        }
    }
    fn state(&self) -> NodeState<'_> {
        NodeState::Tree(serde_json::json!({ "received": self.received, "restarts": self.restarts }))
    }
}

struct Pingers(Vec<NodeId>);

impl World for Pingers {
    fn build(&self, id: NodeId, store: &MemoryStore, _now_ms: i64, restart: bool) -> Box<dyn Node> {
        let received = if restart {
            store
                .meta_of(id)
                .iter()
                .find(|(n, _)| n == "received")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0)
        } else {
            0
        };
        let peers = self.0.iter().copied().filter(|p| *p != id).collect();
        Box::new(Pinger { id, peers, received, restarts: u64::from(restart), out: Vec::new() })
    }
}

fn sim(seed: u64, loss: f64) -> Sim {
    let network = Network::new(LinkConfig { latency_ms: 10, jitter_ms: 4, loss });
    let mut s = Sim::new(seed, network, Box::new(Pingers(vec![1, 2, 3])), serde_json::json!({"toy": true}));
    for id in [1, 2, 3] {
        s.schedule(0, Action::Start(id));
    }
    s
}

fn received(s: &Sim, id: NodeId) -> u64 {
    s.node(id).map_or(0, |n| n.state_json()["received"].as_u64().unwrap())
}

#[test]
fn same_seed_same_journal_and_replay_rebuilds_the_state() {
    let mut a = sim(42, 0.1);
    a.schedule(3_000, Action::Crash(2));
    a.schedule(5_000, Action::Restart(2));
    a.run_until(10_000, 1_000_000);
    let mut b = sim(42, 0.1);
    b.schedule(3_000, Action::Crash(2));
    b.schedule(5_000, Action::Restart(2));
    b.run_until(10_000, 1_000_000);
    assert_eq!(a.journal(), b.journal());
    assert!(a.stats.lost > 0, "10% loss loses some messages");
    let (state, events) = replay(&a.journal(), &Pingers(vec![1, 2, 3]));
    assert_eq!(serde_json::to_string(&state).unwrap(), serde_json::to_string(&a.final_state()).unwrap());
    assert_eq!(events, a.timeline().to_vec());
    let c = {
        let mut c = sim(43, 0.1);
        c.run_until(10_000, 1_000_000);
        c
    };
    assert_ne!(c.journal(), a.journal(), "another seed, another run");
}

#[test]
fn a_crash_loses_memory_not_the_store() {
    let mut s = sim(1, 0.0);
    s.run_until(1_000, 1_000_000);
    let before = received(&s, 2);
    assert!(before > 0);
    s.schedule(1_000, Action::Crash(2));
    s.run_until(2_000, 1_000_000);
    assert_eq!(s.status(2), Some(Status::Crashed));
    assert!(s.node(2).is_none());
    s.schedule(2_000, Action::Restart(2));
    s.run_until(2_001, 1_000_000);
    assert_eq!(received(&s, 2), before, "recovered the persisted count, nothing more");
    assert_eq!(s.node(2).unwrap().state_json()["restarts"], 1);
}

/// (time, receiver) of every closed connection reported "from" `dead`.
fn resets_from(s: &Sim, dead: NodeId) -> Vec<(i64, NodeId)> {
    s.journal()
        .entries
        .iter()
        .filter_map(|e| match e {
            JournalEntry::Deliver { at_ms, node, input: Input::Deliver(env) }
                if env.from == dead && env.message == Message::ConnectionClosed =>
            {
                Some((*at_ms, *node))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_message_to_a_crashed_node_comes_back_as_a_closed_connection_unless_the_link_is_cut() {
    let mut s = sim(3, 0.0);
    s.schedule(1_000, Action::Partition([1].into(), [3].into()));
    s.schedule(1_000, Action::Crash(3));
    s.run_until(1_500, 1_000_000);
    let resets = resets_from(&s, 3);
    assert!(resets.len() > 1, "node 2's connection is reset, then its pings to 3 are refused");
    assert!(resets.iter().all(|(_, to)| *to == 2), "the cut link to 1 carries no reset: {resets:?}");
    // The crash resets the connection at once (one link latency, 10 ± 4 ms); a later ping
    // leaves on a tick (every 100 ms) and its reset takes a link's latency back: 2 × (10 ± 4)
    // ms after the tick at the earliest.
    assert!((1_006..=1_014).contains(&resets[0].0), "{resets:?}");
    assert!(resets[1..].iter().all(|(at, _)| (at % 100) >= 12), "{resets:?}");
    // A reset is journaled like any input, so a replay rebuilds the same state.
    let (state, _) = replay(&s.journal(), &Pingers(vec![1, 2, 3]));
    assert_eq!(serde_json::to_string(&state).unwrap(), serde_json::to_string(&s.final_state()).unwrap());
    // Nobody is told about a node that is only paused: its connections stay open.
    let mut p = sim(3, 0.0);
    p.schedule(1_000, Action::Pause(3));
    p.run_until(1_500, 1_000_000);
    assert!(resets_from(&p, 3).is_empty());
}

/// Kafka's `NetworkClient` fails a request in flight when its connection drops: a crashed
/// process's kernel resets every connection it had, so each peer hears of it at once.
#[test]
fn a_crash_resets_every_connection_of_the_dead_process_at_once() {
    let mut s = sim(4, 0.0);
    s.schedule(1_000, Action::Crash(3));
    s.run_until(1_015, 1_000_000);
    let resets = resets_from(&s, 3);
    let peers: std::collections::BTreeSet<NodeId> = resets.iter().map(|(_, to)| *to).collect();
    assert_eq!(peers, [1, 2].into(), "{resets:?}");
}

#[test]
fn pause_holds_inputs_and_partitions_cut_links() {
    let mut s = sim(5, 0.0);
    s.schedule(500, Action::Pause(3));
    s.run_until(1_500, 1_000_000);
    let paused_at = received(&s, 3);
    s.run_until(2_500, 1_000_000);
    assert_eq!(received(&s, 3), paused_at, "a paused node handles nothing");
    s.schedule(2_500, Action::Resume(3));
    s.run_until(2_501, 1_000_000);
    assert!(received(&s, 3) > paused_at, "held inputs arrive on resume");
    s.schedule(3_000, Action::Partition([1].into(), [2, 3].into()));
    s.run_until(3_050, 1_000_000);
    let (one, two) = (received(&s, 1), received(&s, 2));
    s.run_until(4_000, 1_000_000);
    assert_eq!(received(&s, 1), one, "node 1 is cut off");
    assert!(received(&s, 2) > two, "2 and 3 still talk");
    assert!(s.stats.cut > 0);
    s.schedule(4_000, Action::Heal);
    s.run_until(5_000, 1_000_000);
    assert!(received(&s, 1) > one);
}

#[test]
fn invariants_run_after_every_step_and_report_violations() {
    struct AtMost(u64);
    impl Invariant for AtMost {
        fn name(&self) -> &'static str {
            "received stays small"
        }
        fn check(&mut self, sim: &Sim) -> Result<(), String> {
            let r = received(sim, 1);
            if r > self.0 {
                Err(format!("node 1 received {r}"))
            } else {
                Ok(())
            }
        }
    }
    let mut s = sim(9, 0.0);
    s.add_invariant(Box::new(AtMost(5)));
    s.run_until(2_000, 1_000_000);
    assert!(!s.violations().is_empty());
    assert_eq!(s.violations()[0].invariant, "received stays small");
}

/// What was done to the run is logged as its causes, at the moment each takes effect and
/// only when it does (a pause of a crashed node is nothing), apart from the timeline, so
/// the replay of the journal still rebuilds the timeline exactly.
#[test]
fn causes_are_logged_when_they_take_effect_and_stay_out_of_the_timeline() {
    use kafka_playground::engine::cluster::events::Cause;
    let mut s = sim(6, 0.0);
    s.schedule(100, Action::Crash(3));
    s.schedule(150, Action::Pause(3));
    s.schedule(200, Action::Partition([1].into(), [2].into()));
    s.schedule(300, Action::Heal);
    s.schedule(400, Action::Pause(2));
    s.schedule(500, Action::Resume(2));
    s.schedule(600, Action::Restart(3));
    s.run_until(1_000, 1_000_000);
    let causes: Vec<(i64, Cause)> = s.causes().iter().cloned().collect();
    assert_eq!(
        causes,
        vec![
            (100, Cause::Crashed { node: 3 }),
            (200, Cause::Partitioned { a: vec![1], b: vec![2] }),
            (300, Cause::Healed),
            (400, Cause::Paused { node: 2 }),
            (500, Cause::Resumed { node: 2 }),
            (600, Cause::Restarted { node: 3 }),
        ]
    );
    let (_, events) = replay(&s.journal(), &Pingers(vec![1, 2, 3]));
    assert_eq!(events, s.timeline().to_vec());
}
