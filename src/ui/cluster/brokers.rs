//! The cluster band: the controller drawn apart (its status and buttons; its metadata,
//! per partition, heads the matrix's rows), the partition × broker matrix
//! (`crate::ui::cluster::matrix`) with the toggle that shows internal topics, and the network
//! (messages on the wire between nodes, the cut links and the control to cut or heal
//! them).

use crate::engine::cluster::{NodeId, CONTROLLER_ID};
use crate::engine::controller::is_internal_topic;
use crate::sim::Status;
use crate::ui::cluster::matrix::ReplicaMatrix;
use crate::ui::i18n::{Lang, T};
use crate::ui::shell::page::ClusterCtx;
use crate::web::cluster_view::{ClusterCommand, ClusterView};
use std::collections::{BTreeMap, BTreeSet};
use yew::prelude::*;

/// Message groups drawn on the wire at most.
const FLIGHTS_DRAWN: usize = 12;

pub fn status_code(s: Status) -> &'static str {
    match s {
        Status::Up => "up",
        Status::Paused => "paused",
        Status::Crashed => "crashed",
    }
}

/// The status as a word with a symbol (never colour alone).
pub fn status_text(lang: Lang, s: Status) -> String {
    match s {
        Status::Up => format!("● {}", T::StatusUp.get(lang)),
        Status::Paused => format!("‖ {}", T::StatusPaused.get(lang)),
        Status::Crashed => format!("✕ {}", T::StatusCrashed.get(lang)),
    }
}

/// A node as the picture names it: `1` for a broker, `controller`, a client's name.
pub fn node_name(lang: Lang, view: &ClusterView, id: NodeId) -> String {
    if id == CONTROLLER_ID {
        return T::ControllerNode.get(lang).to_string();
    }
    match view.clients.iter().find(|(c, _)| *c == id) {
        Some((_, name)) => name.clone(),
        None => id.to_string(),
    }
}

pub fn is_cut_off(view: &ClusterView, id: NodeId) -> bool {
    view.cuts.iter().any(|(a, b)| a.contains(&id) || b.contains(&id))
}

#[function_component(BrokersBand)]
pub fn brokers_band() -> Html {
    let show_internal = use_state(|| false);
    let Some(ctx) = use_context::<ClusterCtx>() else { return html! {} };
    let internal: usize =
        ctx.view.topics.iter().filter(|t| is_internal_topic(&t.name)).map(|t| t.partitions.len()).sum();
    let names: Vec<&str> =
        ctx.view.topics.iter().filter(|t| is_internal_topic(&t.name)).map(|t| t.name.as_str()).collect();
    let toggle = {
        let show_internal = show_internal.clone();
        Callback::from(move |_: Event| show_internal.set(!*show_internal))
    };
    html! {
        <div class="cluster-picture">
            <Controller />
            <ReplicaMatrix show_internal={*show_internal} />
            if internal > 0 {
                <label class="inline internal-toggle hint">
                    <input type="checkbox" checked={*show_internal} onchange={toggle} data-testid="show-internal" />
                    {format!("{} ({}: {internal} {})", ctx.t(T::ShowInternalTopics), names.join(", "), ctx.t(T::PartitionsWord))}
                </label>
            }
            <Network />
        </div>
    }
}

/// Buttons to crash / restart / pause / resume a node, each enabled when it applies.
pub fn node_buttons(ctx: &ClusterCtx, id: NodeId, status: Status, prefix: &str, crashable: bool) -> Html {
    let button = |what: &str, label: T, enabled: bool, c: ClusterCommand| {
        let onclick = ctx.command.reform(move |_: MouseEvent| c.clone());
        html! {
            <button type="button" class="quiet small" onclick={onclick} disabled={!enabled}
                data-testid={format!("{prefix}-{what}")}>{ctx.t(label)}</button>
        }
    };
    html! {
        <div class="node-buttons">
            if crashable {
                {button("crash", T::CrashNode, status != Status::Crashed, ClusterCommand::Crash(id))}
                {button("restart", T::RestartNode, status == Status::Crashed, ClusterCommand::Restart(id))}
            }
            {button("pause", T::PauseNode, status == Status::Up, ClusterCommand::PauseNode(id))}
            {button("resume", T::ResumeNode, status == Status::Paused, ClusterCommand::ResumeNode(id))}
        </div>
    }
}

/// The controller: its status and buttons (its metadata heads the matrix's rows).
#[function_component(Controller)]
fn controller() -> Html {
    let Some(ctx) = use_context::<ClusterCtx>() else { return html! {} };
    let v = &ctx.view;
    let status = v.controller;
    html! {
        <section class={classes!("controller", status_code(status))} data-testid="controller"
            data-status={status_code(status)} aria-label={ctx.t(T::Controller)}>
            <div class="node-head">
                <h3 title={ctx.t(T::ControllerHelp)}>{format!("{} (KRaft, {CONTROLLER_ID})", ctx.t(T::Controller))}</h3>
                <span class="status" data-testid="controller-status">{status_text(ctx.lang, status)}</span>
                if is_cut_off(v, CONTROLLER_ID) { <span class="cut-label">{format!("✂ {}", ctx.t(T::CutOff))}</span> }
                {node_buttons(&ctx, CONTROLLER_ID, status, "controller", false)}
                <span class="hint controller-help">{ctx.t(T::ControllerHelp)}</span>
            </div>
        </section>
    }
}

