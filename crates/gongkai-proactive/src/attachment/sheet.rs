//! Text of spreadsheets with calamine: every sheet, a line `【工作表：名称】`
//! and then one line per row from row 1 (empty rows kept, so the line after
//! the sheet's line is row 1), cells separated by tabs (one tab per column
//! step, so columns line up), numbers written plainly, dates as
//! `YYYY-MM-DD`.
//!
//! calamine trusts its input in ways a hostile file can exploit: it reads
//! whole XML parts into memory and allocates `.xls` cell ranges densely
//! from the positions a file claims. So before calamine sees a file, the
//! ZIP entries of an `.xlsx` are measured by decompressing them under a cap,
//! and the BIFF records of an `.xls` are scanned for the ranges calamine
//! would allocate. `.xlsx` sheets are read cell by cell (no dense range).
//! Any panic left in calamine is caught and reported as a failure.

use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, DataRef, ExcelDateTime, Reader, Xls, Xlsx};

use super::{CappedReader, ExtractLimits, Extraction, TextSink, TextStatus};

/// How the line that starts each sheet's text begins.
pub const SHEET_PREFIX: &str = "【工作表：";
/// How the line that starts each sheet's text ends.
pub const SHEET_SUFFIX: &str = "】";

/// Whether an OLE2 compound file holds an Excel workbook stream.
pub(super) fn is_xls(bytes: &[u8]) -> bool {
    let Ok(cfb) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return false;
    };
    cfb.is_stream("/Workbook") || cfb.is_stream("/Book")
}

/// Follows the text of one sheet, cell by cell.
struct SheetWriter<'a> {
    sink: &'a mut TextSink,
    row: u32,
    col: u32,
}

impl<'a> SheetWriter<'a> {
    fn start(sink: &'a mut TextSink, name: &str) -> Self {
        if !sink.text.is_empty() && !sink.text.ends_with('\n') {
            sink.push('\n');
        }
        sink.push_str(SHEET_PREFIX);
        sink.push_str(&name.replace(['\n', '\r'], " "));
        sink.push_str(SHEET_SUFFIX);
        sink.push('\n');
        Self {
            sink,
            row: 0,
            col: 0,
        }
    }

    fn cell(&mut self, (row, col): (u32, u32), value: &str) {
        if value.is_empty() {
            return;
        }
        if row > self.row {
            self.sink.push_repeated('\n', u64::from(row - self.row));
            self.row = row;
            self.col = 0;
        } else if row < self.row {
            // Out of order (not written by Excel): a line of its own.
            self.sink.push('\n');
            self.col = 0;
        }
        if col >= self.col {
            self.sink.push_repeated('\t', u64::from(col - self.col));
        } else {
            self.sink.push('\t');
        }
        self.col = col;
        // Line breaks inside a cell would shift the row numbers.
        if value.contains(['\n', '\r', '\t']) {
            self.sink.push_str(&value.replace(['\n', '\r', '\t'], " "));
        } else {
            self.sink.push_str(value);
        }
    }

    fn finish(self) {
        self.sink.push('\n');
    }
}

fn float_text(f: f64) -> String {
    // Rust prints floats without exponents: 1e20 is "100000000000000000000".
    format!("{f}")
}

fn datetime_text(d: &ExcelDateTime) -> String {
    if d.is_datetime()
        && let Some(dt) = d.as_datetime()
    {
        if dt.time() == chrono::NaiveTime::MIN {
            return dt.format("%Y-%m-%d").to_string();
        }
        return dt.format("%Y-%m-%d %H:%M:%S").to_string();
    }
    float_text(d.as_f64())
}

fn data_text(d: &Data) -> String {
    match d {
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTime(d) => datetime_text(d),
        Data::Error(e) => e.to_string(),
        Data::Empty => String::new(),
    }
}

fn data_ref_text(d: &DataRef<'_>) -> String {
    match d {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => float_text(*f),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        DataRef::DateTime(d) => datetime_text(d),
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => String::new(),
    }
}

