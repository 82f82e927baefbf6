//! DOCX: an A4 Word document in the look of an official report, with the
//! tables in their merged-cell layout (`w:gridSpan` across columns,
//! `w:vMerge` down rows) and an explicit table grid, so that Word, WPS and
//! LibreOffice lay the tables out alike.
//!
//! The title is a `Heading1` paragraph and each section heading a `Heading2`
//! paragraph; both styles are defined in the document (with outline levels)
//! so the navigation pane lists them and a reader of the file finds the
//! structure.

use super::RenderError;
use super::layout::{self, LayoutCell, Role, TableLayout};
use crate::model::Report;
use docx_rs::{
    AlignmentType, BorderType, Docx, LineSpacing, LineSpacingType, PageMargin, Paragraph, Run,
    RunFonts, SpecialIndentType, Style, StyleType, Table, TableBorder, TableBorderPosition,
    TableBorders, TableCell, TableCellMargins, TableLayoutType, TableRow, VAlignType, VMergeType,
    WidthType,
};

/// Font names of the official look. Word cannot fall back between
/// East-Asian fonts, so these are the names government templates use;
/// a machine without them substitutes its own CJK fonts.
#[derive(Clone, Copy, Debug)]
pub struct DocxFonts {
    /// The title (方正小标宋简体).
    pub title: &'static str,
    /// Section headings and table headers (黑体).
    pub heading: &'static str,
    /// Body text and table cells (仿宋_GB2312).
    pub body: &'static str,
    /// Latin letters and digits.
    pub latin: &'static str,
}

pub const FONTS: DocxFonts = DocxFonts {
    title: "方正小标宋简体",
    heading: "黑体",
    body: "仿宋_GB2312",
    latin: "Times New Roman",
};

// Sizes are in half-points: 二号 22pt, 三号 16pt, 五号 10.5pt.
const TITLE_SIZE: usize = 44;
const BODY_SIZE: usize = 32;
const TABLE_SIZE: usize = 21;
/// 小五 (9pt) for table 四, whose 15 columns must hold three-digit numbers.
const NARROW_TABLE_SIZE: usize = 18;
// A4 in twips, margins 2.54 cm (top/bottom) and 3.17 cm (left/right).
const PAGE_WIDTH: u32 = 11906;
const PAGE_HEIGHT: u32 = 16838;
const MARGIN_TB: i32 = 1440;
const MARGIN_LR: i32 = 1797;
const TEXT_WIDTH: usize = (PAGE_WIDTH as usize) - 2 * (MARGIN_LR as usize);
/// 28 pt fixed line pitch, as in official documents.
const BODY_LINE: i32 = 560;

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii(FONTS.latin)
        .hi_ansi(FONTS.latin)
        .cs(FONTS.latin)
}

fn styles(docx: Docx) -> Docx {
    let normal = Style::new("Normal", StyleType::Paragraph)
        .name("Normal")
        .q_format(true)
        .fonts(fonts(FONTS.body))
        .size(BODY_SIZE)
        .align(AlignmentType::Both)
        .line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Exact)
                .line(BODY_LINE),
        );
    let h1 = Style::new("Heading1", StyleType::Paragraph)
        .name("heading 1")
        .based_on("Normal")
        .next("Normal")
        .q_format(true)
        .fonts(fonts(FONTS.title))
        .size(TITLE_SIZE)
        .align(AlignmentType::Center)
        .outline_lvl(0)
        .line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Auto)
                .line(360)
                .before(240)
                .after(480),
        );
    let h2 = Style::new("Heading2", StyleType::Paragraph)
        .name("heading 2")
        .based_on("Normal")
        .next("Normal")
        .q_format(true)
        .fonts(fonts(FONTS.heading))
        .size(BODY_SIZE)
        .outline_lvl(1)
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None);
    docx.add_style(normal).add_style(h1).add_style(h2)
}

