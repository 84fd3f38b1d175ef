//! What a tab shows when another tab runs its workspace ([`crate::web::workspace_lock`]):
//! that this tab waits and writes nothing, and a link that opens the same scenario and
//! seed in a workspace of its own (`?workspace=tab-…`, a name no tab has used yet).

use crate::ui::i18n::{Lang, T};
use crate::ui::shell::mode::param;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub scenario: String,
    pub seed: u64,
}

/// The address of `scenario` and `seed` in a fresh workspace, keeping `embed`.
fn new_workspace_href(scenario: &str, seed: u64) -> String {
    let Some(w) = web_sys::window() else { return String::new() };
    let search = w.location().search().unwrap_or_default();
    let path = w.location().pathname().unwrap_or_else(|_| "/".into());
    // Wall-clock milliseconds in base 36: distinct for every click a person can make.
    let fresh = format!("tab-{}", radix36(js_sys::Date::now() as u64));
    let embed = param(&search, "embed").map(|v| format!("&embed={v}")).unwrap_or_default();
    let scenario = String::from(js_sys::encode_uri_component(scenario));
    format!("{path}?scenario={scenario}&seed={seed}&workspace={fresh}{embed}")
}

fn radix36(mut n: u64) -> String {
    let mut digits = Vec::new();
    loop {
        digits.push(std::char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
        n /= 36;
        if n == 0 {
            break;
        }
    }
    digits.iter().rev().collect()
}

#[function_component(WorkspaceBusy)]
pub fn workspace_busy(props: &Props) -> Html {
    let href = new_workspace_href(&props.scenario, props.seed);
    html! {
        <div class="banner notice" role="status" data-testid="workspace-busy">
            <span>{T::WorkspaceBusy.get(props.lang)}</span>{" "}
            <a href={href} data-testid="workspace-busy-new">{T::WorkspaceBusyNew.get(props.lang)}</a>
        </div>
    }
}
