//! Renderers: report → Markdown, HTML, DOCX, JSON, CSV. (stubs)

use crate::model::Report;

pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(&report.to_json()).unwrap_or_default()
}
