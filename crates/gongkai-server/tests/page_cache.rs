//! The page cache of public pages: a page is built once and then answered from memory, answers
//! that could be personal never enter it, and any change — made on this node, or on another node
//! or by the CLI on the same database — reaches the public at once (this node) or within the
//! poll interval (other nodes). On SQLite always, on PostgreSQL when configured.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, backends};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

async fn cache_hits(app: &TestApp) -> u64 {
    let (_, metrics) = app.get("/metrics").await;
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("gongkai_page_cache_hits_total "))
        .and_then(|n| n.trim().parse().ok())
        .expect("page cache counter in /metrics")
}

#[tokio::test]
async fn public_pages_are_cached_until_anything_public_changes_on_any_node() {
    for postgres in backends() {
        let poll = |c: &mut gongkai_server::Config| c.page_cache_poll = Duration::from_millis(100);
        let a = TestApp::spawn_with(postgres, poll).await;
        let b = a.spawn_node(poll).await;
        let editor = a.sign_in("demo-editor").await;
        let reviewer = a.sign_in("demo-reviewer").await;
        let dept = a.dept;
        let column = format!("/portal/{dept}/columns/department_documents");

        let title = "关于缓存验证的通知CACHEMARK";
        let id = editor.create(title, "<p>缓存验证正文</p>").await;
        assert_eq!(editor.act(id, "submit", "").await.0, StatusCode::SEE_OTHER);
        assert_eq!(
            reviewer.act(id, "approve", "").await.0,
            StatusCode::SEE_OTHER
        );
        let item = format!("/portal/{dept}/items/{id}");

        // built once, then from memory (same bytes). First let the poll see the database
        // counter the approval moved: it drops this node's pages once more (harmless, but it
        // would turn the second request below into a miss).
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let before = cache_hits(&a).await;
        let first = a.get(&column).await;
        let second = a.get(&column).await;
        assert_eq!(first, second);
        assert!(first.1.contains(title), "published item listed");
        assert_eq!(cache_hits(&a).await, before + 1);
        // a request with a cookie (a signed-in member of staff) is never answered from it
        let (status, _) = editor.get(&column).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(cache_hits(&a).await, before + 1);
        // search is not cached
        a.get("/search?q=%E7%BC%93%E5%AD%98").await;
        a.get("/search?q=%E7%BC%93%E5%AD%98").await;
        assert_eq!(cache_hits(&a).await, before + 1);

        // the Host is part of the key: a feed built for one Host is not served to another
        let feed = format!("/portal/{dept}/feed.atom");
        for host in [
            "one.example.gov.cn",
            "two.example.gov.cn",
            "one.example.gov.cn",
        ] {
            let body = TestApp::client()
                .get(a.url(&feed))
                .header(reqwest::header::HOST, host)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(body.contains(host), "feed for {host} links to its own host");
            let other = if host.starts_with("one") {
                "two"
            } else {
                "one"
            };
            assert!(!body.contains(&format!("{other}.example")), "{body}");
        }

        // node B caches the item page too
        assert_eq!(b.get(&item).await.0, StatusCode::OK);
        assert_eq!(b.get(&item).await.0, StatusCode::OK);

        // withdrawn on node A: gone from A's pages at once …
        assert_eq!(
            reviewer.act(id, "withdraw", "缓存验证").await.0,
            StatusCode::SEE_OTHER
        );
        assert_eq!(a.get(&item).await.0, StatusCode::NOT_FOUND);
        assert!(!a.get(&column).await.1.contains(title));
        // … and from B's within its poll interval
        let started = Instant::now();
        loop {
            let gone = b.get(&item).await.0 == StatusCode::NOT_FOUND
                && !b.get(&column).await.1.contains(title);
            if gone {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "node B still shows the withdrawn item after 5 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        // a change straight in the database (as the CLI makes) reaches both nodes
        let renamed = "重命名后的机关名称RENAMEMARK";
        let agency = a.store.get_agency(dept).await.unwrap().unwrap();
        assert!(!a.get(&column).await.1.contains(renamed));
        let input = gongkai_store::AgencyInput {
            parent_id: agency.parent_id,
            name: renamed.into(),
            uscc: agency.uscc.clone(),
            division_code: agency.division_code.clone(),
            kind: agency.kind,
            report_deadline: agency.report_deadline,
        };
        let cli = gongkai_store::Actor {
            user_id: None,
            login: "cli".into(),
            address: String::new(),
        };
        a.store.update_agency(dept, &input, &cli).await.unwrap();
        let started = Instant::now();
        while !(a.get(&column).await.1.contains(renamed)
            && b.get(&column).await.1.contains(renamed))
        {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "rename not seen after 5 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        b.finish().await;
        a.finish().await;
    }
}
