//! The page watching `kafka-playground serve` (issue 15, point 3). How it knows: serve
//! redirects `/` to `/?serve=1`, and an address with `?serve=1` (the WebSocket at
//! `ws://<this host>/ws`) or `?serve=ws://HOST:PORT/ws` opens this page instead of a
//! cluster of its own (`super::mode::Root`); the page's files are the ordinary build.
//!
//! It draws the views serve sends ([`crate::web::serve_link`]) with the tab's own bands
//! (brokers, partitions, replicas, groups, events) and, in the producer band's place,
//! the real clients' connections. Its controls send the same [`ClusterCommand`]s as in
//! the tab; what serve cannot do under real clients is refused at once, in the learner's
//! language, with the same rule serve applies ([`live_action`]), and serve's own answers
//! (a broker already crashed …) show the same way. The speed controls give way to a note
//! that the run is live at 1×. A dropped WebSocket says "serve stopped" plainly, keeps
//! the last view, and tries again after a bounded backoff ([`retry_delay_ms`]: 1 s
//! doubling to 10 s, for as long as the page is open): when serve is back on the same
//! port (a restart), its first view clears the banner and the page draws the new run
//! without a reload. The tries are counted from the last view serve sent. The log panel
//! asks serve for a replica's log ([`crate::sim::picture::log_ask`]), which it reads from
//! its in-process broker; answers are matched to requests by id.

use crate::engine::cluster::NodeId;
use crate::sim::picture::live::{live_action, parse_page_message, retry_delay_ms, Refusal, ServeMessage};
use crate::sim::picture::log_ask::LogRequest;
use crate::ui::cluster::connections::LiveConnections;
use crate::ui::i18n::{Lang, T};
use crate::ui::shell::bands::ClusterBands;
use crate::ui::shell::page::ClusterCtx;
use crate::ui::shell::page_api::expose_view;
use crate::ui::shell::tabs::{Band, BandTabs};
use crate::web::cluster_view::{ClusterCommand, ClusterView};
use crate::web::node_protocol::{LogAnswer, LogAsk};
use crate::web::serve_link::ServeLink;
use gloo_timers::callback::Timeout;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// The WebSocket address the page's address asks for, if it watches serve.
pub fn serve_url(search: &str) -> Option<String> {
    let value = super::mode::param(search, "serve")?;
    if value.starts_with("ws://") || value.starts_with("wss://") {
        return Some(value);
    }
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" { "wss" } else { "ws" };
    Some(format!("{scheme}://{}/ws", location.host().ok()?))
}

