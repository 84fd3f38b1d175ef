//! The frame of the page: what the address asks for, the page, the top bar, speed and step,
//! tabs for narrow and embedded layouts, the scenario picker, one's own scenario files, the
//! panic note, the timeline bar, the notice of a tab whose workspace another tab runs, and the page watching
//! `serve`.

pub mod bands;
pub mod mode;
pub mod own_scenario;
pub mod page;
pub mod page_api;
pub mod panic;
pub mod scenarios;
pub mod serve_page;
pub mod speed;
pub mod tabs;
pub mod timeline;
pub mod topbar;
pub mod workspace_busy;
