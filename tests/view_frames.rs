//! The views, log answers and lesson outlines the page reads in its binary codec
//! (`sim::picture::frame`: `serve`'s frames and the run worker's messages) come back
//! equal to what was sent. bincode reads fields by position, so a type that skips a
//! field when it serializes (`skip_serializing_if`) would read back wrong or fail: these
//! runs fill every part of the view (brokers, replicas, records, groups, transactions,
//! producers, events) and the log panel's answers, and every lesson's outline.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::log::ReadFrom;
use kafka_playground::sim::lesson::outline::LessonOutline;
use kafka_playground::sim::lesson::Lesson;
use kafka_playground::sim::picture::cluster::{Picture, RunInfo};
use kafka_playground::sim::picture::frame;
use kafka_playground::sim::picture::live::ServeMessage;
use kafka_playground::sim::picture::log_ask::{self, LogAsk};
use kafka_playground::sim::picture::view::ClusterView;

#[path = "common/scenario_run.rs"]
mod scenario_run;

fn round_trip(m: ServeMessage) {
    assert_eq!(ServeMessage::from_frame(&m.frame()).unwrap(), m);
}

fn view_of(name: &str, seed: u64) -> (ClusterView, kafka_playground::sim::Sim) {
    let (s, sim) = scenario_run::run(name, seed);
    let mut picture = Picture::default();
    picture.draw_brokers(&sim, 1..=s.cluster.broker_slots());
    let run = RunInfo { speed: 2.0, achieved_speed: 1.5, paused: true, error: Some("an error".into()) };
    (picture.view(&sim, &s, run), sim)
}

#[test]
fn views_of_every_kind_of_run_read_back_equal() {
    for name in [
        "lecture-notebook",
        "acks-all-survives-leader-crash",
        "unclean-election-loses-data",
        "compaction-keeps-latest-per-key",
        "consumer-group-three-members",
        "rebalance-cooperative-incremental",
        "static-member-restart-no-rebalance",
        "transactions-playground",
        "exactly-once-pipeline-survives-crashes",
        "delivery-guarantees",
    ] {
        let (view, _) = view_of(name, 1);
        assert!(!view.brokers.is_empty() && !view.events.is_empty(), "{name}: an empty view tests nothing");
        round_trip(ServeMessage::View(Box::new(view)));
    }
}

#[test]
fn log_panel_answers_read_back_equal() {
    let (view, sim) = view_of("transactions-playground", 1);
    let broker = view.brokers.iter().find(|b| !b.replicas.is_empty()).unwrap();
    let replica = &broker.replicas[0];
    let b = sim.live_node(broker.id).and_then(|n| n.view().broker());
    let asks = [
        LogAsk::Detail { max_records: 50 },
        LogAsk::Files { base_offset: 0 },
        LogAsk::Read { from: ReadFrom::Offset(0), max_bytes: 1 << 20 },
        LogAsk::Batch { offset: 0 },
    ];
    for ask in asks {
        let answer = log_ask::answer(b, &replica.topic, replica.partition, ask);
        round_trip(ServeMessage::Log { id: 7, answer });
    }
}

#[test]
fn every_lessons_outline_reads_back_equal() {
    let dir = format!("{}/lessons", env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let lesson = Lesson::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let outline = LessonOutline::from(&lesson);
        assert_eq!(outline.steps.len(), lesson.steps.len());
        let bytes = frame::to_frame(&outline);
        assert_eq!(frame::from_frame::<LessonOutline>(&bytes).unwrap(), outline, "{path:?}");
        seen += 1;
    }
    assert!(seen >= 11, "the lecture's lessons");
}
