//! The staff console: sign-in, dashboard, agencies, users, audit log, settings.

use super::{
    AgencyView, XLSX_TYPE, agency_tree, csv_cell, csv_download, download, format_time, render,
    serde,
};
use crate::AppState;
use crate::auth::{
    self, CurrentUser, MaybeUser, PRE_SESSION_COOKIE, SESSION_COOKIE, can_manage_agency,
    can_read_agency, readable_agencies, set_cookie,
};
use crate::error::AppError;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use gongkai_agency::{AgencyKind, DivisionCode, ReportDeadline, Role, Uscc};
use gongkai_store::{AgencyInput, AuditEntry, AuditFilter, NewUser, Session, StoreError};
use minijinja::context;
use serde::{Deserialize, Serialize};

/// Failed sign-ins counted over this window.
pub(crate) const THROTTLE_WINDOW_SECS: i64 = 15 * 60;
const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
const MAX_FAILURES_PER_ADDRESS: i64 = 30;

fn with_status(status: StatusCode, html: Html<String>) -> Response {
    (status, html).into_response()
}

// ---- sign-in ------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginQuery {
    expired: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    login: String,
    password: String,
}

fn login_page(
    state: &AppState,
    csrf: &str,
    login: &str,
    error: Option<&str>,
    status: StatusCode,
    set_pre_session: bool,
) -> Result<Response, AppError> {
    let html = render(
        state,
        "login.html",
        None,
        context! { csrf => csrf, login => login, error => error },
    )?;
    let mut resp = with_status(status, html);
    if set_pre_session {
        resp.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(PRE_SESSION_COOKIE, csrf, None, state.config.secure_cookies),
        );
    }
    Ok(resp)
}

pub async fn login_form(
    State(state): State<AppState>,
    MaybeUser(auth): MaybeUser,
    Query(q): Query<LoginQuery>,
) -> Result<Response, AppError> {
    if auth.signed_in.is_some() {
        return Ok(Redirect::to("/console").into_response());
    }
    let (csrf, fresh) = match &auth.pre_session_csrf {
        Some(t) => (t.clone(), false),
        None => (auth::random_token(32), true),
    };
    let error = (q.expired.is_some() || auth.stale_cookie).then_some("登录已过期，请重新登录。");
    login_page(&state, &csrf, "", error, StatusCode::OK, fresh)
}

pub async fn login(
    State(state): State<AppState>,
    MaybeUser(auth): MaybeUser,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let csrf = auth.pre_session_csrf.clone().unwrap_or_default();
    let login = form.login.trim().to_owned();
    let now = gongkai_store::now_secs();
    let since = now - THROTTLE_WINDOW_SECS;
    let account_key = format!("account:{login}");
    let address_key = format!("address:{}", auth.address);
    let store = &state.store;
    if store.count_login_failures(&account_key, since).await? >= MAX_FAILURES_PER_ACCOUNT
        || store.count_login_failures(&address_key, since).await? >= MAX_FAILURES_PER_ADDRESS
    {
        tracing::warn!(login = %login, address = %auth.address, "sign-in throttled");
        return login_page(
            &state,
            &csrf,
            &login,
            Some(&AppError::Throttled.public_message()),
            StatusCode::TOO_MANY_REQUESTS,
            false,
        );
    }
    let user = store.find_user_by_login(&login).await?;
    let verified = match &user {
        Some(u) if !u.disabled => {
            auth::verify_password(form.password.clone(), u.password_hash.clone()).await
        }
        _ => false,
    };
    let Some(user) = user.filter(|_| verified) else {
        store.record_login_failure(&account_key, now).await?;
        store.record_login_failure(&address_key, now).await?;
        tracing::info!(login = %login, address = %auth.address, "sign-in failed");
        return login_page(
            &state,
            &csrf,
            &login,
            Some("用户名或密码错误。"),
            StatusCode::UNAUTHORIZED,
            false,
        );
    };
    store.clear_login_failures(&account_key).await?;
    crate::purge_stale(store).await;
    let ttl = i64::try_from(state.config.session_ttl.as_secs()).unwrap_or(8 * 3600);
    let session = Session {
        token: auth::random_token(32),
        user_id: user.id,
        csrf_token: auth::random_token(32),
        created_at: now,
        expires_at: now + ttl,
    };
    let actor = gongkai_store::Actor {
        user_id: Some(user.id),
        login: user.login.clone(),
        address: auth.address.clone(),
    };
    store.start_session(&session, &user, &actor).await?;
    let to = if user.must_change_password {
        "/console/password"
    } else {
        "/console"
    };
    let mut resp = Redirect::to(to).into_response();
    let secure = state.config.secure_cookies;
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &session.token, Some(ttl), secure),
    );
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(PRE_SESSION_COOKIE, "", Some(0), secure),
    );
    Ok(resp)
}

