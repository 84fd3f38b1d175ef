//! The cluster mode's root (`?scenario=NAME&seed=N`): starts the run worker (the
//! lockstep driver, [`RunLink`]) once the workspace's lock is held, keeps its latest
//! [`ClusterView`] and tells the worker what drawing it cost, hands the picture's
//! components a [`ClusterCtx`] (the view, the language, the command callbacks), lays out
//! the bands (producers · cluster · events; tabs below 900 px; `embed=1` hides the
//! chrome), and exposes the run to scripts and course pages ([`super::page_api`]).

use crate::engine::cluster::NodeId;
use crate::ui::embed::EmbedPort;
use crate::ui::i18n::{Lang, T};
use crate::ui::lesson::panel::{LessonPanel, LessonShown};
use crate::ui::produce::form::ProducersBand;
use crate::ui::shell::bands::ClusterBands;
use crate::ui::shell::mode::{AddressProblem, ClusterParams};
use crate::ui::shell::page_api::{self, LinkSlot};
use crate::ui::shell::scenarios;
use crate::ui::shell::speed::use_speed_keys;
use crate::ui::shell::tabs::{Band, BandTabs};
use crate::ui::shell::timeline::TimelineBar;
use crate::ui::shell::topbar::ClusterTopBar;
use crate::ui::shell::workspace_busy::WorkspaceBusy;
use crate::web::cluster_view::{ClusterCommand, ClusterView};
use crate::web::node_protocol::{LogAnswer, LogAsk};
use crate::web::run_link::{RunEvent, RunLink};
use crate::web::run_protocol::{RunStart, Submit};
use crate::web::workspace_lock::{self, WorkspaceLock};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use yew::prelude::*;

