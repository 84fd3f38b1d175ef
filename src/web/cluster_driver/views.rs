//! What the driver shows and when: fresh replica pictures from the brokers (when a run
//! stops, or goes stale while idle), the achieved speed, and a view for the page at
//! most every VIEW_EVERY_MS while the run goes (within a frame after a command or pause).

use super::{wall_ms, Inner, PICTURE_EVERY_MS, TICK_MS, VIEW_EVERY_MS};
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

    /// A fresh view soon: within a frame after a command, a pause or an error; at most
    /// every [`VIEW_EVERY_MS`] while the run goes (drawing must not starve the run).
    pub(super) fn schedule_view(&mut self) {
        self.schedule_view_in(self.paused || self.error.is_some());
    }

    pub(super) fn schedule_view_in(&mut self, soon: bool) {
        let delay = if soon { TICK_MS } else { VIEW_EVERY_MS };
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
                let run = RunInfo {
                    speed: i.speed,
                    achieved_speed: i.achieved.2,
                    paused: i.paused,
                    error: i.error.clone(),
                };
                let i = &mut *i;
                (i.picture.view(&i.sim, &i.scenario, run), i.on_view.clone())
            };
            on_view.emit(view);
        }));
    }
}
