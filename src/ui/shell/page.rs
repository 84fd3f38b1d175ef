//! The cluster mode's root (`?scenario=NAME&seed=N`): starts the lockstep driver for a
//! built-in scenario, keeps its latest [`ClusterView`], hands the picture's components a
//! [`ClusterCtx`] (the view, the language, the command callback), lays out the bands
//! (producers · cluster · events; tabs below 900 px; `embed=1` hides the chrome), and
//! exposes the run to scripts: `window.kafkaPlaygroundJournal()`, `…JournalDigest()`,
//! `…Command(json)` and `…View()` (the latest view as JSON, built only when asked), and
//! to a course page that embeds it (`postMessage`, [`crate::ui::embed`]).

use crate::embed::inbound::EmbedError;
use crate::engine::cluster::NodeId;
use crate::ui::embed::EmbedPort;
use crate::ui::i18n::{Lang, T};
use crate::ui::lesson::files as lesson_files;
use crate::ui::lesson::panel::{LessonPanel, LessonShown};
use crate::ui::produce::form::ProducersBand;
use crate::ui::shell::bands::ClusterBands;
use crate::ui::shell::mode::ClusterParams;
use crate::ui::shell::scenarios;
use crate::ui::shell::speed::use_speed_keys;
use crate::ui::shell::tabs::{Band, BandTabs};
use crate::ui::shell::timeline::TimelineBar;
use crate::ui::shell::topbar::ClusterTopBar;
use crate::ui::shell::workspace_busy::WorkspaceBusy;
use crate::web::cluster_driver::ClusterDriver;
use crate::web::cluster_view::{ClusterCommand, ClusterView};
use crate::web::node_protocol::{LogAnswer, LogAsk};
use crate::web::workspace_lock::{self, WorkspaceLock};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// The bands of the cluster picture, in the tab bar's order (the consumer groups band,
/// `Band::Reader`, only when the scenario has consumers: then it stands beside the
/// brokers, and is the second tab).
const BANDS: [Band; 4] = [Band::Cluster, Band::Reader, Band::Producer, Band::Events];

/// What every component of the picture gets.
#[derive(Clone, PartialEq)]
pub struct ClusterCtx {
    pub view: Rc<ClusterView>,
    pub lang: Lang,
    pub command: Callback<ClusterCommand>,
    /// Checks a command against the cluster and sends it; `Some(refusal)` if it does not pass.
    pub try_command: Callback<ClusterCommand, Option<String>>,
    /// Checks a command against the cluster without sending it; `Some(refusal)` if it would not pass.
    pub check_command: Callback<ClusterCommand, Option<String>>,
    /// Asks a broker's worker about one of its replicas' logs (the log panel).
    pub inspect: Callback<(NodeId, String, u32, LogAsk, Callback<LogAnswer>)>,
    /// Saves the run's journal as a JSON file.
    pub download_journal: Callback<()>,
}

impl ClusterCtx {
    pub fn t(&self, t: T) -> &'static str {
        t.get(self.lang)
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub params: ClusterParams,
}

/// The IndexedDB workspace of a scenario's runs: `cluster-NAME`, or `W/cluster-NAME`
/// with `?workspace=W` (letters, digits, `-` and `_`; anything else is ignored).
fn workspace(name: &str) -> String {
    match crate::ui::query_param("workspace").filter(|w| {
        !w.is_empty() && w.len() <= 64 && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }) {
        Some(w) => format!("{w}/cluster-{name}"),
        None => format!("cluster-{name}"),
    }
}

/// Takes the workspace's lock, waiting (and showing `busy`) while another tab holds it.
/// `Ok(None)`: the browser has no Web Locks API (an insecure origin): the run goes on
/// unguarded, as before, with a warning in the console.
async fn claim(workspace: &str, busy: &UseStateSetter<bool>) -> Result<Option<WorkspaceLock>, String> {
    if !workspace_lock::supported() {
        web_sys::console::warn_1(&"no Web Locks API here: two tabs could run one workspace".into());
        return Ok(None);
    }
    match workspace_lock::acquire(workspace, false).await {
        Ok(Some(held)) => Ok(Some(held)),
        Ok(None) => {
            busy.set(true);
            workspace_lock::acquire(workspace, true).await
        }
        Err(e) => Err(e),
    }
}

