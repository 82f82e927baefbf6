//! The report model: what a published annual report says, cell by cell.
//!
//! A blank or placeholder cell is [`Cell::Blank`] (`null` in JSON), never a
//! silent 0. The canonical JSON shape is the spec's (`to_json` / `from_json`).

use crate::spec::{FormatSpec, FormatVersion, TableId, ValueKind};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::str::FromStr;

/// One table cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    /// Left blank, or filled with a placeholder (“/”, “-”, “—”, “无”).
    Blank,
    /// An integer count (may be negative only where the column allows it;
    /// the checker says so otherwise).
    Count(i64),
    /// A decimal amount.
    Amount(Decimal),
    /// Text that is not a value of the column's kind, kept as written.
    Invalid(String),
}

impl Cell {
    /// The numeric value, if the cell holds one.
    pub fn number(&self) -> Option<Decimal> {
        match self {
            Cell::Count(n) => Some(Decimal::from(*n)),
            Cell::Amount(d) => Some(*d),
            _ => None,
        }
    }

    pub fn count(&self) -> Option<i64> {
        match self {
            Cell::Count(n) => Some(*n),
            _ => None,
        }
    }

    pub fn is_blank(&self) -> bool {
        matches!(self, Cell::Blank)
    }

    /// Parses a cell as written in a report, for a column of `kind`.
    /// Tolerates full-width digits, thousands separators, units and spaces.
    pub fn parse(raw: &str, kind: ValueKind) -> Cell {
        let text = crate::text::normalize(raw);
        let text = text.trim();
        if crate::text::is_placeholder(text) {
            return Cell::Blank;
        }
        let Some(number) = crate::text::parse_number(text) else {
            return Cell::Invalid(raw.trim().to_string());
        };
        match kind {
            ValueKind::Amount => Cell::Amount(number.normalize()),
            ValueKind::Count | ValueKind::SignedCount => {
                if number.fract().is_zero() {
                    match i64::try_from(number) {
                        Ok(n) => Cell::Count(n),
                        Err(_) => Cell::Invalid(raw.trim().to_string()),
                    }
                } else {
                    Cell::Invalid(raw.trim().to_string())
                }
            }
        }
    }

    /// Parses a cell whose column is unknown (a local extra row): an integer
    /// is a count, a decimal an amount.
    pub fn parse_any(raw: &str) -> Cell {
        match Cell::parse(raw, ValueKind::Count) {
            Cell::Invalid(_) => match Cell::parse(raw, ValueKind::Amount) {
                Cell::Amount(d) if d.is_sign_negative() => Cell::Invalid(raw.trim().to_string()),
                other => other,
            },
            other => other,
        }
    }

    /// The cell as shown in a rendered table ("" for blank).
    pub fn display(&self) -> String {
        match self {
            Cell::Blank => String::new(),
            Cell::Count(n) => n.to_string(),
            Cell::Amount(d) => d.normalize().to_string(),
            Cell::Invalid(s) => s.clone(),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Cell::Blank => Value::Null,
            Cell::Count(n) => json!(n),
            Cell::Amount(d) => Value::String(d.normalize().to_string()),
            Cell::Invalid(s) => Value::String(s.clone()),
        }
    }

    /// A value of an extra row, whose column kind is unknown.
    fn from_json_any(v: &Value) -> Cell {
        match v {
            Value::Number(n) if n.as_i64().is_some() => Cell::from_json(v, ValueKind::Count),
            Value::Number(n) => Cell::parse(&n.to_string(), ValueKind::Amount),
            Value::String(s) => Cell::parse_any(s),
            other => Cell::from_json(other, ValueKind::Count),
        }
    }

