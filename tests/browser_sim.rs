//! In Chromium, the simulation compiled to wasm32 runs the same scenario with the same
//! seed to the same journal as natively (the digest in tests/vectors).
#![cfg(target_arch = "wasm32")]

#[path = "common/journal_digest.rs"]
mod journal_digest;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn browser_journal_equals_the_native_one() {
    assert_eq!(journal_digest::digest(), journal_digest::expected());
}
