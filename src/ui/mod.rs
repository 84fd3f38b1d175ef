//! The Yew page (wasm only): one reducible state fed by the broker worker, components by
//! role (top bar, producer, cluster and partitions, reader, events), one translation table.

pub mod app;
pub mod cluster;
pub mod download;
pub mod error_text;
pub mod feed;
pub mod format;
pub mod i18n;
pub mod panic;
pub mod partition_detail;
pub mod partition_strip;
pub mod produce_form;
pub mod reader;
pub mod state;
pub mod tabs;
pub mod topbar;
pub mod topic_form;

/// Mounts the page on `#app`.
pub fn start() {
    panic::install();
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => {
            yew::Renderer::<app::App>::with_root(root).render();
        }
        None => {
            yew::Renderer::<app::App>::new().render();
        }
    }
}