/// A refusal in the learner's language.
pub fn refusal_text(r: &Refusal, lang: Lang) -> String {
    let t = |x: T| x.get(lang);
    match r {
        Refusal::RealTime => t(T::RefusedRealTime).into(),
        Refusal::RealClients => t(T::RefusedRealClients).into(),
        Refusal::AdminClient => t(T::RefusedAdminClient).into(),
        Refusal::TabOnly => t(T::RefusedTabOnly).into(),
        Refusal::NoBroker(id) => format!("{}: {id}", t(T::RefusedNoBroker)),
        Refusal::AlreadyCrashed(id) => format!("{} {id}: {}", t(T::Broker), t(T::RefusedAlreadyCrashed)),
        Refusal::NotCrashed(id) => format!("{} {id}: {}", t(T::Broker), t(T::RefusedNotCrashed)),
        Refusal::BadCut => t(T::RefusedBadCut).into(),
        Refusal::Invalid(e) => format!("{}: {e}", t(T::RefusedInvalid)),
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub url: String,
}

/// Log requests waiting for serve's answers at most (the oldest is forgotten).
const PENDING_LOG_ASKS: usize = 32;

#[function_component(ServePage)]
pub fn serve_page(props: &Props) -> Html {
    let lang = use_state(Lang::load);
    let view = use_state(|| None::<Rc<ClusterView>>);
    let stopped = use_state(|| false);
    // The wait before the next try while serve is gone (seconds), and the try it is.
    let retry_in = use_state(|| None::<u32>);
    let refusal = use_state(|| None::<Refusal>);
    let link = use_mut_ref(|| None::<ServeLink>);
    let latest = use_mut_ref(|| None::<Rc<ClusterView>>);
    let band = use_state(Band::default);
    // Each connection try has a number; a new number opens a new socket.
    let attempt = use_state(|| 0u32);
    let failures = use_mut_ref(|| 0u32);
    let retry_timer = use_mut_ref(|| None::<Timeout>);
    // The log panel's requests waiting for serve's answer: the last id, and each one's.
    let pending = use_mut_ref(|| (0u64, BTreeMap::<u64, Callback<LogAnswer>>::new()));
    {
        let (view, stopped, refusal, link, latest) =
            (view.setter(), stopped.setter(), refusal.setter(), link.clone(), latest.clone());
        let (retry_in, attempt_set, failures, retry_timer) =
            (retry_in.setter(), attempt.setter(), failures.clone(), retry_timer.clone());
        let pending = pending.clone();
        use_effect_with((props.url.clone(), *attempt), move |(url, tried)| {
            let (back, back_retry, back_failures) = (stopped.clone(), retry_in.clone(), failures.clone());
            let on_message = move |m: Result<ServeMessage, String>| match m {
                Ok(ServeMessage::View(v)) => {
                    // serve answers (again): draw, and forget the failed tries.
                    *back_failures.borrow_mut() = 0;
                    back.set(false);
                    back_retry.set(None);
                    let v = Rc::new(*v);
                    *latest.borrow_mut() = Some(v.clone());
                    view.set(Some(v));
                }
                Ok(ServeMessage::Answer(r)) => refusal.set(r),
                Ok(ServeMessage::Log { id, answer }) => {
                    let waiting = pending.borrow_mut().1.remove(&id);
                    if let Some(on_answer) = waiting {
                        on_answer.emit(answer);
                    }
                }
                Err(e) => web_sys::console::warn_1(&format!("serve sent what is not a view: {e}").into()),
            };
            // Gone (or never opened): say so, and try again after a bounded backoff.
            let next = tried.wrapping_add(1);
            let timer = retry_timer.clone();
            let on_gone = move || {
                stopped.set(true);
                let n = {
                    let mut f = failures.borrow_mut();
                    *f = f.saturating_add(1);
                    *f
                };
                let wait = retry_delay_ms(n);
                retry_in.set(Some(wait / 1_000));
                let attempt_set = attempt_set.clone();
                *timer.borrow_mut() = Some(Timeout::new(wait, move || attempt_set.set(next)));
            };
            let closed = Rc::new(on_gone);
            let on_closed = closed.clone();
            match ServeLink::connect(url, on_message, move |_code| on_closed()) {
                Ok(l) => *link.borrow_mut() = Some(l),
                Err(e) => {
                    web_sys::console::warn_1(&format!("serve: {e}").into());
                    closed();
                }
            }
            move || {
                link.borrow_mut().take();
            }
        });
    }
    {
        // Once for the page (every try shares the link and the latest view); leaving the
        // page stops the retries.
        let (link, latest, refusal, retry_timer) =
            (link.clone(), latest.clone(), refusal.setter(), retry_timer.clone());
        use_effect_with((), move |_| {
            expose_view(latest.clone());
            expose_command(link, latest, refusal);
            move || drop(retry_timer.borrow_mut().take())
        });
    }
    let brokers = view.as_ref().map_or(0, |v| v.brokers.len() as u32);
    let try_command = {
        let (link, refusal) = (link.clone(), refusal.setter());
        Callback::from(move |c: ClusterCommand| -> Option<Refusal> {
            if let Err(r) = live_action(&c, brokers) {
                refusal.set(Some(r.clone()));
                return Some(r);
            }
            refusal.set(None);
            if let Some(l) = link.borrow().as_ref() {
                l.send(&c);
            }
            None
        })
    };
    let l = *lang;
    let command = {
        let try_command = try_command.clone();
        Callback::from(move |c: ClusterCommand| {
            try_command.emit(c);
        })
    };
    let try_text = {
        let try_command = try_command.clone();
        Callback::from(move |(c, reply): (ClusterCommand, Callback<Option<String>>)| {
            reply.emit(try_command.emit(c).map(|r| refusal_text(&r, l)))
        })
    };
    let check_command = Callback::from(move |(c, reply): (ClusterCommand, Callback<Option<String>>)| {
        reply.emit(live_action(&c, brokers).err().map(|r| refusal_text(&r, l)))
    });
    let inspect = {
        let (link, pending) = (link.clone(), pending.clone());
        Callback::from(
            move |(broker, topic, partition, ask, on_answer): (
                NodeId,
                String,
                u32,
                LogAsk,
                Callback<LogAnswer>,
            )| {
                let id = {
                    let mut p = pending.borrow_mut();
                    p.0 += 1;
                    let id = p.0;
                    p.1.insert(id, on_answer.clone());
                    // An answer serve dropped (the page read too slowly) is never waited for long.
                    while p.1.len() > PENDING_LOG_ASKS {
                        p.1.pop_first();
                    }
                    id
                };
                let sent = link
                    .borrow()
                    .as_ref()
                    .is_some_and(|l| l.ask_log(LogRequest { id, broker, topic, partition, ask }));
                if !sent {
                    pending.borrow_mut().1.remove(&id);
                    on_answer.emit(LogAnswer::Refused(T::ServeLogUnreachable.get(l).into()));
                }
            },
        )
    };
    let on_lang = {
        let lang = lang.clone();
        Callback::from(move |new: Lang| {
            new.store();
            lang.set(new);
        })
    };
    let lang_button = |to: Lang, label: &'static str, id: &'static str| {
        html! {
            <button type="button" aria-pressed={(l == to).to_string()} onclick={on_lang.reform(move |_| to)}
                data-testid={id}>{label}</button>
        }
    };
    let active = *band;
    let onselect = Callback::from(move |b: Band| band.set(b));
    let has_groups = view.as_ref().is_some_and(|v| !v.groups.is_empty());
    let bands: Vec<Band> = Band::ALL.into_iter().filter(|b| *b != Band::Reader || has_groups).collect();
    html! {
        <div class={classes!("page", "cluster-mode", "serve-mode")} lang={l.code()}>
            <div class="head">
                <header class="topbar cluster-topbar">
                    <h1 data-testid="title">{T::LiveTitle.get(l)}</h1>
                    <span class="live-note" data-testid="live-note">{T::LiveRealTime.get(l)}</span>
                    <span class="spacer" />
                    <div class="lang" role="group" aria-label={T::Language.get(l)}>
                        {lang_button(Lang::En, "EN", "lang-en")}
                        {lang_button(Lang::Ru, "RU", "lang-ru")}
                    </div>
                </header>
                <BandTabs lang={l} active={active} onselect={onselect} bands={bands} />
            </div>
            if *stopped {
                <div class="banner error" role="alert" data-testid="serve-stopped" data-retry-in={(*retry_in).map(|s| s.to_string()).unwrap_or_default()}>
                    {T::ServeStopped.get(l)}
                    { (*retry_in).map_or_else(|| format!(" · {}", T::ServeReconnecting.get(l)), |s| format!(" · {} {s} {}", T::ServeRetrying.get(l), T::Sec.get(l))) }
                </div>
            }
            if let Some(r) = (*refusal).as_ref() {
                <div class="banner notice" role="status" data-testid="serve-refusal">
                    {format!("{}: {}", T::ServeRefused.get(l), refusal_text(r, l))}
                </div>
            }
            if view.is_none() && !*stopped {
                <div class="loading" data-testid="loading">{T::ServeConnecting.get(l)}</div>
            }
            if let Some(v) = (*view).clone() {
                <ClusterBands ctx={ClusterCtx { view: v, lang: l, command: command.clone(), try_command: try_text, check_command, inspect, download_journal: Callback::noop() }}
                    active={active} first={html! { <LiveConnections /> }} first_label={T::Connections.get(l)}
                    cluster_label={T::Cluster.get(l)} groups_label={T::Consumers.get(l)} timeline_label={T::Timeline.get(l)} />
            }
        </div>
    }
}

/// `window.kafkaPlaygroundCommand(json)` in serve mode, as in the tab's: sends a
/// [`ClusterCommand`] given as JSON to serve, or returns (and shows) why serve would
/// refuse it, in English for scripts; "" when sent.
fn expose_command(
    link: Rc<RefCell<Option<ServeLink>>>,
    latest: Rc<RefCell<Option<Rc<ClusterView>>>>,
    refusal: UseStateSetter<Option<Refusal>>,
) {
    let Some(w) = web_sys::window() else { return };
    let command = Closure::<dyn Fn(String) -> String>::new(move |text: String| {
        let brokers = latest.borrow().as_ref().map_or(0, |v| v.brokers.len() as u32);
        let checked = parse_page_message(&text).and_then(|c| live_action(&c, brokers).map(|_| c));
        match checked {
            Ok(c) => {
                refusal.set(None);
                if let Some(l) = link.borrow().as_ref() {
                    l.send(&c);
                }
                String::new()
            }
            Err(r) => {
                let said = r.english();
                refusal.set(Some(r));
                said
            }
        }
    });
    let _ = js_sys::Reflect::set(&w, &JsValue::from_str("kafkaPlaygroundCommand"), command.as_ref());
    command.forget();
}
