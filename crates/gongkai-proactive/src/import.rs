//! Import of an existing catalogue (目录导入): the list of items an agency already published on
//! its old site, as a CSV (UTF-8 with or without BOM, or GBK/GB18030) or a spreadsheet (XLSX,
//! XLS, ODS). Bytes in, rows and row-numbered errors out; no I/O.
//!
//! Header names are matched tolerantly (标题 / 信息名称, 文号 / 发文字号, 发布日期 / 公开日期, …),
//! dates are read in the usual Chinese forms (2021-03-01, 2021/3/1, 2021年3月1日, 20210301,
//! Excel serial numbers), and 栏目 is matched by name (or key) against the agency's catalogue.
//! Every problem is reported with its row number (as the spreadsheet shows it: the header is
//! row 1), the field and the reason in Chinese; a file with any error must not be imported.

use std::collections::BTreeMap;
use std::io::Cursor;

use chrono::{Datelike, NaiveDate};
use encoding_rs::{Encoding, GB18030, UTF_8};
use thiserror::Error;

use crate::catalogue::{Catalogue, ColumnKey};
use crate::document_number::DocumentNumber;
use crate::index_number::IndexNumber;
use crate::item::{DEFAULT_SCOPE, DisclosureMode, DocumentKind, Validity};

/// Most rows one import may hold.
pub const MAX_ROWS: usize = 20_000;

/// A field of an import row, in the order the preview shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ImportField {
    Title,
    IndexNumber,
    DocumentNumber,
    WrittenOn,
    PublishedOn,
    Column,
    Topic,
    Publisher,
    DisclosureMode,
    Scope,
    Kind,
    Validity,
    ValidityDate,
    Body,
}

impl ImportField {
    /// The label users see.
    pub fn label(self) -> &'static str {
        match self {
            Self::Title => "标题",
            Self::IndexNumber => "索引号",
            Self::DocumentNumber => "文号",
            Self::WrittenOn => "成文日期",
            Self::PublishedOn => "发布日期",
            Self::Column => "栏目",
            Self::Topic => "主题分类",
            Self::Publisher => "发布机构",
            Self::DisclosureMode => "公开方式",
            Self::Scope => "公开范围",
            Self::Kind => "文件类型",
            Self::Validity => "有效性",
            Self::ValidityDate => "废止/修改日期",
            Self::Body => "正文",
        }
    }

    /// Header names accepted for the field (compared after [`normalize_header`]).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Self::Title => &[
                "标题",
                "信息名称",
                "信息标题",
                "名称",
                "文件名称",
                "文件标题",
                "题名",
            ],
            Self::IndexNumber => &["索引号", "索引", "信息索引号"],
            Self::DocumentNumber => &["文号", "发文字号", "发文文号", "文件编号", "发文号"],
            Self::WrittenOn => &["成文日期", "成文时间", "生成日期", "印发日期"],
            Self::PublishedOn => &[
                "发布日期",
                "发布时间",
                "公开日期",
                "公开时间",
                "发文日期",
                "发布",
            ],
            Self::Column => &["栏目", "所属栏目", "栏目名称", "目录", "所属目录"],
            Self::Topic => &["主题分类", "主题", "分类", "信息分类"],
            Self::Publisher => &[
                "发布机构",
                "发文机关",
                "发布单位",
                "公开主体",
                "发布机关",
                "信息来源",
            ],
            Self::DisclosureMode => &["公开方式", "公开形式", "公开属性", "公开类型"],
            Self::Scope => &["公开范围"],
            Self::Kind => &["文件类型", "文件类别", "信息类型"],
            Self::Validity => &["有效性", "效力状态", "时效性", "效力"],
            Self::ValidityDate => &["废止日期", "失效日期", "修改日期", "废止时间", "失效时间"],
            Self::Body => &["正文", "内容", "内容摘要", "摘要", "内容概述", "信息内容"],
        }
    }

    const ALL: [ImportField; 14] = [
        Self::Title,
        Self::IndexNumber,
        Self::DocumentNumber,
        Self::WrittenOn,
        Self::PublishedOn,
        Self::Column,
        Self::Topic,
        Self::Publisher,
        Self::DisclosureMode,
        Self::Scope,
        Self::Kind,
        Self::Validity,
        Self::ValidityDate,
        Self::Body,
    ];

    /// Headers a file must have.
    const REQUIRED: [ImportField; 3] = [Self::Title, Self::PublishedOn, Self::Column];
}

