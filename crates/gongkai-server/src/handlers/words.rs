//! The agency's 错敏词 list (sensitive and commonly mistaken words) that the pre-publication
//! checks use: one entry a line, `!` for words that block publication, `错词 => 正确用词` for
//! mistaken words.

use super::render;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gongkai_agency::Role;
use gongkai_proactive::check::{SensitiveWords, lint_list};
use minijinja::context;
use serde::Deserialize;

/// Who edits the catalogue and the word list of their agency.
pub const CATALOGUE_MANAGERS: &[Role] = &[Role::AgencyAdmin, Role::Reviewer];

/// Longest list accepted (characters).
const MAX_LIST_CHARS: usize = 200_000;

/// The agency's compiled list (empty when it has none, or — defensively — when the stored
/// text no longer compiles; it was validated when saved).
pub async fn agency_words(state: &AppState, agency_id: i64) -> Result<SensitiveWords, AppError> {
    let text = state.store.sensitive_words_text(agency_id).await?;
    Ok(text
        .as_deref()
        .map(|t| {
            SensitiveWords::parse_list(t).unwrap_or_else(|e| {
                tracing::warn!(agency_id, error = %e, "stored sensitive word list does not compile");
                SensitiveWords::empty()
            })
        })
        .unwrap_or_default())
}

#[derive(Debug, Default, Deserialize)]
pub struct WordsForm {
    #[serde(default)]
    words: String,
}

async fn page(
    state: &AppState,
    me: &CurrentUser,
    text: &str,
    errors: &[String],
    saved: bool,
    status: StatusCode,
) -> Result<Response, AppError> {
    let count = SensitiveWords::parse_list(text)
        .map(|w| w.entries().len())
        .unwrap_or(0);
    let html = render(
        state,
        "sensitive_words.html",
        Some(me),
        context! { text => text, errors => super::serde(errors), saved => saved, count => count },
    )?;
    Ok((status, html).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

pub async fn words_page(
    State(state): State<AppState>,
    me: CurrentUser,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Result<Response, AppError> {
    let text = state
        .store
        .sensitive_words_text(me.user().agency_id)
        .await?
        .unwrap_or_default();
    page(&state, &me, &text, &[], q.saved.is_some(), StatusCode::OK).await
}

pub async fn words_save(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(form): Form<WordsForm>,
) -> Result<Response, AppError> {
    // Normalise line ends; keep the text otherwise as typed.
    let text = form.words.replace("\r\n", "\n");
    let mut errors: Vec<String> = lint_list(&text)
        .into_iter()
        .map(|p| format!("第 {} 行：{}", p.line, p.message))
        .collect();
    if text.chars().count() > MAX_LIST_CHARS {
        errors.push(format!("词表过长（超过 {MAX_LIST_CHARS} 个字符）"));
    }
    if errors.is_empty()
        && let Err(e) = SensitiveWords::parse_list(&text)
    {
        errors.push(e.to_string());
    }
    if !errors.is_empty() {
        return page(
            &state,
            &me,
            &text,
            &errors,
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    state
        .store
        .set_sensitive_words(me.user().agency_id, &text, &me.actor())
        .await?;
    Ok(Redirect::to("/console/sensitive-words?saved=1").into_response())
}
