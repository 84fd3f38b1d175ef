//! One record cell of a replica strip: coloured and labelled by key, its offset on top,
//! greyed while above the high watermark, its details on hover or focus. A component of
//! its own with comparable props, keyed by offset in the strip, so a new view redraws
//! only the cells that changed (the strip's tail moves on at every view; most cells
//! stay what they were), which keeps drawing from starving the run at high speed.

use super::format::{key_colour, short_label};
use super::i18n::{Lang, T};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub offset: i64,
    pub leader_epoch: i32,
    pub key_text: Option<String>,
    pub value_text: Option<String>,
    /// Below the high watermark.
    pub committed: bool,
}

#[function_component(RecordCell)]
pub fn record_cell(props: &Props) -> Html {
    let t = |x: T| x.get(props.lang);
    let key = props.key_text.clone().unwrap_or_else(|| "null".into());
    let value = props.value_text.clone().unwrap_or_else(|| "null".into());
    let mut help = format!(
        "offset {} · {}: {key} · {}: {value} · {} {}",
        props.offset,
        t(T::Key),
        t(T::Value),
        t(T::LeaderEpoch),
        props.leader_epoch
    );
    if !props.committed {
        help.push_str(&format!(" — {}", t(T::UncommittedHelp)));
    }
    let key_bytes = props.key_text.as_deref().map(str::as_bytes);
    let class = classes!(
        "record",
        (!props.committed).then_some("uncommitted"),
        props.key_text.is_none().then_some("null-key")
    );
    html! {
        <span class={class} style={format!("--key-colour: {}", key_colour(key_bytes))}
            tabindex="0" role="img" aria-label={help.clone()} data-help={help}
            data-testid="replica-record" data-offset={props.offset.to_string()} data-key={key} data-value={value}>
            <span class="offset">{props.offset}</span>
            <span class="key-label">{short_label(key_bytes)}</span>
        </span>
    }
}