/// Why a whole file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImportError {
    #[error("文件为空")]
    Empty,
    #[error("无法读取电子表格：{0}")]
    Spreadsheet(String),
    #[error("电子表格中没有工作表")]
    NoSheet,
    #[error("无法读取 CSV 文件：{0}")]
    Csv(String),
    #[error("表头缺少“{0}”列（第 1 行应为列名，如 标题、发布日期、栏目）")]
    MissingHeader(&'static str),
    #[error("表头中“{0}”列出现了两次")]
    DuplicateHeader(&'static str),
    #[error("文件中没有数据行")]
    NoRows,
    #[error("数据行过多（{0} 行），一次最多导入 {MAX_ROWS} 行，请分批导入")]
    TooManyRows(usize),
}

/// One problem of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Row number as the spreadsheet shows it (the header is row 1).
    pub row: usize,
    pub field: ImportField,
    /// The reason, in Chinese.
    pub message: String,
}

/// One row read without errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub row: usize,
    pub title: String,
    /// The original 索引号 when it is a valid one.
    pub index_number: Option<IndexNumber>,
    /// The original 索引号 as written when it is not valid (a new one will be assigned).
    pub invalid_index_number: Option<String>,
    pub document_number: Option<DocumentNumber>,
    pub written_on: Option<NaiveDate>,
    pub published_on: NaiveDate,
    pub column: ColumnKey,
    pub topic: Option<String>,
    /// 发布机构; `None` means the agency's own name.
    pub publisher: Option<String>,
    pub scope: String,
    pub kind: DocumentKind,
    pub validity: Option<Validity>,
    /// 正文 as plain text or HTML (sanitised by whoever stores it).
    pub body: String,
}

impl ImportRow {
    /// The key that says two rows are the same item when there is no valid 索引号:
    /// 标题 + 文号 + 发布日期.
    pub fn identity(&self) -> (String, String, NaiveDate) {
        (
            self.title.clone(),
            self.document_number
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            self.published_on,
        )
    }
}

/// The outcome of reading a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedImport {
    /// `UTF-8`, `GB18030`, … or `XLSX` for spreadsheets.
    pub source: String,
    /// Rows without errors (a file is importable only when `errors` is empty).
    pub rows: Vec<ImportRow>,
    pub errors: Vec<RowError>,
    /// Header names that matched no field (their values are ignored).
    pub ignored_headers: Vec<String>,
    /// Data rows read (rows with errors included; blank rows not).
    pub total_rows: usize,
}

impl ParsedImport {
    /// Whether the file may be imported.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty() && !self.rows.is_empty()
    }
}

/// Reads an import file. `file_name` only helps to tell spreadsheets from CSV; the content
/// decides (a ZIP or OLE signature is a spreadsheet).
pub fn parse(
    bytes: &[u8],
    file_name: &str,
    catalogue: &Catalogue,
) -> Result<ParsedImport, ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    let lower = file_name.to_ascii_lowercase();
    let is_sheet = bytes.starts_with(b"PK\x03\x04")
        || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
        || [".xlsx", ".xls", ".ods", ".xlsb"]
            .iter()
            .any(|e| lower.ends_with(e));
    let (source, grid) = if is_sheet {
        ("XLSX".to_owned(), read_sheet(bytes)?)
    } else {
        let (text, enc) = decode(bytes);
        (enc.name().to_owned(), read_csv(&text)?)
    };
    interpret(source, grid, catalogue)
}

