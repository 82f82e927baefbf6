//! Public portal reads: filtered column lists, their filter options, feeds and the sitemap.
//!
//! Every query here selects versions in state `published` only (the literal
//! `state = 'published'` is repeated in each, which also lets both engines use the partial
//! indexes of migration 0014). Nothing of a draft, a withdrawn item or a staff note (author,
//! reviewer, reason) is ever read.
//!
//! Performance with a million published items: every list is one index range in the order of
//! an index (`published_at DESC, item_id DESC`), counts stop at a cap, and the distinct filter
//! values are found by loose index scans (one index seek per distinct value) instead of reading
//! every row.

use crate::{Store, StoreError};
use chrono::{DateTime, Datelike, NaiveDate};
use gongkai_proactive::ColumnKey;
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};

/// Seconds of the UTC offset of China Standard Time, in which 发布日期 is counted.
const CST_OFFSET_SECS: i64 = 8 * 3600;

/// At most this many distinct values of one filter are offered.
pub const MAX_FACET_VALUES: i64 = 200;

/// Which published items to list. `None` means no restriction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicFilter {
    pub column: Option<ColumnKey>,
    /// The year of 发布日期 (China Standard Time).
    pub year: Option<i32>,
    /// 主题分类, exactly.
    pub topic: Option<String>,
    /// 发布机构, exactly.
    pub publisher: Option<String>,
}

/// The public metadata of a published item (no body, no staff fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicItem {
    pub item_id: i64,
    pub agency_id: i64,
    pub index_number: String,
    pub column_key: String,
    pub title: String,
    pub publisher: String,
    pub document_number: Option<String>,
    pub written_on: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    pub topic: Option<String>,
    /// When it became public (seconds since the epoch).
    pub published_at: i64,
}

/// One page of a filtered list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicPage {
    pub items: Vec<PublicItem>,
    /// The number of matching items, counted up to the cap given to the query.
    pub total: i64,
    /// Whether `total` is exact (false: there are at least `total` matches).
    pub total_exact: bool,
}

/// A published item with its (sanitised on write) body, for feeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedEntry {
    pub item: PublicItem,
    pub body_html: String,
}

/// The values that occur in a column's published items, offered as filter options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    /// Years of 发布日期, newest first.
    pub years: Vec<i32>,
    /// 主题分类, in code point order.
    pub topics: Vec<String>,
    /// 发布机构, in code point order.
    pub publishers: Vec<String>,
}

/// A published item's place in the sitemap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ItemLocation {
    pub agency_id: i64,
    pub item_id: i64,
    pub published_at: i64,
}

/// A stored catalogue column with the time of its newest published item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnLastmod {
    pub agency_id: i64,
    pub column_key: String,
    pub last_published_at: Option<i64>,
}

/// The instant a year begins in China Standard Time, in seconds since the epoch.
pub fn cst_year_start(year: i32) -> Option<i64> {
    let day = NaiveDate::from_ymd_opt(year, 1, 1)?;
    Some(day.and_hms_opt(0, 0, 0)?.and_utc().timestamp() - CST_OFFSET_SECS)
}

/// The year in China Standard Time of an instant.
pub fn cst_year(secs: i64) -> Option<i32> {
    DateTime::from_timestamp(secs.checked_add(CST_OFFSET_SECS)?, 0).map(|d| d.year())
}

fn date_of(s: Option<String>) -> crate::Result<Option<NaiveDate>> {
    s.map(|d| {
        NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map_err(|e| StoreError::Corrupt(format!("date {d}: {e}")))
    })
    .transpose()
}

/// A value bound to a placeholder of a query built from fixed fragments.
enum Bind {
    Int(i64),
    Text(String),
}

