//! The page: mounts the Yew app (wasm only; natively an empty main so `cargo test` builds).

#[cfg(target_arch = "wasm32")]
fn main() {
    kafka_playground::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {}
