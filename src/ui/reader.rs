//! The reader: fetch from a chosen topic, partition and offset, as a consumer's Fetch
//! does (whole batches, at least one, up to the high watermark), and list what came back.

use super::app::Ctx;
use super::error_text::error_text;
use super::format::{bytes_text, clock_text};
use super::i18n::T;
use super::state::Purpose;
use crate::engine::broker::api::Request;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Clone, PartialEq)]
struct Fields {
    topic: String,
    partition: String,
    offset: String,
    max_bytes: String,
}

#[function_component(Reader)]
pub fn reader() -> Html {
    let fields = use_state(|| Fields {
        topic: String::new(),
        partition: "0".into(),
        offset: "0".into(),
        max_bytes: "1048576".into(),
    });
    let local_error = use_state(|| None::<String>);
    let Some(ctx) = use_context::<Ctx>() else { return html! {} };
    let lang = ctx.state.lang;
    let topics = ctx.state.topic_names();
    let topic = if topics.contains(&fields.topic) {
        fields.topic.clone()
    } else {
        topics.first().cloned().unwrap_or_default()
    };

    let on_topic = {
        let fields = fields.clone();
        Callback::from(move |e: Event| {
            let mut f = (*fields).clone();
            f.topic = e.target_unchecked_into::<HtmlSelectElement>().value();
            fields.set(f);
        })
    };
    let typed = |apply: fn(&mut Fields, String)| {
        let fields = fields.clone();
        Callback::from(move |e: InputEvent| {
            let mut f = (*fields).clone();
            apply(&mut f, e.target_unchecked_into::<HtmlInputElement>().value());
            fields.set(f);
        })
    };
    let onsubmit = {
        let fields = fields.clone();
        let ctx = ctx.clone();
        let topic = topic.clone();
        let local_error = local_error.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let parsed = (
                fields.partition.trim().parse::<u32>(),
                fields.offset.trim().parse::<i64>(),
                fields.max_bytes.trim().parse::<u32>(),
            );
            let (Ok(partition), Ok(fetch_offset), Ok(max_bytes)) = parsed else {
                local_error.set(Some(format!(
                    "{} / {} / {}: {}",
                    ctx.t(T::Partition),
                    ctx.t(T::FromOffset),
                    ctx.t(T::MaxBytes),
                    ctx.t(T::MustBeNumber)
                )));
                return;
            };
            local_error.set(None);
            ctx.broker(
                Request::Fetch { topic: topic.clone(), partition, fetch_offset, max_bytes },
                Purpose::Read,
            );
        })
    };

    let r = &ctx.state.reader;
    html! {
        <form class="card" onsubmit={onsubmit} data-testid="reader">
            <h2>{ctx.t(T::Consumers)}</h2>
            <label>{ctx.t(T::Topic)}
                <select onchange={on_topic} data-testid="read-topic">
                    { for topics.iter().map(|t| html! { <option value={t.clone()} selected={*t == topic}>{t.clone()}</option> }) }
                </select>
            </label>
            <div class="row">
                <label>{ctx.t(T::Partition)}
                    <input value={fields.partition.clone()} inputmode="numeric" oninput={typed(|f, v| f.partition = v)} data-testid="read-partition" />
                </label>
                <label>{ctx.t(T::FromOffset)}
                    <input value={fields.offset.clone()} inputmode="numeric" oninput={typed(|f, v| f.offset = v)} data-testid="read-offset" />
                </label>
                <label>{ctx.t(T::MaxBytes)}
                    <input value={fields.max_bytes.clone()} inputmode="numeric" oninput={typed(|f, v| f.max_bytes = v)} data-testid="read-max-bytes" />
                </label>
            </div>
            <button type="submit" disabled={topic.is_empty()} data-testid="read">{ctx.t(T::Read)}</button>
            if let Some(msg) = &*local_error {
                <p class="field-error" role="alert">{msg.clone()}</p>
            }
            if let Some(e) = &r.error {
                <p class="field-error" role="alert" data-testid="read-error">{error_text(lang, e)}</p>
            }
            if r.read_once && r.records.is_empty() && r.error.is_none() {
                <p class="hint" data-testid="read-empty">{ctx.t(T::NothingToRead)}</p>
            }
            <ol class="read-records">
                { for r.records.iter().map(|rec| html! {
                    <li data-testid="read-record" data-offset={rec.offset.to_string()}>
                        <span class="offset" title={ctx.t(T::OffsetHelp)}>{rec.offset}</span>
                        <span class="k">{bytes_text(rec.key.as_deref())}</span>
                        <span class="v">{bytes_text(rec.value.as_deref())}</span>
                        <span class="ts">{clock_text(rec.timestamp_ms)}</span>
                        { for rec.headers.iter().map(|h| html! {
                            <span class="header">{format!("{}={}", h.key, bytes_text(h.value.as_deref()))}</span>
                        }) }
                    </li>
                }) }
            </ol>
        </form>
    }
}
