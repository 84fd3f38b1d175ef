//! The cluster picture, built natively in [`crate::sim::picture::cluster`] (so `serve`
//! builds the very same view); re-exported here for the tab's driver.

pub use crate::sim::picture::cluster::{Picture, RunInfo};
