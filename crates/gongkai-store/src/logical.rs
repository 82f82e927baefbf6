//! Logical export and import: every table as JSON, the same on both backends, so a backup of
//! one can be restored into the other. Used for PostgreSQL backups (SQLite uses `VACUUM INTO`).

use crate::{Result, Store, StoreError, with_pool};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};
use sqlx::{AssertSqlSafe, Row};

pub const FORMAT: &str = "gongkai-logical-backup";

#[derive(Clone, Copy)]
enum Col {
    Int,
    Text,
    Bool,
    /// Bytes, as base64 in the JSON.
    Blob,
}

/// Tables in dependency order with their columns (the first is the key, or the first two).
const TABLES: &[(&str, &[(&str, Col)])] = &[
    (
        "agencies",
        &[
            ("id", Col::Int),
            ("parent_id", Col::Int),
            ("name", Col::Text),
            ("uscc", Col::Text),
            ("division_code", Col::Text),
            ("kind", Col::Text),
            ("report_deadline", Col::Text),
            ("created_at", Col::Int),
            ("updated_at", Col::Int),
        ],
    ),
    (
        "users",
        &[
            ("id", Col::Int),
            ("agency_id", Col::Int),
            ("login", Col::Text),
            ("display_name", Col::Text),
            ("role", Col::Text),
            ("password_hash", Col::Text),
            ("must_change_password", Col::Bool),
            ("disabled", Col::Bool),
            ("created_at", Col::Int),
            ("updated_at", Col::Int),
        ],
    ),
    (
        "sessions",
        &[
            ("token_hash", Col::Text),
            ("user_id", Col::Int),
            ("csrf_token", Col::Text),
            ("created_at", Col::Int),
            ("expires_at", Col::Int),
        ],
    ),
    (
        "login_failures",
        &[
            ("id", Col::Int),
            ("throttle_key", Col::Text),
            ("at", Col::Int),
        ],
    ),
    (
        "audit_log",
        &[
            ("id", Col::Int),
            ("at", Col::Int),
            ("actor_id", Col::Int),
            ("actor_login", Col::Text),
            ("agency_id", Col::Int),
            ("action", Col::Text),
            ("target", Col::Text),
            ("before_summary", Col::Text),
            ("after_summary", Col::Text),
            ("address", Col::Text),
        ],
    ),
    // proactive disclosure (migration 0010)
    (
        "catalogue_columns",
        &[
            ("agency_id", Col::Int),
            ("column_key", Col::Text),
            ("name", Col::Text),
            ("parent_key", Col::Text),
            ("statutory_item", Col::Int),
            ("position", Col::Int),
        ],
    ),
    (
        "index_sequences",
        &[
            ("agency_id", Col::Int),
            ("year", Col::Int),
            ("last_value", Col::Int),
        ],
    ),
    (
        "items",
        &[
            ("id", Col::Int),
            ("agency_id", Col::Int),
            ("index_number", Col::Text),
            ("created_at", Col::Int),
            ("updated_at", Col::Int),
        ],
    ),
    (
        "item_versions",
        &[
            ("item_id", Col::Int),
            ("number", Col::Int),
            ("agency_id", Col::Int),
            ("state", Col::Text),
            ("column_key", Col::Text),
            ("title", Col::Text),
            ("publisher", Col::Text),
            ("document_number", Col::Text),
            ("written_on", Col::Text),
            ("published_on", Col::Text),
            ("topic", Col::Text),
            ("disclosure_mode", Col::Text),
            ("scope", Col::Text),
            ("kind", Col::Text),
            ("validity", Col::Text),
            ("body_html", Col::Text),
            ("attachments", Col::Text),
            ("author", Col::Text),
            ("editors", Col::Text),
            ("reviewer", Col::Text),
            ("reason", Col::Text),
            ("publish_at", Col::Int),
            ("published_at", Col::Int),
            ("created_at", Col::Int),
            ("updated_at", Col::Int),
        ],
    ),
    (
        "attachments",
        &[
            ("id", Col::Int),
            ("agency_id", Col::Int),
            ("sha256", Col::Text),
            ("file_name", Col::Text),
            ("media_type", Col::Text),
            ("size_bytes", Col::Int),
            ("text", Col::Text),
            ("text_status", Col::Text),
            ("content", Col::Blob),
            ("created_by", Col::Text),
            ("created_at", Col::Int),
        ],
    ),
    // push and spot checks (migration 0012)
    (
        "push_targets",
        &[
            ("id", Col::Int),
            ("agency_id", Col::Int),
            ("name", Col::Text),
            ("kind", Col::Text),
            ("url", Col::Text),
            ("secret", Col::Text),
            ("secret_hash", Col::Text),
            ("enabled", Col::Bool),
            ("auto_push", Col::Bool),
            ("created_at", Col::Int),
            ("updated_at", Col::Int),
        ],
    ),
    (
        "push_deliveries",
        &[
            ("id", Col::Int),
            ("target_id", Col::Int),
            ("agency_id", Col::Int),
            ("item_id", Col::Int),
            ("version", Col::Int),
            ("kind", Col::Text),
            ("payload", Col::Text),
            ("state", Col::Text),
            ("attempts", Col::Int),
            ("next_attempt_at", Col::Int),
            ("lease_token", Col::Text),
            ("lease_until", Col::Int),
            ("last_error", Col::Text),
            ("created_at", Col::Int),
            ("delivered_at", Col::Int),
        ],
    ),
    (
        "push_attempts",
        &[
            ("id", Col::Int),
            ("delivery_id", Col::Int),
            ("at", Col::Int),
            ("duration_ms", Col::Int),
            ("http_status", Col::Int),
            ("error", Col::Text),
        ],
    ),
    (
        "spot_checks",
        &[
            ("id", Col::Int),
            ("agency_id", Col::Int),
            ("title", Col::Text),
            ("period_from", Col::Text),
            ("period_to", Col::Text),
            ("sample_rule", Col::Text),
            ("population", Col::Int),
            ("seed", Col::Int),
            ("state", Col::Text),
            ("created_by", Col::Text),
            ("created_at", Col::Int),
            ("closed_by", Col::Text),
            ("closed_at", Col::Int),
        ],
    ),
    (
        "spot_check_entries",
        &[
            ("check_id", Col::Int),
            ("item_id", Col::Int),
            ("position", Col::Int),
            ("index_number", Col::Text),
            ("title", Col::Text),
            ("published_on", Col::Text),
            ("finding", Col::Text),
            ("problem", Col::Text),
            ("correction", Col::Text),
            ("corrected_on", Col::Text),
            ("updated_by", Col::Text),
            ("updated_at", Col::Int),
        ],
    ),
    // console features of proactive disclosure (migration 0013)
    (
        "sensitive_word_lists",
        &[
            ("agency_id", Col::Int),
            ("list_text", Col::Text),
            ("updated_at", Col::Int),
        ],
    ),
    (
        "import_uploads",
        &[
            ("token", Col::Text),
            ("agency_id", Col::Int),
            ("user_id", Col::Int),
            ("file_name", Col::Text),
            ("sha256", Col::Text),
            ("content_hex", Col::Text),
            ("created_at", Col::Int),
            ("imported_at", Col::Int),
        ],
    ),
];

