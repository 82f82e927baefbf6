//! Public full-text search over published items: the portal page `/search` and the JSON API
//! `/api/v1/search`. Both read only the search index of published versions, and every result
//! is rebuilt from the published version (see `gongkai_store::search`).

use super::{render, serde};
use crate::AppState;
use crate::error::AppError;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use gongkai_proactive::{ColumnKey, Tokenizer};
use gongkai_store::search::{SearchRequest, SearchResults};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Results per page.
const PAGE_SIZE: i64 = 10;
/// Deepest page offered (deeper pages add nothing a refined query would not).
const MAX_PAGE: i64 = 100;
/// Longest query accepted, in characters.
const MAX_QUERY_CHARS: usize = 100;

/// The query string of both the page and the API. Every field is text, so that a bad value
/// gives a clear message instead of a rejection.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    column: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    page: String,
}

/// A checked request, or the reasons it is not one (in Chinese, naming the field).
struct Checked {
    request: SearchRequest,
    page: i64,
}

fn check(p: &SearchParams) -> Result<Checked, Vec<String>> {
    let mut errors = Vec::new();
    let q = p.q.trim();
    if q.chars().count() > MAX_QUERY_CHARS {
        errors.push(format!("检索词不能超过 {MAX_QUERY_CHARS} 个字。"));
    }
    let agency_id = match p.agency.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                errors.push("机关参数应为机关编号。".into());
                None
            }
        },
    };
    let column = match p.column.trim() {
        "" => None,
        s => match ColumnKey::parse(s) {
            Ok(k) => Some(k),
            Err(_) => {
                errors.push("栏目参数无效。".into());
                None
            }
        },
    };
    let year = match p.year.trim() {
        "" => None,
        s => match s.parse::<i32>() {
            Ok(y) if (1949..=2200).contains(&y) => Some(y),
            _ => {
                errors.push("年份应为四位数字，如 2021。".into());
                None
            }
        },
    };
    let page = match p.page.trim() {
        "" => 1,
        s => match s.parse::<i64>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                errors.push(format!("页码应为 1 到 {MAX_PAGE} 之间的数字。"));
                1
            }
        },
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Checked {
        request: SearchRequest {
            query: Tokenizer::shared().parse_query(q),
            agency_id,
            column,
            year,
            offset: (page - 1) * PAGE_SIZE,
            limit: PAGE_SIZE,
        },
        page,
    })
}

async fn run(state: &AppState, checked: &Checked) -> Result<SearchResults, AppError> {
    Ok(state.store.search(&checked.request).await?)
}

/// `GET /search`: the search page (form and results; works without JavaScript).
pub async fn page(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Response, AppError> {
    let agencies = state.store.list_agencies().await?;
    let agency_names: HashMap<i64, String> =
        agencies.iter().map(|a| (a.id, a.name.clone())).collect();
    let agency_options: Vec<minijinja::Value> = agencies
        .iter()
        .map(|a| context! { id => a.id.to_string(), name => a.name.clone() })
        .collect();
    let (status, results, errors, page) = match check(&params) {
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, None, errors, 1),
        Ok(checked) if checked.request.query.is_empty() => (StatusCode::OK, None, vec![], 1),
        Ok(checked) => {
            let r = run(&state, &checked).await?;
            (StatusCode::OK, Some(r), vec![], checked.page)
        }
    };
    let hits: Vec<minijinja::Value> = results
        .as_ref()
        .map(|r| {
            r.hits
                .iter()
                .map(|h| {
                    context! {
                        agency_id => h.agency_id,
                        item_id => h.item_id,
                        title_html => h.title_html.clone(),
                        snippet_html => h.snippet_html.clone(),
                        snippet_source => h.snippet_source.clone(),
                        agency => agency_names.get(&h.agency_id).cloned().unwrap_or_default(),
                        document_number => h.document_number.clone().unwrap_or_default(),
                        published_on => h.published_on.map(|d| d.to_string()).unwrap_or_default(),
                        index_number => h.index_number.clone(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let total = results.as_ref().map(|r| r.total).unwrap_or(0);
    let more = results.as_ref().is_some_and(|r| r.more);
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).clamp(1, MAX_PAGE);
    // a lower bound (`more`): a full page may have a next one beyond the counted ones
    let full_page = results
        .as_ref()
        .is_some_and(|r| r.hits.len() as i64 == PAGE_SIZE);
    let has_next = page < MAX_PAGE && (page < pages || (more && full_page));
    let page_link = |n: i64| {
        let mut p = params.clone();
        p.page = n.to_string();
        serde_urlencoded_pairs(&[
            ("q", &p.q),
            ("agency", &p.agency),
            ("column", &p.column),
            ("year", &p.year),
            ("page", &p.page),
        ])
    };
    let html: Html<String> = render(
        &state,
        "portal_search.html",
        None,
        context! {
            params => serde(&params),
            searched => results.is_some(),
            errors => errors,
            hits => hits,
            total => total,
            more => more,
            page => page,
            pages => pages,
            prev => (page > 1).then(|| page_link(page - 1)),
            next => has_next.then(|| page_link(page + 1)),
            agencies => agency_options,
        },
    )?;
    Ok((status, html).into_response())
}

/// `a=1&b=2` with form encoding, skipping empty values.
fn serde_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.trim().is_empty() {
            s.append_pair(k, v.trim());
        }
    }
    s.finish()
}

/// One result of the JSON API.
#[derive(Debug, Serialize)]
struct ApiHit {
    item_id: i64,
    agency_id: i64,
    index_number: String,
    title: String,
    document_number: Option<String>,
    published_on: Option<String>,
    column: String,
    url: String,
    /// HTML: escaped text with `<mark>` around the query words.
    title_html: String,
    snippet_html: String,
    snippet_source: String,
    score: f64,
}

#[derive(Debug, Serialize)]
struct ApiResults {
    query: String,
    words: Vec<String>,
    total: i64,
    more: bool,
    page: i64,
    per_page: i64,
    hits: Vec<ApiHit>,
}

/// `GET /api/v1/search?q=…&agency=&column=&year=&page=`: the same search as JSON.
pub async fn api(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Response, AppError> {
    let checked = match check(&params) {
        Ok(c) => c,
        Err(errors) => {
            let body = serde_json::json!({
                "error": { "code": "invalid_query", "message": errors.join("") }
            });
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
        }
    };
    let results = if checked.request.query.is_empty() {
        SearchResults {
            hits: Vec::new(),
            total: 0,
            more: false,
        }
    } else {
        run(&state, &checked).await?
    };
    let body = ApiResults {
        query: params.q.trim().to_owned(),
        words: checked.request.query.tokens.clone(),
        total: results.total,
        more: results.more,
        page: checked.page,
        per_page: PAGE_SIZE,
        hits: results
            .hits
            .into_iter()
            .map(|h| ApiHit {
                url: format!("/portal/{}/items/{}", h.agency_id, h.item_id),
                item_id: h.item_id,
                agency_id: h.agency_id,
                index_number: h.index_number,
                title: h.title,
                document_number: h.document_number,
                published_on: h.published_on.map(|d| d.to_string()),
                column: h.column_key,
                title_html: h.title_html,
                snippet_html: h.snippet_html,
                snippet_source: h.snippet_source,
                score: h.score,
            })
            .collect(),
    };
    Ok(Json(body).into_response())
}
