//! Syndication of the public portal: Atom feeds (RFC 4287) per agency and per column, the
//! sitemap (sitemaps.org protocol, with a sitemap index beyond 50,000 URLs) and robots.txt.
//!
//! Everything is built from published versions only. The XML is written with quick-xml's
//! writer, which escapes every text and attribute value; characters XML 1.0 does not allow
//! are dropped first ([`xml_safe`]).

use super::proactive::load_agency;
use crate::error::AppError;
use crate::{AppState, Config};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use gongkai_proactive::{Catalogue, ColumnKey};
use gongkai_store::portal::{FeedEntry, ItemLocation};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use std::collections::BTreeMap;
use std::io;

/// Entries of a feed.
pub const FEED_ENTRIES: i64 = 50;
/// Characters of an entry's summary.
pub const SUMMARY_CHARS: usize = 140;
/// URLs of one sitemap file (the protocol's limit).
pub const SITEMAP_MAX_URLS: i64 = 50_000;

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// Checks and normalises the configured public address (`https://gk.example.gov.cn`, maybe
/// with a path prefix): scheme http(s), a plain host with an optional port, no query,
/// fragment or credentials; the trailing `/` is removed.
pub fn normalize_base_url(raw: &str) -> Result<String, String> {
    let s = raw.trim().trim_end_matches('/');
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or_else(|| format!("公开网址“{raw}”应以 http:// 或 https:// 开头"))?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if !valid_host(host) {
        return Err(format!(
            "公开网址“{raw}”的主机名无效（只允许字母、数字、点、连字符和端口号）"
        ));
    }
    if !path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._~/".contains(c))
    {
        return Err(format!(
            "公开网址“{raw}”的路径无效（不允许查询参数、锚点或特殊字符）"
        ));
    }
    Ok(s.to_owned())
}

/// A host with an optional port: letters, digits, `.`, `-`, `:` and IPv6 brackets.
fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && !host.starts_with(':')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
}

/// The absolute address of the site: the configured one, else derived from the request's
/// Host header (checked; `localhost` when unusable), https when cookies are marked Secure.
pub fn base_url(config: &Config, headers: &HeaderMap) -> String {
    if let Some(base) = &config.public_base_url {
        return base.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| valid_host(h))
        .unwrap_or("localhost");
    let scheme = if config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// Drops the characters XML 1.0 does not allow (most C0 controls, U+FFFE, U+FFFF).
pub fn xml_safe(s: &str) -> String {
    s.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect()
}

/// RFC 3339 in UTC (`2026-11-27T08:00:00Z`), as Atom and sitemaps want it.
fn rfc3339(secs: i64) -> String {
    DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The first characters of the body as plain text, whitespace collapsed.
pub fn summary(body_html: &str) -> String {
    let text = gongkai_proactive::html::plain_text(body_html);
    let words: Vec<&str> = text.split_whitespace().collect();
    let flat = words.join(" ");
    let mut out: String = flat.chars().take(SUMMARY_CHARS).collect();
    if flat.chars().count() > SUMMARY_CHARS {
        out.push('…');
    }
    out
}

fn xml_error(e: io::Error) -> AppError {
    AppError::Internal(format!("xml: {e}"))
}

fn text_el<W: io::Write>(w: &mut Writer<W>, name: &str, text: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(&xml_safe(text)))?;
    Ok(())
}

fn link_el<W: io::Write>(w: &mut Writer<W>, rel: &str, kind: &str, href: &str) -> io::Result<()> {
    w.create_element("link")
        .with_attribute(("rel", rel))
        .with_attribute(("type", kind))
        .with_attribute(("href", xml_safe(href).as_str()))
        .write_empty()?;
    Ok(())
}

/// What a feed is about.
struct FeedHead {
    /// Absolute URL of the feed itself (also its id).
    self_url: String,
    /// Absolute URL of the page it follows.
    page_url: String,
    title: String,
    author: String,
}

/// An Atom document of published entries, newest first.
fn atom(head: &FeedHead, base: &str, entries: &[FeedEntry]) -> Result<Vec<u8>, io::Error> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    let updated = entries
        .iter()
        .map(|e| e.item.published_at)
        .max()
        .unwrap_or_else(|| Utc::now().timestamp());
    w.create_element("feed")
        .with_attribute(("xmlns", ATOM_NS))
        .with_attribute(("xml:lang", "zh-CN"))
        .write_inner_content(|w| {
            text_el(w, "id", &head.self_url)?;
            text_el(w, "title", &head.title)?;
            text_el(w, "updated", &rfc3339(updated))?;
            w.create_element("author")
                .write_inner_content(|w| text_el(w, "name", &head.author))?;
            link_el(w, "self", "application/atom+xml", &head.self_url)?;
            link_el(w, "alternate", "text/html", &head.page_url)?;
            for e in entries {
                let i = &e.item;
                let url = format!("{base}/portal/{}/items/{}", i.agency_id, i.item_id);
                w.create_element("entry").write_inner_content(|w| {
                    text_el(w, "id", &url)?;
                    text_el(w, "title", &i.title)?;
                    text_el(w, "updated", &rfc3339(i.published_at))?;
                    text_el(w, "published", &rfc3339(i.published_at))?;
                    link_el(w, "alternate", "text/html", &url)?;
                    if let Some(t) = &i.topic {
                        w.create_element("category")
                            .with_attribute(("term", xml_safe(t).as_str()))
                            .write_empty()?;
                    }
                    text_el(w, "summary", &summary(&e.body_html))
                })?;
            }
            Ok(())
        })?;
    Ok(w.into_inner())
}

