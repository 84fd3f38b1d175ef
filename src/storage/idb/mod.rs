//! The IndexedDB [`LogStore`]: where a broker running in a web worker keeps its partition
//! logs, so that a page reload recovers them the way Kafka recovers from disk.
//!
//! # Schema (version [`SCHEMA_VERSION`])
//!
//! One database per playground workspace, named `kafka-playground/<workspace>`
//! ([`database_name`]), shared by every broker of that workspace. Two object stores, both
//! without key path, auto-increment or indexes; every key is an array key whose first
//! element is the broker id, so each broker owns one contiguous key range:
//!
//! * `segment_chunks`: key `[broker_id, topic, partition, base_offset, position]`, value a
//!   `Uint8Array` holding the bytes of one [`StoreOp::Append`] written at byte `position`.
//!   A segment's bytes are its chunks in key (= position) order.
//! * `meta`: key `[broker_id, name]`, value the document as a string.
//!
//! Numbers are JS numbers: exact for `u32`, and for `u64` base offsets below 2^53 (larger
//! ones are refused, never rounded).
//!
//! # Invariants
//!
//! * The chunks of a segment are contiguous: the first starts at 0 and each next one starts
//!   where the previous ends. A segment exists iff it has a chunk at position 0; an empty
//!   segment (created by an empty append or truncated to 0) is one empty chunk at 0, and
//!   no other chunk is ever empty.
//! * Every [`LogStore::apply`] call is one readwrite transaction over both stores and
//!   returns `Ok` only after the transaction's `complete` event: all of it is stored or
//!   none of it is.
//! * The in-memory segment size cache only ever holds sizes of committed state. It assumes
//!   this store is the only writer of the segments it appends to (one broker, one store).

mod apply;
mod keys;
mod meta;

use super::{LogStore, StoreError};
use crate::engine::store::{SegmentId, StoreOp};
use ::idb::event::VersionChangeEvent;
use ::idb::{
    CursorDirection, Database, DatabaseEvent, Event as _, Factory, ObjectStoreParams, Query, Request as _,
    TransactionMode,
};
use js_sys::Uint8Array;
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::IntoFuture;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};

/// Bump when the schema changes, and teach [`create_schema`] the migration.
pub const SCHEMA_VERSION: u32 = 1;
/// Object store of segment bytes, one entry per append.
pub const SEGMENT_CHUNKS: &str = "segment_chunks";
/// Object store of per-broker metadata documents.
pub const META: &str = "meta";

/// The database that holds one playground workspace.
pub fn database_name(workspace: &str) -> String {
    format!("kafka-playground/{workspace}")
}

/// A connection to one workspace database.
#[derive(Debug)]
pub struct IdbStore {
    db: Database,
    name: String,
    /// Committed size of each segment this store has touched; `None` = known absent.
    sizes: HashMap<SegmentId, Option<u32>>,
}

/// Wraps an `idb` failure with what was being done.
fn idb_error(context: impl std::fmt::Display) -> impl FnOnce(::idb::Error) -> StoreError {
    move |e| StoreError::new(format!("{context}: {e}"))
}

/// A stored chunk, which must be a `Uint8Array`.
fn chunk_bytes(value: JsValue) -> Result<Uint8Array, StoreError> {
    value
        .dyn_into::<Uint8Array>()
        .map_err(|v| StoreError::new(format!("a segment chunk is not a Uint8Array: {v:?}")))
}

