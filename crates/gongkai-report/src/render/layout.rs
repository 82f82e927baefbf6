//! The official merged-cell layout of tables 二, 三 and 四, computed once
//! from the spec and shared by every renderer.
//!
//! A [`TableLayout`] is a full matrix: every grid position holds either the
//! origin of a cell (with its row and column span) or `None` when an earlier
//! cell covers it. HTML writes the origins with `rowspan`/`colspan`, DOCX
//! walks every position (`gridSpan` / `vMerge`), Markdown writes origins'
//! text and leaves covered positions empty (the text-paste convention).

use crate::model::{Cell, Report, Table};
use crate::spec::{
    ColumnSpec, FormatSpec, FormatVersion, RowSpec, SECTIONS, T2_CONTENT_HEADER,
    T3_APPLICANT_GROUP, T3_CORNER, T3_GROUP_RESULTS, T3_ORGANISATION_GROUP, TableId,
};

/// What a cell is, for markup (`<th scope>`, alignment, bold).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// The top-left note of table 三.
    Corner,
    /// A column header (or a column group header).
    ColumnHeader,
    /// A sub-table title of table 二 ("第二十条第（一）项"), spanning the table.
    SubTable,
    /// A row label (or a row group label).
    RowHeader,
    /// A value.
    Value,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LayoutCell {
    pub text: String,
    pub colspan: usize,
    pub rowspan: usize,
    pub role: Role,
}

impl LayoutCell {
    fn new(text: impl Into<String>, role: Role) -> LayoutCell {
        LayoutCell {
            text: text.into(),
            colspan: 1,
            rowspan: 1,
            role,
        }
    }

    fn span(mut self, colspan: usize, rowspan: usize) -> LayoutCell {
        self.colspan = colspan.max(1);
        self.rowspan = rowspan.max(1);
        self
    }
}

/// A table in its official layout.
#[derive(Clone, Debug)]
pub(crate) struct TableLayout {
    pub id: TableId,
    pub columns: usize,
    /// Leading rows that form the table's header (repeated on new pages).
    pub header_rows: usize,
    /// `rows[r][c]`: the cell whose top-left corner is at (r, c), or `None`
    /// where a spanning cell covers the position.
    pub rows: Vec<Vec<Option<LayoutCell>>>,
    /// Relative column widths (sum 100), for DOCX and print.
    pub widths: Vec<u32>,
}

/// Builds a table row by row, tracking which positions spans cover.
struct Builder {
    columns: usize,
    rows: Vec<Vec<Option<LayoutCell>>>,
    covered: Vec<Vec<bool>>,
    /// The row the next `push_row` fills (rows below may already exist,
    /// partly covered by rowspans).
    next: usize,
}

impl Builder {
    fn new(columns: usize) -> Builder {
        Builder {
            columns,
            rows: Vec::new(),
            covered: Vec::new(),
            next: 0,
        }
    }

    fn ensure_row(&mut self, r: usize) {
        while self.rows.len() <= r {
            self.rows.push(vec![None; self.columns]);
            self.covered.push(vec![false; self.columns]);
        }
    }

    /// Adds a row: the cells fill the first positions not covered by a
    /// rowspan from above, left to right.
    fn push_row(&mut self, cells: Vec<LayoutCell>) {
        let r = self.next;
        self.next += 1;
        self.ensure_row(r);
        let mut c = 0;
        for cell in cells {
            while c < self.columns && self.covered[r][c] {
                c += 1;
            }
            if c >= self.columns {
                break;
            }
            let colspan = cell.colspan.min(self.columns - c);
            let (rowspan, cols) = (cell.rowspan, colspan);
            for dr in 0..rowspan {
                self.ensure_row(r + dr);
                for dc in 0..cols {
                    self.covered[r + dr][c + dc] = true;
                }
            }
            self.rows[r][c] = Some(LayoutCell { colspan, ..cell });
            c += cols;
        }
    }

    fn finish(mut self) -> Vec<Vec<Option<LayoutCell>>> {
        // Positions nobody filled (a short row) get an empty value cell, so
        // every renderer sees a complete grid.
        for r in 0..self.rows.len() {
            for c in 0..self.columns {
                if !self.covered[r][c] {
                    self.rows[r][c] = Some(LayoutCell::new("", Role::Value));
                    self.covered[r][c] = true;
                }
            }
        }
        self.rows
    }
}

fn value(table: &Table, row: &str, column: &str) -> LayoutCell {
    LayoutCell::new(
        table
            .cell(row, column)
            .map(Cell::display)
            .unwrap_or_default(),
        Role::Value,
    )
}

