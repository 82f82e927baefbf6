//! Filtered lists of published items: the query parameters shared by the public column page
//! and the JSON API (year of 发布日期, 主题分类, 发布机构, page), and the column page itself.
//!
//! Bad values never reach the store: each yields a Chinese message naming the field, and the
//! list is shown without that restriction (HTTP 422 on the page, a JSON error in the API).

use super::proactive::{columns_of, load_agency};
use super::{render, serde};
use crate::AppState;
use crate::error::AppError;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gongkai_proactive::ColumnKey;
use gongkai_store::portal::PublicFilter;
use minijinja::context;
use serde::Serialize;

/// Items per page of a public column.
pub const PAGE_SIZE: i64 = 20;
/// Largest `per_page` of the API.
pub const MAX_PER_PAGE: i64 = 100;
/// Only the first this many results of a filter can be paged to (narrow the filter for more);
/// counts stop here too, which keeps both cheap over a million published items.
pub const MAX_RESULT_WINDOW: i64 = 10_000;

/// The last value of each parameter of a query string (empty values count as absent).
fn params(raw: Option<&str>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let v = v.trim().to_owned();
        out.retain(|(key, _)| *key != k);
        if !v.is_empty() {
            out.push((k.into_owned(), v));
        }
    }
    out
}

/// A field whose value was refused, with the Chinese reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// The parsed parameters of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParams {
    /// The `column` parameter as given (checked against a catalogue by the caller).
    pub column: Option<String>,
    pub year: Option<i32>,
    pub topic: Option<String>,
    pub publisher: Option<String>,
    pub page: i64,
    pub per_page: i64,
    pub errors: Vec<FieldError>,
}

const MAX_TEXT_CHARS: usize = 100;