impl IdbStore {
    /// Opens the workspace's database, creating it or upgrading its schema if needed.
    pub async fn open(workspace: &str) -> Result<IdbStore, StoreError> {
        let name = database_name(workspace);
        let factory = Factory::new().map_err(idb_error("IndexedDB is not available here"))?;
        let mut request =
            factory.open(&name, Some(SCHEMA_VERSION)).map_err(idb_error(format!("open {name}")))?;
        let upgrade_failure: Rc<RefCell<Option<StoreError>>> = Rc::default();
        let failure = Rc::clone(&upgrade_failure);
        request.on_upgrade_needed(move |event| {
            if let Err(e) = create_schema(&event) {
                *failure.borrow_mut() = Some(e);
                // Aborting the upgrade makes the open request fail with AbortError.
                if let Some(tx) = event.target().ok().and_then(|r| r.transaction()) {
                    let _ = tx.abort();
                }
            }
        });
        let mut db = match request.await {
            Ok(db) => db,
            Err(e) => {
                return Err(match upgrade_failure.borrow_mut().take() {
                    Some(cause) => StoreError::new(format!("upgrade {name}: {}", cause.detail)),
                    None => StoreError::new(format!("open {name}: {e}")),
                })
            }
        };
        // Another connection wants to delete or upgrade the database (the "reset" button,
        // or a newer page in another tab): step aside instead of blocking it. Later calls
        // on this store then fail with the browser's InvalidStateError.
        db.on_version_change(|event| {
            if let Some(Ok(db)) = event.target().map(Database::try_from) {
                db.close();
            }
        });
        Ok(IdbStore { db, name, sizes: HashMap::new() })
    }

    /// Deletes the workspace's database with everything in it. Open stores of this page
    /// close themselves; waits while a connection elsewhere keeps it open.
    pub async fn delete_workspace(workspace: &str) -> Result<(), StoreError> {
        let name = database_name(workspace);
        let factory = Factory::new().map_err(idb_error("IndexedDB is not available here"))?;
        factory
            .delete(&name)
            .map_err(idb_error(format!("delete {name}")))?
            .await
            .map_err(idb_error(format!("delete {name}")))
    }

    /// The name of the database this store is connected to.
    pub fn database_name(&self) -> &str {
        &self.name
    }

    fn chunks_for_read(&self) -> Result<::idb::ObjectStore, StoreError> {
        self.db
            .transaction(&[SEGMENT_CHUNKS], TransactionMode::ReadOnly)
            .and_then(|tx| tx.object_store(SEGMENT_CHUNKS))
            .map_err(idb_error(format!("read {}", self.name)))
    }
}

impl Drop for IdbStore {
    fn drop(&mut self) {
        // Closing lets a pending delete or upgrade proceed at once instead of waiting for
        // the garbage collector to close the connection.
        self.db.close();
    }
}

/// Runs in the `upgradeneeded` event: brings any older schema to [`SCHEMA_VERSION`].
fn create_schema(event: &VersionChangeEvent) -> Result<(), StoreError> {
    let db = event.database().map_err(idb_error("upgrade"))?;
    let existing = db.store_names();
    for store in [SEGMENT_CHUNKS, META] {
        if !existing.iter().any(|s| s == store) {
            db.create_object_store(store, ObjectStoreParams::new())
                .map_err(idb_error(format!("create object store {store}")))?;
        }
    }
    Ok(())
}

impl LogStore for IdbStore {
    async fn apply(&mut self, ops: &[StoreOp]) -> Result<(), StoreError> {
        self.apply_ops(ops).await
    }

    async fn list_segments(&self, broker_id: u32) -> Result<Vec<SegmentId>, StoreError> {
        let context = || format!("list segments of broker {broker_id} in {}", self.name);
        let chunks = self.chunks_for_read()?;
        let range = keys::broker_range(broker_id)?;
        let mut segments = Vec::new();
        // One cursor step per segment: after reading a segment's first key, jump past the
        // rest of its chunks.
        let mut cursor = chunks
            .open_key_cursor(Some(Query::from(range)), None)
            .map_err(idb_error(context()))?
            .await
            .map_err(idb_error(context()))?;
        while let Some(step) = cursor {
            let (segment, _) = keys::parse_chunk_key(&step.key().map_err(idb_error(context()))?)?;
            let next = keys::after_segment(&segment)?;
            segments.push(segment);
            cursor =
                step.next(Some(&next)).map_err(idb_error(context()))?.await.map_err(idb_error(context()))?;
        }
        // IndexedDB orders strings by UTF-16 code units, Rust by bytes: sort to match.
        segments.sort();
        Ok(segments)
    }

