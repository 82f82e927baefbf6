//! Pre-publication checks (发布前检查): personal data, 错敏词, malformed 文号,
//! missing metadata, links to unpublished pages. Each [`Finding`] has a kind,
//! a severity, the field and (for text findings) the byte span in that
//! field's text, so an editor can highlight it.
//!
//! Text findings in the body are spans of `Item::body_html` as stored (the
//! raw HTML), so digits or words inside attributes are caught as well.

mod links;
mod personal;
mod words;

use std::ops::Range;

use serde::Serialize;

use crate::catalogue::Catalogue;
use crate::document_number::lint_document_numbers;
use crate::item::{DisclosureMode, Item};

pub use links::{find_unpublished_links, internal_path};
pub use personal::{
    find_personal_data, is_valid_resident_id, luhn_valid, mask_bank_card, mask_personal,
    mask_phone, mask_resident_id, resident_id_check_char,
};
pub use words::{ListProblem, SensitiveWord, SensitiveWords, SensitiveWordsError, lint_list};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 提示: publication allowed, the reviewer should look.
    Warn,
    /// 禁止发布: must be fixed first.
    Block,
}

impl Severity {
    /// The label users see.
    pub fn label(self) -> &'static str {
        match self {
            Self::Warn => "提示",
            Self::Block => "禁止发布",
        }
    }
}

/// What was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    ResidentId,
    MobilePhone,
    BankCard,
    SensitiveWord,
    DocumentNumberFormat,
    MissingMetadata,
    InconsistentMetadata,
    NotProactive,
    UnpublishedLink,
}

impl FindingKind {
    /// A stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Self::ResidentId => "resident_id",
            Self::MobilePhone => "mobile_phone",
            Self::BankCard => "bank_card",
            Self::SensitiveWord => "sensitive_word",
            Self::DocumentNumberFormat => "document_number_format",
            Self::MissingMetadata => "missing_metadata",
            Self::InconsistentMetadata => "inconsistent_metadata",
            Self::NotProactive => "not_proactive",
            Self::UnpublishedLink => "unpublished_link",
        }
    }
}

/// The item field a finding is about (named as in [`Item`]'s JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Title,
    BodyHtml,
    Publisher,
    Column,
    DocumentNumber,
    WrittenOn,
    Topic,
    DisclosureMode,
    Validity,
    Attachments,
}

impl Field {
    /// The label users see.
    pub fn label(self) -> &'static str {
        match self {
            Self::Title => "标题",
            Self::BodyHtml => "正文",
            Self::Publisher => "发布机构",
            Self::Column => "栏目",
            Self::DocumentNumber => "文号",
            Self::WrittenOn => "成文日期",
            Self::Topic => "主题分类",
            Self::DisclosureMode => "公开方式",
            Self::Validity => "有效性",
            Self::Attachments => "附件",
        }
    }
}

/// One finding of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    pub field: Field,
    /// Byte span in the field's text, for text findings.
    pub span: Option<Range<usize>>,
    /// Message in Chinese.
    pub message: String,
}

/// Whether nothing in `findings` blocks publication.
pub fn is_publishable(findings: &[Finding]) -> bool {
    findings.iter().all(|f| f.severity != Severity::Block)
}

/// What the checks need besides the item.
pub struct CheckContext<'a> {
    pub sensitive_words: &'a SensitiveWords,
    /// When given, the item's column must be in it.
    pub catalogue: Option<&'a Catalogue>,
    /// Host names of the agency's own site, for absolute internal links.
    pub own_hosts: &'a [&'a str],
    /// Whether a site path (as returned by [`internal_path`]) is published.
    pub is_published: &'a dyn Fn(&str) -> bool,
}

/// 文号 written in a non-official form in free text.
pub fn find_document_number_format(text: &str, field: Field) -> Vec<Finding> {
    lint_document_numbers(text)
        .into_iter()
        .map(|l| Finding {
            kind: FindingKind::DocumentNumberFormat,
            severity: Severity::Warn,
            field,
            span: Some(l.span.clone()),
            message: l.message(),
        })
        .collect()
}

/// The text checks (personal data, 错敏词, 文号 format) on one text.
pub fn check_text(text: &str, field: Field, words: &SensitiveWords) -> Vec<Finding> {
    let mut out = find_personal_data(text, field);
    out.extend(words.find(text, field));
    out.extend(find_document_number_format(text, field));
    out.sort_by_key(|f| f.span.as_ref().map(|s| s.start));
    out
}

