//! The window's `message` listener: the browser side of [`crate::embed`] (the protocol,
//! its validation and its events live there, sans DOM). Takes messages only from the
//! allowed origins (`?embed_origin=`, [`AllowedOrigins`]; others are ignored, counted in
//! `window.kafkaPlaygroundEmbedIgnored()` and logged), answers each one to its sender,
//! and posts the ready handshake and the run's state changes to the parent window, to
//! each allowed origin by name.

use crate::embed::inbound::{self, lesson_target, EmbedError, Inbound, InboundBody};
use crate::embed::origins::AllowedOrigins;
use crate::embed::outbound::{self, Outbound, Snapshot};
use crate::sim::lesson::outline::LessonOutline;
use crate::web::cluster_view::{ClusterCommand, ClusterView};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Messages from origins that are not allowed, logged one by one up to this many.
const IGNORED_LOGGED_AT_MOST: u64 = 10;

/// Checks a command against the run and sends it (or queues it until the run starts);
/// the reply gets Kafka's refusal ([`EmbedError::Refused`]) or a full queue otherwise
/// (a moment later: the run is in its worker).
pub type Submit = Rc<dyn Fn(ClusterCommand, Box<dyn FnOnce(Result<(), EmbedError>)>)>;

/// The window's `message` listener.
type Listener = Closure<dyn Fn(JsValue)>;

/// The page's end of the course page's channel.
pub struct EmbedPort {
    allowed: AllowedOrigins,
    submit: Submit,
    /// The lesson the run follows, once its file is loaded.
    pub lesson: RefCell<Option<LessonOutline>>,
    /// The latest view (the run takes commands once there is one).
    latest: RefCell<Option<Rc<ClusterView>>>,
    /// What the last events were told from.
    told: RefCell<Option<Snapshot>>,
    ignored: Cell<u64>,
    listener: RefCell<Option<Listener>>,
}

