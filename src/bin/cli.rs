//! The `kafka-playground` command-line tool.
fn main() {}
