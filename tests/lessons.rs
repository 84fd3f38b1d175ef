//! Every lesson of `lessons/` parses, fits its scenario, and can be walked to its end: in
//! the simulation, each step's acts run when it begins, and each task is done as a learner
//! would do it (crash the leader the task names, restart, wait) and must then complete by
//! what the run shows — a task that could never complete fails here. Broken lessons are
//! refused with the field named.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::cluster::command::{Command, CreateTopicCommand};
use kafka_playground::engine::cluster::messages::TopicPartition;
use kafka_playground::engine::cluster::{NodeId, CONTROLLER_ID};
use kafka_playground::sim::cluster_world::{build_sim, step_actions};
use kafka_playground::sim::lesson::watch::{feed_steps, in_time_order, Observed, TaskWatch};
use kafka_playground::sim::lesson::{DoneWhen, Lesson, NodeWhen, LECTURE_SECTIONS};
use kafka_playground::sim::scenario::{NodeRef, Scenario};
use kafka_playground::sim::{Action, Sim};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn lessons() -> Vec<(String, Lesson)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root().join("lessons")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            let lesson = Lesson::parse(&std::fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("lessons/{stem}.json: {e}"));
            assert_eq!(lesson.name, stem, "a lesson's name is its file's");
            out.push((stem, lesson));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn scenario(name: &str) -> Scenario {
    let text = std::fs::read_to_string(root().join("scenarios").join(format!("{name}.json"))).unwrap();
    Scenario::parse(&text).unwrap()
}

fn leader_of(sim: &Sim, tp: &TopicPartition) -> Option<NodeId> {
    sim.node_ids().into_iter().find(|id| {
        sim.live_node(*id)
            .and_then(|n| n.view().broker())
            .and_then(|b| b.replica_state(&tp.topic, tp.partition))
            .is_some_and(|v| v.is_leader)
    })
}

/// What a learner does for a task that asks for an action (nothing for one that waits).
fn learner_does(sim: &mut Sim, s: &Scenario, done_when: &DoneWhen) {
    let now = sim.now_ms;
    let node = |n: &NodeWhen| match (n.broker, &n.client) {
        (Some(b), _) => Some(b),
        (None, Some(c)) => Some(s.node_id(&NodeRef::Named(c.clone())).unwrap()),
        _ => None,
    };
    match done_when {
        DoneWhen::Crashed(n) => match (&n.leader_of, node(n)) {
            (Some(tp), _) => sim.schedule(now, Action::CrashLeaderOf(tp.topic.clone(), tp.partition)),
            (None, Some(id)) => sim.schedule(now, Action::Crash(id)),
            (None, None) => sim.schedule(now, Action::Crash(1)),
        },
        DoneWhen::Restarted(n) => match node(n) {
            Some(id) => sim.schedule(now, Action::Restart(id)),
            None => sim.schedule(now, Action::RestartCrashed),
        },
        DoneWhen::TopicCreated(t) => {
            let command = Command::CreateTopic(CreateTopicCommand {
                configs: Default::default(),
                name: t.name.clone().unwrap_or_else(|| "lesson-topic".into()),
                partitions: 3,
                replica_assignment: None,
                replication_factor: 1,
            });
            sim.schedule(now, Action::Command(CONTROLLER_ID, command));
        }
        _ => {}
    }
}

/// Runs the simulation until the watch is done, feeding it what the run shows, for at
/// most `budget_ms` of virtual time; false if it never completed.
fn run_until_done(sim: &mut Sim, watch: &mut TaskWatch, budget_ms: i64, seen: &mut (usize, usize)) -> bool {
    let mut current = Some(watch.clone());
    let done = run_steps(sim, &mut current, &mut None, budget_ms, 0, seen, |_| None);
    *watch = current.unwrap();
    done
}

/// The page's way of watching (`src/web/cluster_driver/lesson.rs`): the run goes on in
/// batches of `batch_ms` of virtual time (a frame), each batch fed in time order to the
/// step's watch and to the next step's (armed by `arm_next` when the task completes),
/// until the task is done or `budget_ms` has passed; false if it never completed.
fn run_steps(
    sim: &mut Sim,
    current: &mut Option<TaskWatch>,
    next: &mut Option<TaskWatch>,
    budget_ms: i64,
    batch_ms: i64,
    seen: &mut (usize, usize),
    arm_next: impl Fn(&Sim) -> Option<TaskWatch>,
) -> bool {
    let end = sim.now_ms + budget_ms;
    loop {
        let observed =
            in_time_order(sim.timeline().iter_from(seen.0), sim.journal_parts().1.iter_from(seen.1));
        feed_steps(current, next, observed, || arm_next(sim));
        *seen = (sim.timeline().len(), sim.journal_len());
        if current.as_ref().is_none_or(TaskWatch::done) {
            return true;
        }
        match sim.next_event_ms() {
            Some(at) if at <= end => {
                let until = (at + batch_ms).min(end);
                sim.run_until(until, 10_000_000);
            }
            _ => return false,
        }
    }
}