/// A cell as read: text, or a number (Excel dates are serial numbers).
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    Number(f64),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Self::Text(s) => s.trim().to_owned(),
            Self::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{n:.0}"),
            Self::Number(n) => n.to_string(),
        }
    }

    fn is_blank(&self) -> bool {
        matches!(self, Self::Text(s) if s.trim().is_empty())
    }
}

/// Bytes to text: a BOM wins, then valid UTF-8, then detection (GBK read as GB18030).
pub fn decode(bytes: &[u8]) -> (String, &'static Encoding) {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return (text.into_owned(), enc);
    }
    if std::str::from_utf8(bytes).is_ok() {
        let (text, _) = UTF_8.decode_without_bom_handling(bytes);
        return (text.into_owned(), UTF_8);
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    let enc = det.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
    let enc = if enc.name() == "GBK" || enc.name() == "gb18030" {
        GB18030
    } else {
        enc
    };
    let (text, _) = enc.decode_without_bom_handling(bytes);
    (text.into_owned(), enc)
}

fn read_csv(text: &str) -> Result<Vec<Vec<Cell>>, ImportError> {
    // Excel saves "CSV" with commas; some exports use tabs or semicolons.
    let first = text.lines().next().unwrap_or_default();
    let delimiter = [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| ImportError::Csv(e.to_string()))?;
        out.push(rec.iter().map(|s| Cell::Text(s.to_owned())).collect());
    }
    Ok(out)
}

fn read_sheet(bytes: &[u8]) -> Result<Vec<Vec<Cell>>, ImportError> {
    use calamine::{Data, Reader};
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| ImportError::Spreadsheet(e.to_string()))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or(ImportError::NoSheet)?
        .map_err(|e| ImportError::Spreadsheet(e.to_string()))?;
    Ok(range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Int(i) => Cell::Number(*i as f64),
                    Data::Float(f) => Cell::Number(*f),
                    Data::DateTime(d) => Cell::Number(d.as_f64()),
                    Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
                        Cell::Text(s.clone())
                    }
                    Data::Bool(b) => Cell::Text(if *b { "是" } else { "否" }.to_owned()),
                    Data::Error(_) | Data::Empty => Cell::Text(String::new()),
                })
                .collect()
        })
        .collect())
}

/// A header name reduced for matching: no BOM, spaces, required-field stars, trailing colons
/// or bracketed notes (“发布日期（必填）”).
pub fn normalize_header(h: &str) -> String {
    let mut s: String = h
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊' | ':' | '：'))
        .collect();
    for open in ['（', '('] {
        if let Some(i) = s.find(open) {
            s.truncate(i);
        }
    }
    s
}

fn field_of(header: &str) -> Option<ImportField> {
    let h = normalize_header(header);
    ImportField::ALL
        .into_iter()
        .find(|f| f.aliases().contains(&h.as_str()))
}

