//! One metadata document read by name, and every document of one (pseudo) broker id
//! dropped, without loading the others: the tab's spilled journal chunks are many large
//! documents under one id (src/web/cluster_driver/spill.rs) that must be read back one at
//! a time and never all at once ([`LogStore::list_meta`] reads a whole id).
//!
//! Invariant: [`IdbStore::delete_meta_of`] returns `Ok` only after its transaction
//! committed, so a write placed after it (on any connection) lands after the delete.
//!
//! [`LogStore::list_meta`]: crate::storage::LogStore::list_meta

use super::{idb_error, keys, IdbStore, META};
use crate::storage::StoreError;
use ::idb::{Query, TransactionMode};

impl IdbStore {
    /// The metadata document `name` of `broker_id`, `None` if there is none.
    pub async fn get_meta(&self, broker_id: u32, name: &str) -> Result<Option<String>, StoreError> {
        let context = || format!("read meta {name} of broker {broker_id} in {}", self.name);
        let meta = self
            .db
            .transaction(&[META], TransactionMode::ReadOnly)
            .and_then(|tx| tx.object_store(META))
            .map_err(idb_error(context()))?;
        let value = meta
            .get(Query::from(keys::meta_key(broker_id, name)))
            .map_err(idb_error(context()))?
            .await
            .map_err(idb_error(context()))?;
        match value {
            None => Ok(None),
            Some(v) => v
                .as_string()
                .map(Some)
                .ok_or_else(|| StoreError::new(format!("{}: the document is not a string", context()))),
        }
    }

    /// Deletes every metadata document of `broker_id` in one transaction.
    pub async fn delete_meta_of(&self, broker_id: u32) -> Result<(), StoreError> {
        let context = || format!("delete meta of broker {broker_id} in {}", self.name);
        let tx = self.db.transaction(&[META], TransactionMode::ReadWrite).map_err(idb_error(context()))?;
        let meta = tx.object_store(META).map_err(idb_error(context()))?;
        // Placed, not awaited: the transaction's end says whether it happened.
        let _request =
            meta.delete(Query::from(keys::broker_range(broker_id)?)).map_err(idb_error(context()))?;
        let outcome = tx.await.map_err(idb_error(context()))?;
        if outcome.is_committed() {
            Ok(())
        } else {
            Err(StoreError::new(format!("{}: the transaction was aborted", context())))
        }
    }
}
