//! A cluster node's web worker (one per broker in the cluster view): registers the
//! gloo-worker agent (wasm only; natively an empty main so `cargo test` builds).

#[cfg(target_arch = "wasm32")]
fn main() {
    use gloo_worker::Registrable;
    kafka_playground::web::node_worker::NodeWorker::registrar().register();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {}
