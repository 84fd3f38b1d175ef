//! The virtual clock against wall time and the speed control: where the run should be
//! now (wall time since the anchor × speed, never more than MAX_DEBT_WALL_MS of work
//! behind), and the user's commands, applied between windows (speed, pause, play and
//! step here; crash, cut, produce … scheduled into the simulation at the current time).

use super::{wall_ms, Inner, MAX_DEBT_WALL_MS, MAX_SCRIPTED_SPEED, MIN_SPEED};
use crate::sim::timeline::apply::schedule;
use crate::web::cluster_view::ClusterCommand;

impl Inner {
    /// "Next group event": pauses the run once a group event came since it was asked for
    /// (checked after every window, so the pause is within one window of the event).
    pub(super) fn stop_at_group_event(&mut self) {
        let Some(from) = self.group_event_from else { return };
        if self.sim.timeline().iter_from(from).any(|(_, _, e)| crate::sim::timeline::is_group_event(e)) {
            self.group_event_from = None;
            self.paused = true;
            self.save_run(true);
        }
    }

    /// Where the virtual clock should be now.
    pub(super) fn target_ms(&mut self) -> i64 {
        let now = wall_ms();
        let target = self.anchor.1 as f64 + (now - self.anchor.0) * self.speed;
        let cap = self.sim.now_ms as f64 + MAX_DEBT_WALL_MS * self.speed;
        if target > cap {
            self.anchor = (now, self.sim.now_ms);
            return cap as i64;
        }
        target as i64
    }

    pub(super) fn reanchor(&mut self) {
        self.anchor = (wall_ms(), self.sim.now_ms);
    }

    pub(super) fn apply_command(&mut self, c: ClusterCommand) {
        match c {
            ClusterCommand::SetSpeed(s) => {
                self.speed = if s.is_finite() { s.clamp(MIN_SPEED, MAX_SCRIPTED_SPEED) } else { 1.0 };
                self.reanchor();
            }
            ClusterCommand::Pause => {
                self.group_event_from = None;
                self.paused = true;
                self.save_run(true);
            }
            // The live run goes on: the picture follows it again.
            ClusterCommand::Play => {
                self.timeline_command(ClusterCommand::BackToNow);
                self.paused = false;
                self.reanchor();
            }
            ClusterCommand::Step => {
                self.timeline_command(ClusterCommand::BackToNow);
                self.paused = true;
                self.step = true;
            }
            ClusterCommand::NextGroupEvent => {
                self.timeline_command(ClusterCommand::BackToNow);
                self.group_event_from = Some(self.sim.timeline().len());
                self.paused = false;
                self.reanchor();
            }
            ClusterCommand::Seek(_)
            | ClusterCommand::BackToNow
            | ClusterCommand::Fork
            | ClusterCommand::SwitchBranch(_) => self.timeline_command(c),
            other => match self.log_command(&other) {
                Err(e) => {
                    web_sys::console::warn_1(&format!("not given: {e}").into());
                    self.timeline_note = Some(e);
                }
                Ok(()) => match other {
                    ClusterCommand::LessonStep(step) => self.lesson_go(step),
                    other => schedule(&mut self.sim, &self.scenario, other),
                },
            },
        }
        self.schedule_view_in(true);
    }
}
