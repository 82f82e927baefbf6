//! Attachments (附件): the accepted file types, sniffing the type from the
//! content, the upload limits and file-name rules, and text extraction for
//! the pre-publication checks.
//!
//! Everything here takes bytes and returns values: no files, no processes.
//! PDF text needs poppler's `pdftotext`, which the server runs; this module
//! only says so ([`TextStatus::NeedsPdfTool`]).
//!
//! Untrusted input: every parser here is bounded. ZIP entries are read up
//! to [`ExtractLimits::max_entry_bytes`] uncompressed bytes, the extracted
//! text is cut at [`ExtractLimits::max_text_bytes`], spreadsheets whose cell
//! ranges would make the reader allocate too much are refused, and corrupt
//! files give [`TextStatus::Failed`], never a panic.

mod docx;
mod sheet;

use std::fmt;
use std::io::{Cursor, Read};

pub use sheet::{SHEET_PREFIX, SHEET_SUFFIX};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// A supported attachment type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    Pdf,
    Docx,
    Xlsx,
    /// Excel 97–2003 (BIFF in an OLE2 compound file).
    Xls,
    Png,
    Jpeg,
    Gif,
}

impl AttachmentKind {
    /// Every supported kind, in the order they are offered.
    pub const ALL: [AttachmentKind; 7] = [
        Self::Pdf,
        Self::Docx,
        Self::Xlsx,
        Self::Xls,
        Self::Png,
        Self::Jpeg,
        Self::Gif,
    ];

    /// The IANA media type, for `Content-Type` and storage.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Xls => "application/vnd.ms-excel",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Gif => "image/gif",
        }
    }

    /// The accepted file extensions (lower case, without the dot); the
    /// first is the usual one.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::Pdf => &["pdf"],
            Self::Docx => &["docx"],
            Self::Xlsx => &["xlsx"],
            Self::Xls => &["xls"],
            Self::Png => &["png"],
            Self::Jpeg => &["jpg", "jpeg"],
            Self::Gif => &["gif"],
        }
    }

    /// The short label users see (PDF 文档, Word 文档, Excel 表格, 图片).
    pub fn label(self) -> &'static str {
        match self {
            Self::Pdf => "PDF 文档",
            Self::Docx => "Word 文档",
            Self::Xlsx | Self::Xls => "Excel 表格",
            Self::Png | Self::Jpeg | Self::Gif => "图片",
        }
    }

    /// A label precise enough to tell kinds with the same [`label`]
    /// apart, e.g. `Excel 表格（.xls）`.
    ///
    /// [`label`]: Self::label
    pub fn description(self) -> String {
        match self {
            Self::Pdf => self.label().to_owned(),
            _ => format!("{}（.{}）", self.label(), self.extensions()[0]),
        }
    }

    /// A stable snake_case key, as serialised.
    pub fn key(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Docx => "docx",
            Self::Xlsx => "xlsx",
            Self::Xls => "xls",
            Self::Png => "png",
            Self::Jpeg => "jpeg",
            Self::Gif => "gif",
        }
    }

    /// The kind a file extension (without the dot, any case) stands for.
    pub fn from_extension(ext: &str) -> Option<Self> {
        let ext = ext.to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|k| k.extensions().contains(&ext.as_str()))
    }

    /// The kind of a media type as returned by [`media_type`].
    ///
    /// [`media_type`]: Self::media_type
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        let essence = media_type.split(';').next().unwrap_or("").trim();
        Self::ALL
            .into_iter()
            .find(|k| k.media_type().eq_ignore_ascii_case(essence))
    }

    /// Whether the kind is an image (no text to extract).
    pub fn is_image(self) -> bool {
        matches!(self, Self::Png | Self::Jpeg | Self::Gif)
    }
}

impl fmt::Display for AttachmentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
const OLE2_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// A PDF header may follow up to 1024 bytes of junk (PDF 1.7, annex H).
const PDF_HEADER_WINDOW: usize = 1024;

