//! 错敏词: a configurable list of sensitive or commonly mistaken words,
//! matched with Aho-Corasick (leftmost-longest, ASCII case-insensitive).

use aho_corasick::{AhoCorasick, MatchKind};
use thiserror::Error;

use super::{Field, Finding, FindingKind, Severity};

/// One entry of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensitiveWord {
    pub word: String,
    pub severity: Severity,
    /// The correct wording, for mistaken words (e.g. 国务院办公厅 for 国务院办).
    pub suggestion: Option<String>,
}

/// Why a word list cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SensitiveWordsError {
    #[error("错敏词表第 {0} 行为空词条")]
    EmptyEntry(usize),
    #[error("错敏词表无法编译：{0}")]
    Build(String),
}

/// A compiled word list.
#[derive(Debug, Clone)]
pub struct SensitiveWords {
    entries: Vec<SensitiveWord>,
    matcher: Option<AhoCorasick>,
}

impl Default for SensitiveWords {
    fn default() -> Self {
        Self::empty()
    }
}

impl SensitiveWords {
    /// A list that matches nothing.
    pub fn empty() -> Self {
        Self {
            entries: Vec::new(),
            matcher: None,
        }
    }

    /// Compiles a list of entries.
    pub fn new(entries: Vec<SensitiveWord>) -> Result<Self, SensitiveWordsError> {
        if let Some(i) = entries.iter().position(|e| e.word.trim().is_empty()) {
            return Err(SensitiveWordsError::EmptyEntry(i + 1));
        }
        if entries.is_empty() {
            return Ok(Self::empty());
        }
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(entries.iter().map(|e| e.word.as_str()))
            .map_err(|e| SensitiveWordsError::Build(e.to_string()))?;
        Ok(Self {
            entries,
            matcher: Some(matcher),
        })
    }

    /// Parses the list format, one entry a line:
    ///
    /// ```text
    /// # comment
    /// 某敏感词          (warn)
    /// !某禁用词         (block)
    /// 国务院办 => 国务院办公厅   (mistaken word with the correct wording)
    /// ```
    pub fn parse_list(text: &str) -> Result<Self, SensitiveWordsError> {
        let mut entries = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (severity, line) = match line.strip_prefix('!') {
                Some(rest) => (Severity::Block, rest.trim()),
                None => (Severity::Warn, line),
            };
            let (word, suggestion) = match line.split_once("=>") {
                Some((w, s)) => (
                    w.trim(),
                    Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
                ),
                None => (line, None),
            };
            if word.is_empty() {
                return Err(SensitiveWordsError::EmptyEntry(n + 1));
            }
            entries.push(SensitiveWord {
                word: word.to_owned(),
                severity,
                suggestion,
            });
        }
        Self::new(entries)
    }

    /// The entries.
    pub fn entries(&self) -> &[SensitiveWord] {
        &self.entries
    }

    /// Finds the listed words in `text`.
    pub fn find(&self, text: &str, field: Field) -> Vec<Finding> {
        let Some(matcher) = &self.matcher else {
            return Vec::new();
        };
        matcher
            .find_iter(text)
            .filter_map(|m| {
                let entry = self.entries.get(m.pattern().as_usize())?;
                let found = &text[m.range()];
                let message = match &entry.suggestion {
                    Some(s) => format!("疑似错词“{found}”，应为“{s}”"),
                    None => format!("含有敏感词“{found}”，请核实"),
                };
                Some(Finding {
                    kind: FindingKind::SensitiveWord,
                    severity: entry.severity,
                    field,
                    span: Some(m.range()),
                    message,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "# 示例\n!绝密\n国务院办 => 国务院办公厅\n国务院\nWIFI => Wi-Fi\n";

    #[test]
    fn finds_longest_words_with_spans() {
        let words = SensitiveWords::parse_list(LIST).unwrap();
        assert_eq!(words.entries().len(), 4);
        let text = "经国务院办同意，本文件绝密。";
        let found = words.find(text, Field::BodyHtml);
        assert_eq!(found.len(), 2);
        assert_eq!(&text[found[0].span.clone().unwrap()], "国务院办");
        assert_eq!(found[0].severity, Severity::Warn);
        assert!(found[0].message.contains("国务院办公厅"));
        assert_eq!(&text[found[1].span.clone().unwrap()], "绝密");
        assert_eq!(found[1].severity, Severity::Block);
    }

    #[test]
    fn ascii_is_case_insensitive() {
        let words = SensitiveWords::parse_list(LIST).unwrap();
        assert_eq!(words.find("免费wifi覆盖", Field::BodyHtml).len(), 1);
    }

    #[test]
    fn clean_text_and_empty_list_find_nothing() {
        let words = SensitiveWords::parse_list(LIST).unwrap();
        assert!(
            words
                .find("关于印发工作方案的通知", Field::BodyHtml)
                .is_empty()
        );
        assert!(
            SensitiveWords::empty()
                .find("绝密", Field::BodyHtml)
                .is_empty()
        );
    }

    #[test]
    fn empty_entry_is_an_error() {
        assert_eq!(
            SensitiveWords::parse_list("甲\n!\n").unwrap_err(),
            SensitiveWordsError::EmptyEntry(2)
        );
    }
}
