//! Editing the agency's catalogue (栏目): list in order, add, rename, move up/down, delete
//! (refused while any item version uses the column).

use super::render;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gongkai_proactive::ColumnKey;
use gongkai_proactive::catalogue::CatalogueEdit;
use gongkai_store::proactive::ProactiveError;
use minijinja::context;
use serde::{Deserialize, Serialize};

/// The forms of the page (each posts the fields it needs).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ColumnForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    direction: String,
}

/// The page, with an error tied to the form that caused it (`add` or the column's key).
async fn page(
    state: &AppState,
    me: &CurrentUser,
    form: &ColumnForm,
    error: Option<(&str, String)>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let agency_id = me.user().agency_id;
    let catalogue = state.store.catalogue(agency_id).await?;
    let usage = state.store.column_usage(agency_id).await?;
    let columns: Vec<minijinja::Value> = catalogue
        .columns()
        .iter()
        .map(|c| {
            let used = usage
                .iter()
                .find(|(k, _)| k == c.key.as_str())
                .map_or(0, |(_, n)| *n);
            let siblings: Vec<&str> = catalogue
                .columns()
                .iter()
                .filter(|x| x.parent == c.parent)
                .map(|x| x.key.as_str())
                .collect();
            context! {
                key => c.key.as_str(),
                name => c.name.clone(),
                child => c.parent.is_some(),
                used => used,
                first => siblings.first() == Some(&c.key.as_str()),
                last => siblings.last() == Some(&c.key.as_str()),
                has_children => catalogue.children(&c.key).next().is_some(),
            }
        })
        .collect();
    let (error_for, error) = match error {
        Some((f, m)) => (f.to_owned(), m),
        None => (String::new(), String::new()),
    };
    let html = render(
        state,
        "catalogue.html",
        Some(me),
        context! {
            columns => columns,
            form => super::serde(form),
            error_for => error_for,
            error => error,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn catalogue_page(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Response, AppError> {
    page(&state, &me, &ColumnForm::default(), None, StatusCode::OK).await
}

async fn apply(
    state: &AppState,
    me: &CurrentUser,
    form: &ColumnForm,
    error_for: &str,
    edit: Result<CatalogueEdit, String>,
) -> Result<Response, AppError> {
    let result = match edit {
        Ok(edit) => state
            .store
            .edit_catalogue(me.user().agency_id, &edit, &me.actor())
            .await
            .map(|_| ()),
        Err(m) => Err(ProactiveError::Invalid(m)),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/console/catalogue").into_response()),
        Err(ProactiveError::Invalid(m)) => {
            page(
                state,
                me,
                form,
                Some((error_for, m)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

fn key_of(form: &ColumnForm) -> Result<ColumnKey, String> {
    ColumnKey::parse(form.key.trim()).map_err(|_| "请选择要修改的栏目".to_owned())
}

pub async fn column_add(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(form): Form<ColumnForm>,
) -> Result<Response, AppError> {
    let parent = match form.parent.trim() {
        "" => Ok(None),
        p => ColumnKey::parse(p)
            .map(Some)
            .map_err(|_| "上级栏目无效".to_owned()),
    };
    let edit = parent.map(|parent| CatalogueEdit::Add {
        key: Some(form.key.trim().to_owned()).filter(|k| !k.is_empty()),
        name: form.name.clone(),
        parent,
    });
    apply(&state, &me, &form, "add", edit).await
}

pub async fn column_rename(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(form): Form<ColumnForm>,
) -> Result<Response, AppError> {
    let edit = key_of(&form).map(|key| CatalogueEdit::Rename {
        key,
        name: form.name.clone(),
    });
    apply(&state, &me, &form, form.key.trim(), edit).await
}

pub async fn column_move(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(form): Form<ColumnForm>,
) -> Result<Response, AppError> {
    let edit = key_of(&form).and_then(|key| match form.direction.as_str() {
        "up" => Ok(CatalogueEdit::Move { key, up: true }),
        "down" => Ok(CatalogueEdit::Move { key, up: false }),
        _ => Err("移动方向无效".to_owned()),
    });
    apply(&state, &me, &form, form.key.trim(), edit).await
}

pub async fn column_delete(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(form): Form<ColumnForm>,
) -> Result<Response, AppError> {
    let edit = key_of(&form).map(|key| CatalogueEdit::Delete { key });
    apply(&state, &me, &form, form.key.trim(), edit).await
}
