//! The lesson panel: the lesson's title and section, "step k of n", the step's text, its
//! task (waiting, or done ✓) and back / again / next, above the cluster picture so the
//! subject is on the first screen. "Next" waits for the task. What the step looks at is
//! outlined on the page by a style rule over the parts' `data-testid`s, so the outline
//! follows the parts through every redraw. Buttons send `ClusterCommand::LessonStep`: the
//! driver runs the step's acts and watches its task. On narrow pages a new step shows the
//! band of the first thing it looks at.

use crate::sim::lesson::outline::LessonOutline;
use crate::sim::lesson::{LessonProgress, LookAt};
use crate::ui::i18n::{Lang, T};
use crate::ui::shell::tabs::Band;
use crate::web::cluster_view::ClusterCommand;
use crate::web::run_protocol::LessonFacts;
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

/// A lesson as the page shows it, with what its looks need of the scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonShown {
    pub lesson: LessonOutline,
    /// Each client's kind by its scenario id: `true` for a consumer.
    consumers: BTreeMap<String, bool>,
    topic_partitions: BTreeMap<String, u32>,
}

impl LessonShown {
    /// From what the run worker tells of the lesson and its scenario.
    pub fn new(facts: LessonFacts) -> Self {
        LessonShown {
            lesson: facts.lesson,
            consumers: facts.consumers,
            topic_partitions: facts.topic_partitions,
        }
    }

    /// The band that shows what `look` points at (narrow pages show one band at a time).
    fn band(&self, look: &LookAt) -> Band {
        match look {
            LookAt::Broker(_) | LookAt::Controller {} | LookAt::Topic(_) | LookAt::Partition(_) => {
                Band::Cluster
            }
            LookAt::Client(name) if self.consumers.get(name) == Some(&true) => Band::Reader,
            LookAt::Client(_) => Band::Producer,
            LookAt::Group(_) => Band::Reader,
            LookAt::Events {} => Band::Events,
        }
    }

    /// The CSS selectors of what `look` points at.
    fn selectors(&self, look: &LookAt) -> Vec<String> {
        let id = |v: &str| format!("[data-testid=\"{}\"]", v.replace('\\', "\\\\").replace('"', "\\\""));
        match look {
            LookAt::Broker(n) => vec![id(&format!("broker-{n}"))],
            LookAt::Controller {} => vec![id("controller")],
            LookAt::Topic(t) => (0..self.topic_partitions.get(t).copied().unwrap_or(0))
                .map(|p| id(&format!("partition-{t}-{p}")))
                .collect(),
            LookAt::Partition(tp) => vec![id(&format!("partition-{}-{}", tp.topic, tp.partition))],
            LookAt::Client(name) => match self.consumers.get(name) {
                Some(true) => vec![id(&format!("member-{name}"))],
                _ => vec![id("band-producer")],
            },
            LookAt::Group(g) => vec![id(&format!("group-{g}"))],
            LookAt::Events {} => vec![id("band-events")],
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub shown: Rc<LessonShown>,
    /// Where the run is in the lesson (none before the run began).
    pub progress: Option<LessonProgress>,
    pub command: Callback<ClusterCommand>,
    /// Shows a band (on narrow pages, where one band is shown at a time).
    pub on_band: Callback<Band>,
}

#[function_component(LessonPanel)]
pub fn lesson_panel(props: &Props) -> Html {
    let l = props.lang;
    let lesson = &props.shown.lesson;
    let last = lesson.steps.len().saturating_sub(1);
    let index = props.progress.map_or(0, |p| p.step.min(last));
    // A new step shows the band of the first thing it looks at (hooks come before any
    // early return: Yew calls them in the same order on every render).
    let first_band = lesson.steps.get(index).and_then(|s| s.look.first()).map(|look| props.shown.band(look));
    {
        let on_band = props.on_band.clone();
        let shown = props.progress.is_some();
        use_effect_with((index, first_band, shown), move |(_, band, shown)| {
            if let (Some(band), true) = (band, shown) {
                on_band.emit(*band);
            }
        });
    }
    let Some(progress) = props.progress else { return html! {} };
    let Some(step) = lesson.steps.get(index) else { return html! {} };
    let go = |to: usize| {
        let command = props.command.clone();
        Callback::from(move |_: MouseEvent| command.emit(ClusterCommand::LessonStep(to)))
    };
    let selectors: Vec<String> = step.look.iter().flat_map(|look| props.shown.selectors(look)).collect();
    let outline = if selectors.is_empty() {
        String::new()
    } else {
        format!("{} {{ outline: 3px solid var(--accent); outline-offset: 2px; }}", selectors.join(", "))
    };
    let done = progress.task_done;
    let task = step.task.as_ref().map(|task| {
        let (mark, state) = if done { ("✓", T::LessonTaskDone) } else { ("→", T::LessonTaskWaiting) };
        html! {
            <p class={classes!("lesson-task", done.then_some("done"))} data-testid="lesson-task" data-done={done.to_string()}>
                <span class="mark" aria-hidden="true">{mark}</span>
                <span class="sr-only">{state.get(l)}{": "}</span>
                {task.get(l.code())}
            </p>
        }
    });
    html! {
        <section class="lesson" aria-label={T::Lesson.get(l)} data-testid="lesson" data-step={index.to_string()}>
            <style>{outline}</style>
            <header class="lesson-head">
                <span class="lesson-section">{format!("§{}", lesson.section)}</span>
                <strong class="lesson-title">{lesson.title.get(l.code())}</strong>
                <span class="lesson-count" data-testid="lesson-count">
                    {format!("{} {} {} {}", T::LessonStep.get(l), index + 1, T::LessonOf.get(l), lesson.steps.len())}
                </span>
            </header>
            <p class="lesson-text" data-testid="lesson-text">{step.text.get(l.code())}</p>
            {for task}
            <nav class="lesson-nav">
                <button type="button" class="quiet small" onclick={go(index.saturating_sub(1))} disabled={index == 0}
                    data-testid="lesson-back">{T::LessonBack.get(l)}</button>
                <button type="button" class="quiet small" onclick={go(index)} title={T::LessonAgainHelp.get(l)}
                    data-testid="lesson-again">{T::LessonAgain.get(l)}</button>
                <button type="button" class="small" onclick={go(index + 1)} disabled={!done || index == last}
                    data-testid="lesson-next">{T::LessonNext.get(l)}</button>
            </nav>
        </section>
    }
}
