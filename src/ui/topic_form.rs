//! Creating a topic: name, partitions and Kafka's topic configs. The broker validates;
//! its error is shown at the field it concerns, and the form keeps what was typed.

use super::app::Ctx;
use super::error_text::error_text;
use super::i18n::T;
use super::state::{Action, Purpose};
use crate::engine::broker::api::Request;
use crate::engine::error::ErrorKind;
use crate::engine::topic::TopicConfig;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Configs offered in the form (all of Kafka's names; empty = default).
const FORM_CONFIGS: [&str; 7] = [
    "segment.bytes",
    "segment.ms",
    "retention.ms",
    "retention.bytes",
    "index.interval.bytes",
    "max.message.bytes",
    "message.timestamp.type",
];

#[derive(Clone, PartialEq, Default)]
struct Fields {
    name: String,
    partitions: String,
    configs: Vec<(String, String)>,
}

fn field_of(kind: &ErrorKind) -> &str {
    match kind {
        ErrorKind::TopicNameEmpty
        | ErrorKind::TopicNameDots { .. }
        | ErrorKind::TopicNameTooLong { .. }
        | ErrorKind::TopicNameIllegalChars { .. }
        | ErrorKind::TopicAlreadyExists { .. } => "name",
        ErrorKind::PartitionsNotPositive { .. } => "partitions",
        ErrorKind::InvalidConfig { name, .. } => name,
        _ => "name",
    }
}

#[function_component(TopicForm)]
pub fn topic_form() -> Html {
    let fields = use_state(|| Fields {
        name: "orders".into(),
        partitions: "3".into(),
        configs: FORM_CONFIGS.iter().map(|n| (n.to_string(), String::new())).collect(),
    });
    let local_error = use_state(|| None::<String>);
    let Some(ctx) = use_context::<Ctx>() else { return html! {} };
    let lang = ctx.state.lang;
    let defaults = TopicConfig::default();

    let set = |which: String| {
        let fields = fields.clone();
        let state = ctx.state.clone();
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            let mut f = (*fields).clone();
            match which.as_str() {
                "name" => f.name = value,
                "partitions" => f.partitions = value,
                other => {
                    if let Some(c) = f.configs.iter_mut().find(|(n, _)| n == other) {
                        c.1 = value;
                    }
                }
            }
            fields.set(f);
            state.dispatch(Action::ClearTopicError);
        })
    };

    let onsubmit = {
        let fields = fields.clone();
        let ctx = ctx.clone();
        let local_error = local_error.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Ok(partitions) = fields.partitions.trim().parse::<i64>() else {
                local_error.set(Some(format!("{}: {}", ctx.t(T::Partitions), ctx.t(T::MustBeNumber))));
                return;
            };
            local_error.set(None);
            let configs = fields.configs.iter().filter(|(_, v)| !v.trim().is_empty()).cloned().collect();
            ctx.broker(
                Request::CreateTopic { name: fields.name.trim().to_string(), partitions, configs },
                Purpose::CreateTopic,
            );
        })
    };

    let error = ctx.state.topic_error.as_ref();
    let error_at = |field: &str| -> Html {
        match error {
            Some(e) if field_of(&e.kind) == field => html! {
                <p class="field-error" role="alert" data-testid={format!("error-{field}")}>{error_text(lang, e)}</p>
            },
            _ => html! {},
        }
    };
    let invalid = |field: &str| error.is_some_and(|e| field_of(&e.kind) == field).to_string();

    html! {
        <form class="card" onsubmit={onsubmit} data-testid="topic-form" novalidate=true>
            <h2>{ctx.t(T::CreateTopic)}</h2>
            <label>{ctx.t(T::TopicName)}
                <input value={fields.name.clone()} oninput={set("name".into())} aria-invalid={invalid("name")} data-testid="topic-name" />
            </label>
            {error_at("name")}
            <label>{ctx.t(T::Partitions)}
                <input value={fields.partitions.clone()} oninput={set("partitions".into())} inputmode="numeric" aria-invalid={invalid("partitions")} data-testid="topic-partitions" />
            </label>
            {error_at("partitions")}
            if let Some(msg) = &*local_error {
                <p class="field-error" role="alert" data-testid="error-partitions-local">{msg.clone()}</p>
            }
            <details>
                <summary>{ctx.t(T::TopicConfigs)}</summary>
                <p class="hint">{ctx.t(T::ConfigsHint)}</p>
                { for fields.configs.iter().map(|(name, value)| html! {
                    <>
                    <label class="config">
                        <code>{name.clone()}</code>
                        <input value={value.clone()} placeholder={defaults.get(name).unwrap_or_default()}
                            oninput={set(name.clone())} aria-invalid={invalid(name)} data-testid={format!("config-{name}")} />
                    </label>
                    {error_at(name)}
                    </>
                }) }
            </details>
            <button type="submit" data-testid="create-topic">{ctx.t(T::Create)}</button>
        </form>
    }
}
