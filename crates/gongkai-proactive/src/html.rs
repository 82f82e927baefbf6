//! 正文 rich text: sanitising staff HTML with ammonia, and plain text for
//! search and checks.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};
use ego_tree::iter::Edge;
use scraper::{Html, Node};

/// Tags a government article needs. `div` is kept so that pasted content
/// keeps its paragraph breaks.
pub const ALLOWED_TAGS: &[&str] = &[
    "p", "br", "div", "h2", "h3", "h4", "strong", "em", "u", "ol", "ul", "li", "table", "thead",
    "tbody", "tr", "th", "td", "a", "img", "span",
];

/// Elements that may carry `style="text-align: …"`.
const ALIGNABLE: &[&str] = &["p", "div", "h2", "h3", "h4", "td", "th", "span"];

static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut attrs: HashMap<&str, HashSet<&str>> = HashMap::new();
    attrs.insert("a", HashSet::from(["href", "title"]));
    attrs.insert("img", HashSet::from(["src", "alt"]));
    attrs.insert("td", HashSet::from(["colspan", "rowspan", "style"]));
    attrs.insert("th", HashSet::from(["colspan", "rowspan", "style"]));
    for tag in ALIGNABLE {
        attrs.entry(tag).or_default().insert("style");
    }
    let mut b = Builder::empty();
    b.tags(ALLOWED_TAGS.iter().copied().collect())
        .tag_attributes(attrs)
        .url_schemes(HashSet::from(["http", "https"]))
        .url_relative(UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"))
        .strip_comments(true)
        .attribute_filter(filter_attribute);
    b
});

/// Keeps only `text-align` with a known value in `style`; checks spans are
/// small positive integers.
fn filter_attribute<'u>(_element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    match attribute {
        "style" => text_align(value).map(|a| Cow::Owned(format!("text-align: {a}"))),
        "colspan" | "rowspan" => value
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .map(|n| Cow::Owned(n.to_string())),
        _ => Some(Cow::Borrowed(value)),
    }
}

fn text_align(style: &str) -> Option<&'static str> {
    style.split(';').find_map(|decl| {
        let (prop, val) = decl.split_once(':')?;
        if !prop.trim().eq_ignore_ascii_case("text-align") {
            return None;
        }
        let val = val
            .trim()
            .trim_end_matches("!important")
            .trim()
            .to_ascii_lowercase();
        ["left", "right", "center", "justify"]
            .into_iter()
            .find(|a| *a == val)
    })
}

/// Sanitises staff HTML for 正文: only the tags in [`ALLOWED_TAGS`], links and
/// images with http/https or relative URLs, `style` reduced to `text-align`,
/// scripts and styles dropped with their content.
pub fn sanitize(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "p" | "div"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "li"
            | "ul"
            | "ol"
            | "table"
            | "thead"
            | "tbody"
            | "tr"
            | "br"
    )
}

/// Plain text of (sanitised) HTML for search and checks: block elements end
/// lines, table cells are separated by a space, whitespace is collapsed
/// within lines, empty lines dropped.
pub fn plain_text(html: &str) -> String {
    let doc = Html::parse_fragment(html);
    let mut raw = String::new();
    for edge in doc.root_element().traverse() {
        let (node, open) = match edge {
            Edge::Open(n) => (n, true),
            Edge::Close(n) => (n, false),
        };
        match node.value() {
            Node::Text(t) if open => raw.push_str(t),
            Node::Element(e) => {
                let name = e.name();
                if is_block(name) && (open || name != "br") {
                    raw.push('\n');
                } else if !open && matches!(name, "td" | "th") {
                    raw.push(' ');
                }
            }
            _ => {}
        }
    }
    raw.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_article_markup() {
        let html = r#"<h2 style="text-align:center;color:red">通知</h2><p>各单位：</p><table><tbody><tr><td colspan="2" rowspan="x">合计</td></tr></tbody></table><ol><li><strong>一</strong></li></ol>"#;
        assert_eq!(
            sanitize(html),
            r#"<h2 style="text-align: center">通知</h2><p>各单位：</p><table><tbody><tr><td colspan="2">合计</td></tr></tbody></table><ol><li><strong>一</strong></li></ol>"#
        );
    }

    #[test]
    fn strips_scripts_handlers_and_bad_urls() {
        let html = r#"<p onclick="x()">正文<script>alert(1)</script><a href="javascript:alert(1)">链</a><a href="/xxgk/1.html">内</a><img src="data:image/png;base64,AAA" alt="图"><img src="https://www.gov.cn/a.png"></p><style>p{}</style><iframe src="x"></iframe>"#;
        let out = sanitize(html);
        assert!(!out.contains("script") && !out.contains("onclick") && !out.contains("javascript"));
        assert!(!out.contains("data:") && !out.contains("iframe") && !out.contains("p{}"));
        assert!(
            out.contains(r#"<a href="/xxgk/1.html" rel="noopener noreferrer">内</a>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<img src="https://www.gov.cn/a.png">"#),
            "{out}"
        );
        assert!(out.contains(r#"<img alt="图">"#), "{out}");
    }

    #[test]
    fn style_without_alignment_is_dropped() {
        assert_eq!(sanitize(r#"<p style="font-size:20px">文</p>"#), "<p>文</p>");
        assert_eq!(
            sanitize(r#"<span style="text-align: expression(alert(1))">文</span>"#),
            "<span>文</span>"
        );
    }

    #[test]
    fn plain_text_keeps_blocks_apart() {
        let html = "<h2>标题</h2><p>第一段  内容</p><p>第二段<br>换行</p><table><tr><td>甲</td><td>乙</td></tr></table><p>a &amp; b</p>";
        assert_eq!(
            plain_text(html),
            "标题\n第一段 内容\n第二段\n换行\n甲 乙\na & b"
        );
        assert_eq!(plain_text(""), "");
    }
}
