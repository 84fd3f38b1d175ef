//! The partition × broker matrix: one row per topic-partition (its header the controller's
//! metadata: leader, leader epoch, ISR, replicas), one column per broker (its header the
//! broker's status and buttons), each cell that broker's replica as a compact strip.
//! Internal topics (`__consumer_offsets`) are left out unless asked for, as Kafka's UIs
//! do; each group's coordinator partition is shown in the group band instead. Key colours
//! are handed out across the whole matrix, so no two keys on screen share one.
//! Invariant: 3 brokers × 12 partitions fit a 1280 × 800 screen (rows keep one height;
//! long logs scroll inside their cell). Each replica draws its newest records, as many
//! as [`records_drawn`] gives for the matrix's size (108 cells in all at most).

use crate::engine::controller::is_internal_topic;
use crate::engine::partitioner::PartitionerKind;
use crate::sim::picture::drawn::{first_drawn, records_drawn};
use crate::sim::picture::keys::KeyColours;
use crate::sim::Status;
use crate::ui::cluster::brokers::{is_cut_off, node_buttons, status_code, status_text};
use crate::ui::cluster::replica::{ids_text, ReplicaStrip};
use crate::ui::i18n::T;
use crate::ui::shell::page::ClusterCtx;
use crate::web::cluster_view::{BrokerView, PartitionView, RemovedRegion, ReplicaPicture, TopicView};
use std::rc::Rc;
use yew::prelude::*;

/// The key colours of the `max_drawn` newest records of `r` (only drawn keys take one of
/// the palette's colours), oldest first.
fn drawn_colours(colours: &mut KeyColours, r: &ReplicaPicture, max_drawn: usize) -> Vec<String> {
    r.records[first_drawn(r.records.len(), max_drawn)..]
        .iter()
        .map(|rec| colours.colour(rec.key.as_deref()))
        .collect()
}

/// The ghosts of broker `b`'s replica of `topic`-`partition`.
fn removed_of(b: &BrokerView, topic: &str, partition: u32) -> Vec<RemovedRegion> {
    let found = b.removed.iter().find(|x| x.topic == topic && x.partition == partition);
    found.map(|x| x.regions.clone()).unwrap_or_default()
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub show_internal: bool,
}

#[function_component(ReplicaMatrix)]
pub fn replica_matrix(props: &Props) -> Html {
    let colours = use_mut_ref(KeyColours::default);
    let Some(ctx) = use_context::<ClusterCtx>() else { return html! {} };
    let v = &ctx.view;
    let partitioner = v
        .producers
        .iter()
        .find_map(|p| PartitionerKind::from_name(&p.partitioner).ok())
        .unwrap_or(PartitionerKind::BuiltIn);
    let topics: Vec<&TopicView> =
        v.topics.iter().filter(|t| props.show_internal || !is_internal_topic(&t.name)).collect();
    let mut colours = colours.borrow_mut();
    let max_drawn = records_drawn(topics.iter().map(|t| t.partitions.len()).sum::<usize>() * v.brokers.len());
    let rows = topics
        .iter()
        .flat_map(|topic| topic.partitions.iter().map(move |p| (*topic, p)))
        .map(|(topic, p)| {
            let cells = v
                .brokers
                .iter()
                .map(|b| {
                    let replica = b.replicas.iter().find(|r| r.topic == topic.name && r.partition == p.partition);
                    match replica {
                        Some(r) => {
                            let keys = drawn_colours(&mut colours, r, max_drawn);
                            html! {
                                <div class="matrix-cell" role="cell">
                                    <ReplicaStrip lang={ctx.lang} broker={b.id} replica={Rc::new(r.clone())} meta={Some(p.clone())}
                                        colours={keys} partitioner={partitioner}
                                        partition_count={topic.partitions.len() as u32}
                                        removed={removed_of(b, &r.topic, r.partition)} {max_drawn} />
                                </div>
                            }
                        }
                        None => match b.last_replicas.iter().find(|r| r.topic == topic.name && r.partition == p.partition) {
                            // A crashed broker's log as last drawn, greyed: the evidence stays.
                            Some(r) if b.status == Status::Crashed => {
                                let keys = drawn_colours(&mut colours, r, max_drawn);
                                html! {
                                    <div class="matrix-cell crashed-log" role="cell" title={ctx.t(T::CrashedLogHint)}
                                        data-testid={format!("crashed-log-{}-{}-{}", b.id, r.topic, r.partition)}>
                                        <ReplicaStrip lang={ctx.lang} broker={b.id} replica={Rc::new(r.clone())} meta={None}
                                            colours={keys} partitioner={partitioner}
                                            partition_count={topic.partitions.len() as u32}
                                            removed={removed_of(b, &r.topic, r.partition)} {max_drawn} />
                                    </div>
                                }
                            }
                            _ => empty_cell(&ctx, b, p),
                        },
                    }
                })
                .collect::<Html>();
            html! {
                <div class="matrix-row" role="row" key={format!("{}-{}", topic.name, p.partition)}>
                    { partition_head(&ctx, &topic.name, p) }
                    { cells }
                </div>
            }
        })
        .collect::<Html>();
    html! {
        <div class="replica-matrix" role="table" aria-label={ctx.t(T::Cluster)} data-testid="replica-matrix"
            style={format!("--brokers: {}", v.brokers.len().max(1))}>
            <div class="matrix-row matrix-head" role="row">
                <div class="tp-head" role="columnheader" title={ctx.t(T::ControllerHelp)}>
                    <strong>{ctx.t(T::Partition)}</strong>
                    <span class="hint">{format!("★ {} · e · ISR", ctx.t(T::Leader))}</span>
                </div>
                { for v.brokers.iter().map(|b| html! { <BrokerHead broker={b.clone()} /> }) }
            </div>
            { rows }
        </div>
    }
}

