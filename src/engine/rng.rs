//! Deterministic pseudo-random numbers from one seed (the engine never draws its own).