/// Row count and content hash of one table, to compare two databases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDigest {
    pub table: &'static str,
    pub rows: usize,
    /// SHA-256 (hex) of the table's rows as canonical JSON, ordered by key.
    pub sha256: String,
}

/// Digests of every table of a logical export (see [`Store::export_logical`]).
pub fn digests_of(doc: &Value) -> Vec<TableDigest> {
    use sha2::{Digest, Sha256};
    let empty = Vec::new();
    TABLES
        .iter()
        .map(|(table, _)| {
            let rows = doc
                .get("tables")
                .and_then(|t| t.get(*table))
                .and_then(Value::as_array)
                .unwrap_or(&empty);
            let mut h = Sha256::new();
            for row in rows {
                h.update(row.to_string().as_bytes());
                h.update(b"\n");
            }
            TableDigest {
                table,
                rows: rows.len(),
                sha256: h.finalize().iter().map(|b| format!("{b:02x}")).collect(),
            }
        })
        .collect()
}

impl Store {
    /// Row count and content hash of every table: equal digests mean equal data, whatever
    /// the backend.
    pub async fn table_digests(&self) -> Result<Vec<TableDigest>> {
        Ok(digests_of(&self.export_logical().await?))
    }

    async fn schema_version(&self) -> Result<i64> {
        with_pool!(self, p => {
            let row = sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")
                .fetch_one(p)
                .await?;
            Ok(row.try_get("v")?)
        })
    }

