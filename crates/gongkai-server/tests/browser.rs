//! Browser tests: the real server on 127.0.0.1:0 driven through headless Chromium over
//! WebDriver (fantoccini + Debian's `chromium` and `chromium-driver`).
//!
//! They run only when `GONGKAI_BROWSER_TESTS=1` (`.ci/run` sets it); otherwise each test prints
//! one `skipped:` line and returns. When they are enabled, a missing or broken Chromium or
//! chromedriver fails the test with the reason. SQLite always; PostgreSQL too when
//! `GONGKAI_TEST_POSTGRES_URL` is set. With `GONGKAI_SCREENSHOTS=1` the portal home and the
//! dashboard are saved to `docs/screenshots/` (the README's pictures).
//!
//! No fixed sleeps: chromedriver is polled on `/status` with a bounded number of tries, and
//! pages are awaited on the element that proves they arrived.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on setup failure by design

use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder, Locator};
use gongkai_server::{Config, DatabaseConfig, DemoAccount};
use gongkai_store::Store;
use serde_json::{Value, json};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Debian's paths; `GONGKAI_CHROMIUM` and `GONGKAI_CHROMEDRIVER` override them.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const NEW_PASSWORD: &str = "浏览器里设置的新密码2026";
const PORTAL_COLUMNS: [&str; 5] = [
    "政府信息公开指南",
    "政府信息公开制度",
    "法定主动公开内容",
    "政府信息公开年报",
    "依申请公开",
];
/// How long a page may take to show the element that proves it arrived.
const PAGE_WAIT: Duration = Duration::from_secs(15);

static SEQ: AtomicU32 = AtomicU32::new(0);

/// Written straight to the process's stderr, past the test harness's capture, so the line is
/// seen in a plain `cargo test` run.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Whether browser tests are switched on; prints the skip line when they are not.
fn enabled() -> bool {
    if std::env::var("GONGKAI_BROWSER_TESTS").as_deref() == Ok("1") {
        true
    } else {
        say("skipped: browser tests (set GONGKAI_BROWSER_TESTS=1)");
        false
    }
}

// ---- the server -----------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum Backend {
    Sqlite,
    Postgres,
}

fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::Sqlite];
    if std::env::var("GONGKAI_TEST_POSTGRES_URL").is_ok() {
        b.push(Backend::Postgres);
    }
    b
}

