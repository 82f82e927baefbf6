//! Parsers: published report bytes → [`Document`] → [`Report`].
//!
//! Each input kind has its own module that only builds a [`Document`];
//! locating sections, recognising tables and mapping labels to canonical
//! keys is shared ([`crate::interpret`]).

pub mod docx;
pub mod html;
pub mod text;

use crate::document::Document;
use crate::model::{JsonError, Report};

/// The kinds of input the parsers read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// Plain text as pasted from Word (tab-separated table rows), or Markdown.
    Text,
    Html,
    Docx,
    /// The canonical JSON of the spec.
    Json,
    Pdf,
}

impl InputKind {
    /// Guesses the kind from the content, with the file name as a hint.
    pub fn detect(bytes: &[u8], file_name: Option<&str>) -> InputKind {
        let ext = file_name
            .and_then(|n| n.rsplit_once('.'))
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        if bytes.starts_with(b"%PDF") || ext == "pdf" {
            return InputKind::Pdf;
        }
        if bytes.starts_with(b"PK\x03\x04") {
            return InputKind::Docx;
        }
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
        let trimmed = head.trim_start_matches('\u{feff}').trim_start();
        if ext == "json" || trimmed.starts_with('{') {
            return InputKind::Json;
        }
        if matches!(ext.as_str(), "html" | "htm" | "shtml" | "xhtml")
            || trimmed.starts_with("<!doctype")
            || trimmed.starts_with("<html")
            || trimmed.starts_with("<?xml")
            || head.contains("<table")
            || head.contains("<body")
            || head.contains("<div")
            || head.contains("<p>")
            || head.contains("<p ")
        {
            return InputKind::Html;
        }
        InputKind::Text
    }
}

/// Why an input could not be read as a report. Messages are one line, in
/// Chinese with an English gloss, for the CLI and the UI alike.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("文件为空 (empty file)")]
    Empty,
    #[error("不是文本、HTML、DOCX 或 JSON 文件，无法读取 (binary or unsupported file)")]
    Binary,
    #[error(
        "暂不支持 PDF 输入，请提供 TXT、Markdown、HTML 或 DOCX 版本 (PDF input is not supported yet)"
    )]
    PdfUnsupported,
    #[error("DOCX 文件无法读取：{0} (unreadable DOCX)")]
    Docx(String),
    #[error("{0}")]
    Json(#[from] JsonError),
    #[error("未找到年报的章节或统计表，不像是政府信息公开工作年度报告 (not an annual report)")]
    NotAReport,
}

/// Reads a report from the bytes of a file. `file_name` helps to tell the
/// kind (its extension) and is otherwise unused.
pub fn parse(bytes: &[u8], file_name: Option<&str>) -> Result<Report, ParseError> {
    let document = match parse_document(bytes, file_name)? {
        Parsed::Report(r) => return Ok(*r),
        Parsed::Document(d) => d,
    };
    let report = crate::interpret::interpret(&document);
    if report.sections.is_empty()
        && report.t2.is_none()
        && report.t3.is_none()
        && report.t4.is_none()
    {
        return Err(ParseError::NotAReport);
    }
    Ok(report)
}

/// What a file holds once read: a document to interpret, or a report
/// already (canonical JSON).
pub enum Parsed {
    Document(Document),
    Report(Box<Report>),
}

/// Reads the bytes of a file into a [`Document`] (or a report, for JSON).
pub fn parse_document(bytes: &[u8], file_name: Option<&str>) -> Result<Parsed, ParseError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ParseError::Empty);
    }
    match InputKind::detect(bytes, file_name) {
        InputKind::Pdf => Err(ParseError::PdfUnsupported),
        InputKind::Docx => docx::parse(bytes).map(Parsed::Document),
        InputKind::Json => {
            let (text, _) = crate::encoding::decode(bytes, None);
            let value: serde_json::Value = serde_json::from_str(&text).map_err(JsonError::from)?;
            Ok(Parsed::Report(Box::new(Report::from_json(&value)?)))
        }
        InputKind::Html => {
            let charset = crate::encoding::sniff_html_charset(bytes);
            let (text, _) = crate::encoding::decode(bytes, charset.as_deref());
            Ok(Parsed::Document(html::parse(&text)))
        }
        InputKind::Text => {
            if looks_binary(bytes) {
                return Err(ParseError::Binary);
            }
            let (text, _) = crate::encoding::decode(bytes, None);
            Ok(Parsed::Document(text::parse(&text)))
        }
    }
}

/// NUL bytes or many control characters: not a text file.
fn looks_binary(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(8192)];
    if sample.contains(&0) {
        // UTF-16 without BOM is not supported either; treat as binary.
        return true;
    }
    let controls = sample
        .iter()
        .filter(|b| **b < 0x20 && !matches!(**b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    controls * 20 > sample.len()
}
