//! [`IdbStore::apply_ops`]: one batch of [`StoreOp`]s as one IndexedDB readwrite
//! transaction.
//!
//! Invariant: `IdbStore::sizes` changes only after the transaction's `complete` event, so
//! it never holds a size the database does not. Writes are placed without awaiting them
//! (IndexedDB runs a transaction's requests in order and a failing one aborts it); only the
//! reads a decision depends on are awaited: the size of a segment not yet in the cache, and
//! the chunk a truncation cuts through.

use super::{chunk_bytes, idb_error, keys, IdbStore, META, SEGMENT_CHUNKS};
use crate::engine::store::{SegmentId, StoreOp};
use crate::storage::StoreError;
use ::idb::{CursorDirection, ObjectStore, Query, TransactionMode};
use js_sys::{Promise, Uint8Array};
use std::collections::HashMap;
use wasm_bindgen::JsValue;
use web_sys::IdbTransaction;

/// The stores of one readwrite transaction, and the segment sizes as its ops leave them.
struct Batch<'a> {
    chunks: ObjectStore,
    meta: ObjectStore,
    committed: &'a HashMap<SegmentId, Option<u32>>,
    sizes: HashMap<SegmentId, Option<u32>>,
    db_name: &'a str,
}

impl IdbStore {
    pub(super) async fn apply_ops(&mut self, ops: &[StoreOp]) -> Result<(), StoreError> {
        if ops.is_empty() {
            return Ok(());
        }
        let context = format!("write to {}", self.name);
        let tx: IdbTransaction = self
            .db
            .transaction(&[SEGMENT_CHUNKS, META], TransactionMode::ReadWrite)
            .map_err(idb_error(&context))?
            .into();
        // Resolves with the `complete` or the `abort` event. The handler is the promise's
        // own function, so no Rust closure outlives this call, and an abort after an early
        // return leaves no unhandled rejection behind.
        let done = Promise::new(&mut |resolve, _reject| {
            tx.set_oncomplete(Some(&resolve));
            tx.set_onabort(Some(&resolve));
        });
        let stores = ::idb::Transaction::from(tx.clone());
        let mut batch = Batch {
            chunks: stores.object_store(SEGMENT_CHUNKS).map_err(idb_error(&context))?,
            meta: stores.object_store(META).map_err(idb_error(&context))?,
            committed: &self.sizes,
            sizes: HashMap::new(),
            db_name: &self.name,
        };
        let mut staged = Ok(());
        for op in ops {
            staged = batch.stage(op).await;
            if staged.is_err() {
                break;
            }
        }
        if let Err(e) = staged {
            // Reverts every request placed so far; it may already be aborting if a request
            // failed, in which case abort() throws and there is nothing left to undo.
            let _ = tx.abort();
            return Err(e);
        }
        let sizes = batch.sizes;
        // Tells the browser no request follows, so it can commit without another turn.
        #[allow(deprecated, reason = "web-sys marks commit() deprecated; every current browser has it")]
        let committing = tx.commit();
        if let Err(e) = committing {
            let _ = tx.abort();
            return Err(StoreError::new(format!("{context}: commit failed: {e:?}")));
        }
        let outcome = wasm_bindgen_futures::JsFuture::from(done).await;
        let event_type = outcome
            .ok()
            .and_then(|event| js_sys::Reflect::get(&event, &JsValue::from_str("type")).ok())
            .and_then(|t| t.as_string());
        if event_type.as_deref() != Some("complete") {
            let cause = tx
                .error()
                .map(|e| format!("{}: {}", e.name(), e.message()))
                .unwrap_or_else(|| "aborted".to_owned());
            return Err(StoreError::new(format!("{context}: transaction aborted: {cause}")));
        }
        self.sizes.extend(sizes);
        Ok(())
    }
}

