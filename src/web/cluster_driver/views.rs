//! What the driver shows and when: fresh replica pictures from the brokers (when a run
//! stops, or goes stale while idle), the achieved speed, and a view for the page while
//! the run goes (within a frame after a command or pause). Views come every
//! VIEW_EVERY_MS, or less often when drawing one costs more than a third of that: the
//! page reports what each cost its main thread, Yew's work and the browser's style,
//! layout and paint ([`super::ClusterDriver::drawn`]), so drawing keeps at most about a
//! third of it. They never come less often than MAX_VIEW_EVERY_MS, nor further
//! apart than MAX_VIEW_APART_VIRTUAL_MS of virtual time: at 100× a learner still sees
//! every few seconds of the run.

use super::{wall_ms, Inner, MIN_SPEED, PICTURE_EVERY_MS, TICK_MS, VIEW_EVERY_MS};
use crate::engine::cluster::NodeId;
use crate::web::cluster_picture::RunInfo;
use crate::web::node_protocol::NodeRequest;
use gloo_timers::callback::Timeout;

impl Inner {
    pub(super) fn measure(&mut self) {
        let now = wall_ms();
        let (since, from_ms, _) = self.achieved;
        if now - since >= 1000.0 {
            let rate = (self.sim.now_ms - from_ms) as f64 / (now - since);
            self.achieved = (now, self.sim.now_ms, rate);
        }
    }

    /// A stopped run (paused, at its end, after a step) is looked at closely: every live
    /// broker draws its replicas once more, since its last picture may be up to
    /// PICTURE_EVERY_MS of wall time (seconds of virtual time at 100x) old.
    pub(super) fn draw_stopped(&mut self) {
        let progress = self.sim.journal_len();
        if self.drawn_stopped_at == progress {
            return;
        }
        self.drawn_stopped_at = progress;
        let now = wall_ms();
        let live: Vec<NodeId> = self.workers.keys().copied().collect();
        for id in live {
            self.picture_at.insert(id, now);
            self.send(id, NodeRequest::Picture);
        }
    }

    /// Asks for fresh replicas from brokers whose picture is stale (idle runs).
    pub(super) fn refresh_pictures(&mut self) {
        let now = wall_ms();
        let stale: Vec<NodeId> = self
            .workers
            .keys()
            .copied()
            .filter(|id| now - self.picture_at.get(id).copied().unwrap_or(0.0) > PICTURE_EVERY_MS * 4.0)
            .collect();
        for id in stale {
            self.picture_at.insert(id, now);
            self.send(id, NodeRequest::Picture);
        }
    }

    /// A fresh view soon: within a frame after a command, a pause or an error; at the
    /// cadence of [`Inner::view_every_ms`] while the run goes (drawing must not starve it).
    pub(super) fn schedule_view(&mut self) {
        self.schedule_view_in(self.paused || self.error.is_some());
    }

    /// Wall ms between views while the run goes: see the module's comment.
    fn view_every_ms(&self) -> u32 {
        let drawing_ms = self.view_render_ms;
        let rate = if self.achieved.2 > 0.0 { self.achieved.2 } else { self.speed };
        let floor = f64::from(VIEW_EVERY_MS);
        let ceiling =
            (MAX_VIEW_APART_VIRTUAL_MS / rate.max(MIN_SPEED)).clamp(floor, f64::from(MAX_VIEW_EVERY_MS));
        (3.0 * drawing_ms).clamp(floor, ceiling) as u32
    }

    pub(super) fn schedule_view_in(&mut self, soon: bool) {
        let delay = if soon { TICK_MS } else { self.view_every_ms() };
        let deadline = wall_ms() + f64::from(delay);
        if self.view_due.is_some_and(|due| due <= deadline) {
            return;
        }
        self.view_due = Some(deadline);
        let me = self.me.clone();
        self.view_timer = Some(Timeout::new(delay, move || {
            let Some(inner) = me.upgrade() else { return };
            let (view, on_view) = {
                let mut i = inner.borrow_mut();
                i.view_due = None;
                let run = || RunInfo {
                    speed: i.speed,
                    achieved_speed: i.achieved.2,
                    paused: i.paused,
                    error: i.error.clone(),
                };
                let (live_run, looked_run) = (run(), run());
                let i = &mut *i;
                i.lesson_observe();
                // The live picture keeps up even while an earlier moment is shown.
                let live = i.picture.view(&i.sim, &i.scenario, live_run);
                let mut view = i.looked_view(looked_run).unwrap_or(live);
                view.timeline = Some(i.timeline_view());
                view.lesson = i.lesson.as_ref().map(|r| r.progress());
                // The picture has read everything new: it may be spilled and dropped.
                i.mark_read();
                (view, i.on_view.clone())
            };
            on_view.emit(view);
        }));
    }
}

/// Views may come this rarely when drawing is dear, but no rarer, in wall and in
/// virtual time.
const MAX_VIEW_EVERY_MS: u32 = 300;
const MAX_VIEW_APART_VIRTUAL_MS: f64 = 2000.0;

impl super::ClusterDriver {
    /// The page drew a view in `ms` (its main thread's whole frame, reported by the
    /// page); the driver keeps a smoothed cost.
    pub fn drawn(&self, ms: f64) {
        if let Ok(mut i) = self.inner.try_borrow_mut() {
            i.view_render_ms = 0.7 * i.view_render_ms + 0.3 * ms.clamp(0.0, 10_000.0);
        }
    }
}
