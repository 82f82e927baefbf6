//! # gongkai-report
//!
//! The annual report on government information disclosure
//! (政府信息公开工作年度报告) as data: the two national formats
//! ([`spec`]), the report model ([`model`]), parsers from plain text,
//! Markdown, HTML and DOCX ([`parse`]), the checker of the reconciliation
//! rules ([`check`]) and renderers to Markdown, HTML, DOCX, JSON and CSV
//! ([`render`]).
//!
//! The crate does no I/O: parsers take bytes, renderers return bytes or
//! strings. It is shared by the CLI and the server.

pub mod check;
pub mod document;
pub mod encoding;
pub mod interpret;
pub mod model;
pub mod parse;
pub mod render;
pub mod spec;
pub mod text;

pub use check::{CheckOptions, Diagnostic, Rule, Severity, check};
pub use model::{Cell, Report, Section, Table};
pub use parse::{InputKind, ParseError, parse};
pub use spec::{FormatVersion, TableId};
