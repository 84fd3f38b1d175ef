//! The browser driver: the lockstep driver on the main thread (`cluster_driver`), one
//! node worker per broker (`node_worker`, `node_protocol`), the commands the page sends
//! (`cluster_commands`), and the view it draws from (`cluster_view`, `cluster_picture`);
//! or, watching `kafka-playground serve`, its WebSocket (`serve_link`).

pub mod cluster_commands;
pub mod cluster_driver;
pub mod cluster_picture;
pub mod cluster_view;
pub mod group_picture;
pub mod node_protocol;
pub mod node_worker;
pub mod serial;
pub mod serve_link;
pub mod workspace_lock;
