//! A producer's settings in its card: `acks`, `linger.ms`, `batch.size`,
//! `compression.type`, `enable.idempotence` and `max.in.flight.requests.per.connection`,
//! shown as the running producer has them (Kafka 4.0's defaults unless the scenario set
//! others). `enable.idempotence` is sent only when the learner changes it: left alone it
//! stays as the producer had it (unset, Kafka turns it off silently when `acks` or
//! `max.in.flight` conflict; set to true, the conflict is refused). Kafka fixes a producer's configs when it is built,
//! so "apply" is what a notebook does: `close()` and `Producer({...})` again under the
//! same client id (`ClusterCommand::RestartProducer`, journaled as the client's
//! `restart_with`). The form is checked with the producer's own checks first, so a
//! refused value shows at the form in Kafka's words and nothing typed is lost.

use crate::ui::common::form::value_of;
use crate::ui::i18n::T;
use crate::ui::shell::page::ClusterCtx;
use crate::web::cluster_view::{ClusterCommand, ProducerView};
use std::collections::BTreeMap;
use yew::prelude::*;

/// The codecs the engine writes and reads (`compression.type`'s values).
const CODECS: [&str; 5] = ["none", "gzip", "snappy", "lz4", "zstd"];

#[derive(Clone, PartialEq)]
struct Fields {
    acks: String,
    linger_ms: String,
    batch_size: String,
    compression_type: String,
    enable_idempotence: String,
    max_in_flight: String,
}

impl Fields {
    fn of(p: &ProducerView) -> Self {
        Fields {
            acks: if p.acks == "-1" { "all".into() } else { p.acks.clone() },
            linger_ms: p.linger_ms.to_string(),
            batch_size: p.batch_size.to_string(),
            compression_type: p.compression_type.clone(),
            enable_idempotence: p.enable_idempotence.to_string(),
            max_in_flight: p.max_in_flight_requests_per_connection.to_string(),
        }
    }

    /// The configs to build the producer with: every field, but `enable.idempotence`
    /// only if it differs from the running producer's.
    fn configs(&self, running: &Fields) -> BTreeMap<String, String> {
        let idempotence = (self.enable_idempotence != running.enable_idempotence)
            .then_some(("enable.idempotence", &self.enable_idempotence));
        [
            ("acks", &self.acks),
            ("linger.ms", &self.linger_ms),
            ("batch.size", &self.batch_size),
            ("compression.type", &self.compression_type),
            ("max.in.flight.requests.per.connection", &self.max_in_flight),
        ]
        .into_iter()
        .chain(idempotence)
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect()
    }
}

/// A callback that writes the field's value into the form, starting from the running
/// settings on the first edit.
fn edit<E: AsRef<web_sys::Event> + 'static>(
    fields: &UseStateHandle<Option<Fields>>,
    running: &Fields,
    apply: fn(&mut Fields, String),
) -> Callback<E> {
    let (fields, running) = (fields.clone(), running.clone());
    Callback::from(move |e: E| {
        let mut next = (*fields).clone().unwrap_or_else(|| running.clone());
        apply(&mut next, value_of(e.as_ref()));
        fields.set(Some(next));
    })
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub producer: ProducerView,
}

