//! The page's cluster driver, in the run worker (`super::super::run_worker`): it is the
//! network. It owns the simulation (the controller and the clients run here), one web
//! worker per broker, and the virtual clock. Each turn it plans a lockstep window, hands
//! every broker its share, waits for all traces, and runs the window in the global order,
//! so a run in the tab gives the CLI's journal for the same scenario, seed and commands.
//! The clock follows wall time times the chosen speed (1/1000× … 100×); pause and single
//! step stop it. User commands (crash, cut, produce …) wait for the window in progress
//! and then run at the current virtual time. Brokers persist to IndexedDB in their
//! workers, the controller from here; a reload restarts every node from what was stored.

mod check;
mod clock;
mod inspect;
mod lesson;
mod persist;
mod reset;
mod spill;
mod timeline;
mod views;
mod watchdog;
mod workers;

use super::cluster_picture::Picture;
use super::cluster_view::{ClusterCommand, ClusterView};
use super::node_protocol::{LogAnswer, NodeRequest};
use super::node_worker::NodeWorker;
use crate::engine::cluster::NodeId;
use crate::engine::store::StoreOp;
use crate::sim::cluster_world::{build_sim, declared_idle, ClusterWorld};
use crate::sim::lockstep::{Plan, Window};
use crate::sim::runner::BrokerWorld;
use crate::sim::scenario::Scenario;
use crate::sim::Sim;
use crate::storage::idb::IdbStore;
use gloo_timers::callback::Timeout;
use gloo_worker::WorkerBridge;
use persist::open;
pub use spill::JournalDigest;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::{Rc, Weak};
use yew::Callback;

/// Where trunk puts the node worker's loader (`data-bin="node_worker"`,
/// `data-loader-shim`), next to the run worker's (relative to it).
pub const NODE_WORKER_LOADER: &str = "node_worker_loader.js";
/// The node id under which the run itself (scenario, seed, virtual time) is stored.
const RUN_META_NODE: u32 = 0;
const RUN_META_NAME: &str = "run";
/// The speed control's range (virtual ms per wall ms).
pub const MIN_SPEED: f64 = 0.001;
pub const MAX_SPEED: f64 = 100.0;
/// What scripts may ask (the benchmark page runs "as fast as it goes").
const MAX_SCRIPTED_SPEED: f64 = 1e6;
/// Wall ms one turn may run windows without yielding to the page.
const TURN_BUDGET_MS: f64 = 12.0;
/// Wall ms between turns when the run is ahead of the clock, and between pictures.
const TICK_MS: u32 = 16;
const PICTURE_EVERY_MS: f64 = 120.0;
const VIEW_EVERY_MS: u32 = 100;
/// The clock never runs more than this far (in wall ms) ahead of what was simulated.
const MAX_DEBT_WALL_MS: f64 = 100.0;

fn wall_ms() -> f64 {
    js_sys::Date::now()
}

enum Waiting {
    Nothing,
    /// Workers are opening their stores.
    Open(BTreeSet<NodeId>),
    Window {
        plan: Plan,
        left: BTreeSet<NodeId>,
    },
    /// Brokers about to crash are committing their last writes.
    Flush {
        plan: Plan,
        left: BTreeSet<NodeId>,
    },
    Leader {
        left: BTreeSet<NodeId>,
        leaders: BTreeSet<NodeId>,
    },
}

