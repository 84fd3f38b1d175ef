//! The consumer-groups band of the cluster page: one card per group with its state
//! (explained in a tooltip), generation, leader, assignor and coordinator (with the
//! `__consumer_offsets` partition it lives on, which the brokers' matrix hides with the
//! other internal topics), then its members, its rebalances in figures, the rebalance
//! timeline, lag and controls (folded). Under `serve` the members are the coordinator's
//! (`super::described`: real clients have no client node). It only reads the view and emits
//! [`ClusterCommand`]s; sub-components take small props so unchanged parts skip work.

use crate::engine::group::coordinator::placement::{partition_for, OFFSETS_TOPIC};
use crate::sim::picture::described::DescribedGroupView;
use crate::ui::groups::described::DescribedGroup;
use crate::ui::groups::forms::{AddConsumerForm, AddPartitionsForm, SwitchAssignorForm};
use crate::ui::groups::lag::LagTable;
use crate::ui::groups::lag::Owner;
use crate::ui::groups::members::MemberRow;
use crate::ui::groups::ownership::OwnershipOverTime;
use crate::ui::groups::rebalances::RebalanceSummary;
use crate::ui::groups::spans::SpanTimeline;
use crate::ui::groups::states::StateStrip;
use crate::ui::i18n::Lang;
use crate::ui::i18n::{s_text, T};
use crate::web::cluster_view::{ClusterCommand, ClusterView, GroupView, PartitionView, TopicView};
use yew::prelude::*;

/// Member colours (each member also shows its name beside its colour).
pub const MEMBER_COLOURS: [&str; 8] =
    ["#2f6fde", "#d9682b", "#2d9a5b", "#a544c2", "#c23b4a", "#1f9aa8", "#8a7a12", "#5a5f6b"];

/// The colour of the member at `index` in its group's list.
pub fn member_colour(index: usize) -> &'static str {
    MEMBER_COLOURS[index % MEMBER_COLOURS.len()]
}

/// The plain-words explanation of a group state.
pub fn state_help(state: &str) -> T {
    match state {
        "Empty" => T::StateEmpty,
        "PreparingRebalance" => T::StatePreparing,
        "CompletingRebalance" => T::StateCompleting,
        "Stable" => T::StateStable,
        "Dead" => T::StateDead,
        _ => T::StateUnknown,
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
    // isolation.level changes what a consumer reads only where transactions are written.
    let transactions = v.producers.iter().any(|p| p.transactional_id.is_some());
    html! {
        <section class="groups-band" data-testid="groups-band" aria-label={T::Band.get(lang)} lang={lang.code()}>
            <h2>{ T::Band.get(lang) }</h2>
            if v.groups.is_empty() { <p class="groups-empty">{ T::NoGroups.get(lang) }</p> }
            { for v.groups.iter().map(|g| {
                let topics: Vec<TopicView> = v.topics.iter()
                    .filter(|t| g.lag.iter().any(|l| l.topic == t.name))
                    .cloned()
                    .collect();
                html! {
                    <GroupCard key={g.group_id.clone()} group={g.clone()} now_ms={v.now_ms} topics={topics}
                        offsets_partition={offsets_partition(v, &g.group_id)} transactions={transactions}
                        described={v.live.as_ref().and_then(|l| l.groups.iter().find(|d| d.group_id == g.group_id)).cloned()}
                        lang={lang} on_command={props.on_command.clone()} />
                }
            }) }
        </section>
    }
}

/// The `__consumer_offsets` partition a group lives on, as the card shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CoordinatorPartition {
    pub meta: PartitionView,
    /// The leader replica's high watermark and log end offset, when it reported them.
    pub offsets: Option<(i64, i64)>,
}

