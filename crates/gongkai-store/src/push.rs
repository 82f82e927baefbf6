//! 推送: push targets of each agency, deliveries of published versions to them, and the log of
//! every attempt.
//!
//! A delivery is one published version of an item for one target; queuing the same version for
//! the same target twice does nothing (unique key, `ON CONFLICT DO NOTHING`). Its payload (the
//! JSON sent) is fixed when it is queued.
//!
//! Webhook deliveries are sent by a worker on each app node. A node claims due deliveries with
//! one `UPDATE … RETURNING` that sets a lease (token + expiry) and re-checks, on the row it
//! updates, that the delivery is still pending and not leased; PostgreSQL re-evaluates that
//! condition after waiting for a concurrent claimer's row lock, so two nodes never both win a
//! delivery. The attempt's result is written back only under the same lease token.
//!
//! Outbox deliveries are pulled by the platform: [`Store::outbox_read`] acknowledges (marks
//! delivered) every pending delivery up to the cursor the platform sends and returns the next
//! ones after it — at-least-once, a platform that crashed before storing a page reads it again.

use crate::proactive::{ProactiveError, ProactiveResult, china_date};
use crate::{Actor, AuditEntry, Result, Store, StoreError, token_hash};
use chrono::{DateTime, NaiveDate, Utc};
use gongkai_proactive::push::{PushPayload, RetryDecision, RetryPolicy};
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};

/// How a target receives items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// The platform is called (HTTP POST, signed).
    Webhook,
    /// The platform pulls a feed with a Bearer token.
    Outbox,
}

impl TargetKind {
    pub fn key(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Outbox => "outbox",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Webhook => "主动推送（Webhook）",
            Self::Outbox => "平台拉取（Outbox）",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "webhook" => Some(Self::Webhook),
            "outbox" => Some(Self::Outbox),
            _ => None,
        }
    }
}

/// A push target as pages show it: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PushTarget {
    pub id: i64,
    pub agency_id: i64,
    pub name: String,
    pub kind: TargetKind,
    pub url: Option<String>,
    pub enabled: bool,
    pub auto_push: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What an administrator enters for a new target.
#[derive(Debug, Clone)]
pub struct NewPushTarget {
    pub name: String,
    pub kind: TargetKind,
    /// Webhook only.
    pub url: Option<String>,
    pub auto_push: bool,
}

/// State of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Delivered,
    Failed,
    /// Not sent and never to be: the item was withdrawn while the delivery was pending
    /// (the reason is in `last_error`).
    Cancelled,
}

impl DeliveryState {
    pub fn key(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "待推送",
            Self::Delivered => "已送达",
            Self::Failed => "推送失败",
            Self::Cancelled => "已取消",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(Self::Pending),
            "delivered" => Ok(Self::Delivered),
            "failed" => Ok(Self::Failed),
            "cancelled" => Ok(Self::Cancelled),
            other => Err(StoreError::Corrupt(format!("delivery state {other}"))),
        }
    }
}

/// One delivery with what the console log shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub id: i64,
    pub target_id: i64,
    pub target_name: String,
    pub item_id: i64,
    pub version: i64,
    pub index_number: String,
    pub title: String,
    pub state: DeliveryState,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

/// One logged attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    pub id: i64,
    pub delivery_id: i64,
    pub at: i64,
    pub duration_ms: i64,
    pub http_status: Option<i64>,
    pub error: Option<String>,
}

/// A webhook delivery claimed by this node: what to send, where, signed with which secret.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub url: String,
    pub secret: String,
    pub payload: String,
    pub attempts: i64,
}

/// The result of one webhook attempt.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    pub http_status: Option<u16>,
    /// Network error or a short reason; never the secret.
    pub error: Option<String>,
    pub duration_ms: i64,
    pub success: bool,
}

/// What queuing a push did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Queued {
    /// Targets that got a new delivery.
    pub queued: Vec<String>,
    /// Targets that already had this version.
    pub already: Vec<String>,
}

/// One item of an outbox page.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxEntry {
    pub cursor: i64,
    pub payload: PushPayload,
}

/// Why the pending deliveries of a withdrawn item were cancelled (shown in the delivery log).
pub const CANCELLED_ON_WITHDRAWAL: &str = "信息已撤回";