#[function_component(Network)]
fn network() -> Html {
    let chosen = use_state(BTreeSet::<NodeId>::new);
    let Some(ctx) = use_context::<ClusterCtx>() else { return html! {} };
    let v = &ctx.view;
    // Messages on the wire, grouped by (from, to, api), the soonest first.
    let mut groups: BTreeMap<(NodeId, NodeId, String), (usize, i64)> = BTreeMap::new();
    for f in &v.in_flight {
        let g = groups.entry((f.from, f.to, f.api.clone())).or_insert((0, f.arrive_ms));
        g.0 += 1;
        g.1 = g.1.min(f.arrive_ms);
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    groups.sort_by_key(|(_, (_, at))| *at);
    let more = groups.len().saturating_sub(FLIGHTS_DRAWN);
    let flights = groups.into_iter().take(FLIGHTS_DRAWN).map(|((from, to, api), (count, _))| {
        let text = format!("{} → {} {api}", node_name(ctx.lang, v, from), node_name(ctx.lang, v, to));
        html! {
            <li class="flight" data-testid="flight" data-from={from.to_string()} data-to={to.to_string()} data-api={api.clone()}>
                <span class="arrow" aria-hidden="true" />
                {text}
                if count > 1 { <span class="count">{format!(" ×{count}")}</span> }
            </li>
        }
    });
    let toggle = |id: NodeId| {
        let chosen = chosen.clone();
        Callback::from(move |_: Event| {
            let mut set = (*chosen).clone();
            if !set.remove(&id) {
                set.insert(id);
            }
            chosen.set(set);
        })
    };
    let cut = {
        let (chosen, command, view) = (chosen.clone(), ctx.command.clone(), ctx.view.clone());
        Callback::from(move |_: MouseEvent| {
            let isolated: Vec<NodeId> = chosen.iter().copied().collect();
            if isolated.is_empty() {
                return;
            }
            let others: Vec<NodeId> = view
                .brokers
                .iter()
                .map(|b| b.id)
                .chain(std::iter::once(CONTROLLER_ID))
                .chain(view.clients.iter().map(|(id, _)| *id))
                .filter(|id| !chosen.contains(id))
                .collect();
            command.emit(ClusterCommand::Cut(isolated, others));
            chosen.set(BTreeSet::new());
        })
    };
    let heal = ctx.command.reform(|_: MouseEvent| ClusterCommand::Heal);
    let names =
        |ids: &[NodeId]| ids.iter().map(|id| node_name(ctx.lang, v, *id)).collect::<Vec<_>>().join(", ");
    html! {
        <section class="network" aria-label={ctx.t(T::Network)}>
            <div class="wire">
                <h3>{ctx.t(T::InFlight)}</h3>
                if v.in_flight.is_empty() {
                    <p class="hint" data-testid="flights-empty">{ctx.t(T::NothingInFlight)}</p>
                }
                <ul class="flights" data-testid="flights" data-count={v.in_flight.len().to_string()}>
                    { for flights }
                    if more > 0 { <li class="hint">{format!("… +{more}")}</li> }
                </ul>
            </div>
            <div class="cuts">
                <h3>{ctx.t(T::Network)}</h3>
                <ul data-testid="cuts" data-count={v.cuts.len().to_string()}>
                    if v.cuts.is_empty() { <li class="hint">{ctx.t(T::NetworkWhole)}</li> }
                    { for v.cuts.iter().map(|(a, b)| html! {
                        <li class="cut" data-testid="cut">{format!("{} ✂ {}", names(a), names(b))}</li>
                    }) }
                </ul>
                <fieldset class="cut-control">
                    <legend class="hint">{ctx.t(if v.live.is_some() { T::CutHelpServe } else { T::CutHelp })}</legend>
                    { for v.brokers.iter().map(|b| html! {
                        <label class="inline">
                            <input type="checkbox" checked={chosen.contains(&b.id)} onchange={toggle(b.id)}
                                data-testid={format!("cut-select-{}", b.id)} />
                            {format!("{} {}", ctx.t(T::Isolate), b.id)}
                        </label>
                    }) }
                    <button type="button" class="small" onclick={cut} disabled={chosen.is_empty()} data-testid="cut-links">
                        {format!("✂ {}", ctx.t(T::CutLinks))}
                    </button>
                    <button type="button" class="quiet small" onclick={heal} disabled={v.cuts.is_empty()} data-testid="heal">
                        {ctx.t(T::Heal)}
                    </button>
                </fieldset>
            </div>
        </section>
    }
}
