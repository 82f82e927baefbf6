//! `gongkai serve --demo`: idempotently creates a small hierarchy with one account per role.
//!
//! 宁夏回族自治区人民政府 → 银川市人民政府 → 灵武市人民政府 → 灵武市审批服务管理局 and a few
//! sibling departments and a township. An account that has not yet set its own password gets a
//! fresh one-time password at every start; one that has keeps it.

use crate::auth;
use crate::error::AppError;
use gongkai_agency::{AgencyKind, DivisionCode, Role, Uscc};
use gongkai_store::{Actor, AgencyInput, NewUser, Store};

/// A demo account as printed at start.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub login: String,
    pub role: Role,
    pub agency: String,
    /// The new one-time password, or `None` when the account already set its own.
    pub password: Option<String>,
}

/// (name, kind, division code, first 17 characters of the 统一社会信用代码, parent index)
const AGENCIES: &[(&str, AgencyKind, &str, &str, Option<usize>)] = &[
    (
        "宁夏回族自治区人民政府",
        AgencyKind::ProvincialGovernment,
        "640000",
        "11640000MB0000001",
        None,
    ),
    (
        "银川市人民政府",
        AgencyKind::MunicipalGovernment,
        "640100",
        "11640100MB0000001",
        Some(0),
    ),
    (
        "灵武市人民政府",
        AgencyKind::CountyGovernment,
        "640181",
        "11640181MB0000001",
        Some(1),
    ),
    (
        "灵武市审批服务管理局",
        AgencyKind::Department,
        "640181",
        "11640181MB0000002",
        Some(2),
    ),
    (
        "灵武市教育局",
        AgencyKind::Department,
        "640181",
        "11640181MB0000003",
        Some(2),
    ),
    (
        "灵武市财政局",
        AgencyKind::Department,
        "640181",
        "11640181MB0000004",
        Some(2),
    ),
    (
        "灵武市城区街道办事处",
        AgencyKind::Township,
        "640181",
        "11640181MB0000005",
        Some(2),
    ),
];

/// (login, display name, role, agency index)
const USERS: &[(&str, &str, Role, usize)] = &[
    ("demo-editor", "演示信息员", Role::Editor, 3),
    ("demo-reviewer", "演示审核员", Role::Reviewer, 3),
    ("demo-admin", "演示机关管理员", Role::AgencyAdmin, 3),
    ("demo-supervisor", "演示监督员", Role::Supervisor, 2),
    ("demo-sysadmin", "演示系统管理员", Role::SystemAdmin, 0),
];

/// The demo bureau's 错敏词 list (format of `SensitiveWords::parse_list`).
pub const DEMO_SENSITIVE_WORDS: &str =
    "# 演示用错敏词表：每行一个词条；以“!”开头的禁止发布；“=>”后为正确写法
法制政府 => 法治政府
截止到 => 截至
做为 => 作为
帐号 => 账号
其它 => 其他
!绝密
!机密
";

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Store(#[from] gongkai_store::StoreError),
    #[error(transparent)]
    Domain(#[from] gongkai_agency::DomainError),
    #[error("{0}")]
    App(String),
}

impl From<AppError> for DemoError {
    fn from(e: AppError) -> Self {
        Self::App(e.to_string())
    }
}

/// Creates what is missing and returns the accounts with their new one-time passwords.
pub async fn seed(store: &Store, with_items: bool) -> Result<Vec<DemoAccount>, DemoError> {
    let actor = Actor::system();
    let mut ids: Vec<i64> = Vec::new();
    for (name, kind, division, uscc17, parent) in AGENCIES {
        let uscc = Uscc::with_check_digit(uscc17)?;
        let id = match store.find_agency_by_uscc(&uscc).await? {
            Some(a) => a.id,
            None => {
                let input = AgencyInput {
                    parent_id: parent.and_then(|p| ids.get(p).copied()),
                    name: (*name).to_owned(),
                    uscc,
                    division_code: DivisionCode::parse(division)?,
                    kind: *kind,
                    report_deadline: None,
                };
                store.create_agency(&input, &actor).await?.id
            }
        };
        ids.push(id);
    }
    // The demo bureau files its items in the thirteen columns its report names.
    if let Some(bureau) = ids.get(3).copied()
        && store.catalogue(bureau).await? != gongkai_proactive::Catalogue::demo_bureau()
    {
        store
            .set_catalogue(bureau, &gongkai_proactive::Catalogue::demo_bureau(), &actor)
            .await?;
    }
    // ... and checks drafts against a short 错敏词 list of its own.
    if let Some(bureau) = ids.get(3).copied()
        && store.sensitive_words_text(bureau).await?.is_none()
    {
        store
            .set_sensitive_words(bureau, DEMO_SENSITIVE_WORDS, &actor)
            .await?;
    }
    let mut accounts = Vec::new();
    for (login, display_name, role, agency) in USERS {
        let agency_id = ids
            .get(*agency)
            .copied()
            .ok_or_else(|| DemoError::App("demo agency index".into()))?;
        let existing = store.find_user_by_login(login).await?;
        let password = match existing {
            Some(u) if !u.must_change_password => None,
            Some(u) => {
                let p = auth::one_time_password();
                let hash = auth::hash_password(p.clone()).await?;
                store.set_password(u.id, &hash, true, None, &actor).await?;
                Some(p)
            }
            None => {
                let p = auth::one_time_password();
                let hash = auth::hash_password(p.clone()).await?;
                let new = NewUser {
                    agency_id,
                    login: (*login).to_owned(),
                    display_name: (*display_name).to_owned(),
                    role: *role,
                    password_hash: hash,
                    must_change_password: true,
                };
                store.create_user(&new, &actor).await?;
                Some(p)
            }
        };
        accounts.push(DemoAccount {
            login: (*login).to_owned(),
            role: *role,
            agency: AGENCIES[*agency].0.to_owned(),
            password,
        });
    }
    // ... and has published items to show (with a draft and a withdrawn item that stay hidden).
    if let Some(bureau) = ids.get(3).copied().filter(|_| with_items) {
        let as_user = |login: &str, id: Option<i64>| Actor {
            user_id: id,
            login: login.to_owned(),
            address: String::new(),
        };
        let editor = store.find_user_by_login("demo-editor").await?;
        let reviewer = store.find_user_by_login("demo-reviewer").await?;
        if let (Some(e), Some(r)) = (editor, reviewer) {
            crate::demo_items::seed_items(
                store,
                bureau,
                &as_user(&e.login, Some(e.id)),
                &as_user(&r.login, Some(r.id)),
            )
            .await
            .map_err(|e| DemoError::App(e.to_string()))?;
        }
    }
    Ok(accounts)
}
