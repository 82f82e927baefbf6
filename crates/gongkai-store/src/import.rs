//! Import of an existing catalogue (目录导入): uploaded files wait in `import_uploads` until
//! staff confirm the preview; the confirmed rows become published items in ONE transaction
//! (all or nothing), one audit row per item plus a summary row. Importing is idempotent: a row
//! whose valid 索引号, or whose 标题 + 文号 + 发布日期, matches an item of the agency is skipped.
//! The command line (`gongkai import items`) imports a file the same way, without an upload.

use crate::proactive::{ProactiveError, ProactiveResult, china_date};
use crate::{Actor, AuditEntry, Store, StoreError, now_secs};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use gongkai_proactive::import::ImportRow;
use gongkai_proactive::{Catalogue, DisclosureMode, IndexNumber, State, UserId};
use serde::Serialize;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// Uploads older than this are removed when a new one is saved.
const UPLOAD_TTL_SECS: i64 = 24 * 3600;

/// A stored upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportUpload {
    pub token: String,
    pub agency_id: i64,
    pub user_id: i64,
    pub file_name: String,
    pub sha256: String,
    pub content: Vec<u8>,
    pub created_at: i64,
    pub imported_at: Option<i64>,
}

/// What the import will do with one clean row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RowPlan {
    /// The agency already has this item: skipped.
    Existing { item_id: i64 },
    /// A new published item; `keeps_index` when its 索引号 is valid and unused.
    New { keeps_index: bool },
}

/// Where imported rows come from.
#[derive(Debug, Clone, Copy)]
pub enum ImportSource<'a> {
    /// A confirmed console upload (its token); marked imported in the same transaction, and
    /// refused when it already was.
    Upload { token: &'a str },
    /// A file given on the command line.
    File {
        file_name: &'a str,
        /// SHA-256 of the content, hex (for the audit log).
        sha256: &'a str,
    },
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOutcome {
    /// The new items, in file order.
    pub imported: Vec<i64>,
    pub skipped: usize,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Result<Vec<u8>, StoreError> {
    if !s.len().is_multiple_of(2) {
        return Err(StoreError::Corrupt("odd hex length".into()));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| StoreError::Corrupt("bad hex".into()))
        })
        .collect()
}

/// SHA-256 of the content, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

fn json_key<T: Serialize>(v: &T) -> Result<String, StoreError> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Ok(other.to_string()),
        Err(e) => Err(StoreError::Corrupt(e.to_string())),
    }
}

/// 正文 of an imported row: HTML is sanitised, plain text becomes escaped paragraphs.
fn body_html(body: &str) -> String {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return String::new();
    }
    if trimmed.contains('<') && trimmed.contains('>') {
        return gongkai_proactive::html::sanitize(trimmed);
    }
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let html: String = trimmed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| format!("<p>{}</p>", escape(l)))
        .collect();
    gongkai_proactive::html::sanitize(&html)
}

/// Midnight (China time) of a publication date, for the ordering of column lists.
fn published_at(d: NaiveDate) -> i64 {
    d.and_time(NaiveTime::MIN).and_utc().timestamp() - 8 * 3600
}

/// The identity of an item without a valid 索引号: 标题 + 文号 + 发布日期.
type Identity = (String, String, NaiveDate);

/// Decides, for each row, whether it exists already (inside a transaction or on a pool).
macro_rules! plan_rows {
    ($exec:expr, $agency_id:expr, $rows:expr) => {{
        let mut by_index: BTreeMap<String, i64> = BTreeMap::new();
        for r in sqlx::query("SELECT id, index_number FROM items WHERE agency_id = $1")
            .bind($agency_id)
            .fetch_all(&mut *$exec)
            .await?
        {
            by_index.insert(r.try_get("index_number")?, r.try_get("id")?);
        }
        let mut by_identity: BTreeMap<Identity, i64> = BTreeMap::new();
        for r in sqlx::query(
            "SELECT item_id, title, document_number, published_on FROM item_versions \
             WHERE agency_id = $1 AND published_on IS NOT NULL",
        )
        .bind($agency_id)
        .fetch_all(&mut *$exec)
        .await?
        {
            let on: String = r.try_get("published_on")?;
            let Ok(on) = NaiveDate::parse_from_str(&on, "%Y-%m-%d") else {
                continue;
            };
            let number: Option<String> = r.try_get("document_number")?;
            by_identity.insert(
                (r.try_get("title")?, number.unwrap_or_default(), on),
                r.try_get("item_id")?,
            );
        }
        let mut plans = Vec::with_capacity($rows.len());
        for row in $rows {
            let existing = row
                .index_number
                .as_ref()
                .and_then(|n: &IndexNumber| by_index.get(&n.to_string()).copied())
                .or_else(|| by_identity.get(&row.identity()).copied());
            plans.push(match existing {
                Some(item_id) => RowPlan::Existing { item_id },
                None => {
                    let keeps_index = match &row.index_number {
                        Some(n) => {
                            let used: i64 = sqlx::query(
                                "SELECT COUNT(*) AS n FROM items WHERE index_number = $1",
                            )
                            .bind(n.to_string())
                            .fetch_one(&mut *$exec)
                            .await?
                            .try_get("n")?;
                            used == 0
                        }
                        None => false,
                    };
                    RowPlan::New { keeps_index }
                }
            });
        }
        plans
    }};
}

