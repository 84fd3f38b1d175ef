//! The timeline's tree: the run's first branch and every fork a learner made, each with
//! its own log. A fork keeps its parent's commands up to the moment it forked at and
//! goes on with its own; switching to a branch replays its log to its latest moment.

use super::Logged;
use serde::{Deserialize, Serialize};

/// Branches a run keeps at most (each holds a log; a class forks a handful).
pub const BRANCHES_AT_MOST: usize = 32;

#[derive(Debug, Clone, PartialEq)]
pub struct Branch {
    /// The branch it forked from (none for the run's first).
    pub parent: Option<usize>,
    /// The virtual time it forked at (0 for the first).
    pub forked_at_ms: i64,
    /// Its commands, where each took effect.
    pub log: Vec<Logged>,
    /// The latest moment it reached.
    pub end_ms: i64,
}

/// A branch as the page draws it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BranchView {
    pub parent: Option<usize>,
    pub forked_at_ms: i64,
    pub end_ms: i64,
    pub commands: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Branches {
    branches: Vec<Branch>,
    current: usize,
}

impl Default for Branches {
    fn default() -> Self {
        Branches {
            branches: vec![Branch { parent: None, forked_at_ms: 0, log: Vec::new(), end_ms: 0 }],
            current: 0,
        }
    }
}

impl Branches {
    pub fn current(&self) -> usize {
        self.current
    }

    pub fn log(&self) -> &[Logged] {
        &self.branches[self.current].log
    }

    /// Logs a command of the current branch.
    pub fn push(&mut self, l: Logged) -> Result<(), String> {
        let log = &mut self.branches[self.current].log;
        if log.len() >= super::LOGGED_AT_MOST {
            return Err(format!("the timeline keeps at most {} commands per branch", super::LOGGED_AT_MOST));
        }
        log.push(l);
        Ok(())
    }

    /// Notes how far the current branch has run.
    pub fn reached(&mut self, now_ms: i64) {
        let b = &mut self.branches[self.current];
        b.end_ms = b.end_ms.max(now_ms);
    }

    /// A new branch from the current one at `at_ms`, made current: its log is the
    /// current one's commands up to `at_ms`, to be replayed (they are logged again as the
    /// replay gives them, so the new branch starts empty). Returns that replay's log.
    pub fn fork(&mut self, at_ms: i64) -> Result<Vec<Logged>, String> {
        if self.branches.len() >= BRANCHES_AT_MOST {
            return Err(format!("the timeline keeps at most {BRANCHES_AT_MOST} branches"));
        }
        let script: Vec<Logged> = self.log().iter().filter(|l| l.at.at_ms <= at_ms).cloned().collect();
        self.branches.push(Branch {
            parent: Some(self.current),
            forked_at_ms: at_ms,
            log: Vec::new(),
            end_ms: at_ms,
        });
        self.current = self.branches.len() - 1;
        Ok(script)
    }

    /// Makes branch `to` current; returns its log and latest moment, to be replayed (its
    /// log is logged again as the replay gives it).
    pub fn switch(&mut self, to: usize) -> Result<(Vec<Logged>, i64), String> {
        let Some(b) = self.branches.get_mut(to) else {
            return Err(format!("no branch {to} (the timeline has {})", self.branches.len()));
        };
        let script = std::mem::take(&mut b.log);
        self.current = to;
        Ok((script, b.end_ms))
    }

    pub fn views(&self) -> Vec<BranchView> {
        self.branches
            .iter()
            .map(|b| BranchView {
                parent: b.parent,
                forked_at_ms: b.forked_at_ms,
                end_ms: b.end_ms,
                commands: b.log.len(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::picture::command::ClusterCommand;
    use crate::sim::timeline::Position;

    fn logged(at_ms: i64) -> Logged {
        Logged {
            at: Position { at_ms, steps: at_ms as u64, before: None },
            command: ClusterCommand::Crash(1),
        }
    }

    #[test]
    fn a_fork_keeps_the_commands_up_to_its_moment_and_switching_back_gives_the_first_log() {
        let mut b = Branches::default();
        for t in [100, 200, 300] {
            b.push(logged(t)).unwrap();
        }
        b.reached(400);
        let script = b.fork(200).unwrap();
        assert_eq!(script, vec![logged(100), logged(200)]);
        assert_eq!(b.current(), 1);
        assert!(b.log().is_empty());
        let views = b.views();
        assert_eq!(views[1], BranchView { parent: Some(0), forked_at_ms: 200, end_ms: 200, commands: 0 });
        assert_eq!(views[0].end_ms, 400);
        let (script, end) = b.switch(0).unwrap();
        assert_eq!((script.len(), end), (3, 400));
        assert!(b.switch(7).unwrap_err().contains("no branch 7"));
    }

    #[test]
    fn the_tree_is_bounded() {
        let mut b = Branches::default();
        for _ in 1..BRANCHES_AT_MOST {
            b.fork(0).unwrap();
        }
        assert!(b.fork(0).unwrap_err().contains("at most"));
    }
}
