//! Import of an existing catalogue (目录导入): upload a CSV (UTF-8 or GBK) or XLSX file, see a
//! preview with a row-by-row error report, confirm; the rows become published items in one
//! transaction (nothing is imported while any row has an error), each re-indexed for search
//! afterwards. Re-importing the same file adds nothing.

use super::render;
use crate::AppState;
use crate::auth::{CurrentUser, random_token};
use crate::error::AppError;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Form, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use gongkai_agency::Role;
use gongkai_proactive::Catalogue;
use gongkai_proactive::import::{ParsedImport, parse};
use gongkai_store::import::{ImportSource, RowPlan};
use minijinja::context;
use serde::{Deserialize, Serialize};

/// Who imports (the rows are published at once, so only those who may publish).
pub const IMPORTERS: &[Role] = &[Role::Reviewer, Role::AgencyAdmin];

/// Rows the preview lists (all errors are always listed).
const PREVIEW_ROWS: usize = 500;

#[derive(Debug, Serialize)]
struct ErrorView {
    row: usize,
    field: &'static str,
    message: String,
}

#[derive(Debug, Serialize)]
struct RowView {
    row: usize,
    title: String,
    index_number: String,
    document_number: String,
    published_on: String,
    column_name: String,
    plan: &'static str,
}

async fn form_page(
    state: &AppState,
    me: &CurrentUser,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let html = render(
        state,
        "import_form.html",
        Some(me),
        context! { error => error },
    )?;
    Ok((status, html).into_response())
}

pub async fn import_form(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Response, AppError> {
    form_page(&state, &me, None, StatusCode::OK).await
}

fn error_views(parsed: &ParsedImport) -> Vec<ErrorView> {
    parsed
        .errors
        .iter()
        .map(|e| ErrorView {
            row: e.row,
            field: e.field.label(),
            message: e.message.clone(),
        })
        .collect()
}

/// The preview page: counts, errors, rows with what will happen to each.
async fn preview(
    state: &AppState,
    me: &CurrentUser,
    file_name: &str,
    parsed: &ParsedImport,
    catalogue: &Catalogue,
    token: Option<&str>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let plans = state
        .store
        .plan_import(me.user().agency_id, &parsed.rows)
        .await?;
    let new = plans
        .iter()
        .filter(|p| matches!(p, RowPlan::New { .. }))
        .count();
    let rows: Vec<RowView> = parsed
        .rows
        .iter()
        .zip(&plans)
        .take(PREVIEW_ROWS)
        .map(|(r, p)| RowView {
            row: r.row,
            title: r.title.clone(),
            index_number: r
                .index_number
                .as_ref()
                .map(ToString::to_string)
                .or_else(|| r.invalid_index_number.clone())
                .unwrap_or_default(),
            document_number: r
                .document_number
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            published_on: r.published_on.to_string(),
            column_name: catalogue
                .get(&r.column)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            plan: match p {
                RowPlan::Existing { .. } => "已存在，跳过",
                RowPlan::New { keeps_index: true } => "新增（沿用原索引号）",
                RowPlan::New { keeps_index: false } => "新增（新编索引号）",
            },
        })
        .collect();
    let html = render(
        state,
        "import_preview.html",
        Some(me),
        context! {
            file_name => file_name,
            source => parsed.source.clone(),
            total => parsed.total_rows,
            error_count => parsed.errors.len(),
            errors => super::serde(error_views(parsed)),
            ignored => super::serde(&parsed.ignored_headers),
            rows => super::serde(&rows),
            shown => rows.len(),
            clean_rows => parsed.rows.len(),
            new => new,
            existing => plans.len() - new,
            token => token,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn import_upload(
    State(state): State<AppState>,
    me: CurrentUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let missing = || Some("请选择要上传的目录文件（CSV 或 XLSX）。".to_owned());
    let Ok(mut multipart) = multipart else {
        return form_page(&state, &me, missing(), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                return form_page(
                    &state,
                    &me,
                    Some("上传的内容不完整，请重新选择文件上传。".into()),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        };
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("目录.csv").to_owned();
            let bytes = field.bytes().await.map_err(|_| AppError::PayloadTooLarge)?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return form_page(&state, &me, missing(), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    // Only the base name, for display and the audit log.
    let file_name: String = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    let agency_id = me.user().agency_id;
    let catalogue = state.store.catalogue(agency_id).await?;
    let parsed = match parse(&bytes, &file_name, &catalogue) {
        Ok(p) => p,
        Err(e) => {
            return form_page(
                &state,
                &me,
                Some(format!("文件“{file_name}”无法导入：{e}。")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    if !parsed.is_clean() {
        return preview(
            &state,
            &me,
            &file_name,
            &parsed,
            &catalogue,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let token = random_token(16);
    let summary = format!("{} 行，编码 {}", parsed.total_rows, parsed.source);
    state
        .store
        .save_import_upload(
            &token,
            agency_id,
            me.user().id,
            &file_name,
            &bytes,
            &summary,
            &me.actor(),
        )
        .await?;
    preview(
        &state,
        &me,
        &file_name,
        &parsed,
        &catalogue,
        Some(&token),
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    token: String,
}

pub async fn import_confirm(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    let agency_id = me.user().agency_id;
    let token = form.token.trim();
    let upload = match token {
        "" => None,
        t => state.store.import_upload(t).await?,
    };
    // Another user's or agency's upload is as good as absent.
    let Some(upload) = upload.filter(|u| u.agency_id == agency_id && u.user_id == me.user().id)
    else {
        return form_page(
            &state,
            &me,
            Some("没有找到待确认的导入文件（可能已过期），请重新上传。".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    if upload.imported_at.is_some() {
        return form_page(
            &state,
            &me,
            Some(format!(
                "文件“{}”已经导入过，未重复导入。",
                upload.file_name
            )),
            StatusCode::CONFLICT,
        )
        .await;
    }
    let catalogue = state.store.catalogue(agency_id).await?;
    let parsed = match parse(&upload.content, &upload.file_name, &catalogue) {
        Ok(p) if p.is_clean() => p,
        Ok(p) => {
            // the catalogue changed since the preview
            return preview(
                &state,
                &me,
                &upload.file_name,
                &p,
                &catalogue,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(e) => {
            return form_page(
                &state,
                &me,
                Some(format!("文件“{}”无法导入：{e}。", upload.file_name)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let outcome = state
        .store
        .import_items(
            ImportSource::Upload {
                token: &upload.token,
            },
            agency_id,
            &catalogue,
            &parsed.rows,
            &me.actor(),
            Utc::now(),
        )
        .await?;
    for id in &outcome.imported {
        if let Err(e) = state.store.reindex_item(*id).await {
            // The items are published; a failed index entry is rebuilt by the next reindex.
            tracing::warn!(item_id = id, error = %e, "search index update after import failed");
        }
    }
    let html = render(
        &state,
        "import_done.html",
        Some(&me),
        context! {
            file_name => upload.file_name,
            imported => outcome.imported.len(),
            skipped => outcome.skipped,
        },
    )?;
    Ok(html.into_response())
}