    /// Every table as JSON rows.
    pub async fn export_logical(&self) -> Result<Value> {
        let mut tables = Map::new();
        for (table, cols) in TABLES {
            let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
            // the first column is the key, or with the second one (entries of a parent row)
            let sql = format!(
                "SELECT {} FROM {table} ORDER BY {}, {}",
                names.join(", "),
                names[0],
                names[1]
            );
            let rows: Vec<Value> = with_pool!(self, p => {
                let rows = sqlx::query(AssertSqlSafe(sql.as_str())).fetch_all(p).await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let mut obj = Map::new();
                    for (name, col) in cols.iter() {
                        let v = match col {
                            Col::Int => json!(r.try_get::<Option<i64>, _>(*name)?),
                            Col::Text => json!(r.try_get::<Option<String>, _>(*name)?),
                            Col::Bool => json!(r.try_get::<Option<bool>, _>(*name)?),
                            Col::Blob => json!(r
                                .try_get::<Option<Vec<u8>>, _>(*name)?
                                .map(|b| BASE64.encode(b))),
                        };
                        obj.insert((*name).to_owned(), v);
                    }
                    out.push(Value::Object(obj));
                }
                out
            });
            tables.insert((*table).to_owned(), Value::Array(rows));
        }
        Ok(json!({
            "format": FORMAT,
            "schema_version": self.schema_version().await?,
            "tables": tables,
        }))
    }

    /// Loads an export into this (migrated, empty) database in one transaction.
    pub async fn import_logical(&self, doc: &Value) -> Result<()> {
        if doc.get("format").and_then(Value::as_str) != Some(FORMAT) {
            return Err(StoreError::Backup("not a gongkai logical backup".into()));
        }
        let version = doc.get("schema_version").and_then(Value::as_i64);
        if version != Some(self.schema_version().await?) {
            return Err(StoreError::Backup(format!(
                "backup schema version {version:?} differs from this database's"
            )));
        }
        let occupied: Vec<String> = self
            .table_digests()
            .await?
            .into_iter()
            .filter(|d| d.rows > 0)
            .map(|d| format!("{} {} 行", d.table, d.rows))
            .collect();
        if !occupied.is_empty() {
            return Err(StoreError::Backup(format!(
                "目标数据库不是空的（{}），拒绝恢复；请恢复到新建的空数据库 (target database is not empty)",
                occupied.join("，")
            )));
        }
        let empty = Vec::new();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            for (table, cols) in TABLES {
                let rows = doc
                    .get("tables")
                    .and_then(|t| t.get(*table))
                    .and_then(Value::as_array)
                    .unwrap_or(&empty);
                let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
                let ph: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    names.join(", "),
                    ph.join(", ")
                );
                for row in rows {
                    let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                    for (name, col) in cols.iter() {
                        let v = row.get(*name).unwrap_or(&Value::Null);
                        // Parents are linked after all agencies exist (no deferred keys).
                        let v = if *table == "agencies" && *name == "parent_id" { &Value::Null } else { v };
                        q = match col {
                            Col::Int => q.bind(v.as_i64()),
                            Col::Text => q.bind(v.as_str().map(str::to_owned)),
                            Col::Bool => q.bind(v.as_bool()),
                            Col::Blob => q.bind(
                                v.as_str()
                                    .map(|t| BASE64.decode(t))
                                    .transpose()
                                    .map_err(|e| StoreError::Backup(format!("附件内容无法解码: {e}")))?,
                            ),
                        };
                    }
                    q.execute(&mut *tx).await?;
                }
                if *table == "agencies" {
                    for row in rows {
                        if let (Some(id), Some(parent)) = (
                            row.get("id").and_then(Value::as_i64),
                            row.get("parent_id").and_then(Value::as_i64),
                        ) {
                            sqlx::query("UPDATE agencies SET parent_id = $1 WHERE id = $2")
                                .bind(parent)
                                .bind(id)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                }
            }
            tx.commit().await?;
        });
        if let Store::Postgres(b) = self {
            // Identity columns continue after the imported ids.
            for table in [
                "agencies",
                "users",
                "login_failures",
                "audit_log",
                "items",
                "attachments",
                "push_targets",
                "push_deliveries",
                "push_attempts",
                "spot_checks",
            ] {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                );
                sqlx::query(AssertSqlSafe(sql)).execute(&b.pool).await?;
            }
        }
        // The search index is derived data: rebuilt from the restored published versions.
        self.reindex_all().await.map_err(|e| match e {
            crate::proactive::ProactiveError::Store(e) => e,
            other => StoreError::Backup(other.to_string()),
        })?;
        Ok(())
    }
}
