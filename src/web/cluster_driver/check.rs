//! A command checked against the running cluster without being sent: a control that asks
//! for a confirmation (delete topic) shows Kafka's refusal before it asks. Invariant: a
//! pure read of the simulation; nothing is scheduled.

use super::ClusterDriver;
use crate::web::cluster_view::ClusterCommand;

impl ClusterDriver {
    /// Whether `c` would pass [`crate::web::cluster_commands::check`] now.
    pub fn check_command(&self, c: &ClusterCommand) -> Result<(), String> {
        let i = self.inner.borrow();
        crate::web::cluster_commands::check(&i.sim, &i.scenario, &i.picture, c)
    }
}
