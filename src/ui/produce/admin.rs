//! The admin card (what the lecture's `AdminClient` does): add a broker to the cluster
//! (the next declared one starts and registers with the controller), run every broker's
//! log retention task now, see and change the broker configs that pace it
//! ([`super::broker_configs`]), delete a topic ([`super::delete_topic`]), and create a topic
//! through the controller's CreateTopics (name, partitions, replication factor, topic
//! configs by Kafka name). A form is checked against the cluster before it is sent, so
//! a refusal shows at the form with Kafka's error name and words, and nothing typed is
//! lost; empty partitions or replication factor mean the broker defaults (`-1`, as
//! `kafka-topics` sends them). Under the topic form, the AdminClient program that creates
//! the same topic (`crate::takeaway`).

use crate::engine::cluster::command::CreateTopicCommand;
use crate::takeaway::Action;
use crate::ui::common::code::TakeawayCode;
use crate::ui::common::form::setter;
use crate::ui::i18n::T;
use crate::ui::produce::delete_topic::DeleteTopicForm;
use crate::ui::shell::page::ClusterCtx;
use crate::web::cluster_view::ClusterCommand;
use std::collections::BTreeMap;
use yew::prelude::*;

#[derive(Clone, PartialEq, Default)]
struct TopicFields {
    name: String,
    partitions: String,
    replication_factor: String,
    configs: String,
}

/// A form field's text as a whole number; empty means `-1` (the broker's default).
fn number_or_default(field: &str, text: &str) -> Result<i64, String> {
    match text.trim() {
        "" => Ok(-1),
        t => t.parse::<i64>().map_err(|_| format!("INVALID_REQUEST: {field} \"{t}\" is not a whole number")),
    }
}

/// `key=value` per line (blank lines skipped); a line without `=` is refused by name.
fn parse_configs(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut configs = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| format!("INVALID_CONFIG: \"{line}\" is not a config=value line"))?;
        configs.insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(configs)
}

#[function_component(AdminCard)]
pub fn admin_card() -> Html {
    let fields = use_state(TopicFields::default);
    let error = use_state(|| None::<String>);
    let broker_error = use_state(|| None::<String>);
    let ctx = use_context::<ClusterCtx>();
    // Open where the cluster can grow (a workspace to build in, like the notebook);
    // folded in fixed demos, whose subject should fill the first screen.
    let open = use_state(|| ctx.as_ref().is_some_and(|c| c.view.next_broker.is_some()));
    let Some(ctx) = ctx else { return html! {} };
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let title = html! {
        <h2><button type="button" class="fold" aria-expanded={open.to_string()} onclick={toggle}
            data-testid="admin-toggle">{format!("{} {}", if *open { "▾" } else { "▸" }, ctx.t(T::Admin))}</button></h2>
    };
    if !*open {
        return html! { <div class="card admin-card folded" data-testid="admin">{title}</div> };
    }
    let set = |f: fn(&mut TopicFields, String)| setter::<TopicFields, InputEvent>(&fields, f);
    let create = {
        let (fields, error, try_command) = (fields.clone(), error.clone(), ctx.try_command.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let f = (*fields).clone();
            let command = (|| {
                Ok::<_, String>(ClusterCommand::CreateTopic {
                    name: f.name.trim().to_string(),
                    partitions: number_or_default("partitions", &f.partitions)?,
                    replication_factor: number_or_default("replication factor", &f.replication_factor)?,
                    configs: parse_configs(&f.configs)?,
                })
            })();
            error.set(None);
            let (fields, error) = (fields.clone(), error.clone());
            match command {
                Ok(c) => try_command.emit((
                    c,
                    Callback::from(move |refusal: Option<String>| {
                        if refusal.is_none() {
                            fields.set(TopicFields::default());
                        }
                        error.set(refusal);
                    }),
                )),
                Err(e) => error.set(Some(e)),
            }
        })
    };
    let add_broker = {
        let (broker_error, try_command) = (broker_error.clone(), ctx.try_command.clone());
        Callback::from(move |_: MouseEvent| {
            broker_error.set(None);
            let broker_error = broker_error.clone();
            try_command.emit((ClusterCommand::AddBroker, Callback::from(move |r| broker_error.set(r))))
        })
    };
    let retention = {
        let command = ctx.command.clone();
        Callback::from(move |_: MouseEvent| command.emit(ClusterCommand::RunRetention))
    };
    let takeaway = Action::CreateTopic(CreateTopicCommand {
        configs: parse_configs(&fields.configs).unwrap_or_default(),
        name: fields.name.trim().to_string(),
        partitions: number_or_default("partitions", &fields.partitions).unwrap_or(-1),
        replica_assignment: None,
        replication_factor: number_or_default("replication factor", &fields.replication_factor).unwrap_or(-1),
    });
    let brokers = ctx.view.brokers.len();
    let can_add = ctx.view.next_broker.is_some();
    html! {
        <div class="card admin-card" data-testid="admin">
            {title}
            <div class="admin-brokers">
                <span data-testid="broker-count">{format!("{}: {brokers}", ctx.t(T::BrokersCount))}</span>
                <button type="button" onclick={add_broker} disabled={!can_add} data-testid="add-broker"
                    title={ctx.t(T::AddBrokerHelp)}>{ctx.t(T::AddBroker)}</button>
            </div>
            <button type="button" class="quiet" onclick={retention} title={ctx.t(T::RetentionHint)}
                data-testid="retention-check">{ctx.t(T::RetentionCheck)}</button>
            <crate::ui::produce::broker_configs::BrokerPacing />
            if let Some(e) = &*broker_error {
                <p class="field-error" role="alert" data-testid="add-broker-error">{e.clone()}</p>
            }
            <form class="create-topic" onsubmit={create} data-testid="create-topic-form">
                <label>{ctx.t(T::TopicName)}
                    <input value={fields.name.clone()} oninput={set(|f, v| f.name = v)} data-testid="new-topic-name" required=true />
                </label>
                <div class="row">
                    <label>{ctx.t(T::Partitions)}
                        <input inputmode="numeric" placeholder="num.partitions" value={fields.partitions.clone()}
                            oninput={set(|f, v| f.partitions = v)} data-testid="new-topic-partitions" />
                    </label>
                    <label>{ctx.t(T::ReplicationFactor)}
                        <input inputmode="numeric" placeholder="default.replication.factor" value={fields.replication_factor.clone()}
                            oninput={set(|f, v| f.replication_factor = v)} data-testid="new-topic-rf" />
                    </label>
                </div>
                <label>{ctx.t(T::TopicConfigsLines)}
                    <textarea rows="2" placeholder="min.insync.replicas=2" value={fields.configs.clone()}
                        oninput={set(|f, v| f.configs = v)} data-testid="new-topic-configs" />
                </label>
                <button type="submit" data-testid="create-topic">{ctx.t(T::CreateTopic)}</button>
                if let Some(e) = &*error {
                    <p class="field-error" role="alert" data-testid="create-topic-error">{e.clone()}</p>
                }
            </form>
            <TakeawayCode action={takeaway} testid="create-topic-code" />
            <DeleteTopicForm />
        </div>
    }
}
