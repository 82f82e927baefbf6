//! # gongkai-proactive
//!
//! Proactive disclosure (主动公开) as pure domain code.

mod uscc;

pub use uscc::{UsccError, validate_uscc};

pub mod document_number;

pub use document_number::{DocumentNumber, DocumentNumberError, lint_document_numbers};

pub mod index_number;

pub use index_number::{IndexNumber, IndexNumberError};

pub mod catalogue;
pub mod item;

pub use catalogue::{Catalogue, Column, ColumnKey};
pub use item::{Attachment, DisclosureMode, DocumentKind, Item, Validity};

pub mod workflow;

pub use workflow::{Actor, Event, State, TransitionError, UserId, Workflow};

pub mod check;
pub mod html;

pub use check::{CheckContext, Finding, FindingKind, Severity, check_item};

pub mod search;

pub use search::{Query, Tokenizer, snippet};

pub mod stats;

pub use stats::{Channel, NormativeCounts, StockCounts, count_publications, normative_counts};