    fn from_json(v: &Value, kind: ValueKind) -> Cell {
        match v {
            Value::Null => Cell::Blank,
            Value::Number(n) => match (kind, n.as_i64()) {
                (ValueKind::Amount, _) => Cell::parse(&n.to_string(), kind),
                (_, Some(i)) => Cell::Count(i),
                (_, None) => Cell::Invalid(n.to_string()),
            },
            Value::String(s) => match kind {
                ValueKind::Amount => match Decimal::from_str(s.trim()) {
                    Ok(d) => Cell::Amount(d.normalize()),
                    Err(_) => Cell::Invalid(s.clone()),
                },
                _ => Cell::parse(s, kind),
            },
            other => Cell::Invalid(other.to_string()),
        }
    }
}

/// A row of a table that the format does not define (a local variant).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtraRow {
    pub label: String,
    pub values: Vec<Cell>,
}

/// One statistical table: row key → column key → cell.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    pub rows: BTreeMap<String, BTreeMap<String, Cell>>,
    pub extra_rows: Vec<ExtraRow>,
}

impl Table {
    pub fn cell(&self, row: &str, column: &str) -> Option<&Cell> {
        self.rows.get(row).and_then(|r| r.get(column))
    }

    pub fn set(&mut self, row: &str, column: &str, cell: Cell) {
        self.rows
            .entry(row.to_string())
            .or_default()
            .insert(column.to_string(), cell);
    }

    pub fn has_row(&self, row: &str) -> bool {
        self.rows.contains_key(row)
    }
}

/// One of the six sections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// 1..=6, by what the heading says (not by its position).
    pub number: u8,
    /// The heading as published, without its numbering.
    pub title: String,
    /// The section's text, paragraphs separated by newlines.
    pub text: String,
}

/// Something the parser noticed and tolerated; the checker reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseNote {
    /// A label matched an official one only tolerantly (typo, gloss, variant).
    LabelVariant {
        table: TableId,
        found: String,
        official: String,
    },
    /// A row the format does not have.
    UnknownRow { table: TableId, label: String },
    /// A row had more or fewer cells than the format's columns.
    CellsRealigned {
        table: TableId,
        row: String,
        found: usize,
        expected: usize,
    },
    /// Sections appear in an order other than 一…六.
    SectionOrder { found: Vec<u8> },
    /// A section number written differently from what its title says.
    SectionNumbering {
        title: String,
        written: u8,
        expected: u8,
    },
}

/// A parsed (or computed) annual report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// The format its table layout follows; `None` when no table says.
    pub format: Option<FormatVersion>,
    /// The statistical year.
    pub year: Option<i32>,
    pub agency: Option<String>,
    /// The title as published.
    pub title: Option<String>,
    /// The publication date, when the document states one.
    pub published_on: Option<chrono::NaiveDate>,
    /// Sections in the order they appear.
    pub sections: Vec<Section>,
    pub t2: Option<Table>,
    pub t3: Option<Table>,
    pub t4: Option<Table>,
    /// What the parser tolerated. Not part of the canonical JSON.
    pub notes: Vec<ParseNote>,
}

/// Why canonical JSON could not be read.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    #[error("不是有效的 JSON：{0}")]
    Syntax(#[from] serde_json::Error),
    #[error("JSON 结构不符合年报规范：{0}")]
    Shape(String),
}

impl Report {
    pub fn table(&self, id: TableId) -> Option<&Table> {
        match id {
            TableId::T2 => self.t2.as_ref(),
            TableId::T3 => self.t3.as_ref(),
            TableId::T4 => self.t4.as_ref(),
        }
    }

    pub fn table_mut(&mut self, id: TableId) -> &mut Option<Table> {
        match id {
            TableId::T2 => &mut self.t2,
            TableId::T3 => &mut self.t3,
            TableId::T4 => &mut self.t4,
        }
    }

    pub fn section(&self, number: u8) -> Option<&Section> {
        self.sections.iter().find(|s| s.number == number)
    }

    /// The format used to read and render the tables: the detected one, else
    /// the one the year calls for, else 2021.
    pub fn effective_format(&self) -> FormatVersion {
        self.format
            .or_else(|| self.year.map(FormatVersion::for_year))
            .unwrap_or(FormatVersion::V2021)
    }

