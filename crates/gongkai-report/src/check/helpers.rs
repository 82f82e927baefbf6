//! Shared pieces of the checker: the context every rule reads, the
//! diagnostic builder, official labels for messages, and ordering.

use super::{CheckOptions, Diagnostic, Rule};
use crate::model::{Cell, Report};
use crate::spec::{ColumnSpec, FormatSpec, FormatVersion, RowSpec, SECTIONS, TableId};
use rust_decimal::Decimal;

/// What every rule reads.
pub(crate) struct Ctx<'a> {
    pub report: &'a Report,
    pub options: &'a CheckOptions<'a>,
    /// The layout the tables are read against (detected, else by year).
    pub format: FormatVersion,
    pub spec: &'static FormatSpec,
}

impl<'a> Ctx<'a> {
    pub fn new(report: &'a Report, options: &'a CheckOptions<'a>) -> Self {
        let format = report.effective_format();
        Ctx {
            report,
            options,
            format,
            spec: FormatSpec::get(format),
        }
    }

    /// The value of a cell for arithmetic.
    pub fn value(&self, table: TableId, row: &str, column: &str) -> Value {
        match self.report.table(table) {
            Some(t) => Value::of(t.cell(row, column)),
            None => Value::Unknown,
        }
    }

    /// Which rows of table 三 stand for （六）其他处理 in this report: the
    /// format's own, or the other format's when the table uses those instead
    /// (a 2021 report printing the single 2019 row, or the reverse).
    pub fn t3_other_rows(&self) -> OtherRows {
        let Some(t3) = self.report.t3.as_ref() else {
            return OtherRows::Own;
        };
        let any = |keys: &[&str]| keys.iter().any(|k| t3.has_row(k));
        match self.format {
            FormatVersion::V2021 if !any(&OTHER_2021) && any(&[OTHER_2019]) => {
                OtherRows::Substituted {
                    used: vec![OTHER_2019],
                    missing: OTHER_2021.to_vec(),
                }
            }
            FormatVersion::V2019 if !any(&[OTHER_2019]) && any(&OTHER_2021) => {
                OtherRows::Substituted {
                    used: OTHER_2021.to_vec(),
                    missing: vec![OTHER_2019],
                }
            }
            _ => OtherRows::Own,
        }
    }

    /// The value rows of table 三 as this report lays them out, in official
    /// order: the format's rows, with a substituted （六）其他处理 block.
    pub fn t3_rows(&self) -> Vec<&'static RowSpec> {
        let other = self.t3_other_rows();
        let mut rows = Vec::new();
        for r in self.spec.t3_rows {
            match &other {
                OtherRows::Substituted { used, missing } if missing.contains(&r.key) => {
                    // Insert the substitute rows once, where the block was.
                    if missing.first() == Some(&r.key) {
                        rows.extend(used.iter().filter_map(|k| any_row(TableId::T3, k)));
                    }
                }
                _ => rows.push(r),
            }
        }
        rows
    }
}

pub(crate) const OTHER_2019: &str = "other.total_2019";
pub(crate) const OTHER_2021: [&str; 3] = ["other.no_correction", "other.fee_unpaid", "other.other"];

pub(crate) enum OtherRows {
    Own,
    Substituted {
        used: Vec<&'static str>,
        missing: Vec<&'static str>,
    },
}

/// A cell as arithmetic sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    Known(Decimal),
    /// Blank, or absent: any non-negative number.
    Unknown,
    /// Not a usable number (text, a negative count): relations are skipped.
    Invalid,
}

impl Value {
    pub fn of(cell: Option<&Cell>) -> Value {
        match cell {
            None | Some(Cell::Blank) => Value::Unknown,
            Some(Cell::Count(n)) if *n >= 0 => Value::Known(Decimal::from(*n)),
            Some(Cell::Amount(d)) if !d.is_sign_negative() => Value::Known(*d),
            Some(_) => Value::Invalid,
        }
    }

    pub fn known(self) -> Option<Decimal> {
        match self {
            Value::Known(d) => Some(d),
            _ => None,
        }
    }
}

/// A number as written in messages.
pub(crate) fn num(d: Decimal) -> String {
    d.normalize().to_string()
}