fn xml_response(content_type: &'static str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        body,
    )
        .into_response()
}

const ATOM_TYPE: &str = "application/atom+xml; charset=utf-8";
const XML_TYPE: &str = "application/xml; charset=utf-8";

/// `/portal/{agency_id}/feed.atom`: the agency's newest published items.
pub async fn agency_feed(
    State(state): State<AppState>,
    Path(agency_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let agency_id: i64 = agency_id.parse().map_err(|_| AppError::NotFound)?;
    let agency = load_agency(&state, agency_id).await?;
    let entries = state
        .store
        .recent_public(agency_id, None, FEED_ENTRIES)
        .await?;
    let base = base_url(&state.config, &headers);
    let head = FeedHead {
        self_url: format!("{base}/portal/{agency_id}/feed.atom"),
        page_url: format!("{base}/portal/{agency_id}/columns"),
        title: format!("{} 主动公开信息", agency.name),
        author: agency.name.clone(),
    };
    let body = atom(&head, &base, &entries).map_err(xml_error)?;
    Ok(xml_response(ATOM_TYPE, body))
}

/// `/portal/{agency_id}/columns/{column}/feed.atom`: one column's newest published items.
pub async fn column_feed(
    State(state): State<AppState>,
    Path((agency_id, column)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let agency_id: i64 = agency_id.parse().map_err(|_| AppError::NotFound)?;
    let agency = load_agency(&state, agency_id).await?;
    let key = ColumnKey::parse(&column).map_err(|_| AppError::NotFound)?;
    let catalogue = state.store.catalogue(agency_id).await?;
    let col = catalogue.get(&key).ok_or(AppError::NotFound)?;
    let entries = state
        .store
        .recent_public(agency_id, Some(&key), FEED_ENTRIES)
        .await?;
    let base = base_url(&state.config, &headers);
    let path = format!("/portal/{agency_id}/columns/{}", key.as_str());
    let head = FeedHead {
        self_url: format!("{base}{path}/feed.atom"),
        page_url: format!("{base}{path}"),
        title: format!("{} - {}", col.name, agency.name),
        author: agency.name.clone(),
    };
    let body = atom(&head, &base, &entries).map_err(xml_error)?;
    Ok(xml_response(ATOM_TYPE, body))
}

/// One URL of a sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SiteUrl {
    path: String,
    lastmod: Option<i64>,
}

/// The portal's pages other than items: home, each agency's page, catalogue and columns, with
/// the time of the newest published item below each.
async fn page_urls(state: &AppState) -> Result<Vec<SiteUrl>, AppError> {
    let agencies = state.store.list_agencies().await?;
    let mut stored: BTreeMap<i64, Vec<(String, Option<i64>)>> = BTreeMap::new();
    for c in state.store.public_column_lastmods().await? {
        stored
            .entry(c.agency_id)
            .or_default()
            .push((c.column_key, c.last_published_at));
    }
    let default: Vec<(String, Option<i64>)> = Catalogue::national_default()
        .columns()
        .iter()
        .map(|c| (c.key.as_str().to_owned(), None))
        .collect();
    let mut urls = vec![SiteUrl {
        path: "/".into(),
        lastmod: None,
    }];
    for a in &agencies {
        let columns = stored.get(&a.id).unwrap_or(&default);
        let newest = columns.iter().filter_map(|(_, t)| *t).max();
        urls.push(SiteUrl {
            path: format!("/portal/{}", a.id),
            lastmod: newest,
        });
        urls.push(SiteUrl {
            path: format!("/portal/{}/columns", a.id),
            lastmod: newest,
        });
        for (key, last) in columns {
            urls.push(SiteUrl {
                path: format!("/portal/{}/columns/{key}", a.id),
                lastmod: *last,
            });
        }
    }
    let newest = urls.iter().filter_map(|u| u.lastmod).max();
    if let Some(home) = urls.first_mut() {
        home.lastmod = newest;
    }
    Ok(urls)
}

/// Which part of the list (pages first, then items) sitemap file `n` (1-based) holds: the
/// range of page URLs, and the offset and count of items.
fn sitemap_slice(pages: i64, items: i64, per_file: i64, n: i64) -> Option<(i64, i64, i64, i64)> {
    let total = pages + items;
    let start = (n - 1).checked_mul(per_file)?;
    if n < 1 || start >= total.max(1) {
        return None;
    }
    let end = (start + per_file).min(total);
    let page_from = start.min(pages);
    let page_to = end.min(pages);
    let item_offset = (start - pages).max(0);
    let item_count = (end - pages).max(0) - item_offset;
    Some((page_from, page_to, item_offset, item_count))
}

/// The number of sitemap files for a list.
fn sitemap_files(total: i64, per_file: i64) -> i64 {
    ((total + per_file - 1) / per_file).max(1)
}

fn urlset(base: &str, pages: &[SiteUrl], items: &[ItemLocation]) -> Result<Vec<u8>, io::Error> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    w.create_element("urlset")
        .with_attribute(("xmlns", SITEMAP_NS))
        .write_inner_content(|w| {
            let url = |w: &mut Writer<Vec<u8>>, path: &str, lastmod: Option<i64>| {
                w.create_element("url").write_inner_content(|w| {
                    text_el(w, "loc", &format!("{base}{path}"))?;
                    if let Some(t) = lastmod {
                        text_el(w, "lastmod", &rfc3339(t))?;
                    }
                    Ok(())
                })?;
                Ok::<(), io::Error>(())
            };
            for p in pages {
                url(w, &p.path, p.lastmod)?;
            }
            for i in items {
                let path = format!("/portal/{}/items/{}", i.agency_id, i.item_id);
                url(w, &path, Some(i.published_at))?;
            }
            Ok(())
        })?;
    Ok(w.into_inner())
}

