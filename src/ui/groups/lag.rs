//! Lag per partition as `kafka-consumer-groups --describe` shows it (log end, committed,
//! lag) with its owner (colour and name; a crashed member the coordinator still assigns
//! it to is shown as such: "crashed c2 — not consumed") and a sparkline of the lag.

use crate::ui::i18n::Lang;
use crate::ui::i18n::T;
use crate::web::cluster_view::LagView;
use yew::prelude::*;

/// Who holds a partition in the group's current generation.
#[derive(Debug, Clone, PartialEq)]
pub struct Owner {
    /// `topic-p`.
    pub partition: String,
    pub member: String,
    pub colour: &'static str,
    /// False for a crashed member: assigned, but nobody consumes it.
    pub consuming: bool,
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lag: Vec<LagView>,
    pub owners: Vec<Owner>,
    pub lang: Lang,
}

/// An SVG polyline of the lag history, scaled to its own maximum.
fn sparkline(history: &[(i64, i64)]) -> Html {
    let (w, h) = (120.0, 24.0);
    if history.len() < 2 {
        return html! { <svg class="sparkline" width="120" height="24" aria-hidden="true"></svg> };
    }
    let (t0, t1) = (history[0].0, history[history.len() - 1].0.max(history[0].0 + 1));
    let max = history.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let points = history
        .iter()
        .map(|(t, v)| {
            format!(
                "{:.1},{:.1}",
                (t - t0) as f64 * w / (t1 - t0) as f64,
                h - 1.0 - (*v as f64) * (h - 2.0) / max
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    html! {
        <svg class="sparkline" width="120" height="24" viewBox="0 0 120 24" aria-hidden="true">
            <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
        </svg>
    }
}

#[function_component(LagTable)]
pub fn lag_table(p: &Props) -> Html {
    let l = p.lang;
    if p.lag.is_empty() {
        return html! {};
    }
    let total: i64 = p.lag.iter().map(|x| x.lag).sum();
    html! {
        <div class="group-lag">
            <h4>{ format!("{} · {total}", T::Lag.get(l)) }</h4>
            <p class="hint">{ T::LagHelp.get(l) }</p>
            <table>
                <thead><tr>
                    <th>{ T::PartitionCol.get(l) }</th><th>{ T::Owner.get(l) }</th><th>{ T::LogEnd.get(l) }</th>
                    <th>{ T::Committed.get(l) }</th><th>{ T::LagCol.get(l) }</th><th></th>
                </tr></thead>
                <tbody>
                    { for p.lag.iter().map(|x| {
                        let name = format!("{}-{}", x.topic, x.partition);
                        let owner = p.owners.iter().find(|o| o.partition == name);
                        html! {
                            <tr data-testid={format!("lag-{}-{}", x.topic, x.partition)} data-lag={x.lag.to_string()}
                                data-owner={owner.filter(|o| o.consuming).map(|o| o.member.clone()).unwrap_or_default()}
                                data-assigned-to={owner.map(|o| o.member.clone()).unwrap_or_default()}>
                                <td>{ &name }</td>
                                <td>
                                    if let Some(o) = owner.filter(|o| o.consuming) {
                                        <span class="owner-chip" style={format!("--member-colour: {}", o.colour)}>{ &o.member }</span>
                                    } else if let Some(o) = owner {
                                        <span class="owner-chip crashed" style={format!("--member-colour: {}", o.colour)}
                                            data-testid="owned-by-crashed"
                                            title={format!("{} {}, {}", T::OwnedByCrashed.get(l), o.member, T::NotConsumed.get(l))}>
                                            { format!("✕ {} ({}) — {}", o.member, T::CrashedShort.get(l), T::NotConsumedShort.get(l)) }
                                        </span>
                                    } else {
                                        <span class="none">{ T::Nobody.get(l) }</span>
                                    }
                                </td>
                                <td>{ x.log_end }</td>
                                <td>{ x.committed.map_or_else(|| "-".to_string(), |c| c.to_string()) }</td>
                                <td class={classes!("lag-value", (x.lag > 0).then_some("behind"))}>{ x.lag }</td>
                                <td>{ sparkline(&x.history) }</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        </div>
    }
}
