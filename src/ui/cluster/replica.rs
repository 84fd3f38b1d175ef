//! One replica of one partition on one broker: a cell of the partition × broker matrix.
//! A line of marks (role: leader starred and bold; ISR membership: ✓ or ⚠ with words;
//! leader epoch), then the records as a strip that scrolls inside the cell (oldest to
//! newest left to right, opening on the newest; newest first in the document): ghosts of
//! removed records ([`super::ghost`]), the log start offset, cells coloured and labelled
//! by key, the high watermark as a line between the committed and the not-yet-committed
//! records, and the log end offset at the edge. The newest [`Props::max_drawn`] records
//! are cells; the older ones the picture holds join the elided count. Shapes and words,
//! never colour alone; every mark and cell explains itself on hover or focus, in a line
//! that overlays the row below (so the matrix keeps its height). The log start offset is
//! written in words (the abbreviation "LSO" is Kafka's last stable offset).

use crate::engine::cluster::NodeId;
use crate::engine::controller::is_internal_topic;
use crate::engine::partitioner::PartitionerKind;
use crate::engine::replica::view::RECORDS_PER_REPLICA;
use crate::ui::cluster::ghost::{GhostBadge, GhostCell};
use crate::ui::cluster::record::{record_cell, RecordPlace};
use crate::ui::cluster::strip_help::{clear, help_of, Shown};
use crate::ui::i18n::{Lang, T};
use crate::web::cluster_view::{PartitionView, RemovedRegion, ReplicaPicture};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub broker: NodeId,
    pub replica: Rc<ReplicaPicture>,
    /// The controller's metadata for this partition (the truth ISR and leader come from).
    pub meta: Option<PartitionView>,
    /// The key colours of the drawn records (the newest `max_drawn`), oldest first.
    pub colours: Vec<String>,
    /// The partitioner the topic's producers use, and the topic's partition count, to
    /// explain where each record went.
    pub partitioner: PartitionerKind,
    pub partition_count: u32,
    /// What this replica's log lost and why, oldest first (drawn before the log start).
    #[prop_or_default]
    pub removed: Vec<RemovedRegion>,
    /// At most this many of the newest records are drawn as cells; the older ones the
    /// picture holds join the elided count before them (the matrix bounds its cells).
    #[prop_or(RECORDS_PER_REPLICA)]
    pub max_drawn: usize,
}

