//! The help of a replica strip's offsets and records, built when the strip is pointed at
//! or focused rather than written into every view: the high watermark, last stable
//! offset, log start and log end offset move at every view under load, and every drawn
//! record is new (BENCHMARKS.md, "Frames in the tab"), so their long texts would be
//! rebuilt and set on the DOM many times a second for nobody. An element names what it
//! explains with `data-explain` (`hw`, `lso`, `log-start`, `leo`) or is a record cell
//! (`.record[data-offset]`); marks whose help rarely changes keep it in `data-help`.

use crate::engine::replica::view::ReplicaPicture;
use crate::ui::cluster::record::{record_help, RecordPlace};
use crate::ui::i18n::{Lang, T};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The help shown under the strip: its text, and whether it is built here (the element's
/// accessible name is only its short text, so the help is announced when it is focused).
pub type Shown = Option<(String, bool)>;

/// The help of the offset mark named `what` on `r`.
pub fn mark_help(lang: Lang, r: &ReplicaPicture, what: &str) -> Option<String> {
    let t = |x: T| x.get(lang);
    let lso_help = format!("LSO {} — {}", r.last_stable_offset, t(T::LastStableHelp));
    Some(match what {
        // The last stable offset is drawn only where it parts from the high watermark (an open
        // transaction holds it back); it is always told in the high watermark's help.
        "hw" => format!("HW {} — {} {lso_help}", r.high_watermark, t(T::HighWatermarkHelp)),
        "lso" => lso_help,
        "log-start" => format!("{} {} — {}", t(T::LogStartShort), r.log_start_offset, t(T::LogStartHelp)),
        "leo" => format!("LEO {} — {}", r.log_end_offset, t(T::LogEndHelp)),
        _ => return None,
    })
}

/// The help of `el` (or the nearest element around it that has one) in the strip of `r`.
fn help_of_element(el: &web_sys::Element, r: &ReplicaPicture, place: &RecordPlace) -> Shown {
    let nearest = |selector: &str| el.closest(selector).ok().flatten();
    if let Some(help) = nearest("[data-help]").and_then(|h| h.get_attribute("data-help")) {
        return Some((help, false));
    }
    if let Some(what) = nearest("[data-explain]").and_then(|h| h.get_attribute("data-explain")) {
        return mark_help(place.lang, r, &what).map(|h| (h, true));
    }
    let offset: i64 = nearest(".record[data-offset]")?.get_attribute("data-offset")?.parse().ok()?;
    let i = r.records.iter().position(|x| x.offset == offset)?;
    let txn = crate::sim::picture::txn::txn_statuses(&r.records).get(i).copied().flatten();
    Some((record_help(place, &r.records[i], txn), true))
}

/// Shows in `slot` the help of the element under the pointer (or focused).
pub fn help_of<E: AsRef<web_sys::Event> + 'static>(
    slot: UseStateHandle<Shown>,
    replica: Rc<ReplicaPicture>,
    place: RecordPlace,
) -> Callback<E> {
    Callback::from(move |e: E| {
        let Some(el) = e.as_ref().target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
            return;
        };
        let help = help_of_element(&el, &replica, &place);
        if *slot != help {
            slot.set(help);
        }
    })
}

pub fn clear<E: 'static>(slot: UseStateHandle<Shown>) -> Callback<E> {
    Callback::from(move |_: E| slot.set(None))
}