/// Kafka's `GroupCoordinatorService.partitionFor` (`abs(groupId.hashCode) % partitions`),
/// with the controller's metadata for it, once the topic exists.
fn offsets_partition(v: &ClusterView, group_id: &str) -> Option<CoordinatorPartition> {
    let topic = v.topics.iter().find(|t| t.name == OFFSETS_TOPIC)?;
    let n = partition_for(group_id, topic.partitions.len() as u32);
    let meta = topic.partitions.iter().find(|x| x.partition == n)?.clone();
    let offsets = meta
        .leader
        .and_then(|b| v.brokers.iter().find(|x| x.id == b))
        .and_then(|b| b.replicas.iter().find(|r| r.topic == OFFSETS_TOPIC && r.partition == n))
        .map(|r| (r.high_watermark, r.log_end_offset));
    Some(CoordinatorPartition { meta, offsets })
}

/// The coordinator's partition: leader, epoch, ISR and the leader's offsets.
fn coordinator_line(c: &CoordinatorPartition, l: Lang) -> Html {
    let p = &c.meta;
    let isr = p.isr.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
    let offsets = c.offsets.map_or_else(String::new, |(hw, leo)| format!(" · HW {hw} · LEO {leo}"));
    html! {
        <p class="coordinator-partition hint" data-testid="coordinator-partition" data-partition={p.partition.to_string()}
            data-leader={p.leader.map(|b| b.to_string()).unwrap_or_default()} title={T::CoordinatorPartitionHelp.get(l)}>
            <code>{ format!("{OFFSETS_TOPIC}-{}", p.partition) }</code>
            { format!(" ★{} · e{} · ISR [{isr}]{offsets} — {}",
                p.leader.map_or_else(|| "—".to_string(), |b| b.to_string()), p.leader_epoch, T::CoordinatorPartitionHelp.get(l)) }
        </p>
    }
}

#[derive(Properties, PartialEq)]
pub struct CardProps {
    pub group: GroupView,
    pub now_ms: i64,
    pub topics: Vec<TopicView>,
    pub offsets_partition: Option<CoordinatorPartition>,
    /// Some producer is transactional: the members offer their `isolation.level`.
    pub transactions: bool,
    pub lang: Lang,
    pub on_command: Callback<ClusterCommand>,
    /// Under `serve`: the group as its coordinator holds it (real clients' members).
    #[prop_or_default]
    pub described: Option<DescribedGroupView>,
}

