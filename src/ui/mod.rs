//! The Yew page (wasm only): one page, the cluster picture of a workspace (the lecture's
//! notebook, or a scenario), in bands, one folder each:
//! * `shell` — the frame: what the address asks for (`mode`), the page, top bar, speed
//!   and step, tabs for narrow and embedded layouts, the scenario picker, the panic note;
//! * `produce` — the producer form and the admin card (brokers, topics, retention);
//! * `cluster` — brokers, the partition × broker matrix, replicas, records, the log panel;
//! * `groups` — consumer groups: members, assignment, rebalances, lag, their forms;
//! * `events` — the events feed in words;
//! * `lesson` — the lesson a learner follows (`?lesson=NAME`): its files and its panel;
//! * `embed` — the window's `message` listener for a course page (`crate::embed`);
//! * `common` — form fields, number formats, downloads;
//! * `i18n` — the one translation table (English, Russian).

pub mod cluster;
pub mod common;
pub mod embed;
pub mod events;
pub mod groups;
pub mod i18n;
pub mod lesson;
pub mod produce;
pub mod shell;

/// The value of `name` in the page's query string (`%XX` decoded).
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    shell::mode::param(&search, name)
}

/// The page's address as relative ones resolve against it (the document's base URI):
/// scenario and lesson files are next to the page.
pub fn page_base_url() -> String {
    web_sys::window().and_then(|w| w.document()).and_then(|d| d.base_uri().ok().flatten()).unwrap_or_default()
}

/// Mounts the page on `#app`: the cluster picture of `?scenario=NAME[&seed=N]`, else of
/// the lecture's notebook ([`shell::mode::Root`] reads the address).
pub fn start() {
    shell::panic::install();
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => {
            yew::Renderer::<shell::mode::Root>::with_root(root).render();
        }
        None => {
            yew::Renderer::<shell::mode::Root>::new().render();
        }
    }
}
