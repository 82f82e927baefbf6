//! Proactive disclosure over HTTP, on SQLite always and on PostgreSQL when
//! `GONGKAI_TEST_POSTGRES_URL` is set: the review flow, four eyes, blocking pre-publication
//! checks, and a crawl of the public site that must never show unpublished text.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on setup failure by design

mod common;

use common::{NEW_PASSWORD, TestApp, backends, crawl, planted_resident_id};
use gongkai_agency::Role;
use gongkai_store::{Actor, AuditFilter, NewUser};
use reqwest::StatusCode;

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
                // the demo bureau's own draft and withdrawn item
                "DRAFT-DEMO",
                "WITHDRAWN-DEMO",
                "未经核实的投诉人信息",
            ] {
                assert!(!body.contains(mark), "{mark} on public page {path}");
            }
        }
        // the demo bureau's published items are there, with their attachments
        assert!(
            pages
                .iter()
                .any(|(_, b)| b.contains("政务服务“好差评”制度实施办法"))
        );
        assert!(pages.iter().any(|(_, b)| b.contains("审批结果.xlsx")));
        // and the search API knows nothing of the unpublished text either
        for q in [
            "DRAFT-DEMO",
            "WITHDRAWN-DEMO",
            "窗口设置 草稿",
            "投诉人 未经核实",
            "DRAFTMARK",
        ] {
            let url = format!(
                "/api/v1/search?q={}",
                form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
            );
            let (status, body) = app.get(&url).await;
            assert_eq!(status, StatusCode::OK);
            assert!(body.contains("\"total\":0"), "{q}: {body}");
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
