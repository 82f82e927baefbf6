//! The checker: every rule of the spec's rule table, with its stable id and
//! severity. Pure: a report (and optionally last year's) in, diagnostics out.

mod arithmetic;
mod cross_year;
mod helpers;
mod structure;
#[cfg(test)]
mod testutil;
mod text;

use crate::model::Report;
use crate::spec::TableId;
use serde::Serialize;

/// Rule ids are part of the public contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Rule {
    SectionMissing,
    SectionOrder,
    TableMissing,
    FormatMismatch,
    RowMissing,
    RowUnknown,
    CellBlank,
    CellInvalid,
    T3Balance,
    T3HandledTotal,
    T3ApplicantTotal,
    T4Total,
    TextTableMismatch,
    ProactiveTotal,
    Section5Empty,
    FeeStatementMissing,
    FeeUnpaidWithoutFees,
    CarryOverMismatch,
    StockDrift,
    TextDuplicate,
    LatePublication,
    /// A label matched an official one only tolerantly (info).
    LabelVariant,
}

impl Rule {
    pub const ALL: [Rule; 22] = [
        Rule::SectionMissing,
        Rule::SectionOrder,
        Rule::TableMissing,
        Rule::FormatMismatch,
        Rule::RowMissing,
        Rule::RowUnknown,
        Rule::CellBlank,
        Rule::CellInvalid,
        Rule::T3Balance,
        Rule::T3HandledTotal,
        Rule::T3ApplicantTotal,
        Rule::T4Total,
        Rule::TextTableMismatch,
        Rule::ProactiveTotal,
        Rule::Section5Empty,
        Rule::FeeStatementMissing,
        Rule::FeeUnpaidWithoutFees,
        Rule::CarryOverMismatch,
        Rule::StockDrift,
        Rule::TextDuplicate,
        Rule::LatePublication,
        Rule::LabelVariant,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Rule::SectionMissing => "SECTION_MISSING",
            Rule::SectionOrder => "SECTION_ORDER",
            Rule::TableMissing => "TABLE_MISSING",
            Rule::FormatMismatch => "FORMAT_MISMATCH",
            Rule::RowMissing => "ROW_MISSING",
            Rule::RowUnknown => "ROW_UNKNOWN",
            Rule::CellBlank => "CELL_BLANK",
            Rule::CellInvalid => "CELL_INVALID",
            Rule::T3Balance => "T3_BALANCE",
            Rule::T3HandledTotal => "T3_HANDLED_TOTAL",
            Rule::T3ApplicantTotal => "T3_APPLICANT_TOTAL",
            Rule::T4Total => "T4_TOTAL",
            Rule::TextTableMismatch => "TEXT_TABLE_MISMATCH",
            Rule::ProactiveTotal => "PROACTIVE_TOTAL",
            Rule::Section5Empty => "SECTION5_EMPTY",
            Rule::FeeStatementMissing => "FEE_STATEMENT_MISSING",
            Rule::FeeUnpaidWithoutFees => "FEE_UNPAID_WITHOUT_FEES",
            Rule::CarryOverMismatch => "CARRY_OVER_MISMATCH",
            Rule::StockDrift => "STOCK_DRIFT",
            Rule::TextDuplicate => "TEXT_DUPLICATE",
            Rule::LatePublication => "LATE_PUBLICATION",
            Rule::LabelVariant => "LABEL_VARIANT",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Rule::SectionMissing
            | Rule::TableMissing
            | Rule::FormatMismatch
            | Rule::RowMissing
            | Rule::CellInvalid
            | Rule::T3Balance
            | Rule::T3HandledTotal
            | Rule::T3ApplicantTotal
            | Rule::T4Total => Severity::Error,
            Rule::SectionOrder
            | Rule::CellBlank
            | Rule::TextTableMismatch
            | Rule::ProactiveTotal
            | Rule::Section5Empty
            | Rule::FeeStatementMissing
            | Rule::FeeUnpaidWithoutFees
            | Rule::CarryOverMismatch
            | Rule::TextDuplicate
            | Rule::LatePublication => Severity::Warning,
            Rule::RowUnknown | Rule::StockDrift | Rule::LabelVariant => Severity::Info,
        }
    }

    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.id() == id)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
            Severity::Info => "提示",
        }
    }
}

/// One finding. `message` is complete Chinese prose naming the
/// section/table, the row and column labels, the numbers and the expected
/// relation; the other fields carry the same facts for machines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub rule: Rule,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<TableId>,
    /// Canonical row key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<String>,
    /// Canonical column key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

/// Inputs beyond the report itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct CheckOptions<'a> {
    /// Last year's report, for the cross-year rules.
    pub previous: Option<&'a Report>,
    /// The publication deadline that applies, if known (default: 31 January
    /// of the year after the statistical year).
    pub deadline: Option<chrono::NaiveDate>,
}

/// Runs every rule. Diagnostics come sorted by severity, then by place
/// (section, table, row and column in official order), then by rule.
pub fn check(report: &Report, options: &CheckOptions<'_>) -> Vec<Diagnostic> {
    let ctx = helpers::Ctx::new(report, options);
    let mut out = Vec::new();
    structure::check(&ctx, &mut out);
    arithmetic::check(&ctx, &mut out);
    text::check(&ctx, &mut out);
    cross_year::check(&ctx, &mut out);
    helpers::sort(&ctx, &mut out);
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;
    use crate::model::{Cell, ParseNote};

    fn messy() -> Report {
        let mut r = balanced();
        set(
            &mut r,
            TableId::T4,
            "reconsideration",
            "total",
            Cell::Count(0),
        );
        set(&mut r, TableId::T3, "granted", "research", Cell::Blank);
        set_text(&mut r, 5, "无。");
        r.sections.retain(|s| s.number != 2);
        r.notes.push(ParseNote::LabelVariant {
            table: TableId::T3,
            found: "2.其他法律行政止公开".into(),
            official: "2.其他法律行政法规禁止公开".into(),
        });
        r.published_on = chrono::NaiveDate::from_ymd_opt(2022, 3, 1);
        r
    }

    #[test]
    fn sorted_by_severity_then_place() {
        let ds = check(&messy(), &CheckOptions::default());
        assert_eq!(
            ids(&ds),
            vec![
                "SECTION_MISSING",
                "T4_TOTAL",
                "LATE_PUBLICATION",
                "CELL_BLANK",
                "SECTION5_EMPTY",
                "LABEL_VARIANT",
            ],
            "{ds:#?}"
        );
        let sev: Vec<Severity> = ds.iter().map(|d| d.severity).collect();
        let mut sorted = sev.clone();
        sorted.sort();
        assert_eq!(sev, sorted);
        // Deterministic.
        assert_eq!(ds, check(&messy(), &CheckOptions::default()));
    }

    #[test]
    fn serialises_flat_with_stable_ids() {
        let ds = check(&messy(), &CheckOptions::default());
        let v = serde_json::to_value(&ds).expect("json");
        assert_eq!(v[0]["rule"], "SECTION_MISSING");
        assert_eq!(v[0]["severity"], "error");
        assert_eq!(v[0]["section"], 2);
        assert!(v[0].get("table").is_none());
        assert_eq!(v[1]["table"], "t4");
        assert_eq!(v[1]["row"], "reconsideration");
        assert_eq!(v[1]["column"], "total");
        for r in Rule::ALL {
            assert_eq!(Rule::from_id(r.id()), Some(r));
            assert_eq!(serde_json::to_value(r).expect("json"), r.id());
        }
    }
}
