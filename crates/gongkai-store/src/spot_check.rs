//! 抽查 / 自查整改: spot checks of an agency's published items.
//!
//! A check draws its sample (gongkai_proactive::spot_check::draw) from the items the agency
//! published in a period, inside the transaction that records it, with the seed stored so the
//! sample can be redrawn. Each sampled item gets a finding and a correction; a check whose every
//! entry has a finding can be closed, and a closed check no longer changes. Every write is
//! audited.

use crate::proactive::{ProactiveError, ProactiveResult, PublishedSummary};
use crate::{Actor, AuditEntry, Result, Store, StoreError};
use chrono::NaiveDate;
use gongkai_proactive::spot_check::{self, Finding, SampleSize};
use serde::Serialize;
use sqlx::Row;

/// A spot check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpotCheck {
    pub id: i64,
    pub agency_id: i64,
    pub title: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    /// How the size was asked for, e.g. “5 条” or “10%”.
    pub sample_rule: String,
    /// Items published in the period when the sample was drawn.
    pub population: i64,
    pub seed: i64,
    pub closed: bool,
    pub created_by: String,
    pub created_at: i64,
    pub closed_by: Option<String>,
    pub closed_at: Option<i64>,
}

/// One sampled item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpotCheckEntry {
    pub item_id: i64,
    pub position: i64,
    pub index_number: String,
    pub title: String,
    pub published_on: Option<NaiveDate>,
    pub finding: Option<Finding>,
    pub problem: String,
    pub correction: String,
    pub corrected_on: Option<NaiveDate>,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

/// What a reviewer records for one entry (already checked with `spot_check::check_entry`).
#[derive(Debug, Clone)]
pub struct EntryInput {
    pub finding: Finding,
    pub problem: String,
    pub correction: String,
    pub corrected_on: Option<NaiveDate>,
}

/// What a new check asks for.
#[derive(Debug, Clone)]
pub struct NewSpotCheck {
    pub title: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub size: SampleSize,
    pub seed: i64,
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| StoreError::Corrupt(format!("date {s}: {e}")))
}

fn rule_of(size: SampleSize) -> String {
    match size {
        SampleSize::Count(n) => format!("{n} 条"),
        SampleSize::Percent(p) => format!("{p}%"),
    }
}

fn entry_summary(e: &SpotCheckEntry) -> String {
    format!(
        "结论={}；问题={}；整改情况={}；整改日期={}",
        e.finding.map(Finding::label).unwrap_or("未填"),
        e.problem,
        e.correction,
        e.corrected_on.map(ymd).unwrap_or_default()
    )
}

const CHECK_COLS: &str = "id, agency_id, title, period_from, period_to, sample_rule, population, \
    seed, state, created_by, created_at, closed_by, closed_at";

fn check_from_row<R: Row>(r: &R) -> Result<SpotCheck>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'d> i64: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
    for<'d> Option<i64>: sqlx::Decode<'d, R::Database>,
    for<'d> String: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
    for<'d> Option<String>: sqlx::Decode<'d, R::Database>,
{
    Ok(SpotCheck {
        id: r.try_get("id")?,
        agency_id: r.try_get("agency_id")?,
        title: r.try_get("title")?,
        period_from: parse_date(&r.try_get::<String, _>("period_from")?)?,
        period_to: parse_date(&r.try_get::<String, _>("period_to")?)?,
        sample_rule: r.try_get("sample_rule")?,
        population: r.try_get("population")?,
        seed: r.try_get("seed")?,
        closed: r.try_get::<String, _>("state")? == "closed",
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        closed_by: r.try_get("closed_by")?,
        closed_at: r.try_get("closed_at")?,
    })
}

fn entry_from_row<R: Row>(r: &R) -> Result<SpotCheckEntry>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'d> i64: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
    for<'d> Option<i64>: sqlx::Decode<'d, R::Database>,
    for<'d> String: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
    for<'d> Option<String>: sqlx::Decode<'d, R::Database>,
{
    let finding: Option<String> = r.try_get("finding")?;
    Ok(SpotCheckEntry {
        item_id: r.try_get("item_id")?,
        position: r.try_get("position")?,
        index_number: r.try_get("index_number")?,
        title: r.try_get("title")?,
        published_on: r
            .try_get::<Option<String>, _>("published_on")?
            .map(|d| parse_date(&d))
            .transpose()?,
        finding: finding
            .map(|f| Finding::parse(&f).ok_or_else(|| StoreError::Corrupt(format!("finding {f}"))))
            .transpose()?,
        problem: r.try_get("problem")?,
        correction: r.try_get("correction")?,
        corrected_on: r
            .try_get::<Option<String>, _>("corrected_on")?
            .map(|d| parse_date(&d))
            .transpose()?,
        updated_by: r.try_get("updated_by")?,
        updated_at: r.try_get("updated_at")?,
    })
}

