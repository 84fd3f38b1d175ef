//! The top bar: title, what is running, the scenario selector (to the cluster picture),
//! the workspace reset and the EN|RU switch. In embed
//! mode (`?embed=1`) only the language switch and a link to the full page remain.

use super::app::Ctx;
use super::i18n::{Lang, T};
use super::state::{Action, Purpose};
use crate::web::protocol::WorkerRequest;
use crate::web::wall_clock_ms;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The page is iframed: hide the chrome.
    pub embed: bool,
}

/// This page's address without `embed=1`, for the embed's link to the full page.
fn full_page_href() -> String {
    let Some(location) = web_sys::window().map(|w| w.location()) else { return String::new() };
    let query: Vec<String> = location
        .search()
        .unwrap_or_default()
        .trim_start_matches('?')
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("embed="))
        .map(str::to_string)
        .collect();
    let path = location.pathname().unwrap_or_default();
    if query.is_empty() {
        path
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

#[function_component(TopBar)]
pub fn top_bar(props: &Props) -> Html {
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
    let lang_switch = html! {
        <div class="lang" role="group" aria-label={ctx.t(T::Language)}>
            <button aria-pressed={(lang == Lang::En).to_string()} onclick={set_lang(Lang::En)} data-testid="lang-en">{"EN"}</button>
            <button aria-pressed={(lang == Lang::Ru).to_string()} onclick={set_lang(Lang::Ru)} data-testid="lang-ru">{"RU"}</button>
        </div>
    };
    if props.embed {
        return html! {
            <header class="topbar embed">
                <span class="spacer" />
                <a class="open-full" href={full_page_href()} target="_blank" rel="noopener" data-testid="open-full">
                    {format!("{} ↗", ctx.t(T::OpenFull))}
                </a>
                {lang_switch}
            </header>
        };
    }
    html! {
        <header class="topbar">
            <h1 data-testid="title">{ctx.t(T::Title)}</h1>
            <span class="tagline">{ctx.t(T::Tagline)}</span>
            <super::cluster_mode::ScenarioSelect lang={lang} current={None::<String>} />
            {for recovered}
            <span class="spacer" />
            <button class="quiet" onclick={reset} data-testid="reset">{ctx.t(T::Reset)}</button>
            {lang_switch}
        </header>
    }
}