/// "第一节“一、总体情况”".
pub(crate) fn section_name(number: u8) -> String {
    match SECTIONS.iter().find(|s| s.number == number) {
        Some(s) => format!("第{}节“{}”", cn_digit(number), s.heading),
        None => format!("第{number}节"),
    }
}

pub(crate) fn cn_digit(n: u8) -> &'static str {
    match n {
        1 => "一",
        2 => "二",
        3 => "三",
        4 => "四",
        5 => "五",
        6 => "六",
        _ => "？",
    }
}

/// A row of either format, by key.
pub(crate) fn any_row(table: TableId, key: &str) -> Option<&'static RowSpec> {
    [FormatVersion::V2021, FormatVersion::V2019]
        .into_iter()
        .find_map(|v| FormatSpec::get(v).row(table, key).map(|(r, _)| r))
}

/// The columns of a row of either format, by key.
pub(crate) fn row_columns(
    spec: &FormatSpec,
    table: TableId,
    key: &str,
) -> Option<&'static [ColumnSpec]> {
    spec.row(table, key)
        .or_else(|| {
            [FormatVersion::V2021, FormatVersion::V2019]
                .into_iter()
                .find_map(|v| FormatSpec::get(v).row(table, key))
        })
        .map(|(_, c)| c)
}

/// The official label of a row, group included; the key if unknown.
pub(crate) fn row_label(table: TableId, key: &str) -> String {
    any_row(table, key)
        .map(RowSpec::full_label)
        .unwrap_or_else(|| key.to_string())
}

/// The official label of a column of a row; the key if unknown.
pub(crate) fn column_label(spec: &FormatSpec, table: TableId, row: &str, column: &str) -> String {
    row_columns(spec, table, row)
        .and_then(|cs| cs.iter().find(|c| c.key == column))
        .map(|c| c.label.to_string())
        .unwrap_or_else(|| column.to_string())
}

pub(crate) fn diag(rule: Rule, message: String) -> Diagnostic {
    Diagnostic {
        rule,
        severity: rule.severity(),
        message,
        section: None,
        table: None,
        row: None,
        column: None,
    }
}

impl Diagnostic {
    pub(crate) fn in_section(mut self, number: u8) -> Self {
        self.section = Some(number);
        self
    }

    /// Sets the table and its section.
    pub(crate) fn in_table(mut self, table: TableId) -> Self {
        self.table = Some(table);
        self.section = Some(table.section());
        self
    }

    pub(crate) fn at_row(mut self, row: &str) -> Self {
        self.row = Some(row.to_string());
        self
    }

    pub(crate) fn at_column(mut self, column: &str) -> Self {
        self.column = Some(column.to_string());
        self
    }
}

/// Sorts by severity, section, table, row and column in official order,
/// rule, message.
pub(crate) fn sort(ctx: &Ctx<'_>, out: &mut [Diagnostic]) {
    let row_pos = |d: &Diagnostic| -> (usize, usize) {
        let (Some(t), Some(r)) = (d.table, d.row.as_deref()) else {
            return (0, 0);
        };
        let rows = ctx.spec.rows(t);
        let other = FormatSpec::get(match ctx.format {
            FormatVersion::V2019 => FormatVersion::V2021,
            FormatVersion::V2021 => FormatVersion::V2019,
        })
        .rows(t);
        let (ri, cols) = match rows.iter().position(|(s, _)| s.key == r) {
            Some(i) => (i + 1, Some(rows[i].1)),
            None => match other.iter().position(|(s, _)| s.key == r) {
                Some(i) => (i + 1, Some(other[i].1)),
                None => (usize::MAX, None),
            },
        };
        let ci = match (d.column.as_deref(), cols) {
            (Some(c), Some(cols)) => cols
                .iter()
                .position(|s| s.key == c)
                .map_or(usize::MAX, |i| i + 1),
            _ => 0,
        };
        (ri, ci)
    };
    out.sort_by(|a, b| {
        (
            a.severity,
            a.section.unwrap_or(0),
            a.table,
            row_pos(a),
            a.rule,
        )
            .cmp(&(
                b.severity,
                b.section.unwrap_or(0),
                b.table,
                row_pos(b),
                b.rule,
            ))
            .then_with(|| a.column.cmp(&b.column))
            .then_with(|| a.message.cmp(&b.message))
    });
}