const ENTRY_COLS: &str = "item_id, position, index_number, title, published_on, finding, problem, \
    correction, corrected_on, updated_by, updated_at";

impl Store {
    /// Items of the agency with a version published (发布日期) within `from..=to`, by item id.
    pub async fn published_in_period(
        &self,
        agency_id: i64,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<PublishedSummary>> {
        with_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT v.item_id, i.index_number, v.title, v.document_number, v.published_on \
                 FROM item_versions v JOIN items i ON i.id = v.item_id \
                 WHERE v.agency_id = $1 AND v.state = 'published' \
                 AND v.published_on >= $2 AND v.published_on <= $3 ORDER BY v.item_id",
            )
            .bind(agency_id)
            .bind(ymd(from))
            .bind(ymd(to))
            .fetch_all(p)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(PublishedSummary {
                    item_id: r.try_get("item_id")?,
                    index_number: r.try_get("index_number")?,
                    title: r.try_get("title")?,
                    document_number: r.try_get("document_number")?,
                    published_on: r
                        .try_get::<Option<String>, _>("published_on")?
                        .map(|d| parse_date(&d))
                        .transpose()?,
                });
            }
            Ok(out)
        })
    }

    /// Draws the sample and records the check with its entries (audited). Returns its id.
    pub async fn create_spot_check(
        &self,
        agency_id: i64,
        input: &NewSpotCheck,
        actor: &Actor,
        now: i64,
    ) -> ProactiveResult<i64> {
        if input.period_from > input.period_to {
            return Err(ProactiveError::Invalid(
                "抽查期间：开始日期不能晚于结束日期".into(),
            ));
        }
        let population = self
            .published_in_period(agency_id, input.period_from, input.period_to)
            .await?;
        let size = input
            .size
            .resolve(population.len())
            .map_err(|e| ProactiveError::Invalid(e.to_string()))?;
        let ids: Vec<i64> = population.iter().map(|p| p.item_id).collect();
        let seed = u64::try_from(input.seed).unwrap_or_default();
        let sample = spot_check::draw(&ids, size, seed);
        let rule = rule_of(input.size);
        let pop = i64::try_from(population.len()).unwrap_or(i64::MAX);
        let id = with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let id: i64 = sqlx::query(
                "INSERT INTO spot_checks (agency_id, title, period_from, period_to, sample_rule, \
                 population, seed, state, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9) RETURNING id",
            )
            .bind(agency_id)
            .bind(&input.title)
            .bind(ymd(input.period_from))
            .bind(ymd(input.period_to))
            .bind(&rule)
            .bind(pop)
            .bind(input.seed)
            .bind(&actor.login)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            for (pos, item_id) in sample.iter().enumerate() {
                let Some(s) = population.iter().find(|p| p.item_id == *item_id) else {
                    continue;
                };
                sqlx::query(
                    "INSERT INTO spot_check_entries (check_id, item_id, position, index_number, \
                     title, published_on, problem, correction) VALUES ($1, $2, $3, $4, $5, $6, '', '')",
                )
                .bind(id)
                .bind(item_id)
                .bind(i64::try_from(pos).unwrap_or(i64::MAX))
                .bind(&s.index_number)
                .bind(&s.title)
                .bind(s.published_on.map(ymd))
                .execute(&mut *tx)
                .await?;
            }
            let entry = AuditEntry {
                agency_id: Some(agency_id),
                action: "spot_check.create",
                target: format!("抽查 {id}（{}）", input.title),
                before: String::new(),
                after: format!(
                    "期间={}至{}；抽取={}；总数={}；抽中={}；随机种子={}",
                    ymd(input.period_from),
                    ymd(input.period_to),
                    rule,
                    pop,
                    sample.len(),
                    input.seed
                ),
            };
            insert_audit!(&mut *tx, actor, entry, now)?;
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    pub async fn list_spot_checks(&self, agency_id: i64) -> Result<Vec<SpotCheck>> {
        let sql =
            format!("SELECT {CHECK_COLS} FROM spot_checks WHERE agency_id = $1 ORDER BY id DESC");
        with_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(agency_id).fetch_all(p).await?;
            rows.iter().map(check_from_row).collect()
        })
    }

    /// A check with its entries in the order drawn.
    pub async fn get_spot_check(
        &self,
        id: i64,
    ) -> Result<Option<(SpotCheck, Vec<SpotCheckEntry>)>> {
        let sql = format!("SELECT {CHECK_COLS} FROM spot_checks WHERE id = $1");
        let esql = format!(
            "SELECT {ENTRY_COLS} FROM spot_check_entries WHERE check_id = $1 ORDER BY position"
        );
        with_pool!(self, p => {
            let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(p).await? else {
                return Ok(None);
            };
            let check = check_from_row(&row)?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(esql.as_str())).bind(id).fetch_all(p).await?;
            let entries = rows.iter().map(entry_from_row).collect::<Result<Vec<_>>>()?;
            Ok(Some((check, entries)))
        })
    }

    /// Records the finding and correction of one sampled item of an open check (audited).
    pub async fn record_spot_check_entry(
        &self,
        check_id: i64,
        item_id: i64,
        input: &EntryInput,
        actor: &Actor,
        now: i64,
    ) -> ProactiveResult<()> {
        let (check, entries) = self
            .get_spot_check(check_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("spot check {check_id}")))?;
        let before = entries
            .iter()
            .find(|e| e.item_id == item_id)
            .ok_or_else(|| StoreError::NotFound(format!("entry {check_id}/{item_id}")))?;
        if check.closed {
            return Err(ProactiveError::Invalid("抽查已结束，不能再修改".into()));
        }
        let mut after = before.clone();
        after.finding = Some(input.finding);
        after.problem = input.problem.trim().to_owned();
        after.correction = input.correction.trim().to_owned();
        after.corrected_on = input.corrected_on;
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let r = sqlx::query(
                "UPDATE spot_check_entries SET finding = $1, problem = $2, correction = $3, \
                 corrected_on = $4, updated_by = $5, updated_at = $6 \
                 WHERE check_id = $7 AND item_id = $8 \
                 AND EXISTS (SELECT 1 FROM spot_checks c WHERE c.id = $7 AND c.state = 'open')",
            )
            .bind(input.finding.key())
            .bind(&after.problem)
            .bind(&after.correction)
            .bind(after.corrected_on.map(ymd))
            .bind(&actor.login)
            .bind(now)
            .bind(check_id)
            .bind(item_id)
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() != 1 {
                return Err(ProactiveError::Concurrent);
            }
            let entry = AuditEntry {
                agency_id: Some(check.agency_id),
                action: "spot_check.record",
                target: format!("抽查 {check_id} 信息 {}", before.index_number),
                before: if before.finding.is_some() { entry_summary(before) } else { String::new() },
                after: entry_summary(&after),
            };
            insert_audit!(&mut *tx, actor, entry, now)?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Closes a check whose every entry has a finding (audited); a closed check is read-only.
    pub async fn close_spot_check(
        &self,
        check_id: i64,
        actor: &Actor,
        now: i64,
    ) -> ProactiveResult<()> {
        let (check, entries) = self
            .get_spot_check(check_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("spot check {check_id}")))?;
        if check.closed {
            return Err(ProactiveError::Invalid("抽查已结束".into()));
        }
        let findings: Vec<Option<Finding>> = entries.iter().map(|e| e.finding).collect();
        if !spot_check::can_close(&findings) {
            return Err(ProactiveError::Invalid(
                "还有抽中的信息没有填写检查结论，不能结束抽查".into(),
            ));
        }
        let problems = findings
            .iter()
            .filter(|f| **f == Some(Finding::Problem))
            .count();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let r = sqlx::query(
                "UPDATE spot_checks SET state = 'closed', closed_by = $1, closed_at = $2 \
                 WHERE id = $3 AND state = 'open' AND NOT EXISTS \
                 (SELECT 1 FROM spot_check_entries e WHERE e.check_id = $3 AND e.finding IS NULL)",
            )
            .bind(&actor.login)
            .bind(now)
            .bind(check_id)
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() != 1 {
                return Err(ProactiveError::Concurrent);
            }
            let entry = AuditEntry {
                agency_id: Some(check.agency_id),
                action: "spot_check.close",
                target: format!("抽查 {check_id}（{}）", check.title),
                before: "进行中".into(),
                after: format!("已结束；抽查 {} 条，存在问题 {problems} 条", entries.len()),
            };
            insert_audit!(&mut *tx, actor, entry, now)?;
            tx.commit().await?;
        });
        Ok(())
    }
}