/// The row's header: the partition and the controller's metadata for it.
fn partition_head(ctx: &ClusterCtx, topic: &str, p: &PartitionView) -> Html {
    let leader = match p.leader {
        Some(l) => format!("★{l}"),
        None => ctx.t(T::NoLeader).to_string(),
    };
    let isr = p.isr.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
    let help = format!(
        "{} · {} {} · ISR {} · {} {} — {}",
        leader,
        ctx.t(T::LeaderEpoch),
        p.leader_epoch,
        ids_text(&p.isr),
        ctx.t(T::ReplicasColumn),
        ids_text(&p.replicas),
        ctx.t(T::IsrHelp)
    );
    html! {
        <div class={classes!("tp-head", p.leader.is_none().then_some("offline"))} role="rowheader"
            data-testid={format!("partition-{topic}-{}", p.partition)}
            data-leader={p.leader.map(|l| l.to_string()).unwrap_or_default()} data-isr={isr}
            data-leader-epoch={p.leader_epoch.to_string()} tabindex="0" title={help.clone()} aria-label={help}>
            <strong class="tp">{format!("{topic}-{}", p.partition)}</strong>
            <span class="tp-meta">{format!("{leader} · e{} · ISR {}", p.leader_epoch, ids_text(&p.isr))}</span>
        </div>
    }
}

/// A broker without this replica: not one of its replicas, or crashed.
fn empty_cell(ctx: &ClusterCtx, b: &BrokerView, p: &PartitionView) -> Html {
    let (class, text) = if !p.replicas.contains(&b.id) {
        ("not-replica", "—".to_string())
    } else if b.status == Status::Crashed {
        ("crashed", format!("✕ {}", ctx.t(T::StatusCrashed)))
    } else {
        ("pending", "…".to_string())
    };
    html! { <div class={classes!("matrix-cell", "empty", class)} role="cell">{text}</div> }
}

/// Silence after which a broker has missed a heartbeat: one and a half of Kafka's
/// `broker.heartbeat.interval.ms` default (2 s), so a heartbeat on its way (network
/// latency) does not flash a countdown on a live broker.
const HEARTBEAT_MISSED_AFTER_MS: i64 = 3_000;

/// The wait a broker's session is in at the controller: fenced, or silent past a
/// heartbeat and counting down to `broker.session.timeout.ms` — so the seconds between
/// a crash (or a pause, a cut) and the fencing are not silent.
fn session_note(ctx: &ClusterCtx, b: &BrokerView) -> Html {
    let Some(s) = b.session else { return html! {} };
    if s.fenced {
        return html! {
            <p class="session-note fenced" data-testid={format!("broker-{}-fenced", b.id)}>{ctx.t(T::EvFenced)}</p>
        };
    }
    let silent_ms = ctx.view.now_ms - s.last_contact_ms;
    if silent_ms <= HEARTBEAT_MISSED_AFTER_MS {
        return html! {};
    }
    let left_ms = (s.last_contact_ms + s.session_timeout_ms - ctx.view.now_ms).max(0);
    html! {
        <p class="session-note" data-testid={format!("broker-{}-fence-countdown", b.id)} data-left-ms={left_ms.to_string()}>
            {format!("{} {:.1} s: {} {:.1} s (broker.session.timeout.ms={})", ctx.t(T::FencedIn), left_ms as f64 / 1000.0,
                ctx.t(T::NoHeartbeatFor), silent_ms as f64 / 1000.0, s.session_timeout_ms)}
        </p>
    }
}

#[derive(Properties, PartialEq)]
struct HeadProps {
    broker: BrokerView,
}

/// A broker's column header: its name, status, cut mark and buttons.
#[function_component(BrokerHead)]
fn broker_head(props: &HeadProps) -> Html {
    let Some(ctx) = use_context::<ClusterCtx>() else { return html! {} };
    let b = &props.broker;
    let cut = is_cut_off(&ctx.view, b.id);
    html! {
        <section class={classes!("broker-col", status_code(b.status), cut.then_some("cut-off"))} role="columnheader"
            data-testid={format!("broker-{}", b.id)} data-status={status_code(b.status)} data-cut={cut.to_string()}
            aria-label={format!("{} {}", ctx.t(T::Broker), b.id)}>
            <div class="node-head">
                <h3>{format!("{} {}", ctx.t(T::Broker), b.id)}</h3>
                <span class="status" data-testid={format!("broker-{}-status", b.id)}>{status_text(ctx.lang, b.status)}</span>
                if cut { <span class="cut-label">{format!("✂ {}", ctx.t(T::CutOff))}</span> }
            </div>
            {node_buttons(&ctx, b.id, b.status, &format!("broker-{}", b.id), true)}
            if b.status == Status::Crashed {
                <p class="hint crashed-note">{ctx.t(if ctx.view.live.is_some() { T::NoReplicaHereServe } else { T::NoReplicaHere })}</p>
            }
            {session_note(&ctx, b)}
            {crate::ui::cluster::waits::wait_notes(&ctx, b)}
        </section>
    }
}