/// Wall ms after the run was asked to start with no word from its worker before the
/// page says so (taken back if the worker answers later, as on a slow network).
const RUN_WORKER_SILENCE_MS: u32 = 30_000;

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
    /// Checks a command against the cluster and sends it if it passes; the reply gets
    /// `Some(refusal)` if it does not (a moment later: the run is in its worker).
    pub try_command: Callback<(ClusterCommand, Callback<Option<String>>)>,
    /// Checks a command against the cluster without sending it; the reply gets
    /// `Some(refusal)` if it would not pass.
    pub check_command: Callback<(ClusterCommand, Callback<Option<String>>)>,
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
    // A share link the run worker could not read: an address problem, and nothing runs.
    let bad_link = use_state(|| None::<AddressProblem>);
    let link: LinkSlot = use_mut_ref(|| None::<Rc<RunLink>>);
    // The workspace's Web Lock, held while this tab runs it (dropped after the worker).
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
        let (view, start_error, bad_link, link, latest, lock, busy, described, lesson) = (
            view.setter(),
            start_error.setter(),
            bad_link.setter(),
            link.clone(),
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
                page_api::expose_view(latest.clone());
                page_api::expose_run(&link);
                let port = page_api::embed_port(&link);
                *embed.borrow_mut() = Some(port.clone());
                // The worker loads its code while the lock is taken; it starts the run
                // when told to.
                let weak = Rc::downgrade(&link);
                let (failed, bad_link) = (start_error.clone(), bad_link.clone());
                // Whether the worker has said anything, and whether the page said it was
                // silent (a late first answer takes that back).
                let (heard, said_silent) = (Rc::new(Cell::new(false)), Rc::new(Cell::new(false)));
                let (heard_by_event, silent_seen) = (heard.clone(), said_silent.clone());
                let on_event = move |e: RunEvent| {
                    heard_by_event.set(true);
                    if silent_seen.replace(false) && !matches!(e, RunEvent::Failed(_)) {
                        failed.set(None);
                    }
                    match e {
                        RunEvent::View(v) => {
                            let v: Rc<ClusterView> = Rc::new(*v);
                            port.on_view(&v);
                            *latest.borrow_mut() = Some(v.clone());
                            view.set(Some(v));
                            measure_drawing(weak.clone());
                        }
                        RunEvent::Loaded { description, lesson: facts } => {
                            *port.lesson.borrow_mut() = facts.as_ref().map(|f| f.lesson.clone());
                            match facts {
                                Some(f) => lesson.set(Some(Rc::new(LessonShown::new(f)))),
                                None => described.set(description),
                            }
                        }
                        RunEvent::Failed(e) => failed.set(Some(e)),
                        RunEvent::BadLink(why) => bad_link.set(Some(AddressProblem::BadRun(why))),
                    }
                };
                *link.borrow_mut() = Some(Rc::new(RunLink::spawn(on_event)));
                let workspace = {
                    let link = if run.is_some() { "link-" } else { "" };
                    match lesson_name {
                        Some(l) => workspace(&format!("{link}lesson-{l}")),
                        None => workspace(&format!("{link}{name}")),
                    }
                };
                let start = RunStart {
                    scenario: name.clone(),
                    own_text: super::own_scenario::stored(name),
                    lesson: lesson_name.clone(),
                    seed: *seed,
                    workspace: workspace.clone(),
                    shared: run.clone(),
                    base_url: crate::ui::page_base_url(),
                };
                let (alive, link, lock) = (alive.clone(), link.clone(), lock.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let held = match claim(&workspace, &busy).await {
                        Ok(held) => held,
                        Err(e) => return start_error.set(Some(e)),
                    };
                    if !alive.get() {
                        return;
                    }
                    busy.set(false);
                    if let Some(l) = link.borrow().as_ref() {
                        l.start(start);
                    }
                    *lock.borrow_mut() = held;
                    // gloo-worker does not pass on a worker that failed to load: a run
                    // worker silent this long is said to be so, instead of "Starting…"
                    // for good.
                    gloo_timers::callback::Timeout::new(RUN_WORKER_SILENCE_MS, move || {
                        if alive.get() && !heard.get() {
                            said_silent.set(true);
                            start_error.set(Some(format!(
                                "the run has not started after {} s: its web worker has not answered (a slow network, or its script did not load: see the browser console)",
                                RUN_WORKER_SILENCE_MS / 1000
                            )));
                        }
                    })
                    .forget();
                });
            }
            move || {
                alive.set(false);
                if let Some(port) = embed.borrow_mut().take() {
                    port.close();
                }
                link.borrow_mut().take();
                lock.borrow_mut().take();
            }
        });
    }
    let current = {
        let link = link.clone();
        move || link.borrow().clone()
    };
    let command = {
        let current = current.clone();
        Callback::from(move |c: ClusterCommand| {
            page_api::submit(current(), c, Submit::Send, |r| {
                if let Err(e) = r {
                    web_sys::console::warn_1(&e.to_string().into());
                }
            })
        })
    };
    let refusal_to = |how: Submit| {
        let current = current.clone();
        Callback::from(move |(c, reply): (ClusterCommand, Callback<Option<String>>)| {
            page_api::submit(current(), c, how, move |r| {
                reply.emit(r.err().map(|e| match e {
                    crate::embed::inbound::EmbedError::Refused(why) => why,
                    other => other.to_string(),
                }))
            })
        })
    };
    let (try_command, check_command) = (refusal_to(Submit::Try), refusal_to(Submit::Check));
    let inspect = {
        let current = current.clone();
        Callback::from(
            move |(b, topic, p, ask, on_answer): (NodeId, String, u32, LogAsk, Callback<LogAnswer>)| {
                match current() {
                    Some(l) => l.inspect(b, topic, p, ask, on_answer),
                    None => on_answer.emit(LogAnswer::Refused("no cluster is running".into())),
                }
            },
        )
    };
    let reset = {
        let (current, lang) = (current.clone(), *lang);
        Callback::from(move |()| {
            let confirmed = web_sys::window()
                .and_then(|w| w.confirm_with_message(T::RestartScenarioConfirm.get(lang)).ok())
                .unwrap_or(false);
            if let (true, Some(l)) = (confirmed, current()) {
                l.reset();
            }
        })
    };
    let download_journal = {
        let (current, name, seed) = (current.clone(), params.scenario.clone(), params.seed);
        Callback::from(move |()| {
            let Some(l) = current() else { return };
            let file = format!("{name}-seed-{seed}-journal.json");
            l.ask(crate::web::run_protocol::Question::Journal, move |parts| match parts {
                Ok(parts) => crate::ui::common::download::parts_file(&file, &parts),
                // An IndexedDB failure already stopped the run with its words.
                Err(e) => web_sys::console::error_1(&format!("journal download: {e}").into()),
            });
        })
    };
    let share = {
        let (current, params) = (current.clone(), params.clone());
        Callback::from(move |reply: Callback<Result<String, String>>| match current() {
            Some(l) => {
                let params = params.clone();
                l.ask(crate::web::run_protocol::Question::ShareRun, move |r| {
                    reply.emit(r.map(|run| crate::ui::shell::mode::share_href(&params, &run.concat())))
                })
            }
            None => reply.emit(Err("no cluster is running".to_string())),
        })
    };
    let check_scenario = {
        let current = current.clone();
        Callback::from(move |(text, reply): (String, Callback<Result<String, String>>)| match current() {
            Some(l) => l.check_scenario(text, move |name| reply.emit(name)),
            None => reply.emit(Err("no cluster is running".to_string())),
        })
    };
    page_api::expose_share_link(share.clone());
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
                    command={command.clone()} on_reset={reset} check_scenario={check_scenario} />
                <BandTabs lang={l} active={active} onselect={onselect.clone()} bands={bands} />
            </div>
            { for params.problems.iter().chain(bad_link.as_ref()).map(|p| html! {
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
            if view.is_none() && params.problems.is_empty() && bad_link.is_none() && start_error.is_none() && !*busy {
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

/// What drawing a view cost the main thread, from its arrival to the end of the frame
/// that shows it: Yew's diff and the DOM's changes, then the browser's style, layout and
/// paint (a task after the next animation frame's callbacks runs once that frame is
/// drawn). It includes the wait for that frame (at most one vsync), so it errs long. The
/// worker paces its views by it.
fn measure_drawing(link: std::rc::Weak<RefCell<Option<Rc<RunLink>>>>) {
    let now = || web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now());
    let started = now();
    let after_frame = move || {
        gloo_timers::callback::Timeout::new(0, move || {
            if let Some(l) = link.upgrade().and_then(|s| s.borrow().clone()) {
                l.drawn(now() - started);
            }
        })
        .forget();
    };
    let frame = wasm_bindgen::closure::Closure::once_into_js(after_frame);
    if let Some(w) = web_sys::window() {
        let _ = w.request_animation_frame(wasm_bindgen::JsCast::unchecked_ref(&frame));
    }
}