impl Store {
    /// Keeps an uploaded file until the staff confirm its preview (audited).
    #[allow(clippy::too_many_arguments)]
    pub async fn save_import_upload(
        &self,
        token: &str,
        agency_id: i64,
        user_id: i64,
        file_name: &str,
        content: &[u8],
        summary: &str,
        actor: &Actor,
    ) -> crate::Result<()> {
        let now = now_secs();
        let sha = sha256_hex(content);
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("DELETE FROM import_uploads WHERE created_at < $1")
                .bind(now - UPLOAD_TTL_SECS)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO import_uploads (token, agency_id, user_id, file_name, sha256, \
                 content_hex, created_at, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
            )
            .bind(token)
            .bind(agency_id)
            .bind(user_id)
            .bind(file_name)
            .bind(&sha)
            .bind(hex(content))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let entry = AuditEntry {
                agency_id: Some(agency_id),
                action: "items.import_upload",
                target: format!("目录导入文件 {file_name}"),
                before: String::new(),
                after: format!("SHA-256={sha}；{summary}"),
            };
            insert_audit!(&mut *tx, actor, entry, now)?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// An upload by its token.
    pub async fn import_upload(&self, token: &str) -> crate::Result<Option<ImportUpload>> {
        with_pool!(self, p => {
            let row = sqlx::query(
                "SELECT token, agency_id, user_id, file_name, sha256, content_hex, created_at, \
                 imported_at FROM import_uploads WHERE token = $1",
            )
            .bind(token)
            .fetch_optional(p)
            .await?;
            row.map(|r| -> crate::Result<ImportUpload> {
                Ok(ImportUpload {
                    token: r.try_get("token")?,
                    agency_id: r.try_get("agency_id")?,
                    user_id: r.try_get("user_id")?,
                    file_name: r.try_get("file_name")?,
                    sha256: r.try_get("sha256")?,
                    content: unhex(&r.try_get::<String, _>("content_hex")?)?,
                    created_at: r.try_get("created_at")?,
                    imported_at: r.try_get("imported_at")?,
                })
            })
            .transpose()
        })
    }

    /// What importing these rows would do (for the preview).
    pub async fn plan_import(
        &self,
        agency_id: i64,
        rows: &[ImportRow],
    ) -> crate::Result<Vec<RowPlan>> {
        with_pool!(self, p => {
            let mut conn = p.acquire().await?;
            Ok(plan_rows!(conn, agency_id, rows))
        })
    }

    /// Imports the rows of a confirmed upload or of a file as published items, all in one
    /// transaction. The caller parsed the content and refused any file with errors.
    pub async fn import_items(
        &self,
        source: ImportSource<'_>,
        agency_id: i64,
        catalogue: &Catalogue,
        rows: &[ImportRow],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> ProactiveResult<ImportOutcome> {
        let agency = self
            .get_agency(agency_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("agency {agency_id}")))?;
        let author =
            UserId::parse(&actor.login).map_err(|e| ProactiveError::Invalid(e.to_string()))?;
        let editors = serde_json::to_string(&BTreeSet::from([author.clone()]))
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let published = json_key(&State::Published)?;
        let mode = json_key(&DisclosureMode::Proactive)?;
        let secs = now.timestamp();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let (file_name, sha): (String, String) = match source {
                ImportSource::Upload { token } => {
                    let upload = sqlx::query(
                        "SELECT file_name, sha256, imported_at FROM import_uploads \
                         WHERE token = $1 AND agency_id = $2",
                    )
                    .bind(token)
                    .bind(agency_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("upload {token}")))?;
                    if upload.try_get::<Option<i64>, _>("imported_at")?.is_some() {
                        return Err(ProactiveError::Invalid("该文件已经导入过，请勿重复确认".into()));
                    }
                    (upload.try_get("file_name")?, upload.try_get("sha256")?)
                }
                ImportSource::File { file_name, sha256 } => (file_name.to_owned(), sha256.to_owned()),
            };
            let stored: i64 = sqlx::query("SELECT COUNT(*) AS n FROM catalogue_columns WHERE agency_id = $1")
                .bind(agency_id)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
            if stored == 0 {
                for (pos, c) in catalogue.columns().iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO catalogue_columns (agency_id, column_key, name, parent_key, \
                         statutory_item, position) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(agency_id)
                    .bind(c.key.as_str())
                    .bind(&c.name)
                    .bind(c.parent.as_ref().map(|p| p.to_string()))
                    .bind(c.statutory_item.map(i64::from))
                    .bind(i64::try_from(pos).unwrap_or(i64::MAX))
                    .execute(&mut *tx)
                    .await?;
                }
            }
            let plans = plan_rows!(tx, agency_id, rows);
            // kept numbers of the agency's own code move its sequences past them
            let mut floors: BTreeMap<u16, u32> = BTreeMap::new();
            for (row, plan) in rows.iter().zip(&plans) {
                if let (RowPlan::New { keeps_index: true }, Some(n)) = (plan, &row.index_number)
                    && n.uscc() == agency.uscc.as_str()
                {
                    let f = floors.entry(n.year()).or_default();
                    *f = (*f).max(n.sequence());
                }
            }
            for (year, floor) in &floors {
                sqlx::query(
                    "INSERT INTO index_sequences (agency_id, year, last_value) VALUES ($1, $2, $3) \
                     ON CONFLICT (agency_id, year) DO UPDATE SET last_value = CASE \
                     WHEN index_sequences.last_value < excluded.last_value THEN excluded.last_value \
                     ELSE index_sequences.last_value END",
                )
                .bind(agency_id)
                .bind(i64::from(*year))
                .bind(i64::from(*floor))
                .execute(&mut *tx)
                .await?;
            }
            let reason = format!("从原网站目录导入（文件 {file_name}）");
            let mut imported = Vec::new();
            let mut skipped = 0usize;
            for (row, plan) in rows.iter().zip(&plans) {
                let keeps_index = match plan {
                    RowPlan::Existing { .. } => {
                        skipped += 1;
                        continue;
                    }
                    RowPlan::New { keeps_index } => *keeps_index,
                };
                let index_number = match (&row.index_number, keeps_index) {
                    (Some(n), true) => n.clone(),
                    _ => {
                        let year = u16::try_from(chrono::Datelike::year(&row.published_on))
                            .map_err(|_| ProactiveError::Invalid("年份无效".into()))?;
                        let mut found = None;
                        for _ in 0..1000 {
                            let seq: i64 = sqlx::query(
                                "INSERT INTO index_sequences (agency_id, year, last_value) VALUES ($1, $2, 1) \
                                 ON CONFLICT (agency_id, year) DO UPDATE SET last_value = index_sequences.last_value + 1 \
                                 RETURNING last_value",
                            )
                            .bind(agency_id)
                            .bind(i64::from(year))
                            .fetch_one(&mut *tx)
                            .await?
                            .try_get("last_value")?;
                            let seq = u32::try_from(seq)
                                .map_err(|_| ProactiveError::Invalid("流水号已用完".into()))?;
                            let n = IndexNumber::new(agency.uscc.as_str(), year, seq)
                                .map_err(|e| ProactiveError::Invalid(format!("第 {} 行：{e}", row.row)))?;
                            let used: i64 = sqlx::query("SELECT COUNT(*) AS n FROM items WHERE index_number = $1")
                                .bind(n.to_string())
                                .fetch_one(&mut *tx)
                                .await?
                                .try_get("n")?;
                            if used == 0 {
                                found = Some(n);
                                break;
                            }
                        }
                        found.ok_or_else(|| ProactiveError::Invalid("无法分配索引号".into()))?
                    }
                };
                let item_id: i64 = sqlx::query(
                    "INSERT INTO items (agency_id, index_number, created_at, updated_at) \
                     VALUES ($1, $2, $3, $3) RETURNING id",
                )
                .bind(agency_id)
                .bind(index_number.to_string())
                .bind(secs)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| StoreError::from_write(e, "index_number"))?
                .try_get("id")?;
                let publisher = row.publisher.clone().unwrap_or_else(|| agency.name.clone());
                let validity = row
                    .validity
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let document_number = row.document_number.as_ref().map(ToString::to_string);
                let written_on = row.written_on.map(|d| d.format("%Y-%m-%d").to_string());
                let published_on = row.published_on.format("%Y-%m-%d").to_string();
                sqlx::query(
                    "INSERT INTO item_versions (item_id, number, agency_id, state, column_key, title, \
                     publisher, document_number, written_on, published_on, topic, disclosure_mode, \
                     scope, kind, validity, body_html, attachments, author, editors, reviewer, reason, \
                     publish_at, published_at, created_at, updated_at) VALUES ($1, 1, $2, $3, $4, $5, \
                     $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, '[]', $16, $17, NULL, $18, NULL, $19, \
                     $20, $20)",
                )
                .bind(item_id)
                .bind(agency_id)
                .bind(&published)
                .bind(row.column.as_str())
                .bind(&row.title)
                .bind(&publisher)
                .bind(&document_number)
                .bind(&written_on)
                .bind(&published_on)
                .bind(&row.topic)
                .bind(&mode)
                .bind(&row.scope)
                .bind(json_key(&row.kind)?)
                .bind(&validity)
                .bind(body_html(&row.body))
                .bind(author.as_str())
                .bind(&editors)
                .bind(&reason)
                .bind(published_at(row.published_on))
                .bind(secs)
                .execute(&mut *tx)
                .await?;
                let origin = match (&row.index_number, &row.invalid_index_number, keeps_index) {
                    (Some(_), _, true) => "沿用原索引号".to_owned(),
                    (Some(n), _, false) => format!("原索引号 {n} 已被占用，重新编号"),
                    (None, Some(raw), _) => format!("原索引号“{raw}”无效，重新编号"),
                    (None, None, _) => "新编索引号".to_owned(),
                };
                let entry = AuditEntry {
                    agency_id: Some(agency_id),
                    action: "item.import",
                    target: format!("信息 {index_number} 第 1 版"),
                    before: String::new(),
                    after: format!(
                        "已发布；栏目={}；标题={}；文号={}；发布日期={}；{origin}；第 {} 行",
                        row.column,
                        row.title,
                        document_number.clone().unwrap_or_default(),
                        published_on,
                        row.row
                    ),
                };
                insert_audit!(&mut *tx, actor, entry, secs)?;
                imported.push(item_id);
            }
            if let ImportSource::Upload { token } = source {
                sqlx::query("UPDATE import_uploads SET imported_at = $1 WHERE token = $2")
                    .bind(secs)
                    .bind(token)
                    .execute(&mut *tx)
                    .await?;
            }
            let entry = AuditEntry {
                agency_id: Some(agency_id),
                action: "items.import",
                target: format!("目录导入文件 {file_name}"),
                before: String::new(),
                after: format!(
                    "导入 {} 条，已存在跳过 {skipped} 条；SHA-256={sha}；日期 {}",
                    imported.len(),
                    china_date(now)
                ),
            };
            insert_audit!(&mut *tx, actor, entry, secs)?;
            tx.commit().await?;
            Ok(ImportOutcome { imported, skipped })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_bodies() {
        let bytes = [0u8, 1, 0xab, 0xff];
        assert_eq!(unhex(&hex(&bytes)).unwrap(), bytes);
        assert!(unhex("abc").is_err());
        assert_eq!(
            body_html("第一段\n\n第二段 1<2"),
            "<p>第一段</p><p>第二段 1&lt;2</p>"
        );
        assert_eq!(body_html("<p>甲</p><script>x</script>"), "<p>甲</p>");
        assert_eq!(
            published_at(NaiveDate::from_ymd_opt(2021, 3, 1).unwrap()),
            1_614_528_000
        );
    }
}
