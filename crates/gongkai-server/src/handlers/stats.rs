//! Statistics for the annual report: items first published in a year per column and channel,
//! and table 二 (一) (rules and normative documents issued, repealed, in force). CSV download
//! for the report's spreadsheet.

use super::render;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use gongkai_agency::Role;
use gongkai_proactive::{Channel, StockCounts};
use gongkai_store::stats::YearStats;
use minijinja::context;
use serde::{Deserialize, Serialize};

/// Who reads the statistics of their agency.
pub const STATS_READERS: &[Role] = &[Role::Editor, Role::Reviewer, Role::AgencyAdmin];

#[derive(Debug, Default, Deserialize)]
pub struct YearQuery {
    #[serde(default)]
    year: Option<String>,
}

#[derive(Debug, Serialize)]
struct ColumnRow {
    name: String,
    child: bool,
    website: u64,
    total: u64,
}

#[derive(Debug, Serialize)]
struct StockRow {
    label: &'static str,
    issued: u64,
    repealed: u64,
    in_force: u64,
}

struct Tables {
    year: i32,
    columns: Vec<ColumnRow>,
    total: u64,
    channels: Vec<(&'static str, u64)>,
    /// Distinct items delivered to upper-level platforms in the year (推送).
    pushed: i64,
    stock: Vec<StockRow>,
}

fn stock(label: &'static str, s: StockCounts) -> StockRow {
    StockRow {
        label,
        issued: s.issued,
        repealed: s.repealed,
        in_force: s.in_force,
    }
}

async fn tables(state: &AppState, me: &CurrentUser, q: &YearQuery) -> Result<Tables, AppError> {
    let this_year = gongkai_store::proactive::china_date(chrono::Utc::now()).year();
    let year = match q.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        None => this_year - 1,
        Some(y) => match y.parse::<i32>() {
            Ok(y) if (1949..=2099).contains(&y) => y,
            _ => {
                return Err(AppError::Invalid(
                    "年份应为 1949–2099 之间的四位数字。".into(),
                ));
            }
        },
    };
    let agency_id = me.user().agency_id;
    let catalogue = state.store.catalogue(agency_id).await?;
    let YearStats {
        publications,
        normative,
    } = state.store.year_stats(agency_id, year).await?;
    let mut columns: Vec<ColumnRow> = catalogue
        .columns()
        .iter()
        .map(|c| {
            let by = publications.by_column_and_channel.get(&c.key);
            ColumnRow {
                name: c.name.clone(),
                child: c.parent.is_some(),
                website: by
                    .and_then(|m| m.get(&Channel::Website))
                    .copied()
                    .unwrap_or(0),
                total: publications.by_column.get(&c.key).copied().unwrap_or(0),
            }
        })
        .collect();
    // items filed in a column that was deleted or renamed away still count
    for (key, n) in &publications.by_column {
        if catalogue.get(key).is_none() {
            columns.push(ColumnRow {
                name: format!("（已不在目录中的栏目 {key}）"),
                child: false,
                website: publications
                    .by_column_and_channel
                    .get(key)
                    .and_then(|m| m.get(&Channel::Website))
                    .copied()
                    .unwrap_or(0),
                total: *n,
            });
        }
    }
    Ok(Tables {
        year,
        columns,
        total: publications.total,
        channels: vec![(
            "政府网站",
            publications
                .by_channel
                .get(&Channel::Website)
                .copied()
                .unwrap_or(0),
        )],
        pushed: state.store.pushed_items_count(agency_id, year).await?,
        stock: vec![
            stock("规章", normative.regulations),
            stock("行政规范性文件", normative.normative_documents),
        ],
    })
}

pub async fn statistics(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let t = tables(&state, &me, &q).await?;
    let channels: Vec<minijinja::Value> = t
        .channels
        .iter()
        .map(|(l, n)| context! { label => *l, count => *n })
        .collect();
    let html = render(
        &state,
        "statistics.html",
        Some(&me),
        context! {
            year => t.year,
            columns => super::serde(&t.columns),
            total => t.total,
            channels => channels,
            pushed => t.pushed,
            stock => super::serde(&t.stock),
        },
    )?;
    Ok(html.into_response())
}

/// A cell that a spreadsheet must not read as a formula.
fn safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

pub async fn statistics_csv(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let t = tables(&state, &me, &q).await?;
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let mut put = |rec: Vec<String>| {
        w.write_record(rec.iter().map(|s| safe(s)))
            .map_err(|e| AppError::Internal(e.to_string()))
    };
    put(vec![format!("{} 年主动公开信息统计", t.year)])?;
    put(vec!["栏目".into(), "政府网站".into(), "合计".into()])?;
    for c in &t.columns {
        put(vec![
            c.name.clone(),
            c.website.to_string(),
            c.total.to_string(),
        ])?;
    }
    put(vec![
        "合计".into(),
        t.total.to_string(),
        t.total.to_string(),
    ])?;
    put(vec![])?;
    put(vec![
        "信息内容".into(),
        "本年制发件数".into(),
        "本年废止件数".into(),
        "现行有效件数".into(),
    ])?;
    for s in &t.stock {
        put(vec![
            s.label.into(),
            s.issued.to_string(),
            s.repealed.to_string(),
            s.in_force.to_string(),
        ])?;
    }
    let body = w
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend(body);
    let disposition = format!("attachment; filename=\"statistics-{}.csv\"", t.year);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