/// Renders the report as a DOCX file.
pub fn docx(report: &Report) -> Result<Vec<u8>, RenderError> {
    let mut doc = styles(Docx::new())
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_margin(
            PageMargin::new()
                .top(MARGIN_TB)
                .bottom(MARGIN_TB)
                .left(MARGIN_LR)
                .right(MARGIN_LR)
                .header(851)
                .footer(992),
        )
        .default_fonts(fonts(FONTS.body))
        .default_size(BODY_SIZE);
    doc = doc.add_paragraph(
        Paragraph::new()
            .style("Heading1")
            .add_run(Run::new().add_text(layout::title(report))),
    );
    for section in layout::sections(report) {
        doc = doc.add_paragraph(
            Paragraph::new()
                .style("Heading2")
                .keep_next(true)
                .add_run(Run::new().add_text(section.heading)),
        );
        for p in &section.paragraphs {
            doc = doc.add_paragraph(
                Paragraph::new()
                    .style("Normal")
                    .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
                    .add_run(Run::new().add_text(p.as_str())),
            );
        }
        if let Some(t) = &section.table {
            doc = doc.add_table(table(t));
            // Word needs a paragraph between consecutive tables and after a
            // table at the end of a section.
            doc = doc.add_paragraph(Paragraph::new().style("Normal"));
        }
    }
    let mut cursor = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut cursor)
        .map_err(|e| RenderError::Docx(e.to_string()))?;
    deflate(&cursor.into_inner()).map_err(|e| RenderError::Docx(e.to_string()))
}

/// docx-rs stores its parts uncompressed (≈ 150 KB for a report); this
/// re-packs them deflated (≈ 15 KB), keeping their order
/// (`[Content_Types].xml` first).
fn deflate(stored: &[u8]) -> zip::result::ZipResult<Vec<u8>> {
    use std::io::{Cursor, Read, Write};
    let mut input = zip::ZipArchive::new(Cursor::new(stored))?;
    let mut output = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut buf = Vec::new();
    for i in 0..input.len() {
        let mut entry = input.by_index(i)?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name()?.into_owned();
        buf.clear();
        entry.read_to_end(&mut buf)?;
        output.start_file(name, options)?;
        output.write_all(&buf)?;
    }
    Ok(output.finish()?.into_inner())
}

/// Grid column widths in twips, summing to the text width.
fn grid(t: &TableLayout) -> Vec<usize> {
    let total: u32 = t.widths.iter().sum::<u32>().max(1);
    let mut widths: Vec<usize> = t
        .widths
        .iter()
        .map(|w| TEXT_WIDTH * (*w as usize) / total as usize)
        .collect();
    let used: usize = widths.iter().sum();
    if let Some(last) = widths.last_mut() {
        *last += TEXT_WIDTH.saturating_sub(used);
    }
    widths
}

/// The cell whose span covers (r, c), and whether (r, c) is its origin.
fn covering(t: &TableLayout, r: usize, c: usize) -> Option<&LayoutCell> {
    for rr in (0..=r).rev() {
        for cc in (0..=c).rev() {
            if let Some(Some(cell)) = t.rows.get(rr).and_then(|row| row.get(cc))
                && rr + cell.rowspan > r
                && cc + cell.colspan > c
            {
                return Some(cell);
            }
        }
    }
    None
}

fn cell_paragraph(cell: &LayoutCell, size: usize) -> Paragraph {
    let align = match cell.role {
        Role::RowHeader | Role::Corner => AlignmentType::Left,
        _ => AlignmentType::Center,
    };
    let mut run = Run::new().size(size);
    if matches!(
        cell.role,
        Role::ColumnHeader | Role::SubTable | Role::RowHeader
    ) {
        run = run.fonts(fonts(FONTS.heading));
    }
    if !cell.text.is_empty() {
        run = run.add_text(cell.text.as_str());
    }
    Paragraph::new()
        .style("Normal")
        .align(align)
        .line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Auto)
                .line(240),
        )
        .add_run(run)
}

