//! The Yew page (wasm only): one reducible state fed by the broker worker, components by
//! role (top bar, producer, cluster and partitions, reader, events), one translation table.

pub mod app;
pub mod cluster;
pub mod cluster_page;
pub mod download;
pub mod error_text;
pub mod feed;
pub mod format;
pub mod groups_band;
pub mod groups_forms;
pub mod groups_lag;
pub mod groups_members;
pub mod groups_spans;
pub mod i18n;
pub mod i18n_groups;
pub mod panic;
pub mod partition_detail;
pub mod partition_strip;
pub mod produce_form;
pub mod reader;
pub mod state;
pub mod tabs;
pub mod topbar;
pub mod topic_form;

/// The value of `name` in the page's query string.
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
        .map(str::to_string)
}

/// Mounts the page on `#app`: the cluster view with `?scenario=NAME[&seed=N]`, else the
/// single-broker page.
pub fn start() {
    panic::install();
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app"));
    if let Some(scenario) = query_param("scenario") {
        let seed = query_param("seed").and_then(|s| s.parse().ok()).unwrap_or(1);
        let props = cluster_page::Props { scenario, seed };
        match root {
            Some(root) => yew::Renderer::<cluster_page::ClusterPage>::with_root_and_props(root, props).render(),
            None => yew::Renderer::<cluster_page::ClusterPage>::with_props(props).render(),
        };
        return;
    }
    match root {
        Some(root) => {
            yew::Renderer::<app::App>::with_root(root).render();
        }
        None => {
            yew::Renderer::<app::App>::new().render();
        }
    }
}
