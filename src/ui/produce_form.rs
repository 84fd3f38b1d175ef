//! The producer panel: key, value, headers, how many records, the partitioner (Java's
//! built-in or one of librdkafka's) or an explicit partition; and each send's outcome.

use super::app::Ctx;
use super::error_text::error_text;
use super::format::with_index;
use super::i18n::T;
use super::state::ProduceOutcome;
use crate::engine::error::{ErrorKind, KafkaError};
use crate::engine::partitioner::PartitionerKind;
use crate::engine::producer::ProducerRecord;
use crate::engine::record::Header;
use crate::web::wall_clock_ms;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

/// Most records one click may produce.
const MAX_RECORDS_PER_CLICK: u32 = 10_000;

/// A send, as the app's producer callback takes it.
#[derive(Clone, PartialEq)]
pub struct ProduceRequest {
    pub topic: String,
    pub partitioner: PartitionerKind,
    pub records: Vec<ProducerRecord>,
    /// The first-visit example (its replies are not listed as the learner's sends).
    pub example: bool,
}

#[derive(Clone, PartialEq)]
struct Fields {
    topic: String,
    key: String,
    null_key: bool,
    value: String,
    headers: String,
    count: String,
    partitioner: PartitionerKind,
    partition: String,
}

fn parse_headers(text: &str) -> Vec<Header> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match l.split_once('=') {
            Some((k, v)) => Header { key: k.trim().to_string(), value: Some(v.as_bytes().to_vec()) },
            None => Header { key: l.trim().to_string(), value: None },
        })
        .collect()
}

fn not_a_number(field: &str, value: &str) -> KafkaError {
    KafkaError::invalid_config(field, value, crate::engine::error::ConfigProblem::NotANumber)
}

fn build(f: &Fields) -> Result<ProduceRequest, KafkaError> {
    let count: u32 = f.count.trim().parse().map_err(|_| not_a_number("records", &f.count))?;
    if count == 0 || count > MAX_RECORDS_PER_CLICK {
        return Err(KafkaError::invalid_config(
            "records",
            &f.count,
            crate::engine::error::ConfigProblem::AboveMaximum { max: i64::from(MAX_RECORDS_PER_CLICK) },
        ));
    }
    let partition = match f.partition.trim() {
        "" => None,
        p => {
            let n: i64 = p.parse().map_err(|_| not_a_number("partition", p))?;
            if n < 0 {
                return Err(KafkaError::new(ErrorKind::UnknownPartition {
                    topic: f.topic.clone(),
                    partition: n,
                }));
            }
            Some(n as u32)
        }
    };
    let headers = parse_headers(&f.headers);
    let now = wall_clock_ms();
    let records = (0..count)
        .map(|i| ProducerRecord {
            key: (!f.null_key).then(|| with_index(&f.key, i).into_bytes()),
            value: Some(with_index(&f.value, i).into_bytes()),
            headers: headers.clone(),
            timestamp_ms: now,
            partition,
        })
        .collect();
    Ok(ProduceRequest { topic: f.topic.clone(), partitioner: f.partitioner, records, example: false })
}

/// The current value of the input, select or textarea an event came from.
fn event_value(e: &web_sys::Event) -> String {
    use wasm_bindgen::JsCast;
    let Some(target) = e.target() else { return String::new() };
    if let Some(i) = target.dyn_ref::<HtmlInputElement>() {
        return if i.type_() == "checkbox" { i.checked().to_string() } else { i.value() };
    }
    if let Some(s) = target.dyn_ref::<HtmlSelectElement>() {
        return s.value();
    }
    target.dyn_ref::<HtmlTextAreaElement>().map(HtmlTextAreaElement::value).unwrap_or_default()
}

fn editor<E: AsRef<web_sys::Event> + 'static>(
    fields: UseStateHandle<Fields>,
    apply: fn(&mut Fields, String),
) -> Callback<E> {
    Callback::from(move |e: E| {
        let mut f = (*fields).clone();
        apply(&mut f, event_value(e.as_ref()));
        fields.set(f);
    })
}