#[function_component(ClusterPage)]
pub fn cluster_page(props: &Props) -> Html {
    let lang = use_state(Lang::load);
    let view = use_state(|| None::<Rc<ClusterView>>);
    let start_error = use_state(|| None::<String>);
    let driver = use_mut_ref(|| None::<Rc<ClusterDriver>>);
    // The workspace's Web Lock, held while this tab runs it (dropped after the driver).
    let lock = use_mut_ref(|| None::<WorkspaceLock>);
    // Another tab holds the workspace: this one waits and starts nothing.
    let busy = use_state(|| false);
    // The scenario's `description` by language, once its file is loaded.
    let described = use_state(std::collections::BTreeMap::<String, String>::new);
    // The lesson the run follows (`?lesson=NAME`), once its file is loaded.
    let lesson = use_state(|| None::<Rc<LessonShown>>);
    // The latest view for scripts (`kafkaPlaygroundView()`), serialized only when asked.
    let latest = use_mut_ref(|| None::<Rc<ClusterView>>);
    let band = use_state(Band::default);
    let params = &props.params;
    {
        let (view, start_error, driver, latest, lock, busy, described, lesson) = (
            view.setter(),
            start_error.setter(),
            driver.clone(),
            latest.clone(),
            lock.clone(),
            busy.setter(),
            described.setter(),
            lesson.setter(),
        );
        let runnable = params.problems.is_empty();
        let deps =
            (params.scenario.clone(), params.seed, params.lesson.clone(), params.run.clone(), runnable);
        use_effect_with(deps, move |(name, seed, lesson_name, run, runnable)| {
            let alive = Rc::new(std::cell::Cell::new(true));
            // The course page's channel, closed with the run.
            let embed = Rc::new(RefCell::new(None::<Rc<EmbedPort>>));
            if *runnable {
                expose_view(latest.clone());
                let pending = Rc::new(RefCell::new(Vec::new()));
                expose_journal(driver.clone(), pending.clone());
                expose_memory(driver.clone());
                let port = embed_port(driver.clone(), pending.clone());
                let (port_for_view, port_for_lesson) = (port.clone(), port.clone());
                *embed.borrow_mut() = Some(port);
                let on_view = Callback::from(move |v: ClusterView| {
                    let v = Rc::new(v);
                    port_for_view.on_view(&v);
                    *latest.borrow_mut() = Some(v.clone());
                    view.set(Some(v));
                });
                let (name, seed, alive, driver, lock, lesson_name) =
                    (name.clone(), *seed, alive.clone(), driver.clone(), lock.clone(), lesson_name.clone());
                // A share link's run (checked with the address) replays in a workspace of
                // its own: opening a link never wipes the learner's stored run.
                let shared = run.as_deref().and_then(|r| crate::sim::timeline::link::decode(r).ok());
                wasm_bindgen_futures::spawn_local(async move {
                    let link = if shared.is_some() { "link-" } else { "" };
                    let workspace = match &lesson_name {
                        Some(l) => workspace(&format!("{link}lesson-{l}")),
                        None => workspace(&format!("{link}{name}")),
                    };
                    let held = match claim(&workspace, &busy).await {
                        Ok(held) => held,
                        Err(e) => return start_error.set(Some(e)),
                    };
                    if !alive.get() {
                        return;
                    }
                    busy.set(false);
                    // The notebook is built in; another scenario's file (and a lesson's) is
                    // fetched now.
                    let loaded = match &lesson_name {
                        Some(l) => lesson_files::load(l).await.map(|(les, s)| (s, Some(les))),
                        None => scenarios::load(&name).await.map(|s| (s, None)),
                    };
                    if !alive.get() {
                        return;
                    }
                    if let Ok((s, les)) = &loaded {
                        *port_for_lesson.lesson.borrow_mut() = les.clone();
                        match les {
                            Some(les) => lesson.set(Some(Rc::new(LessonShown::new(les.clone(), s)))),
                            None => described.set(s.description.clone()),
                        }
                    }
                    match loaded
                        .and_then(|(s, les)| ClusterDriver::start(s, seed, &workspace, on_view, les, shared))
                    {
                        Ok(d) => {
                            let d = Rc::new(d);
                            // At most as many as the driver takes (see `queue`).
                            for c in pending.take() {
                                let _ = d.command(c);
                            }
                            *driver.borrow_mut() = Some(d);
                            *lock.borrow_mut() = held;
                        }
                        Err(e) => start_error.set(Some(e)),
                    }
                });
            }
            move || {
                alive.set(false);
                if let Some(port) = embed.borrow_mut().take() {
                    port.close();
                }
                driver.borrow_mut().take();
                lock.borrow_mut().take();
            }
        });
    }
    let command = {
        let driver = driver.clone();
        Callback::from(move |c: ClusterCommand| {
            if let Some(Err(e)) = driver.borrow().as_ref().map(|d| d.command(c)) {
                web_sys::console::warn_1(&e.to_string().into());
            }
        })
    };
    let try_command = {
        let driver = driver.clone();
        Callback::from(move |c: ClusterCommand| match driver.borrow().as_ref() {
            Some(d) => d.try_command(c).err(),
            None => Some("no cluster is running".to_string()),
        })
    };
    let check_command = {
        let driver = driver.clone();
        Callback::from(move |c: ClusterCommand| match driver.borrow().as_ref() {
            Some(d) => d.check_command(&c).err(),
            None => Some("no cluster is running".to_string()),
        })
    };
    let inspect = {
        let driver = driver.clone();
        Callback::from(
            move |(b, topic, p, ask, on_answer): (NodeId, String, u32, LogAsk, Callback<LogAnswer>)| {
                match driver.borrow().as_ref() {
                    Some(d) => d.inspect(b, topic, p, ask, on_answer),
                    None => on_answer.emit(LogAnswer::Refused("no cluster is running".into())),
                }
            },
        )
    };
    let reset = {
        let (driver, lang) = (driver.clone(), *lang);
        Callback::from(move |()| {
            let confirmed = web_sys::window()
                .and_then(|w| w.confirm_with_message(T::RestartScenarioConfirm.get(lang)).ok())
                .unwrap_or(false);
            if let (true, Some(d)) = (confirmed, driver.borrow().as_ref()) {
                d.reset();
            }
        })
    };
    let download_journal = {
        let (driver, name, seed) = (driver.clone(), params.scenario.clone(), params.seed);
        Callback::from(move |()| {
            let Some(d) = driver.borrow().clone() else { return };
            let file = format!("{name}-seed-{seed}-journal.json");
            let blob = d.journal_blob();
            wasm_bindgen_futures::spawn_local(async move {
                match blob.await {
                    Ok(blob) => crate::ui::common::download::blob_file(&file, &blob),
                    // An IndexedDB failure already stopped the run with its words.
                    Err(e) => web_sys::console::error_1(&format!("journal download: {e}").into()),
                }
            });
        })
    };
    let share = {
        let (driver, params) = (driver.clone(), params.clone());
        Callback::from(move |()| match driver.borrow().as_ref() {
            Some(d) => d.share_run().map(|run| crate::ui::shell::mode::share_href(&params, &run)),
            None => Err("no cluster is running".to_string()),
        })
    };
    expose_share_link(share.clone());
    use_speed_keys((*view).clone(), command.clone());

    let l = *lang;
    let on_lang = {
        let lang = lang.clone();
        Callback::from(move |new: Lang| {
            new.store();
            lang.set(new);
        })
    };
    let active = *band;
    let onselect = Callback::from(move |b: Band| band.set(b));
    let has_groups = view.as_ref().is_some_and(|v| !v.groups.is_empty());
    let bands: Vec<Band> = BANDS.into_iter().filter(|b| *b != Band::Reader || has_groups).collect();
    let description = scenarios::description(&described, l);
    let description = description.as_str();
    // A lesson's run is its scenario's: the selector names that one.
    let topbar_params = match lesson.as_ref() {
        Some(shown) => ClusterParams { scenario: shown.lesson.scenario.clone(), ..params.clone() },
        None => params.clone(),
    };
    let timeline = match view.as_ref().and_then(|v| v.timeline.clone()) {
        Some(tl) => html! { <TimelineBar lang={l} timeline={tl} command={command.clone()} share={share} /> },
        None => html! {},
    };
    let driver_error = view.as_ref().and_then(|v| v.error.clone()).or_else(|| (*start_error).clone());
    html! {
        <div class={classes!("page", "cluster-mode", params.embed.then_some("embed"))} lang={l.code()}>
            <div class="head">
                <ClusterTopBar lang={l} on_lang={on_lang} params={topbar_params} view={(*view).clone()}
                    description={description.to_string()} timeline={timeline}
                    command={command.clone()} on_reset={reset} />
                <BandTabs lang={l} active={active} onselect={onselect.clone()} bands={bands} />
            </div>
            { for params.problems.iter().map(|p| html! {
                <div class="banner error" role="alert" data-testid="address-error">{p.text(l)}</div>
            }) }
            if let Some(e) = driver_error {
                <div class="banner error" role="alert" data-testid="cluster-error">{format!("{}: {e}", T::DriverFailed.get(l))}</div>
            }
            if !description.is_empty() && !params.embed {
                <p class="scenario-description" data-testid="scenario-description">{description}</p>
            }
            if *busy {
                <WorkspaceBusy lang={l} scenario={params.scenario.clone()} seed={params.seed} />
            }
            if view.is_none() && params.problems.is_empty() && !*busy {
                <div class="loading" data-testid="loading">{T::Starting.get(l)}</div>
            }
            if let (Some(shown), Some(v)) = ((*lesson).clone(), (*view).clone()) {
                <LessonPanel lang={l} shown={shown} progress={v.lesson} command={command.clone()} on_band={onselect.clone()} />
            }
            if let Some(v) = (*view).clone() {
                <ClusterBands ctx={ClusterCtx { view: v, lang: l, command: command.clone(), try_command, check_command, inspect, download_journal }}
                    active={active} first={html! { <ProducersBand /> }} first_label={T::Producers.get(l)}
                    cluster_label={T::Cluster.get(l)} groups_label={T::Consumers.get(l)} timeline_label={T::Timeline.get(l)} />
            }
        </div>
    }
}

