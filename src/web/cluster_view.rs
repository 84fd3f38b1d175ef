//! What the page's cluster picture is drawn from, and what its controls ask for. The
//! cluster driver (`super::cluster_driver`) fills a [`ClusterView`] from the simulation
//! (the controller and clients run in the run worker, each broker in its own) and
//! takes [`ClusterCommand`]s; the Yew components only read the one and emit the other.
//! The view types live in [`crate::sim::picture::view`] (native, so tests can check the
//! figures against the timeline) and the commands in [`crate::sim::picture::command`]
//! (native, so the embed API's validation reads them); both are re-exported here.

pub use crate::sim::picture::command::ClusterCommand;
pub use crate::sim::picture::view::*;
