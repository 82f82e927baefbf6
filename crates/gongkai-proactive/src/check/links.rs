//! Internal links (`href`) in body HTML that point at unpublished paths.

use std::sync::LazyLock;

use regex::Regex;

use super::{Field, Finding, FindingKind, Severity};

static HREF_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"(?i)\bhref\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'>]+))"#).ok()
});

/// The site path an `href` points at, if it is internal: relative links and
/// absolute links to one of `own_hosts`. Fragments are dropped, `&amp;` is
/// decoded. `None` for external links, anchors and other schemes.
pub fn internal_path(href: &str, own_hosts: &[&str]) -> Option<String> {
    let href = href.trim().replace("&amp;", "&");
    let href = href.split('#').next().unwrap_or_default();
    if href.is_empty() {
        return None;
    }
    let lower = href.to_ascii_lowercase();
    let after_scheme = ["https://", "http://", "//"]
        .into_iter()
        .find_map(|prefix| lower.strip_prefix(prefix))
        .map(|rest| href.len() - rest.len());
    match after_scheme {
        Some(at) => {
            let rest = &href[at..];
            let (host, path) = match rest.find(['/', '?']) {
                Some(p) => (&rest[..p], &rest[p..]),
                None => (rest, "/"),
            };
            let host = host.to_ascii_lowercase();
            let host = host.split(':').next().unwrap_or_default();
            if !own_hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
                return None;
            }
            Some(if path.starts_with('?') {
                format!("/{path}")
            } else {
                path.to_owned()
            })
        }
        None => {
            // Any other scheme (mailto:, tel:, javascript:, data:) is not a page.
            let first = href.split(['/', '?']).next().unwrap_or_default();
            if first.contains(':') {
                None
            } else {
                Some(href.to_owned())
            }
        }
    }
}

/// Reports internal links in `html` whose path `is_published` rejects. The
/// span is the attribute value's byte range.
pub fn find_unpublished_links(
    html: &str,
    field: Field,
    own_hosts: &[&str],
    is_published: &dyn Fn(&str) -> bool,
) -> Vec<Finding> {
    let Some(re) = HREF_RE.as_ref() else {
        return Vec::new();
    };
    re.captures_iter(html)
        .filter_map(|c| {
            c.name("dq")
                .or_else(|| c.name("sq"))
                .or_else(|| c.name("bare"))
        })
        .filter_map(|m| {
            let path = internal_path(m.as_str(), own_hosts)?;
            (!is_published(&path)).then(|| Finding {
                kind: FindingKind::UnpublishedLink,
                severity: Severity::Warn,
                field,
                span: Some(m.range()),
                message: format!("链接指向未发布的页面：{path}"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTS: &[&str] = &["www.example.gov.cn"];

    #[test]
    fn classifies_links() {
        assert_eq!(
            internal_path("/xxgk/1.html#top", HOSTS).as_deref(),
            Some("/xxgk/1.html")
        );
        assert_eq!(
            internal_path("HTTPS://www.example.gov.cn/a?id=1&amp;b=2", HOSTS).as_deref(),
            Some("/a?id=1&b=2")
        );
        assert_eq!(
            internal_path("http://www.example.gov.cn", HOSTS).as_deref(),
            Some("/")
        );
        assert_eq!(
            internal_path("../2.html", HOSTS).as_deref(),
            Some("../2.html")
        );
        assert_eq!(internal_path("https://www.gov.cn/a.html", HOSTS), None);
        assert_eq!(internal_path("mailto:a@b.cn", HOSTS), None);
        assert_eq!(internal_path("#top", HOSTS), None);
    }

    #[test]
    fn reports_only_unpublished_internal_links() {
        let html = r#"<p><a href="/xxgk/1.html">一</a><a href='/xxgk/2.html'>二</a><a href=https://www.gov.cn/x>外</a></p>"#;
        let published = |p: &str| p == "/xxgk/1.html";
        let found = find_unpublished_links(html, Field::BodyHtml, HOSTS, &published);
        assert_eq!(found.len(), 1);
        assert_eq!(&html[found[0].span.clone().unwrap()], "/xxgk/2.html");
        assert!(found[0].message.contains("未发布"));
    }
}