/// Decompresses every entry under the caps, without keeping anything.
fn measure_zip(bytes: &[u8], limits: &ExtractLimits) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| "文件不是有效的 Excel 表格（ZIP 结构损坏）".to_owned())?;
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index(i) else {
            return Err("Excel 表格中有无法解压的部分".into());
        };
        let mut capped = CappedReader::new(entry, limits.max_entry_bytes);
        loop {
            match capped.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => total += n as u64,
                Err(_) => return Err("Excel 表格中有无法解压的部分".into()),
            }
        }
        if capped.hit {
            return Err(format!(
                "Excel 表格中有部分解压后超过 {} MB，可能是压缩炸弹，未提取文字",
                limits.max_entry_bytes / (1024 * 1024)
            ));
        }
        if total > limits.max_total_bytes {
            return Err(format!(
                "Excel 表格解压后超过 {} MB，未提取文字",
                limits.max_total_bytes / (1024 * 1024)
            ));
        }
    }
    Ok(())
}

fn caught<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Err("表格结构异常，无法读取".into()))
}

pub(super) fn extract_xlsx(bytes: &[u8], limits: &ExtractLimits) -> Extraction {
    if let Err(reason) = measure_zip(bytes, limits) {
        return Extraction::failed(reason);
    }
    let mut sink = TextSink::new(limits.max_text_bytes);
    let result = caught(|| {
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
            .map_err(|e| format!("无法打开 Excel 表格：{}", xlsx_reason(&e)))?;
        let mut skipped = 0usize;
        for name in book.sheet_names() {
            if sink.full() {
                break;
            }
            let Ok(mut cells) = book.worksheet_cells_reader(&name) else {
                skipped += 1;
                continue;
            };
            let mut w = SheetWriter::start(&mut sink, &name);
            loop {
                if w.sink.full() {
                    break;
                }
                match cells.next_cell() {
                    Ok(Some(cell)) => w.cell(cell.get_position(), &data_ref_text(cell.get_value())),
                    Ok(None) => break,
                    Err(_) => {
                        skipped += 1;
                        break;
                    }
                }
            }
            w.finish();
        }
        Ok(skipped)
    });
    finish(sink, result)
}

fn xlsx_reason(e: &calamine::XlsxError) -> &'static str {
    match e {
        calamine::XlsxError::Password => "文件设有密码",
        _ => "文件结构损坏或不是 Excel 2007 及以上格式",
    }
}

fn finish(sink: TextSink, result: Result<usize, String>) -> Extraction {
    match result {
        Ok(0) => sink.finish(TextStatus::Extracted, false),
        Ok(_) => {
            let mut out = sink.finish(TextStatus::Extracted, false);
            out.status = TextStatus::Failed("部分工作表无法读取，只提取了其余的文字".into());
            out
        }
        Err(reason) => Extraction::failed(reason),
    }
}

pub(super) fn extract_xls(bytes: &[u8], limits: &ExtractLimits) -> Extraction {
    if let Err(reason) = check_xls(bytes, limits) {
        return Extraction::failed(reason);
    }
    let mut sink = TextSink::new(limits.max_text_bytes);
    let result = caught(|| {
        let mut book: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(|e| match e {
            calamine::XlsError::Password => "无法打开 Excel 表格：文件设有密码".to_owned(),
            _ => "无法打开 Excel 表格：文件结构损坏".to_owned(),
        })?;
        let mut skipped = 0usize;
        for name in book.sheet_names() {
            if sink.full() {
                break;
            }
            let Ok(range) = book.worksheet_range(&name) else {
                skipped += 1;
                continue;
            };
            let (row0, col0) = range.start().unwrap_or((0, 0));
            let mut w = SheetWriter::start(&mut sink, &name);
            for (r, row) in range.rows().enumerate() {
                if w.sink.full() {
                    break;
                }
                for (c, value) in row.iter().enumerate() {
                    let pos = (
                        row0.saturating_add(u32::try_from(r).unwrap_or(u32::MAX)),
                        col0.saturating_add(u32::try_from(c).unwrap_or(u32::MAX)),
                    );
                    w.cell(pos, &data_text(value));
                }
            }
            w.finish();
        }
        Ok(skipped)
    });
    finish(sink, result)
}

/// Reads the workbook stream and checks the cell ranges calamine will
/// allocate for each sheet.
fn check_xls(bytes: &[u8], limits: &ExtractLimits) -> Result<(), String> {
    let broken = || "文件不是有效的 Excel 97-2003 表格（结构损坏）".to_owned();
    let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|_| broken())?;
    let path = if cfb.is_stream("/Workbook") {
        "/Workbook"
    } else if cfb.is_stream("/Book") {
        "/Book"
    } else {
        return Err("文件中没有 Excel 工作簿".into());
    };
    let stream = cfb.open_stream(path).map_err(|_| broken())?;
    let mut capped = CappedReader::new(stream, limits.max_entry_bytes);
    let mut data = Vec::new();
    capped.read_to_end(&mut data).map_err(|_| broken())?;
    if capped.hit {
        return Err(format!(
            "Excel 表格的工作簿超过 {} MB，未提取文字",
            limits.max_entry_bytes / (1024 * 1024)
        ));
    }
    check_biff(&data, limits.max_sheet_cells)
}