/// Values of an extra row, fitted into `n` value columns: missing values are
/// blank, surplus values are joined into the last cell (nothing is lost).
fn fitted_values(values: &[Cell], n: usize) -> Vec<LayoutCell> {
    let mut out: Vec<LayoutCell> = (0..n)
        .map(|i| {
            LayoutCell::new(
                values.get(i).map(Cell::display).unwrap_or_default(),
                Role::Value,
            )
        })
        .collect();
    if values.len() > n
        && let Some(last) = out.last_mut()
    {
        let rest: Vec<String> = values[n - 1..].iter().map(Cell::display).collect();
        last.text = rest.join(" ");
    }
    out
}

/// Rows of `table` that the report's format does not define, but the other
/// format does (a mixed layout): label and values in that format's order.
fn foreign_rows(table: &Table, id: TableId, version: FormatVersion) -> Vec<(String, Vec<Cell>)> {
    let spec = FormatSpec::get(version);
    let other = FormatSpec::get(match version {
        FormatVersion::V2019 => FormatVersion::V2021,
        FormatVersion::V2021 => FormatVersion::V2019,
    });
    let mut out = Vec::new();
    for (key, cells) in &table.rows {
        if spec.row(id, key).is_some() {
            continue;
        }
        match other.row(id, key) {
            Some((row, columns)) => out.push((
                row.full_label(),
                columns
                    .iter()
                    .map(|c| cells.get(c.key).cloned().unwrap_or(Cell::Blank))
                    .collect(),
            )),
            None => out.push((key.clone(), cells.values().cloned().collect())),
        }
    }
    out
}

/// Table 二: per sub-table a title row, a header row (信息内容 + columns),
/// then its value rows. The last column of a narrower sub-table spans the
/// remaining width, as in the official table.
pub(crate) fn t2(table: &Table, version: FormatVersion) -> TableLayout {
    let spec = FormatSpec::get(version);
    let value_columns = spec.t2.iter().map(|s| s.columns.len()).max().unwrap_or(1);
    let columns = 1 + value_columns;
    let mut b = Builder::new(columns);
    let spans = |i: usize, n: usize| if i + 1 == n { value_columns - i } else { 1 };
    for sub in spec.t2 {
        b.push_row(vec![
            LayoutCell::new(sub.item, Role::SubTable).span(columns, 1),
        ]);
        let n = sub.columns.len();
        let mut header = vec![LayoutCell::new(T2_CONTENT_HEADER, Role::ColumnHeader)];
        header.extend(
            sub.columns
                .iter()
                .enumerate()
                .map(|(i, c)| LayoutCell::new(c.label, Role::ColumnHeader).span(spans(i, n), 1)),
        );
        b.push_row(header);
        for row in sub.rows {
            let mut cells = vec![LayoutCell::new(row.label, Role::RowHeader)];
            cells.extend(
                sub.columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| value(table, row.key, c.key).span(spans(i, n), 1)),
            );
            b.push_row(cells);
        }
    }
    let extra = foreign_rows(table, TableId::T2, version).into_iter().chain(
        table
            .extra_rows
            .iter()
            .map(|e| (e.label.clone(), e.values.clone())),
    );
    for (label, values) in extra {
        let mut cells = vec![LayoutCell::new(label, Role::RowHeader)];
        cells.extend(fitted_values(&values, value_columns));
        b.push_row(cells);
    }
    let first = 100 - 20 * value_columns as u32;
    let mut widths = vec![first];
    widths.extend(std::iter::repeat_n(20, value_columns));
    TableLayout {
        id: TableId::T2,
        columns,
        header_rows: 0,
        rows: b.finish(),
        widths,
    }
}

/// Number of consecutive rows from `start` that share `group`.
fn run_length(rows: &[RowSpec], start: usize, pred: impl Fn(&RowSpec) -> bool) -> usize {
    rows[start..].iter().take_while(|r| pred(r)).count()
}

