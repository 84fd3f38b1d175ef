//! The group's forms: add a declared consumer (with its `group.id`, assignors and
//! timeouts), switch the assignor by a rolling restart, add partitions to a topic. Each
//! checks its input as Kafka would (the consumer's own config checks) and shows a clear
//! error inline instead of sending anything.

use crate::engine::client::consumer::ConsumerConfig;
use crate::engine::cluster::NodeId;
use crate::takeaway::Action;
use crate::ui::common::code::TakeawayCode;
use crate::ui::i18n::Lang;
use crate::ui::i18n::T;
use crate::web::cluster_view::{ClusterCommand, StartableConsumer};
use std::collections::BTreeMap;
use yew::prelude::*;

/// How far apart the rolling restart restarts members (virtual ms).
const ROLLING_EVERY_MS: i64 = 10_000;

fn setter(state: &UseStateHandle<Option<String>>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| state.set(Some(crate::ui::common::form::value_of(&e))))
}

#[derive(Properties, PartialEq)]
pub struct AddProps {
    pub startable: Vec<StartableConsumer>,
    /// The topics the group reads (for the program under the form).
    pub topics: Vec<String>,
    pub group_id: String,
    pub lang: Lang,
    pub on_command: Callback<ClusterCommand>,
}

#[function_component(AddConsumerForm)]
pub fn add_consumer_form(p: &AddProps) -> Html {
    let l = p.lang;
    let group = use_state(|| None::<String>);
    let strategy = use_state(|| None::<String>);
    let session = use_state(|| None::<String>);
    let heartbeat = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let Some(next) = p.startable.first().cloned() else {
        return html! {
            <form class="group-form" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                <h4>{ T::AddConsumer.get(l) }</h4>
                <p class="hint">{ T::NoMoreConsumers.get(l) }</p>
                <button type="submit" data-testid="add-consumer" disabled=true>{ T::AddConsumer.get(l) }</button>
            </form>
        };
    };
    let declared = [
        ("group.id", next.group_id.clone()),
        ("partition.assignment.strategy", next.assignors.clone()),
        ("session.timeout.ms", next.session_timeout_ms.to_string()),
        ("heartbeat.interval.ms", next.heartbeat_interval_ms.to_string()),
    ];
    let fields = [&group, &strategy, &session, &heartbeat];
    let values: Vec<(String, String)> = declared
        .iter()
        .zip(fields)
        .map(|((k, d), f)| (k.to_string(), (**f).clone().unwrap_or_else(|| d.clone())))
        .collect();
    let takeaway = Action::ConsumeInGroup {
        configs: values.iter().cloned().chain([("client.id".to_string(), next.name.clone())]).collect(),
        topics: p.topics.clone(),
    };
    let onsubmit = {
        let (values, declared, error, on) =
            (values.clone(), declared.clone(), error.clone(), p.on_command.clone());
        let fields: Vec<UseStateHandle<Option<String>>> = fields.iter().map(|f| (*f).clone()).collect();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match ConsumerConfig::from_pairs(values.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
                Err(problem) => error.set(Some(format!("{}: {}", problem.name, problem.message))),
                Ok(_) => {
                    error.set(None);
                    let configs: BTreeMap<String, String> = values
                        .iter()
                        .zip(declared.iter())
                        .filter(|((_, v), (_, d))| v != d)
                        .map(|((k, v), _)| (k.clone(), v.clone()))
                        .collect();
                    on.emit(ClusterCommand::AddConsumer { client: next.id, configs });
                    for f in &fields {
                        f.set(None);
                    }
                }
            }
        })
    };
    let field =
        |label: &'static str, state: &UseStateHandle<Option<String>>, value: &str, testid: &'static str| {
            html! {
                <label>{ label }
                    <input value={value.to_string()} oninput={setter(state)} data-testid={testid} />
                </label>
            }
        };
    html! {
        <form class="group-form" onsubmit={onsubmit} data-testid="add-consumer-form">
            <h4>{ format!("{} {}", T::AddConsumer.get(l), next.name) }</h4>
            <p class="hint">{ T::AddConsumerHint.get(l) }</p>
            { field("group.id", &group, &values[0].1, "add-consumer-group-id") }
            { field("partition.assignment.strategy", &strategy, &values[1].1, "add-consumer-strategy") }
            { field("session.timeout.ms", &session, &values[2].1, "add-consumer-session") }
            { field("heartbeat.interval.ms", &heartbeat, &values[3].1, "add-consumer-heartbeat") }
            if let Some(e) = (*error).clone() { <p class="form-error" role="alert" data-testid="add-consumer-error">{ e }</p> }
            <button type="submit" data-testid="add-consumer">{ format!("{} {}", T::AddConsumer.get(l), next.name) }</button>
            <TakeawayCode action={takeaway} testid="add-consumer-code" />
        </form>
    }
}

