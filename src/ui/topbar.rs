//! The top bar: title, what is running, the workspace reset and the EN|RU switch.

use super::app::Ctx;
use super::i18n::{Lang, T};
use super::state::{Action, Purpose};
use crate::web::protocol::WorkerRequest;
use crate::web::wall_clock_ms;
use yew::prelude::*;

#[function_component(TopBar)]
pub fn top_bar() -> Html {
    let Some(ctx) = use_context::<Ctx>() else { return html! {} };
    let lang = ctx.state.lang;
    let set_lang = |l: Lang| {
        let state = ctx.state.clone();
        Callback::from(move |_| {
            l.store();
            state.dispatch(Action::SetLang(l));
        })
    };
    let reset = {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            let confirmed = web_sys::window()
                .and_then(|w| w.confirm_with_message(ctx.t(T::ResetConfirm)).ok())
                .unwrap_or(false);
            if confirmed {
                ctx.send.emit((WorkerRequest::Reset { now_ms: wall_clock_ms() }, Purpose::Reset));
            }
        })
    };
    let recovered = ctx.state.segments_loaded.filter(|n| *n > 0).map(|n| {
        html! { <span class="recovered" data-testid="recovered">{format!("{} · {n} {}", ctx.t(T::Recovered), ctx.t(T::Segments))}</span> }
    });
    html! {
        <header class="topbar">
            <h1>{ctx.t(T::Title)}</h1>
            <span class="tagline">{ctx.t(T::Tagline)}</span>
            {for recovered}
            <span class="spacer" />
            <button class="quiet" onclick={reset} data-testid="reset">{ctx.t(T::Reset)}</button>
            <div class="lang" role="group" aria-label={ctx.t(T::Language)}>
                <button aria-pressed={(lang == Lang::En).to_string()} onclick={set_lang(Lang::En)} data-testid="lang-en">{"EN"}</button>
                <button aria-pressed={(lang == Lang::Ru).to_string()} onclick={set_lang(Lang::Ru)} data-testid="lang-ru">{"RU"}</button>
            </div>
        </header>
    }
}
