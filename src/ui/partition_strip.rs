//! One partition drawn as a strip: records as cells coloured (and labelled) by key, each
//! with its offset; segment boundaries as ticks with their base offsets; the log start
//! offset and the high watermark / log end offset at the edges. New records animate in.
//! Cells, ticks and markers are focusable; the one hovered or focused shows its numbers
//! and explanation in a details line under the strip (and as its accessible name).

use super::app::Ctx;
use super::format::{bytes_text, clock_text, key_colour, short_label};
use super::i18n::T;
use super::state::Action;
use crate::engine::broker::snapshot::PartitionView;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Cells drawn per strip; older records are summarised.
const CELLS_MAX: usize = 80;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub topic: String,
    pub partition: PartitionView,
}

#[function_component(PartitionStrip)]
pub fn partition_strip(props: &Props) -> Html {
    let hovered = use_state(|| None::<String>);
    let focused = use_state(|| None::<String>);
    let Some(ctx) = use_context::<Ctx>() else { return html! {} };
    let p = &props.partition;
    let topic = props.topic.clone();
    let selected = ctx.state.selected.as_ref() == Some(&(topic.clone(), p.partition));
    let previous_leo = ctx.state.previous_leo.get(&(topic.clone(), p.partition)).copied().unwrap_or(i64::MAX);
    let onclick = {
        let state = ctx.state.clone();
        let (topic, partition) = (topic.clone(), p.partition);
        Callback::from(move |_| state.dispatch(Action::Select(topic.clone(), partition)))
    };
    let shown = &p.records[p.records.len().saturating_sub(CELLS_MAX)..];
    let hidden = p.log_end_offset - p.log_start_offset - shown.len() as i64;
    let mut cells = Vec::with_capacity(shown.len() + 8);
    let mut segment = None;
    for r in shown {
        if segment != Some(r.segment_base_offset) {
            segment = Some(r.segment_base_offset);
            let help =
                format!("{} {} — {}", ctx.t(T::BaseOffset), r.segment_base_offset, ctx.t(T::SegmentHelp));
            cells.push(html! {
                <span class="segment-tick" tabindex="0" role="img" aria-label={help.clone()} data-help={help}
                    data-testid="segment-tick">
                    {r.segment_base_offset}
                </span>
            });
        }
        let key = bytes_text(r.key.as_deref());
        let value = bytes_text(r.value.as_deref());
        // An empty key or value reads as "" (not as nothing) in the details line.
        let shown = |t: &str| if t.is_empty() { "\"\"".to_string() } else { t.to_string() };
        let help = format!(
            "offset {} · {}: {} · {}: {} · {} {}",
            r.offset,
            ctx.t(T::Key),
            shown(&key),
            ctx.t(T::Value),
            shown(&value),
            ctx.t(T::Timestamp),
            clock_text(r.timestamp_ms)
        );
        let class = classes!(
            "record",
            (r.offset >= previous_leo).then_some("new"),
            r.key.is_none().then_some("null-key")
        );
        cells.push(html! {
            <span class={class} style={format!("--key-colour: {}", key_colour(r.key.as_deref()))} tabindex="0"
                role="img" aria-label={help.clone()} data-help={help}
                data-testid="record" data-partition={p.partition.to_string()} data-offset={r.offset.to_string()}
                data-key={key.clone()} data-value={value}>
                <span class="offset">{r.offset}</span>
                <span class="key-label">{short_label(r.key.as_deref())}</span>
            </span>
        });
    }
    // (its text, its value and explanation)
    let marker = |text: String, help: T| {
        let help = format!("{text} — {}", ctx.t(help));
        (text, help)
    };
    let lso = marker(format!("{} {}", ctx.t(T::LogStartShort), p.log_start_offset), T::LogStartHelp);
    let hw = marker(format!("HW {}", p.high_watermark), T::HighWatermarkHelp);
    let leo = marker(format!("LEO {}", p.log_end_offset), T::LogEndHelp);
    let shown_help = (*hovered).clone().or_else(|| (*focused).clone());
    html! {
        <div class={classes!("partition", selected.then_some("selected"))} data-testid="partition"
            data-topic={topic.clone()} data-partition={p.partition.to_string()}
            data-log-start-offset={p.log_start_offset.to_string()} data-log-end-offset={p.log_end_offset.to_string()}
            data-segments={p.segments.len().to_string()}>
            <button class="partition-label" onclick={onclick} aria-pressed={selected.to_string()}>
                {format!("{} {}", ctx.t(T::Partition), p.partition)}
            </button>
            <div class="strip" onmouseover={help_of(hovered.clone())} onmouseleave={clear(hovered)}
                onfocusin={help_of(focused.clone())} onfocusout={clear(focused)}>
                <span class="marker log-start" tabindex="0" role="img" aria-label={lso.1.clone()} data-help={lso.1}
                    data-testid="log-start-offset">{lso.0}</span>
                if hidden > 0 {
                    <span class="elided">{format!("… {hidden}")}</span>
                }
                { for cells }
                <span class="marker hw" tabindex="0" role="img" aria-label={hw.1.clone()} data-help={hw.1}
                    data-testid="high-watermark">{"HW"}</span>
                <span class="marker leo" tabindex="0" role="img" aria-label={leo.1.clone()} data-help={leo.1}
                    data-testid="log-end-offset">{leo.0}</span>
            </div>
            if let Some(help) = shown_help {
                <p class="cell-details" aria-hidden="true" data-testid="cell-details">{help}</p>
            }
        </div>
    }
}

/// Sets `slot` to the `data-help` of the element an event happened in (or clears it).
pub fn help_of<E: AsRef<web_sys::Event> + 'static>(slot: UseStateHandle<Option<String>>) -> Callback<E> {
    Callback::from(move |e: E| {
        let help = e
            .as_ref()
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("[data-help]").ok().flatten())
            .and_then(|el| el.get_attribute("data-help"));
        if *slot != help {
            slot.set(help);
        }
    })
}

pub fn clear<E: 'static>(slot: UseStateHandle<Option<String>>) -> Callback<E> {
    Callback::from(move |_: E| slot.set(None))
}