struct Inner {
    me: Weak<RefCell<Inner>>,
    scenario: Scenario,
    /// What each broker worker builds its broker from (sent in `Open`).
    broker_world: BrokerWorld,
    workspace: String,
    sim: Sim,
    workers: BTreeMap<NodeId, WorkerBridge<NodeWorker>>,
    next_request: u64,
    waiting: Waiting,
    commands: Vec<ClusterCommand>,
    picture: Picture,
    /// The journal length when the brokers were last asked to draw a stopped run.
    drawn_stopped_at: usize,
    picture_at: BTreeMap<NodeId, f64>,
    speed: f64,
    paused: bool,
    step: bool,
    paused_at_end: bool,
    anchor: (f64, i64),
    achieved: (f64, i64, f64),
    error: Option<String>,
    store: Option<IdbStore>,
    writes: Vec<StoreOp>,
    writing: bool,
    run_saved_at: f64,
    on_view: Callback<ClusterView>,
    /// When the pending view is due (wall ms), if one is.
    view_due: Option<f64>,
    tick: Option<Timeout>,
    view_timer: Option<Timeout>,
    /// What drawing a view has cost the page's main thread lately (wall ms, smoothed).
    view_render_ms: f64,
    /// A worker that has loaded its script and wasm but runs no broker yet, made when a
    /// broker crashes: its restart takes it and only opens the store and recovers, so
    /// it does not wait for the code to load (a third of a lecture run's wall time).
    standby: Option<WorkerBridge<NodeWorker>>,
    /// Windows handed to workers so far: each costs one round trip (the benchmark's
    /// ceiling is virtual time / (round trips × a bare round trip)).
    worker_windows: u64,
    /// The log panel's questions to workers, by request id: (broker, who gets the answer).
    inspections: BTreeMap<u64, (NodeId, Callback<LogAnswer>)>,
    /// When a worker was last sent or answered something (wall ms), and the timer that
    /// notices a worker that stopped answering.
    last_worker_traffic_ms: f64,
    watchdog: Option<gloo_timers::callback::Interval>,
    /// The run's generation and the old run's workers a reset is closing.
    retire: reset::Retire,
    /// The journal's chunks written to IndexedDB and dropped (see `spill.rs`).
    spill: spill::Spill,
    /// Each broker worker's wasm memory as its last window's reply gave it (bytes).
    worker_wasm_bytes: BTreeMap<NodeId, u64>,
    /// The lesson the run follows (`?lesson=NAME`), if any.
    lesson: Option<lesson::LessonRun>,
    /// The run's log, branches, scrub and replays (see `timeline.rs`).
    timeline: timeline::Timeline,
    /// The last refusal of a timeline command, shown with the timeline.
    timeline_note: Option<String>,
    /// "Next group event" was asked when the timeline had this many events.
    group_event_from: Option<usize>,
}

/// A running cluster in the page; dropping it terminates its workers.
pub struct ClusterDriver {
    inner: Rc<RefCell<Inner>>,
}

impl ClusterDriver {
    /// Starts a run of `scenario` with `seed`, one worker per broker persisting to the
    /// IndexedDB workspace `workspace`, following `lesson` if given. If the workspace holds
    /// a run of the same scenario and seed, the cluster restarts from it (a reload: every
    /// node recovers), unless a share link's run is given: then the run starts afresh and
    /// replays the link's commands up to its moment.
    pub fn start(
        scenario: Scenario,
        seed: u64,
        workspace: &str,
        on_view: Callback<ClusterView>,
        lesson: Option<crate::sim::lesson::Lesson>,
        shared: Option<crate::sim::timeline::link::SharedRun>,
    ) -> Result<Self, String> {
        let broker_world = ClusterWorld::new(&scenario, seed).map_err(|e| e.to_string())?.broker_world();
        let sim = build_sim(&scenario, seed).map_err(|e| e.to_string())?;
        let inner = Rc::new_cyclic(|me| {
            RefCell::new(Inner {
                me: me.clone(),
                scenario,
                broker_world,
                workspace: workspace.to_string(),
                sim,
                workers: BTreeMap::new(),
                next_request: 1,
                waiting: Waiting::Open(BTreeSet::new()),
                commands: Vec::new(),
                picture: Picture::default(),
                drawn_stopped_at: usize::MAX,
                picture_at: BTreeMap::new(),
                speed: 1.0,
                paused: false,
                step: false,
                paused_at_end: false,
                anchor: (wall_ms(), 0),
                achieved: (wall_ms(), 0, 0.0),
                error: None,
                store: None,
                writes: Vec::new(),
                writing: false,
                run_saved_at: 0.0,
                on_view,
                view_due: None,
                tick: None,
                view_timer: None,
                view_render_ms: 0.0,
                standby: None,
                worker_windows: 0,
                inspections: BTreeMap::new(),
                last_worker_traffic_ms: wall_ms(),
                watchdog: None,
                retire: reset::Retire::default(),
                spill: spill::Spill::default(),
                worker_wasm_bytes: BTreeMap::new(),
                lesson: lesson.map(lesson::LessonRun::new),
                timeline: timeline::Timeline::default(),
                timeline_note: None,
                group_event_from: None,
            })
        });
        let wipe = shared.is_some();
        inner.borrow_mut().timeline.start_with = shared.map(|s| (s.log, s.at_ms));
        let weak = Rc::downgrade(&inner);
        wasm_bindgen_futures::spawn_local(async move { open(weak, wipe, 0).await });
        watchdog::arm(&inner);
        Ok(ClusterDriver { inner })
    }

