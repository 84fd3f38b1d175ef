//! The checks a lesson gets: on its own after parsing (version, section, texts in both
//! languages, bounds) and against its scenario (every broker, topic, partition, client and
//! group it names exists there; its acts pass the scenario's own step checks). Each error
//! names its field (`steps[2].look[0].broker: unknown broker id 7 (brokers are 1 to 3)`).

use super::{
    DoneWhen, Lesson, LookAt, NodeWhen, Texts, LECTURE_SECTIONS, LESSON_VERSION, MAX_ACTS_PER_STEP,
    MAX_ACT_DELAY_MS, MAX_LESSON_STEPS, MAX_LOOKS_PER_STEP, MAX_TEXT_CHARS,
};
use crate::engine::limits::{MAX_RECORDS_PER_PRODUCE, MAX_RECORDS_PER_SCENARIO};
use crate::sim::scenario::{ClientKind, Scenario, StepAction, TopicPartitionRef};
use std::fmt;

/// What is wrong with a lesson, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonError {
    pub field: String,
    pub problem: String,
}

impl LessonError {
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        LessonError { field: field.into(), problem: problem.into() }
    }
}

impl fmt::Display for LessonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

impl std::error::Error for LessonError {}

fn check_texts(field: &str, t: &Texts) -> Result<(), LessonError> {
    for (lang, text) in [("en", &t.en), ("ru", &t.ru)] {
        if text.trim().is_empty() {
            return Err(LessonError::new(format!("{field}.{lang}"), "the text is empty"));
        }
        let chars = text.chars().count();
        if chars > MAX_TEXT_CHARS {
            return Err(LessonError::new(
                format!("{field}.{lang}"),
                format!("{chars} characters: a text has at most {MAX_TEXT_CHARS}"),
            ));
        }
    }
    Ok(())
}

impl Lesson {
    /// What needs no scenario: version, name, section, texts and bounds.
    pub(super) fn validate_alone(&self) -> Result<(), LessonError> {
        if self.version != LESSON_VERSION {
            return Err(LessonError::new(
                "version",
                format!("version {} is not supported (this build reads {LESSON_VERSION})", self.version),
            ));
        }
        if self.name.trim().is_empty() || self.name.len() > 100 {
            return Err(LessonError::new("name", "give the file's name (1 to 100 characters)"));
        }
        if !(1..=LECTURE_SECTIONS).contains(&self.section) {
            return Err(LessonError::new(
                "section",
                format!("{}: the lecture's sections are 1 to {LECTURE_SECTIONS}", self.section),
            ));
        }
        check_texts("title", &self.title)?;
        if self.steps.is_empty() || self.steps.len() > MAX_LESSON_STEPS {
            return Err(LessonError::new(
                "steps",
                format!("{} steps: a lesson has 1 to {MAX_LESSON_STEPS}", self.steps.len()),
            ));
        }
        for (i, step) in self.steps.iter().enumerate() {
            let at = |f: &str| format!("steps[{i}].{f}");
            check_texts(&at("text"), &step.text)?;
            if step.look.len() > MAX_LOOKS_PER_STEP {
                return Err(LessonError::new(
                    at("look"),
                    format!("a step looks at most at {MAX_LOOKS_PER_STEP} things"),
                ));
            }
            if step.act.len() > MAX_ACTS_PER_STEP {
                return Err(LessonError::new(
                    at("act"),
                    format!("a step has at most {MAX_ACTS_PER_STEP} acts"),
                ));
            }
            if let Some(task) = &step.task {
                check_texts(&at("task.text"), &task.text)?;
            }
        }
        Ok(())
    }

    /// Checks every name the lesson uses, and its acts, against `scenario` (the one its
    /// `scenario` field names).
    pub fn validate_against(&self, scenario: &Scenario) -> Result<(), LessonError> {
        if scenario.name != self.scenario {
            return Err(LessonError::new(
                "scenario",
                format!(
                    "\"{}\" was asked for but the scenario given is \"{}\"",
                    self.scenario, scenario.name
                ),
            ));
        }
        let mut records = 0u64;
        for (i, step) in self.steps.iter().enumerate() {
            let at = |f: &str| format!("steps[{i}].{f}");
            for (j, look) in step.look.iter().enumerate() {
                check_look(scenario, look).map_err(|p| LessonError::new(at(&format!("look[{j}]")), p))?;
            }
            scenario
                .validate_steps(&at("act"), &step.act, MAX_ACT_DELAY_MS)
                .map_err(|e| LessonError::new(e.field, e.problem))?;
            for (j, act) in step.act.iter().enumerate() {
                if let StepAction::Produce(p) = &act.action {
                    if p.count == 0 || u64::from(p.count) > MAX_RECORDS_PER_PRODUCE {
                        return Err(LessonError::new(
                            at(&format!("act[{j}].produce.count")),
                            format!("{}: a send has 1 to {MAX_RECORDS_PER_PRODUCE} records", p.count),
                        ));
                    }
                    records += u64::from(p.count);
                }
            }
            if let Some(task) = &step.task {
                check_done_when(scenario, &task.done_when)
                    .map_err(|(f, p)| LessonError::new(at(&format!("task.done_when.{f}")), p))?;
            }
        }
        if records > MAX_RECORDS_PER_SCENARIO {
            return Err(LessonError::new(
                "steps",
                format!("the acts send {records} records: at most {MAX_RECORDS_PER_SCENARIO}"),
            ));
        }
        Ok(())
    }
}

