//! Chinese tokens for full-text search, query parsing and snippets.
//!
//! The database indexes space-joined tokens (SQLite FTS5 `unicode61`,
//! PostgreSQL `to_tsvector('simple', …)`); this module produces them with
//! jieba (default dictionary plus the government terms in `gov_terms.txt`).
//! Documents are cut in search mode (whole words and their dictionary
//! sub-words), queries in default mode, both without HMM so that unknown
//! words fall apart into the same single characters on both sides.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use jieba_rs::Jieba;

/// The government terms compiled into the crate.
pub const GOV_TERMS: &str = include_str!("gov_terms.txt");

/// Words too common to index.
const STOPWORDS: &[&str] = &[
    "的", "了", "和", "与", "及", "等", "是", "在", "对", "为", "将", "把", "被", "由", "于", "并",
    "或", "之", "其", "以", "而", "也", "就", "都", "着", "这", "那", "啊", "吗", "呢", "吧", "a",
    "an", "the", "of", "and", "or", "to", "in",
];

/// A jieba segmenter with the government terms loaded.
pub struct Tokenizer {
    jieba: Jieba,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokenizer").finish_non_exhaustive()
    }
}

static SHARED: LazyLock<Tokenizer> = LazyLock::new(Tokenizer::new);

impl Default for Tokenizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Tokenizer {
    /// Loads jieba's default dictionary and the government terms. This
    /// takes a moment; prefer [`Tokenizer::shared`].
    pub fn new() -> Self {
        let mut jieba = Jieba::new();
        for line in GOV_TERMS.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            if let Some(word) = parts.next() {
                let freq = parts.next().and_then(|f| f.parse().ok());
                jieba.add_word(word, freq, None);
            }
        }
        Self { jieba }
    }

    /// The process-wide tokenizer, loaded once on first use.
    pub fn shared() -> &'static Tokenizer {
        &SHARED
    }

    /// Tokens of a document for the index: search mode (words and their
    /// dictionary sub-words), ASCII lower-cased, full-width letters and
    /// digits folded, punctuation and stopwords dropped.
    pub fn index_tokens(&self, text: &str) -> Vec<String> {
        let text = fold_width(text);
        self.jieba
            .cut_for_search(&text, false)
            .into_iter()
            .filter_map(|t| normalize_token(t.word))
            .collect()
    }

    /// [`Self::index_tokens`] joined by spaces, for the FTS column.
    pub fn index_text(&self, text: &str) -> String {
        self.index_tokens(text).join(" ")
    }

    /// Parses a user query into distinct tokens (default mode, so a term
    /// such as 依申请公开 stays one token).
    pub fn parse_query(&self, query: &str) -> Query {
        let mut seen = BTreeSet::new();
        let mut tokens = Vec::new();
        let query = fold_width(query);
        for part in query.split(|c: char| c.is_whitespace() || "\"'“”‘’".contains(c)) {
            for t in self.jieba.cut(part, false) {
                if let Some(tok) = normalize_token(t.word)
                    && seen.insert(tok.clone())
                {
                    tokens.push(tok);
                }
            }
        }
        Query { tokens }
    }
}

/// Full-width ASCII (ＡＢＣ１２３) to ASCII, so that jieba keeps such runs
/// together as it does ASCII words.
fn fold_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(u32::from(c) - 0xfee0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Lower-cases ASCII, drops tokens without letters or digits and stopwords.
fn normalize_token(word: &str) -> Option<String> {
    let folded: String = word
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .filter(|c| !c.is_whitespace())
        .collect();
    if !folded.chars().any(char::is_alphanumeric) || STOPWORDS.contains(&folded.as_str()) {
        return None;
    }
    Some(folded)
}

/// A parsed search query: all tokens must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub tokens: Vec<String>,
}

impl Query {
    /// Whether the query has no tokens (nothing to search).
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// An FTS5 `MATCH` expression: every token quoted, implicit AND.
    pub fn fts5_match(&self) -> String {
        self.tokens
            .iter()
            .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Space-joined tokens, for PostgreSQL `plainto_tsquery('simple', $1)`.
    pub fn plain(&self) -> String {
        self.tokens.join(" ")
    }

    /// Whether an index text (from [`Tokenizer::index_text`]) contains all
    /// query tokens: what the database match does, for tests and small
    /// in-memory searches.
    pub fn matches(&self, index_text: &str) -> bool {
        let have: BTreeSet<&str> = index_text.split(' ').collect();
        !self.is_empty() && self.tokens.iter().all(|t| have.contains(t.as_str()))
    }
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_whitespace() => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.push(c),
        }
    }
}

/// Characters shown before the first hit of the snippet.
const LEAD: usize = 20;