fn interpret(
    source: String,
    grid: Vec<Vec<Cell>>,
    catalogue: &Catalogue,
) -> Result<ParsedImport, ImportError> {
    // The header is the first non-blank row.
    let Some(header_at) = grid.iter().position(|r| r.iter().any(|c| !c.is_blank())) else {
        return Err(ImportError::Empty);
    };
    let mut columns: BTreeMap<ImportField, usize> = BTreeMap::new();
    let mut ignored_headers = Vec::new();
    for (i, cell) in grid[header_at].iter().enumerate() {
        let name = cell.text();
        if name.is_empty() {
            continue;
        }
        match field_of(&name) {
            Some(f) => {
                if columns.insert(f, i).is_some() {
                    return Err(ImportError::DuplicateHeader(f.label()));
                }
            }
            None => ignored_headers.push(name),
        }
    }
    for f in ImportField::REQUIRED {
        if !columns.contains_key(&f) {
            return Err(ImportError::MissingHeader(f.label()));
        }
    }
    let data: Vec<(usize, &Vec<Cell>)> = grid
        .iter()
        .enumerate()
        .skip(header_at + 1)
        .filter(|(_, r)| r.iter().any(|c| !c.is_blank()))
        .map(|(i, r)| (i + 1, r))
        .collect();
    if data.is_empty() {
        return Err(ImportError::NoRows);
    }
    if data.len() > MAX_ROWS {
        return Err(ImportError::TooManyRows(data.len()));
    }
    let mut out = ParsedImport {
        source,
        rows: Vec::new(),
        errors: Vec::new(),
        ignored_headers,
        total_rows: data.len(),
    };
    let mut seen_index: BTreeMap<IndexNumber, usize> = BTreeMap::new();
    let mut seen_identity: BTreeMap<(String, String, NaiveDate), usize> = BTreeMap::new();
    for (row_no, cells) in data {
        match read_row(row_no, cells, &columns, catalogue) {
            Ok(row) => {
                let dup = match &row.index_number {
                    Some(n) => seen_index.get(n).copied(),
                    None => None,
                }
                .or_else(|| seen_identity.get(&row.identity()).copied());
                if let Some(first) = dup {
                    out.errors.push(RowError {
                        row: row_no,
                        field: if row.index_number.is_some() {
                            ImportField::IndexNumber
                        } else {
                            ImportField::Title
                        },
                        message: format!("与第 {first} 行重复"),
                    });
                    continue;
                }
                if let Some(n) = &row.index_number {
                    seen_index.insert(n.clone(), row_no);
                }
                seen_identity.insert(row.identity(), row_no);
                out.rows.push(row);
            }
            Err(mut errs) => out.errors.append(&mut errs),
        }
    }
    Ok(out)
}

fn err(row: usize, field: ImportField, message: impl Into<String>) -> RowError {
    RowError {
        row,
        field,
        message: message.into(),
    }
}

/// The non-blank cell of a field in a row.
fn cell<'a>(
    cells: &'a [Cell],
    columns: &BTreeMap<ImportField, usize>,
    f: ImportField,
) -> Option<&'a Cell> {
    columns
        .get(&f)
        .and_then(|&i| cells.get(i))
        .filter(|c| !c.is_blank())
}