/// Table 三: the three-row header, then the value rows with their group
/// cells spanning their items.
pub(crate) fn t3(table: &Table, version: FormatVersion) -> TableLayout {
    let spec = FormatSpec::get(version);
    let cols: &[ColumnSpec] = spec.t3_columns;
    let labels = 3;
    let columns = labels + cols.len();
    let mut b = Builder::new(columns);
    // Header: corner, 申请人情况; 自然人, 法人或其他组织, 总计; the organisations.
    b.push_row(vec![
        LayoutCell::new(T3_CORNER, Role::Corner).span(labels, 3),
        LayoutCell::new(T3_APPLICANT_GROUP, Role::ColumnHeader).span(cols.len(), 1),
    ]);
    if let [first, middle @ .., last] = cols {
        b.push_row(vec![
            LayoutCell::new(first.label, Role::ColumnHeader).span(1, 2),
            LayoutCell::new(T3_ORGANISATION_GROUP, Role::ColumnHeader).span(middle.len(), 1),
            LayoutCell::new(last.label, Role::ColumnHeader).span(1, 2),
        ]);
        b.push_row(
            middle
                .iter()
                .map(|c| LayoutCell::new(c.label, Role::ColumnHeader))
                .collect(),
        );
    }
    let rows = spec.t3_rows;
    // Rows directly under 三、本年度办理结果 span two label columns; the
    // other groups (（三）不予公开 …) are sub-groups inside it.
    for (i, row) in rows.iter().enumerate() {
        let mut cells = Vec::new();
        match row.group {
            None => cells.push(LayoutCell::new(row.label, Role::RowHeader).span(labels, 1)),
            Some(group) => {
                let in_block = |r: &RowSpec| r.group.is_some();
                let block_start = i == 0 || rows[i - 1].group.is_none();
                if block_start {
                    let n = run_length(rows, i, in_block);
                    cells.push(LayoutCell::new(T3_GROUP_RESULTS, Role::RowHeader).span(1, n));
                }
                if group == T3_GROUP_RESULTS {
                    cells.push(LayoutCell::new(row.label, Role::RowHeader).span(2, 1));
                } else {
                    let sub_start = block_start || rows[i - 1].group != Some(group);
                    if sub_start {
                        let n = run_length(rows, i, |r| r.group == Some(group));
                        cells.push(LayoutCell::new(group, Role::RowHeader).span(1, n));
                    }
                    cells.push(LayoutCell::new(row.label, Role::RowHeader));
                }
            }
        }
        cells.extend(cols.iter().map(|c| value(table, row.key, c.key)));
        b.push_row(cells);
    }
    let extra = foreign_rows(table, TableId::T3, version).into_iter().chain(
        table
            .extra_rows
            .iter()
            .map(|e| (e.label.clone(), e.values.clone())),
    );
    for (label, values) in extra {
        let mut cells = vec![LayoutCell::new(label, Role::RowHeader).span(labels, 1)];
        cells.extend(fitted_values(&values, cols.len()));
        b.push_row(cells);
    }
    let mut widths = vec![9, 12, 23];
    widths.extend(std::iter::repeat_n(8, cols.len()));
    TableLayout {
        id: TableId::T3,
        columns,
        header_rows: 3,
        rows: b.finish(),
        widths,
    }
}

/// Table 四: 行政复议 / 行政诉讼 over three header rows, then one row of values.
pub(crate) fn t4(table: &Table, version: FormatVersion) -> TableLayout {
    let spec = FormatSpec::get(version);
    let cols = spec.t4_columns;
    let rows = spec.t4_rows;
    let columns = rows.len() * cols.len();
    let mut b = Builder::new(columns);
    // Row 1: each ungrouped row (行政复议) and each group (行政诉讼).
    let mut top = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        match rows[i].group {
            None => {
                top.push(LayoutCell::new(rows[i].label, Role::ColumnHeader).span(cols.len(), 1));
                i += 1;
            }
            Some(g) => {
                let n = run_length(rows, i, |r| r.group == Some(g));
                top.push(LayoutCell::new(g, Role::ColumnHeader).span(cols.len() * n, 1));
                i += n;
            }
        }
    }
    b.push_row(top);
    // Row 2: the ungrouped row's columns (spanning two rows), the groups' rows.
    let mut second = Vec::new();
    let mut third = Vec::new();
    for row in rows {
        match row.group {
            None => second.extend(
                cols.iter()
                    .map(|c| LayoutCell::new(c.label, Role::ColumnHeader).span(1, 2)),
            ),
            Some(_) => {
                second.push(LayoutCell::new(row.label, Role::ColumnHeader).span(cols.len(), 1));
                third.extend(
                    cols.iter()
                        .map(|c| LayoutCell::new(c.label, Role::ColumnHeader)),
                );
            }
        }
    }
    b.push_row(second);
    b.push_row(third);
    b.push_row(
        rows.iter()
            .flat_map(|r| cols.iter().map(|c| value(table, r.key, c.key)))
            .collect(),
    );
    let extra = foreign_rows(table, TableId::T4, version).into_iter().chain(
        table
            .extra_rows
            .iter()
            .map(|e| (e.label.clone(), e.values.clone())),
    );
    // Table 四 has no label column: an extra row is its label across the
    // table, then its values.
    for (label, values) in extra {
        b.push_row(vec![
            LayoutCell::new(label, Role::RowHeader).span(columns, 1),
        ]);
        b.push_row(fitted_values(&values, columns));
    }
    let w = (100 / columns.max(1)) as u32;
    TableLayout {
        id: TableId::T4,
        columns,
        header_rows: 3,
        rows: b.finish(),
        widths: vec![w; columns],
    }
}