fn watch_for(sim: &Sim, s: &Scenario, lesson: &Lesson, step: usize) -> Option<TaskWatch> {
    let task = lesson.steps.get(step)?.task.as_ref()?;
    let leader = TaskWatch::leader_needed(&task.done_when).and_then(|tp| leader_of(sim, &tp));
    Some(TaskWatch::new(s, &task.done_when, leader).unwrap())
}

/// Walks `lesson` to its end as the page does: each step's acts run when it is shown,
/// the learner does what the task asks at once, the run goes on in frames of `batch_ms`,
/// and the learner reads for `reading_ms` after each step before going on (the next
/// step's watch armed meanwhile, as the page arms it).
fn walk(name: &str, lesson: &Lesson, batch_ms: i64, reading_ms: i64) {
    let mut s = scenario(&lesson.scenario);
    lesson.validate_against(&s).unwrap_or_else(|e| panic!("lessons/{name}.json: {e}"));
    // A lesson runs the scenario's cluster, topics and clients, not its timed steps.
    s.steps.clear();
    let mut sim = build_sim(&s, 1).unwrap();
    let mut seen = (sim.timeline().len(), sim.journal_len());
    let mut next: Option<TaskWatch> = None;
    for (i, step) in lesson.steps.iter().enumerate() {
        // The task watches from before the step's acts and the learner's action, or from
        // when the step before it was done (armed then).
        let mut current = next.take().or_else(|| watch_for(&sim, &s, lesson, i));
        let now = sim.now_ms;
        for (at_ms, action) in step_actions(&s, &format!("steps[{i}].act"), &step.act).unwrap() {
            sim.schedule(now + at_ms, action);
        }
        if current.is_none() {
            next = watch_for(&sim, &s, lesson, i + 1);
        }
        if let Some(task) = &step.task {
            learner_does(&mut sim, &s, &task.done_when);
            // A task waits for seconds of virtual time (a rebalance after a broker crash:
            // the crash resets its connections, so no request waits out its timeout), at
            // most for a crashed consumer's session.timeout.ms (45 s) and the rebalance.
            let arm = |sim: &Sim| watch_for(sim, &s, lesson, i + 1);
            if !run_steps(&mut sim, &mut current, &mut next, 120_000, batch_ms, &mut seen, arm) {
                let last: Vec<String> = sim
                    .timeline()
                    .iter()
                    .rev()
                    .filter(|(_, _, e)| !format!("{e:?}").starts_with("HighWatermark"))
                    .take(12)
                    .map(|(t, n, e)| format!("{t} {n} {e:?}"))
                    .collect();
                panic!(
                    "lessons/{name}.json steps[{i}] (frames of {batch_ms} ms, reading {reading_ms} ms): the task \"{}\" never completed (virtual {} ms); the last events, newest first:\n{}",
                    task.text.en,
                    sim.now_ms,
                    last.join("\n")
                );
            }
        }
        // The learner reads on (at least 3 s at a step without a task); what happens
        // meanwhile reaches the next step's watch, in one batch.
        let read_ms = if step.task.is_none() { reading_ms.max(3_000) } else { reading_ms };
        if read_ms > 0 {
            let until = sim.now_ms + read_ms;
            sim.run_until(until, 10_000_000);
            let observed =
                in_time_order(sim.timeline().iter_from(seen.0), sim.journal_parts().1.iter_from(seen.1));
            feed_steps(&mut None, &mut next, observed, || None);
            seen = (sim.timeline().len(), sim.journal_len());
        }
    }
    assert!(sim.violations().is_empty(), "lessons/{name}.json: {:?}", sim.violations());
}

#[test]
fn every_lesson_fits_its_scenario_and_walks_to_its_end() {
    let all = lessons();
    assert!(!all.is_empty());
    for (name, lesson) in all {
        assert!((1..=LECTURE_SECTIONS).contains(&lesson.section));
        walk(&name, &lesson, 0, 0);
    }
}

/// A learner who reads for a minute after each step, on a page whose frames each run 20 s
/// of virtual time (a busy tab at a high speed): a consequence of their action that
/// completes while they read (the rebalance after c1's restart, the election after the
/// leader's crash) still completes the next step's task (lesson s09's step 5 once waited
/// for a rebalance that had already happened).
#[test]
fn every_lesson_walks_to_its_end_for_a_slow_reader_on_a_busy_page() {
    for (name, lesson) in lessons() {
        walk(&name, &lesson, 20_000, 60_000);
    }
}

