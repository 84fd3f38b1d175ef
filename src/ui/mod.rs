//! The Yew page (wasm only): one page, the cluster picture of a workspace (the lecture's
//! notebook, or a scenario: `cluster_mode`), in bands (producers and admin, cluster and
//! the log panel, consumer groups, events); one translation table.

pub mod cluster_admin;
pub mod cluster_brokers;
pub mod cluster_events;
pub mod cluster_log;
pub mod cluster_matrix;
pub mod cluster_mode;
pub mod cluster_page;
pub mod cluster_producers;
pub mod cluster_record;
pub mod cluster_replica;
pub mod cluster_speed;
pub mod cluster_topbar;
pub mod download;
pub mod form;
pub mod format;
pub mod groups_band;
pub mod groups_forms;
pub mod groups_lag;
pub mod groups_members;
pub mod groups_rebalances;
pub mod groups_spans;
pub mod groups_words;
pub mod i18n;
pub mod i18n_groups;
pub mod panic;
pub mod scenarios;
pub mod tabs;
pub mod workspace_busy;

/// The value of `name` in the page's query string (`%XX` decoded).
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    cluster_mode::param(&search, name)
}

/// Mounts the page on `#app`: the cluster picture of `?scenario=NAME[&seed=N]`, else of
/// the lecture's notebook ([`cluster_mode::Root`] reads the address).
pub fn start() {
    panic::install();
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => {
            yew::Renderer::<cluster_mode::Root>::with_root(root).render();
        }
        None => {
            yew::Renderer::<cluster_mode::Root>::new().render();
        }
    }
}
