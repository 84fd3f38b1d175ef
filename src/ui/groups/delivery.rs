//! One member's delivery guarantee: when its application commits (auto-commit, or its
//! own `commitSync()` before or after processing — `playground.commit.sync`), chosen
//! here by a restart of that one process with the new settings (the application's code
//! changes, so it is redeployed: `close()`, then a new process joins), with a line
//! saying what that moment means in the words of Kafka's "Message Delivery Semantics";
//! and what it cost: which offsets it processed a second time, which offsets its commits
//! passed that nobody processed (lost).

use crate::ui::i18n::{Lang, T};
use crate::web::cluster_view::{ClusterCommand, MemberView};
use std::collections::BTreeMap;
use yew::prelude::*;

/// The moments the select offers: (value, enable.auto.commit, playground.commit.sync, label).
const MOMENTS: [(&str, &str, &str, T); 4] = [
    ("auto", "true", "off", T::CommitAuto),
    ("none", "false", "off", T::CommitNone),
    ("before-processing", "false", "before-processing", T::CommitBefore),
    ("after-processing", "false", "after-processing", T::CommitAfter),
];

fn current(m: &MemberView) -> &'static str {
    match m.commit_sync.as_str() {
        "before-processing" => "before-processing",
        "after-processing" => "after-processing",
        "in-transaction" => "in-transaction",
        _ if m.enable_auto_commit => "auto",
        _ => "none",
    }
}

fn meaning(moment: &str, auto_commit: bool) -> T {
    match moment {
        "before-processing" => T::AtMostOnceMeans,
        "after-processing" => T::AtLeastOnceMeans,
        "in-transaction" => T::InTransactionMeans,
        "auto" if auto_commit => T::AutoCommitMeans,
        _ => T::NoCommitMeans,
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub member: MemberView,
    pub lang: Lang,
    pub on_command: Callback<ClusterCommand>,
}

/// The commit moment's select, inline in the member's buttons row (its name and what it
/// does in its label and title, so the row stays one line where it fits).
#[function_component(CommitMomentSelect)]
pub fn commit_moment_select(p: &Props) -> Html {
    let (m, l) = (&p.member, p.lang);
    let moment = current(m);
    let onchange = {
        let (on, id) = (p.on_command.clone(), m.id);
        Callback::from(move |e: Event| {
            let chosen = crate::ui::common::form::value_of(&e);
            let Some((_, auto, sync, _)) = MOMENTS.iter().find(|x| x.0 == chosen) else { return };
            let configs = BTreeMap::from([
                ("enable.auto.commit".to_string(), auto.to_string()),
                ("playground.commit.sync".to_string(), sync.to_string()),
            ]);
            on.emit(ClusterCommand::RestartWith { clients: vec![id], configs, every_ms: 0 });
        })
    };
    if moment == "in-transaction" {
        // A pipeline's offsets go only through its transaction: nothing to choose.
        return html! {
            <code class="commit-moment" title={T::InTransactionMeans.get(l)}
                data-testid={format!("member-{}-commit-moment", m.name)}>{"sendOffsetsToTransaction"}</code>
        };
    }
    html! {
        <select class="commit-moment" onchange={onchange} disabled={m.status != "up"}
            aria-label={T::CommitMoment.get(l)} title={T::CommitMomentHint.get(l)}
            data-testid={format!("member-{}-commit-moment", m.name)}>
            { for MOMENTS.iter().map(|(value, _, _, label)| html! {
                <option value={*value} selected={*value == moment}>{ label.get(l) }</option>
            }) }
        </select>
    }
}

/// What the chosen moment guarantees (when it is the application's own commitSync()),
/// and what it cost: offsets processed twice, offsets lost.
#[function_component(DeliveryNotes)]
pub fn delivery_notes(p: &Props) -> Html {
    let (m, l) = (&p.member, p.lang);
    let t = |g: T| g.get(l);
    let moment = current(m);
    let ranges = |r: &[crate::sim::picture::view::OffsetRange]| {
        r.iter().map(|x| x.label()).collect::<Vec<_>>().join(", ")
    };
    let says = moment != "auto";
    if !says && m.duplicate_ranges.is_empty() && m.lost == 0 {
        return Html::default();
    }
    html! {
        <div class="member-delivery" data-testid={format!("member-{}-delivery", m.name)}>
            if says {
                <p class="hint" data-testid={format!("member-{}-guarantee", m.name)}>{ t(meaning(moment, m.enable_auto_commit)) }</p>
            }
            if !m.duplicate_ranges.is_empty() {
                <p class="member-duplicates" data-testid={format!("member-{}-duplicates", m.name)}>
                    { format!("{} ({}): {}", t(T::ProcessedTwice), m.duplicates, ranges(&m.duplicate_ranges)) }
                </p>
            }
            if m.lost > 0 {
                <p class="member-lost" role="status" data-testid={format!("member-{}-lost", m.name)}>
                    { format!("{} ({}): {}", t(T::LostRecords), m.lost, ranges(&m.lost_ranges)) }
                </p>
            }
        </div>
    }
}
