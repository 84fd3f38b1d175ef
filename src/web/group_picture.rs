//! The consumer groups' part of the picture, built natively in
//! [`crate::sim::picture::group`] (so tests check its figures against the timeline);
//! re-exported here for the cluster picture.

pub use crate::sim::picture::group::GroupPicture;