fn check_broker(scenario: &Scenario, id: u32) -> Result<(), String> {
    let slots = scenario.cluster.broker_slots();
    if id == 0 || id > slots {
        return Err(format!("unknown broker id {id} (brokers are 1 to {slots})"));
    }
    Ok(())
}

fn check_topic(scenario: &Scenario, topic: &str) -> Result<(), String> {
    if scenario.topics.iter().any(|t| t.name == topic) {
        Ok(())
    } else {
        Err(format!("\"{topic}\" is not a topic of the scenario"))
    }
}

fn check_partition(scenario: &Scenario, tp: &TopicPartitionRef) -> Result<(), String> {
    if scenario.topics.iter().any(|t| t.name == tp.topic && i64::from(tp.partition) < t.partitions) {
        Ok(())
    } else {
        Err(format!("{}-{} is not a partition of the scenario's topics", tp.topic, tp.partition))
    }
}

fn check_client(scenario: &Scenario, name: &str, kind: Option<ClientKind>) -> Result<(), String> {
    match scenario.clients.iter().find(|c| c.id == name) {
        None => Err(format!("no client named \"{name}\"")),
        Some(c) if kind.is_some_and(|k| k != c.kind) => {
            Err(format!("\"{name}\" is a {}, not a {}", c.kind.name(), kind.map_or("", |k| k.name())))
        }
        Some(_) => Ok(()),
    }
}

fn check_group(scenario: &Scenario, group: &str) -> Result<(), String> {
    let known = scenario.clients.iter().any(|c| c.configs.get("group.id").is_some_and(|g| g == group));
    if known {
        Ok(())
    } else {
        Err(format!("no consumer of the scenario has group.id \"{group}\""))
    }
}

fn check_look(scenario: &Scenario, look: &LookAt) -> Result<(), String> {
    match look {
        LookAt::Broker(id) => check_broker(scenario, *id),
        LookAt::Topic(t) => check_topic(scenario, t),
        LookAt::Partition(tp) => check_partition(scenario, tp),
        LookAt::Client(name) => check_client(scenario, name, None),
        LookAt::Group(g) => check_group(scenario, g),
        LookAt::Controller {} | LookAt::Events {} => Ok(()),
    }
}

/// The field (under `done_when.`) and the problem.
fn check_done_when(scenario: &Scenario, d: &DoneWhen) -> Result<(), (String, String)> {
    let named = |f: &str, r: Result<(), String>| r.map_err(|p| (f.to_string(), p));
    match d {
        DoneWhen::Crashed(n) => check_node(scenario, "crashed", n, true),
        DoneWhen::Restarted(n) => check_node(scenario, "restarted", n, false),
        DoneWhen::LeaderElected(tp) => named("leader_elected", check_partition(scenario, tp)),
        DoneWhen::Acknowledged(c) | DoneWhen::Consumed(c) => {
            let (f, kind) = match d {
                DoneWhen::Acknowledged(_) => ("acknowledged", ClientKind::Producer),
                _ => ("consumed", ClientKind::Consumer),
            };
            named(&format!("{f}.client"), check_client(scenario, &c.client, Some(kind)))?;
            if c.records == 0 || u64::from(c.records) > MAX_RECORDS_PER_SCENARIO {
                return Err((format!("{f}.records"), format!("1 to {MAX_RECORDS_PER_SCENARIO}")));
            }
            Ok(())
        }
        DoneWhen::GroupStable(g) => named("group_stable.group", check_group(scenario, &g.group)),
        DoneWhen::TopicCreated(t) => match &t.name {
            Some(name) if name.trim().is_empty() => {
                Err(("topic_created.name".into(), "give a topic name, or leave name out for any".into()))
            }
            _ => Ok(()),
        },
    }
}

fn check_node(scenario: &Scenario, kind: &str, n: &NodeWhen, crash: bool) -> Result<(), (String, String)> {
    let given = usize::from(n.broker.is_some())
        + usize::from(n.leader_of.is_some())
        + usize::from(n.client.is_some());
    if given > 1 || (!crash && n.leader_of.is_some()) {
        let allowed = if crash { "broker, leader_of or client" } else { "broker or client" };
        return Err((kind.to_string(), format!("give at most one of {allowed} (none: any broker)")));
    }
    if let Some(id) = n.broker {
        check_broker(scenario, id).map_err(|p| (format!("{kind}.broker"), p))?;
    }
    if let Some(tp) = &n.leader_of {
        check_partition(scenario, tp).map_err(|p| (format!("{kind}.leader_of"), p))?;
    }
    if let Some(c) = &n.client {
        check_client(scenario, c, None).map_err(|p| (format!("{kind}.client"), p))?;
    }
    Ok(())
}