    async fn read(&self, segment: &SegmentId, from: u32, to: u32) -> Result<Vec<u8>, StoreError> {
        let context = || format!("read {}/{} in {}", segment.dir_name(), segment.base_offset, self.name);
        let missing = || StoreError::new(format!("no segment {segment:?}"));
        let chunks = self.chunks_for_read()?;
        let Some(range) = keys::chunk_range(segment, from, Some(to))? else {
            // Nothing to read, but the segment must exist (it has a chunk at 0).
            let first = chunks
                .get_key(Query::from(keys::chunk_key(segment, 0)?))
                .map_err(idb_error(context()))?
                .await
                .map_err(idb_error(context()))?;
            return first.map(|_| Vec::new()).ok_or_else(missing);
        };
        // All requests are placed before any is awaited: one round trip.
        let straddling = match keys::chunk_range(segment, 0, Some(from))? {
            Some(before) => Some(
                chunks
                    .open_cursor(Some(Query::from(before)), Some(CursorDirection::Prev))
                    .map_err(idb_error(context()))?
                    .into_future(),
            ),
            None => None,
        };
        let inside_keys = chunks
            .get_all_keys(Some(Query::from(range.clone())), None)
            .map_err(idb_error(context()))?
            .into_future();
        let inside_values =
            chunks.get_all(Some(Query::from(range)), None).map_err(idb_error(context()))?.into_future();

        let mut pieces: Vec<(u32, Uint8Array)> = Vec::new();
        if let Some(straddling) = straddling {
            if let Some(cursor) = straddling.await.map_err(idb_error(context()))? {
                let (_, position) = keys::parse_chunk_key(&cursor.key().map_err(idb_error(context()))?)?;
                pieces.push((position, chunk_bytes(cursor.value().map_err(idb_error(context()))?)?));
            }
        }
        let inside_keys = inside_keys.await.map_err(idb_error(context()))?;
        let inside_values = inside_values.await.map_err(idb_error(context()))?;
        if inside_keys.len() != inside_values.len() {
            return Err(StoreError::new(format!("{}: keys and values differ in number", context())));
        }
        for (key, value) in inside_keys.iter().zip(inside_values) {
            let (_, position) = keys::parse_chunk_key(key)?;
            pieces.push((position, chunk_bytes(value)?));
        }
        if pieces.is_empty() {
            return Err(missing());
        }

        let mut bytes = Vec::new();
        let mut expected = pieces.first().map_or(0, |(position, _)| *position);
        for (position, chunk) in pieces {
            if position != expected {
                return Err(StoreError::new(format!(
                    "{}: chunks are not contiguous, expected one at {expected}, found {position}",
                    context()
                )));
            }
            let end = position
                .checked_add(chunk.length())
                .ok_or_else(|| StoreError::new(format!("{}: a chunk ends beyond 4 GiB", context())))?;
            let (start_in, end_in) = (from.max(position), to.min(end));
            if start_in < end_in {
                let piece = chunk.subarray(start_in - position, end_in - position);
                let at = bytes.len();
                bytes.resize(at + piece.length() as usize, 0);
                if let Some(dst) = bytes.get_mut(at..) {
                    piece.copy_to(dst);
                }
            }
            expected = end;
        }
        Ok(bytes)
    }

    async fn list_meta(&self, broker_id: u32) -> Result<Vec<(String, String)>, StoreError> {
        let context = || format!("list meta of broker {broker_id} in {}", self.name);
        let meta = self
            .db
            .transaction(&[META], TransactionMode::ReadOnly)
            .and_then(|tx| tx.object_store(META))
            .map_err(idb_error(context()))?;
        let range = keys::broker_range(broker_id)?;
        let names = meta
            .get_all_keys(Some(Query::from(range.clone())), None)
            .map_err(idb_error(context()))?
            .into_future();
        let values =
            meta.get_all(Some(Query::from(range)), None).map_err(idb_error(context()))?.into_future();
        let names = names.await.map_err(idb_error(context()))?;
        let values = values.await.map_err(idb_error(context()))?;
        if names.len() != values.len() {
            return Err(StoreError::new(format!("{}: keys and values differ in number", context())));
        }
        let mut documents = names
            .iter()
            .zip(values)
            .map(|(key, value)| {
                let name = keys::parse_meta_name(key)?;
                let value = value.as_string().ok_or_else(|| {
                    StoreError::new(format!("{}: document {name} is not a string", context()))
                })?;
                Ok((name, value))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // IndexedDB orders strings by UTF-16 code units, Rust by bytes: sort to match.
        documents.sort();
        Ok(documents)
    }
}