fn read_row(
    row: usize,
    cells: &[Cell],
    columns: &BTreeMap<ImportField, usize>,
    catalogue: &Catalogue,
) -> Result<ImportRow, Vec<RowError>> {
    use ImportField as F;
    let get = |f: F| cell(cells, columns, f);
    let mut errors = Vec::new();
    let text = |f: F| get(f).map(Cell::text).filter(|s| !s.is_empty());

    let title = text(F::Title).unwrap_or_default();
    if title.is_empty() {
        errors.push(err(row, F::Title, "标题不能为空"));
    } else if title.chars().count() > 500 {
        errors.push(err(row, F::Title, "标题超过 500 个字符"));
    }

    let raw_index = text(F::IndexNumber);
    let (index_number, invalid_index_number) = match &raw_index {
        Some(s) => match IndexNumber::parse(s) {
            Ok(n) => (Some(n), None),
            Err(_) => (None, Some(s.clone())),
        },
        None => (None, None),
    };

    let document_number = match text(F::DocumentNumber) {
        Some(s) if !is_placeholder(&s) => match DocumentNumber::parse(&s) {
            Ok(n) => Some(n),
            Err(e) => {
                errors.push(err(row, F::DocumentNumber, format!("“{s}”无法识别：{e}")));
                None
            }
        },
        _ => None,
    };

    let mut date_of = |f: F, required: bool| -> Option<NaiveDate> {
        match get(f) {
            None if required => {
                errors.push(err(row, f, "不能为空"));
                None
            }
            None => None,
            Some(c) => match parse_date_cell(c) {
                Some(d) => Some(d),
                None => {
                    errors.push(err(
                        row,
                        f,
                        format!(
                            "“{}”不是有效日期（可写作 2021-03-01、2021/3/1 或 2021年3月1日）",
                            c.text()
                        ),
                    ));
                    None
                }
            },
        }
    };
    let written_on = date_of(F::WrittenOn, false);
    let published_on = date_of(F::PublishedOn, true);
    let validity_date = date_of(F::ValidityDate, false);

    let column = match text(F::Column) {
        None => {
            errors.push(err(row, F::Column, "栏目不能为空"));
            None
        }
        Some(name) => match find_column(catalogue, &name) {
            Some(k) => Some(k),
            None => {
                errors.push(err(
                    row,
                    F::Column,
                    format!("栏目“{name}”不在本机关的目录中"),
                ));
                None
            }
        },
    };

    if let Some(mode) = text(F::DisclosureMode) {
        let m = DisclosureMode::from_label(&mode).or(match mode.as_str() {
            "主动" | "公开" => Some(DisclosureMode::Proactive),
            _ => None,
        });
        match m {
            Some(DisclosureMode::Proactive) => {}
            Some(other) => errors.push(err(
                row,
                F::DisclosureMode,
                format!("公开方式为“{}”，只能导入主动公开的信息", other.label()),
            )),
            None => errors.push(err(
                row,
                F::DisclosureMode,
                format!("“{mode}”无法识别（应为“主动公开”）"),
            )),
        }
    }

    let raw_validity = text(F::Validity).filter(|v| !is_placeholder(v));
    let kind = match text(F::Kind) {
        Some(k) => match k.as_str() {
            "规章" | "政府规章" | "部门规章" => DocumentKind::Regulation,
            "行政规范性文件" | "规范性文件" => DocumentKind::NormativeDocument,
            "其他" | "其它" | "其他文件" => DocumentKind::Other,
            _ => {
                errors.push(err(
                    row,
                    F::Kind,
                    format!("“{k}”无法识别（应为 规章、行政规范性文件 或 其他）"),
                ));
                DocumentKind::Other
            }
        },
        // Old catalogues mark 有效性 on normative documents only.
        None if raw_validity.is_some() => DocumentKind::NormativeDocument,
        None => DocumentKind::Other,
    };
    let validity = match raw_validity {
        Some(v) if kind.has_validity() => {
            let since = written_on;
            match v.as_str() {
                "有效" | "现行有效" | "现行" | "生效" => {
                    Some(Validity::InForce { since })
                }
                "废止" | "已废止" | "失效" | "已失效" => match validity_date {
                    Some(d) => Some(Validity::Repealed {
                        since,
                        repealed_on: d,
                    }),
                    None => {
                        errors.push(err(row, F::ValidityDate, "有效性为“废止”时须填写废止日期"));
                        None
                    }
                },
                "修改" | "已修改" | "修订" | "已修订" => match validity_date {
                    Some(d) => Some(Validity::Amended {
                        since,
                        amended_on: d,
                    }),
                    None => {
                        errors.push(err(row, F::ValidityDate, "有效性为“修改”时须填写修改日期"));
                        None
                    }
                },
                _ => {
                    errors.push(err(
                        row,
                        F::Validity,
                        format!("“{v}”无法识别（应为 有效、修改 或 废止）"),
                    ));
                    None
                }
            }
        }
        Some(_) => None,
        None if kind.has_validity() => Some(Validity::InForce { since: written_on }),
        None => None,
    };

    match (published_on, column) {
        (Some(published_on), Some(column)) if errors.is_empty() => Ok(ImportRow {
            row,
            title,
            index_number,
            invalid_index_number,
            document_number,
            written_on,
            published_on,
            column,
            topic: text(F::Topic).filter(|t| !is_placeholder(t)),
            publisher: text(F::Publisher).filter(|t| !is_placeholder(t)),
            scope: text(F::Scope).unwrap_or_else(|| DEFAULT_SCOPE.to_owned()),
            kind,
            validity,
            body: text(F::Body).unwrap_or_default(),
        }),
        _ => Err(errors),
    }
}

