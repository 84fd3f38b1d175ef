//! A record batch's anatomy in the log panel: its bytes in hex, sixteen to a row, beside
//! its fields (the 61-byte header field by field, then each record's varints, key, value
//! and headers) with what each says; pointing at a byte or a field highlights both. A
//! compressed batch shows its records' decompressed bytes as a second block. The fields
//! come from `engine::record::anatomy`, named as Kafka's protocol guide names them.

use crate::engine::record::anatomy::{Area, BatchAnatomy, Field, Note};
use crate::ui::i18n::T;
use crate::ui::shell::page::ClusterCtx;
use yew::prelude::*;

/// Bytes per hex row.
const ROW_BYTES: usize = 16;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub anatomy: BatchAnatomy,
    pub on_close: Callback<()>,
}

/// For each byte of an area, the index of the field that covers it.
fn owners(fields: &[Field], area: Area, len: usize) -> Vec<Option<usize>> {
    let mut out = vec![None; len];
    for (i, f) in fields.iter().enumerate().filter(|(_, f)| f.area == area) {
        let (start, end) = (f.start as usize, (f.start + f.len) as usize);
        for slot in out.iter_mut().take(end.min(len)).skip(start) {
            *slot = Some(i);
        }
    }
    out
}

/// A field's colour band: header fields alternate, each record's fields share a band.
fn band(f: &Field, i: usize) -> String {
    match f.record {
        None => format!("hdr{}", i % 2),
        Some(r) => format!("rec{}", r % 2),
    }
}

fn hex_block(bytes: &[u8], fields: &[Field], area: Area, hover: &UseStateHandle<Option<usize>>) -> Html {
    let owner = owners(fields, area, bytes.len());
    html! {
        <div class="hex" data-testid="anatomy-hex">
            { for bytes.chunks(ROW_BYTES).enumerate().map(|(row, chunk)| html! {
                <div class="hex-row">
                    <span class="hex-at">{format!("{:04x}", row * ROW_BYTES)}</span>
                    { for chunk.iter().enumerate().map(|(k, b)| {
                        let at = row * ROW_BYTES + k;
                        let field = owner[at];
                        let class = classes!(
                            field.map(|i| band(&fields[i], i)),
                            (field.is_some() && field == **hover).then_some("lit")
                        );
                        let enter = { let hover = hover.clone(); Callback::from(move |_: MouseEvent| hover.set(field)) };
                        html! { <span class={class} onmouseenter={enter}
                            data-field={field.map(|i| fields[i].name.clone())}>{format!("{b:02x}")}</span> }
                    }) }
                </div>
            }) }
        </div>
    }
}

/// A field's value with what it means, in the page's language: `131 (bytes after this field)`.
fn value_text(f: &Field, t: impl Fn(T) -> &'static str) -> String {
    let note = match &f.note {
        None => return f.value.clone(),
        Some(Note::BytesAfterField) => t(T::AnatomyBytesAfterField).to_string(),
        Some(Note::CrcMatches) => t(T::AnatomyCrcMatches).to_string(),
        Some(Note::CrcCorrupt { computed }) => format!("{} {computed:#010x}", t(T::AnatomyCrcCorrupt)),
        Some(Note::RecordsFollow) => t(T::AnatomyRecordsFollow).to_string(),
        Some(Note::RecordBytesAfterField) => t(T::AnatomyRecordBytesAfterField).to_string(),
        Some(Note::Unused) => t(T::AnatomyUnused).to_string(),
        Some(Note::Timestamp(ms)) => format!("timestamp {ms}"),
        Some(Note::Offset(offset)) => format!("offset {offset}"),
        Some(Note::Null) => t(T::AnatomyNull).to_string(),
        Some(Note::Bytes) => t(T::AnatomyByteCount).to_string(),
        Some(Note::HeadersCount) => t(T::AnatomyHeadersCount).to_string(),
        Some(Note::CompressedWith(codec)) => format!("{} {codec}", t(T::AnatomyCompressedWith)),
    };
    format!("{} ({note})", f.value)
}

#[function_component(BatchAnatomyView)]
pub fn batch_anatomy_view(props: &Props) -> Html {
    let hover = use_state(|| None::<usize>);
    let Some(ctx) = use_context::<ClusterCtx>() else { return html! {} };
    let t = |x: T| ctx.t(x);
    let a = &props.anatomy;
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let leave = {
        let hover = hover.clone();
        Callback::from(move |_: MouseEvent| hover.set(None))
    };
    let rows = a.fields.iter().enumerate().map(|(i, f)| {
        let heading = (f.name == "length" && f.record.is_some())
            .then(|| html! { <tr class="rec-head"><th colspan="3">{format!("{} {}", t(T::AnatomyRecord), f.record.unwrap_or(0))}</th></tr> });
        let enter = { let hover = hover.clone(); Callback::from(move |_: MouseEvent| hover.set(Some(i))) };
        let arrow = if f.area == Area::Records { "↓" } else { "" };
        let place = match f.len {
            0 => format!("{arrow}{} (0)", f.start),
            n => format!("{arrow}{}–{}", f.start, f.start + n - 1),
        };
        html! {
            <>
                {heading.unwrap_or_default()}
                <tr class={classes!(band(f, i), (*hover == Some(i)).then_some("lit"))} onmouseenter={enter}
                    data-testid="anatomy-field" data-name={f.name.clone()}>
                    <td class="name">{f.name.clone()}</td>
                    <td class="place">{place}</td>
                    <td class="value">{value_text(f, t)}</td>
                </tr>
            </>
        }
    });
    html! {
        <section class="anatomy" data-testid="batch-anatomy" onmouseleave={leave}>
            <header>
                <strong>{t(T::AnatomyTitle)}</strong>
                <span class="hint">{t(T::AnatomyHint)}</span>
                <button type="button" class="quiet" onclick={close} aria-label={t(T::CloseView)}>{"✕"}</button>
            </header>
            if let Some(problem) = &a.problem {
                <p class="field-error" role="alert" data-testid="anatomy-problem">{problem.clone()}</p>
            }
            <div class="anatomy-body">
                <div class="anatomy-bytes">
                    {hex_block(&a.bytes, &a.fields, Area::Batch, &hover)}
                    if let Some(plain) = &a.records_bytes {
                        <p class="hint">{t(T::AnatomyDecompressed)}</p>
                        {hex_block(plain, &a.fields, Area::Records, &hover)}
                    }
                </div>
                <table class="anatomy-fields">
                    <thead><tr><th>{t(T::AnatomyField)}</th><th>{t(T::AnatomyBytes)}</th><th>{t(T::Value)}</th></tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
        </section>
    }
}
