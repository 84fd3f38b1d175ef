//! The cluster mode of the page (`?scenario=NAME&seed=N`): starts the lockstep driver
//! for a shipped scenario, keeps its latest [`ClusterView`], and exposes the run's
//! journal to scripts as `window.kafkaPlaygroundJournal()` (tests compare it with the
//! CLI's). The picture itself is drawn by the cluster components from the view.

use crate::sim::scenario::Scenario;
use crate::web::cluster_driver::ClusterDriver;
use crate::web::cluster_view::{ClusterCommand, ClusterView};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// The scenarios shipped with the page (sections 5 and 9–10), by name.
pub const SCENARIOS: &[(&str, &str)] = &[
    ("acks-all-survives-leader-crash", include_str!("../../scenarios/acks-all-survives-leader-crash.json")),
    ("acks-1-loses-acknowledged-record", include_str!("../../scenarios/acks-1-loses-acknowledged-record.json")),
    ("follower-leaves-isr-during-partition", include_str!("../../scenarios/follower-leaves-isr-during-partition.json")),
    ("not-enough-replicas", include_str!("../../scenarios/not-enough-replicas.json")),
    ("unclean-election-loses-data", include_str!("../../scenarios/unclean-election-loses-data.json")),
    ("clean-election-waits", include_str!("../../scenarios/clean-election-waits.json")),
    ("controller-paused-no-election", include_str!("../../scenarios/controller-paused-no-election.json")),
    // Sections 9–10: consumer groups.
    ("consumer-group-playground", include_str!("../../scenarios/consumer-group-playground.json")),
    ("consumer-group-three-members", include_str!("../../scenarios/consumer-group-three-members.json")),
    ("two-groups-one-topic", include_str!("../../scenarios/two-groups-one-topic.json")),
    ("consumer-restart-resumes-from-committed", include_str!("../../scenarios/consumer-restart-resumes-from-committed.json")),
    ("consumer-crash-session-timeout", include_str!("../../scenarios/consumer-crash-session-timeout.json")),
    ("consumer-graceful-leave", include_str!("../../scenarios/consumer-graceful-leave.json")),
    ("slow-consumer-max-poll-interval", include_str!("../../scenarios/slow-consumer-max-poll-interval.json")),
    ("rebalance-eager-stop-the-world", include_str!("../../scenarios/rebalance-eager-stop-the-world.json")),
    ("rebalance-cooperative-incremental", include_str!("../../scenarios/rebalance-cooperative-incremental.json")),
    ("static-member-restart-no-rebalance", include_str!("../../scenarios/static-member-restart-no-rebalance.json")),
    ("coordinator-failover", include_str!("../../scenarios/coordinator-failover.json")),
    // The simulation-speed benchmark's load (3 brokers, RF 3, 6 partitions, 1,000 records/s).
    ("bench-standard", include_str!("../../benches/standard-scenario.json")),
];

#[derive(Properties, PartialEq)]
pub struct Props {
    pub scenario: String,
    pub seed: u64,
}

/// The scenario named `name`, or why not.
pub fn find_scenario(name: &str) -> Result<Scenario, String> {
    let (_, text) = SCENARIOS
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| format!("unknown scenario {name:?}; known: {}", SCENARIOS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")))?;
    Scenario::parse(text).map_err(|e| e.to_string())
}

#[function_component(ClusterPage)]
pub fn cluster_page(props: &Props) -> Html {
    let view = use_state(|| None::<ClusterView>);
    let error = use_state(|| None::<String>);
    let driver = use_mut_ref(|| None::<Rc<ClusterDriver>>);
    {
        let (view, error, driver) = (view.clone(), error.clone(), driver.clone());
        use_effect_with((props.scenario.clone(), props.seed), move |(name, seed)| {
            let on_view = Callback::from(move |v: ClusterView| view.set(Some(v)));
            match find_scenario(name).and_then(|s| ClusterDriver::start(s, *seed, &format!("cluster-{name}"), on_view)) {
                Ok(d) => {
                    let d = Rc::new(d);
                    expose_journal(&d);
                    *driver.borrow_mut() = Some(d);
                }
                Err(e) => error.set(Some(e)),
            }
            move || {
                driver.borrow_mut().take();
            }
        });
    }
    let command = {
        let driver = driver.clone();
        Callback::from(move |c: ClusterCommand| {
            if let Some(d) = driver.borrow().as_ref() {
                d.command(c);
            }
        })
    };
    html! {
        <main class="cluster-page" data-testid="cluster-page">
            if let Some(e) = (*error).clone() { <p class="error" role="alert" data-testid="cluster-error">{ e }</p> }
            if let Some(v) = (*view).clone() {
                <p data-testid="cluster-clock" data-now-ms={v.now_ms.to_string()} data-paused={v.paused.to_string()}>
                    { format!("t = {:.3} s", v.now_ms as f64 / 1000.0) }
                </p>
                <p data-testid="journal-entries">{ v.journal_entries }</p>
                <crate::ui::groups_band::GroupsBand view={v.clone()} on_command={command.clone()} />
                <pre data-testid="cluster-view-json">{ serde_json::to_string_pretty(&v).unwrap_or_default() }</pre>
            }
        </main>
    }
}

/// `window.kafkaPlaygroundJournal()` returns the run's journal as JSON text (and
/// `kafkaPlaygroundJournalDigest()` its entries, bytes and CRC-32C as compact JSON);
/// `window.kafkaPlaygroundCommand(json)` runs a [`ClusterCommand`] given as JSON (e.g.
/// `{"SetSpeed":100}`, `"Pause"`, `{"Crash":2}`) and returns an error text or "".
fn expose_journal(driver: &Rc<ClusterDriver>) {
    let Some(w) = web_sys::window() else { return };
    let weak = Rc::downgrade(driver);
    let journal = Closure::<dyn Fn() -> String>::new(move || weak.upgrade().map(|d| d.journal_json()).unwrap_or_default());
    let _ = js_sys::Reflect::set(&w, &JsValue::from_str("kafkaPlaygroundJournal"), journal.as_ref());
    journal.forget();
    let weak = Rc::downgrade(driver);
    let digest = Closure::<dyn Fn() -> String>::new(move || {
        weak.upgrade()
            .map(|d| {
                let (entries, bytes, crc32c) = d.journal_digest();
                serde_json::json!({ "entries": entries, "bytes": bytes, "crc32c": crc32c }).to_string()
            })
            .unwrap_or_default()
    });
    let _ = js_sys::Reflect::set(&w, &JsValue::from_str("kafkaPlaygroundJournalDigest"), digest.as_ref());
    digest.forget();
    let weak = Rc::downgrade(driver);
    let command = Closure::<dyn Fn(String) -> String>::new(move |text: String| {
        match (serde_json::from_str::<ClusterCommand>(&text), weak.upgrade()) {
            (Ok(c), Some(d)) => {
                d.command(c);
                String::new()
            }
            (Err(e), _) => format!("not a cluster command: {e}"),
            (_, None) => "no cluster is running".to_string(),
        }
    });
    let _ = js_sys::Reflect::set(&w, &JsValue::from_str("kafkaPlaygroundCommand"), command.as_ref());
    command.forget();
}
