//! Bulk seeding of published items, for benchmarks and load tests (`gongkai bench portal`).
//!
//! [`Store::seed_published_bulk`] writes what the normal path (create → submit → approve)
//! leaves behind for a published item — the item with the next 索引号 of its year, its single
//! published version (sanitised 正文, 发布日期 in China time, author and reviewer) and its search
//! entry (the same words as [`crate::search`]'s reindexing) — but in big transactions with the
//! content prepared (generated, sanitised, tokenised) in parallel on a rayon pool while the
//! previous batch is being written. One audit row is written per batch. Push deliveries are not
//! queued: seeding is not a publication to upper-level platforms.

use crate::proactive::{
    INSERT_VERSION, ProactiveError, ProactiveResult, VersionValues, check_column, china_date,
    insert_columns, insert_version,
};
use crate::search::{Entry, SearchIndex, index_words, index_year};
use crate::{Actor, AuditEntry, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use gongkai_proactive::workflow::Version;
use gongkai_proactive::{Catalogue, ColumnKey, DocumentNumber, IndexNumber, Item, State, UserId};
use rayon::prelude::*;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Items written per transaction unless told otherwise.
pub const DEFAULT_BATCH: usize = 10_000;

/// The content of one item to publish.
#[derive(Debug, Clone)]
pub struct BulkItem {
    pub column: ColumnKey,
    pub title: String,
    pub document_number: Option<DocumentNumber>,
    /// 成文日期
    pub written_on: Option<NaiveDate>,
    /// 主题分类
    pub topic: Option<String>,
    /// 正文 as submitted; sanitised before it is stored, as on an edit.
    pub body_html: String,
    /// The moment of publication (发布日期 and the 索引号 year follow from it, China time).
    pub published_at: DateTime<Utc>,
}

/// Who wrote and who approved the seeded items, and how to batch.
#[derive(Debug, Clone)]
pub struct BulkOptions {
    pub author: UserId,
    pub reviewer: UserId,
    /// Items per transaction.
    pub batch: usize,
    /// Threads preparing content.
    pub threads: usize,
}

/// An item ready to be written: sanitised body and its search words.
struct Prepared {
    item: BulkItem,
    year: i32,
    title_words: String,
    body_words: String,
}

/// Normalises the content as an edit does (`proactive::apply_input`) and tokenises it.
fn prepare(mut item: BulkItem) -> Prepared {
    item.title = item.title.trim().to_owned();
    item.topic = item
        .topic
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    item.body_html = gongkai_proactive::html::sanitize(&item.body_html);
    let (title_words, body_words) = index_words(&item.title, &item.body_html, &[]);
    Prepared {
        year: index_year(item.published_at.timestamp()),
        item,
        title_words,
        body_words,
    }
}

/// What a batch needs to know about the agency.
struct Target<'a> {
    agency_id: i64,
    uscc: &'a str,
    name: &'a str,
    catalogue: &'a Catalogue,
}

