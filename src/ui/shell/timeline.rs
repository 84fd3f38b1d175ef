//! The timeline bar under the top bar: a slider over the run from 0 to the live moment
//! (dragging it back shows the cluster as it was, replayed from the run's log), back to
//! now, fork here, the branches of the tree (click one to go to it), and copy link (a URL
//! that replays to the moment shown). See `crate::sim::timeline` for what each does.

use crate::sim::timeline::TimelineView;
use crate::ui::common::form::value_of;
use crate::ui::i18n::{Lang, T};
use crate::ui::shell::speed::clock_text;
use crate::web::cluster_view::ClusterCommand;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub timeline: TimelineView,
    pub command: Callback<ClusterCommand>,
    /// Asks for the share link of the moment shown (or why there is none).
    pub share: Callback<Callback<Result<String, String>>>,
}

fn seconds(ms: i64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

#[function_component(TimelineBar)]
pub fn timeline_bar(props: &Props) -> Html {
    let lang = props.lang;
    let t = |x: T| x.get(lang);
    let tl = &props.timeline;
    let copied = use_state(|| None::<Result<String, String>>);
    if tl.resumed {
        return html! {
            <div class="timeline-bar resumed" data-testid="timeline" data-resumed="true">
                <span class="timeline-label">{t(T::TimelineBar)}</span>
                <span class="note">{t(T::TimelineResumed)}</span>
            </div>
        };
    }
    if let Some(to) = tl.replaying_to_ms {
        return html! {
            <div class="timeline-bar" data-testid="timeline" data-replaying="true">
                <span class="timeline-label">{t(T::TimelineBar)}</span>
                <span class="note">{format!("{} {} ({} {})", t(T::ReplayingTo), clock_text(to), t(T::LiveAt), clock_text(tl.live_ms))}</span>
            </div>
        };
    }
    let shown = tl.looking_at_ms.unwrap_or(tl.live_ms);
    let onchange =
        props.command.reform(|e: Event| ClusterCommand::Seek(value_of(&e).parse::<i64>().unwrap_or(0)));
    let back = props.command.reform(|_: MouseEvent| ClusterCommand::BackToNow);
    let fork = props.command.reform(|_: MouseEvent| ClusterCommand::Fork);
    let copy = {
        let (share, copied) = (props.share.clone(), copied.clone());
        Callback::from(move |_: MouseEvent| {
            let copied = copied.clone();
            share.emit(Callback::from(move |link: Result<String, String>| {
                if let (Ok(url), Some(w)) = (&link, web_sys::window()) {
                    // The clipboard may be refused (an iframe without the permission): the
                    // link is shown beside the button as well, to copy by hand.
                    let _ = w.navigator().clipboard().write_text(url);
                }
                copied.set(Some(link));
            }));
        })
    };
    // The clock beside it already says the live moment.
    let state = match tl.looking_at_ms {
        Some(at) if tl.seeking => format!("{} {} · {}", t(T::LookingAt), clock_text(at), t(T::Seeking)),
        Some(at) => {
            format!("{} {} · {} {}", t(T::LookingAt), clock_text(at), t(T::LiveAt), clock_text(tl.live_ms))
        }
        None => String::new(),
    };
    let branches = (tl.branches.len() > 1).then(|| {
        html! {
            <span class="branches" role="group" aria-label={t(T::Branch)} data-testid="branches">
                { for tl.branches.iter().enumerate().map(|(n, b)| {
                    let current = n == tl.current_branch;
                    let label = match b.parent {
                        None => format!("{} {} · 0–{}", t(T::Branch), n + 1, seconds(b.end_ms)),
                        Some(_) => format!("{} {} · {} {}–{}", t(T::Branch), n + 1, t(T::ForkedAt), seconds(b.forked_at_ms), seconds(b.end_ms)),
                    };
                    let go = props.command.reform(move |_: MouseEvent| ClusterCommand::SwitchBranch(n));
                    html! {
                        <button type="button" class={classes!("branch", current.then_some("current"))}
                            aria-pressed={current.to_string()} disabled={current} onclick={go}
                            data-testid={format!("branch-{n}")}>{label}</button>
                    }
                }) }
            </span>
        }
    });
    let link = match &*copied {
        Some(Ok(url)) => html! {
            <span class="copied" data-testid="link-copied">{t(T::LinkCopied)}
                <input type="text" readonly=true value={url.clone()} data-testid="share-link" /></span>
        },
        Some(Err(e)) => html! { <span class="note" data-testid="link-error">{e.clone()}</span> },
        None => html! {},
    };
    html! {
        <div class={classes!("timeline-bar", tl.looking_at_ms.is_some().then_some("looking"))} data-testid="timeline"
            data-looking={tl.looking_at_ms.map(|a| a.to_string()).unwrap_or_default()}
            data-seeking={tl.seeking.to_string()}>
            <label class="timeline-label" title={t(T::TimelineHelp)}>{t(T::TimelineBar)}
                <input type="range" min="0" max={tl.live_ms.to_string()} step="1" value={shown.to_string()}
                    onchange={onchange} aria-valuetext={clock_text(shown)} data-testid="timeline-slider" />
            </label>
            if !state.is_empty() {
                <span class="timeline-state" data-testid="timeline-state">{state}</span>
            }
            if tl.looking_at_ms.is_some() {
                <button type="button" onclick={back} data-testid="back-to-now">{t(T::BackToNow)}</button>
                <button type="button" onclick={fork} title={t(T::ForkHelp)} data-testid="fork">{t(T::ForkHere)}</button>
            }
            {for branches}
            <button type="button" class="quiet" onclick={copy} data-testid="copy-link">{t(T::CopyLink)}</button>
            {link}
            if let Some(note) = &tl.note {
                <span class="note" role="status" data-testid="timeline-note">{note.clone()}</span>
            }
        </div>
    }
}
