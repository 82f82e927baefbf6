//! The public JSON read API (`/api/v1/…`): agencies, their catalogues and their published
//! items. Read-only, no sign-in, published versions only; staff fields (author, reviewer,
//! return or withdrawal reasons) are never part of a response type.
//!
//! Errors are JSON too: `{"error": {"code": "not_found", "message": "中文说明"}}` with the
//! matching status (404 for anything not public, 422 for a bad parameter).

use super::feeds::base_url;
use super::listing::{ListParams, MAX_RESULT_WINDOW};
use crate::AppState;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use gongkai_proactive::{Catalogue, ColumnKey};
use gongkai_store::portal::PublicItem;
use serde::Serialize;

/// An error of the API.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
}

impl ApiError {
    fn not_found(what: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: format!("{what}不存在或未公开。"),
        }
    }

    fn invalid(message: String) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid_parameter",
            message,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: &self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<gongkai_store::StoreError> for ApiError {
    fn from(e: gongkai_store::StoreError) -> Self {
        tracing::error!(error = %e, "api request failed");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal_error",
            message: "服务器内部错误，请稍后再试。".into(),
        }
    }
}

impl From<gongkai_store::proactive::ProactiveError> for ApiError {
    fn from(e: gongkai_store::proactive::ProactiveError) -> Self {
        match e {
            gongkai_store::proactive::ProactiveError::Store(s) => s.into(),
            other => gongkai_store::StoreError::Corrupt(other.to_string()).into(),
        }
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// An agency as the API shows it.
#[derive(Debug, Serialize)]
pub struct ApiAgency {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    /// 统一社会信用代码
    pub uscc: String,
    pub division_code: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
}

#[derive(Debug, Serialize)]
pub struct AgencyList {
    pub agencies: Vec<ApiAgency>,
}

/// `/api/v1/agencies`
pub async fn agencies(State(state): State<AppState>) -> ApiResult<AgencyList> {
    let agencies = state
        .store
        .list_agencies()
        .await?
        .into_iter()
        .map(|a| ApiAgency {
            id: a.id,
            parent_id: a.parent_id,
            name: a.name,
            uscc: a.uscc.to_string(),
            division_code: a.division_code.to_string(),
            kind: a.kind.key(),
            kind_label: a.kind.label(),
        })
        .collect();
    Ok(Json(AgencyList { agencies }))
}

async fn agency_id(state: &AppState, raw: &str) -> Result<i64, ApiError> {
    let id: i64 = raw.parse().map_err(|_| ApiError::not_found("机关"))?;
    match state.store.get_agency(id).await? {
        Some(_) => Ok(id),
        None => Err(ApiError::not_found("机关")),
    }
}

#[derive(Debug, Serialize)]
pub struct ApiColumn {
    pub key: String,
    pub name: String,
    pub parent: Option<String>,
    /// The item of 条例第二十条 the column serves, if any.
    pub statutory_item: Option<u8>,
}

#[derive(Debug, Serialize)]
pub struct ColumnList {
    pub agency_id: i64,
    pub columns: Vec<ApiColumn>,
}

/// `/api/v1/agencies/{id}/columns`
pub async fn columns(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<ColumnList> {
    let id = agency_id(&state, &id).await?;
    let catalogue = state.store.catalogue(id).await?;
    let columns = catalogue
        .columns()
        .iter()
        .map(|c| ApiColumn {
            key: c.key.as_str().to_owned(),
            name: c.name.clone(),
            parent: c.parent.as_ref().map(|p| p.as_str().to_owned()),
            statutory_item: c.statutory_item,
        })
        .collect();
    Ok(Json(ColumnList {
        agency_id: id,
        columns,
    }))
}

/// The metadata of a published item, as on its page.
#[derive(Debug, Serialize)]
pub struct ApiItem {
    pub id: i64,
    pub agency_id: i64,
    /// 索引号
    pub index_number: String,
    pub column: String,
    pub column_name: String,
    pub title: String,
    /// 发布机构
    pub publisher: String,
    /// 文号
    pub document_number: Option<String>,
    /// 成文日期
    pub written_on: Option<NaiveDate>,
    /// 发布日期
    pub published_on: Option<NaiveDate>,
    /// 主题分类
    pub topic: Option<String>,
    /// The item's public page.
    pub url: String,
}

fn column_name(catalogue: &Catalogue, key: &str) -> String {
    ColumnKey::parse(key)
        .ok()
        .and_then(|k| catalogue.get(&k).map(|c| c.name.clone()))
        .unwrap_or_else(|| key.to_owned())
}

fn api_item(i: &PublicItem, catalogue: &Catalogue, base: &str) -> ApiItem {
    ApiItem {
        id: i.item_id,
        agency_id: i.agency_id,
        index_number: i.index_number.clone(),
        column: i.column_key.clone(),
        column_name: column_name(catalogue, &i.column_key),
        title: i.title.clone(),
        publisher: i.publisher.clone(),
        document_number: i.document_number.clone(),
        written_on: i.written_on,
        published_on: i.published_on,
        topic: i.topic.clone(),
        url: format!("{base}/portal/{}/items/{}", i.agency_id, i.item_id),
    }
}

#[derive(Debug, Serialize)]
pub struct ItemList {
    pub items: Vec<ApiItem>,
    /// Matching items, counted up to [`MAX_RESULT_WINDOW`].
    pub total: i64,
    /// False when there are more than `total` matches (narrow the filter to see them all).
    pub total_exact: bool,
    pub page: i64,
    pub per_page: i64,
}

/// `/api/v1/agencies/{id}/items?column=&year=&topic=&publisher=&page=&per_page=`
pub async fn items(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> ApiResult<ItemList> {
    let id = agency_id(&state, &id).await?;
    let q = ListParams::parse(raw.as_deref(), None);
    if let Some(e) = q.errors.first() {
        return Err(ApiError::invalid(format!(
            "参数 {}：{}",
            e.field, e.message
        )));
    }
    let catalogue = state.store.catalogue(id).await?;
    let column = match &q.column {
        None => None,
        Some(c) => match ColumnKey::parse(c) {
            Ok(k) if catalogue.get(&k).is_some() => Some(k),
            _ => {
                return Err(ApiError::invalid(format!(
                    "参数 column：栏目“{}”不在该机关的目录中。",
                    c.chars().take(40).collect::<String>()
                )));
            }
        },
    };
    let page = state
        .store
        .list_public(
            id,
            &q.filter(column),
            q.offset(),
            q.per_page,
            MAX_RESULT_WINDOW,
        )
        .await?;
    let base = base_url(&state.config, &headers);
    Ok(Json(ItemList {
        items: page
            .items
            .iter()
            .map(|i| api_item(i, &catalogue, &base))
            .collect(),
        total: page.total,
        total_exact: page.total_exact,
        page: q.page,
        per_page: q.per_page,
    }))
}

#[derive(Debug, Serialize)]
pub struct ApiAttachment {
    pub file_name: String,
    pub url: String,
    pub size_bytes: Option<u64>,
}

/// A published item with its body and attachments.
#[derive(Debug, Serialize)]
pub struct ItemDetail {
    #[serde(flatten)]
    pub item: ApiItem,
    /// 公开方式
    pub disclosure_mode: &'static str,
    /// 正文, sanitised HTML.
    pub body_html: String,
    pub attachments: Vec<ApiAttachment>,
}

/// `/api/v1/agencies/{id}/items/{item_id}`
pub async fn item(
    State(state): State<AppState>,
    Path((id, item_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<ItemDetail> {
    let id = agency_id(&state, &id).await?;
    let item_id: i64 = item_id.parse().map_err(|_| ApiError::not_found("信息"))?;
    let v = state
        .store
        .get_published(id, item_id)
        .await?
        .ok_or_else(|| ApiError::not_found("信息"))?;
    let catalogue = state.store.catalogue(id).await?;
    let base = base_url(&state.config, &headers);
    let i = &v.item;
    let summary = PublicItem {
        item_id,
        agency_id: id,
        index_number: i.index_number.to_string(),
        column_key: i.column.to_string(),
        title: i.title.clone(),
        publisher: i.publisher.clone(),
        document_number: i.document_number.as_ref().map(ToString::to_string),
        written_on: i.written_on,
        published_on: i.published_on,
        topic: i.topic.clone(),
        published_at: v
            .version
            .published_at
            .map(|t| t.timestamp())
            .unwrap_or_default(),
    };
    Ok(Json(ItemDetail {
        item: api_item(&summary, &catalogue, &base),
        disclosure_mode: i.disclosure_mode.label(),
        // stored bodies are sanitised on write; sanitising again on output costs little
        body_html: gongkai_proactive::html::sanitize(&i.body_html),
        attachments: i
            .attachments
            .iter()
            .map(|a| ApiAttachment {
                file_name: a.file_name.clone(),
                url: a.url.clone(),
                size_bytes: a.size_bytes,
            })
            .collect(),
    }))
}

/// Any other path under `/api/v1/` (not `/api/v1/search`, which is routed on its own).
pub async fn not_found() -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        code: "not_found",
        message: "接口不存在。".into(),
    }
}
