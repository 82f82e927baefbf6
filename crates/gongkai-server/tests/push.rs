//! Push to upper-level platforms (推送) and spot checks (抽查), over HTTP, on SQLite always and
//! on PostgreSQL when `GONGKAI_TEST_POSTGRES_URL` is set: a signed webhook with a retry, the
//! outbox with its Bearer token, and a reproducible sample of published items.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on setup failure by design

mod common;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use chrono::Datelike;
use common::{Session, TestApp, backends};
use gongkai_store::push::DeliveryState;
use gongkai_store::{AuditFilter, Store};
use reqwest::StatusCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The secret shown once on the page after a target is created.
fn secret_of(html: &str) -> String {
    let marker = "id=\"created-secret\" value=\"";
    let start = html.find(marker).expect("page shows the secret") + marker.len();
    html[start..start + 64].to_owned()
}

async fn spawn(postgres: bool) -> TestApp {
    TestApp::spawn_with(postgres, |c| {
        c.push.poll_interval = Duration::from_millis(100);
        c.push.retry_unit = Duration::from_secs(1);
        c.public_base_url = Some("https://gk.example.test".into());
    })
    .await
}

/// The bureau's administrator, editor and reviewer, signed in.
async fn staff(app: &TestApp) -> (Session, Session, Session) {
    (
        app.sign_in("demo-admin").await,
        app.sign_in("demo-editor").await,
        app.sign_in("demo-reviewer").await,
    )
}

/// Drafts, submits and publishes an item (four eyes); returns its id.
async fn publish(editor: &Session, reviewer: &Session, title: &str, body: &str) -> i64 {
    let id = editor.create(title, body).await;
    assert_eq!(editor.act(id, "submit", "").await.0, StatusCode::SEE_OTHER);
    assert_eq!(
        reviewer.act(id, "approve", "").await.0,
        StatusCode::SEE_OTHER
    );
    id
}

async fn create_target(admin: &Session, name: &str, kind: &str, url: &str) -> String {
    let (status, _, page) = admin
        .post(
            "/console/push/targets",
            &[("name", name), ("kind", kind), ("url", url)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("仅显示这一次"), "{page}");
    secret_of(&page)
}

async fn target_id(store: &Store, agency: i64, name: &str) -> i64 {
    store
        .list_push_targets(agency)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == name)
        .unwrap()
        .id
}

#[derive(Clone, Default)]
struct Receiver {
    calls: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
}