impl ListParams {
    /// Parses a query string; `per_page` is read only when `default_per_page` is `None`
    /// (the API), pages have a fixed size.
    pub fn parse(raw: Option<&str>, fixed_per_page: Option<i64>) -> Self {
        let mut p = Self {
            column: None,
            year: None,
            topic: None,
            publisher: None,
            page: 1,
            per_page: fixed_per_page.unwrap_or(PAGE_SIZE),
            errors: Vec::new(),
        };
        let mut page = None;
        for (k, v) in params(raw) {
            let mut refuse = |field: &'static str, message: String| {
                p.errors.push(FieldError { field, message });
            };
            match k.as_str() {
                "column" => p.column = Some(v),
                "year" => match v.parse::<i32>() {
                    Ok(y) if (1900..=9999).contains(&y) => p.year = Some(y),
                    _ => refuse(
                        "year",
                        format!("年份“{}”无效，应为四位数字的年份，如 2021。", clip(&v)),
                    ),
                },
                "topic" | "publisher" if v.chars().count() > MAX_TEXT_CHARS => {
                    let label = if k == "topic" {
                        "主题分类"
                    } else {
                        "发布机构"
                    };
                    let field = if k == "topic" { "topic" } else { "publisher" };
                    refuse(
                        field,
                        format!("{label}过长（最多 {MAX_TEXT_CHARS} 个字）。"),
                    );
                }
                "topic" => p.topic = Some(v),
                "publisher" => p.publisher = Some(v),
                "page" => match v.parse::<i64>() {
                    Ok(n) if n >= 1 => page = Some(n),
                    _ => refuse("page", format!("页码“{}”无效，应为正整数。", clip(&v))),
                },
                "per_page" if fixed_per_page.is_none() => match v.parse::<i64>() {
                    Ok(n) if n >= 1 => p.per_page = n.min(MAX_PER_PAGE),
                    _ => refuse(
                        "per_page",
                        format!(
                            "每页条数“{}”无效，应为 1 至 {MAX_PER_PAGE} 的整数。",
                            clip(&v)
                        ),
                    ),
                },
                _ => {}
            }
        }
        if let Some(n) = page {
            if n.saturating_sub(1).saturating_mul(p.per_page) >= MAX_RESULT_WINDOW {
                p.errors.push(FieldError {
                    field: "page",
                    message: format!(
                        "页码 {n} 超出范围：只能浏览前 {MAX_RESULT_WINDOW} 条结果，请用筛选条件缩小范围。"
                    ),
                });
            } else {
                p.page = n;
            }
        }
        p
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }

    pub fn filter(&self, column: Option<ColumnKey>) -> PublicFilter {
        PublicFilter {
            column,
            year: self.year,
            topic: self.topic.clone(),
            publisher: self.publisher.clone(),
        }
    }

    /// The filter as a query-string prefix for page links (`year=2021&`), so that paging
    /// keeps the filters.
    pub fn filter_query(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if let Some(y) = self.year {
            s.append_pair("year", &y.to_string());
        }
        if let Some(t) = &self.topic {
            s.append_pair("topic", t);
        }
        if let Some(p) = &self.publisher {
            s.append_pair("publisher", p);
        }
        let mut out = s.finish();
        if !out.is_empty() {
            out.push('&');
        }
        out
    }

    pub fn error_of(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// A refused value quoted back, cut short.
fn clip(v: &str) -> String {
    let mut s: String = v.chars().take(20).collect();
    if v.chars().count() > 20 {
        s.push('…');
    }
    s
}

/// The number of pages of `total` items.
pub fn page_count(total: i64, per_page: i64) -> i64 {
    ((total + per_page - 1) / per_page.max(1)).max(1)
}

/// Options of a select: the values that occur, plus the current one if it does not.
fn options(mut values: Vec<String>, current: Option<&String>) -> Vec<String> {
    if let Some(c) = current
        && !values.contains(c)
    {
        values.insert(0, c.clone());
    }
    values
}

/// `/portal/{agency_id}/columns/{column}?year=&topic=&publisher=&page=`
pub async fn portal_column(
    State(state): State<AppState>,
    Path((agency_id, column)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let agency_id: i64 = agency_id.parse().map_err(|_| AppError::NotFound)?;
    let agency = load_agency(&state, agency_id).await?;
    let catalogue = state.store.catalogue(agency_id).await?;
    let key = ColumnKey::parse(&column).map_err(|_| AppError::NotFound)?;
    let col = catalogue.get(&key).ok_or(AppError::NotFound)?;
    let q = ListParams::parse(raw.as_deref(), Some(PAGE_SIZE));
    let list = state
        .store
        .list_public(
            agency_id,
            &q.filter(Some(key.clone())),
            q.offset(),
            q.per_page,
            MAX_RESULT_WINDOW,
        )
        .await?;
    let facets = state
        .page_cache
        .facets(&state.store, agency_id, &key)
        .await?;
    let years = options(
        facets.years.iter().map(ToString::to_string).collect(),
        q.year.map(|y| y.to_string()).as_ref(),
    );
    let pages = page_count(list.total, q.per_page);
    let filtered = q.year.is_some() || q.topic.is_some() || q.publisher.is_some();
    let page_errors: Vec<String> = q
        .errors
        .iter()
        .filter(|e| !matches!(e.field, "year" | "topic" | "publisher"))
        .map(|e| e.message.clone())
        .collect();
    let html = render(
        &state,
        "portal_item_list.html",
        None,
        context! {
            agency => serde(&agency),
            columns => columns_of(&catalogue),
            column => context! { key => col.key.as_str(), name => col.name.clone() },
            items => serde(&list.items),
            total => list.total,
            total_exact => list.total_exact,
            page => q.page,
            pages => pages,
            filtered => filtered,
            filter_query => q.filter_query(),
            filter => context! {
                year => q.year.map(|y| y.to_string()).unwrap_or_default(),
                topic => q.topic.clone().unwrap_or_default(),
                publisher => q.publisher.clone().unwrap_or_default(),
            },
            options => context! {
                years => years,
                topics => options(facets.topics.clone(), q.topic.as_ref()),
                publishers => options(facets.publishers.clone(), q.publisher.as_ref()),
            },
            errors => context! {
                year => q.error_of("year").map(str::to_owned),
                topic => q.error_of("topic").map(str::to_owned),
                publisher => q.error_of("publisher").map(str::to_owned),
            },
            page_errors => page_errors,
        },
    )?;
    let status = if q.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_good_values_and_refuses_bad_ones_by_field() {
        let p = ListParams::parse(
            Some("year=2021&topic=%E7%BB%BC%E5%90%88%E6%94%BF%E5%8A%A1&publisher=&page=2"),
            Some(20),
        );
        assert_eq!(p.year, Some(2021));
        assert_eq!(p.topic.as_deref(), Some("综合政务"));
        assert_eq!(p.publisher, None);
        assert_eq!((p.page, p.offset()), (2, 20));
        assert!(p.errors.is_empty());
        assert_eq!(
            p.filter_query(),
            "year=2021&topic=%E7%BB%BC%E5%90%88%E6%94%BF%E5%8A%A1&"
        );

        let bad = ListParams::parse(Some("year=abc&page=-1&per_page=0"), None);
        assert_eq!((bad.year, bad.page, bad.per_page), (None, 1, 20));
        assert!(bad.error_of("year").unwrap().contains("年份“abc”无效"));
        assert!(bad.error_of("page").unwrap().contains("页码“-1”无效"));
        assert!(bad.error_of("per_page").is_some());
        assert_eq!(bad.filter_query(), "");

        let capped = ListParams::parse(Some("per_page=1000&page=100"), None);
        assert_eq!((capped.per_page, capped.page), (MAX_PER_PAGE, 100));
        let far = ListParams::parse(Some("page=501&per_page=1000"), Some(20));
        assert_eq!(far.page, 1);
        assert!(far.error_of("page").unwrap().contains("超出范围"));
        let huge = ListParams::parse(Some("page=99999999999999999999"), None);
        assert!(huge.error_of("page").is_some());
        let long = "长".repeat(101);
        let p = ListParams::parse(Some(&format!("topic={long}")), None);
        assert_eq!(p.topic, None);
        assert!(p.error_of("topic").is_some());
        // the last of repeated parameters wins
        assert_eq!(
            ListParams::parse(Some("year=2020&year=2021"), None).year,
            Some(2021)
        );
    }

    #[test]
    fn page_counts() {
        assert_eq!(page_count(0, 20), 1);
        assert_eq!(page_count(20, 20), 1);
        assert_eq!(page_count(21, 20), 2);
    }
}
