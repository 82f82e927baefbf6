//! Property: a random balanced report (every reconciliation of table 三
//! holds; tables 二 and 四 with random counts, amounts, negative 本年增/减
//! and blank cells) rendered as Markdown, HTML or DOCX and parsed back has
//! the same tables 二, 三, 四 and the same format.

use gongkai_report::model::{Cell, Report, Section, Table};
use gongkai_report::render::{self, RenderFormat};
use gongkai_report::spec::{
    FormatSpec, FormatVersion, SECTIONS, TableId, ValueKind, t3_outcome_rows,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// Raw material of one report: drawn by proptest, shaped by `build`.
#[derive(Clone, Debug)]
struct Draw {
    /// Per outcome row (at most 21), per applicant column (6).
    outcomes: Vec<Vec<i64>>,
    /// Per applicant column: carried over, carried forward.
    carry: Vec<(i64, i64)>,
    /// Table 二 cells: (kind selector, magnitude, cents).
    t2: Vec<(u8, i64, i64)>,
    /// Table 四: per group, 4 results (or blank) — totals are computed.
    t4: Vec<Option<i64>>,
}

fn draw() -> impl Strategy<Value = Draw> {
    (
        prop::collection::vec(prop::collection::vec(0i64..40, 6), 21),
        prop::collection::vec((0i64..15, 0i64..15), 6),
        prop::collection::vec((0u8..10, 0i64..200_000, 0i64..100), 24),
        prop::collection::vec(prop::option::weighted(0.85, 0i64..30), 12),
    )
        .prop_map(|(outcomes, carry, t2, t4)| Draw {
            outcomes,
            carry,
            t2,
            t4,
        })
}

fn build(version: FormatVersion, d: &Draw) -> Report {
    let spec = FormatSpec::get(version);
    let applicants = &spec.t3_columns[..6];

    // Table 二: a selector of 0 leaves the cell blank; amounts get cents.
    let mut t2 = Table::default();
    let mut cells = d.t2.iter().cycle();
    for (row, columns) in spec.rows(TableId::T2) {
        for col in columns {
            let &(sel, n, cents) = cells.next().unwrap_or(&(1, 0, 0));
            let cell = match (sel, col.kind) {
                (0, _) => Cell::Blank,
                (_, ValueKind::Amount) => {
                    Cell::Amount(Decimal::new(n * 100 + cents, 2).normalize())
                }
                (s, ValueKind::SignedCount) if s % 2 == 0 => Cell::Count(-(n % 500)),
                (_, _) => Cell::Count(n),
            };
            t2.set(row.key, col.key, cell);
        }
    }

    // Table 三: outcomes drawn; totals, carry-over and new requests derived
    // so that every reconciliation holds.
    let mut t3 = Table::default();
    let mut handled = [0i64; 6];
    for (r, row) in t3_outcome_rows(version).enumerate() {
        let values = &d.outcomes[r % d.outcomes.len()];
        for (c, col) in applicants.iter().enumerate() {
            t3.set(row.key, col.key, Cell::Count(values[c]));
            handled[c] += values[c];
        }
        t3.set(row.key, "total", Cell::Count(values.iter().sum()));
    }
    let mut sums = [0i64; 4]; // new, carried over, handled, forward
    for (c, col) in applicants.iter().enumerate() {
        let (over, forward) = d.carry[c];
        let over = over.min(handled[c] + forward);
        let new = handled[c] + forward - over;
        for (i, (key, v)) in [
            ("new_received", new),
            ("carried_over", over),
            ("handled_total", handled[c]),
            ("carried_forward", forward),
        ]
        .into_iter()
        .enumerate()
        {
            t3.set(key, col.key, Cell::Count(v));
            sums[i] += v;
        }
    }
    for (key, v) in [
        "new_received",
        "carried_over",
        "handled_total",
        "carried_forward",
    ]
    .into_iter()
    .zip(sums)
    {
        t3.set(key, "total", Cell::Count(v));
    }

    // Table 四: totals add up where every result is given, else blank.
    let mut t4 = Table::default();
    for (g, row) in spec.t4_rows.iter().enumerate() {
        let results = &d.t4[g * 4..g * 4 + 4];
        for (col, v) in spec.t4_columns.iter().zip(results) {
            t4.set(row.key, col.key, v.map_or(Cell::Blank, Cell::Count));
        }
        let total = results
            .iter()
            .copied()
            .sum::<Option<i64>>()
            .map_or(Cell::Blank, Cell::Count);
        t4.set(row.key, "total", total);
    }

    let year = if version == FormatVersion::V2019 {
        2020
    } else {
        2022
    };
    Report {
        format: Some(version),
        year: Some(year),
        agency: Some("随机市测试局".to_string()),
        title: None,
        published_on: None,
        sections: SECTIONS
            .iter()
            .map(|s| Section {
                number: s.number,
                title: s.title.to_string(),
                text: format!("第{}节的正文。", s.number),
            })
            .collect(),
        t2: Some(t2),
        t3: Some(t3),
        t4: Some(t4),
        notes: Vec::new(),
    }
}

fn round_trip(report: &Report) -> Result<(), TestCaseError> {
    for format in [
        RenderFormat::Markdown,
        RenderFormat::Html,
        RenderFormat::Docx,
    ] {
        let bytes = render::render(report, format)
            .map_err(|e| TestCaseError::fail(format!("{format}: {e}")))?;
        let name = format!("x.{}", format.extension());
        let back = gongkai_report::parse(&bytes, Some(&name))
            .map_err(|e| TestCaseError::fail(format!("{format}: {e}")))?;
        prop_assert_eq!(back.format, report.format, "{}: format", format);
        for id in TableId::ALL {
            let want = report.table(id).map(|t| &t.rows);
            let got = back.table(id).map(|t| &t.rows);
            prop_assert_eq!(got, want, "{}: {:?}", format, id);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn balanced_2021_reports_survive_render_and_parse(d in draw()) {
        round_trip(&build(FormatVersion::V2021, &d))?;
    }

    #[test]
    fn balanced_2019_reports_survive_render_and_parse(d in draw()) {
        round_trip(&build(FormatVersion::V2019, &d))?;
    }
}

/// The generator does build balanced reports (else the property would be
/// about something else): the checker finds no arithmetic error.
#[test]
fn generated_reports_are_balanced() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    for _ in 0..8 {
        let d = draw().new_tree(&mut runner).map(|t| t.current());
        let Ok(d) = d else { continue };
        for version in [FormatVersion::V2021, FormatVersion::V2019] {
            let report = build(version, &d);
            let found = gongkai_report::check(&report, &Default::default());
            let arithmetic: Vec<_> = found
                .iter()
                .filter(|f| f.rule.id().starts_with("T3_") || f.rule.id() == "T4_TOTAL")
                .map(|f| f.message.clone())
                .collect();
            assert!(arithmetic.is_empty(), "{arithmetic:?}");
        }
    }
}
