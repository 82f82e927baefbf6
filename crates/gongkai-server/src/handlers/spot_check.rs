//! 抽查 / 自查整改: reviewers draw a reproducible sample of their agency's published items for a
//! period, record a finding and the correction for each, and close the check. Agency
//! administrators read their agency's checks, supervisors (监督员) those of their agency and
//! every agency below it; both only read.

use super::{format_time, render, serde};
use crate::AppState;
use crate::auth::{CurrentUser, can_read_agency, readable_agencies};
use crate::error::AppError;
use crate::handlers::proactive::{ITEM_REVIEWERS, ITEM_STAFF};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate, Utc};
use gongkai_agency::Role;
use gongkai_proactive::spot_check::{Finding, SampleSize, check_entry};
use gongkai_store::proactive::{ProactiveError, china_date};
use gongkai_store::spot_check::{EntryInput, NewSpotCheck, SpotCheck, SpotCheckEntry};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Who sees spot checks: the item staff, and read-only the agency administrators and the
/// supervisors (监督员, who also see the agencies below their own).
pub const SPOT_CHECK_READERS: &[Role] = &[
    Role::Editor,
    Role::Reviewer,
    Role::AgencyAdmin,
    Role::Supervisor,
];
/// Who draws samples, records findings and closes checks (in their own agency only).
pub const SPOT_CHECKERS: &[Role] = ITEM_REVIEWERS;

type Errors = BTreeMap<&'static str, String>;

