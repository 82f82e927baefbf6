//! The public portal's list filters, Atom feeds, sitemap and JSON read API over HTTP, on SQLite
//! always and on PostgreSQL when `GONGKAI_TEST_POSTGRES_URL` is set: they list exactly the
//! published items, and nothing of a draft, a returned or withdrawn item or a staff note.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on setup failure by design

mod common;

use chrono::{Datelike, TimeZone, Utc};
use common::{Session, TestApp, backends, crawl};
use gongkai_proactive::ColumnKey;
use gongkai_store::Actor;
use gongkai_store::proactive::{ItemInput, Transition};
use quick_xml::events::Event;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;
use std::collections::BTreeSet;

/// Texts that must never be public.
const SECRETS: &[&str] = &[
    "DRAFTMARK",
    "WITHDRAWNMARK",
    "RETURNEDMARK",
    "EDITMARK",
    "退回原因RETURNREASON",
    "撤回原因WITHDRAWREASON",
    "demo-editor",
    "demo-reviewer",
];

/// One XML element: name, attributes, text and children.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
}

/// Parses a whole XML document (a parse error fails the test).
fn parse_xml(xml: &str) -> Node {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut stack = vec![Node::default()];
    let open = |e: &quick_xml::events::BytesStart| Node {
        name: e.name().as_ref().to_owned(),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    a.key.as_ref().to_owned(),
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .unwrap()
                        .into_owned(),
                )
            })
            .collect(),
        ..Node::default()
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => stack.push(open(&e)),
            Event::Empty(e) => stack.last_mut().unwrap().children.push(open(&e)),
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(done);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let c = if r.is_char_ref() {
                    r.resolve_char_ref().unwrap().unwrap().to_string()
                } else {
                    let name = r.xml10_content();
                    quick_xml::escape::resolve_predefined_entity(&name)
                        .unwrap_or_else(|| panic!("unknown entity {name}"))
                        .to_owned()
                };
                stack.last_mut().unwrap().text.push_str(&c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unbalanced XML");
    let mut doc = stack.pop().unwrap();
    assert_eq!(doc.children.len(), 1, "one root element");
    doc.children.pop().unwrap()
}

