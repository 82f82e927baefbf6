//! # gongkai-proactive
//!
//! Proactive disclosure (主动公开) as pure domain code.

mod uscc;

pub use uscc::{UsccError, validate_uscc};