/// `[1, 2, 3]`.
pub fn ids_text(ids: &[NodeId]) -> String {
    format!("[{}]", ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
}

#[function_component(ReplicaStrip)]
pub fn replica_strip(props: &Props) -> Html {
    let hovered = use_state(|| Shown::None);
    let focused = use_state(|| Shown::None);
    let t = |x: T| x.get(props.lang);
    let r = &props.replica;
    let b = props.broker;
    let is_leader = r.role == "leader";
    let isr = props.meta.as_ref().map_or(&r.isr, |m| &m.isr);
    let in_isr = isr.contains(&b);
    let stale = is_leader
        && props.meta.as_ref().is_some_and(|m| m.leader != Some(b) || m.leader_epoch > r.leader_epoch);

    // The newest `max_drawn` records; the older ones count as elided.
    let skip = crate::sim::picture::drawn::first_drawn(r.records.len(), props.max_drawn);
    let records = &r.records[skip..];
    let first_shown = records.first().map_or(r.log_end_offset, |x| x.offset);
    let hidden = first_shown - r.log_start_offset;
    let log_start_text = format!("{} {}", t(T::LogStartShort), r.log_start_offset);
    let lso = r.last_stable_offset;
    // Drawn only where it parts from the high watermark (an open transaction holds it back).
    let lso_apart = lso != r.high_watermark;
    let hw_text = format!("HW {}", r.high_watermark);
    let hw_marker = html! {
        <span key="hw" class="marker hw" tabindex="0" role="img" aria-label={hw_text.clone()} data-explain="hw"
            data-testid="replica-hw">{hw_text}</span>
    };
    let lso_text = format!("LSO {}", r.last_stable_offset);
    let lso_marker = html! {
        <span key="lso" class="marker lso" tabindex="0" role="img" aria-label={lso_text.clone()} data-explain="lso"
            data-testid="replica-lso">{lso_text}</span>
    };
    let place = RecordPlace {
        lang: props.lang,
        partition: r.partition,
        partitioner: props.partitioner,
        partition_count: props.partition_count,
        internal: is_internal_topic(&r.topic),
        high_watermark: r.high_watermark,
    };
    let txn = crate::sim::picture::txn::txn_statuses(&r.records);
    let txn = &txn[skip.min(txn.len())..];
    // Built oldest first, then reversed (below).
    let mut cells = Vec::with_capacity(records.len() + 4 + props.removed.len());
    for g in &props.removed {
        let key = format!("ghost-{}", g.to_offset);
        cells.push(html! { <GhostCell {key} lang={props.lang} region={g.clone()} /> });
    }
    cells.push(html! {
        <span key="log-start" class="marker log-start" tabindex="0" role="img" aria-label={log_start_text.clone()}
            data-explain="log-start" data-testid="replica-log-start">{log_start_text}</span>
    });
    if hidden > 0 {
        cells.push(html! { <span key="elided" class="elided">{format!("+{hidden}")}</span> });
    }
    let mut hw_drawn = false;
    let mut lso_drawn = !lso_apart;
    for (i, rec) in records.iter().enumerate() {
        if !lso_drawn && rec.offset >= lso {
            cells.push(lso_marker.clone());
            lso_drawn = true;
        }
        if !hw_drawn && rec.offset >= r.high_watermark {
            cells.push(hw_marker.clone());
            hw_drawn = true;
        }
        let colour = props.colours.get(i);
        cells.push(record_cell(
            &place,
            rec,
            colour.map_or("", String::as_str),
            txn.get(i).copied().flatten(),
        ));
    }
    if !lso_drawn {
        cells.push(lso_marker);
    }
    if !hw_drawn {
        cells.push(hw_marker);
    }
    let leo_text = format!("LEO {}", r.log_end_offset);
    cells.push(html! {
        <span key="leo" class="marker leo" tabindex="0" role="img" aria-label={leo_text.clone()} data-explain="leo"
            data-testid="replica-leo">{leo_text}</span>
    });
    // Newest first in the document: the strip (row-reverse) lays them out oldest to
    // newest and its scroll starts at the newest end; keyboard focus meets the newest first.
    cells.reverse();
    let role_help =
        format!("{} — {}", if is_leader { t(T::Leader) } else { t(T::Follower) }, t(T::LeaderHelp));
    let isr_help = format!("ISR {} — {}", ids_text(isr), t(T::IsrHelp));
    let epoch_help = format!("{} {} — {}", t(T::LeaderEpoch), r.leader_epoch, t(T::LeaderEpochHelp));
    let shown_help = (*hovered).clone().or_else(|| (*focused).clone());
    let announced = (*focused).as_ref().filter(|(_, built)| *built).map(|(help, _)| help.clone());
    let class = classes!(
        "replica",
        if is_leader { "leader" } else { "follower" },
        if in_isr { "in-isr" } else { "out-of-sync" },
        stale.then_some("stale")
    );
    html! {
        <div class={class} data-testid={format!("replica-{b}-{}-{}", r.topic, r.partition)}
            data-leader={is_leader.to_string()} data-in-isr={in_isr.to_string()}
            data-hw={r.high_watermark.to_string()} data-lso={lso.to_string()} data-leo={r.log_end_offset.to_string()}
            data-log-start={r.log_start_offset.to_string()} data-records={r.records.len().to_string()}
            data-leader-epoch={r.leader_epoch.to_string()}
            onmouseover={help_of(hovered.clone(), props.replica.clone(), place.clone())} onmouseleave={clear(hovered)}
            onfocusin={help_of(focused.clone(), props.replica.clone(), place)} onfocusout={clear(focused)}>
            <div class="replica-head">
                <span class="badge-role" tabindex="0" data-help={role_help.clone()} aria-label={role_help}>
                    { if is_leader { format!("★ {}", t(T::Leader)) } else { t(T::Follower).to_string() } }
                </span>
                <span class="badge-isr" tabindex="0" data-help={isr_help.clone()} aria-label={isr_help}>
                    { if in_isr { "✓ ISR".to_string() } else { format!("⚠ {}", t(T::OutOfSync)) } }
                </span>
                <span class="badge-epoch" tabindex="0" data-help={epoch_help.clone()} aria-label={epoch_help}>
                    {format!("e{}", r.leader_epoch)}
                </span>
                if !props.removed.is_empty() {
                    <GhostBadge lang={props.lang} regions={props.removed.clone()} />
                }
                if stale {
                    <span class="badge-stale" data-testid="stale-leader">{format!("⚠ {}", t(T::StaleLeader))}</span>
                }
            </div>
            <div class="strip cell-strip">{ for cells }</div>
            if let Some((help, _)) = shown_help {
                <p class="cell-details" aria-hidden="true" data-testid="cell-details">{help}</p>
            }
            // The help built on focus, for screen readers: those elements' names are only
            // their short text (the badges' help is their name already).
            <span class="sr-only" aria-live="polite">
                {announced.unwrap_or_default()}
            </span>
        </div>
    }
}
