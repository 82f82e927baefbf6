//! The push worker (推送): a task of every app node that sends due webhook deliveries.
//!
//! Each tick claims due deliveries under a lease (see `gongkai_store::push`: safe with several
//! nodes on PostgreSQL), POSTs each payload signed with the target's secret, and records the
//! attempt; failures are retried on the schedule of [`RetryPolicy`] until it gives up.
//!
//! Request headers: `Content-Type: application/json`, `X-Gongkai-Signature: sha256=<hex
//! HMAC-SHA256(secret, body)>`, `X-Gongkai-Delivery: <id>` (the same on every retry, so the
//! platform can drop duplicates) and `X-Gongkai-Timestamp: <Unix seconds of this attempt>`.
//! Secrets are never logged.

use gongkai_proactive::push::{RetryPolicy, sign};
use gongkai_store::Store;
use gongkai_store::push::{AttemptOutcome, ClaimedDelivery};
use std::time::{Duration, Instant};

/// Settings of the push.
#[derive(Debug, Clone)]
pub struct PushConfig {
    /// How often each node looks for due deliveries (clamped to 10 ms … 1 h).
    pub poll_interval: Duration,
    /// The back-off unit: delays are 1, 5, 30, 120, 720, 1440 units (a minute in production).
    pub retry_unit: Duration,
    /// Attempts before a delivery fails (staff may retry it by hand).
    pub max_attempts: u32,
    /// Time limit of one webhook request.
    pub request_timeout: Duration,
}

impl Default for PushConfig {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(5),
            retry_unit: Duration::from_secs(60),
            max_attempts: RetryPolicy::default().max_attempts,
            request_timeout: Duration::from_secs(15),
        }
    }
}

impl PushConfig {
    pub fn policy(&self) -> RetryPolicy {
        RetryPolicy {
            unit_secs: self.retry_unit.as_secs(),
            max_attempts: self.max_attempts.max(1),
        }
    }

    fn lease_secs(&self) -> i64 {
        i64::try_from(self.request_timeout.as_secs())
            .unwrap_or(3600)
            .saturating_add(60)
    }
}

/// Deliveries claimed per tick.
const BATCH: i64 = 20;

/// Sends due deliveries on every tick until `stop` turns true (or its sender is gone).
pub async fn run_worker(
    store: Store,
    config: PushConfig,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let client = match reqwest::Client::builder()
        .timeout(config.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("gongkai-push/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "push worker: cannot build the HTTP client");
            return;
        }
    };
    let every = config
        .poll_interval
        .clamp(Duration::from_millis(10), Duration::from_secs(3600));
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                deliver_due(&store, &client, &config).await;
            }
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
        }
    }
}

/// Claims and sends the due webhook deliveries once; returns how many were attempted.
pub async fn deliver_due(store: &Store, client: &reqwest::Client, config: &PushConfig) -> usize {
    let token = crate::auth::random_token(16);
    let now = gongkai_store::now_secs();
    let claimed = match store
        .claim_due_webhooks(now, config.lease_secs(), &token, BATCH)
        .await
    {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "push worker: claiming deliveries failed");
            return 0;
        }
    };
    let n = claimed.len();
    for d in claimed {
        let outcome = send(client, &d).await;
        let done = gongkai_store::now_secs();
        match store
            .finish_webhook_attempt(d.id, &token, &outcome, config.policy(), done)
            .await
        {
            Ok(true) => tracing::info!(
                delivery = d.id,
                status = outcome.http_status,
                success = outcome.success,
                duration_ms = outcome.duration_ms,
                "push attempt"
            ),
            Ok(false) => tracing::warn!(delivery = d.id, "push worker: lease lost"),
            Err(e) => tracing::warn!(delivery = d.id, error = %e, "push worker: recording failed"),
        }
    }
    n
}

/// One POST of a delivery.
async fn send(client: &reqwest::Client, d: &ClaimedDelivery) -> AttemptOutcome {
    let started = Instant::now();
    let result = client
        .post(&d.url)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .header(
            "X-Gongkai-Signature",
            sign(d.secret.as_bytes(), d.payload.as_bytes()),
        )
        .header("X-Gongkai-Delivery", d.id.to_string())
        .header("X-Gongkai-Timestamp", gongkai_store::now_secs().to_string())
        .body(d.payload.clone())
        .send()
        .await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    match result {
        Ok(resp) => {
            let status = resp.status();
            AttemptOutcome {
                http_status: Some(status.as_u16()),
                error: (!status.is_success()).then(|| format!("HTTP {}", status.as_u16())),
                duration_ms,
                success: status.is_success(),
            }
        }
        Err(e) => AttemptOutcome {
            http_status: None,
            // without the URL: it may carry a token of the platform's
            error: Some(describe(&e.without_url())),
            duration_ms,
            success: false,
        },
    }
}

/// A short Chinese description of a network error.
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "请求超时"
    } else if e.is_connect() {
        "无法连接"
    } else if e.is_redirect() {
        "不接受重定向"
    } else {
        "请求失败"
    };
    format!("{kind}：{e}")
}