/// The kind of a file from its content (magic bytes; for ZIP and OLE2
/// containers, the parts inside). `None` when it is none of the supported
/// kinds (including other ZIP or OLE2 files, e.g. `.doc` or `.pptx`).
pub fn sniff(bytes: &[u8]) -> Option<AttachmentKind> {
    if bytes.starts_with(PNG_MAGIC) {
        return Some(AttachmentKind::Png);
    }
    if bytes.starts_with(b"\xFF\xD8\xFF") {
        return Some(AttachmentKind::Jpeg);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some(AttachmentKind::Gif);
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return sniff_zip(bytes);
    }
    if bytes.starts_with(OLE2_MAGIC) {
        return sheet::is_xls(bytes).then_some(AttachmentKind::Xls);
    }
    let window = &bytes[..bytes.len().min(PDF_HEADER_WINDOW)];
    if window.windows(5).any(|w| w == b"%PDF-") {
        return Some(AttachmentKind::Pdf);
    }
    None
}

fn sniff_zip(bytes: &[u8]) -> Option<AttachmentKind> {
    let zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    if zip.index_for_name(docx::DOCUMENT_PART).is_some() {
        Some(AttachmentKind::Docx)
    } else if zip.index_for_name("xl/workbook.xml").is_some() {
        Some(AttachmentKind::Xlsx)
    } else {
        None
    }
}

/// Upload limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted file, in bytes (default 20 MiB).
    pub max_bytes: u64,
    /// Longest accepted file name, in characters (default 200).
    pub max_name_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 20 * 1024 * 1024,
            max_name_chars: 200,
        }
    }
}

/// Why an uploaded file is refused. The messages name the file and the
/// reason, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AttachmentError {
    #[error("附件文件名不能为空")]
    EmptyName,
    #[error("附件文件名“{name}”过长（不能超过 {max} 个字符）")]
    NameTooLong { name: String, max: usize },
    #[error("附件文件名“{name}”不合法：{reason}")]
    BadName { name: String, reason: &'static str },
    #[error("附件“{name}”没有扩展名，无法判断文件类型")]
    NoExtension { name: String },
    #[error(
        "不支持的附件类型：.{ext}（支持 PDF、Word（.docx）、Excel（.xlsx、.xls）和图片（.png、.jpg、.gif））"
    )]
    Unsupported { ext: String },
    #[error("附件“{name}”是空文件")]
    Empty { name: String },
    #[error("附件“{name}”超过 {} 的大小限制", format_size(*.limit))]
    TooLarge { name: String, limit: u64 },
    #[error("附件“{name}”的内容不是{}（扩展名与文件内容不符{}）", spaced(.expected.label()), found_suffix(*.found))]
    Mismatch {
        name: String,
        expected: AttachmentKind,
        found: Option<AttachmentKind>,
    },
}

impl AttachmentError {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::EmptyName => "empty_name",
            Self::NameTooLong { .. } => "name_too_long",
            Self::BadName { .. } => "bad_name",
            Self::NoExtension { .. } => "no_extension",
            Self::Unsupported { .. } => "unsupported_type",
            Self::Empty { .. } => "empty_file",
            Self::TooLarge { .. } => "too_large",
            Self::Mismatch { .. } => "content_mismatch",
        }
    }
}

fn found_suffix(found: Option<AttachmentKind>) -> String {
    match found {
        Some(k) => format!("，实际是{}", spaced(&k.description())),
        None => String::new(),
    }
}

/// A space before a label that starts with a Latin letter (不是 PDF 文档,
/// 不是图片).
fn spaced(label: &str) -> String {
    if label.starts_with(|c: char| c.is_ascii_alphabetic()) {
        format!(" {label}")
    } else {
        label.to_owned()
    }
}

/// `20 MB` for 20 MiB; one decimal when not a whole number of MiB.
fn format_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        if bytes.is_multiple_of(MIB) {
            format!("{} MB", bytes / MIB)
        } else {
            format!("{:.1} MB", bytes as f64 / MIB as f64)
        }
    } else if bytes >= 1024 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} 字节")
    }
}

