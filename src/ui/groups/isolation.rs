//! One member's `isolation.level` (read_uncommitted, Kafka's default, or read_committed),
//! chosen as the commit moment is ([`super::delivery`]): a consumer's configs are fixed
//! when it is built, so the choice restarts that one process with the new setting
//! (`close()`, then a new process joins and resumes from the group's committed offsets).

use crate::ui::i18n::{Lang, T};
use crate::web::cluster_view::{ClusterCommand, MemberView};
use std::collections::BTreeMap;
use yew::prelude::*;

/// The values of `isolation.level` (`ConsumerConfig`), Kafka's default first.
const LEVELS: [&str; 2] = ["read_uncommitted", "read_committed"];

#[derive(Properties, PartialEq)]
pub struct Props {
    pub member: MemberView,
    pub lang: Lang,
    pub on_command: Callback<ClusterCommand>,
}

#[function_component(IsolationSelect)]
pub fn isolation_select(p: &Props) -> Html {
    let (m, l) = (&p.member, p.lang);
    let current = if m.isolation_level.is_empty() { LEVELS[0] } else { m.isolation_level.as_str() };
    let onchange = {
        let (on, id, was) = (p.on_command.clone(), m.id, current.to_string());
        Callback::from(move |e: Event| {
            let chosen = crate::ui::common::form::value_of(&e);
            if chosen == was || !LEVELS.contains(&chosen.as_str()) {
                return;
            }
            let configs = BTreeMap::from([("isolation.level".to_string(), chosen)]);
            on.emit(ClusterCommand::RestartWith { clients: vec![id], configs, every_ms: 0 });
        })
    };
    html! {
        <select class="isolation-level" onchange={onchange} disabled={m.status != "up"}
            aria-label="isolation.level" title={T::IsolationLevelHint.get(l)}
            data-testid={format!("member-{}-isolation-level", m.name)} data-value={current.to_string()}>
            { for LEVELS.iter().map(|v| html! {
                <option value={*v} selected={*v == current}>{ format!("isolation.level={v}") }</option>
            }) }
        </select>
    }
}
