//! Statistics for the annual report: items first published in a year per column and channel,
//! and table 二 (一) (rules and normative documents issued, repealed, in force). CSV and XLSX
//! downloads for the report's spreadsheet.

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
use rust_xlsxwriter::{Format, Workbook, XlsxError};
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

/// A count as a spreadsheet number (counts stay far below 2^53).
fn number(n: u64) -> f64 {
    n as f64
}

/// The tables of the page as a workbook: one sheet, the same rows and Chinese headers as the
/// page, counts as numbers and every text as a string (nothing can become a formula).
fn workbook(t: &Tables) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let child = Format::new().set_indent(1);
    let sheet = book.add_worksheet();
    sheet.set_name("主动公开统计")?;
    sheet.set_column_width(0, 40)?;
    sheet.set_column_width(1, 16)?;
    sheet.set_column_width(2, 16)?;
    sheet.set_column_width(3, 16)?;
    sheet.write_string_with_format(0, 0, format!("{} 年主动公开信息统计", t.year), &bold)?;
    sheet.write_string(1, 0, "每条信息只在首次发布的年份和栏目计一次。")?;

    // 本年主动公开信息数（按栏目和渠道）
    let mut row = 3u32;
    sheet.write_string_with_format(row, 0, "栏目", &bold)?;
    let mut col = 1u16;
    for (label, _) in &t.channels {
        sheet.write_string_with_format(row, col, *label, &bold)?;
        col += 1;
    }
    sheet.write_string_with_format(row, col, "合计", &bold)?;
    for c in &t.columns {
        row += 1;
        if c.child {
            sheet.write_string_with_format(row, 0, &c.name, &child)?;
        } else {
            sheet.write_string(row, 0, &c.name)?;
        }
        sheet.write_number(row, 1, number(c.website))?;
        sheet.write_number(row, col, number(c.total))?;
    }
    row += 1;
    sheet.write_string_with_format(row, 0, "合计", &bold)?;
    for (i, (_, n)) in (1u16..).zip(&t.channels) {
        sheet.write_number(row, i, number(*n))?;
    }
    sheet.write_number(row, col, number(t.total))?;

    // 推送
    row += 2;
    sheet.write_string_with_format(row, 0, "本年推送到自治区、市等上级平台的信息（条）", &bold)?;
    sheet.write_number(row, 1, t.pushed as f64)?;
    sheet.write_string(row + 1, 0, "按送达计，每条信息计一次。")?;

    // 表二（一）
    row += 3;
    sheet.write_string_with_format(row, 0, "表二（一）规章和行政规范性文件", &bold)?;
    row += 1;
    for (c, title) in (0u16..).zip(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"])
    {
        sheet.write_string_with_format(row, c, title, &bold)?;
    }
    for s in &t.stock {
        row += 1;
        sheet.write_string(row, 0, s.label)?;
        sheet.write_number(row, 1, number(s.issued))?;
        sheet.write_number(row, 2, number(s.repealed))?;
        sheet.write_number(row, 3, number(s.in_force))?;
    }
    book.save_to_buffer()
}

pub async fn statistics_xlsx(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let t = tables(&state, &me, &q).await?;
    let bytes = workbook(&t).map_err(|e| AppError::Internal(format!("xlsx: {e}")))?;
    let disposition = super::attachment_disposition(
        &format!("statistics-{}.xlsx", t.year),
        &format!("主动公开统计-{}.xlsx", t.year),
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
