//! A group's rebalances in figures: the headline of the latest (stop the world: the
//! longest a member that had partitions processed nothing; partitions unserved: how long
//! partitions had no consuming owner), one row per recent generation, and the partitions
//! without a consuming owner right now, with why ("owned by crashed c2, not consumed":
//! the coordinator still assigns them to a dead member until `session.timeout.ms`).
//! The figures come from `crate::sim::picture::rebalances` (tests/group_figures.rs checks
//! them against the timeline); this only words them.

use crate::ui::i18n::Lang;
use crate::ui::i18n::{ms_text, T};
use crate::web::cluster_view::{RebalanceView, UnservedView};
use yew::prelude::*;

/// Rounds listed (the newest).
const ROUNDS_SHOWN: usize = 4;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub rebalances: Vec<RebalanceView>,
    pub unserved: Vec<UnservedView>,
    pub now_ms: i64,
    pub lang: Lang,
}

fn generation_text(l: Lang, r: &RebalanceView) -> String {
    match (r.generation, r.completed_ms) {
        (Some(g), Some(_)) => format!("{} {g}", T::Generation.get(l)),
        (Some(g), None) => format!("{} {g} ({})", T::Generation.get(l), T::InProgress.get(l)),
        (None, _) => T::RebalanceRunning.get(l).to_string(),
    }
}

/// "6, longest 521 ms" / "none".
fn unserved_text(l: Lang, r: &RebalanceView) -> String {
    if r.unserved.is_empty() {
        return T::NoneWord.get(l).to_string();
    }
    format!("{}, {} {}", r.unserved.len(), T::Longest.get(l), ms_text(l, r.longest_unserved_ms()))
}

fn headline(l: Lang, r: &RebalanceView) -> String {
    let stw = r.stop_the_world_ms();
    let stopped = if stw == 0 && r.generation.is_some_and(|g| g <= 1) {
        T::NobodyHadPartitions.get(l).to_string()
    } else if stw == 0 {
        T::NobodyStopped.get(l).to_string()
    } else {
        let mut members = r.stopped.clone();
        members.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let who =
            members.iter().map(|(c, ms)| format!("{c} {}", ms_text(l, *ms))).collect::<Vec<_>>().join(", ");
        format!("{} {} ({who})", T::StopTheWorld.get(l), ms_text(l, stw))
    };
    format!(
        "{}: {stopped} · {}: {}",
        generation_text(l, r),
        T::PartitionsUnserved.get(l),
        unserved_text(l, r)
    )
}

/// Why a partition has no consuming owner now.
pub fn unserved_reason(l: Lang, u: &UnservedView) -> String {
    match (&u.assigned_to, u.owner_crashed) {
        (Some(to), true) if *to == u.last_owner => {
            format!("{} {to}, {}", T::OwnedByCrashed.get(l), T::NotConsumed.get(l))
        }
        (Some(to), _) => format!("{} {to}, {}", T::AssignedTo.get(l), T::NotConsumedYet.get(l)),
        (None, true) => format!("{} {} · {}", T::CrashedOwner.get(l), u.last_owner, T::OwnedByNobody.get(l)),
        (None, false) => format!("{} {} · {}", T::RevokedBy.get(l), u.last_owner, T::OwnedByNobody.get(l)),
    }
}

#[function_component(RebalanceSummary)]
pub fn rebalance_summary(p: &Props) -> Html {
    let l = p.lang;
    let latest = p.rebalances.iter().rev().find(|r| r.completed_ms.is_none() || r.generation.is_some());
    let shown = &p.rebalances[p.rebalances.len().saturating_sub(ROUNDS_SHOWN)..];
    html! {
        <div class="group-rebalances" data-testid="rebalance-summary">
            if let Some(r) = latest {
                <p class={classes!("stop-the-world", r.completed_ms.is_none().then_some("running"))} data-testid="stop-the-world"
                    data-ms={r.stop_the_world_ms().to_string()} data-unserved-ms={r.longest_unserved_ms().to_string()}
                    data-unserved-count={r.unserved.len().to_string()}
                    data-generation={r.generation.map(|g| g.to_string()).unwrap_or_default()}
                    data-running={r.completed_ms.is_none().to_string()}>
                    { headline(l, r) }
                </p>
            } else {
                <p class="hint">{ T::NoRebalances.get(l) }</p>
            }
            if !p.unserved.is_empty() {
                <ul class="unserved" data-testid="unserved-now">
                    { for p.unserved.iter().map(|u| html! {
                        <li class={classes!(u.owner_crashed.then_some("crashed"))}
                            data-testid={format!("unserved-{}-{}", u.topic, u.partition)} data-ms={u.ms().to_string()}
                            data-assigned-to={u.assigned_to.clone().unwrap_or_default()}>
                            <strong>{ format!("{}-{}", u.topic, u.partition) }</strong>
                            { format!(" — {} · {} {}", unserved_reason(l, u), T::For.get(l), ms_text(l, u.ms())) }
                        </li>
                    }) }
                </ul>
            }
            if shown.len() > 1 {
                <table class="rounds">
                    <thead><tr>
                        <th>{ T::Generation.get(l) }</th><th>{ T::Began.get(l) }</th><th>{ T::Took.get(l) }</th>
                        <th>{ T::StopShort.get(l) }</th><th>{ T::PartitionsUnserved.get(l) }</th>
                    </tr></thead>
                    <tbody>{ for shown.iter().rev().map(|r| html! {
                        <tr data-testid="rebalance-round" data-generation={r.generation.map(|g| g.to_string()).unwrap_or_default()}
                            data-stop-ms={r.stop_the_world_ms().to_string()} data-unserved-ms={r.longest_unserved_ms().to_string()}>
                            <td>{ r.generation.map_or_else(|| "…".to_string(), |g| g.to_string()) }</td>
                            <td>{ ms_text(l, r.started_ms) }</td>
                            <td>{ ms_text(l, r.completed_ms.unwrap_or(p.now_ms) - r.started_ms) }</td>
                            <td>{ ms_text(l, r.stop_the_world_ms()) }</td>
                            <td>{ unserved_text(l, r) }</td>
                        </tr>
                    }) }</tbody>
                </table>
            }
        </div>
    }
}