/// Control characters replaced, so a name can be shown in a message.
fn shown(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// Checks an uploaded file's name and returns it trimmed, with its lower-case
/// extension. Refused: empty names, path separators (`/`, `\`), control
/// characters, characters Windows forbids (`:*?"<>|`), names over
/// `max_name_chars` characters, names without an extension or with nothing
/// before it, and `.` or `..`.
pub fn check_file_name(
    file_name: &str,
    limits: &Limits,
) -> Result<(String, String), AttachmentError> {
    let name = file_name.trim();
    if name.is_empty() {
        return Err(AttachmentError::EmptyName);
    }
    let bad = |reason| AttachmentError::BadName {
        name: shown(name),
        reason,
    };
    if name.chars().count() > limits.max_name_chars {
        let head: String = shown(name).chars().take(20).collect();
        return Err(AttachmentError::NameTooLong {
            name: format!("{head}…"),
            max: limits.max_name_chars,
        });
    }
    if name.contains(['/', '\\']) {
        return Err(bad("不能含有路径分隔符（/ 或 \\）"));
    }
    if name.chars().any(char::is_control) {
        return Err(bad("不能含有控制字符"));
    }
    if name.contains([':', '*', '?', '"', '<', '>', '|']) {
        return Err(bad("不能含有字符 : * ? \" < > |"));
    }
    if name == "." || name == ".." {
        return Err(bad("不是文件名"));
    }
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return Err(AttachmentError::NoExtension { name: name.into() });
    };
    let ext = ext.trim();
    if ext.is_empty() {
        return Err(AttachmentError::NoExtension { name: name.into() });
    }
    if stem.trim().is_empty() {
        return Err(bad("扩展名前须有文件名"));
    }
    Ok((name.to_owned(), ext.to_lowercase()))
}

/// Validates an upload: the file name (see [`check_file_name`]), the
/// extension is a supported one, the size is within the limit and not zero,
/// and the content is of the kind the extension says.
pub fn validate(
    file_name: &str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<AttachmentKind, AttachmentError> {
    let (name, ext) = check_file_name(file_name, limits)?;
    let Some(expected) = AttachmentKind::from_extension(&ext) else {
        return Err(AttachmentError::Unsupported { ext: shown(&ext) });
    };
    if bytes.is_empty() {
        return Err(AttachmentError::Empty { name });
    }
    if u64::try_from(bytes.len()).map_or(true, |n| n > limits.max_bytes) {
        return Err(AttachmentError::TooLarge {
            name,
            limit: limits.max_bytes,
        });
    }
    let found = sniff(bytes);
    if found != Some(expected) {
        return Err(AttachmentError::Mismatch {
            name,
            expected,
            found,
        });
    }
    Ok(expected)
}

/// What came of extracting an attachment's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextStatus {
    /// Text was extracted (it may still be empty, e.g. a blank sheet).
    Extracted,
    /// The file has no text to extract (images).
    NoText,
    /// A PDF: the text must be extracted by poppler's `pdftotext`.
    NeedsPdfTool,
    /// The file could not be read (wholly or in part); the reason is in
    /// Chinese. [`Extraction::text`] holds what was read before the
    /// error, if anything, and should still be checked.
    Failed(String),
}

impl TextStatus {
    /// The short snake_case key it is stored as (the reason of
    /// [`Failed`](Self::Failed) is not part of it).
    pub fn key(&self) -> &'static str {
        match self {
            Self::Extracted => "extracted",
            Self::NoText => "no_text",
            Self::NeedsPdfTool => "needs_pdf_tool",
            Self::Failed(_) => "failed",
        }
    }

    /// The status for a stored key; `failed` comes back without a reason.
    pub fn from_key(key: &str) -> Option<Self> {
        Some(match key {
            "extracted" => Self::Extracted,
            "no_text" => Self::NoText,
            "needs_pdf_tool" => Self::NeedsPdfTool,
            "failed" => Self::Failed(String::new()),
            _ => return None,
        })
    }

    /// The label staff see.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Extracted => "已提取文字",
            Self::NoText => "无文字（图片）",
            Self::NeedsPdfTool => "待提取 PDF 文字",
            Self::Failed(_) => "文字提取失败",
        }
    }

    /// The reason of a failure, if any.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Failed(r) if !r.is_empty() => Some(r),
            _ => None,
        }
    }
}

impl Serialize for TextStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for TextStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let key = String::deserialize(d)?;
        Self::from_key(&key).ok_or_else(|| {
            serde::de::Error::unknown_variant(
                &key,
                &["extracted", "no_text", "needs_pdf_tool", "failed"],
            )
        })
    }
}

/// The extracted text of an attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extraction {
    /// Paragraphs (Word) or rows (Excel, cells separated by tabs) as lines.
    /// A spreadsheet's sheets each start with a line
    /// `【工作表：名称】`, followed by one line per row (row 1 first,
    /// empty rows kept) so line numbers are row numbers.
    pub text: String,
    pub status: TextStatus,
    /// Whether the text was cut at [`ExtractLimits::max_text_bytes`] or a
    /// part at [`ExtractLimits::max_entry_bytes`].
    pub truncated: bool,
}

