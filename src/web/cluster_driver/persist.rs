//! The run's persistence from the run worker: opening the workspace (resume the stored
//! run of this scenario and seed, or start afresh), the run's own record for a reload,
//! and the controller's writes and the spilled journal chunks to IndexedDB, one
//! transaction at a time, in order.

use super::spill::{journal_chunks_in, JOURNAL_NODE};
use super::{wall_ms, Inner, RUN_META_NAME, RUN_META_NODE};
use crate::engine::cluster::CONTROLLER_ID;
use crate::sim::cluster_world::{build_sim, build_sim_resumed, declared_idle};
use crate::storage::idb::IdbStore;
use crate::storage::memory::MemoryStore;
use crate::{engine::store::StoreOp, storage::LogStore};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Weak;

/// Opens the workspace: resumes the stored run of this scenario and seed, or wipes it
/// and starts fresh; then starts the brokers' workers.
/// `generation` is the run's (a reset bumps it): an open that a newer reset overtook
/// drops what it opened.
pub(super) async fn open(weak: Weak<RefCell<Inner>>, wipe: bool, generation: u64) {
    let Some(inner) = weak.upgrade() else { return };
    let (workspace, name, seed) = {
        let i = inner.borrow();
        (i.workspace.clone(), i.scenario.name.clone(), i.sim.seed)
    };
    drop(inner);
    let result = async {
        let mut store = IdbStore::open(&workspace).await.map_err(|e| e.to_string())?;
        let run = store.list_meta(RUN_META_NODE).await.map_err(|e| e.to_string())?;
        let saved = run
            .iter()
            .find(|(k, _)| k == RUN_META_NAME)
            .and_then(|(_, v)| serde_json::from_str::<serde_json::Value>(v).ok())
            .filter(|v| v["scenario"] == name.as_str() && v["seed"] == seed)
            .and_then(|v| {
                let started: Vec<u32> = v["started"]
                    .as_array()
                    .map(|a| {
                        a.iter().filter_map(|n| n.as_u64().and_then(|n| u32::try_from(n).ok())).collect()
                    })
                    .unwrap_or_default();
                let lesson_step = v["lesson_step"].as_u64().and_then(|n| usize::try_from(n).ok());
                Some((v["now_ms"].as_i64()?, started, lesson_step))
            });
        match saved.filter(|_| !wipe) {
            Some((now_ms, started, lesson_step)) => {
                // The resumed run has a journal of its own: an earlier life's spilled
                // chunks go before it writes any.
                store.delete_meta_of(JOURNAL_NODE).await.map_err(|e| e.to_string())?;
                let mut ops = Vec::new();
                for (name, value) in store.list_meta(CONTROLLER_ID).await.map_err(|e| e.to_string())? {
                    ops.push(StoreOp::PutMeta { broker_id: CONTROLLER_ID, name, value });
                }
                let mut controller = MemoryStore::default();
                controller.apply_now(&ops).map_err(|e| e.to_string())?;
                Ok::<_, String>((
                    store,
                    Some((now_ms, BTreeMap::from([(CONTROLLER_ID, controller)]), started, lesson_step)),
                ))
            }
            None => {
                drop(store);
                IdbStore::delete_workspace(&workspace).await.map_err(|e| e.to_string())?;
                store = IdbStore::open(&workspace).await.map_err(|e| e.to_string())?;
                Ok((store, None))
            }
        }
    }
    .await;
    let Some(inner) = weak.upgrade() else { return };
    let mut i = inner.borrow_mut();
    if i.retire.generation != generation {
        return;
    }
    match result {
        Ok((store, resumed)) => {
            let lesson_step = resumed.as_ref().and_then(|r| r.3);
            let was_resumed = resumed.is_some();
            let sim = match resumed {
                Some((now_ms, stores, started, _)) => {
                    build_sim_resumed(&i.scenario, seed, now_ms, stores, &started)
                }
                None => build_sim(&i.scenario, seed),
            };
            match sim {
                Ok(sim) => {
                    i.begin(sim, store);
                    i.lesson_begin(lesson_step);
                    i.timeline_begin(was_resumed);
                }
                Err(e) => i.fail(e.to_string()),
            }
        }
        Err(e) => i.fail(format!("IndexedDB: {e}")),
    }
}

impl Inner {
    /// Records the run (scenario, seed, virtual time) for a reload, at most once a
    /// second unless `now`, after the writes before it.
    pub(super) fn save_run(&mut self, now: bool) {
        let wall = wall_ms();
        if now || wall - self.run_saved_at > 1000.0 {
            self.run_saved_at = wall;
            // Nodes the page started (added brokers and consumers) start again on a reload.
            let started: Vec<u32> =
                self.sim.node_ids().into_iter().filter(|id| declared_idle(&self.scenario, *id)).collect();
            let mut value = serde_json::json!({
                "scenario": self.scenario.name, "seed": self.sim.seed, "now_ms": self.sim.now_ms, "started": started,
            });
            if let Some(run) = &self.lesson {
                value["lesson_step"] = run.step.into();
            }
            self.writes.push(StoreOp::PutMeta {
                broker_id: RUN_META_NODE,
                name: RUN_META_NAME.into(),
                value: value.to_string(),
            });
        }
        self.flush_writes();
    }

    /// Writes the run worker's nodes' stores (the controller) and the run's record to
    /// IndexedDB, one transaction at a time, in order.
    pub(super) fn flush_writes(&mut self) {
        if self.writing || self.writes.is_empty() {
            return;
        }
        let Some(mut store) = self.store.take() else { return };
        let ops = std::mem::take(&mut self.writes);
        let journal_chunks = journal_chunks_in(&ops);
        self.writing = true;
        let (me, generation) = (self.me.clone(), self.retire.generation);
        wasm_bindgen_futures::spawn_local(async move {
            let result = store.apply(&ops).await;
            let Some(inner) = me.upgrade() else { return };
            let mut i = inner.borrow_mut();
            // A reset came meanwhile: this connection belongs to the old run; dropping
            // it here closes it (the new run has its own).
            if i.retire.generation != generation {
                return;
            }
            i.store = Some(store);
            i.writing = false;
            match result {
                Ok(()) => {
                    i.spill.committed += journal_chunks;
                    i.flush_writes()
                }
                Err(e) => i.fail(format!("IndexedDB: {e}")),
            }
        });
    }
}
