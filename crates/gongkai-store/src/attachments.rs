//! Attachments (附件): uploaded files kept in the database (a BLOB in SQLite, BYTEA in
//! PostgreSQL), so that a backup holds them and app nodes need no shared disk. Each keeps the
//! text extracted from it, for search and for the pre-publication checks.
//!
//! Type sniffing, limits and text extraction are the caller's (see
//! `gongkai_proactive::attachment`); this module stores what it is given. Whether a file may be
//! served to the public is decided by the item: only an attachment listed in a published version
//! is public (see [`Store::published_attachment`]).

use crate::proactive::ProactiveResult;
use crate::{Actor, AuditEntry, Store, StoreError};
use chrono::{DateTime, Utc};
use gongkai_proactive::Attachment;
use serde::Serialize;
use sqlx::Row;

/// A file to store.
#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    pub file_name: &'a str,
    pub media_type: &'a str,
    pub content: &'a [u8],
    /// The text extracted for search and checks (empty when none).
    pub text: &'a str,
    /// How the text was obtained (`extracted`, `no_text`, `needs_pdf_tool`, `failed`).
    pub text_status: &'a str,
}

/// A stored file's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredAttachment {
    pub id: i64,
    pub agency_id: i64,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub text_status: String,
    pub created_at: i64,
}

impl StoredAttachment {
    /// The reference an item version keeps.
    pub fn to_item_attachment(&self) -> Attachment {
        Attachment {
            id: Some(self.id),
            file_name: self.file_name.clone(),
            url: format!("/attachments/{}", self.id),
            size_bytes: u64::try_from(self.size_bytes).ok(),
            media_type: Some(self.media_type.clone()),
        }
    }
}

const META_COLS: &str =
    "id, agency_id, sha256, file_name, media_type, size_bytes, text_status, created_at";

fn meta_of<R: Row>(r: &R) -> Result<StoredAttachment, sqlx::Error>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'d> i64: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
    for<'d> String: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
{
    Ok(StoredAttachment {
        id: r.try_get("id")?,
        agency_id: r.try_get("agency_id")?,
        sha256: r.try_get("sha256")?,
        file_name: r.try_get("file_name")?,
        media_type: r.try_get("media_type")?,
        size_bytes: r.try_get("size_bytes")?,
        text_status: r.try_get("text_status")?,
        created_at: r.try_get("created_at")?,
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn human_size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    }
}

impl Store {
    /// Stores a file for an agency (audited). The same content under the same name is stored
    /// once: uploading it again returns the stored one.
    pub async fn add_attachment(
        &self,
        agency_id: i64,
        file: &NewAttachment<'_>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> ProactiveResult<StoredAttachment> {
        let sha = sha256_hex(file.content);
        let secs = now.timestamp();
        let size = i64::try_from(file.content.len())
            .map_err(|_| StoreError::Corrupt("attachment too large".into()))?;
        let sql = format!(
            "SELECT {META_COLS} FROM attachments WHERE agency_id = $1 AND sha256 = $2 AND file_name = $3"
        );
        let insert = format!(
            "INSERT INTO attachments (agency_id, sha256, file_name, media_type, size_bytes, text, \
             text_status, content, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {META_COLS}"
        );
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            if let Some(r) = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(agency_id)
                .bind(&sha)
                .bind(file.file_name)
                .fetch_optional(&mut *tx)
                .await?
            {
                return Ok(meta_of(&r)?);
            }
            let r = sqlx::query(sqlx::AssertSqlSafe(insert.as_str()))
                .bind(agency_id)
                .bind(&sha)
                .bind(file.file_name)
                .bind(file.media_type)
                .bind(size)
                .bind(file.text)
                .bind(file.text_status)
                .bind(file.content)
                .bind(&actor.login)
                .bind(secs)
                .fetch_one(&mut *tx)
                .await?;
            let stored = meta_of(&r)?;
            let entry = AuditEntry {
                agency_id: Some(agency_id),
                action: "attachment.upload",
                target: format!("附件 {}", stored.id),
                before: String::new(),
                after: format!(
                    "{}（{}，{}，SHA-256 {}）",
                    file.file_name,
                    file.media_type,
                    human_size(file.content.len()),
                    &sha[..16]
                ),
            };
            insert_audit!(&mut *tx, actor, entry, secs)?;
            tx.commit().await?;
            Ok(stored)
        })
    }

    /// A stored file's metadata (staff: no publication check).
    pub async fn attachment(&self, id: i64) -> ProactiveResult<Option<StoredAttachment>> {
        let sql = format!("SELECT {META_COLS} FROM attachments WHERE id = $1");
        with_pool!(self, p => {
            let r = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(p)
                .await?;
            Ok(r.as_ref().map(meta_of).transpose()?)
        })
    }

    /// A stored file's bytes (staff: no publication check).
    pub async fn attachment_content(&self, id: i64) -> ProactiveResult<Option<Vec<u8>>> {
        with_pool!(self, p => {
            let r = sqlx::query("SELECT content FROM attachments WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await?;
            Ok(r.map(|r| r.try_get("content")).transpose()?)
        })
    }

    /// The text extracted from a stored file.
    pub async fn attachment_text(&self, id: i64) -> ProactiveResult<Option<String>> {
        with_pool!(self, p => {
            let r = sqlx::query("SELECT text FROM attachments WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await?;
            Ok(r.map(|r| r.try_get("text")).transpose()?)
        })
    }

    /// A file the public may download: the `attachment_id` is listed in the published version
    /// of `item_id` of `agency_id`. Returns its metadata and bytes; `None` otherwise.
    pub async fn published_attachment(
        &self,
        agency_id: i64,
        item_id: i64,
        attachment_id: i64,
    ) -> ProactiveResult<Option<(StoredAttachment, Vec<u8>)>> {
        let Some(version) = self.get_published(agency_id, item_id).await? else {
            return Ok(None);
        };
        if !version
            .item
            .attachments
            .iter()
            .any(|a| a.id == Some(attachment_id))
        {
            return Ok(None);
        }
        let Some(meta) = self.attachment(attachment_id).await? else {
            return Ok(None);
        };
        if meta.agency_id != agency_id {
            return Ok(None);
        }
        Ok(self
            .attachment_content(attachment_id)
            .await?
            .map(|bytes| (meta, bytes)))
    }
}
