//! Each partition's consuming owners over time, in the group's rebalances fold:
//! "orders-1: c1 2,300 ms ▸ nobody 18 ms ▸ c4" — who consumed it, and for how long nobody
//! did (revoked, its owner crashed, not yet assigned again). The figures come from
//! `crate::sim::picture::rebalances`; this only words them.

use crate::sim::picture::view::OwnershipView;
use crate::ui::i18n::{ms_text, Lang, T};
use crate::ui::shell::speed::clock_text;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub ownership: Vec<OwnershipView>,
    pub now_ms: i64,
    pub lang: Lang,
}

#[function_component(OwnershipOverTime)]
pub fn ownership_over_time(p: &Props) -> Html {
    let l = p.lang;
    if p.ownership.is_empty() {
        return html! {};
    }
    let row = |o: &OwnershipView| {
        let spans = o.owners.iter().enumerate().map(|(k, (since, owner))| {
            let who = owner.clone().unwrap_or_else(|| T::Nobody.get(l).to_string());
            let text = match o.owners.get(k + 1) {
                Some((next, _)) => format!("{who} {}", ms_text(l, next - since)),
                None => who,
            };
            let sep = if k > 0 { " ▸ " } else { "" };
            html! { <>{sep}<span class={classes!(owner.is_none().then_some("unserved"))} title={clock_text(*since)}>{text}</span></> }
        });
        html! {
            <li data-testid={format!("ownership-{}-{}", o.topic, o.partition)}>
                <code>{format!("{}-{}", o.topic, o.partition)}</code>{": "}{ for spans }
            </li>
        }
    };
    html! {
        <div class="ownership" data-testid="ownership">
            <h5>{ T::OwnershipOverTime.get(l) }</h5>
            <ul>{ for p.ownership.iter().map(row) }</ul>
        </div>
    }
}