fn broken(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let text = std::fs::read_to_string(root().join("lessons/s05-replication-and-acks.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    edit(&mut v);
    let lesson = match Lesson::parse(&v.to_string()) {
        Ok(l) => l,
        Err(e) => return e.to_string(),
    };
    match lesson.validate_against(&scenario("acks-all-survives-leader-crash")) {
        Ok(()) => panic!("accepted: {v}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_broken_lesson_is_refused_naming_the_field() {
    use serde_json::json;
    type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;
    let cases: Vec<(Edit, &str)> = vec![
        (Box::new(|v| v["steps"][1]["text"]["ru"] = json!(" ")), "steps[1].text.ru: the text is empty"),
        (Box::new(|v| v["section"] = json!(12)), "section: 12: the lecture's sections are 1 to 11"),
        (Box::new(|v| v["steps"][0]["colour"] = json!("red")), "steps[0].colour: unknown field `colour`"),
        (
            Box::new(|v| v["steps"][0]["look"] = json!([{ "broker": 7 }])),
            "steps[0].look[0]: unknown broker id 7 (brokers are 1 to 3)",
        ),
        (
            Box::new(|v| v["steps"][1]["act"][0]["produce"]["client"] = json!("p9")),
            "steps[1].act[0].produce.client: no client named \"p9\"",
        ),
        (
            Box::new(|v| {
                v["steps"][2]["task"]["done_when"] =
                    json!({ "crashed": { "broker": 1, "client": "p1" } })
            }),
            "steps[2].task.done_when.crashed: give at most one of broker, leader_of or client (none: any broker)",
        ),
        (
            Box::new(|v| {
                v["steps"][2]["task"]["done_when"] =
                    json!({ "crashed": { "leader_of": { "topic": "orders", "partition": 3 } } })
            }),
            "steps[2].task.done_when.crashed.leader_of: orders-3 is not a partition of the scenario's topics",
        ),
        (
            Box::new(|v| v["steps"][1]["task"]["done_when"] = json!({ "consumed": { "client": "p1", "records": 1 } })),
            "steps[1].task.done_when.consumed.client: \"p1\" is a producer, not a consumer",
        ),
        (
            Box::new(|v| {
                v["steps"][2]["task"]["done_when"] =
                    json!({ "segments_deleted": { "topic": "orders", "partition": 3 } })
            }),
            "steps[2].task.done_when.segments_deleted: orders-3 is not a partition of the scenario's topics",
        ),
        (Box::new(|v| v["scenario"] = json!("lecture-notebook")), "scenario: \"lecture-notebook\" was asked for"),
        (Box::new(|v| v["steps"] = json!([])), "steps: 0 steps: a lesson has 1 to 40"),
    ];
    for (edit, want) in cases {
        let got = broken(edit);
        assert!(got.starts_with(want), "got {got:?}, want {want:?}");
    }
}

/// `segments_deleted` completes when retention deletes a replica's segments, and not
/// before: Kafka deletes a segment by `retention.ms` only once its newest record is older
/// than that (the scenario's first records are sent at 3 s, `retention.ms` is 10 s), and a
/// topic with Kafka's default retention (7 days) deletes nothing in a minute.
#[test]
fn segments_deleted_waits_for_retention_to_delete_a_segment() {
    use kafka_playground::engine::cluster::ClusterEvent;
    use kafka_playground::engine::log::SegmentDeletionReason;
    use kafka_playground::sim::scenario::TopicPartitionRef;
    let done_when =
        |topic: &str| DoneWhen::SegmentsDeleted(TopicPartitionRef { topic: topic.into(), partition: 0 });
    let run = |name: &str, topic: &str| {
        let s = scenario(name);
        let mut sim = build_sim(&s, 1).unwrap();
        let mut watch = TaskWatch::new(&s, &done_when(topic), None).unwrap();
        let done = run_until_done(&mut sim, &mut watch, 60_000, &mut (0, 0));
        (done, sim.now_ms)
    };
    let (done, at_ms) = run("retention-on-every-replica", "events");
    assert!(done, "retention deleted segments of events-0 within 60 s");
    assert!(at_ms >= 13_000, "no segment is older than retention.ms before 13 s (done at {at_ms} ms)");
    let (done, _) = run("acks-all-survives-leader-crash", "orders");
    assert!(!done, "Kafka's default retention.ms (7 days) deletes nothing in a minute");

    // Another partition's deletion, or one that deleted nothing, does not complete it.
    let s = scenario("consumer-group-three-members");
    let deleted = |partition: u32, base_offsets: Vec<i64>| ClusterEvent::SegmentsDeleted {
        broker_id: 1,
        tp: TopicPartition::new("orders", partition),
        base_offsets,
        end_offset: 10,
        reason: SegmentDeletionReason::RetentionMsBreach,
        log_start_offset: 10,
    };
    let mut watch = TaskWatch::new(&s, &done_when("orders"), None).unwrap();
    watch.observe(Observed::Event(&deleted(1, vec![0])));
    watch.observe(Observed::Event(&deleted(0, vec![])));
    assert!(!watch.done());
    watch.observe(Observed::Event(&deleted(0, vec![0, 5])));
    assert!(watch.done());
}