/// Creates a draft with its own topic and column.
async fn create(editor: &Session, column: &str, title: &str, topic: &str, body: &str) -> i64 {
    let (status, location, text) = editor
        .post(
            "/console/items",
            &[
                ("column", column),
                ("title", title),
                ("document_number", ""),
                ("written_on", "2021-03-01"),
                ("topic", topic),
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

async fn publish(editor: &Session, reviewer: &Session, id: i64) {
    assert_eq!(editor.act(id, "submit", "").await.0, StatusCode::SEE_OTHER);
    assert_eq!(
        reviewer.act(id, "approve", "").await.0,
        StatusCode::SEE_OTHER
    );
}

async fn get_full(app: &TestApp, path: &str) -> (StatusCode, String, String) {
    let r = TestApp::client().get(app.url(path)).send().await.unwrap();
    let ct = r
        .headers()
        .get(CONTENT_TYPE)
        .map(|c| c.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (r.status(), ct, r.text().await.unwrap())
}

async fn json(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let (status, ct, body) = get_full(app, path).await;
    assert!(ct.starts_with("application/json"), "{path}: {ct} {body}");
    (status, serde_json::from_str(&body).unwrap())
}

fn ids_of(v: &Value) -> BTreeSet<i64> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

fn count_shown(page: &str) -> &str {
    let start = page.find("共 ").map(|i| i + "共 ".len()).unwrap_or(0);
    page[start..].split(' ').next().unwrap()
}

#[tokio::test]
async fn filters_feeds_sitemap_and_api_list_exactly_the_published_items() {
    for postgres in backends() {
        let app = TestApp::spawn_with(postgres, |c| c.demo_items = false).await;
        let editor = app.sign_in("demo-editor").await;
        let reviewer = app.sign_in("demo-reviewer").await;
        let dept = app.dept;
        let col = "department_documents";
        let column_path = format!("/portal/{dept}/columns/{col}");
        let this_year = Utc::now()
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
            .year();

        // published through the console: 21 on 综合政务, one on 财政, one in another column
        let mut published = BTreeSet::new();
        let mut general = BTreeSet::new();
        for n in 0..21 {
            let id = create(
                &editor,
                col,
                &format!("综合政务通知第{n}号"),
                "综合政务",
                &format!("<p>综合政务正文{n}</p>"),
            )
            .await;
            publish(&editor, &reviewer, id).await;
            published.insert(id);
            general.insert(id);
        }
        let finance = create(
            &editor,
            col,
            "财政预算公开通知",
            "财政、金融、审计",
            "<p>财政正文PUBLICBODY</p>",
        )
        .await;
        publish(&editor, &reviewer, finance).await;
        published.insert(finance);
        let elsewhere = create(
            &editor,
            "key_work",
            "重点工作安排",
            "综合政务",
            "<p>重点工作</p>",
        )
        .await;
        publish(&editor, &reviewer, elsewhere).await;
        published.insert(elsewhere);
        general.insert(elsewhere);

        // one published in 2021, through the store with a clock of that year
        let in_2021 = Utc.with_ymd_and_hms(2021, 5, 10, 2, 0, 0).unwrap();
        let actor = |login: &str| Actor {
            user_id: None,
            login: login.into(),
            address: String::new(),
        };
        let old = app
            .store
            .create_item(
                dept,
                &ItemInput {
                    column: ColumnKey::parse(col).unwrap(),
                    title: "二〇二一年的城建通知".into(),
                    document_number: None,
                    written_on: None,
                    topic: Some("城乡建设、环境保护".into()),
                    body_html: "<p>城建正文</p>".into(),
                },
                &actor("demo-editor"),
                in_2021,
            )
            .await
            .unwrap();
        for (t, who) in [
            (Transition::Submit, "demo-editor"),
            (Transition::Approve { publish_at: None }, "demo-reviewer"),
        ] {
            app.store
                .transition_item(old.id, &t, &actor(who), in_2021)
                .await
                .unwrap();
        }
        published.insert(old.id);

        // never public: a draft, a returned item, a withdrawn item, and a published item's
        // pending edit
        let draft = create(
            &editor,
            col,
            "草稿标题DRAFTMARK",
            "草稿主题DRAFTMARK",
            "<p>DRAFTMARK</p>",
        )
        .await;
        let returned = create(
            &editor,
            col,
            "退回标题RETURNEDMARK",
            "综合政务",
            "<p>RETURNEDMARK</p>",
        )
        .await;
        editor.act(returned, "submit", "").await;
        assert_eq!(
            reviewer
                .act(returned, "return", "退回原因RETURNREASON")
                .await
                .0,
            StatusCode::SEE_OTHER
        );
        let withdrawn = create(
            &editor,
            col,
            "撤回标题WITHDRAWNMARK",
            "撤回主题WITHDRAWNMARK",
            "<p>WITHDRAWNMARK</p>",
        )
        .await;
        publish(&editor, &reviewer, withdrawn).await;
        assert_eq!(
            reviewer
                .act(withdrawn, "withdraw", "撤回原因WITHDRAWREASON")
                .await
                .0,
            StatusCode::SEE_OTHER
        );
        let (status, _, _) = editor
            .post(
                &format!("/console/items/{finance}"),
                &[
                    ("column", col),
                    ("title", "财政预算公开通知修改稿EDITMARK"),
                    ("topic", "财政、金融、审计"),
                    ("body", "<p>EDITMARK</p>"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let hidden = [draft, returned, withdrawn];

        let mut bodies: Vec<(String, String)> = Vec::new();

        // ---- column list filters -------------------------------------------------------------
        let (status, page) = app.get(&column_path).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(count_shown(&page), "23", "21 + finance + 2021: {page}");
        assert!(page.contains("第 1 / 2 页"));
        for label in [
            "<label for=\"filter-year\">",
            "<label for=\"filter-topic\">",
            "<label for=\"filter-publisher\">",
        ] {
            assert!(page.contains(label), "{label}");
        }
        // options are the values that occur in the column's published items
        assert!(
            page.contains(&format!("<option value=\"{this_year}\">")),
            "{page}"
        );
        assert!(page.contains("<option value=\"2021\">"));
        assert!(page.contains("<option value=\"城乡建设、环境保护\">"));
        assert!(page.contains("<option value=\"灵武市审批服务管理局\">"));
        assert!(!page.contains("<option value=\"2020\">"));
        assert!(page.contains(&format!("href=\"/portal/{dept}/columns/{col}/feed.atom\"")));
        assert!(page.contains("rel=\"alternate\" type=\"application/atom+xml\""));
        bodies.push((column_path.clone(), page));

        let (status, page) = app.get(&format!("{column_path}?year=2021")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(count_shown(&page), "1");
        assert!(page.contains("二〇二一年的城建通知"));
        assert!(page.contains("<option value=\"2021\" selected>"));
        let (_, page) = app.get(&format!("{column_path}?year={this_year}")).await;
        assert_eq!(count_shown(&page), "22");
        let topic = "%E7%BB%BC%E5%90%88%E6%94%BF%E5%8A%A1"; // 综合政务
        let (status, page) = app.get(&format!("{column_path}?topic={topic}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(count_shown(&page), "21");
        assert!(!page.contains("财政预算公开通知"));
        // pagination keeps the filters
        let next = format!("?topic={topic}&amp;page=2");
        assert!(page.contains(&next), "{page}");
        let (status, page2) = app
            .get(&format!("{column_path}?topic={topic}&page=2"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(page2.contains("第 2 / 2 页"), "{page2}");
        assert!(page2.contains("<option value=\"综合政务\" selected>"));
        assert!(page2.contains(&format!("?topic={topic}&amp;page=1")));
        assert_eq!(
            page2
                .matches(&format!("href=\"/portal/{dept}/items/"))
                .count(),
            1
        );
        let (_, none) = app
            .get(&format!("{column_path}?year=2021&topic={topic}"))
            .await;
        assert!(none.contains("没有符合筛选条件的信息"));
        bodies.push(("topic page 2".into(), page2));
        // bad values: a Chinese message tied to the field, never a 500
        let (status, bad) = app.get(&format!("{column_path}?year=abc")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.contains("年份“abc”无效"), "{bad}");
        assert!(bad.contains("aria-describedby=\"filter-year-error\""));
        assert_eq!(count_shown(&bad), "23", "the bad filter is ignored");
        for q in [
            "page=-1",
            "page=abc",
            "page=99999999",
            "page=99999999999999999999999",
        ] {
            let (status, bad) = app.get(&format!("{column_path}?{q}")).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
            assert!(bad.contains("页码"), "{q}: {bad}");
        }
        let (status, _) = app.get(&format!("{column_path}?page=9")).await;
        assert_eq!(status, StatusCode::OK);

        // ---- Atom feeds ------------------------------------------------------------------------
        let item_url = |id: i64| app.url(&format!("/portal/{dept}/items/{id}"));
        let (status, ct, xml) = get_full(&app, &format!("/portal/{dept}/feed.atom")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ct, "application/atom+xml; charset=utf-8");
        let feed = parse_xml(&xml);
        assert_eq!(feed.name, "feed");
        assert_eq!(feed.attr("xmlns"), Some("http://www.w3.org/2005/Atom"));
        for required in ["id", "title", "updated", "author"] {
            assert!(feed.child(required).is_some(), "feed {required}");
        }
        let entries: Vec<&Node> = feed.all("entry").collect();
        let mut linked = BTreeSet::new();
        for e in &entries {
            let id = &e.child("id").unwrap().text;
            assert!(!e.child("title").unwrap().text.is_empty());
            assert!(
                chrono::DateTime::parse_from_rfc3339(&e.child("updated").unwrap().text).is_ok()
            );
            let link = e.child("link").unwrap();
            assert_eq!(link.attr("rel"), Some("alternate"));
            assert_eq!(link.attr("href"), Some(id.as_str()));
            assert!(e.child("summary").is_some());
            linked.insert(id.clone());
        }
        let expected: BTreeSet<String> = published.iter().map(|&id| item_url(id)).collect();
        assert_eq!(
            linked, expected,
            "the agency feed lists exactly the published items"
        );
        let finance_entry = entries
            .iter()
            .find(|e| e.child("id").unwrap().text == item_url(finance))
            .unwrap();
        assert_eq!(
            finance_entry.child("summary").unwrap().text,
            "财政正文PUBLICBODY"
        );
        // newest first: the 2021 item is last
        assert_eq!(
            entries.last().unwrap().child("id").unwrap().text,
            item_url(old.id)
        );
        bodies.push(("agency feed".into(), xml));

        let (status, ct, xml) = get_full(&app, &format!("{column_path}/feed.atom")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ct, "application/atom+xml; charset=utf-8");
        let feed = parse_xml(&xml);
        let linked: BTreeSet<String> = feed
            .all("entry")
            .map(|e| e.child("id").unwrap().text.clone())
            .collect();
        let mut in_column = expected.clone();
        in_column.remove(&item_url(elsewhere));
        assert_eq!(linked, in_column);
        bodies.push(("column feed".into(), xml));
        assert_eq!(
            app.get(&format!("/portal/{dept}/columns/no_such_column/feed.atom"))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get("/portal/999999/feed.atom").await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get("/portal/abc/feed.atom").await.0,
            StatusCode::NOT_FOUND
        );

        // ---- sitemap and robots.txt ------------------------------------------------------------
        let (status, ct, xml) = get_full(&app, "/sitemap.xml").await;
        assert_eq!(status, StatusCode::OK);
        assert!(ct.starts_with("application/xml"), "{ct}");
        let set = parse_xml(&xml);
        assert_eq!(set.name, "urlset");
        assert_eq!(
            set.attr("xmlns"),
            Some("http://www.sitemaps.org/schemas/sitemap/0.9")
        );
        let urls: Vec<&Node> = set.all("url").collect();
        let locs: BTreeSet<String> = urls
            .iter()
            .map(|u| u.child("loc").unwrap().text.clone())
            .collect();
        let item_locs: BTreeSet<String> = locs
            .iter()
            .filter(|l| l.contains("/items/"))
            .cloned()
            .collect();
        assert_eq!(
            item_locs, expected,
            "the sitemap lists exactly the published item pages"
        );
        for must in [
            "/".to_owned(),
            format!("/portal/{dept}"),
            format!("/portal/{dept}/columns"),
            column_path.clone(),
        ] {
            assert!(locs.contains(&app.url(&must)), "{must} missing");
        }
        for u in &urls {
            if u.child("loc").unwrap().text.contains("/items/")
                || u.child("loc").unwrap().text.ends_with(&column_path)
            {
                let lastmod = &u.child("lastmod").expect("lastmod").text;
                assert!(
                    chrono::DateTime::parse_from_rfc3339(lastmod).is_ok(),
                    "{lastmod}"
                );
            }
        }
        bodies.push(("sitemap".into(), xml));
        assert_eq!(app.get("/sitemap-1.xml").await.0, StatusCode::OK);
        for missing in [
            "/sitemap-2.xml",
            "/sitemap-0.xml",
            "/sitemap-x.xml",
            "/favicon.ico",
        ] {
            let (status, body) = app.get(missing).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{missing}: {body}");
        }
        let (status, ct, robots) = get_full(&app, "/robots.txt").await;
        assert_eq!(status, StatusCode::OK);
        assert!(ct.starts_with("text/plain"));
        assert!(robots.contains("Disallow: /console\n"));
        assert!(robots.contains(&format!("Sitemap: {}", app.url("/sitemap.xml"))));

        // ---- JSON API --------------------------------------------------------------------------
        let (status, v) = json(&app, "/api/v1/agencies").await;
        assert_eq!(status, StatusCode::OK);
        let me = v["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == dept)
            .unwrap();
        assert_eq!(me["name"], "灵武市审批服务管理局");
        assert!(
            me["uscc"]
                .as_str()
                .unwrap()
                .starts_with("11640181MB0000002")
        );
        assert!(me["kind"].is_string());
        let (status, v) = json(&app, &format!("/api/v1/agencies/{dept}/columns")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v["columns"].as_array().unwrap().len(), 13);
        assert!(
            v["columns"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["key"] == col && c["name"] == "部门文件")
        );

        let (status, v) = json(&app, &format!("/api/v1/agencies/{dept}/items?per_page=100")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ids_of(&v), published);
        assert_eq!(v["total"].as_i64(), Some(published.len() as i64));
        assert_eq!(v["total_exact"].as_bool(), Some(true));
        assert_eq!(
            (v["page"].as_i64(), v["per_page"].as_i64()),
            (Some(1), Some(100))
        );
        bodies.push(("api list".into(), v.to_string()));
        let (_, v) = json(
            &app,
            &format!("/api/v1/agencies/{dept}/items?column={col}&year=2021"),
        )
        .await;
        assert_eq!(ids_of(&v), BTreeSet::from([old.id]));
        assert_eq!(v["items"][0]["published_on"], "2021-05-10");
        assert_eq!(v["items"][0]["topic"], "城乡建设、环境保护");
        let (_, v) = json(
            &app,
            &format!("/api/v1/agencies/{dept}/items?topic={topic}&per_page=100"),
        )
        .await;
        assert_eq!(ids_of(&v), general);
        let (_, v) = json(
            &app,
            &format!("/api/v1/agencies/{dept}/items?page=2&per_page=10"),
        )
        .await;
        assert_eq!(v["items"].as_array().unwrap().len(), 10);
        assert_eq!(
            (v["page"].as_i64(), v["total"].as_i64()),
            (Some(2), Some(published.len() as i64))
        );
        let (_, v) = json(
            &app,
            &format!("/api/v1/agencies/{dept}/items?per_page=1000"),
        )
        .await;
        assert_eq!(v["per_page"].as_i64(), Some(100), "per_page is capped");
        for (q, field) in [
            ("year=abc", "年份"),
            ("page=-1", "页码"),
            ("per_page=0", "每页条数"),
            ("column=nope", "栏目"),
        ] {
            let (status, v) = json(&app, &format!("/api/v1/agencies/{dept}/items?{q}")).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
            assert_eq!(v["error"]["code"], "invalid_parameter");
            assert!(
                v["error"]["message"].as_str().unwrap().contains(field),
                "{q}: {v}"
            );
        }

        let (status, v) = json(&app, &format!("/api/v1/agencies/{dept}/items/{finance}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            v["title"], "财政预算公开通知",
            "the live version, not the pending edit"
        );
        assert!(v["body_html"].as_str().unwrap().contains("PUBLICBODY"));
        assert!(v["attachments"].is_array());
        assert!(
            v["index_number"]
                .as_str()
                .unwrap()
                .starts_with("11640181MB0000002")
        );
        assert_eq!(v["publisher"], "灵武市审批服务管理局");
        for staff in ["author", "reviewer", "reason", "editors", "state"] {
            assert!(v.get(staff).is_none(), "{staff} exposed: {v}");
        }
        bodies.push(("api item".into(), v.to_string()));
        for id in hidden {
            let (status, v) = json(&app, &format!("/api/v1/agencies/{dept}/items/{id}")).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{id}");
            assert_eq!(v["error"]["code"], "not_found");
            assert!(!v["error"]["message"].as_str().unwrap().is_empty());
        }
        for path in [
            format!("/api/v1/agencies/999999/items/{finance}"),
            "/api/v1/agencies/abc/items".to_owned(),
            "/api/v1/agencies/999999/columns".to_owned(),
            "/api/v1/no-such-thing".to_owned(),
        ] {
            let (status, v) = json(&app, &path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(v["error"]["code"], "not_found");
        }

        // ---- nothing unpublished anywhere ------------------------------------------------------
        for id in hidden {
            assert_eq!(
                app.get(&format!("/portal/{dept}/items/{id}")).await.0,
                StatusCode::NOT_FOUND
            );
        }
        for (path, body) in crawl(&app).await {
            bodies.push((path, body));
        }
        for (path, body) in &bodies {
            for secret in SECRETS {
                assert!(!body.contains(secret), "{secret} in {path}");
            }
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn a_configured_public_address_is_used_and_a_bad_one_refused() {
    let app = TestApp::spawn_with(false, |c| {
        c.public_base_url = Some("https://gk.example.gov.cn/".into());
    })
    .await;
    let (_, robots) = app.get("/robots.txt").await;
    assert!(
        robots.contains("Sitemap: https://gk.example.gov.cn/sitemap.xml"),
        "{robots}"
    );
    let (_, xml) = app.get(&format!("/portal/{}/feed.atom", app.dept)).await;
    let feed = parse_xml(&xml);
    assert_eq!(
        feed.child("id").unwrap().text,
        format!("https://gk.example.gov.cn/portal/{}/feed.atom", app.dept)
    );
    app.finish().await;

    let dir = tempfile::tempdir().unwrap();
    let mut config = gongkai_server::Config::with_data_dir(dir.path().to_owned());
    config.public_base_url = Some("javascript:alert(1)".into());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = gongkai_server::build(config, listener).await.err().unwrap();
    assert!(err.to_string().contains("public_base_url"), "{err}");
}