fn missing(field: Field, severity: Severity, message: &str) -> Finding {
    Finding {
        kind: FindingKind::MissingMetadata,
        severity,
        field,
        span: None,
        message: message.to_owned(),
    }
}

/// Required and recommended metadata, and consistency between fields.
pub fn check_metadata(item: &Item, catalogue: Option<&Catalogue>) -> Vec<Finding> {
    let mut out = Vec::new();
    if item.title.trim().is_empty() {
        out.push(missing(Field::Title, Severity::Block, "标题不能为空"));
    }
    if item.publisher.trim().is_empty() {
        out.push(missing(
            Field::Publisher,
            Severity::Block,
            "发布机构不能为空",
        ));
    }
    if let Some(cat) = catalogue
        && cat.get(&item.column).is_none()
    {
        out.push(Finding {
            kind: FindingKind::InconsistentMetadata,
            severity: Severity::Block,
            field: Field::Column,
            span: None,
            message: format!("栏目“{}”不在本机关的目录中", item.column),
        });
    }
    if item.disclosure_mode != DisclosureMode::Proactive {
        out.push(Finding {
            kind: FindingKind::NotProactive,
            severity: Severity::Block,
            field: Field::DisclosureMode,
            span: None,
            message: format!(
                "公开方式为“{}”的信息不能主动公开发布",
                item.disclosure_mode.label()
            ),
        });
    }
    if item.topic.as_deref().is_none_or(|t| t.trim().is_empty()) {
        out.push(missing(Field::Topic, Severity::Warn, "未填写主题分类"));
    }
    let normative = item.kind.has_validity();
    match item.written_on {
        None if normative => out.push(missing(
            Field::WrittenOn,
            Severity::Block,
            "规章和行政规范性文件须填写成文日期",
        )),
        None => out.push(missing(Field::WrittenOn, Severity::Warn, "未填写成文日期")),
        Some(written) => {
            if item.published_on.is_some_and(|p| p < written) {
                out.push(Finding {
                    kind: FindingKind::InconsistentMetadata,
                    severity: Severity::Warn,
                    field: Field::WrittenOn,
                    span: None,
                    message: "成文日期晚于发布日期".into(),
                });
            }
            if let Some(n) = &item.document_number
                && i32::from(n.year()) != chrono::Datelike::year(&written)
            {
                out.push(Finding {
                    kind: FindingKind::InconsistentMetadata,
                    severity: Severity::Warn,
                    field: Field::DocumentNumber,
                    span: None,
                    message: format!("文号年份 {} 与成文日期年份不一致", n.year()),
                });
            }
        }
    }
    if normative {
        if item.document_number.is_none() {
            out.push(missing(
                Field::DocumentNumber,
                Severity::Block,
                "规章和行政规范性文件须填写文号",
            ));
        }
        if item.validity.is_none() {
            out.push(missing(
                Field::Validity,
                Severity::Block,
                "规章和行政规范性文件须标注有效性",
            ));
        }
    }
    if crate::html::plain_text(&item.body_html).trim().is_empty() && item.attachments.is_empty() {
        out.push(missing(
            Field::BodyHtml,
            Severity::Block,
            "正文和附件不能都为空",
        ));
    }
    out
}

/// All checks on an item: metadata, then title, then body (text checks and
/// links), then attachment names.
pub fn check_item(item: &Item, ctx: &CheckContext<'_>) -> Vec<Finding> {
    let mut out = check_metadata(item, ctx.catalogue);
    out.extend(check_text(&item.title, Field::Title, ctx.sensitive_words));
    let mut body = check_text(&item.body_html, Field::BodyHtml, ctx.sensitive_words);
    body.extend(find_unpublished_links(
        &item.body_html,
        Field::BodyHtml,
        ctx.own_hosts,
        ctx.is_published,
    ));
    body.sort_by_key(|f| f.span.as_ref().map(|s| s.start));
    out.extend(body);
    for a in &item.attachments {
        out.extend(
            find_personal_data(&a.file_name, Field::Attachments)
                .into_iter()
                .map(|mut f| {
                    f.span = None;
                    f.message = format!("附件“{}”的文件名中{}", a.file_name, f.message);
                    f
                }),
        );
    }
    out
}

/// Personal data (身份证号, 手机号, 银行卡号) and 错敏词 in the extracted text
/// of an attachment. Spans are byte spans in `text`; each message names the
/// file and the line (for spreadsheets, the sheet and row, see
/// [`crate::attachment::Extraction::text`]) and keeps personal data masked.
pub fn check_attachment_text(file_name: &str, text: &str, words: &SensitiveWords) -> Vec<Finding> {
    let mut out = find_personal_data(text, Field::Attachments);
    out.extend(words.find(text, Field::Attachments));
    out.sort_by_key(|f| f.span.as_ref().map(|s| s.start));
    let lines = LineIndex::new(text);
    for f in &mut out {
        let place = f
            .span
            .as_ref()
            .map(|s| lines.place(s.start))
            .unwrap_or_default();
        f.message = format!("附件“{file_name}”（{place}）中{}", f.message);
    }
    out
}

