//! The lessons the page offers, by NAME (`?lesson=NAME`), each `lessons/NAME.json` next to
//! the page (index.html copies the directory), which the run worker fetches when one is
//! opened (`crate::web::run_files`). Invariant: every name listed has a file trunk copies.

/// The lessons, in the lecture's order.
pub const LESSONS: &[&str] = &[
    "s01-events-not-state",
    "s02-commit-log",
    "s03-producers-brokers-consumers",
    "s04-topics-partitions-segments",
    "s05-replication-and-acks",
    "s06-retention",
    "s07-keys-and-partitions",
    "s08-delivery-guarantees",
    "s09-groups-and-offsets",
    "s10-heartbeats-and-rebalance",
    "s11-performance-and-scaling",
];

pub fn known(name: &str) -> bool {
    LESSONS.contains(&name)
}