/// A short HTML snippet of `text` (about `width` characters) around the
/// place where most distinct query tokens occur, with `<mark>` around hits.
/// All text is HTML-escaped; `…` marks cuts.
pub fn snippet(text: &str, tokens: &[String], width: usize) -> String {
    let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    let n_chars = starts.len();
    let char_of = |byte: usize| starts.partition_point(|&s| s < byte);
    let byte_of = |ch: usize| starts.get(ch).copied().unwrap_or(text.len());
    let patterns: Vec<&str> = tokens
        .iter()
        .map(String::as_str)
        .filter(|t| !t.is_empty())
        .collect();
    let hits: Vec<(usize, usize, usize)> = if patterns.is_empty() {
        Vec::new()
    } else {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(&patterns)
            .map(|ac| {
                ac.find_iter(text)
                    .map(|m| (char_of(m.start()), char_of(m.end()), m.pattern().as_usize()))
                    .collect()
            })
            .unwrap_or_default()
    };
    // Choose the window start: for each hit, a window beginning LEAD chars
    // before it; score by distinct tokens, then number of hits.
    let mut best = (0usize, 0usize, 0usize); // (distinct, count, start)
    for &(hs, _, _) in &hits {
        let start = hs.saturating_sub(LEAD);
        let end = start + width;
        let inside: Vec<&(usize, usize, usize)> =
            hits.iter().filter(|h| h.0 >= start && h.1 <= end).collect();
        let distinct = inside.iter().map(|h| h.2).collect::<BTreeSet<_>>().len();
        if (distinct, inside.len()) > (best.0, best.1) {
            best = (distinct, inside.len(), start);
        }
    }
    let start = best.2;
    let end = (start + width).min(n_chars);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut pos = start;
    for &(hs, he, _) in hits.iter().filter(|h| h.0 >= start && h.1 <= end) {
        escape_into(&mut out, &text[byte_of(pos)..byte_of(hs)]);
        out.push_str("<mark>");
        escape_into(&mut out, &text[byte_of(hs)..byte_of(he)]);
        out.push_str("</mark>");
        pos = he;
    }
    escape_into(&mut out, &text[byte_of(pos)..byte_of(end)]);
    if end < n_chars {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok() -> &'static Tokenizer {
        Tokenizer::shared()
    }

    #[test]
    fn government_terms_stay_whole() {
        let q = tok().parse_query("依申请公开");
        assert_eq!(q.tokens, vec!["依申请公开"]);
        let index = tok().index_tokens("本机关收到依申请公开12件。");
        assert!(index.contains(&"依申请公开".to_string()), "{index:?}");
        // Search mode also indexes the sub-words.
        assert!(index.contains(&"公开".to_string()), "{index:?}");
        assert_eq!(
            tok().parse_query("统一社会信用代码").tokens,
            vec!["统一社会信用代码"]
        );
    }

    #[test]
    fn without_user_dictionary_the_term_splits() {
        let plain = Jieba::new();
        let words: Vec<&str> = plain
            .cut("依申请公开", false)
            .iter()
            .map(|t| t.word)
            .collect();
        assert_ne!(words, vec!["依申请公开"]);
    }

    #[test]
    fn punctuation_stopwords_and_case() {
        let tokens = tok().index_tokens("关于WiFi的通知，（ＡＢＣ）！");
        assert!(tokens.iter().all(|t| t.chars().any(char::is_alphanumeric)));
        assert!(!tokens.contains(&"的".to_string()));
        assert!(tokens.contains(&"wifi".to_string()), "{tokens:?}");
        assert!(tokens.contains(&"abc".to_string()), "{tokens:?}");
        assert!(tok().parse_query("，。的").is_empty());
    }

    #[test]
    fn two_word_queries_find_non_adjacent_words() {
        let text = "持续优化营商服务，打造一流发展环境。审批事项全部网上办理，结果当日公示。";
        let index = tok().index_text(text);
        for q in ["营商 环境", "审批 结果"] {
            let query = tok().parse_query(q);
            assert_eq!(query.tokens.len(), 2, "{q}: {:?}", query.tokens);
            assert!(query.matches(&index), "{q}: {index}");
        }
        assert!(!tok().parse_query("行政处罚").matches(&index));
    }

    #[test]
    fn query_expressions() {
        let q = Query {
            tokens: vec!["营商".into(), "a\"b".into()],
        };
        assert_eq!(q.fts5_match(), "\"营商\" \"a\"\"b\"");
        assert_eq!(q.plain(), "营商 a\"b");
        assert!(!Query { tokens: vec![] }.matches("营商"));
    }

    #[test]
    fn snippet_marks_hits_and_escapes() {
        let text = format!(
            "{}本局<b>持续</b>优化营商环境，推行审批服务“好差评”。{}",
            "前文".repeat(40),
            "后文".repeat(40)
        );
        let s = snippet(&text, &["营商环境".into(), "好差评".into()], 80);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>营商环境</mark>"), "{s}");
        assert!(s.contains("<mark>好差评</mark>"), "{s}");
        assert!(s.contains("&lt;b&gt;持续&lt;/b&gt;"), "{s}");
        assert!(!s.contains("<b>"));
        assert!(s.chars().filter(|c| !"…".contains(*c)).count() < 80 + 40);
    }

    #[test]
    fn snippet_prefers_window_with_more_distinct_tokens() {
        let text = format!("审批{}审批服务与结果公开", "。".repeat(100));
        let s = snippet(&text, &["审批".into(), "结果".into()], 30);
        assert!(s.contains("<mark>结果</mark>"), "{s}");
    }

    #[test]
    fn snippet_without_hits_is_the_beginning() {
        assert_eq!(
            snippet("短文本 <x>", &["无".into()], 80),
            "短文本 &lt;x&gt;"
        );
        assert_eq!(snippet("一二三四五", &[], 3), "一二三…");
    }
}
