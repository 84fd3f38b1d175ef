//! A cluster node's web worker: one broker per worker, run by a [`NodeRunner`] in
//! lockstep with the run worker. Requests are handled strictly in order. A window's
//! writes are committed to IndexedDB behind its reply by one writer, in order, batching
//! whatever piled up into one transaction, at most one transaction per WRITE_EVERY_MS
//! (a window is often a millisecond of virtual time: a transaction each would cost the
//! run more than the window). The page asks for a flush before it kills a worker (a
//! crash), so a restarted worker recovers exactly the store the simulation keeps, and
//! for a picture when the run stops, which commits at once. A page reload may lose the
//! last unflushed writes, as a power cut loses a broker's page cache: the log recovers
//! to a clean prefix. A reset closes the worker's store for good (`Close`) before the
//! page deletes the workspace, so no write of the old run lands in the new one.
//!
//! The worker keeps the broker's log once: the engine holds its segments, IndexedDB the
//! durable copy, and the runner's store, once the node is built from it, only segment
//! lengths and meta, which is all that decides whether a write is accepted (issue 12's
//! memory bound). A crash ends the worker (the restart opens a new one from IndexedDB);
//! should a restart ever come to a live worker, it flushes and reloads IndexedDB first.
//!
//! The worker builds only brokers ([`BrokerWorld`], from the config `Open` carries): the
//! scenario parser, the controller and the clients stay out of its wasm (page weight).

use super::node_protocol::{wasm_memory_bytes, NodeInput, NodeOutput, NodeReply, NodeRequest};
use super::serial::Serial;
use crate::engine::replica::view::RECORDS_PER_REPLICA;
use crate::engine::replica::BrokerNode;
use crate::sim::runner::{BrokerWorld, NodeRunner};
use crate::storage::idb::IdbStore;
use crate::storage::memory::MemoryStore;
use crate::{engine::store::StoreOp, storage::LogStore};
use gloo_timers::callback::Timeout;
use gloo_worker::{HandlerId, Worker, WorkerScope};
use std::cell::RefCell;
use std::rc::Rc;

/// Wall ms between the starts of two IndexedDB transactions while a run goes.
const WRITE_EVERY_MS: f64 = 100.0;

#[derive(Default)]
struct Inner {
    runner: Option<NodeRunner>,
    world: Option<BrokerWorld>,
    store: Option<IdbStore>,
    node_id: u32,
    /// Writes not yet handed to IndexedDB, and whether the writer is busy.
    unwritten: Vec<StoreOp>,
    writing: bool,
    write_error: Option<String>,
    /// When the last transaction started (wall ms), and the timer for the next one.
    written_at_ms: f64,
    write_timer: Option<Timeout>,
    /// A flush or a stopped run: write everything now, back to back.
    urgent: bool,
    /// The run was started over (`Close`): nothing is written any more.
    closed: bool,
}

pub struct NodeWorker {
    inner: Rc<RefCell<Inner>>,
    serial: Serial<NodeWorker>,
}

impl Worker for NodeWorker {
    type Message = ();
    type Input = NodeInput;
    type Output = NodeOutput;

    fn create(_scope: &WorkerScope<Self>) -> Self {
        NodeWorker { inner: Rc::new(RefCell::new(Inner::default())), serial: Serial::default() }
    }

    fn update(&mut self, _scope: &WorkerScope<Self>, _msg: Self::Message) {}

    fn received(&mut self, scope: &WorkerScope<Self>, msg: Self::Input, who: HandlerId) {
        let inner = self.inner.clone();
        self.serial.push(scope, who, msg, move |input: NodeInput| {
            let inner = inner.clone();
            async move {
                let reply = handle(&inner, input.request).await;
                let node_id = inner.borrow().node_id;
                NodeOutput { id: input.id, node_id, reply }
            }
        });
    }
}

fn broker(runner: &NodeRunner) -> Option<&BrokerNode> {
    runner.node()?.view().broker()
}

async fn handle(inner: &Rc<RefCell<Inner>>, request: NodeRequest) -> NodeReply {
    match request {
        NodeRequest::Open { workspace, config, node_id } => {
            let world = BrokerWorld { config };
            match open(&workspace, node_id).await {
                Ok((store, memory, segments_loaded)) => {
                    let mut i = inner.borrow_mut();
                    i.node_id = node_id;
                    i.world = Some(world);
                    i.store = Some(store);
                    i.runner = Some(NodeRunner::new(node_id, memory).lengths_only_once_built());
                    NodeReply::Opened { segments_loaded }
                }
                Err(detail) => NodeReply::Failed { detail },
            }
        }
        NodeRequest::Window { window, want_picture } => {
            let reload = inner.borrow().runner.as_ref().is_some_and(|r| r.needs_bytes_for(&window));
            if reload {
                if let Err(detail) = reload_store(inner).await {
                    return NodeReply::Failed { detail };
                }
            }
            let mut guard = inner.borrow_mut();
            let i = &mut *guard;
            if let Some(e) = i.write_error.clone() {
                return NodeReply::Failed { detail: e };
            }
            let (Some(runner), Some(world)) = (i.runner.as_mut(), i.world.as_ref()) else {
                return NodeReply::Failed { detail: "the node's store is not open yet".into() };
            };
            let run = runner.run_window(world, window);
            let picture =
                if want_picture { broker(runner).map(|b| b.picture(RECORDS_PER_REPLICA)) } else { None };
            i.unwritten.extend(run.persisted);
            drop(guard);
            start_writer(inner, false);
            NodeReply::Ran { trace: run.trace, picture, wasm_bytes: wasm_memory_bytes() }
        }
        NodeRequest::Flush => match flush(inner).await {
            Ok(()) => NodeReply::Flushed,
            Err(detail) => NodeReply::Failed { detail },
        },
        NodeRequest::Leads { topic, partition } => {
            let i = inner.borrow();
            let leads = i
                .runner
                .as_ref()
                .and_then(broker)
                .and_then(|b| b.replica_state(&topic, partition))
                .is_some_and(|v| v.is_leader);
            NodeReply::Leads(leads)
        }
        NodeRequest::Inspect { topic, partition, ask } => {
            let i = inner.borrow();
            let b = i.runner.as_ref().and_then(broker);
            NodeReply::Inspected(crate::sim::picture::log_ask::answer(b, &topic, partition, ask))
        }
        NodeRequest::Close => {
            {
                let mut i = inner.borrow_mut();
                i.closed = true;
                i.unwritten.clear();
                i.write_timer = None;
                i.runner = None;
            }
            // The transaction in flight ends (committed or not) before the store is
            // closed, so the page's delete of the workspace comes after it.
            while inner.borrow().writing {
                gloo_timers::future::TimeoutFuture::new(1).await;
            }
            inner.borrow_mut().store = None;
            NodeReply::Closed
        }
        NodeRequest::Picture => {
            // The run stopped (or idles): what it wrote goes to IndexedDB now.
            start_writer(inner, true);
            let i = inner.borrow();
            NodeReply::Picture(
                i.runner
                    .as_ref()
                    .and_then(broker)
                    .map(|b| b.picture(RECORDS_PER_REPLICA))
                    .unwrap_or_default(),
            )
        }
    }
}

