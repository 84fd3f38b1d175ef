//! Notices a broker's worker that stopped answering (its wasm trapped, the browser
//! killed it): while the run waits on workers and none has been sent or answered
//! anything for WORKER_SILENCE_MS, the run stops with an error naming the brokers it
//! waits for, so the page says so instead of freezing silently.

use super::{wall_ms, Inner, Waiting};
use std::cell::RefCell;
use std::rc::Rc;

/// Wall ms of silence from the workers, while waiting on them, that count as dead.
const WORKER_SILENCE_MS: f64 = 20_000.0;
/// How often the watchdog looks (wall ms).
const CHECK_EVERY_MS: u32 = 2_000;

pub(super) fn arm(inner: &Rc<RefCell<Inner>>) {
    let weak = Rc::downgrade(inner);
    let timer = gloo_timers::callback::Interval::new(CHECK_EVERY_MS, move || {
        let Some(inner) = weak.upgrade() else { return };
        let Ok(mut i) = inner.try_borrow_mut() else { return };
        if i.error.is_some() || wall_ms() - i.last_worker_traffic_ms < WORKER_SILENCE_MS {
            return;
        }
        let waited: Vec<String> = match &i.waiting {
            Waiting::Nothing => return,
            Waiting::Open(left)
            | Waiting::Window { left, .. }
            | Waiting::Flush { left, .. }
            | Waiting::Leader { left, .. } => left.iter().map(u32::to_string).collect(),
        };
        let silence_s = WORKER_SILENCE_MS / 1000.0;
        i.fail(format!(
            "broker {} stopped answering for {silence_s} s: its web worker died (see the browser console); reload the page to recover from IndexedDB",
            waited.join(", ")
        ));
    });
    inner.borrow_mut().watchdog = Some(timer);
}