/// Cancels the pending deliveries of an item inside the caller's transaction (`$tx`: a
/// transaction of either backend), with `$reason` as their last error; the delivered and
/// failed ones stay as they are. A delivery claimed by a worker at that moment is cancelled
/// too: the worker then loses its lease and records nothing. Evaluates to the names of the
/// targets whose delivery was cancelled, in delivery order.
macro_rules! cancel_pending_deliveries {
    ($tx:expr, $item_id:expr, $reason:expr) => {{
        let rows = sqlx::query(
            "UPDATE push_deliveries SET state = 'cancelled', last_error = $1, \
             lease_token = NULL, lease_until = NULL \
             WHERE item_id = $2 AND state = 'pending' RETURNING id, target_id",
        )
        .bind($reason)
        .bind($item_id)
        .fetch_all(&mut *$tx)
        .await?;
        let mut cancelled: Vec<(i64, i64)> = Vec::with_capacity(rows.len());
        for r in &rows {
            cancelled.push((r.try_get("id")?, r.try_get("target_id")?));
        }
        cancelled.sort_unstable();
        let mut names: Vec<String> = Vec::with_capacity(cancelled.len());
        for (_, target_id) in cancelled {
            let name: String = sqlx::query("SELECT name FROM push_targets WHERE id = $1")
                .bind(target_id)
                .fetch_one(&mut *$tx)
                .await?
                .try_get("name")?;
            names.push(name);
        }
        names
    }};
}
pub(crate) use cancel_pending_deliveries;

const TARGET_COLS: &str =
    "id, agency_id, name, kind, url, enabled, auto_push, created_at, updated_at";

fn target_from_row<R: Row>(r: &R) -> Result<PushTarget>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'d> i64: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
    for<'d> bool: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
    for<'d> String: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
    for<'d> Option<String>: sqlx::Decode<'d, R::Database>,
{
    let kind: String = r.try_get("kind")?;
    Ok(PushTarget {
        id: r.try_get("id")?,
        agency_id: r.try_get("agency_id")?,
        name: r.try_get("name")?,
        kind: TargetKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("target kind {kind}")))?,
        url: r.try_get("url")?,
        enabled: r.try_get("enabled")?,
        auto_push: r.try_get("auto_push")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn target_summary(t: &PushTarget) -> String {
    format!(
        "名称={}；方式={}；地址={}；启用={}；发布后自动推送={}",
        t.name,
        t.kind.label(),
        t.url.clone().unwrap_or_default(),
        if t.enabled { "是" } else { "否" },
        if t.auto_push { "是" } else { "否" },
    )
}

fn payload_of(s: &str) -> Result<PushPayload> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("push payload: {e}")))
}

/// Seconds of the first moment of a year in China Standard Time.
fn year_start(year: i32) -> i64 {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp() - 8 * 3600)
        .unwrap_or(0)
}

impl Store {
    // ---- targets --------------------------------------------------------------------------