fn u16_at(d: &[u8], i: usize) -> Option<u32> {
    d.get(i..i + 2)
        .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
}

fn u32_at(d: &[u8], i: usize) -> Option<u32> {
    d.get(i..i + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// BIFF records from `pos` on: (type, data).
fn records(stream: &[u8], pos: usize) -> impl Iterator<Item = (u32, &[u8])> {
    let mut rest = stream.get(pos..).unwrap_or(&[]);
    std::iter::from_fn(move || {
        let typ = u16_at(rest, 0)?;
        let len = usize::try_from(u16_at(rest, 2)?).ok()?;
        let data = rest.get(4..4 + len)?;
        rest = &rest[4 + len..];
        Some((typ, data))
    })
}

/// The checks of [`check_xls`] on the workbook stream, mirroring how
/// calamine 0.32 reads it: the globals up to `EOF` give the sheets'
/// `BoundSheet8` positions; each sheet's `Dimensions` record is reserved
/// and its cells (and formulas) are laid out densely over their bounding
/// box.
fn check_biff(stream: &[u8], max_cells: u64) -> Result<(), String> {
    let too_big = || {
        format!(
            "Excel 表格的工作表范围过大（超过 {} 万个单元格）或已损坏，未提取文字",
            max_cells / 10_000
        )
    };
    let mut positions = Vec::new();
    for (typ, data) in records(stream, 0) {
        match typ {
            0x0085 => positions.push(u32_at(data, 0).unwrap_or(u32::MAX)),
            0x000A => break,
            _ => {}
        }
    }
    for pos in positions {
        let pos = usize::try_from(pos).unwrap_or(usize::MAX);
        if pos > stream.len() {
            return Err("Excel 表格已损坏（工作表位置超出文件）".into());
        }
        let mut bounds: Option<(u32, u32, u32, u32)> = None;
        let mut extend = |row: u32, first: u32, last: u32| {
            let (r0, r1, c0, c1) = bounds.unwrap_or((row, row, first, last));
            bounds = Some((r0.min(row), r1.max(row), c0.min(first), c1.max(last)));
        };
        for (typ, data) in records(stream, pos) {
            let (Some(row), Some(col)) = (u16_at(data, 0), u16_at(data, 2)) else {
                if typ == 0x000A {
                    break;
                }
                continue;
            };
            match typ {
                0x0200 if dimensions_cells(data).is_none_or(|n| n > max_cells) => {
                    return Err(too_big());
                }
                0x0203 | 0x0204 | 0x0205 | 0x027E | 0x00FD | 0x0006 => extend(row, col, col),
                0x00BD => {
                    let last = data
                        .len()
                        .checked_sub(2)
                        .and_then(|i| u16_at(data, i))
                        .unwrap_or(col);
                    extend(row, col, last.max(col));
                }
                0x000A => break,
                _ => {}
            }
        }
        if let Some((r0, r1, c0, c1)) = bounds {
            let cells = u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1);
            if cells > max_cells {
                return Err(too_big());
            }
        }
    }
    Ok(())
}

/// The number of cells calamine reserves for a `Dimensions` record, or
/// `None` where its arithmetic would overflow.
fn dimensions_cells(r: &[u8]) -> Option<u64> {
    let (rf, rl, mut cf, cl) = match r.len() {
        10 => (u16_at(r, 0)?, u16_at(r, 2)?, u16_at(r, 4)?, u16_at(r, 6)?),
        14 => (u32_at(r, 0)?, u32_at(r, 4)?, u16_at(r, 8)?, u16_at(r, 10)?),
        // calamine refuses other lengths.
        _ => return Some(0),
    };
    if 0xFF < cf || cl < cf {
        cf = 0;
    }
    let (start, end) = if 1 <= rl && 1 <= cl {
        ((rf, cf), (rl - 1, cl - 1))
    } else {
        ((rf, cf), (rf, cf))
    };
    let rows = end.0.checked_sub(start.0)?.checked_add(1)?;
    let cols = end.1.checked_sub(start.1)?.checked_add(1)?;
    Some(u64::from(rows) * u64::from(cols))
}
