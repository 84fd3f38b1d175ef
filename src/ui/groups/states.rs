//! A group's state strip beside its "Rebalances" heading: the coordinator's latest moves
//! (… ▸ PreparingRebalance 18 ms ▸ CompletingRebalance 3 ms ▸ Stable), each with how long
//! the group stayed in it; in the tab each is a button that looks at the run at that
//! moment (the timeline's seek), and "next group event" runs the live run on until the
//! group's next join, leave, assignment or state change and pauses there, so an 18 ms
//! rebalance can be watched step by step.

use crate::sim::picture::view::GroupStateStep;
use crate::ui::i18n::{ms_text, Lang, T};
use crate::ui::shell::speed::clock_text;
use crate::web::cluster_view::ClusterCommand;
use yew::prelude::*;

/// States shown (the newest); older ones are "…".
const STATES_SHOWN: usize = 3;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub states: Vec<GroupStateStep>,
    pub now_ms: i64,
    pub lang: Lang,
    /// The tab's own run: the states look back, and the next group event can be run to.
    pub seekable: bool,
    pub on_command: Callback<ClusterCommand>,
}

#[function_component(StateStrip)]
pub fn state_strip(p: &Props) -> Html {
    let l = p.lang;
    let first = p.states.len().saturating_sub(STATES_SHOWN);
    let steps = p.states.iter().enumerate().skip(first).map(|(k, s)| {
        let until = p.states.get(k + 1).map_or(p.now_ms, |next| next.at_ms);
        let stayed = (k + 1 < p.states.len()).then(|| ms_text(l, until - s.at_ms));
        let title = format!("{} · {} {}", clock_text(s.at_ms), T::Generation.get(l), s.generation);
        let label = match stayed {
            Some(ms) => format!("{} {ms}", s.state),
            None => s.state.clone(),
        };
        let item = if p.seekable {
            let at = s.at_ms;
            let look = p.on_command.reform(move |_: MouseEvent| ClusterCommand::Seek(at));
            html! { <button type="button" class="state-step" title={format!("{title} — {}", T::LookAtMoment.get(l))}
                onclick={look} data-at-ms={s.at_ms.to_string()}>{label}</button> }
        } else {
            html! { <span class="state-step" title={title}>{label}</span> }
        };
        html! { <>{ if k > first { html! { <span class="sep">{" ▸ "}</span> } } else { html! {} } }{item}</> }
    });
    let next = p.on_command.reform(|_: MouseEvent| ClusterCommand::NextGroupEvent);
    html! {
        <span class="group-strip" data-testid="group-strip" data-states={p.states.len().to_string()}>
            if first > 0 { <span class="sep">{"… ▸ "}</span> }
            { for steps }
            if p.seekable {
                <button type="button" class="quiet next-group-event" onclick={next} title={T::NextGroupEventHelp.get(l)}
                    aria-label={T::NextGroupEvent.get(l)} data-testid="next-group-event">{ "▸|" }</button>
            }
        </span>
    }
}
