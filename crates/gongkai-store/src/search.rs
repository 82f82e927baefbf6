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

/// Matches counted exactly; beyond this the total is shown as "more than" (as many as can be
/// paged to: counting further would cost time for a number nobody uses).
pub const COUNT_CAP: i64 = 1_000;

/// Matches ranked by relevance: the newest this many (by item id, which FTS5 and the index walk
/// in order). Among them, items whose title holds every query word come first, then the others,
/// each group by bm25 / ts_rank; results past them follow newest first. Bounding the ranked set
/// keeps a query's cost independent of how many of a million items contain a common word; twenty
/// pages of ranked results are more than anyone reads before refining the query.
pub const RANK_WINDOW: i64 = 200;

/// Shards with matches a query reads for its count and its ranked window. A sparse query (few
/// matches in each shard) would otherwise walk every shard; past this many, the count is a lower
/// bound (`more`) and the older shards are read only when a page reaches them.
pub const SHARD_BUDGET: usize = 3;

/// Deepest result offered (the search page stops at page 100 of 10).
pub const MAX_RESULTS: i64 = 1_000;

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
    /// Number of matches counted, at most [`COUNT_CAP`].
    pub total: i64,
    /// Whether `total` is a lower bound: more than [`COUNT_CAP`] matches, or older parts of the
    /// index not counted ([`SHARD_BUDGET`]).
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
        let table = shard_table(shard_of(item_id));
        if shard_exists(&mut *conn, &table).await? {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE rowid = $1"
            )))
            .bind(item_id)
            .execute(&mut *conn)
            .await?;
        }
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
        let table = shard_table(shard_of(item_id));
        if !shard_exists(&mut *conn, &table).await? {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5(title, body, facets, \
                 content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0')"
            )))
            .execute(&mut *conn)
            .await?;
        }
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {table} (rowid, title, body, facets) VALUES ($1, $2, $3, $4)"
        )))
        .bind(item_id)
        .bind(&e.title_words)
        .bind(&e.body_words)
        .bind(facet_tokens(Some(e.agency_id), Some(&e.column_key), Some(e.year)).join(" "))
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

/// Items per shard of the SQLite index. FTS5 computes bm25's statistics (documents per word) by
/// reading each query word's whole posting list, so one index over a million items would cost
/// tens of milliseconds per common word. The index is therefore split by item id into shards of
/// this many items (`search_fts_<n>`, created when first needed): a query reads the newest shard
/// first and older ones only while it needs more matches, and each shard's statistics cover at
/// most this many items (per-shard statistics, as distributed search engines keep them).
pub const SHARD_ITEMS: i64 = 50_000;

fn shard_of(item_id: i64) -> i64 {
    item_id.div_euclid(SHARD_ITEMS)
}

fn shard_table(shard: i64) -> String {
    format!("search_fts_{shard}")
}

async fn shard_exists(conn: &mut sqlx::SqliteConnection, table: &str) -> sqlx::Result<bool> {
    let n: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = $1")
            .bind(table)
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
    Ok(n > 0)
}

/// The shard tables that exist, newest (highest ids) first.
async fn shards(conn: &mut sqlx::SqliteConnection) -> sqlx::Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'search_fts_[0-9]*'",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut found: Vec<i64> = Vec::with_capacity(rows.len());
    for r in &rows {
        let name: String = r.try_get("name")?;
        // the shadow tables (`search_fts_3_data` …) are not shards
        if let Some(n) = name
            .strip_prefix("search_fts_")
            .and_then(|n| n.parse::<i64>().ok())
        {
            found.push(n);
        }
    }
    found.sort_unstable_by(|a, b| b.cmp(a));
    Ok(found.into_iter().map(shard_table).collect())
}

/// The filter tokens of the SQLite index's `facets` column: `a<agency id>`, `c<hex of the column
/// key>`, `y<year>`. Letters and digits only, so that `unicode61` keeps each one whole, and
/// unlike any word a query can reach (query words are matched in `title` and `body` only).
fn facet_tokens(agency_id: Option<i64>, column: Option<&str>, year: Option<i32>) -> Vec<String> {
    let mut out = Vec::with_capacity(3);
    if let Some(a) = agency_id {
        out.push(format!("a{a}"));
    }
    if let Some(c) = column {
        let mut t = String::with_capacity(1 + 2 * c.len());
        t.push('c');
        for b in c.bytes() {
            t.push_str(&format!("{b:02x}"));
        }
        out.push(t);
    }
    if let Some(y) = year {
        out.push(format!("y{y}"));
    }
    out
}

