//! Which run the page opens: `kafka-playground serve`'s live cluster (`?serve=1`, see
//! `super::serve_page`), the lecture's notebook (the default workspace), a lesson
//! (`?lesson=NAME`), or a scenario when the address says `?scenario=NAME` (optionally `&seed=N`, default 1,
//! `&workspace=W`, `&embed=1`, `&lang=en|ru` and `&embed_origin=…`, see EMBEDDING.md; a
//! share link adds `&run=…`, the timeline's moment and commands). Owns the address's parsing, the root component that picks the mode, and
//! the top bar's scenario selector that navigates between them. A bad name or seed is
//! kept as a problem the cluster page shows inline (never a panic or a blank page).

use crate::ui::i18n::{Lang, T};
use crate::ui::shell::page::ClusterPage;
use crate::ui::shell::scenarios;
use yew::prelude::*;

/// The seed when the address has none.
pub const DEFAULT_SEED: u64 = 1;

/// What is wrong with the address's cluster parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressProblem {
    UnknownScenario(String),
    UnknownLesson(String),
    BadSeed(String),
    /// A share link's `run` that cannot be read (the reason names the field).
    BadRun(String),
}

impl AddressProblem {
    /// The problem in the learner's language, naming the bad value.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            AddressProblem::UnknownScenario(name) if name.starts_with(super::own_scenario::OWN_PREFIX) => {
                format!("{} \"{name}\": {}", T::UnknownScenario.get(lang), T::OwnScenarioMissing.get(lang))
            }
            AddressProblem::UnknownScenario(name) => format!(
                "{} \"{name}\": {} {}",
                T::UnknownScenario.get(lang),
                T::ChooseOneOf.get(lang),
                scenarios::names().collect::<Vec<_>>().join(", ")
            ),
            AddressProblem::UnknownLesson(name) => format!(
                "{} \"{name}\": {} {}",
                T::UnknownLesson.get(lang),
                T::ChooseOneOf.get(lang),
                crate::ui::lesson::files::LESSONS.join(", ")
            ),
            AddressProblem::BadSeed(seed) => format!("{} \"{seed}\"", T::BadSeed.get(lang)),
            AddressProblem::BadRun(why) => format!("{}: {why}", T::BadShareLink.get(lang)),
        }
    }
}

/// The cluster page's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterParams {
    pub scenario: String,
    pub seed: u64,
    pub embed: bool,
    /// `?lesson=NAME`: the run is the lesson's (its scenario, without the scenario's steps).
    pub lesson: Option<String>,
    /// `?run=…`: a share link's moment and commands (`crate::sim::timeline::link`), read
    /// by the run worker.
    pub run: Option<String>,
    /// Set when the scenario, the lesson or the seed is not usable; nothing runs then.
    pub problems: Vec<AddressProblem>,
}

/// `%XX` decoding of one query value (invalid escapes are kept as written).
fn decoded(value: &str) -> String {
    js_sys::decode_uri_component(&value.replace('+', " "))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| value.to_string())
}

/// The value of `name` in a query string (`?a=1&b=2`).
pub fn param(search: &str, name: &str) -> Option<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
        .map(decoded)
}

/// The run a query string asks for: `?scenario=NAME`, or the lecture's notebook.
pub fn params_of(search: &str) -> ClusterParams {
    let scenario = param(search, "scenario").unwrap_or_else(|| scenarios::DEFAULT_SCENARIO.to_string());
    let mut problems = Vec::new();
    if !scenarios::known(&scenario) {
        problems.push(AddressProblem::UnknownScenario(scenario.clone()));
    }
    let seed = match param(search, "seed") {
        None => DEFAULT_SEED,
        Some(s) => s.trim().parse::<u64>().unwrap_or_else(|_| {
            problems.push(AddressProblem::BadSeed(s.clone()));
            DEFAULT_SEED
        }),
    };
    let embed = param(search, "embed").is_some_and(|v| v == "1" || v == "true");
    let lesson = param(search, "lesson");
    if let Some(name) = lesson.as_ref().filter(|n| !crate::ui::lesson::files::known(n)) {
        problems.push(AddressProblem::UnknownLesson(name.clone()));
    }
    // A share link's `run` is read by the run worker (its reader stays out of the page's
    // wasm), which answers a bad one before anything runs ([`AddressProblem::BadRun`]).
    let run = param(search, "run");
    ClusterParams { scenario, seed, embed, lesson, run, problems }
}

