//! 推送: delivering published items to upper-level platforms (自治区、市政务公开平台).
//!
//! Pure parts of the push: the JSON payload of a published version ([`PushPayload`]), its
//! signature (HMAC-SHA256 over the body, [`sign`] / [`verify`]) and the retry schedule of a
//! failed webhook delivery ([`RetryPolicy`]). Sending, storing and the clock are the callers'.

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::item::Item;

/// The version of the payload format, sent as `schema`.
pub const PAYLOAD_SCHEMA: &str = "gongkai.push.v1";

/// The column an item is filed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayloadColumn {
    pub key: String,
    pub name: String,
}

/// What a platform receives for one published version: public metadata and text only (never a
/// draft, never the author or reviewer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushPayload {
    pub schema: String,
    pub item_id: i64,
    pub version: u32,
    /// 索引号
    pub index_number: String,
    /// 标题
    pub title: String,
    /// 发布机构
    pub publisher: String,
    /// 文号
    pub document_number: Option<String>,
    /// 成文日期 (YYYY-MM-DD)
    pub written_on: Option<String>,
    /// 发布日期 (YYYY-MM-DD)
    pub published_on: Option<String>,
    /// 主题分类
    pub topic: Option<String>,
    /// 栏目
    pub column: PayloadColumn,
    /// 正文, sanitised HTML
    pub body_html: String,
    /// The item's page on the agency's portal.
    pub url: String,
}

impl PushPayload {
    /// The payload of a published version. `body_html` is sanitised again here, so nothing
    /// unsafe leaves the platform even if a stored body was not.
    pub fn new(item_id: i64, version: u32, item: &Item, column_name: &str, url: &str) -> Self {
        let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
        Self {
            schema: PAYLOAD_SCHEMA.to_owned(),
            item_id,
            version,
            index_number: item.index_number.to_string(),
            title: item.title.clone(),
            publisher: item.publisher.clone(),
            document_number: item.document_number.as_ref().map(ToString::to_string),
            written_on: date(item.written_on),
            published_on: date(item.published_on),
            topic: item.topic.clone(),
            column: PayloadColumn {
                key: item.column.to_string(),
                name: column_name.to_owned(),
            },
            body_html: crate::html::sanitize(&item.body_html),
            url: url.to_owned(),
        }
    }
}

/// The value of the `X-Gongkai-Signature` header: `sha256=` and the hex HMAC-SHA256 of the
/// body under the target's secret.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256=");
    for b in bytes.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Whether a signature header matches the body (constant-time comparison of the MAC).
pub fn verify(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(hex) = header.trim().strip_prefix("sha256=") else {
        return false;
    };
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    let mut expected = [0u8; 32];
    for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
        let s = std::str::from_utf8(chunk).unwrap_or("00");
        expected[i] = u8::from_str_radix(s, 16).unwrap_or(0);
    }
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// Delays after the 1st, 2nd, … failed attempt, in units of [`RetryPolicy::unit_secs`]
/// (with the default unit of one minute: 1 min, 5 min, 30 min, 2 h, 12 h, then daily).
pub const BACKOFF_STEPS: [u64; 6] = [1, 5, 30, 120, 720, 1440];

/// When to try a failed delivery again, and when to give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Seconds per step unit (60 in production; shorter in tests).
    pub unit_secs: u64,
    /// Attempts in all, the first one included; after that many failures the delivery fails.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            unit_secs: 60,
            max_attempts: 8,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again this many seconds from now.
    RetryIn(u64),
    /// Stop: the delivery has failed (staff may retry it by hand).
    GiveUp,
}

impl RetryPolicy {
    /// The decision after `attempts_made` attempts (all failed so far; counting the one that
    /// just failed).
    pub fn after_failure(&self, attempts_made: u32) -> RetryDecision {
        if attempts_made == 0 {
            return RetryDecision::RetryIn(0);
        }
        if attempts_made >= self.max_attempts {
            return RetryDecision::GiveUp;
        }
        let i = usize::try_from(attempts_made - 1)
            .unwrap_or(usize::MAX)
            .min(BACKOFF_STEPS.len() - 1);
        RetryDecision::RetryIn(BACKOFF_STEPS[i].saturating_mul(self.unit_secs))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{ColumnKey, IndexNumber};

    #[test]
    fn signature_matches_rfc_4231_test_case_2() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?"
        let s = sign(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            s,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify(b"Jefe", b"what do ya want for nothing?", &s));
        assert!(!verify(b"Jefe", b"what do ya want for nothing!", &s));
        assert!(!verify(b"jefe", b"what do ya want for nothing?", &s));
        assert!(!verify(b"Jefe", b"what do ya want for nothing?", &s[7..]));
        assert!(!verify(b"Jefe", b"x", "sha256=zz"));
    }

    #[test]
    fn back_off_grows_then_gives_up() {
        let p = RetryPolicy::default();
        let delays: Vec<RetryDecision> = (1..=8).map(|n| p.after_failure(n)).collect();
        assert_eq!(
            delays,
            [
                RetryDecision::RetryIn(60),
                RetryDecision::RetryIn(300),
                RetryDecision::RetryIn(1800),
                RetryDecision::RetryIn(7200),
                RetryDecision::RetryIn(43_200),
                RetryDecision::RetryIn(86_400),
                RetryDecision::RetryIn(86_400),
                RetryDecision::GiveUp,
            ]
        );
        let short = RetryPolicy {
            unit_secs: 1,
            max_attempts: 3,
        };
        assert_eq!(short.after_failure(1), RetryDecision::RetryIn(1));
        assert_eq!(short.after_failure(2), RetryDecision::RetryIn(5));
        assert_eq!(short.after_failure(3), RetryDecision::GiveUp);
        assert_eq!(short.after_failure(30), RetryDecision::GiveUp);
    }

    #[test]
    fn payload_has_public_metadata_and_sanitised_body() {
        let mut item = Item::new(
            IndexNumber::new("11640381MB1962185B", 2026, 1).unwrap(),
            ColumnKey::parse("department_documents").unwrap(),
            "关于印发清单的通知",
            "灵武市审批服务管理局",
        );
        item.body_html = "<p>正文</p><script>alert(1)</script>".into();
        item.published_on = chrono::NaiveDate::from_ymd_opt(2026, 3, 2);
        let p = PushPayload::new(
            7,
            2,
            &item,
            "部门文件",
            "https://example.org/portal/4/items/7",
        );
        assert_eq!(p.schema, PAYLOAD_SCHEMA);
        assert_eq!(p.title, "关于印发清单的通知");
        assert_eq!(p.published_on.as_deref(), Some("2026-03-02"));
        assert_eq!(p.column.name, "部门文件");
        assert!(p.body_html.contains("正文"));
        assert!(!p.body_html.contains("script"));
        let json = serde_json::to_string(&p).unwrap();
        let back: PushPayload = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
    }
}
