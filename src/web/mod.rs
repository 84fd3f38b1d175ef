//! The browser driver. The page's main thread only draws: it starts the run worker
//! (`run_worker`, through `run_link`; `run_protocol` is what they say, `run_files` the
//! files a run is made of), which hosts the lockstep driver (`cluster_driver`) and one
//! node worker per broker (`node_worker`, `node_protocol`), checks the page's commands
//! (`cluster_commands`) and builds the view the page draws (`cluster_view`,
//! `cluster_picture`); or, watching `kafka-playground serve`, the page reads its
//! WebSocket (`serve_link`).

pub mod cluster_commands;
pub mod cluster_driver;
pub mod cluster_picture;
pub mod cluster_view;
pub mod group_picture;
pub mod node_protocol;
pub mod node_worker;
pub mod run_files;
pub mod run_link;
pub mod run_protocol;
pub mod run_worker;
pub mod serial;
pub mod serve_link;
pub mod workspace_lock;