fn signed_out(state: &AppState) -> Response {
    let mut resp = Redirect::to("/console/login").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", Some(0), state.config.secure_cookies),
    );
    resp
}

pub async fn logout(State(state): State<AppState>, me: CurrentUser) -> Result<Response, AppError> {
    state
        .store
        .end_sessions(me.user(), Some(&me.0.session.token), &me.actor())
        .await?;
    Ok(signed_out(&state))
}

pub async fn logout_everywhere(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Response, AppError> {
    state
        .store
        .end_sessions(me.user(), None, &me.actor())
        .await?;
    Ok(signed_out(&state))
}

// ---- password -------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

pub async fn password_form(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Html<String>, AppError> {
    render(&state, "password.html", Some(&me), context! {})
}

pub async fn change_password(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let ok = auth::verify_password(form.current.clone(), me.user().password_hash.clone()).await;
    let problem = if ok {
        auth::password_problem(&form.new, &form.confirm, &form.current)
    } else {
        Some("当前密码不正确。")
    };
    if let Some(p) = problem {
        let html = render(&state, "password.html", Some(&me), context! { error => p })?;
        return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, html));
    }
    let hash = auth::hash_password(form.new).await?;
    state
        .store
        .set_password(
            me.user().id,
            &hash,
            false,
            Some(&me.0.session.token),
            &me.actor(),
        )
        .await?;
    Ok(Redirect::to("/console").into_response())
}

// ---- dashboard and settings -------------------------------------------------------------------

pub async fn dashboard(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Html<String>, AppError> {
    let all = state.store.list_agencies().await?;
    let own = all
        .iter()
        .find(|a| a.id == me.user().agency_id)
        .map(|a| AgencyView::new(a, &all, 0));
    let readable = readable_agencies(&state, me.user()).await?;
    let count = readable.as_ref().map_or(all.len(), Vec::len);
    render(
        &state,
        "dashboard.html",
        Some(&me),
        context! { agency => serde(&own), agency_count => count },
    )
}

pub async fn settings(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Html<String>, AppError> {
    let agency = state.store.get_agency(me.user().agency_id).await?;
    let all = state.store.list_agencies().await?;
    let view = agency.map(|a| AgencyView::new(&a, &all, 0));
    render(
        &state,
        "settings.html",
        Some(&me),
        context! {
            agency => serde(&view),
            can_manage => can_manage_agency(me.user(), me.user().agency_id),
        },
    )
}

// ---- agencies -------------------------------------------------------------------------------

pub async fn agencies(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Html<String>, AppError> {
    let all = state.store.list_agencies().await?;
    let visible = readable_agencies(&state, me.user()).await?;
    let tree = agency_tree(&all, visible.as_deref());
    render(
        &state,
        "agencies.html",
        Some(&me),
        context! {
            agencies => serde(&tree),
            can_create => me.user().role == Role::SystemAdmin,
        },
    )
}

/// The agency form as submitted (strings, validated into [`AgencyInput`]).
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct AgencyForm {
    name: String,
    uscc: String,
    division_code: String,
    kind: String,
    parent_id: String,
    report_deadline: String,
}

impl AgencyForm {
    fn from_view(v: &AgencyView) -> Self {
        Self {
            name: v.name.clone(),
            uscc: v.uscc.clone(),
            division_code: v.division_code.clone(),
            kind: v.kind.to_owned(),
            parent_id: v.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            report_deadline: v.deadline_override.clone(),
        }
    }

    /// Validates every field; the errors are Chinese, one per field.
    fn validate(&self) -> Result<AgencyInput, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.push(("name", "请填写机关名称。".to_owned()));
        } else if name.chars().count() > 100 {
            errors.push(("name", "机关名称不超过 100 个字。".to_owned()));
        }
        let uscc = Uscc::parse(&self.uscc)
            .map_err(|e| errors.push(("uscc", e.to_string())))
            .ok();
        let division = DivisionCode::parse(&self.division_code)
            .map_err(|e| errors.push(("division_code", e.to_string())))
            .ok();
        let kind = self
            .kind
            .parse::<AgencyKind>()
            .map_err(|_| errors.push(("kind", "请选择机关类型。".to_owned())))
            .ok();
        let parent_id = match self.parent_id.trim() {
            "" => None,
            p => match p.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push(("parent_id", "上级机关无效。".to_owned()));
                    None
                }
            },
        };
        let deadline = match self.report_deadline.trim() {
            "" => None,
            d => ReportDeadline::parse(d)
                .map_err(|e| errors.push(("report_deadline", e.to_string())))
                .ok(),
        };
        match (uscc, division, kind) {
            (Some(uscc), Some(division_code), Some(kind)) if errors.is_empty() => Ok(AgencyInput {
                parent_id,
                name: name.to_owned(),
                uscc,
                division_code,
                kind,
                report_deadline: deadline,
            }),
            _ => Err(errors),
        }
    }
}

