//! The consumer-groups band of the cluster page: one card per group with its state
//! (explained in a tooltip), generation, leader, coordinator and assignor, then its
//! members, rebalance timeline, lag and controls. It only reads the view and emits
//! [`ClusterCommand`]s; sub-components take small props so unchanged parts skip work.

use super::groups_forms::{AddConsumerForm, AddPartitionsForm, SwitchAssignorForm};
use super::groups_lag::LagTable;
use super::groups_members::MemberRow;
use super::groups_spans::SpanTimeline;
use super::i18n::Lang;
use super::i18n_groups::G;
use crate::web::cluster_view::{ClusterCommand, ClusterView, GroupView, TopicView};
use yew::prelude::*;

/// Member colours (each member also shows its name beside its colour).
pub const MEMBER_COLOURS: [&str; 8] =
    ["#2f6fde", "#d9682b", "#2d9a5b", "#a544c2", "#c23b4a", "#1f9aa8", "#8a7a12", "#5a5f6b"];

/// The colour of the member at `index` in its group's list.
pub fn member_colour(index: usize) -> &'static str {
    MEMBER_COLOURS[index % MEMBER_COLOURS.len()]
}

/// The plain-words explanation of a group state.
pub fn state_help(state: &str) -> G {
    match state {
        "Empty" => G::StateEmpty,
        "PreparingRebalance" => G::StatePreparing,
        "CompletingRebalance" => G::StateCompleting,
        "Stable" => G::StateStable,
        "Dead" => G::StateDead,
        _ => G::StateUnknown,
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub view: std::rc::Rc<ClusterView>,
    pub on_command: Callback<ClusterCommand>,
    /// The page's language; the remembered choice when not given.
    #[prop_or_default]
    pub lang: Option<Lang>,
}

#[function_component(GroupsBand)]
pub fn groups_band(props: &Props) -> Html {
    let lang = props.lang.unwrap_or_else(Lang::load);
    let v = &props.view;
    html! {
        <section class="groups-band" data-testid="groups-band" aria-label={G::Band.get(lang)} lang={lang.code()}>
            <h2>{ G::Band.get(lang) }</h2>
            if v.groups.is_empty() { <p class="groups-empty">{ G::NoGroups.get(lang) }</p> }
            { for v.groups.iter().map(|g| {
                let topics: Vec<TopicView> = v.topics.iter()
                    .filter(|t| g.lag.iter().any(|l| l.topic == t.name))
                    .cloned()
                    .collect();
                html! {
                    <GroupCard key={g.group_id.clone()} group={g.clone()} now_ms={v.now_ms} topics={topics}
                        lang={lang} on_command={props.on_command.clone()} />
                }
            }) }
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct CardProps {
    pub group: GroupView,
    pub now_ms: i64,
    pub topics: Vec<TopicView>,
    pub lang: Lang,
    pub on_command: Callback<ClusterCommand>,
}

#[function_component(GroupCard)]
fn group_card(p: &CardProps) -> Html {
    let (g, l) = (&p.group, p.lang);
    let help = state_help(&g.state).get(l);
    let owners: Vec<(String, String, &'static str)> = g
        .members
        .iter()
        .enumerate()
        .flat_map(|(i, m)| {
            m.assigned.iter().map(move |(t, n)| (format!("{t}-{n}"), m.name.clone(), member_colour(i)))
        })
        .collect();
    html! {
        <article class="group-card" data-testid={format!("group-{}", g.group_id)} data-state={g.state.clone()}
            data-generation={g.generation.to_string()} data-members={g.members.iter().filter(|m| m.status == "up").count().to_string()}>
            <header class="group-head">
                <h3>{ format!("{} {}", G::Group.get(l), g.group_id) }</h3>
                <span class={classes!("group-state", format!("state-{}", g.state.to_lowercase()))} tabindex="0"
                    title={help} aria-label={format!("{}: {} — {help}", G::State.get(l), g.state)} data-testid="group-state">
                    { &g.state }
                </span>
                <span class="group-fact">{ format!("{} {}", G::Generation.get(l), g.generation) }</span>
                <span class="group-fact">{ format!("{}: {}", G::Leader.get(l),
                    g.leader_client.clone().or_else(|| g.leader.clone()).unwrap_or_else(|| "—".into())) }</span>
                <span class="group-fact">{ format!("{}: {} ({})", G::Assignor.get(l),
                    g.protocol.clone().unwrap_or_else(|| "—".into()), g.rebalance_protocol) }</span>
                <span class="group-fact">{ format!("{} {}", G::Coordinator.get(l),
                    g.coordinator.map_or_else(|| G::NoCoordinatorYet.get(l).to_string(), |c| c.to_string())) }</span>
            </header>
            <p class="state-help">{ help }</p>
            if !g.reason.is_empty() { <p class="group-reason">{ &g.reason }</p> }
            <h4>{ G::Members.get(l) }</h4>
            <ul class="group-members">
                { for g.members.iter().enumerate().map(|(i, m)| html! {
                    <MemberRow key={m.name.clone()} member={m.clone()} colour={member_colour(i)} now_ms={p.now_ms}
                        lang={l} on_command={p.on_command.clone()} />
                }) }
            </ul>
            <SpanTimeline spans={g.spans.clone()} now_ms={p.now_ms} lang={l} />
            <LagTable lag={g.lag.clone()} owners={owners} lang={l} />
            if !g.notes.is_empty() {
                <div class="group-notes" data-testid="group-notes">
                    <h4>{ G::Notes.get(l) }</h4>
                    <ul>{ for g.notes.iter().map(|n| html! {
                        <li data-testid="consumer-note">{ format!("{:.1} s · {}: {}", n.at_ms as f64 / 1000.0, n.client, n.note) }</li>
                    }) }</ul>
                </div>
            }
            <div class="group-controls">
                <AddConsumerForm startable={g.startable.clone()} group_id={g.group_id.clone()} lang={l} on_command={p.on_command.clone()} />
                <SwitchAssignorForm members={g.members.iter().filter(|m| m.status == "up").map(|m| m.id).collect::<Vec<_>>()}
                    current={g.members.first().map(|m| m.assignors.clone()).unwrap_or_default()}
                    lang={l} on_command={p.on_command.clone()} />
                { for p.topics.iter().map(|t| html! {
                    <AddPartitionsForm key={t.name.clone()} topic={t.name.clone()} current={t.partitions.len() as u32}
                        lang={l} on_command={p.on_command.clone()} />
                }) }
            </div>
        </article>
    }
}
