//! HTML pages as government websites publish them. (stub)

use crate::document::Document;

/// Parses decoded HTML into a document.
pub fn parse(_html: &str) -> Document {
    Document::default()
}