#[function_component(ProducerSettings)]
pub fn producer_settings(props: &Props) -> Html {
    let p = &props.producer;
    // `None` until the learner edits: the form shows the running producer's settings
    // (the first view may come before the producer is built).
    let fields = use_state(|| None::<Fields>);
    let error = use_state(|| None::<String>);
    // Folded unless opened: the page redraws often, so the open state is kept here
    // rather than left to the <details> element.
    let open = use_state(|| false);
    let Some(ctx) = use_context::<ClusterCtx>() else { return html! {} };
    let running = Fields::of(p);
    let typed = |apply: fn(&mut Fields, String)| edit::<InputEvent>(&fields, &running, apply);
    let picked = |apply: fn(&mut Fields, String)| edit::<Event>(&fields, &running, apply);
    let onsubmit = {
        let (fields, error, try_command, client, running) =
            (fields.clone(), error.clone(), ctx.try_command.clone(), p.id, running.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let configs = fields.as_ref().unwrap_or(&running).configs(&running);
            error.set(None);
            let error = error.clone();
            try_command.emit((
                ClusterCommand::RestartProducer { client, configs },
                Callback::from(move |r| error.set(r)),
            ));
        })
    };
    let fields = (*fields).clone().unwrap_or_else(|| running.clone());
    let changed = fields != running;
    // acks and enable.idempotence are on the producer's first line.
    let summary = format!(
        "linger.ms={} · batch.size={} · compression.type={} · max.in.flight.requests.per.connection={}",
        running.linger_ms, running.batch_size, running.compression_type, running.max_in_flight
    );
    let id = |name: &str| format!("producer-{}-{name}", p.id);
    let toggle = {
        let open = open.clone();
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            open.set(!*open);
        })
    };
    html! {
        <details class="producer-settings" data-testid="producer-settings" open={*open || changed || error.is_some()}
            data-linger-ms={p.linger_ms.to_string()} data-batch-size={p.batch_size.to_string()}
            data-compression-type={p.compression_type.clone()} data-closing={p.closing.to_string()}>
            <summary onclick={toggle} data-testid="producer-settings-toggle">
                {format!("{}: ", ctx.t(T::ProducerSettings))}<code>{summary}</code>
            </summary>
            <form onsubmit={onsubmit} data-testid="producer-settings-form">
                <p class="hint">{ctx.t(T::ProducerSettingsHint)}</p>
                <div class="row">
                    <label for={id("acks")} title={ctx.t(T::AcksHint)}>{"acks"}
                        <select id={id("acks")} onchange={picked(|f, v| f.acks = v)} data-testid="producer-acks">
                            { for ["all", "1", "0"].into_iter().map(|a| html! {
                                <option value={a} selected={fields.acks == a}>{a}</option>
                            }) }
                        </select>
                    </label>
                    <label for={id("compression")} title={ctx.t(T::CompressionHint)}>{"compression.type"}
                        <select id={id("compression")} onchange={picked(|f, v| f.compression_type = v)}
                            data-testid="producer-compression">
                            { for CODECS.into_iter().map(|c| html! {
                                <option value={c} selected={fields.compression_type == c}>{c}</option>
                            }) }
                        </select>
                    </label>
                </div>
                <div class="row">
                    <label for={id("linger")} title={ctx.t(T::LingerHint)}>{"linger.ms"}
                        <input id={id("linger")} inputmode="numeric" placeholder="5" value={fields.linger_ms.clone()}
                            oninput={typed(|f, v| f.linger_ms = v)} data-testid="producer-linger" />
                    </label>
                    <label for={id("batch")} title={ctx.t(T::BatchSizeHint)}>{"batch.size"}
                        <input id={id("batch")} inputmode="numeric" placeholder="16384" value={fields.batch_size.clone()}
                            oninput={typed(|f, v| f.batch_size = v)} data-testid="producer-batch-size" />
                    </label>
                </div>
                <div class="row">
                    <label for={id("idempotence")} title={ctx.t(T::IdempotenceHint)}>{"enable.idempotence"}
                        <select id={id("idempotence")} onchange={picked(|f, v| f.enable_idempotence = v)}
                            data-testid="producer-idempotence-setting">
                            { for ["true", "false"].into_iter().map(|b| html! {
                                <option value={b} selected={fields.enable_idempotence == b}>{b}</option>
                            }) }
                        </select>
                    </label>
                    <label for={id("in-flight")} title={ctx.t(T::MaxInFlightHint)}>{"max.in.flight.requests.per.connection"}
                        <input id={id("in-flight")} inputmode="numeric" placeholder="5" value={fields.max_in_flight.clone()}
                            oninput={typed(|f, v| f.max_in_flight = v)} data-testid="producer-max-in-flight" />
                    </label>
                </div>
                if let Some(e) = &*error {
                    <p class="field-error" role="alert" data-testid="producer-settings-error">{e.clone()}</p>
                }
                if p.closing {
                    <p class="hint" role="status" data-testid="producer-closing">{ctx.t(T::ProducerClosing)}</p>
                }
                <button type="submit" disabled={!changed} data-testid="producer-settings-apply">
                    {ctx.t(T::ProducerRebuild)}
                </button>
            </form>
        </details>
    }
}
