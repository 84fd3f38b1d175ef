//! "Start over" on a running cluster, without a trace of the old run in the new one.
//!
//! The old run's writers are the brokers' workers (their IndexedDB transactions run
//! behind their replies) and the run worker (the controller's store and the run's
//! record). A reset bumps the run's generation, forgets every queued write and command
//! of the old run, and asks each old worker to `Close`: the worker drops what it has not
//! written, waits for its transaction in flight, closes its database connection and
//! answers `Closed`; its bridge is then dropped (gloo ends the worker). Only when all
//! have answered (or after RETIRE_TIMEOUT_MS, for a worker that died) is the workspace
//! deleted and the new run opened. IndexedDB's delete waits for every open connection to
//! close, and a closed connection can never write again, so no old write lands in the
//! new run's database. Replies and controller writes of an older generation are dropped
//! where they arrive (`Inner::on_worker_output`, `flush_writes`).

use super::{open, ClusterDriver, Inner, Waiting};
use crate::web::node_protocol::{LogAnswer, NodeInput, NodeOutput, NodeReply, NodeRequest};
use crate::web::node_worker::NodeWorker;
use gloo_timers::callback::Timeout;
use gloo_worker::WorkerBridge;
use std::collections::{BTreeMap, BTreeSet};

/// How long (wall ms) a reset waits for the old workers to close their stores.
const RETIRE_TIMEOUT_MS: u32 = 5_000;

/// The run's generation and the workers of older runs still closing.
#[derive(Default)]
pub(super) struct Retire {
    /// Bumped by every reset; a worker's replies carry the generation it was made in.
    pub(super) generation: u64,
    /// Old workers asked to close, by the request id of their `Close`.
    closing: BTreeMap<u64, WorkerBridge<NodeWorker>>,
    /// A reset waits for `closing` to empty before it opens the new run.
    reopen: bool,
    timer: Option<Timeout>,
}

impl ClusterDriver {
    /// Forgets the stored run and its timeline and starts the scenario afresh (see `reset.rs`).
    pub fn reset(&self) {
        let mut i = self.inner.borrow_mut();
        i.timeline = super::timeline::Timeline::default();
        i.timeline_note = None;
        i.reset();
    }
}

impl Inner {
    /// Forgets the old run at once and closes its workers; the new run opens once they
    /// are closed ([`Inner::retired`]).
    pub(super) fn reset(&mut self) {
        self.retire.generation += 1;
        self.waiting = Waiting::Open(BTreeSet::new());
        self.tick = None;
        self.error = None;
        self.commands.clear();
        self.writes.clear();
        // The run worker's connection: closing it lets the delete proceed once its
        // transaction in flight (if any) is done; that transaction's end is ignored.
        self.store = None;
        self.writing = false;
        self.standby = None;
        self.picture = Default::default();
        self.picture_at.clear();
        for (_, (node, on_answer)) in std::mem::take(&mut self.inspections) {
            on_answer.emit(LogAnswer::Refused(format!("broker {node}: the run was started over")));
        }
        for (_, bridge) in std::mem::take(&mut self.workers) {
            let id = self.next_request;
            self.next_request += 1;
            bridge.send(NodeInput { id, request: NodeRequest::Close });
            self.retire.closing.insert(id, bridge);
        }
        self.last_worker_traffic_ms = super::wall_ms();
        self.retire.reopen = true;
        let me = self.me.clone();
        self.retire.timer = Some(Timeout::new(RETIRE_TIMEOUT_MS, move || {
            if let Some(inner) = me.upgrade() {
                let mut i = inner.borrow_mut();
                // A worker that did not answer has died; its connection, if any, is
                // closed by the delete's versionchange before the delete goes on.
                i.retire.closing.clear();
                i.retired();
            }
        }));
        self.retired();
    }

    /// A worker's reply: an old worker's `Closed` ends it; other replies count only if
    /// the worker belongs to this run's generation.
    pub(super) fn on_worker_output(&mut self, generation: u64, out: NodeOutput) {
        if matches!(out.reply, NodeReply::Closed) {
            self.retire.closing.remove(&out.id);
            self.retired();
        } else if generation == self.retire.generation {
            self.on_reply(out);
        }
    }

    /// Opens the new run once no old worker is left.
    fn retired(&mut self) {
        if !self.retire.reopen || !self.retire.closing.is_empty() {
            return;
        }
        self.retire.reopen = false;
        self.retire.timer = None;
        let weak = self.me.clone();
        let generation = self.retire.generation;
        wasm_bindgen_futures::spawn_local(async move { open(weak, true, generation).await });
    }
}
