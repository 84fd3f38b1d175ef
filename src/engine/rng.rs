//! Deterministic pseudo-random numbers from one seed (the engine never draws its own).
//!
//! [`Rng`] is xoshiro256** (Blackman and Vigna) whose 256-bit state is filled by SplitMix64
//! from a `u64` seed. The same seed always yields the same stream, on every platform, so a
//! run replays bit for bit from its journal. The state serializes (as eight `u32` words, safe
//! for JSON and JavaScript numbers) so a snapshot can resume the stream exactly.
//!
//! Invariant: the state is never all zero (xoshiro would then emit zeros forever); SplitMix64
//! cannot produce four zero words and deserializing refuses an all-zero state.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A seeded xoshiro256** generator. Cloning copies the stream position.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "RngSnapshot", try_from = "RngSnapshot")]
pub struct Rng {
    state: [u64; 4],
}

/// The serialized form: the four state words split into little-endian `u32` halves.
#[derive(Clone, Serialize, Deserialize)]
struct RngSnapshot {
    xoshiro256_state: [u32; 8],
}

impl From<Rng> for RngSnapshot {
    fn from(rng: Rng) -> Self {
        let mut words = [0u32; 8];
        for (pair, word) in words.chunks_exact_mut(2).zip(rng.state) {
            if let [low, high] = pair {
                *low = word as u32;
                *high = (word >> 32) as u32;
            }
        }
        RngSnapshot { xoshiro256_state: words }
    }
}

/// Why a snapshot cannot become an [`Rng`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllZeroState;

impl fmt::Display for AllZeroState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "xoshiro256** state must not be all zero")
    }
}

impl TryFrom<RngSnapshot> for Rng {
    type Error = AllZeroState;

    fn try_from(snapshot: RngSnapshot) -> std::result::Result<Self, Self::Error> {
        let mut state = [0u64; 4];
        for (word, pair) in state.iter_mut().zip(snapshot.xoshiro256_state.chunks_exact(2)) {
            if let [low, high] = *pair {
                *word = u64::from(low) | (u64::from(high) << 32);
            }
        }
        if state == [0; 4] {
            return Err(AllZeroState);
        }
        Ok(Rng { state })
    }
}

impl fmt::Debug for Rng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Rng({:016x} {:016x} {:016x} {:016x})",
            self.state[0], self.state[1], self.state[2], self.state[3]
        )
    }
}

/// One SplitMix64 step: advances `state` and returns the mixed output.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator whose whole stream is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        let state = [splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm)];
        Rng { state }
    }

    /// The next 64 random bits (one xoshiro256** step).
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.state;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// The next 32 random bits: the high half of [`Rng::next_u64`] (the stronger bits).
    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// A uniform integer in `0..n`, without modulo bias (Lemire's multiply-and-reject).
    /// Usually one draw, occasionally more. `below(0)` is 0 and draws nothing.
    pub fn below(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        let n64 = u64::from(n);
        let mut product = u64::from(self.next_u32()) * n64;
        if (product as u32) < n {
            // Values of the low half below this threshold would over-represent some results.
            let threshold = n.wrapping_neg() % n;
            while (product as u32) < threshold {
                product = u64::from(self.next_u32()) * n64;
            }
        }
        (product >> 32) as u32
    }

    /// True with probability `p` (clamped to [0, 1]; NaN counts as 0). Always one draw,
    /// so the stream position does not depend on `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        // 53 random bits give a uniform f64 in [0, 1).
        let unit = (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        unit < p
    }

    /// A child generator with its own stream, seeded from one draw of this one. Forking
    /// at the same point of the same parent always gives the same child.
    pub fn fork(&mut self) -> Rng {
        Rng::new(self.next_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_reference_output() {
        // SplitMix64 from state 0: first output of Vigna's reference splitmix64.c.
        let mut state = 0u64;
        assert_eq!(splitmix64(&mut state), 0xe220_a839_7b1d_cdaf);
        assert_eq!(splitmix64(&mut state), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn xoshiro_step_matches_reference_for_small_state() {
        // Hand-checkable: s1 = 2 -> rotl(2*5, 7)*9 = 11520; after one step s1 becomes 0.
        let mut rng = Rng { state: [1, 2, 3, 4] };
        assert_eq!(rng.next_u64(), 11520);
        assert_eq!(rng.next_u64(), 0);
    }

    #[test]
    fn same_seed_same_stream() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        for _ in 0..1000 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_eq!(a, b);
    }

    #[test]
    fn different_seeds_differ() {
        let first: Vec<u64> = (0..16u64).map(|seed| Rng::new(seed).next_u64()).collect();
        for (i, x) in first.iter().enumerate() {
            for y in first.iter().skip(i + 1) {
                assert_ne!(x, y, "two seeds start their streams with the same value");
            }
        }
    }

    #[test]
    fn below_stays_in_range_and_is_roughly_uniform() {
        let mut rng = Rng::new(7);
        let n = 7u32;
        let draws = 70_000u32;
        let mut counts = [0u32; 7];
        for _ in 0..draws {
            let x = rng.below(n);
            assert!(x < n, "below({n}) returned {x}");
            counts[x as usize] += 1;
        }
        let expected = draws / n;
        for (value, count) in counts.iter().enumerate() {
            // 10_000 expected per bucket, standard deviation ~93: 5% is > 5 sigma.
            assert!(
                count.abs_diff(expected) < expected / 20,
                "value {value} drawn {count} times, expected about {expected}"
            );
        }
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.below(1), 0);
        let big = u32::MAX - 1;
        assert!((0..1000).all(|_| rng.below(big) < big));
    }

    #[test]
    fn chance_respects_extremes_and_frequency() {
        let mut rng = Rng::new(3);
        assert!((0..1000).all(|_| !rng.chance(0.0)));
        assert!((0..1000).all(|_| rng.chance(1.0)));
        assert!((0..1000).all(|_| !rng.chance(f64::NAN)));
        let hits = (0..10_000).filter(|_| rng.chance(0.25)).count();
        assert!((2300..2700).contains(&hits), "chance(0.25) hit {hits} of 10000");
    }

    #[test]
    fn fork_is_deterministic_and_independent() {
        let mut parent_a = Rng::new(9);
        let mut parent_b = Rng::new(9);
        let mut child_a = parent_a.fork();
        let mut child_b = parent_b.fork();
        assert_eq!(child_a.next_u64(), child_b.next_u64());
        assert_eq!(parent_a.next_u64(), parent_b.next_u64());
        let mut parent = Rng::new(9);
        let mut child = parent.fork();
        let parent_stream: Vec<u64> = (0..8).map(|_| parent.next_u64()).collect();
        let child_stream: Vec<u64> = (0..8).map(|_| child.next_u64()).collect();
        assert_ne!(parent_stream, child_stream);
    }

    #[test]
    fn snapshot_round_trips_and_resumes_the_stream() {
        let mut rng = Rng::new(11);
        rng.next_u64();
        let json = serde_json::to_string(&rng).unwrap();
        let mut restored: Rng = serde_json::from_str(&json).unwrap();
        assert_eq!(restored, rng);
        assert_eq!(restored.next_u64(), rng.next_u64());
        let zero = r#"{"xoshiro256_state":[0,0,0,0,0,0,0,0]}"#;
        assert!(serde_json::from_str::<Rng>(zero).is_err());
    }
}
