//! A cache of rendered public pages, so that a portal page read a thousand times is built once.
//!
//! What is cached: `GET` answers `200 OK` of the public routes the route table marks cacheable
//! (portal pages, feeds, sitemap, the public JSON read API — not search, not attachment
//! downloads), asked without any cookie or `Authorization` and answered without `Set-Cookie`, with a body of known
//! size up to [`MAX_BODY`]. Anything personal (a signed-in staff member, a form with a CSRF
//! token) therefore never enters it. Keys are the `Host` header and the path and query as sent.
//!
//! When it is dropped: every entry carries the *generation* it was rendered in and is used only
//! while the generation is unchanged. The generation moves
//! - on this node after every write request (`POST` …) it carried out, before the answer leaves,
//!   so a member of staff who publishes sees the portal change at once;
//! - after the publication scheduler released something;
//! - when the database's own counter moves (`portal_generation`, bumped by triggers on agencies,
//!   catalogue columns, items and versions): polled every [`Config::page_cache_poll`], it carries
//!   changes made through another node or by the CLI to this node within that interval.
//!
//! [`Config::page_cache_poll`]: crate::Config::page_cache_poll

use crate::AppState;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use gongkai_proactive::ColumnKey;
use gongkai_store::Store;
use gongkai_store::portal::Facets;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Largest body kept (bigger pages are rendered every time).
pub const MAX_BODY: u64 = 1024 * 1024;

/// A rendered answer.
struct Page {
    generation: u64,
    /// The handler's headers (content type, feed or API headers), without `Content-Length`.
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Clone)]
struct PageWeighter;

impl quick_cache::Weighter<String, Arc<Page>> for PageWeighter {
    fn weight(&self, key: &String, page: &Arc<Page>) -> u64 {
        (key.len() + page.body.len() + 64) as u64
    }
}

/// The cache and its generation counter; one per node, in the application state.
pub struct PageCache {
    generation: AtomicU64,
    entries: Option<quick_cache::sync::Cache<String, Arc<Page>, PageWeighter>>,
    /// Filter options of column lists (agency, column) → (generation, facets): the costliest
    /// part of a column page when the page itself is not cached (a new filter, a new page).
    facets: quick_cache::sync::Cache<(i64, String), (u64, Arc<Facets>)>,
}

impl PageCache {
    /// A cache holding up to `capacity_bytes` of pages (`0`: no cache, every page rendered).
    pub fn new(capacity_bytes: u64) -> Self {
        let entries = (capacity_bytes > 0).then(|| {
            // quick_cache wants an estimate of the number of entries: pages are ~10 KB
            let estimated = usize::try_from(capacity_bytes / 10_000)
                .unwrap_or(1)
                .max(16);
            quick_cache::sync::Cache::with_weighter(estimated, capacity_bytes, PageWeighter)
        });
        Self {
            generation: AtomicU64::new(0),
            entries,
            facets: quick_cache::sync::Cache::new(if capacity_bytes > 0 { 4096 } else { 1 }),
        }
    }

    /// A column's filter options, from memory while nothing public has changed.
    pub async fn facets(
        &self,
        store: &Store,
        agency_id: i64,
        column: &ColumnKey,
    ) -> gongkai_store::Result<Arc<Facets>> {
        let key = (agency_id, column.as_str().to_owned());
        let generation = self.generation();
        if self.entries.is_some()
            && let Some((g, f)) = self.facets.get(&key)
            && g == generation
        {
            return Ok(f);
        }
        let f = Arc::new(store.public_facets(agency_id, column).await?);
        if self.entries.is_some() {
            self.facets.insert(key, (generation, f.clone()));
        }
        Ok(f)
    }

