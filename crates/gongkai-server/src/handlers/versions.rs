//! Staff view of any version of an item (draft, returned, superseded, withdrawn …), with its
//! review record, full metadata and body. Console only, for staff of the item's agency; the
//! portal never links here and only ever reads published versions.

use super::proactive::ItemView;
use super::{format_time, render};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use axum::extract::{Path, State};
use axum::response::Html;
use gongkai_proactive::Validity;
use minijinja::context;
use serde::Serialize;

/// What the item pages show of a version, and its whole review record.
#[derive(Debug, Serialize)]
struct VersionView {
    #[serde(flatten)]
    item: ItemView,
    kind: &'static str,
    validity: String,
    editors: String,
    created_at: String,
    updated_at: String,
    published_at: String,
}

/// 有效性 with its dates, e.g. “已废止，施行日期 2019-05-06，废止日期 2021-06-30”.
fn validity_text(val: Validity) -> String {
    let mut s = val.label().to_owned();
    if let Some(since) = val.since() {
        s.push_str(&format!("，施行日期 {since}"));
    }
    match val {
        Validity::Amended { amended_on, .. } => s.push_str(&format!("，修改日期 {amended_on}")),
        Validity::Repealed { repealed_on, .. } => s.push_str(&format!("，废止日期 {repealed_on}")),
        Validity::InForce { .. } => {}
    }
    s
}

pub async fn version_detail(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, number)): Path<(i64, String)>,
) -> Result<Html<String>, AppError> {
    let record = state.store.get_item(id).await?.ok_or(AppError::NotFound)?;
    if record.agency_id != me.user().agency_id {
        return Err(AppError::Forbidden);
    }
    let number: u32 = number.parse().map_err(|_| AppError::NotFound)?;
    let v = record
        .versions
        .iter()
        .find(|v| v.version.number == number)
        .ok_or(AppError::NotFound)?;
    let catalogue = state.store.catalogue(record.agency_id).await?;
    let view = VersionView {
        item: ItemView::new(record.id, v, &catalogue),
        kind: v.item.kind.label(),
        validity: v.item.validity.map(validity_text).unwrap_or_default(),
        editors: v
            .version
            .editors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("、"),
        created_at: format_time(v.created_at),
        updated_at: format_time(v.updated_at),
        published_at: v
            .version
            .published_at
            .map(|t| format_time(t.timestamp()))
            .unwrap_or_default(),
    };
    let numbers: Vec<u32> = record.versions.iter().map(|v| v.version.number).collect();
    render(
        &state,
        "proactive_version.html",
        Some(&me),
        context! {
            v => super::serde(&view),
            numbers => super::serde(&numbers),
            latest => record.latest().map(|l| l.version.number),
        },
    )
}
