//! Staff view of any version of an item (draft, returned, superseded, withdrawn …), with its
//! review record, full metadata and body. Console only, for staff of the item's agency; the
//! portal never links here and only ever reads published versions.

use super::{format_time, render};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use axum::extract::{Path, State};
use axum::response::Html;
use chrono::NaiveDate;
use minijinja::context;
use serde::Serialize;

#[derive(Debug, Serialize)]
struct AttachmentView {
    file_name: String,
    size: String,
}

#[derive(Debug, Serialize)]
struct VersionView {
    item_id: i64,
    number: u32,
    state_label: &'static str,
    author: String,
    editors: String,
    reviewer: String,
    reason: String,
    created_at: String,
    updated_at: String,
    publish_at: String,
    published_at: String,
    index_number: String,
    column_name: String,
    title: String,
    publisher: String,
    document_number: String,
    written_on: String,
    published_on: String,
    topic: String,
    disclosure_mode: &'static str,
    scope: String,
    kind: &'static str,
    validity: String,
    body_html: String,
    attachments: Vec<AttachmentView>,
}

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
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
    let i = &v.item;
    let validity = i
        .validity
        .map(|val| {
            let mut s = val.label().to_owned();
            if let Some(since) = val.since() {
                s.push_str(&format!("，施行日期 {since}"));
            }
            match val {
                gongkai_proactive::Validity::Amended { amended_on, .. } => {
                    s.push_str(&format!("，修改日期 {amended_on}"))
                }
                gongkai_proactive::Validity::Repealed { repealed_on, .. } => {
                    s.push_str(&format!("，废止日期 {repealed_on}"))
                }
                gongkai_proactive::Validity::InForce { .. } => {}
            }
            s
        })
        .unwrap_or_default();
    let view = VersionView {
        item_id: record.id,
        number,
        state_label: v.version.state.label(),
        author: v.version.author.to_string(),
        editors: v
            .version
            .editors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("、"),
        reviewer: v
            .version
            .reviewer
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        reason: v.version.reason.clone().unwrap_or_default(),
        created_at: format_time(v.created_at),
        updated_at: format_time(v.updated_at),
        publish_at: v
            .version
            .publish_at
            .map(|t| format_time(t.timestamp()))
            .unwrap_or_default(),
        published_at: v
            .version
            .published_at
            .map(|t| format_time(t.timestamp()))
            .unwrap_or_default(),
        index_number: i.index_number.to_string(),
        column_name: catalogue
            .get(&i.column)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| i.column.to_string()),
        title: i.title.clone(),
        publisher: i.publisher.clone(),
        document_number: i
            .document_number
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        written_on: date(i.written_on),
        published_on: date(i.published_on),
        topic: i.topic.clone().unwrap_or_default(),
        disclosure_mode: i.disclosure_mode.label(),
        scope: i.scope.clone(),
        kind: i.kind.label(),
        validity,
        // Stored bodies are sanitised on write; sanitising again on output costs little.
        body_html: gongkai_proactive::html::sanitize(&i.body_html),
        attachments: i
            .attachments
            .iter()
            .map(|a| AttachmentView {
                file_name: a.file_name.clone(),
                size: a
                    .size_bytes
                    .map(|b| format!("{b} 字节"))
                    .unwrap_or_default(),
            })
            .collect(),
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