/// “/”, “-”, “—”, “无” stand for an empty cell.
fn is_placeholder(s: &str) -> bool {
    matches!(s.trim(), "/" | "-" | "—" | "——" | "无" | "暂无")
}

/// The column with this name (or key) in the catalogue; names compare without spaces.
pub fn find_column(catalogue: &Catalogue, name: &str) -> Option<ColumnKey> {
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let want = squash(name);
    catalogue
        .columns()
        .iter()
        .find(|c| squash(&c.name) == want)
        .or_else(|| catalogue.get_str(name.trim()))
        .map(|c| c.key.clone())
}

/// Full-width digits and separators to ASCII.
fn half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '－' => '-',
            '／' => '/',
            '．' => '.',
            _ => c,
        })
        .collect()
}

fn parse_date_cell(c: &Cell) -> Option<NaiveDate> {
    match c {
        Cell::Number(n) => excel_serial_date(*n),
        Cell::Text(s) => parse_date(s),
    }
}

/// The date of an Excel serial number (1900 date system; 1 = 1900-01-01, with Excel's
/// phantom 1900-02-29 accounted for). Only plausible publication dates (1950–2099).
pub fn excel_serial_date(n: f64) -> Option<NaiveDate> {
    if !(18_264.0..=73_050.0).contains(&n) {
        return None;
    }
    let days = n.floor() as i64;
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_signed(chrono::Duration::days(days))
}

/// Parses a date written in a common Chinese form: `2021-03-01`, `2021/3/1`, `2021.3.1`,
/// `2021年3月1日`, `20210301`, an Excel serial number as text, each optionally followed by a
/// time.
pub fn parse_date(input: &str) -> Option<NaiveDate> {
    let s = half_width(input.trim());
    if s.is_empty() {
        return None;
    }
    // A five-digit number is an Excel serial date that lost its format.
    if s.len() == 5 && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<f64>().ok().and_then(excel_serial_date);
    }
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        let d = NaiveDate::parse_from_str(&s, "%Y%m%d").ok()?;
        return plausible(d);
    }
    // Take the date part before a time.
    let date_part = s
        .split(|c: char| c.is_whitespace() || c == 'T')
        .next()
        .unwrap_or_default();
    let date_part = date_part.trim_end_matches('日').trim_end_matches('号');
    let parts: Vec<&str> = date_part.split(['-', '/', '.', '年', '月']).collect();
    if parts.len() != 3 {
        return None;
    }
    let nums: Option<Vec<u32>> = parts
        .iter()
        .map(|p| {
            (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse::<u32>().ok())
                .flatten()
        })
        .collect();
    let nums = nums?;
    if parts[0].len() != 4 {
        return None;
    }
    let d = NaiveDate::from_ymd_opt(i32::try_from(nums[0]).ok()?, nums[1], nums[2])?;
    plausible(d)
}