/// Whether a query word has the shape of a filter token (`a12`, `y2021`, `c<hex>`): such a word
/// is matched in `title` and `body` only, so that it never matches a filter.
fn looks_like_facet(token: &str) -> bool {
    let mut chars = token.chars();
    matches!(chars.next(), Some('a' | 'c' | 'y'))
        && token.len() > 1
        && chars.all(|c| c.is_ascii_hexdigit())
}

/// The words of a query as an FTS5 expression (implicit AND). No column filter: a column filter
/// makes FTS5 decode the positions of every entry of a word's posting list, three times the work
/// of a plain walk; only words shaped like filter tokens get one.
fn fts5_words(query: &Query) -> String {
    query
        .tokens
        .iter()
        .map(|t| {
            let quoted = format!("\"{}\"", t.replace('"', "\"\""));
            if looks_like_facet(t) {
                format!("({{title body}} : {quoted})")
            } else {
                quoted
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// FTS5 `MATCH` expressions of a request: every word and every filter (finds the matches);
/// every word (scores them: no filter tokens, whose posting lists bm25 would read whole); every
/// word in the title.
fn fts5_matches(req: &SearchRequest, column: Option<&str>) -> (String, String, String) {
    let words = fts5_words(&req.query);
    let facets = facet_tokens(req.agency_id, column, req.year);
    let filter = if facets.is_empty() {
        String::new()
    } else {
        let quoted: Vec<String> = facets.iter().map(|f| format!("\"{f}\"")).collect();
        format!(" AND facets : ({})", quoted.join(" "))
    };
    (
        format!("{words}{filter}"),
        words,
        format!("title : ({})", req.query.fts5_match()),
    )
}

/// A PostgreSQL `to_tsquery` expression requiring every query word in the title (weight A).
fn title_tsquery(query: &Query) -> String {
    query
        .tokens
        .iter()
        .map(|t| format!("'{}':A", t.replace('\\', "\\\\").replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(" & ")
}

const POSTGRES_FILTERS: &str = "AND ($2::BIGINT IS NULL OR d.agency_id = $2) \
     AND ($3::TEXT IS NULL OR d.column_key = $3) \
     AND ($4::INTEGER IS NULL OR d.year = $4)";

/// One match of the ranked window: item id, score ("higher is better"), whether its title holds
/// every query word.
type Scored = (i64, f64, bool);

/// Orders the ranked window: title matches ahead of the others, each group best first; ties go
/// to the newer item.
fn rank(mut window: Vec<Scored>) -> Vec<(i64, f64)> {
    window.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.total_cmp(&a.1)).then(b.0.cmp(&a.0)));
    window
        .into_iter()
        .map(|(id, score, _)| (id, score))
        .collect()
}

/// The page `[offset, offset + limit)` of the ranked list followed by the other matches
/// (`newest`: matches newest first, enough of them to reach the page).
fn page_of(ranked: Vec<(i64, f64)>, newest: Vec<i64>, offset: i64, limit: i64) -> Vec<(i64, f64)> {
    let seen: std::collections::HashSet<i64> = ranked.iter().map(|(id, _)| *id).collect();
    ranked
        .into_iter()
        .chain(
            newest
                .into_iter()
                .filter(|id| !seen.contains(id))
                .map(|id| (id, 0.0)),
        )
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .collect()
}

/// The newest `limit` matches of an FTS5 expression in one shard (FTS5 walks them in rowid
/// order and stops at the limit).
async fn newest_matches(
    conn: &mut sqlx::SqliteConnection,
    table: &str,
    expression: &str,
    limit: i64,
) -> crate::Result<Vec<i64>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT rowid AS id FROM {table} WHERE {table} MATCH $1 ORDER BY rowid DESC LIMIT $2"
    )))
    .bind(expression)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| r.try_get("id").map_err(StoreError::from))
        .collect()
}