struct TestApp {
    base: String,
    store: Store,
    accounts: Vec<DemoAccount>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    async fn spawn(backend: Backend) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::with_data_dir(dir.path().to_owned());
        if backend == Backend::Postgres {
            config.database = DatabaseConfig::Postgres {
                url: std::env::var("GONGKAI_TEST_POSTGRES_URL").unwrap(),
                schema: Some(format!(
                    "t_browser_{}_{}",
                    std::process::id(),
                    SEQ.fetch_add(1, Ordering::SeqCst)
                )),
            };
        }
        config.demo = true;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = gongkai_server::build(config, listener)
            .await
            .unwrap_or_else(|e| panic!("server on {backend:?} did not start: {e}"));
        let base = format!("http://{}", server.local_addr().unwrap());
        let store = server.store().clone();
        let accounts = server.demo_accounts().to_vec();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        TestApp {
            base,
            store,
            accounts,
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

    fn account(&self, login: &str) -> (&DemoAccount, String) {
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
}

// ---- the browser ----------------------------------------------------------------------------

/// A chromedriver child process, killed on drop.
struct Driver {
    child: Child,
    port: u16,
    log: PathBuf,
    program: String,
}

impl Driver {
    /// The log's warnings and errors, then its last lines: what explains a failed start.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let mut out: Vec<&str> = lines
            .iter()
            .filter(|l| l.contains("[SEVERE]") || l.contains("[WARNING]"))
            .take(20)
            .copied()
            .collect();
        out.push("…");
        out.extend(&lines[lines.len().saturating_sub(5)..]);
        out.join("\n")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A WebDriver session in a fresh headless Chromium profile. Dropping it deletes the session
/// (which quits Chromium) even when a test panicked, then stops chromedriver.
struct Browser {
    client: Client,
    session: Option<String>,
    // Field order is drop order: the driver goes before its profile directory is removed.
    driver: Driver,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(id) = self.session.take() {
            delete_session(self.driver.port, &id);
        }
    }
}

/// `DELETE /session/{id}` over a plain blocking socket, usable from `Drop`.
fn delete_session(port: u16, id: &str) {
    use std::io::Read as _;
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let req = format!(
        "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if s.write_all(req.as_bytes()).is_ok() {
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink);
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session; panics with the reason when either
    /// is missing or does not start.
    async fn start() -> Browser {
        let chromium = std::env::var("GONGKAI_CHROMIUM").unwrap_or_else(|_| CHROMIUM.into());
        let chromedriver =
            std::env::var("GONGKAI_CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.into());
        for bin in [&chromium, &chromedriver] {
            assert!(
                Path::new(bin).exists(),
                "GONGKAI_BROWSER_TESTS=1 but {bin} is missing \
                 (install Debian's chromium and chromium-driver)"
            );
        }
        let profile = tempfile::tempdir().unwrap();
        let log = profile.path().join("chromedriver.log");
        let log_file = std::fs::File::create(&log).unwrap();
        let port = free_port();
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("GONGKAI_BROWSER_TESTS=1 but {chromedriver} did not start: {e}")
            });
        let mut driver = Driver {
            child,
            port,
            log,
            program: chromedriver,
        };
        wait_until_ready(&mut driver).await;

        let user_data = profile.path().join("chromium");
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", user_data.display()),
            "--window-size=1280,900",
        ];
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": chromium, "args": args }),
        );
        let client = ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "GONGKAI_BROWSER_TESTS=1 but Chromium did not start through chromedriver: \
                     {e}\n--- chromedriver log ---\n{}",
                    driver.log_tail()
                )
            });
        let session = client.session_id().await.unwrap();
        client
            .update_timeouts(TimeoutConfiguration::new(
                Some(Duration::from_secs(10)),
                Some(Duration::from_secs(30)),
                Some(Duration::ZERO),
            ))
            .await
            .unwrap();
        Browser {
            client,
            session,
            driver,
            _profile: profile,
        }
    }

    async fn close(mut self) {
        self.session = None;
        self.client.clone().close().await.unwrap();
    }

    async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    /// Waits for the page whose only `h1` reads `heading`.
    async fn wait_for_h1(&self, heading: &str) {
        let xpath = format!("//h1[normalize-space()='{heading}']");
        if let Err(e) = self
            .client
            .wait()
            .at_most(PAGE_WAIT)
            .for_element(Locator::XPath(&xpath))
            .await
        {
            let url = self.client.current_url().await.map(|u| u.to_string());
            let text = self.visible_text().await;
            panic!("no h1 '{heading}' at {url:?} ({e}); page text:\n{text}");
        }
    }

    /// What a reader sees: the rendered text of the body.
    async fn visible_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(e) => format!("<no body: {e}>"),
        }
    }

    /// The form control whose `<label>` text starts with `label`, found through the label's
    /// `for` attribute (so the association itself is tested).
    async fn field(&self, label: &str) -> fantoccini::elements::Element {
        let xpath = format!("//label[starts-with(normalize-space(), '{label}')]");
        let l = self
            .client
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no label '{label}': {e}"));
        let id = l
            .attr("for")
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("label '{label}' has no for attribute"));
        self.client
            .find(Locator::Id(&id))
            .await
            .unwrap_or_else(|e| panic!("label '{label}' points at missing #{id}: {e}"))
    }

    async fn fill(&self, label: &str, value: &str) {
        let f = self.field(label).await;
        f.clear().await.unwrap();
        f.send_keys(value).await.unwrap();
    }

    async fn click_button(&self, text: &str) {
        let xpath = format!("//button[normalize-space()='{text}']");
        self.client
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no button '{text}': {e}"))
            .click()
            .await
            .unwrap();
    }

    /// The text of a displayed element, or a panic saying it is not there.
    async fn shown_text(&self, css: &str) -> String {
        let e = self
            .client
            .wait()
            .at_most(PAGE_WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"));
        assert!(e.is_displayed().await.unwrap(), "{css} is not displayed");
        e.text().await.unwrap()
    }

    async fn screenshot(&self, name: &str) {
        if std::env::var("GONGKAI_SCREENSHOTS").as_deref() != Ok("1") {
            return;
        }
        let png = self.client.screenshot().await.unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, &png).unwrap();
        say(&format!(
            "screenshot: {} ({} bytes)",
            path.display(),
            png.len()
        ));
    }

    /// The accessibility smoke check of the current page: `lang`, a title, every visible form
    /// control labelled, every image with `alt`, exactly one `h1`, a `main` landmark, and a
    /// skip link that is the first focusable element, points at an existing target and comes
    /// on screen when focused.
    async fn check_accessibility(&self) {
        let script = r#"
            const problems = [];
            if (document.documentElement.lang !== 'zh-CN') problems.push('html lang is ' + document.documentElement.lang);
            if (!document.title.trim()) problems.push('empty title');
            for (const c of document.querySelectorAll('input, select, textarea')) {
                if (c.type === 'hidden' || c.type === 'submit' || c.type === 'button') continue;
                const named = (c.labels && c.labels.length > 0) || c.getAttribute('aria-label') || c.getAttribute('aria-labelledby');
                if (!named) problems.push('control without label: ' + (c.name || c.id || c.outerHTML.slice(0, 80)));
            }
            for (const b of document.querySelectorAll('button')) {
                if (!b.textContent.trim() && !b.getAttribute('aria-label')) problems.push('button without name: ' + b.outerHTML.slice(0, 80));
            }
            for (const img of document.querySelectorAll('img')) {
                if (!img.hasAttribute('alt')) problems.push('img without alt: ' + img.getAttribute('src'));
            }
            const h1 = document.querySelectorAll('h1').length;
            if (h1 !== 1) problems.push('h1 count is ' + h1);
            const main = document.querySelectorAll('main');
            if (main.length !== 1) problems.push('main count is ' + main.length);
            const first = document.querySelector('a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])');
            const href = first && first.getAttribute('href');
            if (!first || first.tagName !== 'A' || !href || !href.startsWith('#')) {
                problems.push('first focusable element is not a skip link: ' + (first ? first.outerHTML.slice(0, 80) : 'none'));
            } else {
                if (!document.getElementById(href.slice(1))) problems.push('skip link target ' + href + ' missing');
                if (!first.textContent.trim()) problems.push('skip link has no text');
                first.focus();
                const r = first.getBoundingClientRect();
                if (r.right <= 0 || r.bottom <= 0 || r.left >= innerWidth || r.width === 0) problems.push('skip link stays off screen when focused');
                first.blur();
            }
            return problems;
        "#;
        let problems = self.client.execute(script, vec![]).await.unwrap();
        let url = self.client.current_url().await.unwrap();
        assert_eq!(
            problems,
            json!([]),
            "accessibility problems on {}",
            url.path()
        );
    }
}

