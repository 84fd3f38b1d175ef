//! The run's clock and speed: the virtual clock (`t = 12.345 s`), pause / play / step,
//! and a logarithmic speed slider from 1/1000× to 100× showing the asked and the achieved
//! speed (and saying so when the tab cannot keep up); and the page's keyboard shortcuts
//! for them (space pause/play, → step, [ and ] slower/faster), which stay out of the way
//! while typing in a field.

use crate::ui::common::form::value_of;
use crate::ui::i18n::{Lang, T};
use crate::web::cluster_view::{ClusterCommand, ClusterView};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// log10 of the slowest and fastest speed.
const LOG_MIN: f64 = -3.0;
const LOG_MAX: f64 = 2.0;
/// `[` and `]` divide or multiply the speed by this.
const KEY_FACTOR: f64 = 2.0;

/// `t = 12.345 s`.
pub fn clock_text(now_ms: i64) -> String {
    format!("t = {}.{:03} s", now_ms.div_euclid(1000), now_ms.rem_euclid(1000))
}

/// A speed as people say it: `100×`, `2.5×`, `0.8×`, `1/10×`, `1/1000×`.
pub fn speed_text(speed: f64) -> String {
    if !speed.is_finite() || speed <= 0.0 {
        return "0×".to_string();
    }
    if speed >= 0.5 {
        let rounded = if speed >= 10.0 { speed.round() } else { (speed * 10.0).round() / 10.0 };
        format!("{rounded}×")
    } else {
        format!("1/{}×", (1.0 / speed).round())
    }
}

fn clamp_speed(speed: f64) -> f64 {
    speed.clamp(10f64.powf(LOG_MIN), 10f64.powf(LOG_MAX))
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub view: Option<Rc<ClusterView>>,
    pub command: Callback<ClusterCommand>,
}

#[function_component(SpeedControl)]
pub fn speed_control(props: &Props) -> Html {
    let t = |x: T| x.get(props.lang);
    let (now_ms, paused, speed, achieved, until) = match &props.view {
        Some(v) => (v.now_ms, v.paused, v.speed, v.achieved_speed, v.until_ms),
        None => (0, true, 1.0, 0.0, 0),
    };
    let ready = props.view.is_some();
    let send = |c: ClusterCommand| props.command.reform(move |_: MouseEvent| c.clone());
    let oninput = props.command.reform(|e: InputEvent| {
        ClusterCommand::SetSpeed(clamp_speed(10f64.powf(value_of(&e).parse().unwrap_or(0.0))))
    });
    let position = speed.max(1e-9).log10().clamp(LOG_MIN, LOG_MAX);
    // A running tab that achieves clearly less than asked says so (the lockstep's round
    // trips to the workers bound it; BENCHMARKS.md "Simulation speed in the tab").
    let behind = ready && !paused && achieved > 0.0 && achieved < 0.8 * speed;
    let mut speed_label =
        format!("{} {} · {} {}", t(T::Speed), speed_text(speed), t(T::AchievedSpeed), speed_text(achieved));
    if behind {
        speed_label = format!("{speed_label} — {}", t(T::TabBehind));
    }
    html! {
        <div class="run-controls" role="group" aria-label={t(T::Speed)}>
            // Only a running cluster has a clock: scripts wait for it, then for its state.
            if ready {
                <span class="clock" title={t(T::ClockHelp)} data-testid="cluster-clock" data-now-ms={now_ms.to_string()}
                    data-paused={paused.to_string()} aria-live="off">
                    {clock_text(now_ms)}
                    if until > 0 {
                        <span class="until">{format!(" / {} {}", t(T::RunEnd), clock_text(until).trim_start_matches("t = "))}</span>
                    }
                </span>
            } else {
                <span class="clock" title={t(T::ClockHelp)}>{"t = …"}</span>
            }
            <button type="button" onclick={send(ClusterCommand::Pause)} disabled={!ready || paused}
                aria-keyshortcuts="Space" data-testid="pause">{t(T::PauseRun)}</button>
            <button type="button" onclick={send(ClusterCommand::Play)} disabled={!ready || !paused}
                aria-keyshortcuts="Space" data-testid="play">{t(T::PlayRun)}</button>
            <button type="button" class="quiet" onclick={send(ClusterCommand::Step)} disabled={!ready}
                aria-keyshortcuts="ArrowRight" data-testid="step">{format!("{} →", t(T::StepRun))}</button>
            <label class="speed inline" title={t(T::SpeedHelp)}>
                <span class={classes!("speed-value", behind.then_some("behind"))} data-testid="speed-value"
                    data-speed={speed.to_string()} data-achieved={achieved.to_string()} data-behind={behind.to_string()}>
                    {speed_label.clone()}</span>
                <input type="range" min={LOG_MIN.to_string()} max={LOG_MAX.to_string()} step="0.05"
                    value={position.to_string()} oninput={oninput} disabled={!ready}
                    aria-label={t(T::Speed)} aria-valuetext={speed_text(speed)} aria-keyshortcuts="[ ]"
                    data-testid="speed-slider" />
            </label>
        </div>
    }
}