    /// The canonical JSON of the spec: rows and columns in official order.
    pub fn to_json(&self) -> Value {
        let spec = FormatSpec::get(self.effective_format());
        let mut out = Map::new();
        out.insert(
            "format".into(),
            self.format
                .map(|f| Value::String(f.as_str().into()))
                .unwrap_or(Value::Null),
        );
        out.insert(
            "year".into(),
            self.year.map(|y| json!(y)).unwrap_or(Value::Null),
        );
        out.insert(
            "agency".into(),
            self.agency
                .clone()
                .map(Value::String)
                .unwrap_or(Value::Null),
        );
        if let Some(t) = &self.title {
            out.insert("title".into(), Value::String(t.clone()));
        }
        if let Some(d) = self.published_on {
            out.insert("published_on".into(), Value::String(d.to_string()));
        }
        let sections: Vec<Value> = self
            .sections
            .iter()
            .map(|s| json!({"number": s.number, "title": s.title, "text": s.text}))
            .collect();
        out.insert("sections".into(), Value::Array(sections));
        for id in TableId::ALL {
            let Some(table) = self.table(id) else {
                out.insert(id.key().into(), Value::Null);
                continue;
            };
            let mut t = Map::new();
            for (row, columns) in spec.rows(id) {
                let Some(cells) = table.rows.get(row.key) else {
                    continue;
                };
                let mut r = Map::new();
                for col in columns {
                    if let Some(c) = cells.get(col.key) {
                        r.insert(col.key.into(), c.to_json());
                    }
                }
                t.insert(row.key.into(), Value::Object(r));
            }
            // Rows of the other format (a mixed layout) are kept too.
            for (key, cells) in &table.rows {
                if !t.contains_key(key) {
                    let r: Map<String, Value> = cells
                        .iter()
                        .map(|(k, c)| (k.clone(), c.to_json()))
                        .collect();
                    t.insert(key.clone(), Value::Object(r));
                }
            }
            if !table.extra_rows.is_empty() {
                let extra: Vec<Value> = table
                    .extra_rows
                    .iter()
                    .map(|e| json!({"label": e.label, "values": e.values.iter().map(Cell::to_json).collect::<Vec<_>>()}))
                    .collect();
                t.insert("_extra_rows".into(), Value::Array(extra));
            }
            out.insert(id.key().into(), Value::Object(t));
        }
        Value::Object(out)
    }

