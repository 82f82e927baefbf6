//! Renderers: report → Markdown, HTML, DOCX, JSON, CSV.
//!
//! Every output has the same layout: the title, the six sections 一…六 under
//! their official headings (from [`crate::spec::SECTIONS`]), each section's
//! text as paragraphs, and tables 二, 三, 四 in the official merged-cell
//! layout of the report's format ([`Report::effective_format`]). The
//! layout is computed once (`layout`) and written by each renderer, so that
//! what one renderer writes, the parsers read back into the same tables.

pub mod csv;
pub mod docx;
pub mod html;
mod layout;
pub mod markdown;

use crate::model::Report;
use std::fmt;
use std::str::FromStr;

pub use self::csv::csv;
pub use self::docx::docx;
pub use self::html::html;
pub use self::markdown::markdown;

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("生成 DOCX 文件失败：{0} (DOCX packaging failed)")]
    Docx(String),
    #[error("未知的输出格式“{0}”，可用：md、html、docx、json、csv (unknown output format)")]
    UnknownFormat(String),
}

/// The pretty canonical JSON of the spec (= [`Report::to_json`]).
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(&report.to_json()).unwrap_or_default()
}

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RenderFormat {
    Markdown,
    Html,
    Docx,
    Json,
    Csv,
}

impl RenderFormat {
    pub const ALL: [RenderFormat; 5] = [
        RenderFormat::Markdown,
        RenderFormat::Html,
        RenderFormat::Docx,
        RenderFormat::Json,
        RenderFormat::Csv,
    ];

    /// The usual file extension, without dot.
    pub fn extension(self) -> &'static str {
        match self {
            RenderFormat::Markdown => "md",
            RenderFormat::Html => "html",
            RenderFormat::Docx => "docx",
            RenderFormat::Json => "json",
            RenderFormat::Csv => "csv",
        }
    }

    /// The media type, for HTTP responses.
    pub fn content_type(self) -> &'static str {
        match self {
            RenderFormat::Markdown => "text/markdown; charset=utf-8",
            RenderFormat::Html => "text/html; charset=utf-8",
            RenderFormat::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            RenderFormat::Json => "application/json",
            RenderFormat::Csv => "text/csv; charset=utf-8",
        }
    }
}

impl FromStr for RenderFormat {
    type Err = RenderError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "md" | "markdown" => Ok(RenderFormat::Markdown),
            "html" => Ok(RenderFormat::Html),
            "docx" => Ok(RenderFormat::Docx),
            "json" => Ok(RenderFormat::Json),
            "csv" => Ok(RenderFormat::Csv),
            _ => Err(RenderError::UnknownFormat(s.trim().to_string())),
        }
    }
}

impl fmt::Display for RenderFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// Renders a report in `format`, as the bytes of a file.
pub fn render(report: &Report, format: RenderFormat) -> Result<Vec<u8>, RenderError> {
    Ok(match format {
        RenderFormat::Markdown => markdown(report).into_bytes(),
        RenderFormat::Html => html(report).into_bytes(),
        RenderFormat::Docx => docx(report)?,
        RenderFormat::Json => json(report).into_bytes(),
        RenderFormat::Csv => csv(report).into_bytes(),
    })
}

#[cfg(test)]
pub(crate) mod sample;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_from_their_names() {
        assert_eq!(
            "md".parse::<RenderFormat>().ok(),
            Some(RenderFormat::Markdown)
        );
        assert_eq!(
            "Markdown".parse::<RenderFormat>().ok(),
            Some(RenderFormat::Markdown)
        );
        assert_eq!(
            "html".parse::<RenderFormat>().ok(),
            Some(RenderFormat::Html)
        );
        assert_eq!(
            "docx".parse::<RenderFormat>().ok(),
            Some(RenderFormat::Docx)
        );
        assert_eq!(
            "json".parse::<RenderFormat>().ok(),
            Some(RenderFormat::Json)
        );
        assert_eq!("csv".parse::<RenderFormat>().ok(), Some(RenderFormat::Csv));
        assert!(matches!(
            "pdf".parse::<RenderFormat>(),
            Err(RenderError::UnknownFormat(f)) if f == "pdf"
        ));
        for f in RenderFormat::ALL {
            assert_eq!(f.extension().parse::<RenderFormat>().ok(), Some(f));
        }
    }

    #[test]
    fn json_is_the_canonical_json() {
        let r = sample::report_2021();
        let out = json(&r);
        let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(v, r.to_json());
        assert!(out.contains("\n  \"format\": \"2021\""), "pretty-printed");
    }

    #[test]
    fn render_dispatches_to_each_renderer() {
        let r = sample::report_2021();
        for f in RenderFormat::ALL {
            let bytes = render(&r, f).expect("renders");
            assert!(!bytes.is_empty(), "{f}");
        }
        assert!(
            render(&r, RenderFormat::Docx)
                .expect("docx")
                .starts_with(b"PK\x03\x04")
        );
        assert_eq!(
            render(&r, RenderFormat::Markdown).expect("md"),
            markdown(&r).into_bytes()
        );
    }
}