/// `window.kafkaPlaygroundShareLink()` returns the share link of the moment shown, or
/// `error: …` (the same as the timeline's "Copy link").
fn expose_share_link(share: Callback<(), Result<String, String>>) {
    let Some(w) = web_sys::window() else { return };
    let f =
        Closure::<dyn Fn() -> String>::new(move || share.emit(()).unwrap_or_else(|e| format!("error: {e}")));
    let _ = js_sys::Reflect::set(&w, &JsValue::from_str("kafkaPlaygroundShareLink"), f.as_ref());
    f.forget();
}

/// Where the page keeps its running driver (none before the workspace's lock is held).
type DriverSlot = Rc<RefCell<Option<Rc<ClusterDriver>>>>;

/// The driver in the slot, if one runs now.
struct SlotRef(DriverSlot);

impl SlotRef {
    fn upgrade(&self) -> Option<Rc<ClusterDriver>> {
        self.0.borrow().clone()
    }
}

/// `window.kafkaPlaygroundView()` returns the latest view as JSON text ("null" before the
/// first). Built on demand: serializing every view would cost the run its speed.
pub(crate) fn expose_view(latest: Rc<std::cell::RefCell<Option<Rc<ClusterView>>>>) {
    let Some(w) = web_sys::window() else { return };
    let view = Closure::<dyn Fn() -> String>::new(move || {
        serde_json::to_string(&latest.borrow().as_deref()).unwrap_or_else(|_| "null".into())
    });
    let _ = js_sys::Reflect::set(&w, &JsValue::from_str("kafkaPlaygroundView"), view.as_ref());
    view.forget();
}