impl Extraction {
    fn status(status: TextStatus) -> Self {
        Self {
            text: String::new(),
            status,
            truncated: false,
        }
    }

    fn failed(reason: impl Into<String>) -> Self {
        Self::status(TextStatus::Failed(reason.into()))
    }
}

/// Bounds on text extraction from untrusted files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractLimits {
    /// Uncompressed bytes read from one ZIP entry (default 50 MiB).
    pub max_entry_bytes: u64,
    /// Uncompressed bytes of all entries of a workbook together
    /// (default 200 MiB); a workbook over it is refused.
    pub max_total_bytes: u64,
    /// Extracted text kept, in bytes of UTF-8 (default 2 MB); the rest is
    /// cut off.
    pub max_text_bytes: usize,
    /// Cells one sheet of an `.xls` may span (default 4 million); the
    /// reader allocates the whole range, so bigger ones are refused.
    pub max_sheet_cells: u64,
}

impl Default for ExtractLimits {
    fn default() -> Self {
        Self {
            max_entry_bytes: 50 * 1024 * 1024,
            max_total_bytes: 200 * 1024 * 1024,
            max_text_bytes: 2_000_000,
            max_sheet_cells: 4_000_000,
        }
    }
}

/// Extracts the text of an attachment of a known kind, with the default
/// [`ExtractLimits`].
pub fn extract_text(kind: AttachmentKind, bytes: &[u8]) -> Extraction {
    extract_text_with(kind, bytes, &ExtractLimits::default())
}

/// [`extract_text`] with explicit limits.
pub fn extract_text_with(kind: AttachmentKind, bytes: &[u8], limits: &ExtractLimits) -> Extraction {
    match kind {
        AttachmentKind::Pdf => Extraction::status(TextStatus::NeedsPdfTool),
        AttachmentKind::Png | AttachmentKind::Jpeg | AttachmentKind::Gif => {
            Extraction::status(TextStatus::NoText)
        }
        AttachmentKind::Docx => docx::extract(bytes, limits),
        AttachmentKind::Xlsx => sheet::extract_xlsx(bytes, limits),
        AttachmentKind::Xls => sheet::extract_xls(bytes, limits),
    }
}

/// Text collected up to a byte limit, cut at a character boundary.
struct TextSink {
    text: String,
    max: usize,
    truncated: bool,
}

impl TextSink {
    fn new(max: usize) -> Self {
        Self {
            text: String::new(),
            max,
            truncated: false,
        }
    }

    /// Whether the limit was reached (further pushes are dropped).
    fn full(&self) -> bool {
        self.truncated
    }

    fn push_str(&mut self, s: &str) {
        if self.truncated {
            return;
        }
        let room = self.max.saturating_sub(self.text.len());
        if s.len() <= room {
            self.text.push_str(s);
        } else {
            let mut cut = room;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            self.text.push_str(&s[..cut]);
            self.truncated = true;
        }
    }

    fn push(&mut self, c: char) {
        self.push_str(c.encode_utf8(&mut [0; 4]));
    }

    fn push_repeated(&mut self, c: char, n: u64) {
        for _ in 0..n {
            if self.truncated {
                return;
            }
            self.push(c);
        }
    }

    /// Drops trailing characters in `chars`.
    fn trim_end_matches(&mut self, chars: &[char]) {
        let len = self.text.trim_end_matches(chars).len();
        self.text.truncate(len);
    }

    fn finish(mut self, status: TextStatus, part_truncated: bool) -> Extraction {
        let len = self.text.trim_end().len();
        self.text.truncate(len);
        Extraction {
            text: self.text,
            status,
            truncated: self.truncated || part_truncated,
        }
    }
}

/// A reader that stops after `remaining` bytes and remembers whether there
/// was more.
struct CappedReader<R> {
    inner: R,
    remaining: u64,
    hit: bool,
}

impl<R: Read> CappedReader<R> {
    fn new(inner: R, cap: u64) -> Self {
        Self {
            inner,
            remaining: cap,
            hit: false,
        }
    }
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.remaining == 0 {
            if !self.hit {
                let mut probe = [0u8; 1];
                self.hit = self.inner.read(&mut probe)? > 0;
            }
            return Ok(0);
        }
        let want = usize::try_from(self.remaining).map_or(buf.len(), |r| r.min(buf.len()));
        let n = self.inner.read(&mut buf[..want])?;
        self.remaining -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests;