    /// Checks `c` against the cluster now ([`crate::web::cluster_commands::check`]) and
    /// sends it if it passes; the refusal otherwise.
    pub fn try_command(&self, c: ClusterCommand) -> Result<(), crate::embed::inbound::EmbedError> {
        self.check_command(&c).map_err(crate::embed::inbound::EmbedError::Refused)?;
        self.command(c)
    }

    /// Queues `c` for the run's next turn; refused when
    /// [`crate::embed::COMMANDS_WAITING_AT_MOST`] already wait (a script or a course page
    /// that sends faster than the run takes them).
    pub fn command(&self, c: ClusterCommand) -> Result<(), crate::embed::inbound::EmbedError> {
        let mut i = self.inner.borrow_mut();
        i.timeline_refusal(&c).map_err(crate::embed::inbound::EmbedError::Refused)?;
        if i.commands.len() >= crate::embed::COMMANDS_WAITING_AT_MOST {
            return Err(crate::embed::inbound::EmbedError::QueueFull);
        }
        i.commands.push(c);
        if matches!(i.waiting, Waiting::Nothing) {
            i.turn();
        }
        Ok(())
    }

    /// Windows run with workers so far, each one round trip to them.
    pub fn worker_windows(&self) -> u64 {
        self.inner.borrow().worker_windows
    }
}

impl Drop for ClusterDriver {
    fn drop(&mut self) {
        if let Ok(mut i) = self.inner.try_borrow_mut() {
            i.workers.clear();
            i.standby = None;
            i.tick = None;
            i.view_timer = None;
            i.watchdog = None;
        }
    }
}

impl Inner {
    fn begin(&mut self, mut sim: Sim, store: IdbStore) {
        sim.set_remote(1..=self.scenario.cluster.broker_slots());
        sim.keep_persisted(true);
        self.anchor = (wall_ms(), sim.now_ms);
        self.achieved = (wall_ms(), sim.now_ms, 0.0);
        // A run resumed past its end does not stop there again.
        self.paused_at_end = sim.now_ms >= self.scenario.until_ms;
        self.sim = sim;
        // A new life of the run: its journal starts empty (persist::open cleared the
        // chunks of an earlier one).
        self.spill = spill::Spill::default();
        self.store = Some(store);
        self.picture = Picture::default();
        self.picture_at.clear();
        self.drawn_stopped_at = usize::MAX;
        // Brokers that run: the scenario's and those the page added before a reload.
        let ids: BTreeSet<NodeId> = (1..=self.scenario.cluster.broker_slots())
            .filter(|id| !declared_idle(&self.scenario, *id) || self.sim.status(*id).is_some())
            .collect();
        for id in &ids {
            self.spawn(*id);
        }
        self.waiting = Waiting::Open(ids);
        self.schedule_view();
    }

    fn fail(&mut self, detail: String) {
        self.error = Some(detail);
        self.waiting = Waiting::Nothing;
        self.tick = None;
        self.schedule_view();
    }