/// Whether a key press belongs to what has focus (a field, a button, the tab bar).
fn owned_by_target(e: &KeyboardEvent) -> bool {
    let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return false };
    let tag = el.tag_name().to_ascii_lowercase();
    matches!(tag.as_str(), "input" | "textarea" | "select")
        || (tag == "button" && (e.key() == " " || e.key() == "Enter"))
        || el.get_attribute("role").is_some_and(|r| r == "tab")
        || el.get_attribute("contenteditable").is_some_and(|v| v != "false")
}

/// What the keys last asked, with the view's value at the time: until a fresh view
/// arrives, the next press builds on what was asked (two quick `[` halve twice).
#[derive(Default, Clone, Copy)]
struct Asked {
    speed: Option<(f64, f64)>,
    paused: Option<(bool, bool)>,
}

impl Asked {
    fn speed(&self, view: &ClusterView) -> f64 {
        match self.speed {
            Some((asked, seen)) if seen == view.speed => asked,
            _ => view.speed,
        }
    }

    fn paused(&self, view: &ClusterView) -> bool {
        match self.paused {
            Some((asked, seen)) if seen == view.paused => asked,
            _ => view.paused,
        }
    }
}

/// The view and command callback of the latest render, for the document's listener.
type Latest = (Option<Rc<ClusterView>>, Callback<ClusterCommand>);

/// The keyboard shortcuts, on the whole document while the page is mounted.
#[hook]
pub fn use_speed_keys(view: Option<Rc<ClusterView>>, command: Callback<ClusterCommand>) {
    let latest: Rc<RefCell<Latest>> = use_mut_ref(|| (view.clone(), command.clone()));
    *latest.borrow_mut() = (view, command);
    use_effect_with((), move |_| {
        let asked = RefCell::new(Asked::default());
        let listener = Closure::<dyn Fn(KeyboardEvent)>::new(move |e: KeyboardEvent| {
            if e.default_prevented() || e.ctrl_key() || e.meta_key() || e.alt_key() || owned_by_target(&e) {
                return;
            }
            let (view, command) = latest.borrow().clone();
            let Some(view) = view else { return };
            let mut a = asked.borrow_mut();
            let c = match e.key().as_str() {
                " " | "Spacebar" => {
                    let paused = a.paused(&view);
                    a.paused = Some((!paused, view.paused));
                    if paused {
                        ClusterCommand::Play
                    } else {
                        ClusterCommand::Pause
                    }
                }
                "ArrowRight" => {
                    a.paused = Some((true, view.paused));
                    ClusterCommand::Step
                }
                "[" | "]" => {
                    let now = a.speed(&view);
                    let next = clamp_speed(if e.key() == "[" { now / KEY_FACTOR } else { now * KEY_FACTOR });
                    a.speed = Some((next, view.speed));
                    ClusterCommand::SetSpeed(next)
                }
                _ => return,
            };
            e.prevent_default();
            command.emit(c);
        });
        let document = web_sys::window().and_then(|w| w.document());
        if let Some(d) = &document {
            let _ = d.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
        }
        move || {
            if let Some(d) = &document {
                let _ = d.remove_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
            }
            drop(listener);
        }
    });
}