/// Scores matches of one shard (`ids`, newest first): bm25 over the request's `words` and whether
/// the `title` holds them all.
async fn score_window(
    conn: &mut sqlx::SqliteConnection,
    table: &str,
    ids: &[i64],
    words: &str,
    title: &str,
) -> crate::Result<Vec<Scored>> {
    let (Some(hi), Some(lo)) = (ids.first().copied(), ids.last().copied()) else {
        return Ok(Vec::new());
    };
    // bm25 of the window only, over the words only: bm25 reads the whole posting list of every
    // phrase of its query for its statistics, and a filter token's list can span the shard.
    // `+rowid` keeps the id list a test of each row in the range, not a lookup per id.
    let list = serde_json::to_string(ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let in_window = format!(
        "FROM {table} WHERE {table} MATCH $1 AND rowid BETWEEN $2 AND $3 \
         AND +rowid IN (SELECT value FROM json_each($4))"
    );
    let scored = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT rowid AS id, bm25({table}, 8.0, 1.0, 0.0) AS score {in_window}"
    )))
    .bind(words)
    .bind(lo)
    .bind(hi)
    .bind(&list)
    .fetch_all(&mut *conn)
    .await?;
    let titled: std::collections::HashSet<i64> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT rowid AS id {in_window}"
    )))
    .bind(title)
    .bind(lo)
    .bind(hi)
    .bind(&list)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| r.try_get("id"))
    .collect::<Result<_, _>>()?;
    scored
        .iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            // bm25() is "lower is better"
            let score = -r.try_get::<f64, _>("score")?;
            Ok((id, score, titled.contains(&id)))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

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

    /// Whether published items exist but the search index is empty (a migration rebuilt its
    /// shape, or it was never built): [`Store::migrate`] then rebuilds it.
    pub(crate) async fn search_index_missing(&self) -> crate::Result<bool> {
        with_pool!(self, p => {
            let published: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM (SELECT 1 FROM item_versions \
                 WHERE state = 'published' LIMIT 1) t",
            )
            .fetch_one(p)
            .await?
            .try_get("n")?;
            let indexed: i64 =
                sqlx::query("SELECT COUNT(*) AS n FROM (SELECT 1 FROM search_documents LIMIT 1) t")
                    .fetch_one(p)
                    .await?
                    .try_get("n")?;
            Ok(published > 0 && indexed == 0)
        })
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

    /// Searches published items: every query word must occur (title, body or attachment text).
    /// Of the newest [`RANK_WINDOW`] matches, those whose title holds every word come first, then
    /// the others, each group by relevance (bm25 / ts_rank, title words weigh more); then the
    /// remaining matches, newest first.
    pub async fn search(&self, req: &SearchRequest) -> ProactiveResult<SearchResults> {
        if req.query.is_empty() {
            return Ok(SearchResults {
                hits: Vec::new(),
                total: 0,
                more: false,
            });
        }
        let started = std::time::Instant::now();
        let column = req.column.as_ref().map(|c| c.as_str().to_owned());
        let limit = req.limit.clamp(1, 100);
        let offset = req.offset.clamp(0, MAX_RESULTS);
        let (total, more, ranked): (i64, bool, Vec<(i64, f64)>) = match self {
            Store::Sqlite(b) => {
                let (all, words, title) = fts5_matches(req, column.as_deref());
                let mut conn = b.pool.acquire().await?;
                let mut total = 0;
                let mut window: Vec<Scored> = Vec::new();
                let mut matched = 0;
                let mut unread = false;
                let tables = shards(&mut conn).await?;
                // Newest shard first, one walk per shard for the count and the window; FTS5
                // walks a shard's matches in rowid order and stops at the LIMIT.
                for table in &tables {
                    if matched >= SHARD_BUDGET {
                        unread = true;
                        break;
                    }
                    let left = RANK_WINDOW - window.len() as i64;
                    let limit = if total > COUNT_CAP {
                        left
                    } else {
                        (COUNT_CAP + 1 - total).max(left)
                    };
                    if limit <= 0 {
                        break;
                    }
                    let ids = newest_matches(&mut conn, table, &all, limit).await?;
                    if ids.is_empty() {
                        continue;
                    }
                    matched += 1;
                    if total <= COUNT_CAP {
                        total += ids.len() as i64;
                    }
                    if left > 0 {
                        let take = ids.len().min(usize::try_from(left).unwrap_or(0));
                        window.extend(
                            score_window(&mut conn, table, &ids[..take], &words, &title).await?,
                        );
                    }
                }
                let ranked = rank(window);
                let mut newest = Vec::new();
                let want = offset + limit;
                if want > ranked.len() as i64 && (total > ranked.len() as i64 || unread) {
                    for table in &tables {
                        let left = want - newest.len() as i64;
                        newest.extend(newest_matches(&mut conn, table, &all, left).await?);
                        if newest.len() as i64 >= want {
                            break;
                        }
                    }
                }
                (
                    total.min(COUNT_CAP),
                    total > COUNT_CAP || unread,
                    page_of(ranked, newest, offset, limit),
                )
            }
            Store::Postgres(b) => {
                let m = req.query.plain();
                let total: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM search_documents d, \
                     plainto_tsquery('simple', $1) q WHERE d.words @@ q {POSTGRES_FILTERS} \
                     LIMIT {}) c",
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
                    "SELECT id, ts_rank(words, q, 1)::FLOAT8 AS score, \
                       words @@ to_tsquery('simple', $6) AS in_title FROM ( \
                       SELECT d.item_id AS id, d.words, q \
                       FROM search_documents d, plainto_tsquery('simple', $1) q \
                       WHERE d.words @@ q {POSTGRES_FILTERS} \
                       ORDER BY d.item_id DESC LIMIT $5) w"
                )))
                .bind(&m)
                .bind(req.agency_id)
                .bind(&column)
                .bind(req.year)
                .bind(RANK_WINDOW)
                .bind(title_tsquery(&req.query))
                .fetch_all(&b.pool)
                .await?;
                let window = rows
                    .iter()
                    .map(|r| {
                        Ok((
                            r.try_get("id")?,
                            r.try_get("score")?,
                            r.try_get("in_title")?,
                        ))
                    })
                    .collect::<Result<Vec<Scored>, sqlx::Error>>()?;
                let ranked = rank(window);
                let mut newest = Vec::new();
                if offset + limit > ranked.len() as i64 && total > ranked.len() as i64 {
                    let found = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT d.item_id AS id FROM search_documents d, \
                         plainto_tsquery('simple', $1) q WHERE d.words @@ q {POSTGRES_FILTERS} \
                         ORDER BY d.item_id DESC LIMIT $5"
                    )))
                    .bind(&m)
                    .bind(req.agency_id)
                    .bind(&column)
                    .bind(req.year)
                    .bind(offset + limit)
                    .fetch_all(&b.pool)
                    .await?;
                    for r in &found {
                        newest.push(r.try_get("id")?);
                    }
                }
                (
                    total.min(COUNT_CAP),
                    total > COUNT_CAP,
                    page_of(ranked, newest, offset, limit),
                )
            }
        };
        let ranked_in = started.elapsed();
        let mut hits = Vec::with_capacity(ranked.len());
        for (item_id, score) in ranked {
            if let Some(hit) = self.hit(item_id, score, &req.query).await? {
                hits.push(hit);
            }
        }
        tracing::debug!(
            rank_ms = ranked_in.as_secs_f64() * 1e3,
            total_ms = started.elapsed().as_secs_f64() * 1e3,
            matches = total,
            words = req.query.tokens.len(),
            "search (the words themselves are never logged: the public may type anything)"
        );
        Ok(SearchResults { hits, total, more })
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
    fn title_matches_lead_and_unranked_matches_follow_newest_first() {
        let ranked = rank(vec![
            (9, 0.5, false),
            (5, 2.0, true),
            (8, 0.7, false),
            (3, 1.0, true),
            (7, 0.7, false),
        ]);
        assert_eq!(
            ranked.iter().map(|r| r.0).collect::<Vec<_>>(),
            vec![5, 3, 8, 7, 9]
        );
        let ids = |p: Vec<(i64, f64)>| p.iter().map(|r| r.0).collect::<Vec<_>>();
        let newest = vec![9, 8, 7, 5, 4, 3, 1];
        assert_eq!(
            ids(page_of(ranked.clone(), newest.clone(), 0, 2)),
            vec![5, 3]
        );
        assert_eq!(
            ids(page_of(ranked.clone(), newest.clone(), 4, 3)),
            vec![9, 4, 1]
        );
        assert_eq!(ids(page_of(ranked, newest, 7, 4)), Vec::<i64>::new());
    }

    #[test]
    fn words_shaped_like_filters_are_kept_out_of_the_facets() {
        for t in ["a4", "y2021", "cafe", "a12"] {
            assert!(looks_like_facet(t), "{t}");
        }
        for t in ["a", "审批", "year", "a4纸", "b12", "cz"] {
            assert!(!looks_like_facet(t), "{t}");
        }
        let q = Query {
            tokens: vec!["a4".into(), "纸".into()],
        };
        assert_eq!(fts5_words(&q), "({title body} : \"a4\") \"纸\"");
    }

    #[test]
    fn facet_tokens_are_single_ascii_words() {
        assert_eq!(
            facet_tokens(Some(12), Some("fiscal_funds"), Some(2021)),
            vec!["a12", "c66697363616c5f66756e6473", "y2021"]
        );
        assert!(facet_tokens(None, None, None).is_empty());
        let q = Query {
            tokens: vec!["a'b".into(), "c\\d".into()],
        };
        assert_eq!(title_tsquery(&q), "'a''b':A & 'c\\\\d':A");
    }

    #[test]
    fn body_text_joins_attachments() {
        let t = body_text("<p>正文</p>", &["附件一".into(), "附件二".into()]);
        assert_eq!(t, "正文\n附件一\n附件二");
    }
}