    /// Runs windows until the clock is reached, a worker must answer, or the turn's
    /// budget is spent.
    fn turn(&mut self) {
        self.tick = None;
        if self.error.is_some() || !matches!(self.waiting, Waiting::Nothing) {
            return;
        }
        // A replay gives its script's commands; the learner's wait until it is done, as do
        // those after a fork or a branch switch (the run starts afresh and replays first).
        if !self.timeline.replaying() {
            let mut queued = std::mem::take(&mut self.commands).into_iter();
            while let Some(c) = queued.next() {
                self.apply_command(c);
                if !matches!(self.waiting, Waiting::Nothing) {
                    self.commands.extend(queued);
                    return;
                }
            }
        }
        if self.seek_slice() {
            self.schedule_tick(0);
            return;
        }
        if self.spill.backlogged() {
            // IndexedDB is behind with the journal: run nothing until it catches up.
            self.schedule_view();
            self.schedule_tick(TICK_MS);
            return;
        }
        let started = wall_ms();
        loop {
            let stepping = self.step;
            let replaying = self.timeline.replay_until();
            if replaying.is_some() {
                self.give_due_script();
                if self.error.is_some() {
                    break;
                }
            }
            self.stop_at_group_event();
            if self.paused && !stepping && replaying.is_none() {
                self.draw_stopped();
                break;
            }
            let until = self.scenario.until_ms;
            let mut limit = match replaying {
                Some(to_ms) => to_ms.saturating_add(1),
                None if stepping => i64::MAX,
                // Next group event: as fast as the tab goes (a heartbeat is always due within the hour).
                None if self.group_event_from.is_some() => self.sim.now_ms.saturating_add(3_600_000),
                None => self.target_ms().saturating_add(1),
            };
            if !self.paused_at_end {
                limit = limit.min(until.saturating_add(1));
            }
            match self.sim.plan_window_before(limit, self.timeline.stop_key()) {
                Window::Idle if replaying.is_some() => {
                    if self.timeline.stop_key() != (i64::MAX, u64::MAX) {
                        // The next command's place is not met before the moment: the
                        // run diverged (give_due_script names how).
                        self.fail("timeline: the run diverged before the replay's moment".into());
                        break;
                    }
                    self.sim.advance_to(limit - 1);
                    self.replay_done();
                    self.draw_stopped();
                    break;
                }
                Window::Idle => {
                    if stepping {
                        self.step = false;
                        break;
                    }
                    if !self.paused_at_end && limit > until {
                        self.sim.advance_to(until);
                        self.paused_at_end = true;
                        self.paused = true;
                        self.group_event_from = None;
                        self.save_run(true);
                        self.draw_stopped();
                        break;
                    }
                    self.sim.advance_to(limit - 1);
                    self.refresh_pictures();
                    break;
                }
                Window::NeedLeader { topic, partition } => {
                    let live: BTreeSet<NodeId> = self.workers.keys().copied().collect();
                    for id in &live {
                        self.send(*id, NodeRequest::Leads { topic: topic.clone(), partition });
                    }
                    self.waiting = Waiting::Leader { left: live, leaders: BTreeSet::new() };
                    if matches!(&self.waiting, Waiting::Leader { left, .. } if left.is_empty()) {
                        self.waiting = Waiting::Nothing;
                        self.sim.resolve_leader_crash(None);
                        continue;
                    }
                    return;
                }
                Window::Run(plan) => {
                    self.step = false;
                    let crashing: BTreeSet<NodeId> =
                        plan.crashes.iter().copied().filter(|id| self.workers.contains_key(id)).collect();
                    if !crashing.is_empty() {
                        for id in &crashing {
                            // Its last picture first (answered before the flush): what
                            // it holds stays on screen, greyed, while it is down.
                            self.send(*id, NodeRequest::Picture);
                            self.send(*id, NodeRequest::Flush);
                        }
                        self.waiting = Waiting::Flush { plan, left: crashing };
                        return;
                    }
                    if plan.nodes.is_empty() {
                        self.finish(&plan);
                        if stepping || wall_ms() - started > TURN_BUDGET_MS {
                            break;
                        }
                        continue;
                    }
                    let now = wall_ms();
                    let mut left = BTreeSet::new();
                    for (id, window) in &plan.nodes {
                        // A crash dropped the worker: a restart gets a new one, which
                        // recovers from IndexedDB before it runs the window.
                        if !self.workers.contains_key(id) {
                            self.spawn(*id);
                        }
                        // A node that crashes at the window's end draws itself first: its
                        // last log stays on screen (greyed) as it was at the crash.
                        let want_picture = plan.crashes.contains(id)
                            || now - self.picture_at.get(id).copied().unwrap_or(0.0) > PICTURE_EVERY_MS;
                        self.send(*id, NodeRequest::Window { window: window.clone(), want_picture });
                        left.insert(*id);
                    }
                    self.worker_windows += 1;
                    self.waiting = Waiting::Window { plan, left };
                    return;
                }
            }
        }
        self.schedule_view();
        if !self.paused || self.step || self.timeline.replaying() {
            self.schedule_tick(if wall_ms() - started > TURN_BUDGET_MS { 0 } else { TICK_MS });
        }
    }

    /// Runs a window whose traces are all in, then carries out its crashes and writes.
    fn finish(&mut self, plan: &Plan) {
        self.sim.run_window(plan);
        for id in &plan.crashes {
            self.workers.remove(id);
            self.drop_inspections(*id);
            if let Some(last) = self.picture.replicas.remove(id) {
                self.picture.crashed_replicas.insert(*id, last);
            }
        }
        if !plan.crashes.is_empty() && self.standby.is_none() {
            self.standby = Some(self.new_worker());
        }
        self.timeline.branches.reached(self.sim.now_ms);
        let writes = self.sim.take_persisted();
        self.writes.extend(writes.into_iter().map(|(_, op)| op));
        self.spill();
        self.save_run(false);
        self.measure();
        self.schedule_view();
    }

    fn schedule_tick(&mut self, ms: u32) {
        let me = self.me.clone();
        self.tick = Some(Timeout::new(ms, move || {
            if let Some(inner) = me.upgrade() {
                inner.borrow_mut().turn();
            }
        }));
    }
}