fn sitemap_index(base: &str, files: i64) -> Result<Vec<u8>, io::Error> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    w.create_element("sitemapindex")
        .with_attribute(("xmlns", SITEMAP_NS))
        .write_inner_content(|w| {
            for n in 1..=files {
                w.create_element("sitemap").write_inner_content(|w| {
                    text_el(w, "loc", &format!("{base}/sitemap-{n}.xml"))
                })?;
            }
            Ok(())
        })?;
    Ok(w.into_inner())
}

/// What the sitemap lists: the portal's pages, then the published items.
struct SitemapPlan {
    pages: Vec<SiteUrl>,
    items: i64,
}

impl SitemapPlan {
    async fn load(state: &AppState) -> Result<Self, AppError> {
        Ok(Self {
            pages: page_urls(state).await?,
            items: state.store.count_public_items().await?,
        })
    }

    fn page_count(&self) -> i64 {
        i64::try_from(self.pages.len()).unwrap_or(i64::MAX)
    }

    fn files(&self) -> i64 {
        sitemap_files(self.page_count() + self.items, SITEMAP_MAX_URLS)
    }

    /// Sitemap file `n` (1-based), `None` beyond the last.
    async fn file(
        &self,
        state: &AppState,
        base: &str,
        n: i64,
    ) -> Result<Option<Vec<u8>>, AppError> {
        let Some((from, to, offset, count)) =
            sitemap_slice(self.page_count(), self.items, SITEMAP_MAX_URLS, n)
        else {
            return Ok(None);
        };
        let locations = if count > 0 {
            state.store.public_item_locations(offset, count).await?
        } else {
            Vec::new()
        };
        let slice = self
            .pages
            .get(usize::try_from(from).unwrap_or(0)..usize::try_from(to).unwrap_or(0))
            .unwrap_or_default();
        urlset(base, slice, &locations).map(Some).map_err(xml_error)
    }
}

