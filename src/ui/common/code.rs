//! "Code to take away" under a form: the program that does what the form does, for
//! `confluent_kafka` (the lecture's client) and the Java client, with the settings the
//! learner chose (`crate::takeaway` writes it), in a fold that stays closed until opened,
//! with a copy button. The clipboard may be refused (an iframe without `clipboard-write`):
//! then the code is selected, for Ctrl+C.

use crate::takeaway::{code, Action, Language, DEFAULT_BOOTSTRAP};
use crate::ui::i18n::T;
use crate::ui::shell::page::ClusterCtx;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TakeawayProps {
    pub action: Action,
    /// `data-testid` of the fold; the code is `{testid}-code`.
    pub testid: AttrValue,
}

/// `navigator.clipboard.writeText(text)`; false where the page may not write it.
fn write_clipboard(text: &str) -> bool {
    let Some(window) = web_sys::window() else { return false };
    let navigator = window.navigator();
    let Ok(clipboard) = js_sys::Reflect::get(&navigator, &"clipboard".into()) else { return false };
    let Ok(write) = js_sys::Reflect::get(&clipboard, &"writeText".into()) else { return false };
    let Ok(write) = write.dyn_into::<js_sys::Function>() else { return false };
    write.call1(&clipboard, &text.into()).is_ok()
}

/// Selects the contents of `element`, for the learner to copy.
fn select(element: &web_sys::Element) {
    let Some(window) = web_sys::window() else { return };
    let (Ok(Some(selection)), Some(document)) = (window.get_selection(), window.document()) else { return };
    if let Ok(range) = document.create_range() {
        let _ = range.select_node_contents(element);
        let _ = selection.remove_all_ranges();
        let _ = selection.add_range(&range);
    }
}

#[function_component(TakeawayCode)]
pub fn takeaway_code(p: &TakeawayProps) -> Html {
    let language = use_state(|| Language::Python);
    let copied = use_state(|| None::<bool>);
    let pre = use_node_ref();
    let Some(ctx) = use_context::<ClusterCtx>() else { return html! {} };
    let text = code(&p.action, *language, DEFAULT_BOOTSTRAP);
    let copy = {
        let (text, copied, pre) = (text.clone(), copied.clone(), pre.clone());
        Callback::from(move |_: MouseEvent| {
            let ok = write_clipboard(&text);
            if !ok {
                if let Some(element) = pre.cast::<web_sys::Element>() {
                    select(&element);
                }
            }
            copied.set(Some(ok));
        })
    };
    let tab = |l: Language| {
        let selected = *language == l;
        let (language, copied) = (language.clone(), copied.clone());
        let onclick = Callback::from(move |_: MouseEvent| {
            language.set(l);
            copied.set(None);
        });
        html! {
            <button type="button" aria-pressed={selected.to_string()} class="quiet"
                onclick={onclick}>{l.label()}</button>
        }
    };
    let status = match *copied {
        Some(true) => ctx.t(T::CodeCopied),
        Some(false) => ctx.t(T::CodeSelected),
        None => "",
    };
    html! {
        <details class="takeaway" data-testid={p.testid.clone()}>
            <summary>{ctx.t(T::TakeawayCode)}</summary>
            <p class="hint">{ctx.t(T::TakeawayHint)}</p>
            <div class="takeaway-tabs">
                { for Language::ALL.iter().map(|l| tab(*l)) }
                <button type="button" onclick={copy} data-testid={format!("{}-copy", p.testid)}>{ctx.t(T::CopyCode)}</button>
                <span role="status">{status}</span>
            </div>
            <pre ref={pre}><code data-testid={format!("{}-code", p.testid)}>{text}</code></pre>
        </details>
    }
}