    /// Creates a target with its secret (audited; the secret is never in the audit row).
    pub async fn create_push_target(
        &self,
        agency_id: i64,
        input: &NewPushTarget,
        secret: &str,
        actor: &Actor,
    ) -> Result<PushTarget> {
        let now = crate::now_secs();
        let clear = match input.kind {
            TargetKind::Webhook => Some(secret.to_owned()),
            TargetKind::Outbox => None,
        };
        let sql = format!(
            "INSERT INTO push_targets (agency_id, name, kind, url, secret, secret_hash, enabled, \
             auto_push, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $8, $8) \
             RETURNING {TARGET_COLS}"
        );
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let row = sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(agency_id)
                .bind(&input.name)
                .bind(input.kind.key())
                .bind(&input.url)
                .bind(&clear)
                .bind(token_hash(secret))
                .bind(input.auto_push)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            let target = target_from_row(&row)?;
            let entry = AuditEntry {
                agency_id: Some(agency_id),
                action: "push_target.create",
                target: format!("推送目标 {}", target.id),
                before: String::new(),
                after: target_summary(&target),
            };
            insert_audit!(&mut *tx, actor, entry, now)?;
            tx.commit().await?;
            Ok(target)
        })
    }

    pub async fn list_push_targets(&self, agency_id: i64) -> Result<Vec<PushTarget>> {
        let sql =
            format!("SELECT {TARGET_COLS} FROM push_targets WHERE agency_id = $1 ORDER BY id");
        with_pool!(self, p => {
            let rows = sqlx::query(AssertSqlSafe(sql.as_str())).bind(agency_id).fetch_all(p).await?;
            rows.iter().map(target_from_row).collect()
        })
    }

    pub async fn get_push_target(&self, id: i64) -> Result<Option<PushTarget>> {
        let sql = format!("SELECT {TARGET_COLS} FROM push_targets WHERE id = $1");
        with_pool!(self, p => {
            let row = sqlx::query(AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(p).await?;
            row.as_ref().map(target_from_row).transpose()
        })
    }

    /// Enables or disables a target (audited). Pending deliveries of a disabled target wait.
    pub async fn set_push_target_enabled(
        &self,
        id: i64,
        enabled: bool,
        actor: &Actor,
    ) -> Result<PushTarget> {
        let before = self
            .get_push_target(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("push target {id}")))?;
        let now = crate::now_secs();
        let sql = format!(
            "UPDATE push_targets SET enabled = $1, updated_at = $2 WHERE id = $3 \
             RETURNING {TARGET_COLS}"
        );
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let row = sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(enabled)
                .bind(now)
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let after = target_from_row(&row)?;
            let entry = AuditEntry {
                agency_id: Some(after.agency_id),
                action: if enabled { "push_target.enable" } else { "push_target.disable" },
                target: format!("推送目标 {id}"),
                before: target_summary(&before),
                after: target_summary(&after),
            };
            insert_audit!(&mut *tx, actor, entry, now)?;
            tx.commit().await?;
            Ok(after)
        })
    }

    /// The enabled outbox target `id` when `token` is its secret; `None` otherwise (unknown,
    /// disabled, a webhook, or a wrong token — the caller answers all alike).
    pub async fn outbox_target(&self, id: i64, token: &str) -> Result<Option<PushTarget>> {
        let sql = format!("SELECT {TARGET_COLS}, secret_hash FROM push_targets WHERE id = $1");
        let found = with_pool!(self, p => {
            let row = sqlx::query(AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(p).await?;
            match row {
                None => None,
                Some(r) => {
                    let hash: String = r.try_get("secret_hash")?;
                    Some((target_from_row(&r)?, hash))
                }
            }
        });
        let Some((target, hash)) = found else {
            return Ok(None);
        };
        let sent = token_hash(token);
        let same = sent.len() == hash.len()
            && sent
                .bytes()
                .zip(hash.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        Ok((same && target.enabled && target.kind == TargetKind::Outbox).then_some(target))
    }

    // ---- queuing ----------------------------------------------------------------------------

    /// Queues the published version of an item for every enabled target of its agency (or
    /// only those with `auto_push` when `auto_only`). A version already queued for a target is
    /// left alone. One audit row when anything was queued.
    pub async fn enqueue_push(
        &self,
        agency_id: i64,
        item_id: i64,
        portal_base: &str,
        auto_only: bool,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> ProactiveResult<Queued> {
        let live = self
            .get_published(agency_id, item_id)
            .await?
            .ok_or_else(|| ProactiveError::Invalid("只有已发布的信息才能推送".into()))?;
        let catalogue = self.catalogue(agency_id).await?;
        let column_name = catalogue
            .get(&live.item.column)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| live.item.column.to_string());
        let url = format!(
            "{}/portal/{agency_id}/items/{item_id}",
            portal_base.trim_end_matches('/')
        );
        let version = live.version.number;
        let payload = PushPayload::new(item_id, version, &live.item, &column_name, &url);
        let body = serde_json::to_string(&payload)
            .map_err(|e| ProactiveError::Store(StoreError::Corrupt(e.to_string())))?;
        let targets: Vec<PushTarget> = self
            .list_push_targets(agency_id)
            .await?
            .into_iter()
            .filter(|t| t.enabled && (!auto_only || t.auto_push))
            .collect();
        let secs = now.timestamp();
        let mut out = Queued::default();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            for t in &targets {
                let row = sqlx::query(
                    "INSERT INTO push_deliveries (target_id, agency_id, item_id, version, kind, \
                     payload, state, attempts, next_attempt_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7) \
                     ON CONFLICT (target_id, item_id, version) DO NOTHING RETURNING id",
                )
                .bind(t.id)
                .bind(agency_id)
                .bind(item_id)
                .bind(i64::from(version))
                .bind(t.kind.key())
                .bind(&body)
                .bind(secs)
                .fetch_optional(&mut *tx)
                .await?;
                if row.is_some() {
                    out.queued.push(t.name.clone());
                } else {
                    out.already.push(t.name.clone());
                }
            }
            if !out.queued.is_empty() {
                let entry = AuditEntry {
                    agency_id: Some(agency_id),
                    action: if auto_only { "push.auto_enqueue" } else { "push.enqueue" },
                    target: format!("信息 {} 第 {version} 版", live.item.index_number),
                    before: String::new(),
                    after: format!("已排入推送：{}", out.queued.join("、")),
                };
                insert_audit!(&mut *tx, actor, entry, secs)?;
            }
            tx.commit().await?;
        });
        Ok(out)
    }

    // ---- the webhook worker -------------------------------------------------------------------

    /// Claims up to `limit` due webhook deliveries of enabled targets for `lease_secs` under
    /// `lease_token` (safe with several nodes: see the module documentation).
    pub async fn claim_due_webhooks(
        &self,
        now: i64,
        lease_secs: i64,
        lease_token: &str,
        limit: i64,
    ) -> Result<Vec<ClaimedDelivery>> {
        let claimed: Vec<(i64, i64, String, i64)> = with_pool!(self, p => {
            let rows = sqlx::query(
                "UPDATE push_deliveries SET lease_token = $1, lease_until = $2 \
                 WHERE id IN (SELECT d.id FROM push_deliveries d \
                     JOIN push_targets t ON t.id = d.target_id \
                     WHERE d.state = 'pending' AND d.kind = 'webhook' AND t.enabled = TRUE \
                     AND d.next_attempt_at <= $3 \
                     AND (d.lease_until IS NULL OR d.lease_until < $3) \
                     ORDER BY d.next_attempt_at, d.id LIMIT $4) \
                 AND state = 'pending' AND (lease_until IS NULL OR lease_until < $3) \
                 RETURNING id, target_id, payload, attempts",
            )
            .bind(lease_token)
            .bind(now + lease_secs)
            .bind(now)
            .bind(limit)
            .fetch_all(p)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push((
                    r.try_get("id")?,
                    r.try_get("target_id")?,
                    r.try_get("payload")?,
                    r.try_get("attempts")?,
                ));
            }
            out
        });
        let mut out = Vec::with_capacity(claimed.len());
        for (id, target_id, payload, attempts) in claimed {
            let (url, secret): (Option<String>, Option<String>) = with_pool!(self, p => {
                let r = sqlx::query("SELECT url, secret FROM push_targets WHERE id = $1")
                    .bind(target_id)
                    .fetch_one(p)
                    .await?;
                (r.try_get("url")?, r.try_get("secret")?)
            });
            out.push(ClaimedDelivery {
                id,
                url: url.unwrap_or_default(),
                secret: secret.unwrap_or_default(),
                payload,
                attempts,
            });
        }
        Ok(out)
    }

    /// Logs an attempt of a claimed delivery and moves it on: delivered, due again later by
    /// `policy`, or failed. Returns false when the lease was lost (nothing written).
    pub async fn finish_webhook_attempt(
        &self,
        id: i64,
        lease_token: &str,
        outcome: &AttemptOutcome,
        policy: RetryPolicy,
        now: i64,
    ) -> Result<bool> {
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let row = sqlx::query(
                "SELECT attempts FROM push_deliveries WHERE id = $1 AND lease_token = $2 \
                 AND state = 'pending'",
            )
            .bind(id)
            .bind(lease_token)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else {
                return Ok(false);
            };
            let attempts: i64 = row.try_get::<i64, _>("attempts")? + 1;
            sqlx::query(
                "INSERT INTO push_attempts (delivery_id, at, duration_ms, http_status, error) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(now)
            .bind(outcome.duration_ms)
            .bind(outcome.http_status.map(i64::from))
            .bind(&outcome.error)
            .execute(&mut *tx)
            .await?;
            let (state, next, error) = if outcome.success {
                ("delivered", now, None)
            } else {
                let made = u32::try_from(attempts).unwrap_or(u32::MAX);
                let error = Some(match (&outcome.error, outcome.http_status) {
                    (Some(e), _) => e.clone(),
                    (None, Some(s)) => format!("HTTP {s}"),
                    (None, None) => "未知错误".to_owned(),
                });
                match policy.after_failure(made) {
                    RetryDecision::RetryIn(secs) => {
                        ("pending", now.saturating_add(i64::try_from(secs).unwrap_or(i64::MAX)), error)
                    }
                    RetryDecision::GiveUp => ("failed", now, error),
                }
            };
            let r = sqlx::query(
                "UPDATE push_deliveries SET state = $1, attempts = $2, next_attempt_at = $3, \
                 last_error = $4, lease_token = NULL, lease_until = NULL, \
                 delivered_at = CASE WHEN $1 = 'delivered' THEN $5 ELSE delivered_at END \
                 WHERE id = $6 AND lease_token = $7",
            )
            .bind(state)
            .bind(attempts)
            .bind(next)
            .bind(error)
            .bind(now)
            .bind(id)
            .bind(lease_token)
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() != 1 {
                return Ok(false);
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    // ---- the outbox ---------------------------------------------------------------------------

    /// Acknowledges every pending delivery of the target up to `after` (marks it delivered and
    /// logs the pull as an attempt) and returns up to `limit` pending deliveries after it, in
    /// order. The cursor of an entry is its delivery id.
    pub async fn outbox_read(
        &self,
        target_id: i64,
        after: i64,
        limit: i64,
        now: i64,
    ) -> Result<Vec<OutboxEntry>> {
        let rows: Vec<(i64, String)> = with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let acked = sqlx::query(
                "UPDATE push_deliveries SET state = 'delivered', delivered_at = $1, \
                 attempts = attempts + 1, last_error = NULL \
                 WHERE target_id = $2 AND kind = 'outbox' AND state = 'pending' AND id <= $3 \
                 RETURNING id",
            )
            .bind(now)
            .bind(target_id)
            .bind(after)
            .fetch_all(&mut *tx)
            .await?;
            for r in &acked {
                sqlx::query(
                    "INSERT INTO push_attempts (delivery_id, at, duration_ms, http_status, error) \
                     VALUES ($1, $2, 0, 200, NULL)",
                )
                .bind(r.try_get::<i64, _>("id")?)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            let rows = sqlx::query(
                "SELECT id, payload FROM push_deliveries WHERE target_id = $1 AND kind = 'outbox' \
                 AND state = 'pending' AND id > $2 ORDER BY id LIMIT $3",
            )
            .bind(target_id)
            .bind(after)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push((r.try_get("id")?, r.try_get("payload")?));
            }
            out
        });
        rows.into_iter()
            .map(|(cursor, p)| {
                Ok(OutboxEntry {
                    cursor,
                    payload: payload_of(&p)?,
                })
            })
            .collect()
    }

    // ---- the console log ------------------------------------------------------------------------

    /// The agency's deliveries, newest first.
    pub async fn list_push_deliveries(&self, agency_id: i64, limit: i64) -> Result<Vec<Delivery>> {
        let rows: Vec<Delivery> = with_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT d.id, d.target_id, t.name AS target_name, d.item_id, d.version, \
                 d.payload, d.state, d.attempts, d.next_attempt_at, d.last_error, d.created_at, \
                 d.delivered_at FROM push_deliveries d JOIN push_targets t ON t.id = d.target_id \
                 WHERE d.agency_id = $1 ORDER BY d.id DESC LIMIT $2",
            )
            .bind(agency_id)
            .bind(limit)
            .fetch_all(p)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let payload = payload_of(&r.try_get::<String, _>("payload")?)?;
                out.push(Delivery {
                    id: r.try_get("id")?,
                    target_id: r.try_get("target_id")?,
                    target_name: r.try_get("target_name")?,
                    item_id: r.try_get("item_id")?,
                    version: r.try_get("version")?,
                    index_number: payload.index_number,
                    title: payload.title,
                    state: DeliveryState::parse(&r.try_get::<String, _>("state")?)?,
                    attempts: r.try_get("attempts")?,
                    next_attempt_at: r.try_get("next_attempt_at")?,
                    last_error: r.try_get("last_error")?,
                    created_at: r.try_get("created_at")?,
                    delivered_at: r.try_get("delivered_at")?,
                });
            }
            out
        });
        Ok(rows)
    }

    /// The attempts of a delivery, oldest first.
    pub async fn list_push_attempts(&self, delivery_id: i64) -> Result<Vec<Attempt>> {
        with_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT id, delivery_id, at, duration_ms, http_status, error FROM push_attempts \
                 WHERE delivery_id = $1 ORDER BY id",
            )
            .bind(delivery_id)
            .fetch_all(p)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(Attempt {
                    id: r.try_get("id")?,
                    delivery_id: r.try_get("delivery_id")?,
                    at: r.try_get("at")?,
                    duration_ms: r.try_get("duration_ms")?,
                    http_status: r.try_get("http_status")?,
                    error: r.try_get("error")?,
                });
            }
            Ok(out)
        })
    }

    /// Puts a failed delivery of the agency back in the queue, due now, with a fresh count of
    /// attempts (audited).
    pub async fn retry_push_delivery(
        &self,
        id: i64,
        agency_id: i64,
        actor: &Actor,
        now: i64,
    ) -> ProactiveResult<()> {
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let row = sqlx::query(
                "SELECT d.agency_id, d.item_id, d.state, d.attempts, d.last_error, t.name \
                 FROM push_deliveries d JOIN push_targets t ON t.id = d.target_id WHERE d.id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("delivery {id}")))?;
            let owner: i64 = row.try_get("agency_id")?;
            if owner != agency_id {
                return Err(StoreError::NotFound(format!("delivery {id}")).into());
            }
            let state: String = row.try_get("state")?;
            if state != "failed" {
                return Err(ProactiveError::Invalid("只有推送失败的记录才能重新推送".into()));
            }
            // A withdrawn item is not sent again (its pending deliveries were cancelled).
            let item_id: i64 = row.try_get("item_id")?;
            let live: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM item_versions WHERE item_id = $1 AND state = 'published'",
            )
            .bind(item_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
            if live == 0 {
                return Err(ProactiveError::Invalid("该信息已撤回，不能重新推送".into()));
            }
            let attempts: i64 = row.try_get("attempts")?;
            let last_error: Option<String> = row.try_get("last_error")?;
            let name: String = row.try_get("name")?;
            let r = sqlx::query(
                "UPDATE push_deliveries SET state = 'pending', attempts = 0, next_attempt_at = $1, \
                 lease_token = NULL, lease_until = NULL WHERE id = $2 AND state = 'failed'",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() != 1 {
                return Err(ProactiveError::Concurrent);
            }
            let entry = AuditEntry {
                agency_id: Some(agency_id),
                action: "push.retry",
                target: format!("推送记录 {id}（{name}）"),
                before: format!(
                    "推送失败；已尝试 {attempts} 次；{}",
                    last_error.unwrap_or_default()
                ),
                after: "待推送".into(),
            };
            insert_audit!(&mut *tx, actor, entry, now)?;
            tx.commit().await?;
            Ok(())
        })
    }

    // ---- statistics -----------------------------------------------------------------------------

    /// Distinct items of the agency delivered to at least one platform in `year` (by the date
    /// of delivery in China): the report's “推送至自治区、市平台” count.
    pub async fn pushed_items_count(&self, agency_id: i64, year: i32) -> Result<i64> {
        let (from, to) = (year_start(year), year_start(year + 1));
        with_pool!(self, p => {
            let row = sqlx::query(
                "SELECT COUNT(DISTINCT item_id) AS n FROM push_deliveries WHERE agency_id = $1 \
                 AND state = 'delivered' AND delivered_at >= $2 AND delivered_at < $3",
            )
            .bind(agency_id)
            .bind(from)
            .bind(to)
            .fetch_one(p)
            .await?;
            Ok(row.try_get("n")?)
        })
    }
}

/// The China date of a stored moment (for pages).
pub fn date_of_secs(secs: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp(secs, 0).map(china_date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_start_at_midnight_in_china() {
        // 2026-01-01T00:00+08:00 = 2025-12-31T16:00Z
        assert_eq!(year_start(2026), 1_767_196_800);
        assert_eq!(
            date_of_secs(year_start(2026)),
            NaiveDate::from_ymd_opt(2026, 1, 1)
        );
        assert_eq!(
            date_of_secs(year_start(2026) - 1),
            NaiveDate::from_ymd_opt(2025, 12, 31)
        );
    }
}
