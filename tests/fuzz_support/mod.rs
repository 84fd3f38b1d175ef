//! The deterministic fuzzer behind `tests/fuzz_decoders.rs`, on stable Rust (no
//! cargo-fuzz): a seeded xorshift64* PRNG (no thread RNG, no clock, so a failure is
//! replayed by its seed), mutations of corpus inputs (bit flips, byte sets, truncation,
//! splicing, big-endian length fields set to huge / negative / off-by-one values, overlong
//! and huge varints, int64 fields at their extremes, inserted runs), and a counting global allocator that measures what
//! each input allocates on its own thread. Invariant: one input's run is judged alone —
//! it must not panic (caught per input, reported with its hex and seed), must not
//! allocate more than [`MAX_BYTES_PER_INPUT`], and an error it returns must say something.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What one input may allocate in total (every allocation and every growth counted).
pub const MAX_BYTES_PER_INPUT: u64 = 64 * 1024 * 1024;

thread_local! {
    static ALLOCATED: Cell<u64> = const { Cell::new(0) };
}

/// Counts the bytes each thread allocates (growth of a reallocation included).
pub struct CountingAllocator;

fn count(bytes: usize) {
    // `try_with`: a thread being torn down has no counter left; its allocations are not ours.
    let _ = ALLOCATED.try_with(|c| c.set(c.get().saturating_add(bytes as u64)));
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size.saturating_sub(layout.size()));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

fn allocated() -> u64 {
    ALLOCATED.with(Cell::get)
}

/// xorshift64* (Vigna): small, fast, and the same sequence on every machine.
pub struct Prng(u64);

