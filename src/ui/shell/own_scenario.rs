//! Scenarios of one's own (issue 14 point 9): a teacher or learner opens a scenario file
//! they wrote, picked with the file chooser, dropped on the page or pasted, and downloads
//! the scenario the page runs as a file to start from. A file is checked as a scenario
//! file is everywhere (`Scenario::parse`, in the run worker: field-named errors, the
//! size bound) before anything is kept; a good one is kept in this browser's `localStorage` under
//! `own:NAME-CRC` (its `name` and the CRC-32C of its text, so an edited file is a new
//! workspace rather than resuming the old one's stored run) and the page opens
//! `?scenario=own:NAME-CRC`, which reloads and is resumed like any scenario. Invariant:
//! nothing is kept that does not parse; a name that is not kept in this browser is an
//! unknown scenario whose message says to open its file again.

use crate::ui::i18n::{Lang, T};
use crate::ui::shell::mode::href_for;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The prefix of an own scenario's name (what `?scenario=` carries).
pub const OWN_PREFIX: &str = "own:";

/// Where the kept files are (`localStorage`, one key per file).
const STORAGE_PREFIX: &str = "kafka-playground.scenario.";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// An own scenario's kept text, if this browser has it.
pub fn stored(name: &str) -> Option<String> {
    if !name.starts_with(OWN_PREFIX) {
        return None;
    }
    storage()?.get_item(&format!("{STORAGE_PREFIX}{name}")).ok().flatten()
}

/// Keeps `text`, a scenario file the run worker checked and found named `scenario`; the
/// name to open it by, or why the browser would not keep it.
fn keep(text: &str, scenario: &str) -> Result<String, String> {
    let name = format!(
        "{OWN_PREFIX}{scenario}-{:08x}",
        crate::engine::record::crc::crc32c_bytewise(text.as_bytes())
    );
    let store = storage().ok_or("this browser keeps no localStorage for the page")?;
    store.set_item(&format!("{STORAGE_PREFIX}{name}"), text).map_err(|e| {
        let why = e
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|| format!("{e:?}"));
        format!("the browser did not keep the file: {why}")
    })?;
    Ok(name)
}

/// The text of the scenario `name` as a file: the kept one, or the page's own.
async fn file_text(name: &str) -> Result<String, String> {
    if let Some(text) = stored(name) {
        return Ok(text);
    }
    let address = super::scenarios::address(name).ok_or_else(|| format!("unknown scenario {name:?}"))?;
    crate::web::run_files::fetch_text(&address, &crate::ui::page_base_url()).await
}

/// Reads the first file of a list (picked or dropped) as text.
async fn read_first(files: Option<web_sys::FileList>) -> Result<String, String> {
    let file = files.and_then(|f| f.get(0)).ok_or("no file was given")?;
    let most = crate::engine::limits::MAX_SCENARIO_BYTES;
    if file.size() > f64::from(most) {
        return Err(format!(
            "{}: {} bytes: a scenario file has at most {most} in the playground",
            file.name(),
            file.size()
        ));
    }
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(|_| format!("{}: cannot be read", file.name()))?;
    text.as_string().ok_or_else(|| format!("{}: not text", file.name()))
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    /// The scenario the page runs (what "download" saves).
    pub scenario: String,
    pub seed: u64,
    /// Checks a scenario file's text (in the run worker): its `name`, or what is wrong.
    pub check: Callback<(String, Callback<Result<String, String>>)>,
}

/// The top bar's fold beside the scenario selector (its panel floats over the page, so
/// it adds no height): download this scenario's file; open one's own.
#[function_component(OwnScenario)]
pub fn own_scenario(p: &Props) -> Html {
    let l = p.lang;
    let error = use_state(|| None::<String>);
    let pasted = use_state(String::new);
    let dragging = use_state(|| false);
    let seed = p.seed;
    // Keep and open, or show what is wrong.
    let open = {
        let (error, check) = (error.clone(), p.check.clone());
        Callback::from(move |text: Result<String, String>| {
            let text = match text {
                Ok(t) => t,
                Err(e) => return error.set(Some(e)),
            };
            let (error, sent) = (error.clone(), text.clone());
            let kept = move |name: Result<String, String>| match name.and_then(|n| keep(&text, &n)) {
                Ok(name) => {
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().set_href(&href_for(&name, seed));
                    }
                }
                Err(e) => error.set(Some(e)),
            };
            check.emit((sent, Callback::from(kept)));
        })
    };
    let from_files = {
        let open = open.clone();
        move |files: Option<web_sys::FileList>| {
            let open = open.clone();
            wasm_bindgen_futures::spawn_local(async move { open.emit(read_first(files).await) });
        }
    };
    let on_pick = {
        let from_files = from_files.clone();
        Callback::from(move |e: Event| {
            let input = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
            from_files(input.and_then(|i| i.files()));
        })
    };
    let on_drag = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(true);
        })
    };
    let on_leave = {
        let dragging = dragging.clone();
        Callback::from(move |_: DragEvent| dragging.set(false))
    };
    let on_drop = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(false);
            from_files(e.data_transfer().and_then(|d| d.files()));
        })
    };
    let on_paste_input = {
        let pasted = pasted.clone();
        Callback::from(move |e: InputEvent| pasted.set(crate::ui::common::form::value_of(&e)))
    };
    let on_open_pasted = {
        let (open, pasted) = (open.clone(), pasted.clone());
        Callback::from(move |_: MouseEvent| open.emit(Ok((*pasted).clone())))
    };
    let on_download = {
        let (name, error) = (p.scenario.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let (name, error) = (name.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match file_text(&name).await {
                    Ok(text) => {
                        let file = format!("{}.json", name.trim_start_matches(OWN_PREFIX));
                        crate::ui::common::download::text_file(&file, &text);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    html! {
        <details class="own-scenario" data-testid="own-scenario">
            <summary>{ T::OwnScenario.get(l) }</summary>
            <div class="own-scenario-panel">
            <p>
                <button type="button" class="quiet small" onclick={on_download} data-testid="download-scenario">
                    { T::DownloadScenario.get(l) }
                </button>
                { format!(" {}", T::DownloadScenarioHint.get(l)) }
            </p>
            <div class={classes!("drop-zone", dragging.then_some("dragging"))} data-testid="scenario-drop"
                ondragover={on_drag.clone()} ondragenter={on_drag} ondragleave={on_leave} ondrop={on_drop}>
                <label>
                    { format!("{} ", T::OpenScenarioFile.get(l)) }
                    <input type="file" accept=".json,application/json" onchange={on_pick} data-testid="scenario-file" />
                </label>
                <span class="hint">{ format!(" {}", T::DropScenarioHere.get(l)) }</span>
            </div>
            <label class="paste">
                { T::PasteScenario.get(l) }
                <textarea rows="4" spellcheck="false" oninput={on_paste_input} data-testid="scenario-paste"
                    placeholder="{ \"version\": 1, \"name\": \"mine\", \"cluster\": { \"brokers\": 3 }, … }"></textarea>
            </label>
            <button type="button" onclick={on_open_pasted} disabled={pasted.trim().is_empty()} data-testid="scenario-open">
                { T::OpenPastedScenario.get(l) }
            </button>
            if let Some(e) = (*error).clone() {
                <p class="error" role="alert" data-testid="own-scenario-error">{ e }</p>
            }
            <p class="hint">{ T::OwnScenarioHint.get(l) }</p>
            </div>
        </details>
    }
}
