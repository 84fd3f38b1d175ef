//! The `kafka-playground` command-line tool (native only; see `kafka_playground::cli`).
//! On wasm32 it is an empty program so `cargo build --target wasm32-unknown-unknown` works.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    std::process::exit(kafka_playground::cli::main_with_env());
}

#[cfg(target_arch = "wasm32")]
fn main() {}
