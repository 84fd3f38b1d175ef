//! The timeline on the driver's side (`crate::sim::timeline`): every command that acts on
//! the run is logged where it took effect; a scrub replays the log in this thread to the
//! moment looked at (in slices of a turn's budget, the live run paused meanwhile); a fork,
//! a branch switch and a share link start the run afresh and replay the log in lockstep
//! with the workers, stopping exactly at each command's place and giving it again, up to
//! the moment wanted, then pause there.
//!
//! A run resumed from IndexedDB after a reload has no start in this tab (every node
//! restarted from its store at the stored moment), so its timeline cannot go back: the
//! view says so, and "Start over" begins one that can.

use super::{wall_ms, ClusterDriver, Inner, TURN_BUDGET_MS};
use crate::sim::picture::cluster::RunInfo;
use crate::sim::picture::view::ClusterView;
use crate::sim::timeline::branches::Branches;
use crate::sim::timeline::replay::Replay;
use crate::sim::timeline::{acts_on_run, looking_refusal, Logged, Position, TimelineView};
use crate::web::cluster_view::ClusterCommand;
use std::collections::VecDeque;

/// Events a scrub's replay runs between two looks at the wall clock.
const SLICE_STEPS: u64 = 2_000;

#[derive(Default)]
pub(super) struct Timeline {
    pub(super) branches: Branches,
    /// A lockstep replay under way: the commands still to give, and the moment to stop at.
    script: VecDeque<Logged>,
    replay_until: Option<i64>,
    /// What the next life of the run replays (set before a reset reopens it).
    pub(super) start_with: Option<(Vec<Logged>, i64)>,
    /// The scrub: the replay in this thread and the moment looked at.
    look: Option<Look>,
    /// This life of the run was resumed from IndexedDB.
    pub(super) resumed: bool,
}

struct Look {
    replay: Replay,
    at_ms: i64,
    done: bool,
}

const RESUMED: &str =
    "this run was resumed after a reload, so its start is not in this tab: Start over to record one";

impl Timeline {
    pub(super) fn replaying(&self) -> bool {
        self.replay_until.is_some()
    }

    /// The moment looked at, if not the live run's.
    pub(super) fn looking_at(&self) -> Option<i64> {
        self.look.as_ref().map(|l| l.at_ms)
    }

    /// Where a lockstep replay must not run past: the next command's place.
    pub(super) fn stop_key(&self) -> (i64, u64) {
        self.script.front().map_or((i64::MAX, u64::MAX), |l| l.at.stop_key())
    }

    pub(super) fn replay_until(&self) -> Option<i64> {
        self.replay_until
    }
}

impl ClusterDriver {
    /// The share link's `run` parameter for the moment shown (see `timeline.rs`).
    pub fn share_run(&self) -> Result<String, String> {
        self.inner.borrow().share_run()
    }
}

impl Inner {
    /// Refuses a command that acts on the run while an earlier moment is looked at.
    pub(super) fn timeline_refusal(&self, c: &ClusterCommand) -> Result<(), String> {
        match self.timeline.looking_at() {
            Some(at) if acts_on_run(c) => Err(looking_refusal(at)),
            _ => Ok(()),
        }
    }

    /// Refuses going back (scrub, fork, branch, link) in a run resumed after a reload.
    fn timeline_can_go_back(&self) -> Result<(), String> {
        if self.timeline.resumed {
            return Err(RESUMED.into());
        }
        Ok(())
    }

    /// Logs a command that acts on the run, where it takes effect (call before it is given).
    pub(super) fn log_command(&mut self, c: &ClusterCommand) -> Result<(), String> {
        if !acts_on_run(c) {
            return Ok(());
        }
        if let ClusterCommand::LessonStep(step) = c {
            if self.lesson.as_ref().is_none_or(|r| *step >= r.lesson.steps.len()) {
                return Err(format!("no lesson step {step} here"));
            }
        }
        self.timeline.branches.push(Logged { at: Position::of(&self.sim), command: c.clone() })
    }

    /// The timeline's own commands.
    pub(super) fn timeline_command(&mut self, c: ClusterCommand) {
        let result = match c {
            ClusterCommand::Seek(at_ms) => self.seek(at_ms),
            ClusterCommand::BackToNow => {
                self.timeline.look = None;
                Ok(())
            }
            ClusterCommand::Fork => self.fork(),
            ClusterCommand::SwitchBranch(to) => self.switch_branch(to),
            _ => Ok(()),
        };
        if let Err(e) = result {
            web_sys::console::warn_1(&format!("timeline: {e}").into());
            self.timeline_note = Some(e);
        }
    }

