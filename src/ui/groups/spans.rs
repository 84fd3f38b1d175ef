//! The rebalance timeline: for each member and rebalance, a bar from the JoinGroup it
//! sent to the assignment it got, its dark part the time it processed nothing because
//! it had partitions and owned none (eager's stop the world; cooperative members keep
//! processing what they keep; a newcomer's empty first assignment stops nothing), with
//! the numbers in virtual ms. The figures per rebalance are `crate::ui::groups::rebalances`.

use crate::ui::i18n::Lang;
use crate::ui::i18n::{ms_text, T};
use crate::web::cluster_view::RebalanceSpan;
use yew::prelude::*;

/// Spans drawn (the newest).
const SPANS_SHOWN: usize = 12;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub spans: Vec<RebalanceSpan>,
    pub now_ms: i64,
    pub lang: Lang,
}

#[function_component(SpanTimeline)]
pub fn span_timeline(p: &Props) -> Html {
    let l = p.lang;
    let shown = &p.spans[p.spans.len().saturating_sub(SPANS_SHOWN)..];
    if shown.is_empty() {
        return html! { <div class="group-spans"><h4>{ T::Rebalances.get(l) }</h4><p>{ T::NoRebalances.get(l) }</p></div> };
    }
    let from = shown.iter().map(|s| s.joined_ms).min().unwrap_or(0);
    let to = shown.iter().map(|s| s.assigned_ms.unwrap_or(p.now_ms)).max().unwrap_or(p.now_ms).max(from + 1);
    let pct = |t: i64| (t - from) as f64 * 100.0 / (to - from) as f64;
    html! {
        <div class="group-spans">
            <h4>{ T::Rebalances.get(l) }</h4>
            <p class="hint">{ T::SpanHelp.get(l) }</p>
            <ul class="spans">
                { for shown.iter().map(|s| {
                    let end = s.assigned_ms.unwrap_or(p.now_ms);
                    let stopped = s.stopped_for_ms(p.now_ms);
                    let total = end - s.joined_ms;
                    let what = if s.stopped_ms.is_some() {
                        format!("{} {}", T::StoppedFor.get(l), ms_text(l, stopped))
                    } else if s.first || !s.had_partitions {
                        T::FirstJoin.get(l).to_string()
                    } else {
                        T::KeptWorking.get(l).to_string()
                    };
                    let revoked = if s.revoked.is_empty() { String::new() } else {
                        format!(" · {}: {}", T::Revoked.get(l), s.revoked.iter().map(|(t, n)| format!("{t}-{n}")).collect::<Vec<_>>().join(","))
                    };
                    let label = format!("{} · {} · {}{} · {what}{revoked}",
                        s.client,
                        if s.generation >= 0 { format!("{} {}", T::Generation.get(l), s.generation) } else { T::RebalanceRunning.get(l).to_string() },
                        ms_text(l, total), if s.assigned_ms.is_none() { format!(" ({})", T::InProgress.get(l)) } else { String::new() });
                    html! {
                        <li class="span-row" data-testid="rebalance-span" data-member={s.client.clone()} data-ms={stopped.to_string()}
                            data-rebalance-ms={total.to_string()} data-generation={s.generation.to_string()} data-first={s.first.to_string()}
                            data-done={s.assigned_ms.is_some().to_string()}>
                            <span class="span-track" aria-hidden="true">
                                <span class="span-bar" style={format!("left: {:.2}%; width: {:.2}%", pct(s.joined_ms), (pct(end) - pct(s.joined_ms)).max(0.5))}></span>
                                if let Some(st) = s.stopped_ms {
                                    <span class="span-stopped" style={format!("left: {:.2}%; width: {:.2}%", pct(st.max(from)), (pct(end) - pct(st.max(from))).max(0.5))}></span>
                                }
                            </span>
                            <span class="span-label">{ label }</span>
                        </li>
                    }
                }) }
            </ul>
        </div>
    }
}