/// Line starts and spreadsheet sheet lines of a text, to name where a byte
/// offset is.
struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of the start of each line.
    starts: Vec<usize>,
    /// (line index, sheet name) of each `【工作表：名称】` line.
    sheets: Vec<(usize, &'a str)>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let sheets = text
            .split('\n')
            .enumerate()
            .filter_map(|(i, line)| {
                line.strip_prefix(crate::attachment::SHEET_PREFIX)
                    .and_then(|l| l.strip_suffix(crate::attachment::SHEET_SUFFIX))
                    .map(|name| (i, name))
            })
            .collect();
        Self {
            text,
            starts,
            sheets,
        }
    }

    /// The 0-based line of a byte offset.
    fn line(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// `第 3 行`, or `工作表“Sheet1”第 3 行` in a spreadsheet's text.
    fn place(&self, offset: usize) -> String {
        let line = self.line(offset.min(self.text.len()));
        let sheet = self.sheets.partition_point(|&(l, _)| l < line);
        match sheet.checked_sub(1).and_then(|i| self.sheets.get(i)) {
            Some(&(l, name)) => format!("工作表“{name}”第 {} 行", line - l),
            None => format!("第 {} 行", line + 1),
        }
    }
}

/// A short excerpt of the line around `span` in `text`, for showing where a
/// finding is: up to `radius` characters either side (within the line), the
/// hit in 【】, and all personal data in the excerpt masked as in the
/// findings' messages. `…` marks where the line goes on. `None` when `span`
/// is not a valid span of `text`.
pub fn excerpt(text: &str, span: Range<usize>, radius: usize) -> Option<String> {
    if span.start > span.end || text.get(span.clone()).is_none() {
        return None;
    }
    let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[span.end..]
        .find('\n')
        .map_or(text.len(), |i| span.end + i);
    let mut start = text[line_start..span.start]
        .char_indices()
        .rev()
        .nth(radius.saturating_sub(1))
        .map_or(line_start, |(i, _)| line_start + i);
    if radius == 0 {
        start = span.start;
    }
    let mut end = text[span.end..line_end]
        .char_indices()
        .nth(radius)
        .map_or(line_end, |(i, _)| span.end + i);
    // Never cut a number in two: a cut-off part would escape masking.
    let is_num = |b: u8| b.is_ascii_alphanumeric();
    let bytes = text.as_bytes();
    if start < span.start && is_num(bytes[start]) {
        while start > line_start && is_num(bytes[start - 1]) {
            start -= 1;
        }
    }
    if end > span.end && is_num(bytes[end - 1]) {
        while end < line_end && is_num(bytes[end]) {
            end += 1;
        }
    }
    let window = &text[start..end];
    let personal = find_personal_data(window, Field::Attachments);
    let (hit_start, hit_end) = (span.start - start, span.end - start);
    let mut out = String::new();
    if start > line_start {
        out.push('…');
    }
    let mut pos = 0;
    let push_plain = |out: &mut String, from: usize, to: usize| {
        if from < to {
            out.push_str(&window[from..to].replace(['\t', '\r'], " "));
        }
    };
    let mut marks: Vec<(usize, &str)> = vec![(hit_start, "【"), (hit_end, "】")];
    marks.sort_by_key(|m| m.0);
    let mut mark = marks.into_iter().peekable();
    for f in &personal {
        let Some(s) = f.span.clone() else { continue };
        while let Some(&(at, m)) = mark.peek() {
            if at > s.start {
                break;
            }
            push_plain(&mut out, pos, at);
            out.push_str(m);
            pos = at;
            mark.next();
        }
        if s.start < pos {
            continue;
        }
        push_plain(&mut out, pos, s.start);
        out.push_str(&mask_personal(f.kind, &window[s.clone()]));
        pos = s.end;
    }
    for (at, m) in mark {
        let at = at.max(pos);
        push_plain(&mut out, pos, at);
        out.push_str(m);
        pos = at;
    }
    push_plain(&mut out, pos, window.len());
    if end < line_end {
        out.push('…');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::ColumnKey;
    use crate::document_number::DocumentNumber;
    use crate::index_number::IndexNumber;
    use crate::item::{Attachment, DocumentKind, Validity};
    use chrono::NaiveDate;

    fn item() -> Item {
        let mut item = Item::new(
            IndexNumber::new("11640381MB1962185B", 2021, 3).unwrap(),
            ColumnKey::parse("department_documents").unwrap(),
            "关于印发《政务服务“好差评”实施办法》的通知",
            "示例审批服务管理局",
        );
        item.topic = Some("综合政务".into());
        item.written_on = NaiveDate::from_ymd_opt(2021, 5, 10);
        item.body_html = "<p>各股室：现将办法印发给你们。</p>".into();
        item
    }

    fn ctx<'a>(words: &'a SensitiveWords, cat: &'a Catalogue) -> CheckContext<'a> {
        CheckContext {
            sensitive_words: words,
            catalogue: Some(cat),
            own_hosts: &["www.example.gov.cn"],
            is_published: &|p: &str| p.starts_with("/xxgk/"),
        }
    }

    #[test]
    fn complete_item_passes() {
        let words = SensitiveWords::parse_list("!绝密").unwrap();
        let cat = Catalogue::demo_bureau();
        let findings = check_item(&item(), &ctx(&words, &cat));
        assert!(findings.is_empty(), "{findings:?}");
        assert!(is_publishable(&findings));
    }

    #[test]
    fn body_findings_have_spans_into_the_html() {
        let words = SensitiveWords::parse_list("!绝密").unwrap();
        let cat = Catalogue::demo_bureau();
        let mut it = item();
        it.body_html = r#"<p>依据灵审管发[2021]3号，联系人身份证11010519491231002X，本件绝密。<a href="/draft/9.html">附</a></p>"#.into();
        let findings = check_item(&it, &ctx(&words, &cat));
        let kinds: Vec<(FindingKind, &str)> = findings
            .iter()
            .map(|f| (f.kind, &it.body_html[f.span.clone().unwrap()]))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (FindingKind::DocumentNumberFormat, "[2021]3号"),
                (FindingKind::ResidentId, "11010519491231002X"),
                (FindingKind::SensitiveWord, "绝密"),
                (FindingKind::UnpublishedLink, "/draft/9.html"),
            ]
        );
        assert!(!is_publishable(&findings));
    }

    #[test]
    fn normative_document_needs_number_and_validity() {
        let mut it = item();
        it.kind = DocumentKind::NormativeDocument;
        let findings = check_metadata(&it, None);
        let fields: Vec<Field> = findings.iter().map(|f| f.field).collect();
        assert_eq!(fields, vec![Field::DocumentNumber, Field::Validity]);
        assert!(findings.iter().all(|f| f.severity == Severity::Block));
        it.document_number = Some(DocumentNumber::parse("灵审管发〔2021〕3号").unwrap());
        it.validity = Some(Validity::InForce { since: None });
        assert!(check_metadata(&it, None).is_empty());
    }

    #[test]
    fn missing_and_inconsistent_metadata() {
        let mut it = item();
        it.title = " ".into();
        it.topic = None;
        it.body_html = "<p> </p>".into();
        it.disclosure_mode = DisclosureMode::OnRequest;
        it.column = ColumnKey::parse("nope").unwrap();
        it.document_number = Some(DocumentNumber::parse("灵审管发〔2020〕3号").unwrap());
        it.published_on = NaiveDate::from_ymd_opt(2021, 5, 1);
        let cat = Catalogue::demo_bureau();
        let codes: Vec<(&str, Field)> = check_metadata(&it, Some(&cat))
            .iter()
            .map(|f| (f.kind.code(), f.field))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("missing_metadata", Field::Title),
                ("inconsistent_metadata", Field::Column),
                ("not_proactive", Field::DisclosureMode),
                ("missing_metadata", Field::Topic),
                ("inconsistent_metadata", Field::WrittenOn),
                ("inconsistent_metadata", Field::DocumentNumber),
                ("missing_metadata", Field::BodyHtml),
            ]
        );
        // An attachment alone is a body.
        it.attachments.push(Attachment {
            id: None,
            file_name: "张三11010519491231002X.pdf".into(),
            url: "/files/1.pdf".into(),
            size_bytes: None,
            media_type: None,
        });
        assert!(
            check_metadata(&it, None)
                .iter()
                .all(|f| f.field != Field::BodyHtml)
        );
        let words = SensitiveWords::empty();
        let found = check_item(&it, &ctx(&words, &cat));
        assert!(
            found
                .iter()
                .any(|f| f.field == Field::Attachments && f.kind == FindingKind::ResidentId)
        );
    }
}
