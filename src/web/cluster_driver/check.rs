//! A command checked against the running cluster without being sent: a control that asks
//! for a confirmation (delete topic) shows Kafka's refusal before it asks. Invariant: a
//! pure read of the simulation; nothing is scheduled.

use super::ClusterDriver;
use crate::web::cluster_view::ClusterCommand;

impl ClusterDriver {
    /// Whether `c` would pass [`crate::web::cluster_commands::check`] now (and is no act on
    /// the run while the timeline shows an earlier moment).
    pub fn check_command(&self, c: &ClusterCommand) -> Result<(), String> {
        let i = self.inner.borrow();
        i.timeline_refusal(c)?;
        crate::web::cluster_commands::check(&i.sim, &i.scenario, &i.picture, c)
    }
}