fn location_search() -> String {
    web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default()
}

/// The address of a scenario's page, keeping `embed`, `workspace`, `lang` and
/// `embed_origin` (a course page still talks to its iframe after the learner picks
/// another scenario).
pub fn href_for(scenario: &str, seed: u64) -> String {
    let search = location_search();
    let path = web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_else(|| "/".into());
    let keep: String = ["embed", "workspace", "lang", "embed_origin"]
        .iter()
        .filter_map(|k| {
            param(&search, k).map(|v| format!("&{k}={}", String::from(js_sys::encode_uri_component(&v))))
        })
        .collect();
    format!("{path}?scenario={scenario}&seed={seed}{keep}")
}

/// A share link: this page's address for the run of `params` (its lesson or scenario and
/// seed) replayed with `run` (`crate::sim::timeline::link`), without `embed` or
/// `workspace` (the link opens the full page in a workspace of its own).
pub fn share_href(params: &ClusterParams, run: &str) -> String {
    let location = web_sys::window().map(|w| w.location());
    let origin = location.as_ref().and_then(|l| l.origin().ok()).unwrap_or_default();
    let path = location.as_ref().and_then(|l| l.pathname().ok()).unwrap_or_else(|| "/".into());
    let what = match &params.lesson {
        Some(l) => format!("lesson={}", String::from(js_sys::encode_uri_component(l))),
        None => format!("scenario={}", String::from(js_sys::encode_uri_component(&params.scenario))),
    };
    format!("{origin}{path}?{what}&seed={}&run={run}", params.seed)
}

/// The root: reads the address once; `?serve=…` watches `kafka-playground serve`
/// ([`super::serve_page`]).
#[function_component(Root)]
pub fn root() -> Html {
    let read = use_memo((), |_| {
        let search = location_search();
        (params_of(&search), super::serve_page::serve_url(&search))
    });
    match &read.1 {
        Some(url) => html! { <super::serve_page::ServePage url={url.clone()} /> },
        None => html! { <ClusterPage params={read.0.clone()} /> },
    }
}

#[derive(Properties, PartialEq)]
pub struct SelectProps {
    pub lang: Lang,
    /// The scenario shown.
    pub current: String,
    #[prop_or(DEFAULT_SEED)]
    pub seed: u64,
    /// The shown scenario's description (its file is fetched, so the page passes it).
    #[prop_or_default]
    pub description: String,
}

/// The scenario selector: every built-in scenario, the notebook first; choosing navigates.
#[function_component(ScenarioSelect)]
pub fn scenario_select(props: &SelectProps) -> Html {
    let seed = props.seed;
    let onchange = Callback::from(move |e: Event| {
        use wasm_bindgen::JsCast;
        let Some(select) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) else {
            return;
        };
        let href = href_for(&select.value(), seed);
        if let Some(w) = web_sys::window() {
            let _ = w.location().set_href(&href);
        }
    });
    let current = props.current.clone();
    // An unlisted scenario (the benchmark's load) is shown as itself, an unknown one with a "?".
    let listed = scenarios::names().any(|n| n == current);
    let known = scenarios::known(&current);
    html! {
        <label class="scenario-select inline">
            <span class="label-text">{T::ScenarioLabel.get(props.lang)}</span>
            <select onchange={onchange} data-testid="scenario-select" title={props.description.clone()}>
                if !listed {
                    <option value={current.clone()} selected=true disabled=true>
                        { if known { current.clone() } else { format!("? {current}") } }
                    </option>
                }
                { for scenarios::names().map(|name| html! {
                    <option value={name} selected={name == current}>{name}</option>
                }) }
            </select>
        </label>
    }
}
