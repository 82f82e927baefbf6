//! Statistics for the annual report: items first published in a year per column and channel,
//! and table 二 (一) (rules and normative documents issued, repealed, in force). CSV and XLSX
//! downloads for the report's spreadsheet.

use super::render;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use axum::extract::{Query, State};
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

/// One cell of the downloads.
enum Cell {
    /// A heading (bold in the workbook).
    Head(String),
    Text(String),
    /// A column under another one (indented in the workbook).
    Child(String),
    Count(u64),
}

/// The page's tables as rows of cells, written alike to CSV and XLSX (an empty row between
/// two tables).
fn sheet(t: &Tables) -> Vec<Vec<Cell>> {
    use Cell::{Child, Count, Head, Text};
    let head = |s: &str| Head(s.to_owned());
    let mut rows = vec![
        vec![Head(format!("{} 年主动公开信息统计", t.year))],
        vec![Text("每条信息只在首次发布的年份和栏目计一次。".into())],
        vec![],
    ];
    let mut header = vec![head("栏目")];
    header.extend(t.channels.iter().map(|(label, _)| head(label)));
    header.push(head("合计"));
    rows.push(header);
    for c in &t.columns {
        let name = if c.child {
            Child(c.name.clone())
        } else {
            Text(c.name.clone())
        };
        rows.push(vec![name, Count(c.website), Count(c.total)]);
    }
    let mut total = vec![head("合计")];
    total.extend(t.channels.iter().map(|(_, n)| Count(*n)));
    total.push(Count(t.total));
    rows.push(total);
    rows.push(vec![]);
    rows.push(vec![
        head("本年推送到自治区、市等上级平台的信息（条）"),
        Count(u64::try_from(t.pushed).unwrap_or(0)),
    ]);
    rows.push(vec![Text("按送达计，每条信息计一次。".into())]);
    rows.push(vec![]);
    rows.push(vec![head("表二（一）规章和行政规范性文件")]);
    rows.push(
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
            .into_iter()
            .map(head)
            .collect(),
    );
    for s in &t.stock {
        rows.push(vec![
            Text(s.label.to_owned()),
            Count(s.issued),
            Count(s.repealed),
            Count(s.in_force),
        ]);
    }
    rows
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
    for row in sheet(&t) {
        let record = row.iter().map(|c| match c {
            Cell::Head(s) | Cell::Text(s) | Cell::Child(s) => super::csv_cell(s),
            Cell::Count(n) => n.to_string(),
        });
        w.write_record(record)
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    let body = w
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let name = format!("statistics-{}.csv", t.year);
    Ok(super::csv_download(&name, &name, body))
}

/// The rows as a one-sheet workbook: counts as numbers, every text as a string (nothing can
/// become a formula).
fn workbook(rows: &[Vec<Cell>]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let indented = Format::new().set_indent(1);
    let ws = book.add_worksheet();
    ws.set_name("主动公开统计")?;
    ws.set_column_width(0, 40)?;
    for col in 1..=3 {
        ws.set_column_width(col, 16)?;
    }
    for (r, row) in (0u32..).zip(rows) {
        for (c, cell) in (0u16..).zip(row) {
            match cell {
                Cell::Head(s) => ws.write_string_with_format(r, c, s, &bold)?,
                Cell::Text(s) => ws.write_string(r, c, s)?,
                Cell::Child(s) => ws.write_string_with_format(r, c, s, &indented)?,
                // counts stay far below 2^53
                Cell::Count(n) => ws.write_number(r, c, *n as f64)?,
            };
        }
    }
    book.save_to_buffer()
}

pub async fn statistics_xlsx(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let t = tables(&state, &me, &q).await?;
    let bytes = workbook(&sheet(&t)).map_err(|e| AppError::Internal(format!("xlsx: {e}")))?;
    Ok(super::download(
        super::XLSX_TYPE,
        &format!("statistics-{}.xlsx", t.year),
        &format!("主动公开统计-{}.xlsx", t.year),
        bytes,
    ))
}
