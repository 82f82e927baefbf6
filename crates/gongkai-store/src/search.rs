//! The full-text search index of published items: jieba tokens (from
//! [`gongkai_proactive::Tokenizer`]) joined by spaces, in SQLite FTS5 (`unicode61`) or in a
//! PostgreSQL `tsvector` under the `simple` configuration.
//!
//! Only published versions ever enter the index: [`SearchIndex::reindex`] reads the item's
//! published version (title, body, text of its attachments) and replaces the entry, or removes it
//! when nothing is published. Every write that can change what is public calls it in the same
//! transaction. Results are rebuilt from the published version at query time too, so a hit whose
//! item is no longer public is dropped rather than shown.

use crate::proactive::{ProactiveResult, china_date};
use crate::{Store, StoreError};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use gongkai_proactive::{Attachment, ColumnKey, Query, Tokenizer, html, snippet};
use serde::Serialize;
use sqlx::Row;

/// Body words kept per item: a `tsvector` may not exceed 1 MB, and beyond this a document's
/// relevance does not improve.
const MAX_BODY_WORDS_BYTES: usize = 400_000;

/// Matches counted exactly; beyond this the total is shown as "more than".
pub const COUNT_CAP: i64 = 10_000;

/// Characters of context in a result snippet.
const SNIPPET_CHARS: usize = 120;

/// What to search for.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: Query,
    pub agency_id: Option<i64>,
    pub column: Option<ColumnKey>,
    /// Year of publication (China time).
    pub year: Option<i32>,
    pub offset: i64,
    pub limit: i64,
}

/// One result: the published item with highlighted title and snippet (HTML, escaped, `<mark>`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub item_id: i64,
    pub agency_id: i64,
    pub index_number: String,
    pub title: String,
    pub title_html: String,
    pub snippet_html: String,
    /// Where the snippet comes from: `正文` or the attachment's file name.
    pub snippet_source: String,
    pub column_key: String,
    pub document_number: Option<String>,
    pub published_on: Option<NaiveDate>,
    pub score: f64,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// Number of matches, at most [`COUNT_CAP`] + 1.
    pub total: i64,
    /// Whether there are more matches than [`COUNT_CAP`].
    pub more: bool,
}

/// The searchable words of one published item.
pub(crate) struct Entry {
    pub(crate) agency_id: i64,
    pub(crate) column_key: String,
    pub(crate) year: i32,
    pub(crate) topic: Option<String>,
    pub(crate) published_at: i64,
    pub(crate) title_words: String,
    pub(crate) body_words: String,
}

/// The plain text of a published body and its attachments, for the index and snippets.
fn body_text(body_html: &str, attachment_texts: &[String]) -> String {
    let mut text = html::plain_text(body_html);
    for t in attachment_texts {
        text.push('\n');
        text.push_str(t);
    }
    text
}

fn truncate_words(mut words: String, max: usize) -> String {
    if words.len() > max {
        let mut end = max;
        while !words.is_char_boundary(end) {
            end -= 1;
        }
        let cut = if words.as_bytes().get(end) == Some(&b' ') {
            end
        } else {
            words[..end].rfind(' ').unwrap_or(0)
        };
        words.truncate(cut);
    }
    words
}

