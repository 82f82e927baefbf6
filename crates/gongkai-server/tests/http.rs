//! Integration tests: the real server over HTTP on 127.0.0.1:0, on SQLite always and on
//! PostgreSQL when `GONGKAI_TEST_POSTGRES_URL` is set (each app in its own schema, dropped
//! afterwards). No sleeps: the listener is bound before the server starts.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on setup failure by design

mod common;

use common::{NEW_PASSWORD, Session, TestApp, backends, csrf_of};
use gongkai_agency::{AgencyKind, DivisionCode, Role, Uscc};
use gongkai_server::Config;
use gongkai_server::auth::Access;
use gongkai_server::routes::{self, Audience};
use gongkai_store::{Actor, AgencyInput, NewUser, Store};
use reqwest::StatusCode;
use reqwest::header::LOCATION;

#[tokio::test]
async fn demo_serves_health_portal_and_sign_in() {
    for postgres in backends() {
        let app = TestApp::spawn(postgres).await;
        let backend = app.store.backend_name();
        let c = TestApp::client();

        let r = c.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        for h in [
            "content-security-policy",
            "x-content-type-options",
            "referrer-policy",
            "x-frame-options",
        ] {
            assert!(r.headers().contains_key(h), "{h} missing");
        }
        assert_eq!(r.text().await.unwrap(), "ok\n");

        let home = c
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(home.contains("lang=\"zh-CN\""));
        assert!(home.contains("跳到主要内容"));
        for name in [
            "宁夏回族自治区人民政府",
            "灵武市人民政府",
            "灵武市审批服务管理局",
        ] {
            assert!(home.contains(name), "{name} missing on {backend}");
        }
        let agency = app
            .store
            .list_agencies()
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.name == "灵武市审批服务管理局")
            .unwrap();
        let portal = c
            .get(app.url(&format!("/portal/{}", agency.id)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for col in [
            "政府信息公开指南",
            "政府信息公开制度",
            "法定主动公开内容",
            "政府信息公开年报",
            "依申请公开",
        ] {
            assert!(portal.contains(col), "{col}");
        }
        let col = c
            .get(app.url(&format!("/portal/{}/annual-reports", agency.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(col.status(), StatusCode::OK);
        assert!(col.text().await.unwrap().contains("本栏目暂无内容"));
        let missing = c.get(app.url("/portal/999999")).send().await.unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert!(missing.text().await.unwrap().contains("页面不存在"));

        // anonymous console → sign-in page
        let r = c.get(app.url("/console")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], "/console/login");

        // wrong password
        let page = c.get(app.url("/console/login")).send().await.unwrap();
        let cookie = page.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        let csrf = csrf_of(&page.text().await.unwrap());
        let r = c
            .post(app.url("/console/login"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("login", "demo-editor"),
                ("password", "wrong"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.text().await.unwrap().contains("用户名或密码错误"));

        // right password: forced change, then the dashboard
        let pw = app.password_of("demo-editor");
        let Session { client: editor, .. } = app.sign_in_with("demo-editor", &pw).await;
        let dash = editor.get(app.url("/console")).send().await.unwrap();
        assert_eq!(dash.status(), StatusCode::OK);
        let dash = dash.text().await.unwrap();
        assert!(dash.contains("工作台") && dash.contains("灵武市审批服务管理局"));
        // the one-time password no longer works
        let (_, csrf2) = (TestApp::client(), csrf);
        let again = TestApp::client();
        let p = again.get(app.url("/console/login")).send().await.unwrap();
        let csrf3 = csrf_of(&p.text().await.unwrap());
        let r = again
            .post(app.url("/console/login"))
            .form(&[
                ("csrf_token", csrf3.as_str()),
                ("login", "demo-editor"),
                ("password", pw.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{csrf2}");

        let metrics = c
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(metrics.contains(
            "gongkai_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ));

        // audit: the sign-in and password change are recorded
        let log = app.store.list_audit(&Default::default()).await.unwrap();
        assert!(
            log.iter()
                .any(|r| r.action == "session.sign_in" && r.actor_login == "demo-editor")
        );
        assert!(log.iter().any(|r| r.action == "user.change_password"));
        app.finish().await;
    }
}

#[tokio::test]
async fn demo_seeding_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let mut logins = Vec::new();
    for _ in 0..2 {
        let mut config = Config::with_data_dir(dir.path().to_owned());
        config.demo = true;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = gongkai_server::build(config, listener).await.unwrap();
        assert_eq!(server.store().list_agencies().await.unwrap().len(), 7);
        assert_eq!(server.store().list_users(None).await.unwrap().len(), 5);
        assert!(server.demo_accounts().iter().all(|a| a.password.is_some()));
        logins.push(server.demo_accounts().len());
        server.store().close().await;
    }
    assert_eq!(logins, [5, 5]);
}

#[tokio::test]
async fn errors_are_chinese_with_the_right_status() {
    for postgres in backends() {
        let app = TestApp::spawn_with(postgres, |c| c.body_limit = 4096).await;
        let pw = app.password_of("demo-sysadmin");
        let Session {
            client: admin,
            csrf,
            ..
        } = app.sign_in_with("demo-sysadmin", &pw).await;

        // POST without a CSRF token
        let r = admin
            .post(app.url("/console/agencies"))
            .form(&[("name", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(r.text().await.unwrap().contains("安全校验未通过"));

        // oversized body
        let big = "x".repeat(10_000);
        let r = admin
            .post(app.url("/console/agencies"))
            .form(&[("csrf_token", csrf.as_str()), ("name", big.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(r.text().await.unwrap().contains("提交的内容过大"));

        // bad 统一社会信用代码: 422, nothing written
        let before = app.store.list_agencies().await.unwrap().len();
        let audit_before = app
            .store
            .list_audit(&Default::default())
            .await
            .unwrap()
            .len();
        let r = admin
            .post(app.url("/console/agencies"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("name", "测试局"),
                ("uscc", "91350100M000100Y44"),
                ("division_code", "640181"),
                ("kind", "department"),
                ("parent_id", ""),
                ("report_deadline", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.text().await.unwrap();
        assert!(body.contains("校验位错误"), "{body}");
        assert!(body.contains("value=\"测试局\""), "form keeps the input");
        assert_eq!(app.store.list_agencies().await.unwrap().len(), before);
        assert_eq!(
            app.store
                .list_audit(&Default::default())
                .await
                .unwrap()
                .len(),
            audit_before
        );

        // a good one is created and audited
        let uscc = Uscc::with_check_digit("11640181MB0000099").unwrap();
        let r = admin
            .post(app.url("/console/agencies"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("name", "灵武市测试局"),
                ("uscc", uscc.as_str()),
                ("division_code", "640181"),
                ("kind", "department"),
                ("parent_id", ""),
                ("report_deadline", "02-15"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let created = app.store.find_agency_by_uscc(&uscc).await.unwrap().unwrap();
        assert_eq!(created.effective_deadline().label(), "2月15日");
        let csv = admin
            .get(app.url("/console/audit.csv?action=agency.create"))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), StatusCode::OK);
        let csv = csv.text().await.unwrap();
        assert!(csv.contains("灵武市测试局") && csv.contains("demo-sysadmin"));
        // the same columns and filter as XLSX, read back with calamine
        let xlsx = admin
            .get(app.url("/console/audit.xlsx?action=agency.create&actor=demo-sysadmin"))
            .send()
            .await
            .unwrap();
        assert_eq!(xlsx.status(), StatusCode::OK);
        assert!(
            xlsx.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("spreadsheetml")
        );
        let bytes = xlsx.bytes().await.unwrap().to_vec();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        use calamine::Reader;
        let sheet = book.worksheet_range("审计日志").unwrap();
        let rows: Vec<Vec<String>> = sheet
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(
            rows[0],
            [
                "时间",
                "操作人",
                "机关",
                "操作",
                "对象",
                "修改前",
                "修改后",
                "地址"
            ]
        );
        assert_eq!(rows.len(), 2, "only the filtered row: {rows:?}");
        assert_eq!(rows[1][1], "demo-sysadmin");
        assert_eq!(rows[1][2], "灵武市测试局");
        assert_eq!(rows[1][3], "agency.create");
        assert!(rows[1][6].contains("年报截止=2月15日"), "{:?}", rows[1]);

        // expired session: signed out everywhere from another client
        let other = TestApp::client();
        let p = other.get(app.url("/console/login")).send().await.unwrap();
        let c1 = csrf_of(&p.text().await.unwrap());
        let r = other
            .post(app.url("/console/login"))
            .form(&[
                ("csrf_token", c1.as_str()),
                ("login", "demo-sysadmin"),
                ("password", NEW_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let s = other
            .get(app.url("/console/settings"))
            .send()
            .await
            .unwrap();
        let c2 = csrf_of(&s.text().await.unwrap());
        let r = other
            .post(app.url("/console/logout-everywhere"))
            .form(&[("csrf_token", c2.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let r = admin.get(app.url("/console")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], "/console/login?expired=1");
        let page = admin
            .get(app.url("/console/login?expired=1"))
            .send()
            .await
            .unwrap();
        assert!(page.text().await.unwrap().contains("登录已过期"));
        let r = admin
            .post(app.url("/console/agencies"))
            .form(&[("csrf_token", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert!(matches!(
            r.status(),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        ));
        app.finish().await;
    }
}

#[tokio::test]
async fn sign_in_is_throttled_per_account() {
    for postgres in backends() {
        let app = TestApp::spawn(postgres).await;
        let c = TestApp::client();
        let p = c.get(app.url("/console/login")).send().await.unwrap();
        let csrf = csrf_of(&p.text().await.unwrap());
        for _ in 0..5 {
            let r = c
                .post(app.url("/console/login"))
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("login", "demo-admin"),
                    ("password", "nope"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
        let pw = app.password_of("demo-admin");
        let r = c
            .post(app.url("/console/login"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("login", "demo-admin"),
                ("password", pw.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(r.text().await.unwrap().contains("失败次数过多"));
        app.finish().await;
    }
}

/// Tries every route of the table as anonymous, each role, and an administrator of an
/// unrelated agency, and checks the answer against the route's declared access.
#[tokio::test]
async fn every_route_enforces_its_access() {
    for postgres in backends() {
        let app = TestApp::spawn(postgres).await;
        let backend = app.store.backend_name();
        let store = &app.store;
        let agencies = store.list_agencies().await.unwrap();
        let dept = agencies
            .iter()
            .find(|a| a.name == "灵武市审批服务管理局")
            .unwrap();

        // a target user in the department, and an unrelated agency with its own administrator
        let target = store
            .create_user(
                &NewUser {
                    agency_id: dept.id,
                    login: "target-user".into(),
                    display_name: "目标用户".into(),
                    role: Role::Editor,
                    password_hash: "x".into(),
                    must_change_password: true,
                },
                &Actor::system(),
            )
            .await
            .unwrap();
        let elsewhere = store
            .create_agency(
                &AgencyInput {
                    parent_id: None,
                    name: "无关县人民政府".into(),
                    uscc: Uscc::with_check_digit("11150000MB0000001").unwrap(),
                    division_code: DivisionCode::parse("150000").unwrap(),
                    kind: AgencyKind::CountyGovernment,
                    report_deadline: None,
                },
                &Actor::system(),
            )
            .await
            .unwrap();
        store
            .create_user(
                &NewUser {
                    agency_id: elsewhere.id,
                    login: "outsider".into(),
                    display_name: "外机关管理员".into(),
                    role: Role::AgencyAdmin,
                    password_hash: gongkai_server::auth::hash_password("outsider-password".into())
                        .await
                        .unwrap(),
                    must_change_password: false,
                },
                &Actor::system(),
            )
            .await
            .unwrap();

        // a push target of the department (its routes are scoped to the agency that owns it)
        let push_target = store
            .create_push_target(
                dept.id,
                &gongkai_store::push::NewPushTarget {
                    name: "矩阵测试平台".into(),
                    kind: gongkai_store::push::TargetKind::Outbox,
                    url: None,
                    auto_push: false,
                },
                "matrix-test-secret",
                &Actor::system(),
            )
            .await
            .unwrap();

        // a spot check of the department (its routes are scoped to the agency that owns it;
        // the demo bureau's items of 2021 are the population)
        let spot_check = store
            .create_spot_check(
                dept.id,
                &gongkai_store::spot_check::NewSpotCheck {
                    title: "矩阵测试抽查".into(),
                    period_from: chrono::NaiveDate::from_ymd_opt(2021, 1, 1).unwrap(),
                    period_to: chrono::NaiveDate::from_ymd_opt(2021, 12, 31).unwrap(),
                    size: gongkai_proactive::spot_check::SampleSize::Count(2),
                    seed: 7,
                },
                &Actor::system(),
                gongkai_store::now_secs(),
            )
            .await
            .unwrap();

        // principals: (name, role, client, csrf, password once set)
        let mut principals: Vec<(String, Option<Role>, reqwest::Client, String, String)> = vec![(
            "anonymous".into(),
            None,
            TestApp::client(),
            String::new(),
            String::new(),
        )];
        for a in app.accounts.clone() {
            let pw = a.password.clone().unwrap();
            let Session {
                client: c, csrf, ..
            } = app.sign_in_with(&a.login, &pw).await;
            principals.push((a.login.clone(), Some(a.role), c, csrf, NEW_PASSWORD.into()));
        }
        let Session {
            client: c, csrf, ..
        } = app.sign_in_with("outsider", "outsider-password").await;
        principals.push((
            "outsider".into(),
            Some(Role::AgencyAdmin),
            c,
            csrf,
            "outsider-password".into(),
        ));

        // routes that end the session go last
        let mut table = routes::table();
        table.sort_by_key(|r| r.path.contains("logout"));
        let mut checked = 0;
        for (name, role, client, csrf, password) in &principals {
            for route in &table {
                // each sign-out gets a fresh session of its own
                let (client, csrf) = if route.path.contains("logout") && role.is_some() {
                    let s = app.sign_in_with(name, password).await;
                    (s.client, s.csrf)
                } else {
                    (client.clone(), csrf.clone())
                };
                let path = route
                    .path
                    .replace("{agency_id}", &dept.id.to_string())
                    .replace("{column}", "guide")
                    .replace(
                        "{id}",
                        &if route.path.starts_with("/console/users") {
                            target.id
                        } else if route.path.starts_with("/console/push/targets") {
                            push_target.id
                        } else if route.path.starts_with("/console/spot-checks") {
                            spot_check
                        } else {
                            dept.id
                        }
                        .to_string(),
                    )
                    .replace("{target_id}", &push_target.id.to_string());
                let resp = if route.method == reqwest::Method::GET {
                    client.get(app.url(&path)).send().await.unwrap()
                } else {
                    client
                        .post(app.url(&path))
                        .form(&[("csrf_token", csrf.as_str())])
                        .send()
                        .await
                        .unwrap()
                };
                let status = resp.status();
                let location = resp
                    .headers()
                    .get(LOCATION)
                    .map(|l| l.to_str().unwrap().to_owned())
                    .unwrap_or_default();
                let denied = status == StatusCode::FORBIDDEN
                    || status == StatusCode::UNAUTHORIZED
                    || (status == StatusCode::SEE_OTHER
                        && route.method == reqwest::Method::GET
                        && location.starts_with("/console/login")
                        && path != "/console/login");
                let role_allowed = match (route.access, role) {
                    (Access::Public, _) => true,
                    (_, None) => false,
                    (Access::SignedIn | Access::Staff, Some(_)) => true,
                    (Access::Roles(rs), Some(r)) => rs.contains(r),
                };
                // the outsider may not touch the department or its users
                let scoped_out = name == "outsider" && route.path.contains("{id}");
                let expect_allowed = role_allowed && !scoped_out;
                assert!(!status.is_server_error(), "{name} {path}: {status}");
                if route.audience == Audience::Api && route.path.starts_with("/api/v1/push/") {
                    // token-authenticated APIs: a session grants nothing, no token gets 401
                    assert_eq!(status, StatusCode::UNAUTHORIZED, "{name} {path}");
                    checked += 1;
                    continue;
                }
                if route.access == Access::Public && route.method == reqwest::Method::POST {
                    // the sign-in form answers 401/403 for wrong credentials or a missing
                    // pre-session token; that is its job, not an access decision
                    checked += 1;
                    continue;
                }
                assert_eq!(
                    !denied, expect_allowed,
                    "{backend} {name} {} {path}: got {status} {location}",
                    route.method
                );
                if route.audience == Audience::Console
                    && role.is_none()
                    && route.access != Access::Public
                {
                    assert!(!status.is_success(), "anonymous reached {path}");
                }
                checked += 1;
            }
        }
        assert_eq!(checked, principals.len() * table.len());
        eprintln!("{backend}: {checked} route checks");
        app.finish().await;
    }
}

/// The audit entries appended since `after_id`, oldest first.
async fn audit_since(store: &Store, after_id: i64) -> Vec<gongkai_store::AuditRecord> {
    let mut log = store.list_audit(&Default::default()).await.unwrap();
    log.retain(|r| r.id > after_id);
    log.reverse();
    log
}

async fn last_audit_id(store: &Store) -> i64 {
    store
        .list_audit(&Default::default())
        .await
        .unwrap()
        .first()
        .map_or(0, |r| r.id)
}

/// What one write must have left in the audit log.
struct Expect<'a> {
    action: &'a str,
    actor: &'a str,
    agency_id: i64,
    target: &'a str,
    before: &'a str,
    after: &'a str,
}

/// Asserts that exactly the expected entries were appended since `after_id` (in order), each
/// with who, agency, what, when, and a before/after summary containing the given texts (an
/// empty `before` means the entry must have no before-summary: a creation). Returns the id of
/// the last entry.
async fn assert_audited(store: &Store, after_id: i64, expected: &[Expect<'_>]) -> i64 {
    let got = audit_since(store, after_id).await;
    let actions: Vec<&str> = got.iter().map(|r| r.action.as_str()).collect();
    let want: Vec<&str> = expected.iter().map(|e| e.action).collect();
    assert_eq!(actions, want, "audit entries since {after_id}");
    let now = gongkai_store::now_secs();
    for (r, e) in got.iter().zip(expected) {
        let who = store.find_user_by_login(e.actor).await.unwrap().unwrap();
        assert_eq!(r.actor_login, e.actor, "{}", e.action);
        assert_eq!(r.actor_id, Some(who.id), "{}", e.action);
        assert_eq!(r.agency_id, Some(e.agency_id), "{}", e.action);
        assert!(
            (now - 120..=now).contains(&r.at),
            "{}: at {}",
            e.action,
            r.at
        );
        assert_eq!(r.address, "127.0.0.1", "{}", e.action);
        assert!(r.target.contains(e.target), "{}: {}", e.action, r.target);
        if e.before.is_empty() {
            assert!(r.before.is_empty(), "{}: before {}", e.action, r.before);
        } else {
            assert!(
                r.before.contains(e.before),
                "{}: before {}",
                e.action,
                r.before
            );
        }
        assert!(!r.after.is_empty(), "{}: empty after", e.action);
        assert!(r.after.contains(e.after), "{}: after {}", e.action, r.after);
    }
    got.last().map_or(after_id, |r| r.id)
}

/// Issue 3: "the audit log holds every write made by the tests". Every kind of write the
/// console offers is made over HTTP; each must append exactly one entry, and rejected writes
/// (no CSRF token, 422, 413, failed sign-in) must append none.
///
/// Events that count as writes: sign-in (creates a session), sign-out and sign-out everywhere
/// (end sessions), password change and reset, agency create and edit (the agency settings page
/// is the agency edit form), user create, disable and enable. The audit export is a read but is
/// recorded too (who took a copy of the log). Failed sign-ins are NOT audited: they are
/// throttling bookkeeping in `login_failures`, and auditing them would let anonymous clients
/// grow the append-only log without bound.
#[tokio::test]
async fn audit_log_holds_every_console_write() {
    for postgres in backends() {
        let app = TestApp::spawn_with(postgres, |c| c.body_limit = 4096).await;
        let store = &app.store;
        let agencies = store.list_agencies().await.unwrap();
        let root = agencies.iter().find(|a| a.parent_id.is_none()).unwrap().id;
        let dept = agencies
            .iter()
            .find(|a| a.name == "灵武市审批服务管理局")
            .unwrap()
            .id;
        let mut last = last_audit_id(store).await;

        // sign-in + first password change
        let pw = app.password_of("demo-sysadmin");
        let Session {
            client: admin,
            csrf,
            ..
        } = app.sign_in_with("demo-sysadmin", &pw).await;
        last = assert_audited(
            store,
            last,
            &[
                Expect {
                    action: "session.sign_in",
                    actor: "demo-sysadmin",
                    agency_id: root,
                    target: "demo-sysadmin",
                    before: "",
                    after: "登录成功",
                },
                Expect {
                    action: "user.change_password",
                    actor: "demo-sysadmin",
                    agency_id: root,
                    target: "demo-sysadmin",
                    before: "",
                    after: "已修改密码",
                },
            ],
        )
        .await;

        // create an agency
        let uscc = Uscc::with_check_digit("11640181MB0000077").unwrap();
        let fields = |name: &'static str, deadline: &'static str| {
            vec![
                ("csrf_token", csrf.clone()),
                ("name", name.to_owned()),
                ("uscc", uscc.as_str().to_owned()),
                ("division_code", "640181".to_owned()),
                ("kind", "department".to_owned()),
                ("parent_id", dept.to_string()),
                ("report_deadline", deadline.to_owned()),
            ]
        };
        let r = admin
            .post(app.url("/console/agencies"))
            .form(&fields("灵武市审计局", ""))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let created = store.find_agency_by_uscc(&uscc).await.unwrap().unwrap();
        last = assert_audited(
            store,
            last,
            &[Expect {
                action: "agency.create",
                actor: "demo-sysadmin",
                agency_id: created.id,
                target: &created.id.to_string(),
                before: "",
                after: "名称=灵武市审计局",
            }],
        )
        .await;

        // edit it
        let r = admin
            .post(app.url(&format!("/console/agencies/{}", created.id)))
            .form(&fields("灵武市审计局（更名）", "02-20"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        last = assert_audited(
            store,
            last,
            &[Expect {
                action: "agency.update",
                actor: "demo-sysadmin",
                agency_id: created.id,
                target: &created.id.to_string(),
                before: "名称=灵武市审计局；",
                after: "名称=灵武市审计局（更名）",
            }],
        )
        .await;

        // create a user
        let r = admin
            .post(app.url("/console/users"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("login", "audit-probe"),
                ("display_name", "审计探针"),
                ("role", "editor"),
                ("agency_id", &created.id.to_string()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let probe = store
            .find_user_by_login("audit-probe")
            .await
            .unwrap()
            .unwrap();
        last = assert_audited(
            store,
            last,
            &[Expect {
                action: "user.create",
                actor: "demo-sysadmin",
                agency_id: created.id,
                target: "audit-probe",
                before: "",
                after: "账号=audit-probe",
            }],
        )
        .await;

        // reset its password, disable, enable
        for (path, action, before, after) in [
            ("reset-password", "user.reset_password", "", "一次性密码"),
            ("disable", "user.disable", "停用=否", "停用=是"),
            ("enable", "user.enable", "停用=是", "停用=否"),
        ] {
            let r = admin
                .post(app.url(&format!("/console/users/{}/{path}", probe.id)))
                .form(&[("csrf_token", csrf.as_str())])
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success() || r.status().is_redirection());
            last = assert_audited(
                store,
                last,
                &[Expect {
                    action,
                    actor: "demo-sysadmin",
                    agency_id: created.id,
                    target: "audit-probe",
                    before,
                    after,
                }],
            )
            .await;
        }

        // settings: an agency administrator changes the own agency's report deadline
        let apw = app.password_of("demo-admin");
        let Session {
            client: agency_admin,
            csrf: acsrf,
            ..
        } = app.sign_in_with("demo-admin", &apw).await;
        last = assert_audited(
            store,
            last,
            &[
                Expect {
                    action: "session.sign_in",
                    actor: "demo-admin",
                    agency_id: dept,
                    target: "demo-admin",
                    before: "",
                    after: "登录成功",
                },
                Expect {
                    action: "user.change_password",
                    actor: "demo-admin",
                    agency_id: dept,
                    target: "demo-admin",
                    before: "",
                    after: "已修改密码",
                },
            ],
        )
        .await;
        let settings = agency_admin
            .get(app.url("/console/settings"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(settings.contains(&format!("/console/agencies/{dept}")));
        let own = store.get_agency(dept).await.unwrap().unwrap();
        let r = agency_admin
            .post(app.url(&format!("/console/agencies/{dept}")))
            .form(&[
                ("csrf_token", acsrf.as_str()),
                ("name", own.name.as_str()),
                ("uscc", own.uscc.as_str()),
                ("division_code", own.division_code.as_str()),
                ("kind", own.kind.key()),
                ("parent_id", &own.parent_id.unwrap().to_string()),
                ("report_deadline", "03-01"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        last = assert_audited(
            store,
            last,
            &[Expect {
                action: "agency.update",
                actor: "demo-admin",
                agency_id: dept,
                target: &dept.to_string(),
                before: "年报截止=默认",
                after: "年报截止=3月1日",
            }],
        )
        .await;

        // rejected writes append nothing
        let before_rejects = last;
        let no_csrf = admin
            .post(app.url("/console/users"))
            .form(&[
                ("login", "nocsrf"),
                ("display_name", "x"),
                ("role", "editor"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(no_csrf.status(), StatusCode::FORBIDDEN);
        let wrong_csrf = admin
            .post(app.url(&format!("/console/users/{}/disable", probe.id)))
            .form(&[("csrf_token", acsrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(wrong_csrf.status(), StatusCode::FORBIDDEN);
        let invalid = admin
            .post(app.url(&format!("/console/agencies/{}", created.id)))
            .form(&fields("", "13-40"))
            .send()
            .await
            .unwrap();
        assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let bad_password = admin
            .post(app.url("/console/password"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("current", "不是当前密码"),
                ("new", "另一个足够长的密码"),
                ("confirm", "另一个足够长的密码"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(bad_password.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let big = "x".repeat(10_000);
        let too_large = admin
            .post(app.url("/console/users"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("display_name", big.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let anon = TestApp::client();
        let p = anon.get(app.url("/console/login")).send().await.unwrap();
        let c0 = csrf_of(&p.text().await.unwrap());
        let failed = anon
            .post(app.url("/console/login"))
            .form(&[
                ("csrf_token", c0.as_str()),
                ("login", "demo-editor"),
                ("password", "wrong"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
        assert_audited(store, before_rejects, &[]).await;
        assert!(store.find_user_by_login("nocsrf").await.unwrap().is_none());
        assert!(!store.get_user(probe.id).await.unwrap().unwrap().disabled);

        // export of the log (a read, recorded), sign-out, sign-out everywhere
        let csv = admin
            .get(app.url("/console/audit.csv"))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), StatusCode::OK);
        let r = agency_admin
            .post(app.url("/console/logout"))
            .form(&[("csrf_token", acsrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let r = admin
            .post(app.url("/console/logout-everywhere"))
            .form(&[("csrf_token", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_audited(
            store,
            last,
            &[
                Expect {
                    action: "audit.export",
                    actor: "demo-sysadmin",
                    agency_id: root,
                    target: "审计日志",
                    before: "",
                    after: "导出",
                },
                Expect {
                    action: "session.sign_out",
                    actor: "demo-admin",
                    agency_id: dept,
                    target: "demo-admin",
                    before: "1 个会话",
                    after: "已退出登录",
                },
                Expect {
                    action: "session.sign_out_everywhere",
                    actor: "demo-sysadmin",
                    agency_id: root,
                    target: "demo-sysadmin",
                    before: "1 个会话",
                    after: "0 个会话",
                },
            ],
        )
        .await;
        app.finish().await;
    }
}

fn sessions_json(doc: &serde_json::Value) -> String {
    doc["tables"]["sessions"].to_string()
}

/// The database keeps only hashes of session tokens; expired sessions and old failed sign-ins
/// are purged at sign-in and by the server's maintenance timer, which stops on shutdown.
#[tokio::test]
async fn session_tokens_are_hashed_and_stale_rows_purged() {
    for postgres in backends() {
        let app = TestApp::spawn_with(postgres, |c| {
            c.maintenance_interval = std::time::Duration::from_millis(1)
        })
        .await;
        let backend = app.store.backend_name();
        let store = &app.store;
        let c = TestApp::client();
        let p = c.get(app.url("/console/login")).send().await.unwrap();
        let csrf = csrf_of(&p.text().await.unwrap());
        let pw = app.password_of("demo-editor");
        let r = c
            .post(app.url("/console/login"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("login", "demo-editor"),
                ("password", pw.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let token = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.strip_prefix("gongkai_session="))
            .and_then(|v| v.split(';').next())
            .unwrap()
            .to_owned();
        assert_eq!(token.len(), 64);
        let stored = sessions_json(&store.export_logical().await.unwrap());
        assert!(!stored.contains(&token), "the token itself is not stored");
        assert!(stored.contains(&gongkai_store::token_hash(&token)));
        // the stored hash, presented as a cookie, is no session
        let thief = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = thief
            .get(app.url("/console/password"))
            .header(
                "cookie",
                format!("gongkai_session={}", gongkai_store::token_hash(&token)),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()[LOCATION], "/console/login?expired=1");
        let r = c.get(app.url("/console/password")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "the real token works");

        // stale rows: an expired session and a failure from before the throttle window
        let editor = store
            .find_user_by_login("demo-editor")
            .await
            .unwrap()
            .unwrap();
        let now = gongkai_store::now_secs();
        let plant = || async {
            store
                .create_session(&gongkai_store::Session {
                    token: "expired-token".into(),
                    user_id: editor.id,
                    csrf_token: "c".into(),
                    created_at: now - 100,
                    expires_at: now - 1,
                })
                .await
                .unwrap();
            store
                .record_login_failure("account:someone", now - 24 * 3600)
                .await
                .unwrap();
        };
        let stale_left = || async {
            let doc = store.export_logical().await.unwrap();
            let s = sessions_json(&doc);
            let failures = doc["tables"]["login_failures"].as_array().unwrap().len();
            (
                s.contains(&gongkai_store::token_hash("expired-token")),
                failures,
            )
        };
        // purged by the timer (the 1 ms interval is clamped to 1 s)
        plant().await;
        let mut purged = false;
        for _ in 0..100 {
            if stale_left().await == (false, 0) {
                purged = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(purged, "{backend}: the maintenance timer purged");
        // purged at sign-in
        plant().await;
        assert_eq!(stale_left().await, (true, 1));
        app.sign_in_with("demo-editor", &pw).await;
        // (the timer may have run too; either way nothing stale is left)
        assert_eq!(stale_left().await, (false, 0));
        // finish() waits for the server, and so for the timer task, to stop
        app.finish().await;
    }
}

/// A rejected new user re-renders the user page (422) with a Chinese error beside each bad
/// field and the input kept; a taken login is a 409 on the login field. Nothing is written.
#[tokio::test]
async fn user_form_shows_field_errors() {
    for postgres in backends() {
        let app = TestApp::spawn(postgres).await;
        let pw = app.password_of("demo-admin");
        let Session {
            client: admin,
            csrf,
            ..
        } = app.sign_in_with("demo-admin", &pw).await;
        let dept = app
            .store
            .find_user_by_login("demo-admin")
            .await
            .unwrap()
            .unwrap()
            .agency_id;
        let users_before = app.store.list_users(None).await.unwrap().len();
        let audit_before = last_audit_id(&app.store).await;
        let r = admin
            .post(app.url("/console/users"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("login", "A b"),
                ("display_name", "  "),
                ("role", "reviewer"),
                ("agency_id", &dept.to_string()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.text().await.unwrap();
        assert!(body.contains("id=\"login-error\""), "{body}");
        assert!(body.contains("登录名须为 3–32 位小写字母"));
        assert!(body.contains("id=\"display_name-error\""));
        assert!(body.contains("请填写姓名"));
        assert!(!body.contains("id=\"role-error\""));
        assert!(body.contains("value=\"A b\""), "input kept");
        assert!(body.contains("value=\"reviewer\" selected"));
        assert!(body.contains("用户列表"), "the page, not an error page");

        let r = admin
            .post(app.url("/console/users"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("login", "demo-editor"),
                ("display_name", "重名"),
                ("role", "editor"),
                ("agency_id", &dept.to_string()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let body = r.text().await.unwrap();
        assert!(body.contains("id=\"login-error\"") && body.contains("该登录名已被使用"));
        assert_eq!(
            app.store.list_users(None).await.unwrap().len(),
            users_before
        );
        assert_audited(&app.store, audit_before, &[]).await;
        app.finish().await;
    }
}
