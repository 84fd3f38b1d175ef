//! A ghost in a replica's strip: a hatched block where removed records were, labelled
//! with the offsets and why they went (retention by `retention.ms` or `retention.bytes`,
//! segments below the log start offset, DeleteRecords, the leader's log start offset
//! taken by a follower, the log cleaner), so a learner sees the loss instead of records
//! silently gone. Shape (hatching, a ✕) and words, never colour alone; the full sentence
//! on hover or focus; [`GhostBadge`] sums them up in the replica's head.

use crate::engine::cluster::events::SegmentDeletionReason;
use crate::ui::i18n::{records_word, Lang, T};
use crate::web::cluster_view::{RemovalReason, RemovedRegion};
use yew::prelude::*;

/// (data-reason, short label, the sentence's reason).
fn reason_words(lang: Lang, g: &RemovedRegion) -> (&'static str, String, String) {
    let t = |x: T| x.get(lang);
    match g.reason {
        RemovalReason::Retention(SegmentDeletionReason::RetentionMsBreach) => {
            ("retention-ms", "retention.ms".into(), format!("{} (retention.ms)", t(T::GhostRetention)))
        }
        RemovalReason::Retention(SegmentDeletionReason::RetentionSizeBreach) => (
            "retention-bytes",
            "retention.bytes".into(),
            format!("{} (retention.bytes)", t(T::GhostRetention)),
        ),
        RemovalReason::Retention(SegmentDeletionReason::StartOffsetBreach) => {
            ("below-log-start", t(T::LogStartShort).into(), t(T::GhostBelowLogStart).into())
        }
        RemovalReason::DeleteRecords => {
            ("delete-records", "DeleteRecords".into(), t(T::GhostDeleteRecords).into())
        }
        RemovalReason::LeaderLogStart => {
            ("leader-log-start", t(T::GhostFromLeaderShort).into(), t(T::GhostFromLeader).into())
        }
        RemovalReason::Cleaning => (
            "cleaning",
            format!("{} −{}", t(T::GhostCleaningShort), g.records),
            format!("{}: {} {}", t(T::GhostCleaning), g.records, records_word(lang, g.records)),
        ),
    }
}

/// "0–41", or "< 42" when the page did not see where the log started.
fn offsets_text(g: &RemovedRegion) -> String {
    match g.from_offset {
        Some(from) if from + 1 >= g.to_offset => format!("{from}"),
        Some(from) => format!("{from}–{}", g.to_offset - 1),
        None => format!("< {}", g.to_offset),
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub region: RemovedRegion,
}

/// The sentence of one ghost: "offsets 0–41 — deleted by retention (retention.ms)".
fn help_text(lang: Lang, g: &RemovedRegion) -> String {
    let (_, _, why) = reason_words(lang, g);
    format!("{} {} — {why}", T::Offsets.get(lang), offsets_text(g))
}

#[function_component(GhostCell)]
pub fn ghost_cell(props: &Props) -> Html {
    let (kind, short, _) = reason_words(props.lang, &props.region);
    let offsets = offsets_text(&props.region);
    let help = help_text(props.lang, &props.region);
    html! {
        <span class="ghost" tabindex="0" role="img" aria-label={help.clone()} data-help={help}
            data-testid="replica-ghost" data-reason={kind} data-to={props.region.to_offset.to_string()}>
            <span class="ghost-offsets">{format!("✕ {offsets}")}</span>
            <span class="ghost-why">{short}</span>
        </span>
    }
}

#[derive(Properties, PartialEq)]
pub struct BadgeProps {
    pub lang: Lang,
    /// The replica's ghosts, oldest first (not empty).
    pub regions: Vec<RemovedRegion>,
}

/// The replica head's summary of its ghosts (the strip opens on the newest records, so
/// the ghosts at its old end may be scrolled out of sight): every removed offset span in
/// one mark, each ghost's sentence on hover or focus.
#[function_component(GhostBadge)]
pub fn ghost_badge(props: &BadgeProps) -> Html {
    let (Some(first), Some(last)) = (props.regions.first(), props.regions.last()) else { return html! {} };
    let span = RemovedRegion { from_offset: first.from_offset, ..last.clone() };
    let help = props.regions.iter().map(|g| help_text(props.lang, g)).collect::<Vec<_>>().join("; ");
    html! {
        <span class="badge-ghost" tabindex="0" data-help={help.clone()} aria-label={help}
            data-testid="replica-ghost-badge">{format!("✕ {}", offsets_text(&span))}</span>
    }
}
