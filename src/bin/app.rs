//! wasm-only binary; natively an empty main.
fn main() {}
