//! The timeline's promise (`sim::timeline`): a run's log of page commands, each with the
//! place it took effect, makes the run again from scenario and seed alone, byte for byte.
//! The "tab" here is the page's protocol without workers (lockstep with in-thread
//! runners, commands given between windows at times no scenario would pick); the
//! replays are the two the page uses: in one thread to a moment (the scrub) and in
//! lockstep stopping at each command's place (a fork, a branch switch, a share link).

use kafka_playground::engine::cluster::NodeId;
use kafka_playground::sim::cluster_world::{build_sim, ClusterWorld};
use kafka_playground::sim::lesson::Lesson;
use kafka_playground::sim::lockstep::Window;
use kafka_playground::sim::picture::command::ClusterCommand;
use kafka_playground::sim::runner::{leader_among, NodeRunner};
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::timeline::apply::{schedule, schedule_lesson_step};
use kafka_playground::sim::timeline::replay::Replay;
use kafka_playground::sim::timeline::{acts_on_run, link, Logged, Position};
use kafka_playground::sim::{JournalEntry, Sim};
use std::collections::BTreeMap;

struct Tab {
    scenario: Scenario,
    lesson: Option<Lesson>,
    sim: Sim,
    world: Box<dyn kafka_playground::sim::World>,
    runners: BTreeMap<NodeId, NodeRunner>,
    log: Vec<Logged>,
}

impl Tab {
    fn new(scenario: &Scenario, lesson: Option<&Lesson>) -> Tab {
        let mut sim = build_sim(scenario, 1).unwrap();
        sim.set_remote(1..=scenario.cluster.broker_slots());
        if let Some(l) = lesson {
            schedule_lesson_step(&mut sim, scenario, l, 0).unwrap();
        }
        let world = Box::new(ClusterWorld::new(scenario, 1).unwrap().broker_world());
        Tab {
            scenario: scenario.clone(),
            lesson: lesson.cloned(),
            sim,
            world,
            runners: BTreeMap::new(),
            log: Vec::new(),
        }
    }

    /// Runs windows up to `until_ms`, never past `before` (the driver's loop).
    fn run(&mut self, until_ms: i64, before: (i64, u64)) {
        loop {
            match self.sim.plan_window_before(until_ms.saturating_add(1), before) {
                Window::Idle => break,
                Window::NeedLeader { topic, partition } => {
                    self.sim.resolve_leader_crash(leader_among(&self.runners, &topic, partition))
                }
                Window::Run(plan) => {
                    for (id, window) in &plan.nodes {
                        let runner = self
                            .runners
                            .entry(*id)
                            .or_insert_with(|| NodeRunner::new(*id, Default::default()));
                        let run = runner.run_window(self.world.as_ref(), window.clone());
                        self.sim.install_trace(*id, run.trace);
                    }
                    self.sim.run_window(&plan);
                    for id in &plan.crashes {
                        if let Some(r) = self.runners.get_mut(id) {
                            r.crash();
                        }
                    }
                }
            }
        }
        if before == (i64::MAX, u64::MAX) {
            self.sim.advance_to(until_ms);
        }
    }

    /// Gives a command now, logging where (the driver's `apply_command`).
    fn give(&mut self, c: ClusterCommand) {
        assert!(acts_on_run(&c));
        self.log.push(Logged { at: Position::of(&self.sim), command: c.clone() });
        match c {
            ClusterCommand::LessonStep(step) => {
                schedule_lesson_step(&mut self.sim, &self.scenario, self.lesson.as_ref().unwrap(), step)
                    .unwrap()
            }
            c => schedule(&mut self.sim, &self.scenario, c),
        }
    }

    /// Replays `script` in lockstep, stopping at each command's place, then runs on to `until_ms`.
    fn replay(&mut self, script: &[Logged], until_ms: i64) {
        for l in script {
            self.run(l.at.at_ms, l.at.stop_key());
            assert!(
                l.at.reached_by(&self.sim).unwrap(),
                "the lockstep replay stops where {:?} was given",
                l.at
            );
            self.sim.advance_to(l.at.at_ms);
            self.give(l.command.clone());
        }
        self.run(until_ms, (i64::MAX, u64::MAX));
    }

    fn entries(&self) -> Vec<JournalEntry> {
        self.sim.journal().entries
    }
}

