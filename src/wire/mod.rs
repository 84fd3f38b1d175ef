//! Kafka's wire protocol for `kafka-playground serve`, sans-IO: frames in, frames out,
//! no sockets here. [`frame`] cuts the byte stream into frames, [`request`] decodes
//! headers and requests and encodes responses (with the `kafka-protocol` crate),
//! [`versions`] is the one table of what is handled, [`apis`] maps each API onto the
//! engine's own messages, and [`connection`] keeps one client's requests in order.
//! Record batches pass through as the engine's own bytes, never re-encoded.

pub mod apis;
pub mod connection;
pub mod frame;
pub mod request;
pub mod versions;

pub use apis::{Outgoing, ServeContext};
pub use connection::Connection;