    /// The current generation.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Makes every cached page stale.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Number of pages held (stale ones included until replaced or evicted).
    pub fn len(&self) -> usize {
        self.entries.as_ref().map_or(0, |c| c.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn get(&self, key: &str) -> Option<Arc<Page>> {
        let page = self.entries.as_ref()?.get(key)?;
        (page.generation == self.generation()).then_some(page)
    }

    fn put(&self, key: String, page: Page) {
        if let Some(c) = &self.entries {
            c.insert(key, Arc::new(page));
        }
    }
}

fn response_of(page: &Page) -> Response {
    let mut resp = Response::new(Body::from(page.body.clone()));
    *resp.headers_mut() = page.headers.clone();
    resp
}

/// Whether an answer may be kept: `200`, no cookie set, not marked private, known small size.
fn keepable(resp: &Response) -> bool {
    let h: &HeaderMap = resp.headers();
    let private = h
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("no-store") || v.contains("private"));
    resp.status() == StatusCode::OK
        && !h.contains_key(header::SET_COOKIE)
        && !private
        && resp
            .body()
            .size_hint()
            .exact()
            .is_some_and(|n| n <= MAX_BODY)
}

/// Route layer of the cacheable public routes: answers from the cache, or renders and keeps.
pub async fn serve(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cache = &state.page_cache;
    let personal = [header::COOKIE, header::AUTHORIZATION]
        .iter()
        .any(|h| req.headers().contains_key(h));
    if req.method() != Method::GET || personal {
        return next.run(req).await;
    }
    // the Host is part of the key: without a configured public address, feeds and sitemaps
    // write absolute links from it, and one client's Host must not reach another's answer
    let host = req
        .headers()
        .get(header::HOST)
        .map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned())
        .unwrap_or_default();
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path(), |p| p.as_str());
    let key = format!("{host}\u{0}{path}");
    if let Some(page) = cache.get(&key) {
        state.metrics.page_cache_hit();
        return response_of(&page);
    }
    // read before rendering: a change while rendering leaves the entry stale, not wrong
    let generation = cache.generation();
    let resp = next.run(req).await;
    if !keepable(&resp) {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY as usize).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let mut headers = parts.headers.clone();
    headers.remove(header::CONTENT_LENGTH);
    cache.put(
        key,
        Page {
            generation,
            headers,
            body: bytes.clone(),
        },
    );
    Response::from_parts(parts, Body::from(bytes))
}

/// Global layer: a write request this node carried out makes cached pages stale before the
/// answer leaves. Refused writes (CSRF, 403, 422, 429 …) change nothing and keep the cache, so
/// that nobody can empty it by sending bad forms.
pub async fn invalidate_on_write(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let resp = next.run(req).await;
    let done = resp.status().is_success() || resp.status().is_redirection();
    if write && done {
        state.page_cache.invalidate();
    }
    resp
}

/// Background task: follows the database's portal generation, so that changes made through
/// other nodes or the CLI reach this node's cache.
pub async fn follow_database(
    state: AppState,
    every: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut seen: Option<i64> = None;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => match state.store.portal_generation().await {
                Ok(n) => {
                    if seen.is_some_and(|s| s != n) {
                        state.page_cache.invalidate();
                    }
                    seen = Some(n);
                }
                Err(e) => {
                    // unknown state of the database: do not serve what may be stale
                    state.page_cache.invalidate();
                    tracing::warn!(error = %e, "reading the portal generation failed");
                }
            },
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn page(generation: u64, body: &'static str) -> Page {
        Page {
            generation,
            headers: HeaderMap::new(),
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    #[test]
    fn entries_of_an_older_generation_are_not_served() {
        let c = PageCache::new(1 << 20);
        c.put("/a".into(), page(c.generation(), "one"));
        assert_eq!(
            c.get("/a").map(|p| p.body.clone()),
            Some(Bytes::from("one"))
        );
        c.invalidate();
        assert!(c.get("/a").is_none());
        c.put("/a".into(), page(c.generation(), "two"));
        assert_eq!(
            c.get("/a").map(|p| p.body.clone()),
            Some(Bytes::from("two"))
        );
    }

    #[test]
    fn a_zero_capacity_cache_keeps_nothing() {
        let c = PageCache::new(0);
        c.put("/a".into(), page(0, "one"));
        assert!(c.get("/a").is_none());
        assert!(c.is_empty());
    }

    #[test]
    fn only_plain_ok_answers_of_known_size_are_kept() {
        let ok = Response::new(Body::from("x"));
        assert!(keepable(&ok));
        let mut cookie = Response::new(Body::from("x"));
        cookie
            .headers_mut()
            .insert(header::SET_COOKIE, HeaderValue::from_static("a=b"));
        assert!(!keepable(&cookie));
        let mut private = Response::new(Body::from("x"));
        private
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
        assert!(!keepable(&private));
        let mut missing = Response::new(Body::from("x"));
        *missing.status_mut() = StatusCode::NOT_FOUND;
        assert!(!keepable(&missing));
        let big = Response::new(Body::from(vec![b'x'; MAX_BODY as usize + 1]));
        assert!(!keepable(&big));
    }
}
