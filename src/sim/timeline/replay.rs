//! A run made again in this thread from its scenario, seed, lesson and log, up to a
//! moment, with the page's picture drawn as it goes: what the page shows when a learner
//! scrubs back. Every node runs here (as in the CLI), and the picture draws the brokers
//! straight from their nodes before every crash or restart and every [`DRAW_EVERY_MS`]
//! of virtual time, so a crashed broker's last log and the ghosts of truncated records
//! are there as in the live run. A command is given again where its [`Position`] says;
//! a run that does not meet that place again has diverged, and says so.

use super::apply::{schedule, schedule_lesson_step};
use super::{Logged, Position};
use crate::sim::cluster_world::build_sim;
use crate::sim::lesson::Lesson;
use crate::sim::picture::cluster::{Picture, RunInfo};
use crate::sim::picture::command::ClusterCommand;
use crate::sim::picture::view::ClusterView;
use crate::sim::scenario::Scenario;
use crate::sim::Sim;

/// Virtual ms between two drawings of the brokers while a replay runs.
pub const DRAW_EVERY_MS: i64 = 500;

pub struct Replay {
    scenario: Scenario,
    lesson: Option<Lesson>,
    sim: Sim,
    log: Vec<Logged>,
    /// The log's next command to give.
    next: usize,
    picture: Picture,
    drawn_ms: i64,
}

impl Replay {
    /// The run of `scenario` with `seed` at its start (a lesson's first step's acts
    /// scheduled, as the page does), to be given `log`'s commands.
    pub fn new(
        scenario: &Scenario,
        seed: u64,
        lesson: Option<&Lesson>,
        log: Vec<Logged>,
    ) -> Result<Self, String> {
        let mut sim = build_sim(scenario, seed).map_err(|e| e.to_string())?;
        if let Some(lesson) = lesson {
            schedule_lesson_step(&mut sim, scenario, lesson, 0)?;
        }
        Ok(Replay {
            scenario: scenario.clone(),
            lesson: lesson.cloned(),
            sim,
            log,
            next: 0,
            picture: Picture::default(),
            drawn_ms: i64::MIN,
        })
    }

    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    pub fn now_ms(&self) -> i64 {
        self.sim.now_ms
    }

    /// Whether the replay can reach `to_ms` by running on (a moment behind it needs a new one).
    pub fn can_reach(&self, to_ms: i64) -> bool {
        to_ms >= self.sim.now_ms
    }

    /// Runs on to `to_ms`, giving the log's commands on the way, at most `max_steps`
    /// events: `Ok(true)` once there (the clock at `to_ms`), `Ok(false)` when the budget
    /// ran out first (call again).
    pub fn run_to(&mut self, to_ms: i64, max_steps: u64) -> Result<bool, String> {
        let mut budget = max_steps;
        loop {
            let pending = self.log.get(self.next).filter(|l| l.at.at_ms <= to_ms).map(|l| l.at);
            if let Some(at) = pending {
                if at.reached_by(&self.sim)? {
                    self.give()?;
                    continue;
                }
            }
            let stop = pending.map_or((to_ms, u64::MAX), |at| at.stop_key());
            match self.sim.next_key() {
                Some(key) if key < stop && key.0 <= to_ms => {
                    if let Some(at) = pending.filter(|at| key.0 > at.at_ms) {
                        return Err(diverged(&at, &self.sim));
                    }
                    if budget == 0 {
                        return Ok(false);
                    }
                    if self.sim.next_changes_a_node() || key.0 >= self.drawn_ms.saturating_add(DRAW_EVERY_MS)
                    {
                        self.draw();
                    }
                    self.sim.step();
                    budget -= 1;
                }
                _ => {
                    if let Some(at) = pending {
                        return Err(diverged(&at, &self.sim));
                    }
                    self.sim.advance_to(to_ms);
                    self.draw();
                    return Ok(true);
                }
            }
        }
    }

    /// Gives the log's next command, where it was given.
    fn give(&mut self) -> Result<(), String> {
        let Some(l) = self.log.get(self.next) else { return Ok(()) };
        self.next += 1;
        self.sim.advance_to(l.at.at_ms);
        match &l.command {
            ClusterCommand::LessonStep(step) => {
                let lesson = self
                    .lesson
                    .as_ref()
                    .ok_or("the log shows a lesson's step, but the run follows no lesson")?;
                schedule_lesson_step(&mut self.sim, &self.scenario, lesson, *step)?;
            }
            c => schedule(&mut self.sim, &self.scenario, c.clone()),
        }
        Ok(())
    }

    fn draw(&mut self) {
        self.drawn_ms = self.sim.now_ms;
        self.picture.follow(&self.sim, 1..=self.scenario.cluster.broker_slots());
    }

    /// The page's view of the run where the replay is.
    pub fn view(&mut self, run: RunInfo) -> ClusterView {
        self.picture.view(&self.sim, &self.scenario, run)
    }
}

fn diverged(at: &Position, sim: &Sim) -> String {
    format!(
        "the run diverged: a command given at t = {} ms after step {} is not met again (step {} at t = {} ms)",
        at.at_ms, at.steps, sim.stats.steps, sim.now_ms
    )
}
