//! Request handlers: [`portal`] for the public, [`console`] for staff.

pub mod api;
pub mod attachments;
pub mod console;
pub mod feeds;
pub mod listing;
pub mod portal;
pub mod proactive;
pub mod push;
pub mod search;
pub mod spot_check;
// console features of proactive disclosure
pub mod catalogue;
pub mod import;
pub mod stats;
pub mod versions;
pub mod words;

pub(crate) use console::THROTTLE_WINDOW_SECS;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use gongkai_store::Agency;
use minijinja::Value;
use minijinja::value::Serde;
use serde::Serialize;

/// The standard columns of every agency's portal (政府信息公开专栏).
pub const PORTAL_COLUMNS: &[(&str, &str)] = &[
    ("guide", "政府信息公开指南"),
    ("rules", "政府信息公开制度"),
    ("proactive", "法定主动公开内容"),
    ("annual-reports", "政府信息公开年报"),
    ("requests", "依申请公开"),
];

/// What every page needs besides its own data: the signed-in user for the navigation and the
/// CSRF token for its forms.
pub fn base(user: Option<&CurrentUser>) -> Value {
    match user {
        Some(u) => minijinja::context! {
            user => minijinja::context! {
                login => u.user().login.clone(),
                display_name => u.user().display_name.clone(),
                role => u.user().role.key(),
                role_label => u.user().role.label(),
                must_change_password => u.user().must_change_password,
            },
            csrf => u.csrf().to_owned(),
        },
        None => minijinja::context! {},
    }
}

/// Renders a template with the base context merged under the page's own.
pub fn render(
    state: &AppState,
    name: &str,
    user: Option<&CurrentUser>,
    page: Value,
) -> Result<Html<String>, AppError> {
    let ctx = minijinja::context! { ..page, ..base(user) };
    state.templates.render(name, ctx).map(Html)
}

/// An agency as pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct AgencyView {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub parent_name: String,
    pub name: String,
    pub uscc: String,
    pub division_code: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub deadline_label: String,
    pub deadline_override: String,
    pub depth: usize,
}

impl AgencyView {
    pub fn new(a: &Agency, all: &[Agency], depth: usize) -> Self {
        Self {
            id: a.id,
            parent_id: a.parent_id,
            parent_name: a
                .parent_id
                .and_then(|p| all.iter().find(|x| x.id == p))
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            name: a.name.clone(),
            uscc: a.uscc.to_string(),
            division_code: a.division_code.to_string(),
            kind: a.kind.key(),
            kind_label: a.kind.label(),
            deadline_label: a.effective_deadline().label(),
            deadline_override: a.report_deadline.map(|d| d.to_string()).unwrap_or_default(),
            depth,
        }
    }
}

/// The agencies in hierarchy order (each followed by its subordinates), limited to `visible`
/// when given; an agency whose parent is hidden starts a new root.
pub fn agency_tree(all: &[Agency], visible: Option<&[i64]>) -> Vec<AgencyView> {
    let shown = |id: i64| visible.is_none_or(|v| v.contains(&id));
    let mut out = Vec::new();
    fn walk(all: &[Agency], a: &Agency, depth: usize, out: &mut Vec<AgencyView>) {
        out.push(AgencyView::new(a, all, depth));
        for c in all.iter().filter(|c| c.parent_id == Some(a.id)) {
            walk(all, c, depth + 1, out);
        }
    }
    for root in all
        .iter()
        .filter(|a| shown(a.id) && a.parent_id.is_none_or(|p| !shown(p)))
    {
        walk(all, root, 0, &mut out);
    }
    out.retain(|v| shown(v.id));
    out
}

pub fn serde<T: Serialize>(v: T) -> Value {
    Value::from(Serde(v))
}

/// `2026-01-31 09:30:00` in China Standard Time.
pub fn format_time(secs: i64) -> String {
    let Some(offset) = chrono::FixedOffset::east_opt(8 * 3600) else {
        return secs.to_string();
    };
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|d| {
            d.with_timezone(&offset)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|| secs.to_string())
}

/// A `Content-Disposition` for a download (RFC 6266): `fallback` for old clients (ASCII; other
/// characters become `_`) and `file_name` as UTF-8 in `filename*` (RFC 5987 percent-encoding).
pub fn attachment_disposition(fallback: &str, file_name: &str) -> String {
    let ascii: String = fallback
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// The media type of XLSX workbooks.
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file download: its media type and the [`attachment_disposition`] of its names.
pub fn download(
    media_type: &'static str,
    fallback: &str,
    file_name: &str,
    body: Vec<u8>,
) -> Response {
    let mut resp = body.into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    // ASCII by construction, so always a valid header value.
    if let Ok(v) = HeaderValue::from_str(&attachment_disposition(fallback, file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// A CSV download, with a byte-order mark so that spreadsheet programs read it as UTF-8.
pub fn csv_download(fallback: &str, file_name: &str, body: Vec<u8>) -> Response {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend(body);
    download("text/csv; charset=utf-8", fallback, file_name, bytes)
}

/// Neutralises spreadsheet formulas in exported CSV cells.
pub fn csv_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_carry_an_ascii_fallback_and_the_utf8_name() {
        assert_eq!(
            attachment_disposition("statistics-2021.xlsx", "主动公开统计-2021.xlsx"),
            "attachment; filename=\"statistics-2021.xlsx\"; \
             filename*=UTF-8''%E4%B8%BB%E5%8A%A8%E5%85%AC%E5%BC%80%E7%BB%9F%E8%AE%A1-2021.xlsx"
        );
        // quotes, spaces and separators never reach the header unencoded
        assert_eq!(
            attachment_disposition("a \"b\";c.pdf", "a \"b\";c.pdf"),
            "attachment; filename=\"a__b__c.pdf\"; filename*=UTF-8''a%20%22b%22%3Bc.pdf"
        );
    }
}