/// The layout of one of the report's tables, if the report has it.
pub(crate) fn table(report: &Report, id: TableId) -> Option<TableLayout> {
    let version = report.effective_format();
    let t = report.table(id)?;
    Some(match id {
        TableId::T2 => t2(t, version),
        TableId::T3 => t3(t, version),
        TableId::T4 => t4(t, version),
    })
}

/// The report's title: as published, else built from agency and year.
pub(crate) fn title(report: &Report) -> String {
    if let Some(t) = report
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        return t.to_string();
    }
    let agency = report.agency.as_deref().unwrap_or("").trim();
    match report.year {
        Some(y) => format!("{agency}{y}年政府信息公开工作年度报告"),
        None => format!("{agency}政府信息公开工作年度报告"),
    }
}

/// One section as rendered: official heading, paragraphs, table.
pub(crate) struct SectionView {
    pub number: u8,
    pub heading: &'static str,
    pub paragraphs: Vec<String>,
    pub table: Option<TableLayout>,
}

/// The six sections in official order. Text of every section the report
/// carries under a number is kept (several are joined); headings are the
/// official ones.
pub(crate) fn sections(report: &Report) -> Vec<SectionView> {
    SECTIONS
        .iter()
        .map(|spec| {
            let paragraphs = report
                .sections
                .iter()
                .filter(|s| s.number == spec.number)
                .flat_map(|s| s.text.split('\n'))
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect();
            let table = TableId::ALL
                .into_iter()
                .find(|t| t.section() == spec.number)
                .and_then(|t| table(report, t));
            SectionView {
                number: spec.number,
                heading: spec.heading,
                paragraphs,
                table,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{T3_GROUP_DENIED, T3_GROUP_OTHER};

    fn find(l: &TableLayout, text: &str) -> Vec<(usize, usize, LayoutCell)> {
        let mut out = Vec::new();
        for (r, row) in l.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if let Some(cell) = cell
                    && cell.text == text
                {
                    out.push((r, c, cell.clone()));
                }
            }
        }
        out
    }

    #[test]
    fn t3_2021_layout_has_official_spans() {
        let l = t3(&Table::default(), FormatVersion::V2021);
        assert_eq!(l.columns, 10);
        assert_eq!(l.rows.len(), 3 + 25);
        let corner = &find(&l, T3_CORNER)[0].2;
        assert_eq!((corner.colspan, corner.rowspan), (3, 3));
        let results = &find(&l, T3_GROUP_RESULTS)[0];
        assert_eq!((results.0, results.1, results.2.rowspan), (5, 0, 22));
        let denied = &find(&l, T3_GROUP_DENIED)[0].2;
        assert_eq!(denied.rowspan, 8);
        let other = &find(&l, T3_GROUP_OTHER)[0].2;
        assert_eq!(other.rowspan, 3);
        let granted = &find(&l, "（一）予以公开")[0];
        assert_eq!((granted.1, granted.2.colspan), (1, 2));
    }

    #[test]
    fn t3_2019_other_is_a_single_row() {
        let l = t3(&Table::default(), FormatVersion::V2019);
        assert_eq!(l.rows.len(), 3 + 23);
        let other = &find(&l, T3_GROUP_OTHER)[0];
        assert_eq!((other.1, other.2.colspan, other.2.rowspan), (1, 2, 1));
        assert_eq!(find(&l, T3_GROUP_RESULTS)[0].2.rowspan, 20);
    }

    #[test]
    fn t4_layout_is_fifteen_columns_and_four_rows() {
        let l = t4(&Table::default(), FormatVersion::V2021);
        assert_eq!((l.columns, l.rows.len()), (15, 4));
        assert_eq!(find(&l, "行政复议")[0].2.colspan, 5);
        assert_eq!(find(&l, "行政诉讼")[0].2.colspan, 10);
        assert_eq!(find(&l, "结果维持").len(), 3);
        assert!(l.rows[2][..5].iter().all(Option::is_none));
    }

    #[test]
    fn t2_narrow_subtables_span_the_rest() {
        let l = t2(&Table::default(), FormatVersion::V2021);
        let c = &find(&l, "本年处理决定数量")[0].2;
        assert_eq!(c.colspan, 3);
        assert_eq!(l.rows.len(), 4 * 2 + 6);
    }
}
