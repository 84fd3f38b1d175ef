//! The files a run is made of, loaded in the run worker: the scenario (the built-in
//! notebook, a file next to the page fetched when chosen, or one's own, whose text the
//! page sends), and a lesson with the scenario it names. Invariant: every failure names
//! the scenario or lesson and what is wrong (a failed fetch, a field, a scenario the
//! lesson does not fit). The names the page offers are `crate::ui::shell::scenarios` and
//! `crate::ui::lesson::files`; only their addresses are read here.

use super::run_protocol::{LessonFacts, RunStart};
use crate::engine::limits::MAX_UNTIL_MS;
use crate::sim::lesson::Lesson;
use crate::sim::scenario::{ClientKind, Scenario};
use crate::ui::lesson::files as lessons;
use crate::ui::shell::scenarios::{address, DEFAULT_SCENARIO};
use wasm_bindgen::JsCast;

/// The default scenario's text, built into the run worker: the default page's run
/// starts without a round trip.
const DEFAULT_JSON: &str = include_str!("../../scenarios/lecture-notebook.json");

/// The scenario of `start` (a lesson's, if it names one), and the lesson.
pub async fn load(start: &RunStart) -> Result<(Scenario, Option<Lesson>), String> {
    match &start.lesson {
        Some(name) => load_lesson(name, &start.base_url).await.map(|(l, s)| (s, Some(l))),
        None => load_scenario(&start.scenario, start.own_text.as_deref(), &start.base_url)
            .await
            .map(|s| (s, None)),
    }
}

/// The parsed scenario, or why not (unknown name, a failed fetch, a file that does not
/// parse), each naming the scenario.
async fn load_scenario(name: &str, own_text: Option<&str>, base: &str) -> Result<Scenario, String> {
    if let Some(text) = own_text {
        return Scenario::parse(text).map_err(|e| format!("{name}: {e}"));
    }
    let address = address(name).ok_or_else(|| format!("unknown scenario {name:?}"))?;
    let text = if name == DEFAULT_SCENARIO {
        DEFAULT_JSON.to_string()
    } else {
        fetch_text(&address, base)
            .await
            .map_err(|e| format!("scenario {name}: cannot load {address}: {e}"))?
    };
    Scenario::parse(&text).map_err(|e| format!("scenarios/{name}.json: {e}"))
}

/// The lesson and the scenario its run is made of: the scenario's cluster, topics and
/// clients without its own timed steps, open-ended up to the playground's longest run.
async fn load_lesson(name: &str, base: &str) -> Result<(Lesson, Scenario), String> {
    if !lessons::known(name) {
        return Err(format!("unknown lesson {name:?}: choose one of {}", lessons::LESSONS.join(", ")));
    }
    let address = format!("lessons/{name}.json");
    let text =
        fetch_text(&address, base).await.map_err(|e| format!("lesson {name}: cannot load {address}: {e}"))?;
    let lesson = Lesson::parse(&text).map_err(|e| format!("lessons/{name}.json: {e}"))?;
    let mut scenario = load_scenario(&lesson.scenario, None, base).await?;
    lesson.validate_against(&scenario).map_err(|e| format!("lessons/{name}.json: {e}"))?;
    // The lesson's acts and the learner replace the scenario's own steps.
    scenario.steps.clear();
    scenario.until_ms = MAX_UNTIL_MS;
    Ok((lesson, scenario))
}

/// What the lesson panel needs of the lesson's scenario.
pub fn lesson_facts(lesson: Lesson, scenario: &Scenario) -> LessonFacts {
    LessonFacts {
        lesson: (&lesson).into(),
        consumers: scenario.clients.iter().map(|c| (c.id.clone(), c.kind == ClientKind::Consumer)).collect(),
        topic_partitions: scenario
            .topics
            .iter()
            .map(|t| (t.name.clone(), t.partitions.max(0) as u32))
            .collect(),
    }
}

/// The body of a GET of `address` (relative to `base`), or the HTTP status or network
/// error; from the page or from a worker.
pub async fn fetch_text(address: &str, base: &str) -> Result<String, String> {
    let words = |e: wasm_bindgen::JsValue| {
        e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| format!("{e:?}"))
    };
    let url = web_sys::Url::new_with_base(address, base).map_err(words)?.href();
    let global = js_sys::global();
    let promise = match global.dyn_ref::<web_sys::WorkerGlobalScope>() {
        Some(worker) => worker.fetch_with_str(&url),
        None => global.unchecked_into::<web_sys::Window>().fetch_with_str(&url),
    };
    let response = wasm_bindgen_futures::JsFuture::from(promise).await.map_err(words)?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "not an HTTP response".to_string())?;
    if !response.ok() {
        return Err(format!("HTTP {} {}", response.status(), response.status_text()));
    }
    let text = wasm_bindgen_futures::JsFuture::from(response.text().map_err(words)?).await.map_err(words)?;
    text.as_string().ok_or_else(|| "the body is not text".to_string())
}
