//! The test harness shared by the server's integration tests: a real server on a loopback port
//! over SQLite (always) or PostgreSQL (when `GONGKAI_TEST_POSTGRES_URL` is set), demo accounts,
//! signed-in HTTP sessions with their CSRF token, and a crawler of the public site.

#![allow(dead_code)] // each test file uses a different part of the harness
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on setup failure by design

use gongkai_server::{Config, DatabaseConfig, DemoAccount};
use gongkai_store::Store;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};

pub static SEQ: AtomicU32 = AtomicU32::new(0);
pub const NEW_PASSWORD: &str = "一个足够长的新密码2026";

pub fn postgres_url() -> Option<String> {
    std::env::var("GONGKAI_TEST_POSTGRES_URL").ok()
}

pub fn backends() -> Vec<bool> {
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

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub accounts: Vec<DemoAccount>,
    pub dept: i64,
    /// Where this node's database is (a second node can be started on it).
    pub database: DatabaseConfig,
    /// Whether this node created the database (and drops a PostgreSQL schema when finished).
    owns_database: bool,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn(postgres: bool) -> TestApp {
        Self::spawn_with(postgres, |_| {}).await
    }

    /// Starts a demo server, letting `tweak` adjust the configuration first.
    pub async fn spawn_with(postgres: bool, tweak: impl FnOnce(&mut Config)) -> TestApp {
        // Server logs on stderr when asked for (`RUST_LOG=warn cargo test …`).
        if std::env::var_os("RUST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
                .with_test_writer()
                .try_init();
        }
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
        let own_database = config.database.clone();
        tweak(&mut config);
        let owns_database = matches!(
            (&config.database, &own_database),
            (DatabaseConfig::Sqlite { path: a }, DatabaseConfig::Sqlite { path: b }) if a == b
        ) || matches!(
            (&config.database, &own_database),
            (DatabaseConfig::Postgres { schema: a, .. }, DatabaseConfig::Postgres { schema: b, .. }) if a == b
        );
        let database = config.database.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = gongkai_server::build(config, listener)
            .await
            .unwrap_or_else(|e| {
                let backend = if postgres { "postgres" } else { "sqlite" };
                panic!("server on {backend} did not start: {e}")
            });
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
            database,
            owns_database,
            stop: Some(tx),
            task,
            _dir: dir,
        }
    }

    pub async fn finish(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.task.await.unwrap().unwrap();
        if self.owns_database {
            self.store.clone().drop_schema().await.unwrap();
        }
    }

    /// Starts another node on this node's database (no demo seeding of its own), as a
    /// multi-node deployment runs; finish it before this one.
    pub async fn spawn_node(&self, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let database = self.database.clone();
        let postgres = matches!(database, DatabaseConfig::Postgres { .. });
        Self::spawn_with(postgres, move |c| {
            c.database = database;
            c.demo = false;
            tweak(c);
        })
        .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// A demo account and its one-time password (every demo account has one at start).
    pub fn account(&self, login: &str) -> (&DemoAccount, String) {
        let a = self
            .accounts
            .iter()
            .find(|a| a.login == login)
            .unwrap_or_else(|| panic!("demo account {login} missing"));
        let p = a
            .password
            .clone()
            .expect("a fresh demo account has a one-time password");
        (a, p)
    }

    /// The one-time password of a demo account.
    pub fn password_of(&self, login: &str) -> String {
        self.account(login).1
    }

    /// Signs in a demo account (setting its own password) or a user with a known password.
    pub async fn sign_in(&self, login: &str) -> Session {
        let password = self
            .accounts
            .iter()
            .find(|a| a.login == login)
            .and_then(|a| a.password.clone())
            .unwrap_or_else(|| NEW_PASSWORD.to_owned());
        self.sign_in_with(login, &password).await
    }

    /// Signs in with `password`; when it is a one-time password, sets [`NEW_PASSWORD`] on the
    /// way (the dashboard follows).
    pub async fn sign_in_with(&self, login: &str, password: &str) -> Session {
        let c = Self::client();
        let page = c.get(self.url("/console/login")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let csrf = csrf_of(&page.text().await.unwrap());
        let r = c
            .post(self.url("/console/login"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("login", login),
                ("password", password),
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
                    ("current", password),
                    ("new", NEW_PASSWORD),
                    ("confirm", NEW_PASSWORD),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            assert_eq!(r.headers()[LOCATION], "/console");
        }
        Session {
            base: self.base.clone(),
            client: c,
            csrf,
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = Self::client().get(self.url(path)).send().await.unwrap();
        (r.status(), r.text().await.unwrap())
    }
}

pub struct Session {
    pub base: String,
    pub client: reqwest::Client,
    pub csrf: String,
}

impl Session {
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
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

    /// Posts files as `multipart/form-data` (field `file`), with the CSRF token first.
    pub async fn upload(
        &self,
        path: &str,
        files: &[(&str, Vec<u8>)],
    ) -> (StatusCode, String, String) {
        let mut form = reqwest::multipart::Form::new().text("csrf_token", self.csrf.clone());
        for (name, bytes) in files {
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes.clone()).file_name((*name).to_owned()),
            );
        }
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .multipart(form)
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

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self.get_response(path).await;
        (r.status(), r.text().await.unwrap())
    }

    /// The whole response (headers, bytes) of a GET.
    pub async fn get_response(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    /// Creates a draft and returns its id.
    pub async fn create(&self, title: &str, body: &str) -> i64 {
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

    pub async fn act(&self, id: i64, action: &str, reason: &str) -> (StatusCode, String) {
        let (status, _, text) = self
            .post(
                &format!("/console/items/{id}/{action}"),
                &[("reason", reason)],
            )
            .await;
        (status, text)
    }
}

pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a csrf field") + marker.len();
    html[start..start + 64].to_owned()
}

/// A resident id number with a valid check character.
pub fn planted_resident_id() -> String {
    let first17 = "64018119800101123";
    let check = gongkai_proactive::check::resident_id_check_char(first17).unwrap();
    format!("{first17}{check}")
}

/// Every page of the public site reachable from `/` (links to `/` paths, not the console).
pub async fn crawl(app: &TestApp) -> Vec<(String, String)> {
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
