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

mod common;

use common::{TestApp, backends};
use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

// ---- the server: tests/common (TestApp) ------------------------------------------------------

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
    for postgres in backends() {
        let app = TestApp::spawn(postgres).await;
        let backend = app.store.backend_name();
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
            assert!(text.contains(name), "{name} not visible on / ({backend})");
        }
        browser.check_accessibility().await;
        if !postgres {
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
                .unwrap_or_else(|e| panic!("column {column} missing ({backend}): {e}"));
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
    for postgres in backends() {
        let app = TestApp::spawn(postgres).await;
        let backend = app.store.backend_name();
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
                "{expected} not on the dashboard ({backend}):\n{text}"
            );
        }
        browser.check_accessibility().await;
        if !postgres {
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
    for postgres in backends() {
        let app = TestApp::spawn(postgres).await;
        let backend = app.store.backend_name();
        browser.goto(&app.url("/console/login")).await;
        browser.wait_for_h1("工作人员登录").await;
        browser.fill("登录名", "demo-admin").await;
        browser.fill("密码", "不是这个密码").await;
        browser.click_button("登录").await;
        browser.wait_for_h1("工作人员登录").await;
        let error = browser.shown_text("#login-error").await;
        assert_eq!(error, "用户名或密码错误。", "{backend}");
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

impl Browser {
    /// Sets a control found by its label through script (for `<select>` and date inputs, whose
    /// typing behaviour depends on the browser's locale).
    async fn set_by_label(&self, label: &str, value: &str) {
        let id = self.field(label).await.attr("id").await.unwrap().unwrap();
        self.client
            .execute(
                "const e = document.getElementById(arguments[0]); e.value = arguments[1]; \
                 e.dispatchEvent(new Event('change'));",
                vec![json!(id), json!(value)],
            )
            .await
            .unwrap();
    }

    /// Signs in; a one-time password is replaced by [`NEW_PASSWORD`] on the way.
    async fn sign_in(&self, app: &TestApp, login: &str, first_time: bool) {
        browser_sign_in(self, app, login, first_time).await;
    }

    async fn sign_out(&self) {
        self.click_button("退出登录").await;
        self.wait_for_h1("工作人员登录").await;
    }
}

async fn browser_sign_in(browser: &Browser, app: &TestApp, login: &str, first_time: bool) {
    browser.goto(&app.url("/console/login")).await;
    browser.wait_for_h1("工作人员登录").await;
    let password = if first_time {
        app.account(login).1
    } else {
        NEW_PASSWORD.to_owned()
    };
    browser.fill("登录名", login).await;
    browser.fill("密码", &password).await;
    browser.click_button("登录").await;
    if first_time {
        browser.wait_for_h1("修改密码").await;
        browser.fill("当前密码", &password).await;
        browser.fill("新密码", NEW_PASSWORD).await;
        browser.fill("再次输入新密码", NEW_PASSWORD).await;
        browser.click_button("保存新密码").await;
    }
    browser.wait_for_h1("工作台").await;
}

/// The page's text comes to contain `needle` (waiting for a navigation to finish), or, with
/// `shown` false, does not contain it now.
async fn assert_shows(browser: &Browser, needle: &str, shown: bool) {
    let deadline = Instant::now() + PAGE_WAIT;
    loop {
        let text = browser.visible_text().await;
        if text.contains(needle) == shown {
            return;
        }
        if !shown || Instant::now() > deadline {
            panic!(
                "'{needle}' {} on {}:\n{text}",
                if shown { "missing" } else { "still shown" },
                browser.path().await
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item_with_attachment_is_returned_published_found_and_withdrawn() {
    if !enabled() {
        return;
    }
    let browser = Browser::start().await;
    let dir = tempfile::tempdir().unwrap();
    // The attachment: a workbook with words that are nowhere in the title.
    let file = dir.path().join("冬季延时办理事项清单.xlsx");
    {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, row) in [
            ["序号", "事项名称", "延时办理时段"],
            ["1", "个体工商户设立登记", "工作日12:00—14:30"],
            ["2", "燃气经营许可证核发", "周六9:00—12:00"],
        ]
        .iter()
        .enumerate()
        {
            for (c, cell) in row.iter().enumerate() {
                sheet.write_string(r as u32, c as u16, *cell).unwrap();
            }
        }
        book.save(&file).unwrap();
    }
    let title = "关于印发灵武市政务服务事项容缺受理清单的通知";
    for postgres in backends() {
        let app = TestApp::spawn(postgres).await;
        let dept = app.dept;

        // The 信息员 drafts the item and attaches the workbook.
        browser.sign_in(&app, "demo-editor", true).await;
        browser.goto(&app.url("/console/items/new")).await;
        browser.wait_for_h1("新建信息（草稿）").await;
        browser.check_accessibility().await;
        browser.set_by_label("栏目", "department_documents").await;
        browser.fill("标题", title).await;
        browser.fill("文号", "灵审管发〔2021〕40号").await;
        browser.set_by_label("成文日期", "2021-11-02").await;
        browser.fill("主题分类", "综合政务").await;
        browser
            .fill(
                "正文",
                "<p>各进驻单位：为便于冬季供暖期间群众办事，现将延时办理安排印发执行。</p>",
            )
            .await;
        browser.click_button("保存草稿").await;
        assert_shows(&browser, "状态：草稿", true).await;
        browser.wait_for_h1(title).await;
        let item_path = browser.path().await;
        assert!(item_path.starts_with("/console/items/"), "{item_path}");
        browser
            .field("上传附件")
            .await
            .send_keys(file.to_str().unwrap())
            .await
            .unwrap();
        browser.click_button("上传").await;
        assert_shows(&browser, "冬季延时办理事项清单.xlsx（Excel", true).await;
        browser.check_accessibility().await;
        browser.click_button("提交审核").await;
        assert_shows(&browser, "状态：待审核", true).await;
        browser.sign_out().await;

        // The 审核员 returns it once, with a reason ...
        browser.sign_in(&app, "demo-reviewer", true).await;
        browser.goto(&app.url(&item_path)).await;
        browser.wait_for_h1(title).await;
        browser.fill("退回理由", "请补充延时办理的起止日期").await;
        browser.click_button("退回").await;
        assert_shows(&browser, "状态：退回", true).await;
        browser.sign_out().await;

        // ... the 信息员 corrects and resubmits ...
        browser.sign_in(&app, "demo-editor", false).await;
        browser.goto(&app.url(&item_path)).await;
        browser.wait_for_h1(title).await;
        assert_shows(&browser, "请补充延时办理的起止日期", true).await;
        browser
            .fill(
                "正文",
                "<p>各进驻单位：为便于冬季供暖期间群众办事，自2021年11月15日至2022年3月15日，\
                 现将延时办理安排印发执行。</p>",
            )
            .await;
        browser.click_button("保存").await;
        assert_shows(&browser, "状态：草稿", true).await;
        browser.click_button("提交审核").await;
        assert_shows(&browser, "状态：待审核", true).await;
        browser.sign_out().await;

        // ... and the 审核员 publishes it.
        browser.sign_in(&app, "demo-reviewer", false).await;
        browser.goto(&app.url(&item_path)).await;
        browser.wait_for_h1(title).await;
        browser.click_button("审核通过并发布").await;
        assert_shows(&browser, "状态：已发布", true).await;

        // The public finds it in its column ...
        let column = format!("/portal/{dept}/columns/department_documents");
        browser.goto(&app.url(&column)).await;
        browser.wait_for_h1("部门文件").await;
        assert_shows(&browser, title, true).await;
        browser.check_accessibility().await;
        // ... and by a two-word query that is not part of the title, from the header search box.
        assert!(!title.contains("供暖") && !title.contains("延时"));
        browser.fill("站内检索", "供暖 延时").await;
        browser.click_button("检索").await;
        assert_shows(&browser, "检索结果", true).await;
        browser.wait_for_h1("站内检索").await;
        assert_shows(&browser, title, true).await;
        browser.check_accessibility().await;
        if !postgres {
            browser.screenshot("search.png").await;
        }
        // The attachment's own words find it too.
        browser
            .goto(
                &app.url(
                    "/search?q=%E7%87%83%E6%B0%94+%E7%BB%8F%E8%90%A5%E8%AE%B8%E5%8F%AF%E8%AF%81",
                ),
            )
            .await;
        browser.wait_for_h1("站内检索").await;
        assert_shows(&browser, title, true).await;
        assert_shows(&browser, "冬季延时办理事项清单.xlsx", true).await;

        // Withdrawn: gone from the column and from search.
        browser.goto(&app.url(&item_path)).await;
        browser.wait_for_h1(title).await;
        browser.fill("撤回理由", "清单需重新核对").await;
        browser.click_button("撤回公开").await;
        assert_shows(&browser, "状态：已撤回", true).await;
        browser.goto(&app.url(&column)).await;
        browser.wait_for_h1("部门文件").await;
        assert_shows(&browser, title, false).await;
        browser
            .goto(&app.url("/search?q=%E4%BE%9B%E6%9A%96+%E5%BB%B6%E6%97%B6"))
            .await;
        browser.wait_for_h1("站内检索").await;
        assert_shows(&browser, title, false).await;
        assert_shows(&browser, "没有找到", true).await;

        browser.client.delete_all_cookies().await.unwrap();
        app.finish().await;
    }
    browser.close().await;
}