fn field(v: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(v, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// `target.postMessage(message, origin)` on a window object (the sender or the parent).
fn post(target: &JsValue, message: &Outbound, origin: &str) {
    let Ok(data) = js_sys::JSON::parse(&message.to_json()) else { return };
    let Some(f) = field(target, "postMessage").dyn_into::<js_sys::Function>().ok() else { return };
    if let Err(e) = f.call2(target, &data, &JsValue::from_str(origin)) {
        web_sys::console::warn_2(&"embed: could not post".into(), &e);
    }
}

/// The parent window, when the page is embedded (none when it is the top window).
fn parent() -> Option<JsValue> {
    let w = web_sys::window()?;
    let parent: JsValue = w.parent().ok().flatten()?.into();
    let me: JsValue = w.into();
    (!js_sys::Object::is(&parent, &me)).then_some(parent)
}

impl EmbedPort {
    /// Starts listening. The allowed origins come from `?embed_origin=` (a bad one is
    /// logged, and only the page's own origin is allowed).
    pub fn listen(submit: Submit) -> Rc<EmbedPort> {
        let own = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
        let param = crate::ui::query_param("embed_origin");
        let allowed = AllowedOrigins::parse(param.as_deref(), &own).unwrap_or_else(|e| {
            web_sys::console::error_1(&format!("{e}: only this page's own origin may talk to it").into());
            AllowedOrigins::own(&own)
        });
        let port = Rc::new(EmbedPort {
            allowed,
            submit,
            lesson: RefCell::new(None),
            latest: RefCell::new(None),
            told: RefCell::new(None),
            ignored: Cell::new(0),
            listener: RefCell::new(None),
        });
        let weak = Rc::downgrade(&port);
        let listener = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
            if let Some(port) = weak.upgrade() {
                port.on_message(&event);
            }
        });
        if let Some(w) = web_sys::window() {
            let _ = w.add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
            let weak = Rc::downgrade(&port);
            let ignored = Closure::<dyn Fn() -> f64>::new(move || {
                weak.upgrade().map_or(0.0, |p| p.ignored.get() as f64)
            });
            let _ =
                js_sys::Reflect::set(&w, &JsValue::from_str("kafkaPlaygroundEmbedIgnored"), ignored.as_ref());
            ignored.forget();
        }
        *port.listener.borrow_mut() = Some(listener);
        port
    }

    /// Stops listening (the page's run ends).
    pub fn close(&self) {
        if let (Some(w), Some(l)) = (web_sys::window(), self.listener.borrow_mut().take()) {
            let _ = w.remove_event_listener_with_callback("message", l.as_ref().unchecked_ref());
        }
    }

    fn on_message(&self, event: &JsValue) {
        let origin = field(event, "origin").as_string().unwrap_or_default();
        if !self.allowed.allows(&origin) {
            let n = self.ignored.get() + 1;
            self.ignored.set(n);
            if n <= IGNORED_LOGGED_AT_MOST {
                web_sys::console::warn_1(
                    &format!("embed: ignored a message from {origin}: not an allowed origin (embed_origin)")
                        .into(),
                );
            }
            return;
        }
        let data = field(event, "data");
        let text = match data.as_string() {
            Some(t) => Ok(t),
            None => js_sys::JSON::stringify(&data)
                .ok()
                .and_then(|s| s.as_string())
                .ok_or_else(|| EmbedError::NotJson("the data cannot be written as JSON".into())),
        };
        let source = field(event, "source");
        let to = if matches!(self.allowed, AllowedOrigins::Any) { "*".to_string() } else { origin };
        let answer = move |answer: Outbound| {
            if !source.is_null() && !source.is_undefined() {
                post(&source, &answer, &to);
            }
        };
        match text.map_err(|e| (None, e)).and_then(|t| inbound::parse(&t)) {
            Ok(m) => self.take(m, Box::new(answer)),
            // An answer or an event (this page's to itself, another playground's): answering
            // it would start two pages answering each other.
            Err((_, EmbedError::OwnMessage)) => {}
            Err((id, e)) => answer(Outbound::error(id, &e)),
        }
    }

    /// Carries out `m`; `answer` gets the answer to its sender.
    fn take(&self, m: Inbound, answer: Box<dyn FnOnce(Outbound)>) {
        let id = m.id;
        let done: Box<dyn FnOnce(Result<(), EmbedError>)> = Box::new(move |done| {
            answer(match done {
                Ok(()) => Outbound::Accepted { id },
                Err(e) => Outbound::error(id, &e),
            })
        });
        match m.body {
            InboundBody::Hello => {
                if let Some(v) = self.latest.borrow().clone() {
                    self.post_out(&outbound::ready(&v, self.lesson.borrow().as_ref()));
                }
                done(Ok(()))
            }
            InboundBody::Command(c) => (self.submit)(c, done),
            InboundBody::Lesson(go) => {
                let progress = self.latest.borrow().as_ref().and_then(|v| v.lesson);
                let steps = self.lesson.borrow().as_ref().map(|l| l.steps.len());
                match lesson_target(go, progress, steps) {
                    Ok(step) => (self.submit)(ClusterCommand::LessonStep(step), done),
                    Err(e) => done(Err(e)),
                }
            }
        }
    }

    /// Posts to the parent window, to each allowed origin.
    fn post_out(&self, message: &Outbound) {
        let Some(parent) = parent() else { return };
        for origin in self.allowed.targets() {
            post(&parent, message, &origin);
        }
    }

    /// A new view: the ready handshake with the first, the state changes after.
    pub fn on_view(&self, view: &Rc<ClusterView>) {
        *self.latest.borrow_mut() = Some(view.clone());
        let now = Snapshot::of(view);
        let lesson = self.lesson.borrow();
        let before = self.told.borrow_mut().replace(now.clone());
        match before {
            None => self.post_out(&outbound::ready(view, lesson.as_ref())),
            Some(before) => {
                for e in outbound::changes(&before, &now, lesson.as_ref()) {
                    self.post_out(&e);
                }
            }
        }
    }
}