#[function_component(ProduceForm)]
pub fn produce_form() -> Html {
    let fields = use_state(|| Fields {
        topic: String::new(),
        key: "user-{i}".into(),
        null_key: false,
        value: "hello {i}".into(),
        headers: String::new(),
        count: "1".into(),
        partitioner: PartitionerKind::BuiltIn,
        partition: String::new(),
    });
    let Some(ctx) = use_context::<Ctx>() else { return html! {} };
    let lang = ctx.state.lang;
    let topics = ctx.state.topic_names();
    let topic = if topics.contains(&fields.topic) {
        fields.topic.clone()
    } else {
        topics.first().cloned().unwrap_or_default()
    };

    let edit = |apply: fn(&mut Fields, String)| editor::<Event>(fields.clone(), apply);
    let typed = |apply: fn(&mut Fields, String)| editor::<InputEvent>(fields.clone(), apply);

    let onsubmit = {
        let fields = fields.clone();
        let ctx = ctx.clone();
        let topic = topic.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut f = (*fields).clone();
            f.topic = topic.clone();
            match build(&f) {
                Ok(req) => ctx.produce.emit(req),
                Err(error) => ctx.state.dispatch(super::state::Action::ProduceRefused(error)),
            }
        })
    };

    let outcomes = ctx.state.outcomes.iter().map(|o| match o {
        ProduceOutcome::Acked { topic, partition, first_offset, last_offset } => html! {
            <li class="ok" data-testid="outcome-ok">
                {format!("✓ {} {topic}-{partition}, {} {first_offset}–{last_offset}", ctx.t(T::Acknowledged), ctx.t(T::Offsets))}
            </li>
        },
        ProduceOutcome::Failed { error } => html! {
            <li class="err" role="alert" data-testid="outcome-error">{format!("✗ {}", error_text(lang, error))}</li>
        },
    });

    html! {
        <form class="card" onsubmit={onsubmit} data-testid="produce-form">
            <h2>{ctx.t(T::Producers)}</h2>
            <label>{ctx.t(T::Topic)}
                <select onchange={edit(|f, v| f.topic = v)} data-testid="produce-topic">
                    { for topics.iter().map(|t| html! { <option value={t.clone()} selected={*t == topic}>{t.clone()}</option> }) }
                </select>
            </label>
            <label>{ctx.t(T::Key)}
                <input value={fields.key.clone()} oninput={typed(|f, v| f.key = v)} disabled={fields.null_key} data-testid="produce-key" />
            </label>
            <label class="inline">
                <input type="checkbox" checked={fields.null_key} onchange={edit(|f, v| f.null_key = v == "true")} data-testid="produce-null-key" />
                {ctx.t(T::NullKey)}
            </label>
            <label>{ctx.t(T::Value)}
                <input value={fields.value.clone()} oninput={typed(|f, v| f.value = v)} data-testid="produce-value" />
            </label>
            <label>{ctx.t(T::Headers)}
                <textarea rows="2" value={fields.headers.clone()} oninput={typed(|f, v| f.headers = v)} data-testid="produce-headers" />
            </label>
            <label>{ctx.t(T::Count)}
                <input value={fields.count.clone()} inputmode="numeric" oninput={typed(|f, v| f.count = v)} data-testid="produce-count" />
            </label>
            <p class="hint">{ctx.t(T::CountHint)}</p>
            <label>{ctx.t(T::Partitioner)}
                <select onchange={edit(|f, v| f.partitioner = PartitionerKind::from_name(&v).unwrap_or(PartitionerKind::BuiltIn))} data-testid="produce-partitioner">
                    { for PartitionerKind::ALL.iter().map(|k| html! {
                        <option value={k.name()} selected={*k == fields.partitioner}>{k.name()}</option>
                    }) }
                </select>
            </label>
            <p class="hint">{format!("{} · {} {}", ctx.t(T::PartitionerHint), ctx.t(T::Seed), super::app::PRODUCER_SEED)}</p>
            <label>{ctx.t(T::ExplicitPartition)}
                <input value={fields.partition.clone()} inputmode="numeric" oninput={typed(|f, v| f.partition = v)} data-testid="produce-partition" />
            </label>
            <button type="submit" disabled={topic.is_empty()} data-testid="produce">{ctx.t(T::Produce)}</button>
            <ul class="outcomes" aria-live="polite">{ for outcomes }</ul>
        </form>
    }
}
