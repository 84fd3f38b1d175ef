#![cfg(target_arch = "wasm32")]
//! Proves the wasm test harness runs in a real browser (headless Chromium through
//! chromedriver): the engine's error type is built and formatted inside the page.

use kafka_playground::engine::error::{ErrorCode, ErrorKind, KafkaError};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn runs_in_a_browser_window() {
    let window = web_sys::window().expect("a browser window, not node or a worker");
    assert!(window.document().is_some());
}

#[wasm_bindgen_test]
fn kafka_error_codes_survive_wasm() {
    let err = KafkaError::new(ErrorKind::PartitionsNotPositive { partitions: 0 });
    assert_eq!(err.code, ErrorCode::InvalidPartitions);
    assert_eq!(err.code.code(), 37);
    let text = err.to_string();
    assert!(text.contains("larger than 0"), "unexpected message: {text}");
    assert!(text.starts_with("INVALID_PARTITIONS"), "unexpected message: {text}");
}
