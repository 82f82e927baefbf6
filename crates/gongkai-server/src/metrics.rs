//! Hand-rolled Prometheus counters (no exporter dependency): requests by method, route
//! template and status.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// route → (method, status) → (count, seconds). Keyed by route first so that counting a
/// request allocates nothing once its route has been seen.
type Counters = BTreeMap<String, BTreeMap<(String, u16), (u64, f64)>>;

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<Counters>,
    page_cache_hits: AtomicU64,
}

impl Metrics {
    pub fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut m) = self.requests.lock() {
            if !m.contains_key(route) {
                m.insert(route.to_owned(), BTreeMap::new());
            }
            let Some(by_route) = m.get_mut(route) else {
                return;
            };
            let e = match by_route
                .iter_mut()
                .find(|((meth, st), _)| meth == method && *st == status)
            {
                Some((_, e)) => e,
                None => by_route
                    .entry((method.to_owned(), status))
                    .or_insert((0, 0.0)),
            };
            e.0 += 1;
            e.1 += seconds;
        }
    }

    /// Counts a public page answered from the page cache.
    pub fn page_cache_hit(&self) {
        self.page_cache_hits.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP gongkai_up Whether the server is running.\n# TYPE gongkai_up gauge\ngongkai_up 1\n");
        out.push_str("# HELP gongkai_http_requests_total HTTP requests answered.\n# TYPE gongkai_http_requests_total counter\n");
        let snapshot: Vec<_> = match self.requests.lock() {
            Ok(m) => m
                .iter()
                .flat_map(|(route, by)| {
                    by.iter()
                        .map(|((method, status), v)| ((method.clone(), route.clone(), *status), *v))
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        for ((method, route, status), (n, _)) in &snapshot {
            let _ = writeln!(
                out,
                "gongkai_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        out.push_str("# HELP gongkai_http_request_duration_seconds_sum Time spent answering.\n# TYPE gongkai_http_request_duration_seconds_sum counter\n");
        for ((method, route, status), (_, secs)) in &snapshot {
            let _ = writeln!(
                out,
                "gongkai_http_request_duration_seconds_sum{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {secs:.6}",
                escape(route)
            );
        }
        let _ = writeln!(
            out,
            "# HELP gongkai_page_cache_hits_total Public pages answered from the page cache.\n\
             # TYPE gongkai_page_cache_hits_total counter\n\
             gongkai_page_cache_hits_total {}",
            self.page_cache_hits.load(Ordering::Relaxed)
        );
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Counts every request under its route template (bounded label set).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let start = Instant::now();
    let resp = next.run(req).await;
    state.metrics.record(
        method.as_str(),
        route.as_ref().map_or("unmatched", MatchedPath::as_str),
        resp.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters() {
        let m = Metrics::default();
        m.record("GET", "/healthz", 200, 0.5);
        m.record("GET", "/healthz", 200, 0.25);
        let text = m.render();
        assert!(text.contains(
            "gongkai_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2"
        ));
        assert!(text.contains("status=\"200\"} 0.750000"));
    }
}
