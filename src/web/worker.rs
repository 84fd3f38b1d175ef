//! The broker worker: one [`Broker`] per web worker, persisting to IndexedDB. Requests
//! are handled strictly one after another: the broker answers at once (it is pure), then
//! its writes are applied in one IndexedDB transaction, and only then is the reply sent,
//! so an acknowledged record is durable.

use super::protocol::{
    WorkerInput, WorkerOutput, WorkerReply, WorkerRequest, SNAPSHOT_RECORDS_PER_PARTITION,
};
use super::serial::Serial;
use crate::engine::broker::Broker;
use crate::storage::idb::IdbStore;
use crate::storage::{LogStore, SegmentId};
use gloo_worker::{HandlerId, Worker, WorkerScope};
use std::cell::RefCell;
use std::rc::Rc;

#[derive(Default)]
struct Inner {
    broker: Option<Broker>,
    store: Option<IdbStore>,
    workspace: String,
}

pub struct BrokerWorker {
    inner: Rc<RefCell<Inner>>,
    serial: Serial<BrokerWorker>,
}

impl Worker for BrokerWorker {
    type Message = ();
    type Input = WorkerInput;
    type Output = WorkerOutput;

    fn create(_scope: &WorkerScope<Self>) -> Self {
        BrokerWorker { inner: Rc::new(RefCell::new(Inner::default())), serial: Serial::default() }
    }

    fn update(&mut self, _scope: &WorkerScope<Self>, _msg: Self::Message) {}

    fn received(&mut self, scope: &WorkerScope<Self>, msg: Self::Input, who: HandlerId) {
        let inner = self.inner.clone();
        self.serial.push(scope, who, msg, move |input: WorkerInput| {
            let inner = inner.clone();
            async move { handle(&inner, input).await }
        });
    }
}

fn output(id: u64, reply: WorkerReply, broker: Option<&mut Broker>) -> WorkerOutput {
    match broker {
        Some(b) => WorkerOutput {
            id,
            reply,
            events: b.take_events(),
            snapshot: Some(b.snapshot(SNAPSHOT_RECORDS_PER_PARTITION)),
        },
        None => WorkerOutput { id, reply, events: Vec::new(), snapshot: None },
    }
}

async fn handle(inner: &Rc<RefCell<Inner>>, input: WorkerInput) -> WorkerOutput {
    let id = input.id;
    match input.request {
        WorkerRequest::Open { workspace, broker_id, now_ms } => {
            match open(&workspace, broker_id, now_ms).await {
                Ok((mut broker, store, segments_loaded)) => {
                    let ops = broker.take_store_ops();
                    let mut store = store;
                    let persisted = store.apply(&ops).await;
                    let mut i = inner.borrow_mut();
                    i.workspace = workspace;
                    i.store = Some(store);
                    i.broker = Some(broker);
                    let reply = match persisted {
                        Ok(()) => WorkerReply::Opened { segments_loaded },
                        Err(e) => WorkerReply::Failed { detail: e.to_string() },
                    };
                    output(id, reply, i.broker.as_mut())
                }
                Err(detail) => output(id, WorkerReply::Failed { detail }, None),
            }
        }
        WorkerRequest::Broker { now_ms, request } => {
            let (response, ops, store) = {
                let mut i = inner.borrow_mut();
                let Some(broker) = i.broker.as_mut() else {
                    return output(
                        id,
                        WorkerReply::Failed { detail: "the broker is not open yet".into() },
                        None,
                    );
                };
                let response = broker.handle(now_ms, request);
                (response, broker.take_store_ops(), i.store.take())
            };
            let mut reply = WorkerReply::Answered { response };
            if let Some(mut store) = store {
                if let Err(e) = store.apply(&ops).await {
                    reply = WorkerReply::Failed { detail: e.to_string() };
                }
                inner.borrow_mut().store = Some(store);
            }
            let mut i = inner.borrow_mut();
            output(id, reply, i.broker.as_mut())
        }
        WorkerRequest::Reset { now_ms } => {
            let (workspace, broker_id) = {
                let mut i = inner.borrow_mut();
                i.store = None;
                let broker_id = i.broker.take().map_or(1, |b| b.broker_id);
                (i.workspace.clone(), broker_id)
            };
            if let Err(e) = IdbStore::delete_workspace(&workspace).await {
                return output(id, WorkerReply::Failed { detail: e.to_string() }, None);
            }
            match open(&workspace, broker_id, now_ms).await {
                Ok((broker, store, segments_loaded)) => {
                    let mut i = inner.borrow_mut();
                    i.store = Some(store);
                    i.broker = Some(broker);
                    output(id, WorkerReply::Opened { segments_loaded }, i.broker.as_mut())
                }
                Err(detail) => output(id, WorkerReply::Failed { detail }, None),
            }
        }
    }
}

/// Opens the workspace and recovers the broker from everything stored for it.
async fn open(workspace: &str, broker_id: u32, now_ms: i64) -> Result<(Broker, IdbStore, u32), String> {
    let store = IdbStore::open(workspace).await.map_err(|e| e.to_string())?;
    let ids: Vec<SegmentId> = store.list_segments(broker_id).await.map_err(|e| e.to_string())?;
    let mut segments = Vec::with_capacity(ids.len());
    for id in ids {
        let bytes = store.read(&id, 0, u32::MAX).await.map_err(|e| e.to_string())?;
        segments.push((id, bytes));
    }
    let count = segments.len() as u32;
    let meta = store.list_meta(broker_id).await.map_err(|e| e.to_string())?;
    Ok((Broker::recover(broker_id, &meta, segments, now_ms), store, count))
}