fn load(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn lesson() -> (Scenario, Lesson) {
    let lesson = Lesson::parse(&load("lessons/s05-replication-and-acks.json")).unwrap();
    let scenario = Scenario::parse(&load(&format!("scenarios/{}.json", lesson.scenario))).unwrap();
    (scenario, lesson)
}

/// A learner's session: lesson steps, a crash, a produce, a cut and its heal, a restart,
/// each given between windows at odd moments, some two at once.
fn session(tab: &mut Tab) {
    let produce = ClusterCommand::Produce {
        client: kafka_playground::engine::cluster::FIRST_CLIENT_ID,
        topic: "orders".into(),
        count: 5,
        key: Some("k-{i}".into()),
        value: "v-{i}".into(),
        partition: None,
        partitioner: None,
        headers: Vec::new(),
    };
    tab.run(1_337, (i64::MAX, u64::MAX));
    tab.give(ClusterCommand::LessonStep(1));
    tab.run(4_021, (i64::MAX, u64::MAX));
    tab.give(ClusterCommand::Crash(2));
    tab.give(produce.clone());
    tab.run(7_503, (i64::MAX, u64::MAX));
    tab.give(ClusterCommand::Cut(vec![1], vec![3]));
    tab.run(9_999, (i64::MAX, u64::MAX));
    tab.give(ClusterCommand::Heal);
    tab.give(ClusterCommand::LessonStep(4));
    tab.run(14_250, (i64::MAX, u64::MAX));
    tab.give(ClusterCommand::Restart(2));
    tab.give(produce);
    tab.run(30_000, (i64::MAX, u64::MAX));
}

#[test]
fn a_replay_in_one_thread_is_the_tabs_run_at_every_moment() {
    let (scenario, lesson) = lesson();
    let mut tab = Tab::new(&scenario, Some(&lesson));
    session(&mut tab);
    assert_eq!(tab.log.len(), 8);
    assert!(tab.sim.violations().is_empty(), "{:?}", tab.sim.violations());
    let whole = tab.entries();
    // Moments before, between and on the commands' own times.
    for to_ms in [0, 1_337, 4_021, 5_000, 9_999, 14_250, 30_000] {
        let mut replay = Replay::new(&scenario, 1, Some(&lesson), tab.log.clone()).unwrap();
        assert!(replay.run_to(to_ms, u64::MAX).unwrap());
        let prefix: Vec<JournalEntry> = whole.iter().filter(|e| at(e) <= to_ms).cloned().collect();
        assert_eq!(replay.sim().journal().entries, prefix, "the journal up to {to_ms} ms");
        assert_eq!(replay.now_ms(), to_ms);
    }
    // Run on in small budgets, from one moment to a later one: the same run.
    let mut replay = Replay::new(&scenario, 1, Some(&lesson), tab.log.clone()).unwrap();
    assert!(replay.run_to(8_000, u64::MAX).unwrap());
    while !replay.run_to(30_000, 97).unwrap() {}
    assert_eq!(replay.sim().journal().entries, whole);
    // The journal is the run (a replay of it rebuilds every node); the counters agree too.
    assert_eq!(replay.sim().stats, tab.sim.stats);
    assert!(replay.sim().violations().is_empty());
}

#[test]
fn a_lockstep_replay_stops_at_each_commands_place_and_a_link_carries_the_log() {
    let (scenario, lesson) = lesson();
    let mut tab = Tab::new(&scenario, Some(&lesson));
    session(&mut tab);
    let shared = link::decode(&link::encode(30_000, &tab.log).unwrap()).unwrap();
    assert_eq!(shared.log, tab.log);
    let mut again = Tab::new(&scenario, Some(&lesson));
    again.replay(&shared.log, shared.at_ms);
    assert_eq!(again.log, tab.log, "the replay logs every command again, where it was given");
    assert_eq!(again.entries(), tab.entries());
    // A fork at 9,999 ms keeps the commands up to then and goes on differently.
    let script: Vec<Logged> = tab.log.iter().filter(|l| l.at.at_ms <= 9_999).cloned().collect();
    let mut fork = Tab::new(&scenario, Some(&lesson));
    fork.replay(&script, 9_999);
    let before: Vec<JournalEntry> = tab.entries().into_iter().filter(|e| at(e) <= 9_999).collect();
    assert_eq!(fork.entries(), before);
    fork.give(ClusterCommand::Crash(1));
    fork.run(20_000, (i64::MAX, u64::MAX));
    assert_ne!(fork.entries().len(), tab.entries().iter().filter(|e| at(e) <= 20_000).count());
}

#[test]
fn a_log_that_does_not_fit_the_run_is_named_as_diverged() {
    let (scenario, lesson) = lesson();
    let mut tab = Tab::new(&scenario, Some(&lesson));
    session(&mut tab);
    let mut log = tab.log.clone();
    log[2].at.steps += 1;
    let mut replay = Replay::new(&scenario, 1, Some(&lesson), log).unwrap();
    let e = replay.run_to(30_000, u64::MAX).unwrap_err();
    assert!(e.contains("diverged") && e.contains(&format!("t = {} ms", tab.log[2].at.at_ms)), "{e}");
    // A lesson's step in the log of a run without the lesson.
    let mut replay = Replay::new(&scenario, 1, None, tab.log.clone()).unwrap();
    let e = replay.run_to(30_000, u64::MAX).unwrap_err();
    assert!(e.contains("follows no lesson"), "{e}");
}

#[test]
fn a_ten_minute_session_fits_an_eight_kilobyte_link() {
    // A busy learner: a command every 3 s for 10 minutes (200 commands).
    let (scenario, lesson) = lesson();
    let mut tab = Tab::new(&scenario, Some(&lesson));
    let commands = [
        ClusterCommand::Crash(3),
        ClusterCommand::Restart(3),
        ClusterCommand::Cut(vec![1], vec![2]),
        ClusterCommand::Heal,
    ];
    for k in 0..200usize {
        tab.run(3_000 * k as i64 + 17 * (k as i64 % 7), (i64::MAX, u64::MAX));
        tab.give(commands[k % commands.len()].clone());
    }
    tab.run(600_000, (i64::MAX, u64::MAX));
    let text = link::encode(600_000, &tab.log).unwrap();
    assert!(text.len() <= 8 * 1024, "{} bytes", text.len());
}

fn at(e: &JournalEntry) -> i64 {
    match e {
        JournalEntry::Start { at_ms, .. }
        | JournalEntry::Deliver { at_ms, .. }
        | JournalEntry::Crash { at_ms, .. }
        | JournalEntry::Restart { at_ms, .. } => *at_ms,
    }
}
