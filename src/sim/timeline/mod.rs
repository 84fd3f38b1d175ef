//! The run's timeline: every command the page gave the simulation, with the exact place
//! in the run where it took effect, so the run can be made again from its scenario and
//! seed alone (events instead of state, the lecture's first idea). From that log:
//! * [`replay`] rebuilds the run in this thread up to any moment: the page's scrub looks
//!   at that picture while the live run waits;
//! * a fork re-runs the log up to a moment in the page's own driver and goes on from there
//!   with other commands; [`branches`] keeps the tree of such runs;
//! * [`link`] packs (moment, log) into a URL, and opening it replays to the same moment.
//!
//! A place in the run is [`Position`]: the simulation's step count and the (time,
//! sequence) key of the first event still queued when the command was scheduled. The
//! tab's lockstep driver runs events in the very order, with the very sequence numbers,
//! of a run with every node in one thread (`super::lockstep`), so the position means the
//! same in both and a replay checks it (a run that does not meet it again diverged).

pub mod apply;
pub mod branches;
pub mod link;
pub mod replay;

use super::picture::command::ClusterCommand;
use super::Sim;
use serde::{Deserialize, Serialize};

/// Commands one branch's log keeps at most (a learner clicks a few hundred in a long
/// session; the page's command queue already refuses a flood).
pub const LOGGED_AT_MOST: usize = 10_000;

/// Where in the run a command took effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// The virtual time it was scheduled at.
    pub at_ms: i64,
    /// Events the simulation had run by then.
    pub steps: u64,
    /// The (time, sequence) key of the first event still queued; none if the queue was empty.
    pub before: Option<(i64, u64)>,
}

impl Position {
    /// Where `sim` is now.
    pub fn of(sim: &Sim) -> Self {
        Position { at_ms: sim.now_ms, steps: sim.stats.steps, before: sim.next_key() }
    }

    /// The first key the run must not pass before the command is given again.
    pub fn stop_key(&self) -> (i64, u64) {
        self.before.unwrap_or((i64::MAX, u64::MAX))
    }

    /// Whether `sim` has just reached this place: everything before it ran, nothing after.
    pub fn reached_by(&self, sim: &Sim) -> Result<bool, String> {
        if sim.next_key().unwrap_or((i64::MAX, u64::MAX)) < self.stop_key() {
            return Ok(false);
        }
        if sim.stats.steps != self.steps || sim.now_ms > self.at_ms {
            return Err(format!(
                "the run diverged: a command given at t = {} ms after step {} meets step {} at t = {} ms",
                self.at_ms, self.steps, sim.stats.steps, sim.now_ms
            ));
        }
        Ok(true)
    }
}

/// One command of the log, where it took effect. Only commands that act on the run are
/// logged (crash, produce, a lesson's step …), not the clock's (speed, pause, step).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logged {
    pub at: Position,
    pub command: ClusterCommand,
}

/// Whether a command acts on the run (and so belongs in the log).
pub fn acts_on_run(c: &ClusterCommand) -> bool {
    !matches!(
        c,
        ClusterCommand::SetSpeed(_)
            | ClusterCommand::Pause
            | ClusterCommand::Play
            | ClusterCommand::Step
            | ClusterCommand::Seek(_)
            | ClusterCommand::BackToNow
            | ClusterCommand::Fork
            | ClusterCommand::SwitchBranch(_)
            | ClusterCommand::NextGroupEvent
    )
}

/// The timeline as the page draws it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TimelineView {
    /// The earlier moment the picture shows (the live run waits), if one is looked at.
    pub looking_at_ms: Option<i64>,
    /// The replay to that moment is still running.
    pub seeking: bool,
    /// A replay in the page's own driver is under way (a fork, a branch, a link) to this moment.
    pub replaying_to_ms: Option<i64>,
    /// The live run's latest moment.
    pub live_ms: i64,
    pub branches: Vec<branches::BranchView>,
    pub current_branch: usize,
    /// This life of the run was resumed after a reload: its start is not in the tab, so
    /// the timeline cannot go back.
    pub resumed: bool,
    /// The last refusal of a timeline command (a fork past the branches' bound …).
    pub note: Option<String>,
}

/// Whether an event is a consumer group's: a member joining, leaving or being assigned,
/// the group changing state (what "next group event" runs to).
pub fn is_group_event(e: &crate::engine::cluster::ClusterEvent) -> bool {
    use crate::engine::cluster::ClusterEvent as E;
    matches!(
        e,
        E::GroupStateChanged { .. }
            | E::MemberJoined { .. }
            | E::MemberRemoved { .. }
            | E::ConsumerJoining { .. }
            | E::PartitionsAssigned { .. }
            | E::PartitionsRevoked { .. }
    )
}

/// The refusal of a command that acts on the run while an earlier moment is looked at.
pub fn looking_refusal(at_ms: i64) -> String {
    format!(
        "the picture shows t = {}.{:03} s, not the live run: fork here to act from that moment, or go back to now",
        at_ms.div_euclid(1000),
        at_ms.rem_euclid(1000)
    )
}