/// `window.kafkaPlaygroundJournal()` returns a Promise of the run's journal as the CLI's
/// `run --journal` writes it (compact JSON text; it reads the chunks spilled to IndexedDB
/// back), and `kafkaPlaygroundJournalDigest()` its entries, bytes, CRC-32C and spilled
/// entries as compact JSON, at once;
/// `window.kafkaPlaygroundCommand(json)` runs a [`ClusterCommand`] given as JSON (e.g.
/// `{"SetSpeed":100}`, `"Pause"`, `{"Crash":2}`) and returns an error text or "";
/// `window.kafkaPlaygroundWorkerWindows()` counts the lockstep windows run with the
/// broker workers (one round trip each; the speed benchmark reads it).
///
/// They are there from the first render on: before the run starts (the workspace's lock
/// is being taken, or another tab holds it) commands wait in `pending` and the journal
/// is empty.
fn expose_journal(slot: DriverSlot, pending: Rc<RefCell<Vec<ClusterCommand>>>) {
    let Some(w) = web_sys::window() else { return };
    let weak = SlotRef(slot.clone());
    let journal = Closure::<dyn Fn() -> js_sys::Promise>::new(move || {
        let blob = weak.upgrade().map(|d| d.journal_blob());
        wasm_bindgen_futures::future_to_promise(async move {
            let Some(blob) = blob else { return Ok(JsValue::from_str("")) };
            let blob = blob.await.map_err(|e| JsValue::from_str(&e))?;
            wasm_bindgen_futures::JsFuture::from(blob.text()).await
        })
    });
    let _ = js_sys::Reflect::set(&w, &JsValue::from_str("kafkaPlaygroundJournal"), journal.as_ref());
    journal.forget();
    let weak = SlotRef(slot.clone());
    let digest = Closure::<dyn Fn() -> String>::new(move || {
        weak.upgrade()
            .map(|d| match d.journal_digest() {
                Ok(digest) => serde_json::to_string(&digest).unwrap_or_default(),
                Err(e) => serde_json::json!({ "error": e }).to_string(),
            })
            .unwrap_or_default()
    });
    let _ = js_sys::Reflect::set(&w, &JsValue::from_str("kafkaPlaygroundJournalDigest"), digest.as_ref());
    digest.forget();
    let weak = SlotRef(slot.clone());
    let windows =
        Closure::<dyn Fn() -> f64>::new(move || weak.upgrade().map_or(0.0, |d| d.worker_windows() as f64));
    let _ = js_sys::Reflect::set(&w, &JsValue::from_str("kafkaPlaygroundWorkerWindows"), windows.as_ref());
    windows.forget();
    let weak = SlotRef(slot);
    let command = Closure::<dyn Fn(String) -> String>::new(move |text: String| {
        match serde_json::from_str::<ClusterCommand>(&text) {
            Ok(c) => queue(&weak, &pending, c).err().map(|e| e.to_string()).unwrap_or_default(),
            Err(e) => format!("not a cluster command: {e}"),
        }
    });
    let _ = js_sys::Reflect::set(&w, &JsValue::from_str("kafkaPlaygroundCommand"), command.as_ref());
    command.forget();
}