/// Polls chromedriver's `/status` until it reports ready; fails with its log when it exits or
/// does not become ready within the bound.
async fn wait_until_ready(driver: &mut Driver) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let url = format!("http://127.0.0.1:{}/status", driver.port);
    let started = Instant::now();
    for _ in 0..200 {
        if let Some(status) = driver.child.try_wait().unwrap() {
            panic!(
                "GONGKAI_BROWSER_TESTS=1 but {} exited at start ({status})\n{}",
                driver.program,
                driver.log_tail()
            );
        }
        if let Ok(r) = http.get(&url).send().await
            && let Ok(body) = r.text().await
            && serde_json::from_str::<Value>(&body).unwrap_or_default()["value"]["ready"]
                == json!(true)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "GONGKAI_BROWSER_TESTS=1 but {} was not ready after {:?}\n{}",
        driver.program,
        started.elapsed(),
        driver.log_tail()
    );
}

// ---- the tests ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_home_renders() {
    if !enabled() {
        return;
    }
    let browser = Browser::start().await;
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        browser.goto(&app.url("/")).await;
        browser.wait_for_h1("政府信息公开").await;
        assert_eq!(
            browser.client.title().await.unwrap(),
            "政府信息公开门户 - 政府信息公开"
        );
        let html = browser.client.find(Locator::Css("html")).await.unwrap();
        assert_eq!(html.attr("lang").await.unwrap().as_deref(), Some("zh-CN"));
        browser
            .client
            .find(Locator::Css("html[lang='zh-CN']"))
            .await
            .unwrap();
        let text = browser.visible_text().await;
        for name in [
            "宁夏回族自治区人民政府",
            "灵武市人民政府",
            "灵武市审批服务管理局",
            "工作人员登录",
        ] {
            assert!(text.contains(name), "{name} not visible on / ({backend:?})");
        }
        browser.check_accessibility().await;
        if backend == Backend::Sqlite {
            browser.screenshot("portal.png").await;
        }

        // The standard columns live on each agency's page, one click from the home page.
        browser
            .client
            .find(Locator::LinkText("灵武市审批服务管理局"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        browser
            .wait_for_h1("灵武市审批服务管理局 政府信息公开专栏")
            .await;
        for column in PORTAL_COLUMNS {
            let link = browser
                .client
                .find(Locator::LinkText(column))
                .await
                .unwrap_or_else(|e| panic!("column {column} missing ({backend:?}): {e}"));
            assert!(link.is_displayed().await.unwrap(), "{column} hidden");
        }
        let text = browser.visible_text().await;
        assert!(text.contains("统一社会信用代码"));
        browser.check_accessibility().await;

        browser.client.delete_all_cookies().await.unwrap();
        app.finish().await;
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_user_signs_in_changes_password_sees_dashboard_and_signs_out() {
    if !enabled() {
        return;
    }
    let browser = Browser::start().await;
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (account, one_time) = app.account("demo-editor");
        assert_eq!(account.agency, "灵武市审批服务管理局");

        // The console sends a stranger to the sign-in page.
        browser.goto(&app.url("/console")).await;
        browser.wait_for_h1("工作人员登录").await;
        assert_eq!(browser.path().await, "/console/login");
        browser.check_accessibility().await;

        browser.fill("登录名", "demo-editor").await;
        browser.fill("密码", &one_time).await;
        browser.click_button("登录").await;

        // A one-time password forces the change-password page, even when asking for another.
        browser.wait_for_h1("修改密码").await;
        assert_eq!(browser.path().await, "/console/password");
        let notice = browser.shown_text("p.notice").await;
        assert!(notice.contains("一次性密码"), "{notice}");
        browser.check_accessibility().await;
        browser.goto(&app.url("/console/agencies")).await;
        browser.wait_for_h1("修改密码").await;
        assert_eq!(browser.path().await, "/console/password");

        // Too short: the browser's own constraint (minlength) holds the form back ...
        let short = "短密码123";
        browser.fill("当前密码", &one_time).await;
        browser.fill("新密码", short).await;
        browser.fill("再次输入新密码", short).await;
        browser.click_button("保存新密码").await;
        let too_short = browser
            .client
            .execute(
                "return document.getElementById('new').validity.tooShort",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(too_short, json!(true));
        assert_eq!(browser.path().await, "/console/password");
        assert!(
            browser.client.find(Locator::Css(".error")).await.is_err(),
            "no server round trip expected yet"
        );
        // ... and with the browser's check switched off, the server answers in Chinese.
        browser
            .client
            .execute(
                "document.querySelector('form.form').noValidate = true",
                vec![],
            )
            .await
            .unwrap();
        browser.click_button("保存新密码").await;
        browser.wait_for_h1("修改密码").await;
        let error = browser.shown_text("#password-error").await;
        assert_eq!(error, "新密码至少 10 个字符。");
        let role = browser
            .client
            .find(Locator::Id("password-error"))
            .await
            .unwrap()
            .attr("role")
            .await
            .unwrap();
        assert_eq!(role.as_deref(), Some("alert"));
        // The message sits in the form's place: directly before the form it is about.
        let next = browser
            .client
            .execute(
                "return document.getElementById('password-error').nextElementSibling.tagName",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(next, json!("FORM"));
        browser.check_accessibility().await;

        // A good password leads to the dashboard, with the user's name and agency.
        browser.fill("当前密码", &one_time).await;
        browser.fill("新密码", NEW_PASSWORD).await;
        browser.fill("再次输入新密码", NEW_PASSWORD).await;
        browser.click_button("保存新密码").await;
        browser.wait_for_h1("工作台").await;
        assert_eq!(browser.path().await, "/console");
        let text = browser.visible_text().await;
        for expected in ["演示信息员", "灵武市审批服务管理局", "退出登录", "所属机关"]
        {
            assert!(
                text.contains(expected),
                "{expected} not on the dashboard ({backend:?}):\n{text}"
            );
        }
        browser.check_accessibility().await;
        if backend == Backend::Sqlite {
            browser.screenshot("console.png").await;
        }

        // Sign out: back to the sign-in page, and the console stays closed.
        browser.click_button("退出登录").await;
        browser.wait_for_h1("工作人员登录").await;
        assert_eq!(browser.path().await, "/console/login");
        browser.goto(&app.url("/console")).await;
        browser.wait_for_h1("工作人员登录").await;
        assert_eq!(browser.path().await, "/console/login");

        // The new password is the one that now works, straight to the dashboard.
        browser.fill("登录名", "demo-editor").await;
        browser.fill("密码", NEW_PASSWORD).await;
        browser.click_button("登录").await;
        browser.wait_for_h1("工作台").await;
        assert_eq!(browser.path().await, "/console");

        browser.client.delete_all_cookies().await.unwrap();
        app.finish().await;
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_shows_the_chinese_error() {
    if !enabled() {
        return;
    }
    let browser = Browser::start().await;
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        browser.goto(&app.url("/console/login")).await;
        browser.wait_for_h1("工作人员登录").await;
        browser.fill("登录名", "demo-admin").await;
        browser.fill("密码", "不是这个密码").await;
        browser.click_button("登录").await;
        browser.wait_for_h1("工作人员登录").await;
        let error = browser.shown_text("#login-error").await;
        assert_eq!(error, "用户名或密码错误。", "{backend:?}");
        assert_eq!(browser.path().await, "/console/login");
        let login = browser.field("登录名").await;
        assert_eq!(
            login.prop("value").await.unwrap().as_deref(),
            Some("demo-admin"),
            "the sign-in name is kept"
        );
        assert_eq!(
            login.attr("aria-describedby").await.unwrap().as_deref(),
            Some("login-error"),
            "the error is tied to the field"
        );
        assert_eq!(
            browser
                .field("密码")
                .await
                .prop("value")
                .await
                .unwrap()
                .as_deref(),
            Some(""),
            "the password is not sent back"
        );
        browser.check_accessibility().await;

        browser.client.delete_all_cookies().await.unwrap();
        app.finish().await;
    }
    browser.close().await;
}
