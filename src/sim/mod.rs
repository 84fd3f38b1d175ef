//! The deterministic simulation: virtual time, one seed for every random choice, a
//! network model, faults, a journal from which a replay rebuilds the identical state, and
//! invariant checkers after every step. A run is defined by (scenario, seed, commands).

mod acts;
pub mod causes;
pub mod chunked;
pub mod cluster_world;
pub mod driver;
pub mod fuzz;
pub mod invariants;
pub mod journal;
pub mod lesson;
pub mod lockstep;
pub mod network;
pub mod picture;
mod queue;
pub mod runner;
pub mod scenario;
#[cfg(not(target_arch = "wasm32"))]
pub mod serve_world;
mod slot;
pub mod timeline;
pub mod world;

pub use driver::{Action, Invariant, Sim, SimStats, Status, TraceEntry, Violation};
pub use journal::{replay, Journal, JournalEntry};
pub use network::{Fate, LinkConfig, Network};
pub use world::World;
