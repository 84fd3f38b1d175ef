//! The cluster page's top bar: title, the scenario selector and one's own scenario files,
//! the run's clock and speed controls, the timeline, restarting the scenario, and the EN|RU switch. With `embed=1` the title,
//! selector and restart give way to a link to the full page; the run controls stay.

use crate::ui::i18n::{Lang, T};
use crate::ui::shell::mode::{href_for, ClusterParams, ScenarioSelect};
use crate::ui::shell::speed::SpeedControl;
use crate::web::cluster_view::{ClusterCommand, ClusterView};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub on_lang: Callback<Lang>,
    pub params: ClusterParams,
    pub view: Option<Rc<ClusterView>>,
    pub command: Callback<ClusterCommand>,
    pub on_reset: Callback<()>,
    /// Checks a scenario file of one's own (in the run worker).
    pub check_scenario: Callback<(String, Callback<Result<String, String>>)>,
    /// The scenario's description in the learner's language (empty until it is loaded).
    #[prop_or_default]
    pub description: String,
    /// The timeline bar, beside the clock (`super::timeline`).
    #[prop_or_default]
    pub timeline: Html,
}

#[function_component(ClusterTopBar)]
pub fn cluster_top_bar(props: &Props) -> Html {
    let lang = props.lang;
    let t = |x: T| x.get(lang);
    let lang_button = |l: Lang, label: &'static str, id: &'static str| {
        html! {
            <button type="button" aria-pressed={(lang == l).to_string()} onclick={props.on_lang.reform(move |_| l)}
                data-testid={id}>{label}</button>
        }
    };
    let lang_switch = html! {
        <div class="lang" role="group" aria-label={t(T::Language)}>
            {lang_button(Lang::En, "EN", "lang-en")}
            {lang_button(Lang::Ru, "RU", "lang-ru")}
        </div>
    };
    let speed =
        html! { <SpeedControl lang={lang} view={props.view.clone()} command={props.command.clone()} /> };
    let runnable = props.params.problems.is_empty();
    if props.params.embed {
        let full = href_for(&props.params.scenario, props.params.seed)
            .replace("&embed=1", "")
            .replace("&embed=true", "");
        return html! {
            <header class="topbar cluster-topbar embed">
                {speed}
                {props.timeline.clone()}
                <span class="spacer" />
                <a class="open-full" href={full} target="_blank" rel="noopener" data-testid="open-full">
                    {format!("{} ↗", t(T::OpenFull))}
                </a>
                {lang_switch}
            </header>
        };
    }
    let reset = props.on_reset.reform(|_: MouseEvent| ());
    html! {
        <header class="topbar cluster-topbar">
            <h1 data-testid="title">{t(T::Title)}</h1>
            <ScenarioSelect lang={lang} current={props.params.scenario.clone()} seed={props.params.seed}
                description={props.description.clone()} />
            <span class="seed" data-testid="seed">{format!("{} {}", t(T::Seed), props.params.seed)}</span>
            <crate::ui::shell::own_scenario::OwnScenario lang={lang} scenario={props.params.scenario.clone()} seed={props.params.seed} check={props.check_scenario.clone()} />
            if runnable { {speed} }
            {props.timeline.clone()}
            <span class="spacer" />
            if runnable {
                <button type="button" class="quiet" onclick={reset} data-testid="reset">{t(T::RestartScenario)}</button>
            }
            {lang_switch}
        </header>
    }
}
