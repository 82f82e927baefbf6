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

/// One problem of a word list as staff typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListProblem {
    /// 1-based line number.
    pub line: usize,
    /// The reason, in Chinese.
    pub message: String,
}

/// Longest word or suggestion accepted.
pub const MAX_WORD_CHARS: usize = 50;
/// Most entries in one list.
pub const MAX_ENTRIES: usize = 5_000;

/// Every problem of a list in the [`SensitiveWords::parse_list`] format, by line: empty words,
/// words or suggestions that are too long, a suggestion equal to the word, a second `=>`, and
/// words listed twice. An empty result means `parse_list` accepts the text.
pub fn lint_list(text: &str) -> Vec<ListProblem> {
    let mut out = Vec::new();
    let mut seen: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    let mut entries = 0usize;
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        let mut problem = |m: String| {
            out.push(ListProblem {
                line: line_no,
                message: m,
            })
        };
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        entries += 1;
        let line = line.strip_prefix('!').map_or(line, str::trim);
        if line.matches("=>").count() > 1 {
            problem("一行只能有一个“=>”".to_owned());
            continue;
        }
        let (word, suggestion) = match line.split_once("=>") {
            Some((w, s)) => (w.trim(), Some(s.trim())),
            None => (line, None),
        };
        if word.is_empty() {
            problem("词条为空（“!”或“=>”前须写出词语）".to_owned());
            continue;
        }
        if word.chars().count() > MAX_WORD_CHARS {
            problem(format!("词语超过 {MAX_WORD_CHARS} 个字符"));
        }
        if let Some(s) = suggestion {
            if s.chars().count() > MAX_WORD_CHARS {
                problem(format!("建议用词超过 {MAX_WORD_CHARS} 个字符"));
            }
            if s == word {
                problem(format!("建议用词与词语“{word}”相同"));
            }
        }
        let key = word.to_lowercase();
        match seen.get(&key) {
            Some(first) => problem(format!("词语“{word}”与第 {first} 行重复")),
            None => {
                seen.insert(key, line_no);
            }
        }
    }
    if entries > MAX_ENTRIES {
        out.push(ListProblem {
            line: text.lines().count(),
            message: format!("词条过多（{entries} 条），最多 {MAX_ENTRIES} 条"),
        });
    }
    out
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
    #[test]
    fn lint_reports_every_problem_by_line() {
        let text = "# 示例\n法制政府 => 法治政府\n!\n甲 => 甲\n法制政府\n乙 => 丙 => 丁\n";
        let got: Vec<(usize, String)> = lint_list(text)
            .into_iter()
            .map(|p| (p.line, p.message))
            .collect();
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(got[0].0, 3);
        assert_eq!(got[1].0, 4);
        assert!(got[1].1.contains("相同"));
        assert_eq!(got[2], (5, "词语“法制政府”与第 2 行重复".to_owned()));
        assert_eq!(got[3].0, 6);
        assert!(lint_list(LIST).is_empty());
    }
}