#[function_component(GroupCard)]
fn group_card(p: &CardProps) -> Html {
    let (g, l) = (&p.group, p.lang);
    let help = state_help(&g.state).get(l);
    // A live member consumes what it owns; a crashed one still holds, in the coordinator's
    // generation, what it owned, unconsumed.
    let owners: Vec<Owner> = g
        .members
        .iter()
        .enumerate()
        .flat_map(|(i, m)| {
            let consuming = m.status != "crashed";
            let held = if consuming { &m.assigned } else { &m.coordinator_assigned };
            held.iter().map(move |(t, n)| Owner {
                partition: format!("{t}-{n}"),
                member: m.name.clone(),
                colour: member_colour(i),
                consuming,
            })
        })
        .collect();
    html! {
        <article class="group-card" data-testid={format!("group-{}", g.group_id)} data-state={g.state.clone()}
            data-generation={g.generation.to_string()} data-members={g.members.iter().filter(|m| m.status == "up").count().to_string()}>
            <header class="group-head">
                <h3>{ format!("{} {}", T::Group.get(l), g.group_id) }</h3>
                <span class={classes!("group-state", format!("state-{}", g.state.to_ascii_lowercase()))} tabindex="0"
                    title={help} aria-label={format!("{}: {} — {help}", T::State.get(l), g.state)} data-testid="group-state">
                    { &g.state }
                </span>
                <span class="group-fact">{ format!("{} {}", T::Generation.get(l), g.generation) }</span>
                <span class="group-fact">{ format!("{}: {}", T::Leader.get(l),
                    g.leader_client.clone().or_else(|| g.leader.clone()).unwrap_or_else(|| "—".into())) }</span>
                <span class="group-fact">{ format!("{}: {} ({})", T::Assignor.get(l),
                    g.protocol.clone().unwrap_or_else(|| "—".into()), g.rebalance_protocol) }</span>
                <span class="group-fact">{ format!("{} {}", T::Coordinator.get(l),
                    g.coordinator.map_or_else(|| T::NoCoordinatorYet.get(l).to_string(), |c| c.to_string())) }</span>
            </header>
            if let Some(c) = &p.offsets_partition { { coordinator_line(c, l) } }
            <p class="state-help">{ help }</p>
            if !g.reason.is_empty() {
                <p class="group-reason" title={g.reason.clone()} data-testid="group-reason">
                    { format!("{}: {}", T::Why.get(l), crate::ui::groups::words::reason_text(l, &g.reason)) }
                </p>
            }
            if let Some(d) = &p.described {
                <DescribedGroup group={d.clone()} lang={l} />
            } else {
                <h4>{ T::Members.get(l) }</h4>
                <ul class="group-members">
                    { for g.members.iter().enumerate().map(|(i, m)| html! {
                        <MemberRow key={m.name.clone()} member={m.clone()} colour={member_colour(i)} now_ms={p.now_ms}
                            transactions={p.transactions} lang={l} on_command={p.on_command.clone()} />
                    }) }
                </ul>
            }
            <h4 class="rebalances-head">{ T::Rebalances.get(l) }
                <StateStrip states={g.states.clone()} now_ms={p.now_ms} lang={l} seekable={p.described.is_none()}
                    on_command={p.on_command.clone()} />
            </h4>
            <RebalanceSummary rebalances={g.rebalances.clone()} unserved={g.unserved.clone()} now_ms={p.now_ms} lang={l} />
            <LagTable lag={g.lag.clone()} owners={owners} lang={l} />
            <details class="group-more">
                <summary>{ T::RebalanceBars.get(l) }</summary>
                <SpanTimeline spans={g.spans.clone()} now_ms={p.now_ms} lang={l} />
                <OwnershipOverTime ownership={g.ownership.clone()} now_ms={p.now_ms} lang={l} />
            </details>
            if !g.notes.is_empty() {
                <details class="group-notes" data-testid="group-notes">
                    <summary>{ format!("{} ({})", T::Notes.get(l), g.notes.len()) }</summary>
                    <ul>{ for g.notes.iter().map(|n| html! {
                        <li data-testid="consumer-note" title={n.note.clone()}>
                            { format!("{} · {}: {}", s_text(l, n.at_ms), n.client, crate::ui::groups::words::note_text(l, &n.note)) }
                        </li>
                    }) }</ul>
                </details>
            }
            <details class="group-controls-fold">
            <summary>{ T::ChangeTheGroup.get(l) }</summary>
            <div class="group-controls">
                <AddConsumerForm startable={g.startable.clone()} topics={group_topics(g)} group_id={g.group_id.clone()} lang={l} on_command={p.on_command.clone()} />
                <SwitchAssignorForm members={g.members.iter().filter(|m| m.status == "up").map(|m| m.id).collect::<Vec<_>>()}
                    current={g.members.first().map(|m| m.assignors.clone()).unwrap_or_default()}
                    lang={l} on_command={p.on_command.clone()} />
                { for p.topics.iter().map(|t| html! {
                    <AddPartitionsForm key={t.name.clone()} topic={t.name.clone()} current={t.partitions.len() as u32}
                        lang={l} on_command={p.on_command.clone()} />
                }) }
            </div>
            </details>
        </article>
    }
}

/// The topics a group reads, from its lag table (one row per partition it reads).
fn group_topics(g: &GroupView) -> Vec<String> {
    let mut topics: Vec<String> = g.lag.iter().map(|l| l.topic.clone()).collect();
    topics.sort();
    topics.dedup();
    topics
}
