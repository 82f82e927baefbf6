//! Word documents (DOCX). (stub)

use crate::document::Document;
use crate::parse::ParseError;

/// Parses the bytes of a DOCX file into a document.
pub fn parse(_bytes: &[u8]) -> Result<Document, ParseError> {
    Err(ParseError::Docx("not implemented".into()))
}