impl Batch<'_> {
    fn fail(&self, what: impl std::fmt::Display) -> impl FnOnce(::idb::Error) -> StoreError {
        idb_error(format!("{what} in {}", self.db_name))
    }

    /// Places the requests of one op.
    async fn stage(&mut self, op: &StoreOp) -> Result<(), StoreError> {
        match op {
            StoreOp::Append { segment, position, bytes } => self.append(segment, *position, bytes).await,
            StoreOp::Truncate { segment, size_bytes } => self.truncate(segment, *size_bytes).await,
            StoreOp::Delete { segment } => {
                self.chunks
                    .delete(Query::from(keys::segment_range(segment)?))
                    .map_err(self.fail(format!("delete {}/{}", segment.dir_name(), segment.base_offset)))?;
                self.sizes.insert(segment.clone(), None);
                Ok(())
            }
            StoreOp::PutMeta { broker_id, name, value } => {
                self.meta
                    .put(&JsValue::from_str(value), Some(&keys::meta_key(*broker_id, name)))
                    .map_err(self.fail(format!("put meta {name} of broker {broker_id}")))?;
                Ok(())
            }
            StoreOp::DeleteMeta { broker_id, name } => {
                self.meta
                    .delete(Query::from(keys::meta_key(*broker_id, name)))
                    .map_err(self.fail(format!("delete meta {name} of broker {broker_id}")))?;
                Ok(())
            }
        }
    }

    async fn append(&mut self, segment: &SegmentId, position: u32, bytes: &[u8]) -> Result<(), StoreError> {
        let size = self.size(segment).await?;
        let held = size.unwrap_or(0);
        if held != position {
            // The same words as the in-memory backend.
            return Err(StoreError::new(format!(
                "append to {}/{} at position {position}, but it holds {held} bytes",
                segment.dir_name(),
                segment.base_offset
            )));
        }
        let end =
            u32::try_from(bytes.len()).ok().and_then(|len| position.checked_add(len)).ok_or_else(|| {
                StoreError::new(format!(
                    "append to {}/{} would grow it beyond 4 GiB",
                    segment.dir_name(),
                    segment.base_offset
                ))
            })?;
        // An empty append only matters when it creates the segment (the empty chunk at 0);
        // a real chunk at 0 replaces that marker.
        if size.is_none() || !bytes.is_empty() {
            self.chunks
                .put(&Uint8Array::new_from_slice(bytes).into(), Some(&keys::chunk_key(segment, position)?))
                .map_err(self.fail(format!("append to {}/{}", segment.dir_name(), segment.base_offset)))?;
        }
        self.sizes.insert(segment.clone(), Some(end));
        Ok(())
    }

    async fn truncate(&mut self, segment: &SegmentId, size_bytes: u32) -> Result<(), StoreError> {
        let what = || format!("truncate {}/{}", segment.dir_name(), segment.base_offset);
        let Some(size) = self.size(segment).await? else {
            return Ok(());
        };
        if size_bytes >= size {
            return Ok(());
        }
        if size_bytes == 0 {
            self.chunks.delete(Query::from(keys::segment_range(segment)?)).map_err(self.fail(what()))?;
            self.chunks
                .put(&Uint8Array::new_with_length(0).into(), Some(&keys::chunk_key(segment, 0)?))
                .map_err(self.fail(what()))?;
        } else {
            // The last chunk starting before the cut; it exists since the segment holds
            // more than `size_bytes > 0` bytes and starts at 0.
            let before = keys::chunk_range(segment, 0, Some(size_bytes))?
                .ok_or_else(|| StoreError::new(format!("{}: empty key range", what())))?;
            let cut = self
                .chunks
                .open_cursor(Some(Query::from(before)), Some(CursorDirection::Prev))
                .map_err(self.fail(what()))?
                .await
                .map_err(self.fail(what()))?
                .ok_or_else(|| StoreError::new(format!("{}: no chunk at position 0", what())))?;
            let (_, position) = keys::parse_chunk_key(&cut.key().map_err(self.fail(what()))?)?;
            let chunk = chunk_bytes(cut.value().map_err(self.fail(what()))?)?;
            let keep = size_bytes - position;
            if chunk.length() > keep {
                self.chunks
                    .put(&chunk.slice(0, keep).into(), Some(&keys::chunk_key(segment, position)?))
                    .map_err(self.fail(what()))?;
            }
            if let Some(after) = keys::chunk_range(segment, size_bytes, None)? {
                self.chunks.delete(Query::from(after)).map_err(self.fail(what()))?;
            }
        }
        self.sizes.insert(segment.clone(), Some(size_bytes));
        Ok(())
    }

    /// The segment's size as the ops staged so far leave it (`None`: it does not exist),
    /// read from the database on a cache miss: the end of its last chunk.
    async fn size(&mut self, segment: &SegmentId) -> Result<Option<u32>, StoreError> {
        if let Some(size) = self.sizes.get(segment).or_else(|| self.committed.get(segment)) {
            return Ok(*size);
        }
        let what = || format!("size of {}/{}", segment.dir_name(), segment.base_offset);
        let last = self
            .chunks
            .open_cursor(Some(Query::from(keys::segment_range(segment)?)), Some(CursorDirection::Prev))
            .map_err(self.fail(what()))?
            .await
            .map_err(self.fail(what()))?;
        let size = match last {
            None => None,
            Some(cursor) => {
                let (_, position) = keys::parse_chunk_key(&cursor.key().map_err(self.fail(what()))?)?;
                let length = chunk_bytes(cursor.value().map_err(self.fail(what()))?)?.length();
                Some(
                    position
                        .checked_add(length)
                        .ok_or_else(|| StoreError::new(format!("{}: it ends beyond 4 GiB", what())))?,
                )
            }
        };
        self.sizes.insert(segment.clone(), size);
        Ok(size)
    }
}