fn attachment_ids(json: &str) -> ProactiveResult<Vec<i64>> {
    let list: Vec<Attachment> =
        serde_json::from_str(json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(list.iter().filter_map(|a| a.id).collect())
}

/// Loads an item's published content and turns it into an index entry (`None`: not public).
macro_rules! load_entry {
    ($conn:expr, $item_id:expr) => {{
        let row = sqlx::query(
            "SELECT agency_id, title, body_html, attachments, column_key, topic, published_at \
             FROM item_versions WHERE item_id = $1 AND state = 'published'",
        )
        .bind($item_id)
        .fetch_optional(&mut *$conn)
        .await?;
        match row {
            None => None,
            Some(r) => {
                let agency_id: i64 = r.try_get("agency_id")?;
                let ids = attachment_ids(&r.try_get::<String, _>("attachments")?)?;
                let mut texts = Vec::with_capacity(ids.len());
                for id in ids {
                    let t: Option<String> = sqlx::query(
                        "SELECT text FROM attachments WHERE id = $1 AND agency_id = $2",
                    )
                    .bind(id)
                    .bind(agency_id)
                    .fetch_optional(&mut *$conn)
                    .await?
                    .map(|r| r.try_get("text"))
                    .transpose()?;
                    texts.extend(t);
                }
                let title: String = r.try_get("title")?;
                let body: String = r.try_get("body_html")?;
                let published_at: i64 = r.try_get::<Option<i64>, _>("published_at")?.unwrap_or(0);
                let (title_words, body_words) = index_words(&title, &body, &texts);
                Some(Entry {
                    agency_id,
                    column_key: r.try_get("column_key")?,
                    year: index_year(published_at),
                    topic: r.try_get("topic")?,
                    published_at,
                    title_words,
                    body_words,
                })
            }
        }
    }};
}

/// The indexed words of a published version: its title's, and its body's with the text of its
/// attachments (cut to [`MAX_BODY_WORDS_BYTES`]). The one definition of what enters the index.
pub(crate) fn index_words(
    title: &str,
    body_html: &str,
    attachment_texts: &[String],
) -> (String, String) {
    let tokenizer = Tokenizer::shared();
    (
        tokenizer.index_text(title),
        truncate_words(
            tokenizer.index_text(&body_text(body_html, attachment_texts)),
            MAX_BODY_WORDS_BYTES,
        ),
    )
}

/// The year (China time) a search entry is filed under, from `published_at` in seconds.
pub(crate) fn index_year(published_at: i64) -> i32 {
    china_date(to_utc(published_at)).year()
}

fn to_utc(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

/// Keeps the search entry of one item in line with its published version, inside the caller's
/// transaction. Implemented for both backends' connections.
pub(crate) trait SearchIndex {
    fn reindex(
        &mut self,
        item_id: i64,
    ) -> impl std::future::Future<Output = ProactiveResult<()>> + Send;

    /// Writes the entry of an item that has none yet (SQLite) or replaces it (PostgreSQL).
    fn write_entry(
        &mut self,
        item_id: i64,
        entry: &Entry,
    ) -> impl std::future::Future<Output = ProactiveResult<()>> + Send;
}

impl SearchIndex for sqlx::SqliteConnection {
    async fn reindex(&mut self, item_id: i64) -> ProactiveResult<()> {
        let conn = self;
        let entry = load_entry!(conn, item_id);
        sqlx::query("DELETE FROM search_fts WHERE rowid = $1")
            .bind(item_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM search_documents WHERE item_id = $1")
            .bind(item_id)
            .execute(&mut *conn)
            .await?;
        if let Some(e) = entry {
            conn.write_entry(item_id, &e).await?;
        }
        Ok(())
    }

    async fn write_entry(&mut self, item_id: i64, e: &Entry) -> ProactiveResult<()> {
        let conn = self;
        sqlx::query(
                "INSERT INTO search_documents (item_id, agency_id, column_key, year, topic, published_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(item_id)
            .bind(e.agency_id)
            .bind(&e.column_key)
            .bind(e.year)
            .bind(&e.topic)
            .bind(e.published_at)
            .execute(&mut *conn)
            .await?;
        sqlx::query("INSERT INTO search_fts (rowid, title, body) VALUES ($1, $2, $3)")
            .bind(item_id)
            .bind(&e.title_words)
            .bind(&e.body_words)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

impl SearchIndex for sqlx::PgConnection {
    async fn reindex(&mut self, item_id: i64) -> ProactiveResult<()> {
        let conn = self;
        let entry = load_entry!(conn, item_id);
        match entry {
            None => {
                sqlx::query("DELETE FROM search_documents WHERE item_id = $1")
                    .bind(item_id)
                    .execute(&mut *conn)
                    .await?;
            }
            Some(e) => conn.write_entry(item_id, &e).await?,
        }
        Ok(())
    }

    async fn write_entry(&mut self, item_id: i64, e: &Entry) -> ProactiveResult<()> {
        let conn = self;
        sqlx::query(
            "INSERT INTO search_documents \
                     (item_id, agency_id, column_key, year, topic, published_at, words) \
                     VALUES ($1, $2, $3, $4, $5, $6, \
                       setweight(to_tsvector('simple', $7), 'A') || \
                       setweight(to_tsvector('simple', $8), 'B')) \
                     ON CONFLICT (item_id) DO UPDATE SET agency_id = EXCLUDED.agency_id, \
                       column_key = EXCLUDED.column_key, year = EXCLUDED.year, \
                       topic = EXCLUDED.topic, published_at = EXCLUDED.published_at, \
                       words = EXCLUDED.words",
        )
        .bind(item_id)
        .bind(e.agency_id)
        .bind(&e.column_key)
        .bind(e.year)
        .bind(&e.topic)
        .bind(e.published_at)
        .bind(&e.title_words)
        .bind(&e.body_words)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}

const SQLITE_MATCHES: &str = "FROM search_fts JOIN search_documents d ON d.item_id = search_fts.rowid \
     WHERE search_fts MATCH $1 \
     AND ($2 IS NULL OR d.agency_id = $2) \
     AND ($3 IS NULL OR d.column_key = $3) \
     AND ($4 IS NULL OR d.year = $4)";

const POSTGRES_MATCHES: &str = "FROM search_documents d, plainto_tsquery('simple', $1) q \
     WHERE d.words @@ q \
     AND ($2::BIGINT IS NULL OR d.agency_id = $2) \
     AND ($3::TEXT IS NULL OR d.column_key = $3) \
     AND ($4::INTEGER IS NULL OR d.year = $4)";

impl Store {
    /// Brings the search entry of one item in line with its published version (adds, replaces or
    /// removes it). Idempotent; writes in this crate already call it in their transaction.
    pub async fn reindex_item(&self, item_id: i64) -> ProactiveResult<()> {
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            tx.reindex(item_id).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Rebuilds the whole search index from the published versions; returns the number of
    /// items indexed. For repairs and after a restore.
    pub async fn reindex_all(&self) -> ProactiveResult<u64> {
        let ids: Vec<i64> = with_pool!(self, p => {
            sqlx::query("SELECT id FROM items ORDER BY id")
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| r.try_get("id"))
                .collect::<Result<_, _>>()?
        });
        let mut n = 0;
        for chunk in ids.chunks(500) {
            with_pool!(self, p => {
                let mut tx = p.begin().await?;
                for id in chunk {
                    tx.reindex(*id).await?;
                }
                tx.commit().await?;
            });
            n += chunk.len() as u64;
        }
        Ok(n)
    }

    /// Searches published items: every query word must occur (title, body or attachment text);
    /// ranked by relevance (title words weigh more), then newest first.
    pub async fn search(&self, req: &SearchRequest) -> ProactiveResult<SearchResults> {
        if req.query.is_empty() {
            return Ok(SearchResults {
                hits: Vec::new(),
                total: 0,
                more: false,
            });
        }
        let column = req.column.as_ref().map(|c| c.as_str().to_owned());
        let limit = req.limit.clamp(1, 100);
        let offset = req.offset.max(0);
        let (total, ranked): (i64, Vec<(i64, f64)>) = match self {
            Store::Sqlite(b) => {
                let m = req.query.fts5_match();
                let total: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) AS n FROM (SELECT 1 {SQLITE_MATCHES} LIMIT {})",
                    COUNT_CAP + 1
                )))
                .bind(&m)
                .bind(req.agency_id)
                .bind(&column)
                .bind(req.year)
                .fetch_one(&b.pool)
                .await?
                .try_get("n")?;
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT d.item_id, bm25(search_fts, 8.0, 1.0) AS score {SQLITE_MATCHES} \
                     ORDER BY score, d.published_at DESC, d.item_id DESC LIMIT $5 OFFSET $6"
                )))
                .bind(&m)
                .bind(req.agency_id)
                .bind(&column)
                .bind(req.year)
                .bind(limit)
                .bind(offset)
                .fetch_all(&b.pool)
                .await?;
                let ranked = rows
                    .iter()
                    .map(|r| Ok((r.try_get("item_id")?, -r.try_get::<f64, _>("score")?)))
                    .collect::<Result<_, sqlx::Error>>()?;
                (total, ranked)
            }
            Store::Postgres(b) => {
                let m = req.query.plain();
                let total: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) AS n FROM (SELECT 1 {POSTGRES_MATCHES} LIMIT {}) c",
                    COUNT_CAP + 1
                )))
                .bind(&m)
                .bind(req.agency_id)
                .bind(&column)
                .bind(req.year)
                .fetch_one(&b.pool)
                .await?
                .try_get("n")?;
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT d.item_id, ts_rank(d.words, q, 1)::FLOAT8 AS score {POSTGRES_MATCHES} \
                     ORDER BY score DESC, d.published_at DESC, d.item_id DESC LIMIT $5 OFFSET $6"
                )))
                .bind(&m)
                .bind(req.agency_id)
                .bind(&column)
                .bind(req.year)
                .bind(limit)
                .bind(offset)
                .fetch_all(&b.pool)
                .await?;
                let ranked = rows
                    .iter()
                    .map(|r| Ok((r.try_get("item_id")?, r.try_get::<f64, _>("score")?)))
                    .collect::<Result<_, sqlx::Error>>()?;
                (total, ranked)
            }
        };
        let mut hits = Vec::with_capacity(ranked.len());
        for (item_id, score) in ranked {
            if let Some(hit) = self.hit(item_id, score, &req.query).await? {
                hits.push(hit);
            }
        }
        Ok(SearchResults {
            hits,
            total: total.min(COUNT_CAP),
            more: total > COUNT_CAP,
        })
    }

    /// Builds a result from the item's published version (`None` if it is no longer public).
    async fn hit(
        &self,
        item_id: i64,
        score: f64,
        query: &Query,
    ) -> ProactiveResult<Option<SearchHit>> {
        let row: Option<PublishedRow> = with_pool!(self, p => {
            let r = sqlx::query(
                "SELECT v.agency_id, i.index_number, v.title, v.body_html, v.attachments, \
                 v.column_key, v.document_number, v.published_on \
                 FROM item_versions v JOIN items i ON i.id = v.item_id \
                 WHERE v.item_id = $1 AND v.state = 'published'",
            )
            .bind(item_id)
            .fetch_optional(p)
            .await?;
            match r {
                None => None,
                Some(r) => Some(PublishedRow {
                    agency_id: r.try_get("agency_id")?,
                    index_number: r.try_get("index_number")?,
                    title: r.try_get("title")?,
                    body_html: r.try_get("body_html")?,
                    attachments: r.try_get("attachments")?,
                    column_key: r.try_get("column_key")?,
                    document_number: r.try_get("document_number")?,
                    published_on: r.try_get("published_on")?,
                }),
            }
        });
        let Some(r) = row else { return Ok(None) };
        let title = r.title;
        let body = html::plain_text(&r.body_html);
        let tokens = &query.tokens;
        let has_hit = |text: &str| {
            let lower = text.to_lowercase();
            tokens.iter().any(|t| lower.contains(t.as_str()))
        };
        let (mut snippet_html, mut source) = (String::new(), "正文".to_owned());
        if has_hit(&body) || body.trim().is_empty() {
            snippet_html = snippet(&body, tokens, SNIPPET_CHARS);
        }
        if !has_hit(&body) {
            let list: Vec<Attachment> = serde_json::from_str(&r.attachments)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            for a in list {
                let Some(id) = a.id else { continue };
                if let Some(text) = self.attachment_text(id).await?
                    && has_hit(&text)
                {
                    snippet_html = snippet(&text, tokens, SNIPPET_CHARS);
                    source = a.file_name;
                    break;
                }
            }
            if snippet_html.is_empty() {
                snippet_html = snippet(&body, tokens, SNIPPET_CHARS);
            }
        }
        Ok(Some(SearchHit {
            item_id,
            agency_id: r.agency_id,
            index_number: r.index_number,
            title_html: snippet(&title, tokens, title.chars().count().max(1)),
            title,
            snippet_html,
            snippet_source: source,
            column_key: r.column_key,
            document_number: r.document_number,
            published_on: r.published_on.and_then(|d| d.parse().ok()),
            score,
        }))
    }
}

/// The columns of a published version a result is built from.
struct PublishedRow {
    agency_id: i64,
    index_number: String,
    title: String,
    body_html: String,
    attachments: String,
    column_key: String,
    document_number: Option<String>,
    published_on: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_word_lists_are_cut_at_a_word_boundary() {
        let words = "公开 审批 服务".to_owned();
        assert_eq!(truncate_words(words.clone(), 100), words);
        assert_eq!(truncate_words(words.clone(), 13), "公开 审批");
        assert_eq!(truncate_words(words.clone(), 11), "公开");
        assert_eq!(truncate_words(words, 3), "");
    }

    #[test]
    fn body_text_joins_attachments() {
        let t = body_text("<p>正文</p>", &["附件一".into(), "附件二".into()]);
        assert_eq!(t, "正文\n附件一\n附件二");
    }
}
