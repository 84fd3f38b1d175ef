//! Form fields, read one way: the text of the field an event came from (an input, a
//! checkbox as "true"/"false", a select, a textarea), and the setter that writes it into
//! one field of a form's state. Every form of the page (admin, producer, log panel,
//! groups) reads its fields through these.

use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The value of the field `e` came from ("" if it is none of the kinds above).
pub fn value_of(e: &web_sys::Event) -> String {
    let Some(target) = e.target() else { return String::new() };
    if let Some(i) = target.dyn_ref::<web_sys::HtmlInputElement>() {
        return if i.type_() == "checkbox" { i.checked().to_string() } else { i.value() };
    }
    if let Some(s) = target.dyn_ref::<web_sys::HtmlSelectElement>() {
        return s.value();
    }
    target
        .dyn_ref::<web_sys::HtmlTextAreaElement>()
        .map(web_sys::HtmlTextAreaElement::value)
        .unwrap_or_default()
}

/// A callback that writes the field's value into `state` through `apply`.
pub fn setter<F, E>(state: &UseStateHandle<F>, apply: fn(&mut F, String)) -> Callback<E>
where
    F: Clone + 'static,
    E: AsRef<web_sys::Event> + 'static,
{
    let state = state.clone();
    Callback::from(move |e: E| {
        let mut next = (*state).clone();
        apply(&mut next, value_of(e.as_ref()));
        state.set(next);
    })
}