    /// Reads canonical JSON back into a report.
    pub fn from_json(value: &Value) -> Result<Report, JsonError> {
        let obj = value
            .as_object()
            .ok_or_else(|| JsonError::Shape("顶层应为对象".into()))?;
        let format = match obj.get("format") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(FormatVersion::parse(s).ok_or_else(|| {
                JsonError::Shape(format!("format 应为 \"2019\" 或 \"2021\"，实为 {s:?}"))
            })?),
            Some(Value::Number(n)) => {
                Some(FormatVersion::parse(&n.to_string()).ok_or_else(|| {
                    JsonError::Shape(format!("format 应为 \"2019\" 或 \"2021\"，实为 {n}"))
                })?)
            }
            Some(other) => return Err(JsonError::Shape(format!("format 类型错误：{other}"))),
        };
        let year = match obj.get("year") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_i64()
                    .and_then(|y| i32::try_from(y).ok())
                    .ok_or_else(|| JsonError::Shape(format!("year 应为整数，实为 {v}")))?,
            ),
        };
        let string = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_string);
        let published_on =
            string("published_on").and_then(|s| chrono::NaiveDate::from_str(&s).ok());
        let mut sections = Vec::new();
        if let Some(list) = obj.get("sections") {
            let list = list
                .as_array()
                .ok_or_else(|| JsonError::Shape("sections 应为数组".into()))?;
            for s in list {
                let number = s
                    .get("number")
                    .and_then(Value::as_u64)
                    .and_then(|n| u8::try_from(n).ok())
                    .filter(|n| (1..=6).contains(n))
                    .ok_or_else(|| JsonError::Shape("sections[].number 应为 1 到 6".into()))?;
                let text_of = |k: &str| {
                    s.get(k)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                sections.push(Section {
                    number,
                    title: text_of("title"),
                    text: text_of("text"),
                });
            }
        }
        let mut report = Report {
            format,
            year,
            agency: string("agency"),
            title: string("title"),
            published_on,
            sections,
            ..Report::default()
        };
        let spec = FormatSpec::get(report.effective_format());
        let other = FormatSpec::get(match report.effective_format() {
            FormatVersion::V2019 => FormatVersion::V2021,
            FormatVersion::V2021 => FormatVersion::V2019,
        });
        for id in TableId::ALL {
            let t = match obj.get(id.key()) {
                None | Some(Value::Null) => continue,
                Some(Value::Object(t)) => t,
                Some(_) => return Err(JsonError::Shape(format!("{} 应为对象", id.key()))),
            };
            let mut table = Table::default();
            for (row_key, cells) in t {
                if row_key == "_extra_rows" {
                    for e in cells.as_array().into_iter().flatten() {
                        let label = e
                            .get("label")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string();
                        let values = e
                            .get("values")
                            .and_then(Value::as_array)
                            .map(|vs| vs.iter().map(Cell::from_json_any).collect())
                            .unwrap_or_default();
                        table.extra_rows.push(ExtraRow { label, values });
                    }
                    continue;
                }
                let cells = cells
                    .as_object()
                    .ok_or_else(|| JsonError::Shape(format!("{}.{row_key} 应为对象", id.key())))?;
                let columns = spec
                    .row(id, row_key)
                    .or_else(|| other.row(id, row_key))
                    .map(|(_, c)| c);
                for (col_key, v) in cells {
                    let kind = columns
                        .and_then(|cs| cs.iter().find(|c| c.key == col_key))
                        .map(|c| c.kind)
                        .unwrap_or(ValueKind::Count);
                    table.set(row_key, col_key, Cell::from_json(v, kind));
                }
            }
            *report.table_mut(id) = Some(table);
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_parse_tolerantly() {
        assert_eq!(Cell::parse("１２", ValueKind::Count), Cell::Count(12));
        assert_eq!(Cell::parse(" 1,234 ", ValueKind::Count), Cell::Count(1234));
        assert_eq!(Cell::parse("/", ValueKind::Count), Cell::Blank);
        assert_eq!(Cell::parse("—", ValueKind::Count), Cell::Blank);
        assert_eq!(Cell::parse("无", ValueKind::Count), Cell::Blank);
        assert_eq!(Cell::parse("", ValueKind::Count), Cell::Blank);
        assert_eq!(Cell::parse("-3", ValueKind::SignedCount), Cell::Count(-3));
        assert_eq!(
            Cell::parse("3.5", ValueKind::Count),
            Cell::Invalid("3.5".into())
        );
        assert_eq!(
            Cell::parse("abc", ValueKind::Count),
            Cell::Invalid("abc".into())
        );
        assert_eq!(
            Cell::parse("7730.28", ValueKind::Amount),
            Cell::Amount(Decimal::new(773028, 2))
        );
        assert_eq!(
            Cell::parse("251000元", ValueKind::Amount),
            Cell::Amount(Decimal::from(251000))
        );
    }

    #[test]
    fn json_round_trip_keeps_blank_and_amounts() {
        let mut t2 = Table::default();
        t2.set(
            "fees",
            "amount_wan_yuan",
            Cell::Amount(Decimal::new(773028, 2)),
        );
        t2.set("licensing", "decisions", Cell::Blank);
        let r = Report {
            format: Some(FormatVersion::V2021),
            year: Some(2023),
            t2: Some(t2),
            ..Report::default()
        };
        let v = r.to_json();
        assert_eq!(v["t2"]["fees"]["amount_wan_yuan"], json!("7730.28"));
        assert_eq!(v["t2"]["licensing"]["decisions"], Value::Null);
        let back = Report::from_json(&v).expect("round trip");
        assert_eq!(back.t2, r.t2);
    }
}