impl Store {
    /// Publishes `count` items made by `make(0..count)` in the agency, `options.batch` per
    /// transaction, and returns their ids in order. `progress` is told how many are done after
    /// each batch. Every column must be in the agency's catalogue.
    pub async fn seed_published_bulk<F>(
        &self,
        agency_id: i64,
        count: u64,
        make: F,
        options: &BulkOptions,
        actor: &Actor,
        mut progress: impl FnMut(u64),
    ) -> ProactiveResult<Vec<i64>>
    where
        F: Fn(u64) -> BulkItem + Send + Sync + 'static,
    {
        let agency = self
            .get_agency(agency_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("agency {agency_id}")))?;
        let catalogue = self.catalogue(agency_id).await?;
        let target = Target {
            agency_id,
            uscc: agency.uscc.as_str(),
            name: &agency.name,
            catalogue: &catalogue,
        };
        let pool = Arc::new(
            rayon::ThreadPoolBuilder::new()
                .num_threads(options.threads.max(1))
                .build()
                .map_err(|e| ProactiveError::Invalid(format!("无法创建线程池：{e}")))?,
        );
        let make = Arc::new(make);
        let batch = options.batch.max(1) as u64;
        let spawn = |start: u64| {
            let (pool, make) = (Arc::clone(&pool), Arc::clone(&make));
            let end = start.saturating_add(batch).min(count);
            tokio::task::spawn_blocking(move || {
                pool.install(|| {
                    (start..end)
                        .into_par_iter()
                        .map(|i| prepare(make(i)))
                        .collect::<Vec<_>>()
                })
            })
        };
        let mut ids = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        let mut done = 0u64;
        let mut next = (count > 0).then(|| spawn(0));
        while let Some(handle) = next.take() {
            let chunk = handle
                .await
                .map_err(|e| ProactiveError::Invalid(format!("准备内容失败：{e}")))?;
            done += chunk.len() as u64;
            // the next batch is prepared while this one is written
            if done < count {
                next = Some(spawn(done));
            }
            ids.extend(self.write_batch(&target, chunk, options, actor).await?);
            progress(done);
        }
        Ok(ids)
    }

    async fn write_batch(
        &self,
        t: &Target<'_>,
        chunk: Vec<Prepared>,
        options: &BulkOptions,
        actor: &Actor,
    ) -> ProactiveResult<Vec<i64>> {
        let mut per_year: BTreeMap<u16, u32> = BTreeMap::new();
        for p in &chunk {
            check_column(t.catalogue, &p.item.column)?;
            let year =
                u16::try_from(p.year).map_err(|_| ProactiveError::Invalid("年份无效".into()))?;
            *per_year.entry(year).or_default() += 1;
        }
        let editors = BTreeSet::from([options.author.clone()]);
        let now = crate::now_secs();
        let agency_id = t.agency_id;
        let ids = with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let stored: i64 = sqlx::query("SELECT COUNT(*) AS n FROM catalogue_columns WHERE agency_id = $1")
                .bind(agency_id)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
            if stored == 0 {
                insert_columns!(tx, agency_id, t.catalogue);
            }
            // reserve a run of 流水号 per year, as many as this batch publishes in that year
            let mut next_seq: BTreeMap<u16, u32> = BTreeMap::new();
            for (year, n) in &per_year {
                let last: i64 = sqlx::query(
                    "INSERT INTO index_sequences (agency_id, year, last_value) VALUES ($1, $2, $3) \
                     ON CONFLICT (agency_id, year) DO UPDATE SET last_value = index_sequences.last_value + excluded.last_value \
                     RETURNING last_value",
                )
                .bind(agency_id)
                .bind(i64::from(*year))
                .bind(i64::from(*n))
                .fetch_one(&mut *tx)
                .await?
                .try_get("last_value")?;
                let first = u32::try_from(last - i64::from(*n) + 1)
                    .map_err(|_| ProactiveError::Invalid("流水号已用完".into()))?;
                next_seq.insert(*year, first);
            }
            let mut ids = Vec::with_capacity(chunk.len());
            for p in chunk {
                let year = u16::try_from(p.year).map_err(|_| ProactiveError::Invalid("年份无效".into()))?;
                let seq = next_seq.entry(year).or_insert(1);
                let index_number = IndexNumber::new(t.uscc, year, *seq)
                    .map_err(|e| ProactiveError::Invalid(e.to_string()))?;
                *seq += 1;
                let src = p.item;
                let mut item = Item::new(index_number.clone(), src.column, &src.title, t.name);
                item.document_number = src.document_number;
                item.written_on = src.written_on;
                item.topic = src.topic;
                item.body_html = src.body_html;
                item.published_on = Some(china_date(src.published_at));
                let version = Version {
                    number: 1,
                    state: State::Published,
                    editors: editors.clone(),
                    author: options.author.clone(),
                    reviewer: Some(options.reviewer.clone()),
                    reason: None,
                    publish_at: None,
                    published_at: Some(src.published_at),
                };
                let secs = src.published_at.timestamp();
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
                let vals = VersionValues::of(&version, &item)?;
                insert_version!(&mut *tx, item_id, version.number, agency_id, vals, secs)?;
                let entry = Entry {
                    agency_id,
                    column_key: item.column.to_string(),
                    year: p.year,
                    topic: item.topic.clone(),
                    published_at: secs,
                    title_words: p.title_words,
                    body_words: p.body_words,
                };
                tx.write_entry(item_id, &entry).await?;
                ids.push(item_id);
            }
            let (first, last) = (ids.first().copied().unwrap_or(0), ids.last().copied().unwrap_or(0));
            let entry = AuditEntry {
                agency_id: Some(agency_id),
                action: "items.bulk_seed",
                target: format!("信息 {first}–{last}"),
                before: String::new(),
                after: format!("批量发布 {} 条（基准测试数据）", ids.len()),
            };
            insert_audit!(&mut *tx, actor, entry, now)?;
            tx.commit().await?;
            ids
        });
        Ok(ids)
    }
}
