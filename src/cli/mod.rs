//! The native `kafka-playground` command-line tool.
