//! The pages watching `serve`, on the simulation's thread: each gets the cluster view in
//! a binary frame ([`ServeMessage::View`], [`ServeMessage::frame`]) every [`VIEW_EVERY`] and at once after a change it asked
//! for, built by the tab's own [`Picture`] with the brokers' replicas drawn straight from
//! the in-process broker nodes and the real clients' connections added
//! ([`crate::sim::picture::live::LiveView`]) with their groups as the coordinators hold
//! them ([`crate::sim::picture::described`]); the answer to each message it sends, and
//! to its log panel's requests (a replica's log, read from the in-process broker).
//! A page that reads too slowly misses views (never the simulation's time).

use super::http::PageTx;
use crate::engine::cluster::NodeId;
use crate::sim::picture::cluster::{Picture, RunInfo};
use crate::sim::picture::described::describe_groups;
use crate::sim::picture::live::{ConnectionView, LiveView, Refusal, ServeMessage};
use crate::sim::picture::log_ask::{self, parse_log_request};
use crate::sim::scenario::Scenario;
use crate::sim::serve_world::FIRST_CONNECTION_ID;
use crate::sim::Sim;
use std::collections::BTreeMap;
use std::sync::mpsc::TrySendError;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often a watching page gets a view while nothing it asked for changed.
pub const VIEW_EVERY: Duration = Duration::from_millis(250);

#[derive(Default)]
pub struct Watchers {
    pages: BTreeMap<u32, PageTx>,
    picture: Picture,
    last: Option<Instant>,
    /// A view is owed now (a page came, or a command was carried out).
    due: bool,
    /// The `client.id` of connections seen, also after they closed (a group's leader is
    /// named by its connection's), the latest [`NAMES_KEPT`].
    names: BTreeMap<NodeId, String>,
}

/// Connections whose `client.id` is remembered.
const NAMES_KEPT: usize = 10_000;

impl Watchers {
    pub fn opened(&mut self, page: u32, tx: PageTx) {
        self.pages.insert(page, tx);
        self.due = true;
    }

    pub fn closed(&mut self, page: u32) {
        self.pages.remove(&page);
    }

    /// Pages watching now.
    pub fn count(&self) -> usize {
        self.pages.len()
    }

    /// Answers a page's message; a carried-out command is followed by a view at once.
    pub fn answer(&mut self, page: u32, refusal: Option<Refusal>) {
        self.due |= refusal.is_none();
        self.send(page, ServeMessage::Answer(refusal).frame().into());
    }

    /// Answers a page's log request ([`crate::sim::picture::log_ask`]) from the broker
    /// it names, to that page only; `text` is the request as it came.
    pub fn log(&mut self, page: u32, sim: &Sim, text: &str) {
        let Some(r) = parse_log_request(text) else { return };
        let b = sim.live_node(r.broker).and_then(|n| n.view().broker());
        let answer = log_ask::answer(b, &r.topic, r.partition, r.ask);
        self.send(page, ServeMessage::Log { id: r.id, answer }.frame().into());
    }

    /// Something changed that the pages should see at once (a control line).
    pub fn changed(&mut self) {
        self.due = true;
    }

    fn send(&mut self, page: u32, frame: Arc<[u8]>) {
        if let Some(tx) = self.pages.get(&page) {
            if let Err(TrySendError::Disconnected(_)) = tx.try_send(frame) {
                self.pages.remove(&page);
            }
        }
    }

    /// Sends the view when one is due; `connections` is asked only then.
    pub fn tick(&mut self, sim: &Sim, s: &Scenario, connections: impl FnOnce() -> Vec<ConnectionView>) {
        if self.pages.is_empty() {
            // Nobody watches, but the picture keeps up, so the loop may forget read events
            // and a page that comes later still sees the groups' and producers' history.
            self.picture.absorb(sim);
            return;
        }
        let now = Instant::now();
        if !self.due && self.last.is_some_and(|at| now.duration_since(at) < VIEW_EVERY) {
            return;
        }
        self.due = false;
        self.last = Some(now);
        // A connection's node opening and closing is no broker's start or crash: the
        // connections list shows them, the feed does not.
        self.picture.feed_nodes_below = Some(FIRST_CONNECTION_ID);
        self.picture.draw_brokers(sim, 1..=s.cluster.brokers);
        // The clock is the wall clock: 1×, never paused (RunInfo is the tab driver's).
        let run = RunInfo { speed: 1.0, achieved_speed: 1.0, paused: false, error: None };
        let mut view = self.picture.view(sim, s, run);
        let connections = connections();
        for c in &connections {
            if let Some(name) = &c.client_id {
                self.names.insert(c.id, name.clone());
            }
        }
        while self.names.len() > NAMES_KEPT {
            self.names.pop_first();
        }
        // The picture names a member by its client's node: here a connection, whose
        // client.id is the name (Kafka's DescribeGroups says the same).
        for g in &mut view.groups {
            let name = g
                .leader_client
                .as_deref()
                .and_then(|n| n.parse::<NodeId>().ok())
                .and_then(|id| self.names.get(&id));
            if let Some(name) = name {
                g.leader_client = Some(name.clone());
            }
        }
        // Real consumers have no client node: their groups' members, offsets and lag come
        // from the coordinators, and the card names the coordinator the metadata names now.
        let groups = describe_groups(sim, view.groups.iter().map(|g| g.group_id.as_str()));
        for g in &mut view.groups {
            if let Some(d) = groups.iter().find(|d| d.group_id == g.group_id) {
                g.coordinator = d.coordinator;
                // The coordinator's own state, once it answers for the group (a crashed
                // coordinator's last report is not the group's state).
                if d.loaded {
                    g.state.clone_from(&d.state);
                }
                if d.loaded && d.generation >= 0 {
                    g.generation = d.generation;
                }
            }
        }
        view.live = Some(LiveView { connections, groups });
        let frame: Arc<[u8]> = ServeMessage::View(Box::new(view)).frame().into();
        let pages: Vec<u32> = self.pages.keys().copied().collect();
        for page in pages {
            self.send(page, frame.clone());
        }
    }
}
