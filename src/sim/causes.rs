//! The run's causes: what the simulation did to the cluster from outside (crash, restart,
//! pause, resume, cut, heal, a lost message, a node started later, a command handed to a
//! node), each logged when it takes effect, at its virtual time. The picture's feed shows
//! them among the nodes' events, so a learner sees the crash before the fencing it
//! causes. Kept apart from the timeline: a replay of the journal rebuilds the nodes'
//! events, not these. Repeated commands to one node fold into one entry (`times`).

use super::driver::Sim;
use crate::engine::cluster::events::Cause;
use crate::engine::cluster::{Command, NodeId};

/// Every cause of a run, in order (appended to, never copied).
pub type Causes = super::chunked::Chunked<(i64, Cause)>;

impl Sim {
    /// The causes so far, oldest first.
    pub fn causes(&self) -> &Causes {
        &self.causes
    }

    pub(super) fn log_cause(&mut self, cause: Cause) {
        self.causes.push((self.now_ms, cause));
    }

    /// A command handed to `node` (not its start signal, which [`Cause::Started`] tells).
    pub(super) fn log_command(&mut self, node: NodeId, command: &Command) {
        if matches!(command, Command::Start(_)) {
            return;
        }
        self.log_cause(Cause::Commanded {
            node,
            command: command.name().to_string(),
            detail: command.detail(),
            times: 1,
        });
    }
}