impl Prng {
    pub fn new(seed: u64) -> Self {
        // Never zero (xorshift's fixed point); splitmix-style scrambling of small seeds.
        Prng((seed ^ 0x9E37_79B9_7F4A_7C15).wrapping_mul(0xBF58_476D_1CE4_E5B9) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// Values a length or count field is most likely to be mishandled at.
const INTERESTING_I32: [i32; 12] = [0, 1, -1, -2, 48, 49, 61, 127, 128, 0x7fff, i32::MAX, i32::MIN];

/// A zigzag varint for `v`, `extra` bytes longer than needed (`extra` = 0: minimal).
fn overlong_varint(v: i32, extra: usize) -> Vec<u8> {
    let mut z = ((v << 1) ^ (v >> 31)) as u32;
    let mut out = Vec::new();
    while z >= 0x80 {
        out.push((z as u8 & 0x7f) | 0x80);
        z >>= 7;
    }
    out.push(z as u8);
    if extra > 0 {
        if let Some(last) = out.last_mut() {
            *last |= 0x80;
        }
        out.extend(std::iter::repeat_n(0x80, extra - 1));
        out.push(0);
    }
    out
}

/// One mutation of `input`; `other` is another corpus input for splicing.
pub fn mutate_once(rng: &mut Prng, input: &mut Vec<u8>, other: &[u8]) {
    let len = input.len();
    match rng.below(11) {
        0 if len > 0 => {
            let at = rng.below(len);
            input[at] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let at = rng.below(len);
            input[at] = [0x00, 0xff, 0x7f, 0x80, 0x01, rng.next_u64() as u8][rng.below(6)];
        }
        2 if len > 0 => input.truncate(rng.below(len)),
        3 if !other.is_empty() => {
            // Splice: our head, the other's tail.
            let cut = rng.below(len + 1);
            let from = rng.below(other.len());
            input.truncate(cut);
            input.extend_from_slice(&other[from..]);
        }
        4 | 5 if len >= 4 => {
            // A big-endian int32 length or count field, anywhere.
            let at = rng.below(len - 3);
            let old = i32::from_be_bytes([input[at], input[at + 1], input[at + 2], input[at + 3]]);
            let v = match rng.below(3) {
                0 => INTERESTING_I32[rng.below(INTERESTING_I32.len())],
                1 => old.wrapping_add(1),
                _ => old.wrapping_sub(1),
            };
            input[at..at + 4].copy_from_slice(&v.to_be_bytes());
        }
        6 if len >= 8 && rng.chance(2) => {
            // A big-endian int64 offset or timestamp at its extremes.
            let at = rng.below(len - 7);
            let v = [i64::MAX, i64::MIN, i64::MAX - 1, -1, 0][rng.below(5)];
            input[at..at + 8].copy_from_slice(&v.to_be_bytes());
        }
        6 if len >= 2 => {
            let at = rng.below(len - 1);
            let v = [0i16, -1, 1, i16::MAX, i16::MIN][rng.below(5)];
            input[at..at + 2].copy_from_slice(&v.to_be_bytes());
        }
        7 => {
            // A varint: overlong, huge or negative, inserted or overwriting.
            let v = INTERESTING_I32[rng.below(INTERESTING_I32.len())];
            let bytes = match rng.below(3) {
                0 => overlong_varint(v, 1 + rng.below(6)),
                1 => vec![0xff; 1 + rng.below(11)],
                _ => overlong_varint(v, 0),
            };
            let at = rng.below(len + 1);
            if rng.chance(2) {
                input.splice(at..at, bytes);
            } else {
                let end = (at + bytes.len()).min(len);
                input.splice(at..end, bytes);
            }
        }
        8 if len > 0 => {
            let at = rng.below(len);
            let n = 1 + rng.below((len - at).min(64));
            input.drain(at..at + n);
        }
        9 if len > 0 => {
            // Duplicate a run (repeated batches, records, JSON members).
            let at = rng.below(len);
            let n = 1 + rng.below((len - at).min(256));
            let run = input[at..at + n].to_vec();
            let to = rng.below(len + 1);
            input.splice(to..to, run);
        }
        _ => {
            let at = rng.below(len + 1);
            let n = 1 + rng.below(8);
            let run: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            input.splice(at..at, run);
        }
    }
}

/// A mutant of a corpus input: 1 to 8 stacked mutations, bounded in size.
pub fn mutant(rng: &mut Prng, corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut input = corpus[rng.below(corpus.len())].clone();
    let other = &corpus[rng.below(corpus.len())];
    for _ in 0..1 + rng.below(8) {
        mutate_once(rng, &mut input, other);
    }
    input.truncate(1 << 20);
    input
}

/// What a target says about one input: `Err(text)` for a refusal (must be non-empty).
pub type Outcome = Result<(), String>;

/// The figures of one target's run.
#[derive(Debug, Default, Clone, Copy)]
pub struct Figures {
    pub inputs: u64,
    pub refused: u64,
    pub max_allocated_bytes: u64,
}

/// Writes a failing input to `test-results/fuzz/` (for the corpus, as a regression).
fn save_failure(name: &str, seed: u64, i: u64, input: &[u8]) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test-results/fuzz");
    let path = dir.join(format!("{name}-seed{seed}-input{i}.bin"));
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, input)) {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("nothing: {e}"),
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs `target` over every corpus input, then over `iterations` mutants drawn with
/// `seed`. Panics (the test fails) naming the target, seed, iteration and the input's hex
/// at the first input that panics, allocates too much or refuses without words.
pub fn fuzz(
    name: &str,
    corpus: &[Vec<u8>],
    seed: u64,
    iterations: u64,
    target: impl Fn(&[u8]) -> Outcome,
) -> Figures {
    assert!(!corpus.is_empty(), "{name}: empty corpus");
    let mut figures = Figures::default();
    let mut rng = Prng::new(seed);
    let total = corpus.len() as u64 + iterations;
    for i in 0..total {
        let input = match corpus.get(i as usize) {
            Some(c) => c.clone(),
            None => mutant(&mut rng, corpus),
        };
        let before = allocated();
        let result = catch_unwind(AssertUnwindSafe(|| target(&input)));
        let used = allocated() - before;
        let at = || {
            let saved = save_failure(name, seed, i, &input);
            format!(
                "{name}: seed {seed}, input {i}, {} bytes (saved as {saved}): {}",
                input.len(),
                hex(&input)
            )
        };
        match result {
            Err(panic) => {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                panic!("PANIC ({why}) at {}", at());
            }
            Ok(Err(text)) if text.trim().is_empty() => panic!("an error without words at {}", at()),
            Ok(Err(_)) => figures.refused += 1,
            Ok(Ok(())) => {}
        }
        assert!(
            used <= MAX_BYTES_PER_INPUT,
            "{used} bytes allocated (bound {MAX_BYTES_PER_INPUT}) at {}",
            at()
        );
        figures.max_allocated_bytes = figures.max_allocated_bytes.max(used);
        figures.inputs += 1;
    }
    figures
}