fn ymd(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

#[derive(Debug, Clone, Serialize)]
struct CheckView {
    id: i64,
    /// The agency's name when the list spans several agencies (a supervisor's).
    agency: String,
    title: String,
    period_from: String,
    period_to: String,
    sample_rule: String,
    population: i64,
    seed: i64,
    closed: bool,
    created_by: String,
    created_at: String,
    closed_by: String,
    closed_at: String,
}

impl CheckView {
    fn new(c: &SpotCheck) -> Self {
        Self {
            id: c.id,
            agency: String::new(),
            title: c.title.clone(),
            period_from: ymd(Some(c.period_from)),
            period_to: ymd(Some(c.period_to)),
            sample_rule: c.sample_rule.clone(),
            population: c.population,
            seed: c.seed,
            closed: c.closed,
            created_by: c.created_by.clone(),
            created_at: format_time(c.created_at),
            closed_by: c.closed_by.clone().unwrap_or_default(),
            closed_at: c.closed_at.map(format_time).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
struct EntryView {
    item_id: i64,
    position: i64,
    index_number: String,
    title: String,
    published_on: String,
    finding: &'static str,
    finding_label: &'static str,
    problem: String,
    correction: String,
    corrected_on: String,
    updated_by: String,
    updated_at: String,
}

impl EntryView {
    fn new(e: &SpotCheckEntry) -> Self {
        Self {
            item_id: e.item_id,
            position: e.position + 1,
            index_number: e.index_number.clone(),
            title: e.title.clone(),
            published_on: ymd(e.published_on),
            finding: e.finding.map(Finding::key).unwrap_or(""),
            finding_label: e.finding.map(Finding::label).unwrap_or("未填写"),
            problem: e.problem.clone(),
            correction: e.correction.clone(),
            corrected_on: ymd(e.corrected_on),
            updated_by: e.updated_by.clone().unwrap_or_default(),
            updated_at: e.updated_at.map(format_time).unwrap_or_default(),
        }
    }
}

/// A check the user may read (its agency is readable by them).
async fn readable_check(
    state: &AppState,
    me: &CurrentUser,
    id: i64,
) -> Result<(SpotCheck, Vec<SpotCheckEntry>), AppError> {
    let (check, entries) = state
        .store
        .get_spot_check(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !can_read_agency(state, me.user(), check.agency_id).await? {
        return Err(AppError::Forbidden);
    }
    Ok((check, entries))
}

/// A check of the user's own agency (the only ones anybody writes to).
async fn own_check(
    state: &AppState,
    me: &CurrentUser,
    id: i64,
) -> Result<(SpotCheck, Vec<SpotCheckEntry>), AppError> {
    let (check, entries) = readable_check(state, me, id).await?;
    if check.agency_id != me.user().agency_id {
        return Err(AppError::Forbidden);
    }
    Ok((check, entries))
}

pub async fn list(State(state): State<AppState>, me: CurrentUser) -> Result<Response, AppError> {
    let own = me.user().agency_id;
    // the readers' roles never read every agency (system administrators are not readers)
    let agencies = readable_agencies(&state, me.user())
        .await?
        .unwrap_or_else(|| vec![own]);
    let several = agencies.len() > 1;
    let mut checks: Vec<CheckView> = Vec::new();
    for agency_id in agencies {
        let list = state.store.list_spot_checks(agency_id).await?;
        if list.is_empty() {
            continue;
        }
        let name = if several {
            state
                .store
                .get_agency(agency_id)
                .await?
                .map(|a| a.name)
                .unwrap_or_default()
        } else {
            String::new()
        };
        checks.extend(list.iter().map(|c| CheckView {
            agency: name.clone(),
            ..CheckView::new(c)
        }));
    }
    checks.sort_by_key(|c| std::cmp::Reverse(c.id));
    let html = render(
        &state,
        "spot_checks.html",
        Some(&me),
        context! {
            checks => serde(&checks),
            several => several,
            can_check => SPOT_CHECKERS.contains(&me.user().role),
        },
    )?;
    Ok(html.into_response())
}

/// The form of a new check.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct NewCheckForm {
    title: String,
    period_from: String,
    period_to: String,
    mode: String,
    size: String,
    seed: String,
}

impl NewCheckForm {
    fn parse(&self) -> Result<NewSpotCheck, Errors> {
        let mut errors = Errors::new();
        let title = self.title.trim();
        if title.is_empty() {
            errors.insert("title", "名称：不能为空".into());
        } else if title.chars().count() > 100 {
            errors.insert("title", "名称：不能超过 100 个字".into());
        }
        let date = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        let from = date(&self.period_from);
        if from.is_none() {
            errors.insert("period_from", "开始日期：格式应为 YYYY-MM-DD".into());
        }
        let to = date(&self.period_to);
        if to.is_none() {
            errors.insert("period_to", "结束日期：格式应为 YYYY-MM-DD".into());
        }
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            errors.insert("period_to", "结束日期：不能早于开始日期".into());
        }
        let n = self.size.trim().parse::<u32>().ok().filter(|n| *n > 0);
        let size = match (self.mode.as_str(), n) {
            ("percent", Some(p)) if p <= 100 => u8::try_from(p).ok().map(SampleSize::Percent),
            ("count", Some(c)) => Some(SampleSize::Count(c)),
            _ => None,
        };
        if size.is_none() {
            let msg = if self.mode == "percent" {
                "抽查比例：须为 1 至 100 之间的整数"
            } else {
                "抽查数量：须为正整数"
            };
            errors.insert("size", msg.into());
        }
        let seed = match self.seed.trim() {
            "" => Some(random_seed()),
            s => s.parse::<i64>().ok().filter(|s| *s >= 0),
        };
        if seed.is_none() {
            errors.insert("seed", "随机种子：须为非负整数（留空则自动生成）".into());
        }
        match (from, to, size, seed) {
            (Some(period_from), Some(period_to), Some(size), Some(seed)) if errors.is_empty() => {
                Ok(NewSpotCheck {
                    title: title.to_owned(),
                    period_from,
                    period_to,
                    size,
                    seed,
                })
            }
            _ => Err(errors),
        }
    }
}

/// A random seed in `0..=i64::MAX` (stored as a signed integer).
fn random_seed() -> i64 {
    let hex = crate::auth::random_token(8);
    u64::from_str_radix(&hex, 16)
        .ok()
        .and_then(|v| i64::try_from(v >> 1).ok())
        .unwrap_or(0)
}

async fn form_page(
    state: &AppState,
    me: &CurrentUser,
    form: &NewCheckForm,
    errors: &Errors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let html = render(
        state,
        "spot_check_form.html",
        Some(me),
        context! {
            form => serde(form),
            errors => serde(errors),
            has_errors => !errors.is_empty(),
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn new_form(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Response, AppError> {
    let today = china_date(Utc::now());
    let form = NewCheckForm {
        title: format!("{}年主动公开信息抽查", today.year()),
        period_from: ymd(NaiveDate::from_ymd_opt(today.year(), 1, 1)),
        period_to: ymd(Some(today)),
        mode: "count".into(),
        size: "5".into(),
        seed: String::new(),
    };
    form_page(&state, &me, &form, &Errors::new(), StatusCode::OK).await
}

pub async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(form): Form<NewCheckForm>,
) -> Result<Response, AppError> {
    let input = match form.parse() {
        Ok(i) => i,
        Err(errors) => {
            return form_page(
                &state,
                &me,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let created = state
        .store
        .create_spot_check(
            me.user().agency_id,
            &input,
            &me.actor(),
            gongkai_store::now_secs(),
        )
        .await;
    match created {
        Ok(id) => Ok(Redirect::to(&format!("/console/spot-checks/{id}")).into_response()),
        Err(ProactiveError::Invalid(m)) => {
            let mut errors = Errors::new();
            errors.insert("period_from", m);
            form_page(
                &state,
                &me,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The form of one entry, as submitted.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct EntryForm {
    item_id: String,
    finding: String,
    problem: String,
    correction: String,
    corrected_on: String,
}

async fn detail_page(
    state: &AppState,
    me: &CurrentUser,
    check: &SpotCheck,
    entries: &[SpotCheckEntry],
    failed: Option<(&EntryForm, &Errors)>,
    notice: Option<&str>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let views: Vec<EntryView> = entries.iter().map(EntryView::new).collect();
    let problems = entries
        .iter()
        .filter(|e| e.finding == Some(Finding::Problem))
        .count();
    let done = entries.iter().filter(|e| e.finding.is_some()).count();
    let html = render(
        state,
        "spot_check.html",
        Some(me),
        context! {
            check => serde(CheckView::new(check)),
            entries => serde(&views),
            done => done,
            problems => problems,
            can_edit => !check.closed
                && check.agency_id == me.user().agency_id
                && SPOT_CHECKERS.contains(&me.user().role),
            // the item pages are for the agency's item staff
            can_open_items => check.agency_id == me.user().agency_id
                && ITEM_STAFF.contains(&me.user().role),
            failed_item => failed.map(|(f, _)| f.item_id.clone()).unwrap_or_default(),
            failed_form => failed.map(|(f, _)| serde(f)),
            errors => failed.map(|(_, e)| serde(e)),
            notice => notice,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn detail(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (check, entries) = readable_check(&state, &me, id).await?;
    detail_page(&state, &me, &check, &entries, None, None, StatusCode::OK).await
}

pub async fn record(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<EntryForm>,
) -> Result<Response, AppError> {
    let (check, entries) = own_check(&state, &me, id).await?;
    let Some(item_id) = form
        .item_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|i| entries.iter().any(|e| e.item_id == *i))
    else {
        return Err(AppError::Invalid("抽查记录：没有这条抽中的信息".into()));
    };
    if check.closed {
        return Err(AppError::Conflict("抽查已结束，不能再修改".into()));
    }
    let finding = Finding::parse(form.finding.trim());
    let corrected_on = NaiveDate::parse_from_str(form.corrected_on.trim(), "%Y-%m-%d").ok();
    let mut errors = Errors::new();
    if !form.corrected_on.trim().is_empty() && corrected_on.is_none() {
        errors.insert("corrected_on", "整改日期：格式应为 YYYY-MM-DD".into());
    }
    if let Err(es) = check_entry(finding, &form.problem, &form.correction, corrected_on) {
        for e in es {
            let field = match e {
                gongkai_proactive::spot_check::EntryError::FindingMissing => "finding",
                gongkai_proactive::spot_check::EntryError::ProblemRequired => "problem",
                gongkai_proactive::spot_check::EntryError::CorrectionDateRequired => "corrected_on",
            };
            errors.entry(field).or_insert_with(|| e.to_string());
        }
    }
    let (Some(finding), true) = (finding, errors.is_empty()) else {
        return detail_page(
            &state,
            &me,
            &check,
            &entries,
            Some((&form, &errors)),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let input = EntryInput {
        finding,
        problem: form.problem.clone(),
        correction: form.correction.clone(),
        corrected_on,
    };
    state
        .store
        .record_spot_check_entry(id, item_id, &input, &me.actor(), gongkai_store::now_secs())
        .await?;
    Ok(Redirect::to(&format!("/console/spot-checks/{id}#entry-{item_id}")).into_response())
}

pub async fn close(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (check, entries) = own_check(&state, &me, id).await?;
    match state
        .store
        .close_spot_check(id, &me.actor(), gongkai_store::now_secs())
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/console/spot-checks/{id}")).into_response()),
        Err(ProactiveError::Invalid(m)) => {
            detail_page(
                &state,
                &me,
                &check,
                &entries,
                None,
                Some(&m),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