/// The `WHERE` clause of a filter (fixed SQL fragments only; values go to placeholders).
fn where_clause(agency_id: i64, f: &PublicFilter) -> Option<(String, Vec<Bind>)> {
    let mut sql = String::from("v.agency_id = $1 AND v.state = 'published'");
    let mut binds = vec![Bind::Int(agency_id)];
    let mut push = |cond: &str, b: Bind, binds: &mut Vec<Bind>| {
        binds.push(b);
        sql.push_str(&format!(" AND {cond} ${}", binds.len()));
    };
    if let Some(c) = &f.column {
        push(
            "v.column_key =",
            Bind::Text(c.as_str().to_owned()),
            &mut binds,
        );
    }
    if let Some(t) = &f.topic {
        push("v.topic =", Bind::Text(t.clone()), &mut binds);
    }
    if let Some(p) = &f.publisher {
        push("v.publisher =", Bind::Text(p.clone()), &mut binds);
    }
    if let Some(y) = f.year {
        // a year chrono cannot represent matches nothing: no filter result rather than all
        let from = cst_year_start(y)?;
        let to = cst_year_start(y.checked_add(1)?)?;
        push("v.published_at >=", Bind::Int(from), &mut binds);
        push("v.published_at <", Bind::Int(to), &mut binds);
    }
    Some((sql, binds))
}

const ITEM_COLS: &str = "v.item_id, v.agency_id, i.index_number, v.column_key, v.title, \
    v.publisher, v.document_number, v.written_on, v.published_on, v.topic, v.published_at";

macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Int(v) => q.bind(*v),
                Bind::Text(s) => q.bind(s.as_str()),
            };
        }
        q
    }};
}

macro_rules! public_item {
    ($r:expr) => {{
        let r = $r;
        PublicItem {
            item_id: r.try_get("item_id")?,
            agency_id: r.try_get("agency_id")?,
            index_number: r.try_get("index_number")?,
            column_key: r.try_get("column_key")?,
            title: r.try_get("title")?,
            publisher: r.try_get("publisher")?,
            document_number: r.try_get("document_number")?,
            written_on: date_of(r.try_get("written_on")?)?,
            published_on: date_of(r.try_get("published_on")?)?,
            topic: r.try_get("topic")?,
            published_at: r
                .try_get::<Option<i64>, _>("published_at")?
                .unwrap_or_default(),
        }
    }};
}

impl Store {
    /// Published items of an agency matching `filter`, newest first; `total` counts matches
    /// up to `count_cap` (a cap keeps the count cheap over a million items).
    pub async fn list_public(
        &self,
        agency_id: i64,
        filter: &PublicFilter,
        offset: i64,
        limit: i64,
        count_cap: i64,
    ) -> crate::Result<PublicPage> {
        let Some((cond, binds)) = where_clause(agency_id, filter) else {
            return Ok(PublicPage {
                items: Vec::new(),
                total: 0,
                total_exact: true,
            });
        };
        let n = binds.len();
        let count_sql = format!(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM item_versions v WHERE {cond} LIMIT ${}) t",
            n + 1
        );
        let list_sql = format!(
            "SELECT {ITEM_COLS} FROM item_versions v JOIN items i ON i.id = v.item_id \
             WHERE {cond} ORDER BY v.published_at DESC, v.item_id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let cap = count_cap.max(0);
        with_pool!(self, p => {
            let total: i64 = bind_all!(sqlx::query(AssertSqlSafe(count_sql.as_str())), &binds)
                .bind(cap.saturating_add(1))
                .fetch_one(p)
                .await?
                .try_get("n")?;
            let rows = bind_all!(sqlx::query(AssertSqlSafe(list_sql.as_str())), &binds)
                .bind(limit.max(0))
                .bind(offset.max(0))
                .fetch_all(p)
                .await?;
            let mut items = Vec::with_capacity(rows.len());
            for r in &rows {
                items.push(public_item!(r));
            }
            Ok(PublicPage {
                items,
                total: total.min(cap),
                total_exact: total <= cap,
            })
        })
    }

