//! The page's `postMessage` API for a course page that embeds it (`EMBEDDING.md` is the
//! reference for authors), sans DOM so native tests check every rule:
//! * [`inbound`] — the messages a course page sends (the page's own typed
//!   [`crate::sim::picture::command::ClusterCommand`]s, lesson next / back / again, hello),
//!   each validated with an error naming what is wrong;
//! * [`outbound`] — what the page posts back: the ready handshake, answers, and the
//!   state changes it sees between two views (a node crashed or restarted, a group's state,
//!   a lesson step shown, its task completed);
//! * [`origins`] — which origins may talk to the page (`?embed_origin=…`).
//!
//! The browser side (the window's `message` listener) is `crate::ui::embed`.

pub mod inbound;
pub mod origins;
pub mod outbound;

/// The protocol version: every message in and out carries it as `"v"`.
pub const EMBED_VERSION: u32 = 1;
/// A message's JSON text at most (bytes): bounds every field inside it.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;
/// A message's `id` (echoed in its answer) at most (characters).
pub const MAX_ID_CHARS: usize = 64;
/// Commands that may wait for the run to take them (the page's, a script's and a course
/// page's together); one more is refused with [`inbound::EmbedError::QueueFull`].
pub const COMMANDS_WAITING_AT_MOST: usize = 256;
