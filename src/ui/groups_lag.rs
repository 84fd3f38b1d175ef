//! Lag per partition as `kafka-consumer-groups --describe` shows it (log end, committed,
//! lag) with its owner (colour and name) and a small sparkline of the lag's trend.

use super::i18n::Lang;
use super::i18n_groups::G;
use crate::web::cluster_view::LagView;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lag: Vec<LagView>,
    /// ("topic-p", member name, colour) for each owned partition.
    pub owners: Vec<(String, String, &'static str)>,
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
            <h4>{ format!("{} · {total}", G::Lag.get(l)) }</h4>
            <p class="hint">{ G::LagHelp.get(l) }</p>
            <table>
                <thead><tr>
                    <th>{ "partition" }</th><th>{ G::Owner.get(l) }</th><th>{ G::LogEnd.get(l) }</th>
                    <th>{ G::Committed.get(l) }</th><th>{ "lag" }</th><th></th>
                </tr></thead>
                <tbody>
                    { for p.lag.iter().map(|x| {
                        let name = format!("{}-{}", x.topic, x.partition);
                        let owner = p.owners.iter().find(|(n, _, _)| *n == name);
                        html! {
                            <tr data-testid={format!("lag-{}-{}", x.topic, x.partition)} data-lag={x.lag.to_string()}
                                data-owner={owner.map(|o| o.1.clone()).unwrap_or_default()}>
                                <td>{ &name }</td>
                                <td>
                                    if let Some((_, member, colour)) = owner {
                                        <span class="owner-chip" style={format!("--member-colour: {colour}")}>{ member }</span>
                                    } else {
                                        <span class="none">{ G::Nobody.get(l) }</span>
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
