//! The run worker (the page's cluster driver, its controller and clients, and the broker
//! workers it spawns): registers the gloo-worker agent (wasm only; natively an empty main
//! so `cargo test` builds).

#[cfg(target_arch = "wasm32")]
fn main() {
    kafka_playground::web::run_worker::register();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {}