/// Commits every write so far, back to back; answers once IndexedDB holds them all.
async fn flush(inner: &Rc<RefCell<Inner>>) -> Result<(), String> {
    start_writer(inner, true);
    loop {
        {
            let i = inner.borrow();
            if let Some(e) = i.write_error.clone() {
                return Err(e);
            }
            if !i.writing && i.unwritten.is_empty() {
                return Ok(());
            }
        }
        gloo_timers::future::TimeoutFuture::new(1).await;
    }
}

/// The runner's store again with its segment bytes, from IndexedDB once every write so
/// far is committed there: what a new worker would open (a restart in a live worker).
async fn reload_store(inner: &Rc<RefCell<Inner>>) -> Result<(), String> {
    flush(inner).await?;
    let (store, node_id) = {
        let mut i = inner.borrow_mut();
        (i.store.take().ok_or("the node's store is not open")?, i.node_id)
    };
    // Nothing is left to write (flushed) and requests run one at a time, so no writer
    // needs the store while it is lent out here.
    let loaded = load(&store, node_id).await;
    let mut i = inner.borrow_mut();
    i.store = Some(store);
    let (memory, _) = loaded?;
    if let Some(runner) = i.runner.as_mut() {
        runner.store = memory;
    }
    Ok(())
}

/// Commits the piled-up writes in one transaction, then looks again: at once while
/// `now` (a flush, a stopped run) asked for it and writes are left, else once
/// WRITE_EVERY_MS has passed since the last transaction began.
fn start_writer(inner: &Rc<RefCell<Inner>>, now: bool) {
    let (ops, mut store) = {
        let mut i = inner.borrow_mut();
        i.urgent |= now;
        if i.writing || i.write_error.is_some() || i.closed {
            return;
        }
        if i.unwritten.is_empty() {
            i.urgent = false;
            return;
        }
        let wait_ms = i.written_at_ms + WRITE_EVERY_MS - js_sys::Date::now();
        if !i.urgent && wait_ms > 0.0 {
            if i.write_timer.is_none() {
                let later = inner.clone();
                i.write_timer = Some(Timeout::new(wait_ms.ceil() as u32, move || {
                    later.borrow_mut().write_timer = None;
                    start_writer(&later, false);
                }));
            }
            return;
        }
        let Some(store) = i.store.take() else {
            i.write_error = Some("the node's store is not open".into());
            return;
        };
        i.write_timer = None;
        i.writing = true;
        i.written_at_ms = js_sys::Date::now();
        (std::mem::take(&mut i.unwritten), store)
    };
    let inner = inner.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let result = store.apply(&ops).await;
        {
            let mut i = inner.borrow_mut();
            i.store = Some(store);
            i.writing = false;
            if let Err(e) = result {
                i.write_error = Some(e.to_string());
            }
        }
        start_writer(&inner, false);
    });
}

/// Opens the workspace and copies everything node `node_id` stored into memory.
async fn open(workspace: &str, node_id: u32) -> Result<(IdbStore, MemoryStore, u32), String> {
    let store = IdbStore::open(workspace).await.map_err(|e| e.to_string())?;
    let (memory, count) = load(&store, node_id).await?;
    Ok((store, memory, count))
}

/// Everything node `node_id` stored in `store`, in memory, and how many segments.
async fn load(store: &IdbStore, node_id: u32) -> Result<(MemoryStore, u32), String> {
    let mut ops = Vec::new();
    let segments = store.list_segments(node_id).await.map_err(|e| e.to_string())?;
    let count = segments.len() as u32;
    for segment in segments {
        let bytes = store.read(&segment, 0, u32::MAX).await.map_err(|e| e.to_string())?;
        ops.push(StoreOp::Append { segment, position: 0, bytes: bytes.into() });
    }
    for (name, value) in store.list_meta(node_id).await.map_err(|e| e.to_string())? {
        ops.push(StoreOp::PutMeta { broker_id: node_id, name, value });
    }
    let mut memory = MemoryStore::default();
    memory.apply_now(&ops).map_err(|e| e.to_string())?;
    Ok((memory, count))
}