    fn seek(&mut self, at_ms: i64) -> Result<(), String> {
        self.timeline_can_go_back()?;
        if self.timeline.replaying() {
            return Err("the run is being replayed; look back once it is there".into());
        }
        let at_ms = at_ms.clamp(0, self.sim.now_ms);
        self.paused = true;
        self.save_run(true);
        let reuse = self.timeline.look.take().filter(|l| l.replay.can_reach(at_ms));
        let replay = match reuse {
            Some(l) => l.replay,
            None => Replay::new(
                &self.scenario,
                self.sim.seed,
                self.lesson.as_ref().map(|r| &r.lesson),
                self.timeline.branches.log().to_vec(),
            )?,
        };
        self.timeline.look = Some(Look { replay, at_ms, done: false });
        self.timeline_note = None;
        Ok(())
    }

    /// Runs the scrub's replay for at most the turn's budget; true while it has more to do.
    pub(super) fn seek_slice(&mut self) -> bool {
        let Some(look) = &mut self.timeline.look else { return false };
        if look.done {
            return false;
        }
        let started = wall_ms();
        loop {
            match look.replay.run_to(look.at_ms, SLICE_STEPS) {
                Ok(true) => {
                    look.done = true;
                    self.schedule_view_in(true);
                    return false;
                }
                Ok(false) if wall_ms() - started < TURN_BUDGET_MS => {}
                Ok(false) => {
                    self.schedule_view();
                    return true;
                }
                Err(e) => {
                    self.timeline.look = None;
                    self.fail(format!("timeline: {e}"));
                    return false;
                }
            }
        }
    }

    fn fork(&mut self) -> Result<(), String> {
        self.timeline_can_go_back()?;
        let at_ms = self.timeline.looking_at().unwrap_or(self.sim.now_ms);
        self.timeline.branches.reached(self.sim.now_ms);
        let script = self.timeline.branches.fork(at_ms)?;
        self.restart_with(script, at_ms);
        Ok(())
    }

    fn switch_branch(&mut self, to: usize) -> Result<(), String> {
        self.timeline_can_go_back()?;
        self.timeline.branches.reached(self.sim.now_ms);
        let (script, end_ms) = self.timeline.branches.switch(to)?;
        self.restart_with(script, end_ms);
        Ok(())
    }

    /// Starts the run afresh (a reset: new workers, the workspace wiped) to replay
    /// `script` up to `until_ms`.
    fn restart_with(&mut self, script: Vec<Logged>, until_ms: i64) {
        self.timeline.look = None;
        self.reset();
        self.timeline.start_with = Some((script, until_ms));
    }

    /// A new life of the run begins: a replay it was started for gets under way.
    pub(super) fn timeline_begin(&mut self, resumed: bool) {
        self.timeline.resumed = resumed;
        self.timeline.look = None;
        if let Some((script, until_ms)) = self.timeline.start_with.take() {
            self.timeline.script = script.into();
            self.timeline.replay_until = Some(until_ms);
            // Past the scenario's end without stopping there, if the moment is beyond it.
            self.paused_at_end = until_ms >= self.scenario.until_ms;
            self.paused = true;
        }
    }

    /// Gives the script's commands whose place the run has reached (the lockstep replay).
    pub(super) fn give_due_script(&mut self) {
        while let Some(next) = self.timeline.script.front() {
            match next.at.reached_by(&self.sim) {
                Ok(false) => return,
                Ok(true) => {
                    let Some(l) = self.timeline.script.pop_front() else { return };
                    self.sim.advance_to(l.at.at_ms);
                    self.apply_command(l.command);
                }
                Err(e) => {
                    self.timeline.script.clear();
                    self.timeline.replay_until = None;
                    return self.fail(format!("timeline: {e}"));
                }
            }
        }
    }

    /// The lockstep replay reached its moment: the run waits there.
    pub(super) fn replay_done(&mut self) {
        self.timeline.replay_until = None;
        self.timeline.script.clear();
        self.paused = true;
        self.reanchor();
        self.save_run(true);
    }

    /// The timeline's part of the view.
    pub(super) fn timeline_view(&self) -> TimelineView {
        let t = &self.timeline;
        TimelineView {
            looking_at_ms: t.looking_at(),
            seeking: t.look.as_ref().is_some_and(|l| !l.done),
            replaying_to_ms: t.replay_until,
            live_ms: self.sim.now_ms,
            branches: t.branches.views(),
            current_branch: t.branches.current(),
            resumed: t.resumed,
            note: self.timeline_note.clone(),
        }
    }

    /// The view of the moment looked at (the replay's picture), if one is looked at and reached.
    pub(super) fn looked_view(&mut self, run: RunInfo) -> Option<ClusterView> {
        let look = self.timeline.look.as_mut().filter(|l| l.done)?;
        Some(look.replay.view(run))
    }

    /// The share link's `run` parameter: the moment looked at (or the live one) and the
    /// current branch's log up to it.
    pub(super) fn share_run(&self) -> Result<String, String> {
        self.timeline_can_go_back()?;
        if self.timeline.replaying() {
            return Err("the run is being replayed: copy the link once it is there".into());
        }
        let at_ms = self.timeline.looking_at().unwrap_or(self.sim.now_ms);
        crate::sim::timeline::link::encode(at_ms, self.timeline.branches.log())
    }
}
