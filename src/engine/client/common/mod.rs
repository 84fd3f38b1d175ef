//! Plumbing the clients share. For now the parsing of config values under the Java
//! client's names and with `ConfigException`'s wording ([`config`]); the consumer uses
//! it, the producer still has its own copy of the same helpers.

pub mod config;