/// `/sitemap.xml`: every public page, or the index of the sitemap files when there are more
/// than [`SITEMAP_MAX_URLS`].
pub async fn sitemap(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let base = base_url(&state.config, &headers);
    let plan = SitemapPlan::load(&state).await?;
    let files = plan.files();
    let body = if files > 1 {
        sitemap_index(&base, files).map_err(xml_error)?
    } else {
        plan.file(&state, &base, 1)
            .await?
            .ok_or(AppError::NotFound)?
    };
    Ok(xml_response(XML_TYPE, body))
}

/// `/sitemap-{n}.xml` (a root-level route, as a sitemap may only list URLs below its own
/// folder); any other single-segment path is not found.
pub async fn sitemap_part(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let n: i64 = file
        .strip_prefix("sitemap-")
        .and_then(|f| f.strip_suffix(".xml"))
        .filter(|n| !n.starts_with('0') && n.chars().all(|c| c.is_ascii_digit()))
        .and_then(|n| n.parse().ok())
        .ok_or(AppError::NotFound)?;
    let base = base_url(&state.config, &headers);
    let body = SitemapPlan::load(&state)
        .await?
        .file(&state, &base, n)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(xml_response(XML_TYPE, body))
}

/// `/robots.txt`: the console is off limits; the sitemap is named.
pub async fn robots(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let base = base_url(&state.config, &headers);
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("User-agent: *\nDisallow: /console\n\nSitemap: {base}/sitemap.xml\n"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked() {
        assert_eq!(
            normalize_base_url(" https://gk.example.gov.cn/ ").unwrap(),
            "https://gk.example.gov.cn"
        );
        assert_eq!(
            normalize_base_url("http://10.0.0.1:8080/gongkai").unwrap(),
            "http://10.0.0.1:8080/gongkai"
        );
        for bad in [
            "gk.example.gov.cn",
            "ftp://x",
            "https://",
            "https://a b",
            "https://x/?q=1",
            "https://x/#f",
            "https://user@x",
            "https://x/\"><script>",
        ] {
            assert!(normalize_base_url(bad).is_err(), "{bad}");
        }
        let mut headers = HeaderMap::new();
        let config = Config::with_data_dir("/tmp/x".into());
        headers.insert(
            header::HOST,
            HeaderValue::from_static("portal.example:8080"),
        );
        assert_eq!(base_url(&config, &headers), "http://portal.example:8080");
        headers.insert(header::HOST, HeaderValue::from_static("evil\"<x>"));
        assert_eq!(base_url(&config, &headers), "http://localhost");
        let mut secure = config.clone();
        secure.secure_cookies = true;
        secure.public_base_url = Some("https://gk.example.gov.cn".into());
        assert_eq!(base_url(&secure, &headers), "https://gk.example.gov.cn");
    }

    #[test]
    fn summaries_are_short_plain_text_and_xml_safe() {
        let s = summary("<p>第一段</p>\n<p>第二段<script>x</script></p>");
        assert!(s.starts_with("第一段"), "{s}");
        assert!(!s.contains('<'));
        let long = summary(&format!("<p>{}</p>", "字".repeat(500)));
        assert_eq!(long.chars().count(), SUMMARY_CHARS + 1);
        assert_eq!(xml_safe("a\u{1}b\u{FFFF}\tc"), "ab\tc");
    }

    #[test]
    fn sitemap_files_split_pages_then_items() {
        // small: one file with everything
        assert_eq!(sitemap_files(10, 50_000), 1);
        assert_eq!(sitemap_slice(3, 7, 50_000, 1), Some((0, 3, 0, 7)));
        assert_eq!(sitemap_slice(3, 7, 50_000, 2), None);
        assert_eq!(sitemap_slice(3, 0, 50_000, 1), Some((0, 3, 0, 0)));
        // 3 pages + 7 items, 4 per file: [p0 p1 p2 i0] [i1 i2 i3 i4] [i5 i6]
        assert_eq!(sitemap_files(10, 4), 3);
        assert_eq!(sitemap_slice(3, 7, 4, 1), Some((0, 3, 0, 1)));
        assert_eq!(sitemap_slice(3, 7, 4, 2), Some((3, 3, 1, 4)));
        assert_eq!(sitemap_slice(3, 7, 4, 3), Some((3, 3, 5, 2)));
        assert_eq!(sitemap_slice(3, 7, 4, 4), None);
        assert_eq!(sitemap_slice(3, 7, 4, 0), None);
        assert_eq!(sitemap_slice(3, 7, 4, i64::MAX), None);
        // a million items: 21 files of at most 50,000
        assert_eq!(sitemap_files(1_000_100, 50_000), 21);
        let (_, _, off, n) = sitemap_slice(100, 1_000_000, 50_000, 21).unwrap();
        assert_eq!((off, n), (999_900, 100));
    }

    #[test]
    fn feeds_escape_everything() {
        let entry = FeedEntry {
            item: gongkai_store::portal::PublicItem {
                item_id: 7,
                agency_id: 3,
                index_number: "x".into(),
                column_key: "other".into(),
                title: "<b>标题</b> & \u{1}“引号”".into(),
                publisher: "p".into(),
                document_number: None,
                written_on: None,
                published_on: None,
                topic: Some("a\"b".into()),
                published_at: 1_609_430_400,
            },
            body_html: "<p>正文 &amp; 更多</p>".into(),
        };
        let head = FeedHead {
            self_url: "https://x/portal/3/feed.atom".into(),
            page_url: "https://x/portal/3/columns".into(),
            title: "机关 <主动公开>".into(),
            author: "机关".into(),
        };
        let xml = String::from_utf8(atom(&head, "https://x", &[entry]).unwrap()).unwrap();
        assert!(
            xml.contains("&lt;b&gt;标题&lt;/b&gt; &amp; “引号”"),
            "{xml}"
        );
        assert!(xml.contains("<summary>正文 &amp; 更多</summary>"), "{xml}");
        assert!(xml.contains("<id>https://x/portal/3/items/7</id>"), "{xml}");
        assert!(
            xml.contains("<updated>2020-12-31T16:00:00Z</updated>"),
            "{xml}"
        );
        assert!(xml.contains("term=\"a&quot;b\""), "{xml}");
        assert!(!xml.contains('\u{1}'));
    }
}