fn kinds() -> Vec<minijinja::Value> {
    AgencyKind::ALL
        .iter()
        .map(|k| {
            context! { key => k.key(), label => k.label(), deadline => k.default_deadline().label() }
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn agency_form_page(
    state: &AppState,
    me: &CurrentUser,
    agency: Option<&AgencyView>,
    form: &AgencyForm,
    errors: &[(&'static str, String)],
    editable: bool,
    can_edit_parent: bool,
    status: StatusCode,
) -> Result<Response, AppError> {
    let all = state.store.list_agencies().await?;
    let parents = agency_tree(&all, None);
    let errors: std::collections::BTreeMap<&str, &str> =
        errors.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let html = render(
        state,
        "agency_form.html",
        Some(me),
        context! {
            agency => serde(agency),
            form => serde(form),
            errors => serde(&errors),
            has_errors => !errors.is_empty(),
            kinds => kinds(),
            parents => serde(&parents),
            editable => editable,
            can_edit_parent => can_edit_parent,
        },
    )?;
    Ok(with_status(status, html))
}

pub async fn agency_new_form(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Response, AppError> {
    agency_form_page(
        &state,
        &me,
        None,
        &AgencyForm::default(),
        &[],
        true,
        true,
        StatusCode::OK,
    )
    .await
}

pub async fn agency_create(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(form): Form<AgencyForm>,
) -> Result<Response, AppError> {
    let input = match form.validate() {
        Ok(i) => i,
        Err(errors) => {
            return agency_form_page(
                &state,
                &me,
                None,
                &form,
                &errors,
                true,
                true,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match state.store.create_agency(&input, &me.actor()).await {
        Ok(a) => Ok(Redirect::to(&format!("/console/agencies/{}", a.id)).into_response()),
        Err(e) => agency_write_error(&state, &me, None, &form, e).await,
    }
}

async fn agency_write_error(
    state: &AppState,
    me: &CurrentUser,
    agency: Option<&AgencyView>,
    form: &AgencyForm,
    e: StoreError,
) -> Result<Response, AppError> {
    let (field, msg, status) = match e {
        StoreError::Conflict(what) if what == "uscc" => (
            "uscc",
            "该统一社会信用代码已被其他机关使用。",
            StatusCode::CONFLICT,
        ),
        StoreError::Conflict(_) => (
            "parent_id",
            "上级机关不能是本机关或其下级机关。",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        StoreError::NotFound(_) => (
            "parent_id",
            "上级机关不存在。",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        other => return Err(other.into()),
    };
    let can_edit_parent = me.user().role == Role::SystemAdmin;
    agency_form_page(
        state,
        me,
        agency,
        form,
        &[(field, msg.to_owned())],
        true,
        can_edit_parent,
        status,
    )
    .await
}

pub async fn agency_detail(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let all = state.store.list_agencies().await?;
    let a = all.iter().find(|a| a.id == id).ok_or(AppError::NotFound)?;
    if !can_read_agency(&state, me.user(), id).await? {
        return Err(AppError::Forbidden);
    }
    let view = AgencyView::new(a, &all, 0);
    let editable = can_manage_agency(me.user(), id);
    let can_edit_parent = me.user().role == Role::SystemAdmin;
    agency_form_page(
        &state,
        &me,
        Some(&view),
        &AgencyForm::from_view(&view),
        &[],
        editable,
        can_edit_parent,
        StatusCode::OK,
    )
    .await
}

pub async fn agency_update(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Form(mut form): Form<AgencyForm>,
) -> Result<Response, AppError> {
    let all = state.store.list_agencies().await?;
    let current = all.iter().find(|a| a.id == id).ok_or(AppError::NotFound)?;
    if !can_manage_agency(me.user(), id) {
        return Err(AppError::Forbidden);
    }
    let view = AgencyView::new(current, &all, 0);
    let can_edit_parent = me.user().role == Role::SystemAdmin;
    if !can_edit_parent {
        // Only a system administrator moves an agency or changes its kind.
        form.parent_id = current.parent_id.map(|p| p.to_string()).unwrap_or_default();
        form.kind = current.kind.key().to_owned();
    }
    let input = match form.validate() {
        Ok(i) => i,
        Err(errors) => {
            return agency_form_page(
                &state,
                &me,
                Some(&view),
                &form,
                &errors,
                true,
                can_edit_parent,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match state.store.update_agency(id, &input, &me.actor()).await {
        Ok(a) => Ok(Redirect::to(&format!("/console/agencies/{}?saved=1", a.id)).into_response()),
        Err(e) => agency_write_error(&state, &me, Some(&view), &form, e).await,
    }
}

// ---- users ----------------------------------------------------------------------------------

#[derive(Serialize)]
struct UserView {
    id: i64,
    login: String,
    display_name: String,
    role_label: &'static str,
    agency_id: i64,
    agency_name: String,
    disabled: bool,
    must_change_password: bool,
    manageable: bool,
}

/// Roles a user may hand out.
fn assignable_roles(me: &gongkai_store::User) -> Vec<Role> {
    match me.role {
        Role::SystemAdmin => Role::ALL.to_vec(),
        Role::AgencyAdmin => vec![Role::Editor, Role::Reviewer, Role::AgencyAdmin],
        _ => Vec::new(),
    }
}

fn may_manage_user(me: &gongkai_store::User, target: &gongkai_store::User) -> bool {
    can_manage_agency(me, target.agency_id)
        && (target.role != Role::SystemAdmin || me.role == Role::SystemAdmin)
        && (target.role != Role::Supervisor || me.role == Role::SystemAdmin)
}

pub async fn users(State(state): State<AppState>, me: CurrentUser) -> Result<Response, AppError> {
    users_page(&state, &me, &NewUserForm::default(), &[], StatusCode::OK).await
}

/// The user list with the new-user form, re-filled and with per-field errors after a
/// rejected submission.
async fn users_page(
    state: &AppState,
    me: &CurrentUser,
    form: &NewUserForm,
    errors: &[(&'static str, String)],
    status: StatusCode,
) -> Result<Response, AppError> {
    let visible = readable_agencies(state, me.user()).await?;
    let all = state.store.list_agencies().await?;
    let users = state.store.list_users(visible.as_deref()).await?;
    let views: Vec<UserView> = users
        .iter()
        .map(|u| UserView {
            id: u.id,
            login: u.login.clone(),
            display_name: u.display_name.clone(),
            role_label: u.role.label(),
            agency_id: u.agency_id,
            agency_name: all
                .iter()
                .find(|a| a.id == u.agency_id)
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            disabled: u.disabled,
            must_change_password: u.must_change_password,
            manageable: may_manage_user(me.user(), u) && u.id != me.user().id,
        })
        .collect();
    let roles: Vec<minijinja::Value> = assignable_roles(me.user())
        .into_iter()
        .map(|r| context! { key => r.key(), label => r.label() })
        .collect();
    let target_agencies: Vec<AgencyView> = agency_tree(&all, None)
        .into_iter()
        .filter(|a| can_manage_agency(me.user(), a.id))
        .collect();
    let errors: std::collections::BTreeMap<&str, &str> =
        errors.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let html = render(
        state,
        "users.html",
        Some(me),
        context! {
            users => serde(&views),
            roles => roles,
            target_agencies => serde(&target_agencies),
            can_create => !target_agencies.is_empty(),
            form => serde(form),
            errors => serde(&errors),
            has_errors => !errors.is_empty(),
        },
    )?;
    Ok(with_status(status, html))
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub struct NewUserForm {
    login: String,
    display_name: String,
    role: String,
    agency_id: String,
}

fn valid_login(s: &str) -> bool {
    (3..=32).contains(&s.len())
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
}

async fn one_time_password_page(
    state: &AppState,
    me: &CurrentUser,
    user: &gongkai_store::User,
    password: &str,
    created: bool,
) -> Result<Response, AppError> {
    let html = render(
        state,
        "one_time_password.html",
        Some(me),
        context! {
            login => user.login.clone(),
            display_name => user.display_name.clone(),
            password => password,
            created => created,
        },
    )?;
    let mut resp = html.into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

pub async fn user_create(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(form): Form<NewUserForm>,
) -> Result<Response, AppError> {
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let login = form.login.trim().to_lowercase();
    if !valid_login(&login) {
        errors.push(("login", "登录名须为 3–32 位小写字母、数字或 . _ -。".into()));
    }
    let display_name = form.display_name.trim().to_owned();
    if display_name.is_empty() || display_name.chars().count() > 50 {
        errors.push(("display_name", "请填写姓名（不超过 50 字）。".into()));
    }
    let role = form.role.parse::<Role>().ok();
    if role.is_none() {
        errors.push(("role", "请选择角色。".into()));
    }
    let agency_id = form.agency_id.trim().parse::<i64>().ok();
    let agency = match agency_id {
        Some(id) => state.store.get_agency(id).await?,
        None => None,
    };
    if agency.is_none() {
        errors.push(("agency_id", "请选择所属机关。".into()));
    }
    // Handing out a role or an agency beyond one's own rights is refused outright.
    if role.is_some_and(|r| !assignable_roles(me.user()).contains(&r))
        || agency_id.is_some_and(|id| !can_manage_agency(me.user(), id))
    {
        return Err(AppError::Forbidden);
    }
    let (Some(role), Some(agency_id), true) = (role, agency_id, errors.is_empty()) else {
        return users_page(
            &state,
            &me,
            &form,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let password = auth::one_time_password();
    let hash = auth::hash_password(password.clone()).await?;
    let new = NewUser {
        agency_id,
        login,
        display_name,
        role,
        password_hash: hash,
        must_change_password: true,
    };
    let user = match state.store.create_user(&new, &me.actor()).await {
        Ok(u) => u,
        Err(StoreError::Conflict(_)) => {
            let errors = [("login", "该登录名已被使用，请换一个。".to_owned())];
            return users_page(&state, &me, &form, &errors, StatusCode::CONFLICT).await;
        }
        Err(e) => return Err(e.into()),
    };
    one_time_password_page(&state, &me, &user, &password, true).await
}

async fn managed_user(
    state: &AppState,
    me: &CurrentUser,
    id: i64,
) -> Result<gongkai_store::User, AppError> {
    let target = state.store.get_user(id).await?.ok_or(AppError::NotFound)?;
    if !may_manage_user(me.user(), &target) || target.id == me.user().id {
        return Err(AppError::Forbidden);
    }
    Ok(target)
}

pub async fn user_reset_password(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let target = managed_user(&state, &me, id).await?;
    let password = auth::one_time_password();
    let hash = auth::hash_password(password.clone()).await?;
    state
        .store
        .set_password(target.id, &hash, true, None, &me.actor())
        .await?;
    one_time_password_page(&state, &me, &target, &password, false).await
}

pub async fn user_disable(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let target = managed_user(&state, &me, id).await?;
    state
        .store
        .set_user_disabled(target.id, true, &me.actor())
        .await?;
    Ok(Redirect::to("/console/users").into_response())
}

pub async fn user_enable(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let target = managed_user(&state, &me, id).await?;
    state
        .store
        .set_user_disabled(target.id, false, &me.actor())
        .await?;
    Ok(Redirect::to("/console/users").into_response())
}

// ---- audit log ------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AuditQuery {
    action: String,
    actor: String,
}

#[derive(Serialize)]
struct AuditView {
    at: String,
    actor: String,
    agency: String,
    action: String,
    target: String,
    before: String,
    after: String,
    address: String,
}

async fn audit_rows(
    state: &AppState,
    me: &CurrentUser,
    q: &AuditQuery,
    limit: i64,
) -> Result<Vec<AuditView>, AppError> {
    let filter = AuditFilter {
        agency_ids: readable_agencies(state, me.user()).await?,
        action: Some(q.action.trim().to_owned()).filter(|s| !s.is_empty()),
        actor_login: Some(q.actor.trim().to_owned()).filter(|s| !s.is_empty()),
        limit,
    };
    let all = state.store.list_agencies().await?;
    let records = state.store.list_audit(&filter).await?;
    Ok(records
        .into_iter()
        .map(|r| AuditView {
            at: format_time(r.at),
            actor: r.actor_login,
            agency: r
                .agency_id
                .and_then(|id| all.iter().find(|a| a.id == id))
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            action: r.action,
            target: r.target,
            before: r.before,
            after: r.after,
            address: r.address,
        })
        .collect())
}

pub async fn audit(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Html<String>, AppError> {
    let rows = audit_rows(&state, &me, &q, 500).await?;
    render(
        &state,
        "audit.html",
        Some(&me),
        context! { rows => serde(&rows), action => q.action.clone(), actor => q.actor.clone() },
    )
}

/// The columns of an audit export (CSV and XLSX alike).
const AUDIT_EXPORT_HEADER: [&str; 8] = [
    "时间",
    "操作人",
    "机关",
    "操作",
    "对象",
    "修改前",
    "修改后",
    "地址",
];

impl AuditView {
    fn cells(&self) -> [&str; 8] {
        [
            &self.at,
            &self.actor,
            &self.agency,
            &self.action,
            &self.target,
            &self.before,
            &self.after,
            &self.address,
        ]
    }
}

/// Records who took a copy of the log, and how many entries.
async fn record_export(
    state: &AppState,
    me: &CurrentUser,
    format: &str,
    n: usize,
) -> Result<(), AppError> {
    state
        .store
        .append_audit(
            &me.actor(),
            &AuditEntry {
                agency_id: Some(me.user().agency_id),
                action: "audit.export",
                target: "审计日志".into(),
                before: String::new(),
                after: format!("导出 {n} 条（{format}）"),
            },
        )
        .await?;
    Ok(())
}

pub async fn audit_csv(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let rows = audit_rows(&state, &me, &q, 100_000).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(AUDIT_EXPORT_HEADER)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    for r in &rows {
        w.write_record(r.cells().map(csv_cell))
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    let body = w
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    record_export(&state, &me, "CSV", rows.len()).await?;
    Ok(csv_download("audit-log.csv", "audit-log.csv", body))
}

/// The rows as an XLSX workbook, written row by row in constant memory (the library streams
/// each finished row to a temporary file instead of keeping the sheet in memory). Cells are
/// written as strings, so nothing in them can become a formula.
fn audit_workbook(rows: &[AuditView]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet_with_constant_memory();
    sheet.set_name("审计日志")?;
    for (col, title) in (0u16..).zip(AUDIT_EXPORT_HEADER) {
        sheet.write_string_with_format(0, col, title, &bold)?;
    }
    for (row, r) in (1u32..).zip(rows) {
        for (col, cell) in (0u16..).zip(r.cells()) {
            sheet.write_string(row, col, cell)?;
        }
    }
    book.save_to_buffer()
}

pub async fn audit_xlsx(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let rows = audit_rows(&state, &me, &q, 100_000).await?;
    let n = rows.len();
    let bytes = tokio::task::spawn_blocking(move || audit_workbook(&rows))
        .await
        .map_err(|e| AppError::Internal(format!("xlsx task: {e}")))?
        .map_err(|e| AppError::Internal(format!("xlsx: {e}")))?;
    record_export(&state, &me, "XLSX", n).await?;
    Ok(download(
        XLSX_TYPE,
        "audit-log.xlsx",
        "audit-log.xlsx",
        bytes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_form_reports_each_bad_field() {
        let f = AgencyForm {
            name: " ".into(),
            uscc: "91350100M000100Y44".into(),
            division_code: "64".into(),
            kind: "x".into(),
            parent_id: "".into(),
            report_deadline: "02-30".into(),
        };
        let errors = f.validate().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            ["name", "uscc", "division_code", "kind", "report_deadline"]
        );
        assert!(errors[1].1.contains("校验位"));
    }

    #[test]
    fn csv_cells_cannot_be_formulas() {
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("灵武"), "灵武");
    }

    #[test]
    fn logins() {
        assert!(valid_login("demo-admin"));
        assert!(!valid_login("ab"));
        assert!(!valid_login("Admin"));
        assert!(!valid_login("a b c"));
    }
}