fn table(t: &TableLayout) -> Table {
    let widths = grid(t);
    let size = if t.columns > 10 {
        NARROW_TABLE_SIZE
    } else {
        TABLE_SIZE
    };
    let span_width = |c: usize, n: usize| widths[c..(c + n).min(widths.len())].iter().sum();
    let mut rows = Vec::with_capacity(t.rows.len());
    for (r, row) in t.rows.iter().enumerate() {
        let mut cells = Vec::new();
        let mut c = 0;
        while c < t.columns {
            let (cell, origin) = match &row[c] {
                Some(cell) => (cell, true),
                None => match covering(t, r, c) {
                    Some(cell) => (cell, false),
                    None => {
                        c += 1;
                        continue;
                    }
                },
            };
            let mut tc = TableCell::new()
                .width(span_width(c, cell.colspan), WidthType::Dxa)
                .vertical_align(VAlignType::Center);
            if cell.colspan > 1 {
                tc = tc.grid_span(cell.colspan);
            }
            if origin {
                if cell.rowspan > 1 {
                    tc = tc.vertical_merge(VMergeType::Restart);
                }
                tc = tc.add_paragraph(cell_paragraph(cell, size));
            } else {
                tc = tc.vertical_merge(VMergeType::Continue).add_paragraph(
                    Paragraph::new()
                        .style("Normal")
                        .add_run(Run::new().size(TABLE_SIZE)),
                );
            }
            cells.push(tc);
            c += cell.colspan.max(1);
        }
        rows.push(TableRow::new(cells).cant_split());
    }
    let border = |p| TableBorder::new(p).size(4).border_type(BorderType::Single);
    let borders = TableBorders::new()
        .set(border(TableBorderPosition::Top))
        .set(border(TableBorderPosition::Bottom))
        .set(border(TableBorderPosition::Left))
        .set(border(TableBorderPosition::Right))
        .set(border(TableBorderPosition::InsideH))
        .set(border(TableBorderPosition::InsideV));
    Table::new(rows)
        .set_grid(widths.clone())
        .width(widths.iter().sum(), WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .set_borders(borders)
        .margins(TableCellMargins::new().margin(0, 57, 0, 57))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;
    use docx_rs::BuildXML;
    use std::io::Read;

    fn part(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
        let mut f = zip.by_name(name).expect("part present");
        let mut s = String::new();
        f.read_to_string(&mut s).expect("utf-8");
        s
    }

    #[test]
    fn is_a_valid_docx_with_merged_tables() {
        let bytes = docx(&sample::report_2021()).expect("renders");
        assert!(bytes.starts_with(b"PK\x03\x04"));
        let xml = part(&bytes, "word/document.xml");
        assert_eq!(xml.matches("<w:tbl>").count(), 3);
        assert!(xml.contains("<w:gridSpan w:val=\"10\" />"));
        assert!(xml.contains("<w:vMerge w:val=\"restart\" />"));
        assert!(xml.contains("<w:vMerge w:val=\"continue\" />"));
        assert!(xml.contains("<w:tblGrid>"));
        for n in ["7730.28", "13", "187", "197", "202"] {
            assert!(xml.contains(&format!(">{n}</w:t>")), "{n}");
        }
        assert!(xml.contains("示例市数据局2021年政府信息公开工作年度报告"));
        assert!(xml.contains("&lt;script&gt;"));
        assert!(!xml.contains("<script>"));
        // A4 page.
        assert!(xml.contains("w:w=\"11906\"") && xml.contains("w:h=\"16838\""));
        let styles = part(&bytes, "word/styles.xml");
        assert!(styles.contains("w:styleId=\"Heading1\""));
        assert!(styles.contains("w:styleId=\"Heading2\""));
        assert!(styles.contains("w:eastAsia=\"黑体\""));
        assert!(styles.contains("w:eastAsia=\"仿宋_GB2312\""));
        assert!(styles.contains("w:eastAsia=\"方正小标宋简体\""));
    }

    #[test]
    fn every_row_fills_the_grid() {
        // Each row's cells (gridSpan included) cover every grid column:
        // what Word requires for a regular table.
        for r in [sample::report_2021(), sample::report_2019()] {
            for id in crate::spec::TableId::ALL {
                let t = layout::table(&r, id).expect("table");
                let xml = String::from_utf8(table(&t).build()).expect("utf-8");
                for row in xml.split("<w:tr>").skip(1) {
                    let cells = row.matches("<w:tc>").count();
                    let extra: usize = row
                        .split("<w:gridSpan w:val=\"")
                        .skip(1)
                        .filter_map(|s| s.split('"').next()?.parse::<usize>().ok())
                        .map(|n| n - 1)
                        .sum();
                    assert_eq!(cells + extra, t.columns, "{id:?}: {row}");
                }
            }
        }
    }
}
