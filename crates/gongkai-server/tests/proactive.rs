//! Proactive disclosure over HTTP, on SQLite always and on PostgreSQL when
//! `GONGKAI_TEST_POSTGRES_URL` is set: the review flow, four eyes, blocking pre-publication
//! checks, and a crawl of the public site that must never show unpublished text.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on setup failure by design

use gongkai_agency::Role;
use gongkai_server::{Config, DatabaseConfig, DemoAccount};
use gongkai_store::{Actor, AuditFilter, NewUser, Store};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};

static SEQ: AtomicU32 = AtomicU32::new(0);
const NEW_PASSWORD: &str = "一个足够长的新密码2026";

fn postgres_url() -> Option<String> {
    std::env::var("GONGKAI_TEST_POSTGRES_URL").ok()
}

fn backends() -> Vec<bool> {
    let mut b = vec![false];
    if postgres_url().is_some() {
        b.push(true);
    }
    eprintln!(
        "backends: sqlite{}",
        if b.len() > 1 { ", postgres" } else { "" }
    );
    b
}

struct TestApp {
    base: String,
    store: Store,
    accounts: Vec<DemoAccount>,
    dept: i64,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    async fn spawn(postgres: bool) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::with_data_dir(dir.path().to_owned());
        if postgres {
            config.database = DatabaseConfig::Postgres {
                url: postgres_url().unwrap(),
                schema: Some(format!(
                    "t_proactive_{}_{}",
                    std::process::id(),
                    SEQ.fetch_add(1, Ordering::SeqCst)
                )),
            };
        }
        config.demo = true;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = gongkai_server::build(config, listener).await.unwrap();
        let base = format!("http://{}", server.local_addr().unwrap());
        let store = server.store().clone();
        let accounts = server.demo_accounts().to_vec();
        let dept = store
            .list_agencies()
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.name == "灵武市审批服务管理局")
            .unwrap()
            .id;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        TestApp {
            base,
            store,
            accounts,
            dept,
            stop: Some(tx),
            task,
            _dir: dir,
        }
    }

    async fn finish(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.task.await.unwrap().unwrap();
        self.store.clone().drop_schema().await.unwrap();
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Signs in a demo account (setting its own password) or a user with a known password.
    async fn sign_in(&self, login: &str) -> Session {
        let password = self
            .accounts
            .iter()
            .find(|a| a.login == login)
            .and_then(|a| a.password.clone())
            .unwrap_or_else(|| NEW_PASSWORD.to_owned());
        let c = Self::client();
        let page = c.get(self.url("/console/login")).send().await.unwrap();
        let csrf = csrf_of(&page.text().await.unwrap());
        let r = c
            .post(self.url("/console/login"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("login", login),
                ("password", password.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {login}");
        let to = r.headers()[LOCATION].to_str().unwrap().to_owned();
        let page = c.get(self.url("/console/password")).send().await.unwrap();
        let csrf = csrf_of(&page.text().await.unwrap());
        if to == "/console/password" {
            let r = c
                .post(self.url("/console/password"))
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("current", password.as_str()),
                    ("new", NEW_PASSWORD),
                    ("confirm", NEW_PASSWORD),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
        }
        Session {
            base: self.base.clone(),
            client: c,
            csrf,
        }
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = Self::client().get(self.url(path)).send().await.unwrap();
        (r.status(), r.text().await.unwrap())
    }
}

struct Session {
    base: String,
    client: reqwest::Client,
    csrf: String,
}

impl Session {
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", self.csrf.as_str())];
        form.extend_from_slice(fields);
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let location = r
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, location, r.text().await.unwrap())
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }

    /// Creates a draft and returns its id.
    async fn create(&self, title: &str, body: &str) -> i64 {
        let (status, location, text) = self
            .post(
                "/console/items",
                &[
                    ("column", "department_documents"),
                    ("title", title),
                    ("document_number", "灵审管发〔2021〕12号"),
                    ("written_on", "2021-03-01"),
                    ("topic", "综合政务"),
                    ("body", body),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "create: {text}");
        location
            .strip_prefix("/console/items/")
            .unwrap()
            .parse()
            .unwrap()
    }

    async fn act(&self, id: i64, action: &str, reason: &str) -> (StatusCode, String) {
        let (status, _, text) = self
            .post(
                &format!("/console/items/{id}/{action}"),
                &[("reason", reason)],
            )
            .await;
        (status, text)
    }
}

fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a csrf field") + marker.len();
    html[start..start + 64].to_owned()
}

/// A resident id number with a valid check character.
fn planted_resident_id() -> String {
    let first17 = "64018119800101123";
    let check = gongkai_proactive::check::resident_id_check_char(first17).unwrap();
    format!("{first17}{check}")
}

/// Every page of the public site reachable from `/` (links to `/` paths, not the console).
async fn crawl(app: &TestApp) -> Vec<(String, String)> {
    let mut seen = BTreeSet::from(["/".to_owned()]);
    let mut queue = VecDeque::from(["/".to_owned()]);
    let mut pages = Vec::new();
    while let Some(path) = queue.pop_front() {
        let (status, body) = app.get(&path).await;
        assert!(!status.is_server_error(), "{path}: {status}");
        for part in body.split("href=\"").skip(1) {
            let href = part.split('"').next().unwrap().replace("&amp;", "&");
            if href.starts_with('/')
                && !href.starts_with("/console")
                && !href.starts_with("/static")
                && seen.len() < 2000
                && seen.insert(href.clone())
            {
                queue.push_back(href);
            }
        }
        pages.push((path, body));
    }
    pages
}

#[tokio::test]
async fn draft_return_publish_withdraw_and_the_public_never_sees_unpublished_text() {
    for postgres in backends() {
        let app = TestApp::spawn(postgres).await;
        let editor = app.sign_in("demo-editor").await;
        let reviewer = app.sign_in("demo-reviewer").await;
        let dept = app.dept;
        let column_path = format!("/portal/{dept}/columns/department_documents");

        // the demo bureau has its thirteen columns
        let (status, columns) = app.get(&format!("/portal/{dept}/columns")).await;
        assert_eq!(status, StatusCode::OK);
        for name in [
            "信息公开年报",
            "部门文件",
            "建设项目环评、水保审批事项",
            "其他",
        ] {
            assert!(columns.contains(name), "{name} missing");
        }

        let title = "关于印发灵武市政务服务事项清单的通知";
        let id = editor
            .create(
                title,
                "<p>第一稿草稿内容DRAFTMARK</p><script>alert(1)</script>",
            )
            .await;
        let item_path = format!("/portal/{dept}/items/{id}");
        assert_eq!(app.get(&item_path).await.0, StatusCode::NOT_FOUND);
        assert!(!app.get(&column_path).await.1.contains(title));

        // submit, return with a reason, edit, resubmit
        assert_eq!(editor.act(id, "submit", "").await.0, StatusCode::SEE_OTHER);
        assert_eq!(app.get(&item_path).await.0, StatusCode::NOT_FOUND);
        let (status, text) = reviewer.act(id, "return", "").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(text.contains("须填写理由"), "{text}");
        assert_eq!(
            reviewer.act(id, "return", "正文须补充办理时限").await.0,
            StatusCode::SEE_OTHER
        );
        let (_, page) = editor.get(&format!("/console/items/{id}")).await;
        assert!(page.contains("退回理由：正文须补充办理时限"), "{page}");
        assert_eq!(app.get(&item_path).await.0, StatusCode::NOT_FOUND);
        let (status, _, _) = editor
            .post(
                &format!("/console/items/{id}"),
                &[
                    ("column", "department_documents"),
                    ("title", title),
                    ("document_number", "灵审管发〔2021〕12号"),
                    ("written_on", "2021-03-01"),
                    ("topic", "综合政务"),
                    (
                        "body",
                        "<p>定稿正文PUBLISHEDMARK，办理时限为5个工作日。</p>",
                    ),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(editor.act(id, "submit", "").await.0, StatusCode::SEE_OTHER);
        assert_eq!(
            reviewer.act(id, "approve", "").await.0,
            StatusCode::SEE_OTHER
        );

        // visible in its column and on its page with the metadata table
        let (status, list) = app.get(&column_path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(list.contains(title), "{list}");
        assert!(list.contains(&format!("/portal/{dept}/items/{id}")));
        let (status, page) = app.get(&item_path).await;
        assert_eq!(status, StatusCode::OK);
        for label in [
            "索引号",
            "发布机构",
            "文号",
            "成文日期",
            "发布日期",
            "主题分类",
        ] {
            assert!(page.contains(label), "{label} missing");
        }
        assert!(page.contains("11640181MB0000002"), "index number: {page}");
        // 索引号 {uscc}/{year}-{seq}: the first of the year (`/` is escaped by the templates)
        assert!(page.contains("-00001"), "index number sequence: {page}");
        assert!(page.contains("灵审管发〔2021〕12号"));
        assert!(page.contains("灵武市审批服务管理局"));
        assert!(page.contains("2021-03-01"));
        assert!(page.contains("PUBLISHEDMARK"));
        assert!(!page.contains("DRAFTMARK"));
        assert!(!page.contains("<script"));

        // every step is in the audit log
        let audit = app
            .store
            .list_audit(&AuditFilter {
                agency_ids: Some(vec![dept]),
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
        for a in [
            "item.create",
            "item.submit",
            "item.return",
            "item.edit",
            "item.publish",
        ] {
            assert!(actions.contains(&a), "{a} not audited: {actions:?}");
        }

        // withdrawn: gone from the column and the page
        assert_eq!(
            reviewer.act(id, "withdraw", "内容已调整").await.0,
            StatusCode::SEE_OTHER
        );
        assert!(!app.get(&column_path).await.1.contains(title));
        assert_eq!(app.get(&item_path).await.0, StatusCode::NOT_FOUND);

        // one more published item, one draft and one pending item; crawl the public site
        let shown = editor
            .create("公开的通知SHOWNMARK", "<p>公开正文</p>")
            .await;
        editor.act(shown, "submit", "").await;
        assert_eq!(
            reviewer.act(shown, "approve", "").await.0,
            StatusCode::SEE_OTHER
        );
        editor
            .create("草稿标题DRAFTONLYMARK", "<p>草稿正文DRAFTONLYMARK</p>")
            .await;
        let pending = editor
            .create("待审标题PENDINGMARK", "<p>待审正文PENDINGMARK</p>")
            .await;
        editor.act(pending, "submit", "").await;
        let pages = crawl(&app).await;
        assert!(pages.len() > 20, "crawled only {} pages", pages.len());
        assert!(pages.iter().any(|(_, b)| b.contains("SHOWNMARK")));
        for (path, body) in &pages {
            for mark in [
                "DRAFTMARK",
                "DRAFTONLYMARK",
                "PENDINGMARK",
                "PUBLISHEDMARK",
                "正文须补充",
                "内容已调整",
            ] {
                assert!(!body.contains(mark), "{mark} on public page {path}");
            }
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn four_eyes_and_blocking_findings() {
    for postgres in backends() {
        let app = TestApp::spawn(postgres).await;
        let editor = app.sign_in("demo-editor").await;
        let reviewer = app.sign_in("demo-reviewer").await;

        // an editor may not review at all
        let id = editor.create("关于某事项的通知", "<p>正文</p>").await;
        editor.act(id, "submit", "").await;
        assert_eq!(editor.act(id, "approve", "").await.0, StatusCode::FORBIDDEN);
        assert_eq!(
            editor.act(id, "return", "不行").await.0,
            StatusCode::FORBIDDEN
        );

        // a reviewer who wrote the version may not approve it
        let own = reviewer.create("审核员自己起草的通知", "<p>正文</p>").await;
        assert_eq!(
            reviewer.act(own, "submit", "").await.0,
            StatusCode::SEE_OTHER
        );
        let (status, text) = reviewer.act(own, "approve", "").await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(text.contains("审核人不能是本版本的作者"), "{text}");
        // another reviewer may
        app.store
            .create_user(
                &NewUser {
                    agency_id: app.dept,
                    login: "second-reviewer".into(),
                    display_name: "第二审核员".into(),
                    role: Role::Reviewer,
                    password_hash: gongkai_server::auth::hash_password(NEW_PASSWORD.into())
                        .await
                        .unwrap(),
                    must_change_password: false,
                },
                &Actor::system(),
            )
            .await
            .unwrap();
        let second = app.sign_in("second-reviewer").await;
        assert_eq!(
            second.act(own, "approve", "").await.0,
            StatusCode::SEE_OTHER
        );

        // a planted resident id number stops the submission with the exact finding
        let rid = planted_resident_id();
        let leaky = editor
            .create(
                "关于某申请人的答复",
                &format!("<p>申请人身份证号{rid}。</p>"),
            )
            .await;
        let (status, text) = editor.act(leaky, "submit", "").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(text.contains("发布前检查发现禁止发布的问题"), "{text}");
        assert!(text.contains("疑似身份证号"), "{text}");
        assert!(
            !text.contains(&rid[6..14]) || text.contains("正文"),
            "{text}"
        );
        let (_, page) = editor.get(&format!("/console/items/{leaky}")).await;
        assert!(page.contains("草稿"), "still a draft");
        assert_eq!(
            app.get(&format!("/portal/{}/items/{leaky}", app.dept))
                .await
                .0,
            StatusCode::NOT_FOUND
        );

        // another agency's staff cannot touch the item
        app.finish().await;
    }
}