/// Sends `c` to the running driver, or keeps it in `pending` until the run starts; both
/// hold at most [`crate::embed::COMMANDS_WAITING_AT_MOST`].
fn queue(
    slot: &SlotRef,
    pending: &RefCell<Vec<ClusterCommand>>,
    c: ClusterCommand,
) -> Result<(), EmbedError> {
    match slot.upgrade() {
        Some(d) => d.command(c),
        None if pending.borrow().len() >= crate::embed::COMMANDS_WAITING_AT_MOST => {
            Err(EmbedError::QueueFull)
        }
        None => {
            pending.borrow_mut().push(c);
            Ok(())
        }
    }
}

/// The course page's channel (`crate::ui::embed`): a command is checked against the
/// running cluster first, so the course page hears Kafka's refusal as a form would.
fn embed_port(slot: DriverSlot, pending: Rc<RefCell<Vec<ClusterCommand>>>) -> Rc<EmbedPort> {
    let weak = SlotRef(slot);
    EmbedPort::listen(Rc::new(move |c: ClusterCommand| {
        if let Some(d) = weak.upgrade() {
            d.check_command(&c).map_err(EmbedError::Refused)?;
        }
        queue(&weak, &pending, c)
    }))
}

/// `window.kafkaPlaygroundMemory()`: the wasm memory of the page and of each broker's
/// worker, as JSON (`ClusterDriver::memory_json`), for the memory benchmark.
fn expose_memory(slot: DriverSlot) {
    let Some(w) = web_sys::window() else { return };
    let weak = SlotRef(slot);
    let memory = Closure::<dyn Fn() -> String>::new(move || {
        weak.upgrade().map(|d| d.memory_json()).unwrap_or_default()
    });
    let _ = js_sys::Reflect::set(&w, &JsValue::from_str("kafkaPlaygroundMemory"), memory.as_ref());
    memory.forget();
}