    /// The newest published items of an agency (or of one of its columns), with their bodies.
    pub async fn recent_public(
        &self,
        agency_id: i64,
        column: Option<&ColumnKey>,
        limit: i64,
    ) -> crate::Result<Vec<FeedEntry>> {
        let filter = PublicFilter {
            column: column.cloned(),
            ..PublicFilter::default()
        };
        let Some((cond, binds)) = where_clause(agency_id, &filter) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT {ITEM_COLS}, v.body_html FROM item_versions v JOIN items i ON i.id = v.item_id \
             WHERE {cond} ORDER BY v.published_at DESC, v.item_id DESC LIMIT ${}",
            binds.len() + 1
        );
        with_pool!(self, p => {
            let rows = bind_all!(sqlx::query(AssertSqlSafe(sql.as_str())), &binds)
                .bind(limit.max(0))
                .fetch_all(p)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(FeedEntry {
                    item: public_item!(r),
                    body_html: r.try_get("body_html")?,
                });
            }
            Ok(out)
        })
    }

    /// The years, topics and publishers that occur in a column's published items.
    pub async fn public_facets(&self, agency_id: i64, column: &ColumnKey) -> crate::Result<Facets> {
        let mut facets = Facets::default();
        // years: from the newest item down, one index seek per year
        let mut before = i64::MAX;
        with_pool!(self, p => {
            while i64::try_from(facets.years.len()).unwrap_or(i64::MAX) < MAX_FACET_VALUES {
                let newest: Option<i64> = sqlx::query(
                    "SELECT MAX(published_at) AS m FROM item_versions \
                     WHERE agency_id = $1 AND column_key = $2 AND state = 'published' \
                     AND published_at < $3",
                )
                .bind(agency_id)
                .bind(column.as_str())
                .bind(before)
                .fetch_one(p)
                .await?
                .try_get("m")?;
                let Some(year) = newest.and_then(cst_year) else { break };
                facets.years.push(year);
                match cst_year_start(year) {
                    Some(start) => before = start,
                    None => break,
                }
            }
        });
        facets.topics = self.distinct_values(agency_id, column, "topic").await?;
        facets.publishers = self.distinct_values(agency_id, column, "publisher").await?;
        Ok(facets)
    }

    /// The distinct non-null values of `field` (`topic` or `publisher`) in a column's published
    /// items: a loose index scan (recursive query, one index seek per value).
    async fn distinct_values(
        &self,
        agency_id: i64,
        column: &ColumnKey,
        field: &'static str,
    ) -> crate::Result<Vec<String>> {
        let field = match field {
            "topic" => "topic",
            _ => "publisher",
        };
        let scope = "agency_id = $1 AND column_key = $2 AND state = 'published'";
        let sql = format!(
            "WITH RECURSIVE vals(val, n) AS ( \
               SELECT (SELECT MIN({field}) FROM item_versions WHERE {scope}), 1 \
               UNION ALL \
               SELECT (SELECT MIN({field}) FROM item_versions WHERE {scope} AND {field} > vals.val), \
                      vals.n + 1 \
               FROM vals WHERE vals.val IS NOT NULL AND vals.n < $3 \
             ) SELECT val FROM vals WHERE val IS NOT NULL ORDER BY n"
        );
        with_pool!(self, p => {
            let rows = sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(agency_id)
                .bind(column.as_str())
                .bind(MAX_FACET_VALUES)
                .fetch_all(p)
                .await?;
            rows.iter()
                .map(|r| r.try_get::<String, _>("val").map_err(StoreError::from))
                .collect()
        })
    }

    /// The portal generation: a counter the database bumps with every change to agencies,
    /// catalogue columns, items or their versions (triggers of migration 16). Nodes that cache
    /// public pages poll it to notice changes made elsewhere.
    pub async fn portal_generation(&self) -> crate::Result<i64> {
        with_pool!(self, p => {
            let n: i64 = sqlx::query("SELECT n FROM portal_generation WHERE id = 1")
                .fetch_one(p)
                .await?
                .try_get("n")?;
            Ok(n)
        })
    }

    /// The number of published items of all agencies (sitemap).
    pub async fn count_public_items(&self) -> crate::Result<i64> {
        with_pool!(self, p => {
            Ok(sqlx::query(
                "SELECT COUNT(*) AS n FROM item_versions WHERE state = 'published'",
            )
            .fetch_one(p)
            .await?
            .try_get("n")?)
        })
    }

    /// Published items of all agencies in id order, for one sitemap page.
    pub async fn public_item_locations(
        &self,
        offset: i64,
        limit: i64,
    ) -> crate::Result<Vec<ItemLocation>> {
        with_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT agency_id, item_id, published_at FROM item_versions \
                 WHERE state = 'published' ORDER BY item_id LIMIT $1 OFFSET $2",
            )
            .bind(limit.max(0))
            .bind(offset.max(0))
            .fetch_all(p)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(ItemLocation {
                    agency_id: r.try_get("agency_id")?,
                    item_id: r.try_get("item_id")?,
                    published_at: r.try_get::<Option<i64>, _>("published_at")?.unwrap_or_default(),
                });
            }
            Ok(out)
        })
    }

    /// Every stored catalogue column with the time of its newest published item (one index
    /// seek per column). Agencies without a stored catalogue have no published items.
    pub async fn public_column_lastmods(&self) -> crate::Result<Vec<ColumnLastmod>> {
        with_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT c.agency_id, c.column_key, \
                   (SELECT MAX(v.published_at) FROM item_versions v \
                    WHERE v.agency_id = c.agency_id AND v.column_key = c.column_key \
                    AND v.state = 'published') AS last \
                 FROM catalogue_columns c ORDER BY c.agency_id, c.position",
            )
            .fetch_all(p)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(ColumnLastmod {
                    agency_id: r.try_get("agency_id")?,
                    column_key: r.try_get("column_key")?,
                    last_published_at: r.try_get("last")?,
                });
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proactive::{ItemInput, Transition};
    use crate::{Actor, AgencyInput};
    use chrono::{TimeZone, Utc};
    use gongkai_agency::{AgencyKind, DivisionCode, Uscc};
    use std::sync::atomic::{AtomicU32, Ordering};

    static SCHEMA_SEQ: AtomicU32 = AtomicU32::new(0);

    async fn stores() -> Vec<(Store, Option<tempfile::TempDir>)> {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = Store::open_sqlite(&dir.path().join("gongkai.db"))
            .await
            .unwrap();
        sqlite.migrate().await.unwrap();
        let mut out = vec![(sqlite, Some(dir))];
        if let Ok(url) = std::env::var("GONGKAI_TEST_POSTGRES_URL") {
            let schema = format!(
                "t_portal_{}_{}",
                std::process::id(),
                SCHEMA_SEQ.fetch_add(1, Ordering::SeqCst)
            );
            let pg = Store::open_postgres(&url, Some(&schema))
                .await
                .unwrap_or_else(|e| {
                    panic!("GONGKAI_TEST_POSTGRES_URL is set but unreachable: {e}")
                });
            pg.migrate().await.unwrap();
            out.push((pg, None));
        }
        out
    }

    fn actor(login: &str) -> Actor {
        Actor {
            user_id: None,
            login: login.into(),
            address: String::new(),
        }
    }

    /// Creates and (unless `stop` says otherwise) publishes an item at `at`.
    async fn item(
        s: &Store,
        agency: i64,
        column: &str,
        title: &str,
        topic: Option<&str>,
        at: DateTime<Utc>,
        stop: Option<&str>,
    ) -> i64 {
        let input = ItemInput {
            column: ColumnKey::parse(column).unwrap(),
            title: title.into(),
            document_number: None,
            written_on: None,
            topic: topic.map(str::to_owned),
            body_html: format!("<p>{title}正文</p>"),
        };
        let rec = s
            .create_item(agency, &input, &actor("editor-a"), at)
            .await
            .unwrap();
        if stop == Some("draft") {
            return rec.id;
        }
        s.transition_item(rec.id, &Transition::Submit, &actor("editor-a"), at)
            .await
            .unwrap();
        s.transition_item(
            rec.id,
            &Transition::Approve { publish_at: None },
            &actor("reviewer-b"),
            at,
        )
        .await
        .unwrap();
        if stop == Some("withdrawn") {
            let t = Transition::Withdraw {
                reason: "撤回理由".into(),
            };
            s.transition_item(rec.id, &t, &actor("reviewer-b"), at)
                .await
                .unwrap();
        }
        rec.id
    }

    #[tokio::test]
    async fn filters_facets_feeds_and_sitemap_read_published_versions_only() {
        for (s, _dir) in stores().await {
            let a = s
                .create_agency(
                    &AgencyInput {
                        parent_id: None,
                        name: "灵武市审批服务管理局".into(),
                        uscc: Uscc::with_check_digit("11640181MB0000002").unwrap(),
                        division_code: DivisionCode::parse("640181").unwrap(),
                        kind: AgencyKind::Department,
                        report_deadline: None,
                    },
                    &Actor::system(),
                )
                .await
                .unwrap();
            let col = "policy_documents";
            // 2020-12-31 23:30 in China is still 2020; 16:30 UTC on that day is 2021 in China
            let y2020 = Utc.with_ymd_and_hms(2020, 12, 31, 15, 30, 0).unwrap();
            let y2021 = Utc.with_ymd_and_hms(2020, 12, 31, 16, 30, 0).unwrap();
            let y2022 = Utc.with_ymd_and_hms(2022, 6, 1, 2, 0, 0).unwrap();
            let i2020 = item(
                &s,
                a.id,
                col,
                "二〇二〇年的通知",
                Some("综合政务"),
                y2020,
                None,
            )
            .await;
            let i2021 = item(
                &s,
                a.id,
                col,
                "二〇二一年的通知",
                Some("财政、金融、审计"),
                y2021,
                None,
            )
            .await;
            let i2022 = item(
                &s,
                a.id,
                col,
                "二〇二二年的通知",
                Some("综合政务"),
                y2022,
                None,
            )
            .await;
            item(
                &s,
                a.id,
                col,
                "草稿DRAFT",
                Some("草稿主题"),
                y2022,
                Some("draft"),
            )
            .await;
            item(
                &s,
                a.id,
                col,
                "撤回WITHDRAWN",
                Some("撤回主题"),
                y2022,
                Some("withdrawn"),
            )
            .await;
            let other = item(&s, a.id, "plans", "其他栏目的信息", None, y2022, None).await;

            let key = ColumnKey::parse(col).unwrap();
            let f = |year: Option<i32>, topic: Option<&str>| PublicFilter {
                column: Some(key.clone()),
                year,
                topic: topic.map(str::to_owned),
                publisher: None,
            };
            let ids = |p: &PublicPage| p.items.iter().map(|i| i.item_id).collect::<Vec<_>>();
            let all = s
                .list_public(a.id, &f(None, None), 0, 10, 100)
                .await
                .unwrap();
            assert_eq!(
                ids(&all),
                vec![i2022, i2021, i2020],
                "newest first, published only"
            );
            assert_eq!((all.total, all.total_exact), (3, true));
            let page = s
                .list_public(a.id, &f(None, None), 1, 1, 100)
                .await
                .unwrap();
            assert_eq!(ids(&page), vec![i2021]);
            let capped = s.list_public(a.id, &f(None, None), 0, 1, 2).await.unwrap();
            assert_eq!((capped.total, capped.total_exact), (2, false));
            let y = s
                .list_public(a.id, &f(Some(2021), None), 0, 10, 100)
                .await
                .unwrap();
            assert_eq!(ids(&y), vec![i2021], "year in China Standard Time");
            assert_eq!(y.items[0].published_on, NaiveDate::from_ymd_opt(2021, 1, 1));
            let t = s
                .list_public(a.id, &f(None, Some("综合政务")), 0, 10, 100)
                .await
                .unwrap();
            assert_eq!(ids(&t), vec![i2022, i2020]);
            let yt = s
                .list_public(a.id, &f(Some(2022), Some("综合政务")), 0, 10, 100)
                .await
                .unwrap();
            assert_eq!((ids(&yt), yt.total), (vec![i2022], 1));
            let none = s
                .list_public(a.id, &f(Some(2021), Some("综合政务")), 0, 10, 100)
                .await
                .unwrap();
            assert_eq!(none.total, 0);
            let mut by_publisher = f(None, None);
            by_publisher.publisher = Some("灵武市审批服务管理局".into());
            assert_eq!(
                s.list_public(a.id, &by_publisher, 0, 10, 100)
                    .await
                    .unwrap()
                    .total,
                3
            );
            by_publisher.publisher = Some("别的机构".into());
            assert_eq!(
                s.list_public(a.id, &by_publisher, 0, 10, 100)
                    .await
                    .unwrap()
                    .total,
                0
            );
            let whole = PublicFilter::default();
            let agency_wide = s.list_public(a.id, &whole, 0, 10, 100).await.unwrap();
            assert_eq!(ids(&agency_wide), vec![other, i2022, i2021, i2020]);
            let absurd = f(Some(i32::MAX), None);
            assert_eq!(
                s.list_public(a.id, &absurd, 0, 10, 100)
                    .await
                    .unwrap()
                    .total,
                0
            );

            let facets = s.public_facets(a.id, &key).await.unwrap();
            assert_eq!(facets.years, vec![2022, 2021, 2020]);
            assert_eq!(facets.topics, vec!["综合政务", "财政、金融、审计"]);
            assert_eq!(facets.publishers, vec!["灵武市审批服务管理局"]);
            let empty = s
                .public_facets(a.id, &ColumnKey::parse("nothing").unwrap())
                .await
                .unwrap();
            assert_eq!(empty, Facets::default());

            let feed = s.recent_public(a.id, None, 2).await.unwrap();
            assert_eq!(
                feed.iter().map(|e| e.item.item_id).collect::<Vec<_>>(),
                vec![other, i2022]
            );
            assert!(feed[1].body_html.contains("二〇二二年的通知正文"));
            let col_feed = s.recent_public(a.id, Some(&key), 50).await.unwrap();
            assert_eq!(col_feed.len(), 3);
            assert!(
                col_feed
                    .iter()
                    .all(|e| !e.body_html.contains("DRAFT") && !e.body_html.contains("WITHDRAWN"))
            );

            assert_eq!(s.count_public_items().await.unwrap(), 4);
            let locs = s.public_item_locations(0, 10).await.unwrap();
            let mut expected = vec![i2020, i2021, i2022, other];
            expected.sort_unstable();
            assert_eq!(locs.iter().map(|l| l.item_id).collect::<Vec<_>>(), expected);
            assert_eq!(s.public_item_locations(3, 10).await.unwrap().len(), 1);
            let lastmods = s.public_column_lastmods().await.unwrap();
            let of = |k: &str| {
                lastmods
                    .iter()
                    .find(|c| c.column_key == k)
                    .map(|c| c.last_published_at)
            };
            assert_eq!(of(col), Some(Some(y2022.timestamp())));
            assert_eq!(of("plans"), Some(Some(y2022.timestamp())));
            assert!(lastmods.iter().any(|c| c.last_published_at.is_none()));
            s.drop_schema().await.unwrap();
        }
    }

    /// A million published items: every portal read stays an index range (run with
    /// `cargo test -p gongkai-store --lib million -- --ignored --nocapture`).
    #[tokio::test]
    #[ignore = "slow: fills a million rows"]
    async fn a_million_published_items_stay_fast() {
        for (s, _dir) in stores().await {
            let a = s
                .create_agency(
                    &AgencyInput {
                        parent_id: None,
                        name: "灵武市审批服务管理局".into(),
                        uscc: Uscc::with_check_digit("11640181MB0000002").unwrap(),
                        division_code: DivisionCode::parse("640181").unwrap(),
                        kind: AgencyKind::Department,
                        report_deadline: None,
                    },
                    &Actor::system(),
                )
                .await
                .unwrap();
            // a real item first, so that the catalogue is stored
            item(&s, a.id, "plans", "真实的信息", None, Utc::now(), None).await;
            let n = 1_000_000;
            let series = format!(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n})"
            );
            let fill_items = format!(
                "INSERT INTO items (id, agency_id, index_number, created_at, updated_at) \
                 {series} SELECT x + 100, {}, 'bulk-' || x, 0, 0 FROM c",
                a.id
            );
            let fill_versions = format!(
                "INSERT INTO item_versions (item_id, number, agency_id, state, column_key, title, \
                 publisher, topic, disclosure_mode, scope, kind, body_html, attachments, author, \
                 editors, published_at, created_at, updated_at) {series} \
                 SELECT x + 100, 1, {}, 'published', \
                 CASE x % 4 WHEN 0 THEN 'policy_documents' WHEN 1 THEN 'plans' \
                   WHEN 2 THEN 'statistics' ELSE 'budgets' END, \
                 'bulk title', 'publisher', 'topic-' || (x % 20), 'proactive', '', 'other', \
                 '<p>b</p>', '[]', 'a', '[]', 1500000000 + x * 300, 0, 0 FROM c",
                a.id
            );
            let start = std::time::Instant::now();
            with_pool!(&s, p => {
                sqlx::query(AssertSqlSafe(fill_items.as_str())).execute(p).await.unwrap();
                sqlx::query(AssertSqlSafe(fill_versions.as_str())).execute(p).await.unwrap();
            });
            if let Store::Postgres(b) = &s {
                sqlx::query("ANALYZE item_versions")
                    .execute(&b.pool)
                    .await
                    .unwrap();
            }
            if let Store::Sqlite(b) = &s {
                sqlx::query("ANALYZE").execute(&b.pool).await.unwrap();
            }
            eprintln!("{}: filled in {:?}", s.backend_name(), start.elapsed());
            let key = ColumnKey::parse("plans").unwrap();
            let column = PublicFilter {
                column: Some(key.clone()),
                ..PublicFilter::default()
            };
            let timed = |what: &'static str, started: std::time::Instant| {
                let took = started.elapsed();
                eprintln!("{}: {what}: {took:?}", s.backend_name());
                assert!(took.as_millis() < 1500, "{what} took {took:?}");
            };
            let t = std::time::Instant::now();
            let page = s.list_public(a.id, &column, 0, 20, 10_000).await.unwrap();
            timed("column page 1", t);
            assert_eq!(
                (page.items.len(), page.total, page.total_exact),
                (20, 10_000, false)
            );
            let t = std::time::Instant::now();
            s.list_public(a.id, &column, 9_980, 20, 10_000)
                .await
                .unwrap();
            timed("column page 500", t);
            let mut f = column.clone();
            f.year = Some(2019);
            f.topic = Some("topic-5".into());
            let t = std::time::Instant::now();
            let page = s.list_public(a.id, &f, 0, 20, 10_000).await.unwrap();
            timed("column, year and topic", t);
            assert!(page.total > 0);
            let t = std::time::Instant::now();
            let facets = s.public_facets(a.id, &key).await.unwrap();
            timed("facets", t);
            assert_eq!(facets.topics.len(), 5, "{facets:?}");
            assert!(facets.years.len() >= 9, "{facets:?}");
            let t = std::time::Instant::now();
            s.recent_public(a.id, None, 50).await.unwrap();
            timed("agency feed", t);
            let t = std::time::Instant::now();
            assert_eq!(s.count_public_items().await.unwrap(), n + 1);
            timed("sitemap count", t);
            let t = std::time::Instant::now();
            assert_eq!(
                s.public_item_locations(950_000, 50_000)
                    .await
                    .unwrap()
                    .len(),
                50_000
            );
            timed("last sitemap file", t);
            let t = std::time::Instant::now();
            s.public_column_lastmods().await.unwrap();
            timed("column lastmods", t);
            s.drop_schema().await.unwrap();
        }
    }

    #[test]
    fn china_standard_time_years() {
        assert_eq!(cst_year_start(2021), Some(1_609_430_400));
        assert_eq!(cst_year(1_609_430_400), Some(2021));
        assert_eq!(cst_year(1_609_430_399), Some(2020));
        assert_eq!(cst_year_start(i32::MAX), None);
    }
}