#[derive(Properties, PartialEq)]
pub struct SwitchProps {
    /// The running members, restarted in this order.
    pub members: Vec<NodeId>,
    pub current: String,
    pub lang: Lang,
    pub on_command: Callback<ClusterCommand>,
}

#[function_component(SwitchAssignorForm)]
pub fn switch_assignor_form(p: &SwitchProps) -> Html {
    let l = p.lang;
    let value = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let shown = (*value).clone().unwrap_or_else(|| p.current.clone());
    let onsubmit = {
        let (shown, error, on, members, value) =
            (shown.clone(), error.clone(), p.on_command.clone(), p.members.clone(), value.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match ConsumerConfig::from_pairs([("partition.assignment.strategy", shown.as_str())]) {
                Err(problem) => error.set(Some(problem.message)),
                Ok(_) => {
                    error.set(None);
                    let configs = BTreeMap::from([(
                        "partition.assignment.strategy".to_string(),
                        shown.trim().to_string(),
                    )]);
                    on.emit(ClusterCommand::RestartWith {
                        clients: members.clone(),
                        configs,
                        every_ms: ROLLING_EVERY_MS,
                    });
                    value.set(None);
                }
            }
        })
    };
    html! {
        <form class="group-form" onsubmit={onsubmit} data-testid="switch-assignor-form">
            <h4>{ T::SwitchAssignor.get(l) }</h4>
            <p class="hint">{ T::SwitchHint.get(l) }</p>
            <label>{ "partition.assignment.strategy" }
                <input list="assignors" value={shown} oninput={setter(&value)} data-testid="switch-assignor-input" />
            </label>
            <datalist id="assignors">
                { for ["range", "roundrobin", "sticky", "cooperative-sticky,range", "cooperative-sticky"].iter().map(|a| html! { <option value={*a} /> }) }
            </datalist>
            if let Some(e) = (*error).clone() { <p class="form-error" role="alert" data-testid="switch-assignor-error">{ e }</p> }
            <button type="submit" data-testid="switch-assignor" disabled={p.members.is_empty()}>{ T::Apply.get(l) }</button>
        </form>
    }
}

#[derive(Properties, PartialEq)]
pub struct PartitionsProps {
    pub topic: String,
    pub current: u32,
    pub lang: Lang,
    pub on_command: Callback<ClusterCommand>,
}

#[function_component(AddPartitionsForm)]
pub fn add_partitions_form(p: &PartitionsProps) -> Html {
    let l = p.lang;
    let value = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let shown = (*value).clone().unwrap_or_else(|| (p.current + 1).to_string());
    let onsubmit = {
        let (shown, error, on, topic, current, value) =
            (shown.clone(), error.clone(), p.on_command.clone(), p.topic.clone(), p.current, value.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match shown.trim().parse::<u32>() {
                Err(_) => error.set(Some(format!("{}: {}", T::NewCount.get(l), T::ErrNotNumber.get(l)))),
                Ok(n) if n <= current => {
                    error.set(Some(format!("{}: {} ({current})", T::NewCount.get(l), T::ErrNotMore.get(l))))
                }
                Ok(n) => match crate::engine::topic::validate_partition_count(i64::from(n)) {
                    Err(e) => error.set(Some(e.to_string())),
                    Ok(_) => {
                        error.set(None);
                        on.emit(ClusterCommand::CreatePartitions { topic: topic.clone(), count: n });
                        value.set(None);
                    }
                },
            }
        })
    };
    html! {
        <form class="group-form" onsubmit={onsubmit} data-testid={format!("add-partitions-{}", p.topic)}>
            <h4>{ format!("{} · {}", T::AddPartitions.get(l), p.topic) }</h4>
            <p class="hint">{ T::AddPartitionsHint.get(l) }</p>
            <label>{ T::NewCount.get(l) }
                <input inputmode="numeric" value={shown} oninput={setter(&value)} data-testid="add-partitions-input" />
            </label>
            if let Some(e) = (*error).clone() { <p class="form-error" role="alert" data-testid="add-partitions-error">{ e }</p> }
            <button type="submit" data-testid="add-partitions">{ T::AddPartitions.get(l) }</button>
        </form>
    }
}
