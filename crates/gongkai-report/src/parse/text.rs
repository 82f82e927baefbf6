//! Plain text as pasted from Word, and Markdown. (stub)

use crate::document::Document;

pub fn parse(_text: &str) -> Document {
    Document::default()
}