/// Answers 500 to the first call and 200 afterwards.
async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mut calls = r.calls.lock().unwrap();
    calls.push((headers, body));
    if calls.len() == 1 {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

async fn start_receiver() -> (String, Receiver) {
    let r = Receiver::default();
    let app = axum::Router::new()
        .route("/receive", axum::routing::post(receive))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/receive", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, r)
}

async fn wait_delivered(store: &Store, agency: i64) -> gongkai_store::push::Delivery {
    for _ in 0..300 {
        let list = store.list_push_deliveries(agency, 10).await.unwrap();
        if let Some(d) = list.first()
            && d.state != DeliveryState::Pending
        {
            return d.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the delivery was not delivered in time");
}

#[tokio::test]
async fn webhook_is_signed_retried_after_a_500_and_delivered_once() {
    for postgres in backends() {
        let app = spawn(postgres).await;
        let dept = app.dept;
        let (url, receiver) = start_receiver().await;
        let (admin, editor, reviewer) = staff(&app).await;

        // a bad address is refused with the field named, nothing written
        let (status, _, page) = admin
            .post(
                "/console/push/targets",
                &[
                    ("name", "自治区平台"),
                    ("kind", "webhook"),
                    ("url", "ftp://x"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("接收地址"), "{page}");
        assert!(page.contains("aria-invalid=\"true\""), "{page}");
        assert!(app.store.list_push_targets(dept).await.unwrap().is_empty());
        // an editor may not manage targets
        let (status, _, _) = editor
            .post(
                "/console/push/targets",
                &[("name", "x"), ("kind", "outbox")],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let secret = create_target(&admin, "自治区政务公开平台", "webhook", &url).await;
        // shown once: not on the page afterwards, not in the audit log
        let (_, page) = admin.get("/console/push").await;
        assert!(page.contains("自治区政务公开平台"));
        assert!(!page.contains(&secret));
        let audit = app
            .store
            .list_audit(&AuditFilter {
                agency_ids: Some(vec![dept]),
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert!(audit.iter().any(|a| a.action == "push_target.create"));
        assert!(
            audit
                .iter()
                .all(|a| !a.after.contains(&secret) && !a.before.contains(&secret))
        );

        // published version 1, then a draft version 2 that must not travel
        let title = "关于公布灵武市政务服务事项目录的通知";
        let id = publish(&editor, &reviewer, title, "<p>已公开正文PUBLISHEDMARK</p>").await;
        let (status, _, _) = editor
            .post(
                &format!("/console/items/{id}"),
                &[
                    ("column", "department_documents"),
                    ("title", "草稿标题DRAFTTITLE"),
                    ("body", "<p>草稿DRAFTMARK</p>"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, page) = editor.get(&format!("/console/items/{id}")).await;
        assert!(page.contains("推送到上级平台"), "push button");

        let (status, location, _) = editor.post(&format!("/console/items/{id}/push"), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, "/console/push");

        let d = wait_delivered(&app.store, dept).await;
        assert_eq!(d.state, DeliveryState::Delivered, "{d:?}");
        assert_eq!(d.attempts, 2);
        assert_eq!(d.item_id, id);
        assert_eq!(d.version, 1);
        let attempts = app.store.list_push_attempts(d.id).await.unwrap();
        assert_eq!(attempts.len(), 2, "{attempts:?}");
        assert_eq!(attempts[0].http_status, Some(500));
        assert_eq!(attempts[1].http_status, Some(200));
        assert!(attempts[1].at > attempts[0].at, "backed off: {attempts:?}");

        let calls = receiver.calls.lock().unwrap().clone();
        assert_eq!(calls.len(), 2);
        for (headers, body) in &calls {
            let sig = headers["x-gongkai-signature"].to_str().unwrap();
            assert!(
                gongkai_proactive::push::verify(secret.as_bytes(), body, sig),
                "signature {sig}"
            );
            assert!(!gongkai_proactive::push::verify(b"wrong", body, sig));
            assert_eq!(
                headers["x-gongkai-delivery"].to_str().unwrap(),
                d.id.to_string()
            );
            assert!(headers.contains_key("x-gongkai-timestamp"));
            assert!(
                headers["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("application/json")
            );
        }
        assert_eq!(calls[0].1, calls[1].1, "a retry sends the same body");
        let text = String::from_utf8(calls[1].1.to_vec()).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["title"], title);
        assert_eq!(json["publisher"], "灵武市审批服务管理局");
        assert_eq!(json["document_number"], "灵审管发〔2021〕12号");
        assert_eq!(json["written_on"], "2021-03-01");
        assert_eq!(json["topic"], "综合政务");
        assert_eq!(json["column"]["name"], "部门文件");
        assert_eq!(
            json["url"],
            format!("https://gk.example.test/portal/{dept}/items/{id}")
        );
        assert!(json["index_number"].as_str().unwrap().contains("-00001"));
        assert!(text.contains("PUBLISHEDMARK"));
        assert!(!text.contains("DRAFTMARK") && !text.contains("DRAFTTITLE"));
        assert!(!text.contains("demo-editor"), "no author in the payload");

        // pushing the same version again queues nothing and audits nothing
        let enqueued = |log: &[gongkai_store::AuditRecord]| {
            log.iter().filter(|a| a.action == "push.enqueue").count()
        };
        let before = app.store.list_audit(&AuditFilter::default()).await.unwrap();
        let (status, _, _) = editor.post(&format!("/console/items/{id}/push"), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.store
                .list_push_deliveries(dept, 10)
                .await
                .unwrap()
                .len(),
            1
        );
        let after = app.store.list_audit(&AuditFilter::default()).await.unwrap();
        assert_eq!(enqueued(&before), 1);
        assert_eq!(enqueued(&after), 1);

        // a delivered delivery cannot be retried
        let (status, _, _) = editor
            .post(&format!("/console/push/deliveries/{}/retry", d.id), &[])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        // counted once for this year
        let year = chrono::Utc::now()
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
            .year();
        assert_eq!(app.store.pushed_items_count(dept, year).await.unwrap(), 1);
        assert_eq!(
            app.store.pushed_items_count(dept, year - 1).await.unwrap(),
            0
        );

        // the console log shows the state and both attempts
        let (status, page) = editor.get("/console/push").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("已送达"), "{page}");
        assert!(
            page.contains("HTTP 500") && page.contains("HTTP 200"),
            "{page}"
        );
        assert!(!page.contains(&secret));

        // a draft cannot be pushed
        let draft = editor.create("未发布的草稿", "<p>x</p>").await;
        let (status, _, _) = editor
            .post(&format!("/console/items/{draft}/push"), &[])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            app.store
                .list_push_deliveries(dept, 10)
                .await
                .unwrap()
                .len(),
            1
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn a_webhook_that_keeps_failing_gives_up_and_can_be_retried_by_hand() {
    for postgres in backends() {
        let app = TestApp::spawn_with(postgres, |c| {
            c.push.poll_interval = Duration::from_millis(100);
            c.push.retry_unit = Duration::from_secs(0);
            c.push.max_attempts = 2;
        })
        .await;
        let dept = app.dept;
        let (admin, editor, reviewer) = staff(&app).await;
        // nobody listens on this port
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/receive", closed.local_addr().unwrap());
        drop(closed);
        create_target(&admin, "市平台", "webhook", &url).await;
        let id = publish(&editor, &reviewer, "失败的推送", "<p>正文</p>").await;
        editor.post(&format!("/console/items/{id}/push"), &[]).await;
        let d = wait_delivered(&app.store, dept).await;
        assert_eq!(d.state, DeliveryState::Failed);
        assert_eq!(d.attempts, 2);
        assert!(
            d.last_error.as_deref().unwrap().contains("无法连接"),
            "{d:?}"
        );
        let (_, page) = editor.get("/console/push").await;
        assert!(
            page.contains("推送失败") && page.contains("重新推送"),
            "{page}"
        );
        let year = chrono::Utc::now().year();
        assert_eq!(app.store.pushed_items_count(dept, year).await.unwrap(), 0);

        // by hand: pending again (then it fails again, the target still being down)
        let (status, _, _) = editor
            .post(&format!("/console/push/deliveries/{}/retry", d.id), &[])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let audit = app.store.list_audit(&AuditFilter::default()).await.unwrap();
        assert!(audit.iter().any(|a| a.action == "push.retry"));
        let d = wait_delivered(&app.store, dept).await;
        assert_eq!(d.state, DeliveryState::Failed);
        assert_eq!(app.store.list_push_attempts(d.id).await.unwrap().len(), 4);
        app.finish().await;
    }
}

#[tokio::test]
async fn outbox_needs_the_token_and_acknowledges_by_cursor() {
    for postgres in backends() {
        let app = spawn(postgres).await;
        let dept = app.dept;
        let (admin, editor, reviewer) = staff(&app).await;
        let secret = create_target(&admin, "银川市政务公开平台", "outbox", "").await;
        let tid = target_id(&app.store, dept, "银川市政务公开平台").await;
        let other_secret = create_target(&admin, "另一个平台", "outbox", "").await;
        let title = "关于调整政务服务窗口工作时间的公告";
        let id = publish(&editor, &reviewer, title, "<p>公告正文OUTBOXMARK</p>").await;
        editor.post(&format!("/console/items/{id}/push"), &[]).await;
        assert_eq!(
            app.store
                .list_push_deliveries(dept, 10)
                .await
                .unwrap()
                .len(),
            2
        );

        let path = format!("/api/v1/push/outbox/{tid}");
        let c = TestApp::client();
        for auth in [
            None,
            Some("Bearer wrong".to_owned()),
            Some(format!("Bearer {other_secret}")),
            Some(secret.clone()),
        ] {
            let mut req = c.get(app.url(&path));
            if let Some(a) = &auth {
                req = req.header("authorization", a);
            }
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
            assert!(r.headers().contains_key("www-authenticate"));
            let body = r.text().await.unwrap();
            assert!(
                !body.contains(title) && !body.contains("OUTBOXMARK"),
                "{body}"
            );
        }

        let get = |after: Option<i64>| {
            let c = c.clone();
            let mut url = app.url(&path);
            if let Some(a) = after {
                url.push_str(&format!("?after={a}"));
            }
            let secret = secret.clone();
            async move {
                let r = c.get(url).bearer_auth(secret).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::OK);
                serde_json::from_str::<serde_json::Value>(&r.text().await.unwrap()).unwrap()
            }
        };
        let page = get(None).await;
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{page}");
        assert_eq!(items[0]["payload"]["title"], title);
        assert!(
            items[0]["payload"]["body_html"]
                .as_str()
                .unwrap()
                .contains("OUTBOXMARK")
        );
        let cursor = page["next_cursor"].as_i64().unwrap();
        assert_eq!(items[0]["cursor"].as_i64().unwrap(), cursor);
        // not acknowledged yet: served again
        assert_eq!(get(Some(0)).await["items"].as_array().unwrap().len(), 1);
        let year = chrono::Utc::now().year();
        assert_eq!(app.store.pushed_items_count(dept, year).await.unwrap(), 0);
        // acknowledged by the cursor
        let page = get(Some(cursor)).await;
        assert!(page["items"].as_array().unwrap().is_empty(), "{page}");
        assert_eq!(page["next_cursor"].as_i64().unwrap(), cursor);
        assert_eq!(app.store.pushed_items_count(dept, year).await.unwrap(), 1);
        let mine: Vec<_> = app
            .store
            .list_push_deliveries(dept, 10)
            .await
            .unwrap()
            .into_iter()
            .filter(|d| d.target_id == tid)
            .collect();
        assert_eq!(mine[0].state, DeliveryState::Delivered);

        // a bad cursor
        let r = c
            .get(app.url(&format!("{path}?after=abc")))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // a disabled target answers 401
        let (status, _, _) = admin
            .post(&format!("/console/push/targets/{tid}/disable"), &[])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let r = c
            .get(app.url(&path))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let audit = app.store.list_audit(&AuditFilter::default()).await.unwrap();
        assert!(audit.iter().any(|a| a.action == "push_target.disable"));
        app.finish().await;
    }
}

/// Issue 4: withdrawing an item cancels its automatic pushes still pending, in the
/// withdrawal's transaction; a delivered one stays delivered, other items are untouched.
#[tokio::test]
async fn withdrawal_cancels_pending_auto_pushes_and_keeps_delivered_ones() {
    for postgres in backends() {
        let app = spawn(postgres).await;
        let dept = app.dept;
        let (admin, editor, reviewer) = staff(&app).await;
        // two platforms that pull, both with “发布后自动推送”
        let mut secrets = Vec::new();
        for name in ["银川市政务公开平台", "自治区政务公开平台"] {
            let (status, _, page) = admin
                .post(
                    "/console/push/targets",
                    &[("name", name), ("kind", "outbox"), ("auto_push", "1")],
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{page}");
            secrets.push(secret_of(&page));
        }
        let pulled = target_id(&app.store, dept, "银川市政务公开平台").await;
        let waiting = target_id(&app.store, dept, "自治区政务公开平台").await;
        let id = publish(&editor, &reviewer, "将被撤回的通知", "<p>WITHDRAWNMARK</p>").await;
        let kept = publish(&editor, &reviewer, "继续公开的通知", "<p>正文</p>").await;
        let deliveries = app.store.list_push_deliveries(dept, 10).await.unwrap();
        assert_eq!(deliveries.len(), 4, "queued on publication: {deliveries:?}");
        assert!(deliveries.iter().all(|d| d.state == DeliveryState::Pending));

        // the first platform takes the item (delivered), the second has not pulled yet
        let c = TestApp::client();
        let outbox = |target: i64, secret: &str, after: i64| {
            c.get(app.url(&format!("/api/v1/push/outbox/{target}?after={after}")))
                .bearer_auth(secret.to_owned())
                .send()
        };
        let cursor = app
            .store
            .list_push_deliveries(dept, 10)
            .await
            .unwrap()
            .iter()
            .find(|d| d.target_id == pulled && d.item_id == id)
            .unwrap()
            .id;
        let r = outbox(pulled, &secrets[0], cursor).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);

        let (status, _) = reviewer.act(id, "withdraw", "内容有误").await;
        assert_eq!(status, StatusCode::SEE_OTHER);

        let list = app.store.list_push_deliveries(dept, 10).await.unwrap();
        let of = |item: i64, target: i64| {
            list.iter()
                .find(|d| d.item_id == item && d.target_id == target)
                .unwrap()
        };
        assert_eq!(of(id, pulled).state, DeliveryState::Delivered);
        let cancelled = of(id, waiting);
        assert_eq!(cancelled.state, DeliveryState::Cancelled, "{cancelled:?}");
        assert_eq!(cancelled.last_error.as_deref(), Some("信息已撤回"));
        assert_eq!(of(kept, waiting).state, DeliveryState::Pending);
        // the platform that had not pulled never gets the withdrawn item
        let r = outbox(waiting, &secrets[1], 0).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let body = r.text().await.unwrap();
        assert!(!body.contains("WITHDRAWNMARK"), "{body}");
        assert!(body.contains("继续公开的通知"), "{body}");

        // the console log says so
        let (status, page) = editor.get("/console/push").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("class=\"delivery-cancelled\">已取消<") && page.contains("信息已撤回"),
            "{page}"
        );
        let audit = app.store.list_audit(&AuditFilter::default()).await.unwrap();
        let cancel: Vec<_> = audit.iter().filter(|a| a.action == "push.cancel").collect();
        assert_eq!(cancel.len(), 1, "{audit:?}");
        assert!(
            cancel[0].before.contains("自治区政务公开平台"),
            "{:?}",
            cancel[0]
        );
        assert!(!cancel[0].before.contains("银川市"), "{:?}", cancel[0]);
        app.finish().await;
    }
}

/// The entry ids of a check page, in order (`id="entry-N"`).
fn entry_ids(html: &str) -> Vec<i64> {
    html.split("<tr id=\"entry-")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn spot_checks_sample_published_items_of_the_period_and_close() {
    for postgres in backends() {
        let app = spawn(postgres).await;
        let dept = app.dept;
        let editor = app.sign_in("demo-editor").await;
        let reviewer = app.sign_in("demo-reviewer").await;
        let mut published = Vec::new();
        for n in 1..=3 {
            published
                .push(publish(&editor, &reviewer, &format!("已发布信息{n}"), "<p>正文</p>").await);
        }
        let draft = editor.create("草稿不应被抽中", "<p>草稿</p>").await;
        let pending = editor.create("待审核不应被抽中", "<p>待审</p>").await;
        editor.act(pending, "submit", "").await;
        let today_s = gongkai_store::proactive::china_date(chrono::Utc::now())
            .format("%Y-%m-%d")
            .to_string();
        let today = today_s.as_str();

        // editors may read but not draw
        let (status, _, _) = editor
            .post(
                "/console/spot-checks",
                &[
                    ("title", "x"),
                    ("period_from", today),
                    ("period_to", today),
                    ("mode", "count"),
                    ("size", "1"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // a period without publications, and a bad size, are refused with the field named
        let (status, _, page) = reviewer
            .post(
                "/console/spot-checks",
                &[
                    ("title", "空期间"),
                    ("period_from", "2000-01-01"),
                    ("period_to", "2000-12-31"),
                    ("mode", "count"),
                    ("size", "3"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("没有已发布的信息"), "{page}");
        let (status, _, page) = reviewer
            .post(
                "/console/spot-checks",
                &[
                    ("title", "比例"),
                    ("period_from", today),
                    ("period_to", today),
                    ("mode", "percent"),
                    ("size", "120"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("抽查比例") && page.contains("aria-invalid=\"true\""),
            "{page}"
        );
        assert!(app.store.list_spot_checks(dept).await.unwrap().is_empty());

        // asking for more than the population gives the population, never a draft
        let (status, location, _) = reviewer
            .post(
                "/console/spot-checks",
                &[
                    ("title", "全部"),
                    ("period_from", today),
                    ("period_to", today),
                    ("mode", "count"),
                    ("size", "10"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, page) = reviewer.get(&location).await;
        assert_eq!(status, StatusCode::OK);
        let mut ids = entry_ids(&page);
        ids.sort();
        assert_eq!(ids, published);
        assert!(!ids.contains(&draft) && !ids.contains(&pending));

        // the same seed draws the same sample
        let draw = |seed: &'static str| {
            let reviewer = &reviewer;
            async move {
                let (status, location, _) = reviewer
                    .post(
                        "/console/spot-checks",
                        &[
                            ("title", "抽两条"),
                            ("period_from", today),
                            ("period_to", today),
                            ("mode", "count"),
                            ("size", "2"),
                            ("seed", seed),
                        ],
                    )
                    .await;
                assert_eq!(status, StatusCode::SEE_OTHER);
                let (_, page) = reviewer.get(&location).await;
                (location, entry_ids(&page), page)
            }
        };
        let (location, a, page) = draw("20260101").await;
        let (_, b, _) = draw("20260101").await;
        assert_eq!(a.len(), 2);
        assert_eq!(a, b);
        assert!(a.iter().all(|i| published.contains(i)));
        assert!(page.contains("20260101"), "the seed is shown");
        let check_id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
        let entries_path = format!("{location}/entries");

        // issue 4: agency administrators and supervisors (the county's, above the bureau)
        // read checks, and only read
        let admin = app.sign_in("demo-admin").await;
        let supervisor = app.sign_in("demo-supervisor").await;
        let (_, reviewer_page) = reviewer.get(&location).await;
        assert!(
            reviewer_page.contains("name=\"finding\""),
            "{reviewer_page}"
        );
        for (who, s) in [("admin", &admin), ("supervisor", &supervisor)] {
            let (status, home) = s.get("/console").await;
            assert_eq!(status, StatusCode::OK, "{who}");
            assert!(
                home.contains("href=\"/console/spot-checks\""),
                "{who}: {home}"
            );
            let (status, list) = s.get("/console/spot-checks").await;
            assert_eq!(status, StatusCode::OK, "{who}");
            assert!(
                list.contains("抽两条") && list.contains("全部"),
                "{who}: {list}"
            );
            assert!(!list.contains("新建抽查"), "{who}: {list}");
            let (status, detail) = s.get(&location).await;
            assert_eq!(status, StatusCode::OK, "{who}");
            assert!(detail.contains("20260101"), "{who}: {detail}");
            assert!(
                !detail.contains("name=\"finding\"") && !detail.contains("结束抽查"),
                "{who}: read-only {detail}"
            );
            assert!(
                !detail.contains("href=\"/console/items/"),
                "{who}: no links to item pages they cannot open"
            );
            let sampled = a[0].to_string();
            let close_path = format!("{location}/close");
            let writes: [(&str, Vec<(&str, &str)>); 3] = [
                (
                    "/console/spot-checks",
                    vec![
                        ("title", "x"),
                        ("period_from", today),
                        ("period_to", today),
                        ("mode", "count"),
                        ("size", "1"),
                    ],
                ),
                (
                    &entries_path,
                    vec![("item_id", &sampled), ("finding", "compliant")],
                ),
                (&close_path, vec![]),
            ];
            for (path, fields) in writes {
                let (status, _, _) = s.post(path, &fields).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{who} {path}");
            }
            assert_eq!(
                s.get("/console/spot-checks/new").await.0,
                StatusCode::FORBIDDEN,
                "{who}"
            );
        }
        let (_, list) = supervisor.get("/console/spot-checks").await;
        assert!(
            list.contains("本机关及下级机关") && list.contains("灵武市审批服务管理局"),
            "the supervisor's list names the agency: {list}"
        );
        let (_, list) = admin.get("/console/spot-checks").await;
        assert!(!list.contains("<th scope=\"col\">机关</th>"), "{list}");
        let (_, entries_now) = app.store.get_spot_check(check_id).await.unwrap().unwrap();
        assert!(
            entries_now.iter().all(|e| e.finding.is_none()),
            "nothing written"
        );

        // a problem needs its description; nothing written
        let first = a[0].to_string();
        let (status, _, page) = reviewer
            .post(
                &entries_path,
                &[("item_id", &first), ("finding", "problem"), ("problem", "")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("问题描述：") && page.contains("aria-invalid=\"true\""),
            "{page}"
        );
        // closing before every entry has a finding is refused
        let (status, _, page) = reviewer.post(&format!("{location}/close"), &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("没有填写检查结论"), "{page}");

        let second = a[1].to_string();
        let (status, _, _) = reviewer
            .post(
                &entries_path,
                &[
                    ("item_id", &first),
                    ("finding", "problem"),
                    ("problem", "文号缺少年份括号"),
                    ("correction", "已更正文号"),
                    ("corrected_on", today),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, _, _) = reviewer
            .post(
                &entries_path,
                &[("item_id", &second), ("finding", "compliant")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, _, _) = reviewer.post(&format!("{location}/close"), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);

        let (check, entries) = app.store.get_spot_check(check_id).await.unwrap().unwrap();
        assert!(check.closed);
        assert_eq!(check.seed, 20_260_101);
        assert_eq!(check.population, 3);
        assert_eq!(entries[0].problem, "文号缺少年份括号");
        assert_eq!(entries[0].correction, "已更正文号");
        let (_, page) = editor.get(&location).await;
        assert!(
            page.contains("已结束") && page.contains("文号缺少年份括号"),
            "{page}"
        );
        assert!(
            !page.contains("name=\"finding\""),
            "closed checks are read-only"
        );

        // closed: read-only
        let (status, _, _) = reviewer
            .post(
                &entries_path,
                &[
                    ("item_id", &second),
                    ("finding", "problem"),
                    ("problem", "x"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (_, entries_after) = app.store.get_spot_check(check_id).await.unwrap().unwrap();
        assert_eq!(entries_after, entries);

        let audit = app.store.list_audit(&AuditFilter::default()).await.unwrap();
        let count = |action: &str| audit.iter().filter(|a| a.action == action).count();
        assert_eq!(count("spot_check.create"), 3);
        assert_eq!(count("spot_check.record"), 2);
        assert_eq!(count("spot_check.close"), 1);
        let (status, list) = editor.get("/console/spot-checks").await;
        assert_eq!(status, StatusCode::OK);
        assert!(list.contains("抽两条") && list.contains("全部"));
        app.finish().await;
    }
}
