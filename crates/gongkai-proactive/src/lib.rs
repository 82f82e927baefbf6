//! # gongkai-proactive
//!
//! Proactive disclosure (主动公开) as pure domain code, shared by the CLI and
//! the server. No I/O, no clock, no web or database types: callers pass in
//! text, items and `now`, and get values back.
//!
//! - [`document_number`]: 文号 ([`DocumentNumber`]) and the lint of malformed
//!   numbers in free text.
//! - [`index_number`]: 索引号 ([`IndexNumber`]), `{uscc}/{year}-{seq:05}`;
//!   the agency's code is a `gongkai_agency::Uscc` (GB 32100 check character).
//! - [`item`], [`catalogue`]: item metadata and columns, with the national
//!   default catalogue and the demo bureau's columns as data.
//! - [`workflow`]: 先审后发, the review state machine with audit events.
//! - [`check`]: pre-publication checks with spans for highlighting.
//! - [`html`]: sanitising 正文 and plain text for search.
//! - [`search`]: jieba tokens for the full-text index, queries, snippets.
//! - [`stats`]: yearly counts for the annual report.
//! - [`attachment`]: 附件 types sniffed from content, upload limits, text
//!   extraction (Word, Excel) for the checks.
//! - [`push`]: 推送 to upper-level platforms: payload, signature, retry schedule.
//! - [`spot_check`]: 抽查 / 自查整改: reproducible samples, entry rules.
//! - [`import`]: reading an existing catalogue (CSV in UTF-8 or GBK, XLSX) into rows.

pub mod attachment;
pub mod catalogue;
pub mod check;
pub mod document_number;
pub mod html;
pub mod import;
pub mod index_number;
pub mod item;
pub mod push;
pub mod search;
pub mod spot_check;
pub mod stats;
pub mod workflow;

pub use attachment::{
    AttachmentError, AttachmentKind, Extraction, Limits, TextStatus, extract_text, sniff, validate,
};
pub use catalogue::{Catalogue, Column, ColumnKey};
pub use check::{CheckContext, Finding, FindingKind, Severity, check_item};
pub use document_number::{DocumentNumber, DocumentNumberError, lint_document_numbers};
pub use index_number::{IndexNumber, IndexNumberError};
pub use item::{Attachment, DisclosureMode, DocumentKind, Item, Validity};
pub use search::{Query, Tokenizer, snippet};
pub use stats::{Channel, NormativeCounts, StockCounts, count_publications, normative_counts};
pub use workflow::{Actor, Event, State, TransitionError, UserId, Workflow};
