//! Document → report. (stub)

use crate::document::Document;
use crate::model::Report;

pub fn interpret(_doc: &Document) -> Report {
    Report::default()
}