fn plausible(d: NaiveDate) -> Option<NaiveDate> {
    (1950..=2099).contains(&d.year()).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Catalogue {
        Catalogue::demo_bureau()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const HEADER: &str = "索引号,标题,发文字号,成文日期,发布日期,栏目,主题分类,公开方式,有效性\n";

    #[test]
    fn dates_in_chinese_forms() {
        for s in [
            "2021-03-01",
            "2021/3/1",
            "2021.03.01",
            "2021年3月1日",
            "２０２１年３月１日",
            "20210301",
            "2021-03-01 09:30:00",
            "2021/3/1 9:30",
            "44256",
        ] {
            assert_eq!(parse_date(s), Some(d(2021, 3, 1)), "{s}");
        }
        for s in [
            "2021-02-30",
            "21-3-1",
            "2021年3月",
            "明天",
            "1900-01-01",
            "",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
        assert_eq!(excel_serial_date(44256.5), Some(d(2021, 3, 1)));
    }

    #[test]
    fn utf8_csv_with_bom_and_tolerant_headers() {
        let text = "\u{feff}标题 ,文号,发布日期（必填）,所属栏目,内容摘要,备注\n\
                    关于印发某办法的通知,灵审管发[2021]12号,2021/3/1,部门文件,摘要文字,x\n";
        let p = parse(text.as_bytes(), "目录.csv", &cat()).unwrap();
        assert_eq!(p.source, "UTF-8");
        assert!(p.is_clean(), "{:?}", p.errors);
        assert_eq!(p.ignored_headers, ["备注"]);
        let r = &p.rows[0];
        assert_eq!(r.row, 2);
        assert_eq!(r.title, "关于印发某办法的通知");
        assert_eq!(
            r.document_number.as_ref().unwrap().to_string(),
            "灵审管发〔2021〕12号"
        );
        assert_eq!(r.published_on, d(2021, 3, 1));
        assert_eq!(r.column.as_str(), "department_documents");
        assert_eq!(r.body, "摘要文字");
        assert_eq!(r.kind, DocumentKind::Other);
    }

    #[test]
    fn gbk_csv_is_detected() {
        let text = format!(
            "{HEADER}000014349/2021-00012,关于公布政务服务事项清单的通知,灵审管发〔2021〕3号,2021年2月20日,2021年3月1日,部门文件,综合政务,主动公开,有效\n"
        );
        let (bytes, _, _) = GB18030.encode(&text);
        let p = parse(&bytes, "old.csv", &cat()).unwrap();
        assert_eq!(p.source, "gb18030");
        assert_eq!(p.errors, []);
        let r = &p.rows[0];
        assert_eq!(r.title, "关于公布政务服务事项清单的通知");
        assert_eq!(r.written_on, Some(d(2021, 2, 20)));
        assert_eq!(r.kind, DocumentKind::NormativeDocument);
        assert_eq!(
            r.validity,
            Some(Validity::InForce {
                since: Some(d(2021, 2, 20))
            })
        );
        assert_eq!(r.topic.as_deref(), Some("综合政务"));
        // the check character of this made-up code is wrong: kept as written, renumbered later
        assert!(r.index_number.is_none());
        assert!(r.invalid_index_number.is_some());
    }

    #[test]
    fn row_errors_name_row_field_and_reason() {
        let text = format!(
            "{HEADER},好的一行,,,2021-03-01,部门文件,,,\n\
             ,坏日期,,,2021-02-30,部门文件,,,\n\
             ,未知栏目,,,2021-03-01,不存在的栏目,,,\n\
             ,,,,2021-03-01,其他,,依申请公开,\n\
             ,好的一行,,,2021-03-01,部门文件,,,\n"
        );
        let p = parse(text.as_bytes(), "x.csv", &cat()).unwrap();
        assert_eq!(p.total_rows, 5);
        assert_eq!(p.rows.len(), 1);
        assert!(!p.is_clean());
        let got: Vec<(usize, &str, &str)> = p
            .errors
            .iter()
            .map(|e| (e.row, e.field.label(), e.message.as_str()))
            .collect();
        assert_eq!(got[0].0, 3);
        assert_eq!(got[0].1, "发布日期");
        assert!(got[0].2.contains("2021-02-30"), "{got:?}");
        assert_eq!((got[1].0, got[1].1), (4, "栏目"));
        assert!(got[1].2.contains("不存在的栏目"));
        assert_eq!((got[2].0, got[2].1), (5, "标题"));
        assert_eq!((got[3].0, got[3].1), (5, "公开方式"));
        assert_eq!((got[4].0, got[4].1), (6, "标题"));
        assert_eq!(got[4].2, "与第 2 行重复");
    }

    #[test]
    fn file_level_errors() {
        assert_eq!(parse(b"", "a.csv", &cat()), Err(ImportError::Empty));
        assert_eq!(
            parse("标题,栏目\n甲,其他\n".as_bytes(), "a.csv", &cat()),
            Err(ImportError::MissingHeader("发布日期"))
        );
        assert_eq!(
            parse("标题,发布日期,栏目\n".as_bytes(), "a.csv", &cat()),
            Err(ImportError::NoRows)
        );
        assert_eq!(
            parse("标题,名称,发布日期,栏目\n".as_bytes(), "a.csv", &cat()),
            Err(ImportError::DuplicateHeader("标题"))
        );
    }

    #[test]
    fn repealed_needs_its_date() {
        let text = "标题,发布日期,栏目,文件类型,有效性,废止日期\n\
                    甲办法,2019-01-01,部门文件,规章,废止,2021-06-30\n\
                    乙办法,2019-01-01,部门文件,规章,废止,\n";
        let p = parse(text.as_bytes(), "a.csv", &cat()).unwrap();
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].kind, DocumentKind::Regulation);
        assert_eq!(
            p.rows[0].validity.and_then(|v| v.repealed_on()),
            Some(d(2021, 6, 30))
        );
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].row, 3);
        assert_eq!(p.errors[0].field, ImportField::ValidityDate);
    }

    #[test]
    fn xlsx_with_date_cells_and_serials() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
        for (c, h) in ["标题", "发布日期", "栏目", "文号", "成文日期"]
            .iter()
            .enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_string(1, 0, "关于印发优化营商环境措施的通知")
            .unwrap();
        let dt = ExcelDateTime::from_ymd(2021, 3, 1).unwrap();
        ws.write_datetime_with_format(1, 1, &dt, &date_fmt).unwrap();
        ws.write_string(1, 2, "优化营商环境专栏").unwrap();
        ws.write_string(1, 3, "灵审管发（2021）7号").unwrap();
        ws.write_number(1, 4, 44250.0).unwrap();
        ws.write_string(2, 0, "坏行").unwrap();
        ws.write_string(2, 1, "2021年13月1日").unwrap();
        ws.write_string(2, 2, "部门文件").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let p = parse(&bytes, "catalogue.xlsx", &cat()).unwrap();
        assert_eq!(p.source, "XLSX");
        assert_eq!(p.rows.len(), 1);
        let r = &p.rows[0];
        assert_eq!(r.published_on, d(2021, 3, 1));
        assert_eq!(r.written_on, Some(d(2021, 2, 23)));
        assert_eq!(r.column.as_str(), "business_environment");
        assert_eq!(
            r.document_number.as_ref().unwrap().to_string(),
            "灵审管发〔2021〕7号"
        );
        assert_eq!(p.errors.len(), 1);
        assert_eq!(
            (p.errors[0].row, p.errors[0].field),
            (3, ImportField::PublishedOn)
        );
    }

    #[test]
    fn duplicate_index_numbers_are_reported() {
        let n = IndexNumber::new("11640381MB1962185B", 2021, 1).unwrap();
        let text =
            format!("索引号,标题,发布日期,栏目\n{n},甲,2021-01-01,其他\n{n},乙,2021-01-02,其他\n");
        let p = parse(text.as_bytes(), "a.csv", &cat()).unwrap();
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].index_number.as_ref(), Some(&n));
        assert_eq!(p.errors[0].row, 3);
        assert_eq!(p.errors[0].field, ImportField::IndexNumber);
        assert_eq!(p.errors[0].message, "与第 2 行重复");
    }

    #[test]
    fn garbage_spreadsheet_is_a_file_error() {
        let r = parse(b"PK\x03\x04garbage", "a.xlsx", &cat());
        assert!(matches!(r, Err(ImportError::Spreadsheet(_))), "{r:?}");
    }
}
