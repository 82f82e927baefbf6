//! Attachments (附件): upload to a draft (multipart form), removal, and downloads — by staff of
//! the agency, and by the public only through an item's published version.
//!
//! An upload is checked before anything is stored: the name, the size, and the content sniffed
//! against the extension ([`gongkai_proactive::attachment::validate`]). Its text is extracted
//! for search and the pre-publication checks (PDF through poppler's `pdftotext` when installed).

use super::proactive::{detail_for, own_item};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use gongkai_proactive::attachment::{self, AttachmentKind, Extraction, Limits, TextStatus};
use gongkai_store::attachments::{NewAttachment, StoredAttachment};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// How long `pdftotext` may run on one file.
const PDF_TOOL_TIMEOUT: Duration = Duration::from_secs(30);

/// The text of a PDF through poppler's `pdftotext` (reading stdin, writing stdout).
async fn pdf_text(bytes: &[u8]) -> Extraction {
    let spawned = tokio::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8", "-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "pdftotext is not available; PDF text not extracted");
            return Extraction {
                text: String::new(),
                status: TextStatus::NeedsPdfTool,
                truncated: false,
            };
        }
    };
    let failed = |why: &str| Extraction {
        text: String::new(),
        status: TextStatus::Failed(why.to_owned()),
        truncated: false,
    };
    let Some(mut stdin) = child.stdin.take() else {
        return failed("无法向 pdftotext 传入文件");
    };
    let input = bytes.to_vec();
    let writer = tokio::spawn(async move {
        // pdftotext may stop reading early on a broken file; that is not our error.
        let _ = stdin.write_all(&input).await;
    });
    let out = tokio::time::timeout(PDF_TOOL_TIMEOUT, child.wait_with_output()).await;
    let _ = writer.await;
    match out {
        Ok(Ok(o)) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout).replace('\u{c}', "\n");
            let limit = attachment::ExtractLimits::default().max_text_bytes;
            let truncated = text.len() > limit;
            let mut text = text;
            if truncated {
                let mut end = limit;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.truncate(end);
            }
            Extraction {
                text,
                status: TextStatus::Extracted,
                truncated,
            }
        }
        Ok(Ok(_)) => failed("PDF 文件损坏或已加密，无法提取文字"),
        Ok(Err(_)) => failed("pdftotext 运行失败"),
        Err(_) => failed("提取 PDF 文字超时"),
    }
}

/// The text of a validated file.
async fn text_of(kind: AttachmentKind, bytes: &[u8]) -> Extraction {
    if kind == AttachmentKind::Pdf {
        return pdf_text(bytes).await;
    }
    let owned = bytes.to_vec();
    tokio::task::spawn_blocking(move || attachment::extract_text(kind, &owned))
        .await
        .unwrap_or_else(|_| Extraction {
            text: String::new(),
            status: TextStatus::Failed("提取文字时出错".into()),
            truncated: false,
        })
}

/// One file of the upload form.
struct Upload {
    file_name: String,
    bytes: Vec<u8>,
}

async fn read_uploads(mut form: Multipart) -> Result<Vec<Upload>, AppError> {
    let mut files = Vec::new();
    loop {
        let field = form
            .next_field()
            .await
            .map_err(|e| AppError::Invalid(format!("上传的表单无法读取：{e}")))?;
        let Some(field) = field else { break };
        if field.name() != Some("file") {
            continue;
        }
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| AppError::Invalid(format!("附件“{file_name}”未能完整上传：{e}")))?;
        // A file input left empty sends a part without a name and without bytes.
        if file_name.is_empty() && bytes.is_empty() {
            continue;
        }
        files.push(Upload {
            file_name,
            bytes: bytes.to_vec(),
        });
    }
    Ok(files)
}

/// `POST /console/items/{id}/attachments`: adds the uploaded files to the working version.
pub async fn upload(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<Response, AppError> {
    let record = own_item(&state, &me, id).await?;
    let files = read_uploads(form).await?;
    if files.is_empty() {
        return detail_for(
            &state,
            &me,
            &record,
            Some("请选择要上传的附件。"),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let limits = Limits {
        max_bytes: state.config.attachment_limit,
        ..Limits::default()
    };
    // Everything is checked before anything is stored: one bad file rejects the upload.
    let mut checked = Vec::with_capacity(files.len());
    for f in files {
        match attachment::validate(&f.file_name, &f.bytes, &limits) {
            Ok(kind) => checked.push((f, kind)),
            Err(e) => {
                return detail_for(
                    &state,
                    &me,
                    &record,
                    Some(&e.to_string()),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        }
    }
    let latest = record.latest().ok_or(AppError::NotFound)?;
    let mut list = latest.item.attachments.clone();
    let now = Utc::now();
    for (f, kind) in checked {
        let extraction = text_of(kind, &f.bytes).await;
        let file_name = f.file_name.trim().to_owned();
        let stored = state
            .store
            .add_attachment(
                record.agency_id,
                &NewAttachment {
                    file_name: &file_name,
                    media_type: kind.media_type(),
                    content: &f.bytes,
                    text: &extraction.text,
                    text_status: extraction.status.key(),
                },
                &me.actor(),
                now,
            )
            .await?;
        if !list.iter().any(|a| a.id == Some(stored.id)) {
            list.push(stored.to_item_attachment());
        }
    }
    state
        .store
        .set_item_attachments(id, list, &me.actor(), now)
        .await?;
    Ok(Redirect::to(&format!("/console/items/{id}#attachments")).into_response())
}

/// `POST /console/items/{id}/attachments/{attachment_id}/remove`.
pub async fn remove(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, attachment_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let record = own_item(&state, &me, id).await?;
    let latest = record.latest().ok_or(AppError::NotFound)?;
    let before = latest.item.attachments.len();
    let list: Vec<_> = latest
        .item
        .attachments
        .iter()
        .filter(|a| a.id != Some(attachment_id))
        .cloned()
        .collect();
    if list.len() == before {
        return Err(AppError::NotFound);
    }
    state
        .store
        .set_item_attachments(id, list, &me.actor(), Utc::now())
        .await?;
    Ok(Redirect::to(&format!("/console/items/{id}#attachments")).into_response())
}

/// A file as a download, with its stored type and an RFC 6266 file name.
fn download(meta: &StoredAttachment, bytes: Vec<u8>) -> Response {
    let disposition = super::attachment_disposition(&meta.file_name, &meta.file_name);
    let mut resp = bytes.into_response();
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&meta.media_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    resp
}

/// `GET /console/attachments/{id}`: staff of the owning agency.
pub async fn staff_download(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let meta = state
        .store
        .attachment(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if meta.agency_id != me.user().agency_id {
        return Err(AppError::Forbidden);
    }
    let bytes = state
        .store
        .attachment_content(id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(download(&meta, bytes))
}

/// `GET /portal/{agency_id}/items/{item_id}/attachments/{attachment_id}`: only a file listed in
/// the item's published version.
pub async fn public_download(
    State(state): State<AppState>,
    Path((agency_id, item_id, attachment_id)): Path<(i64, i64, i64)>,
) -> Result<Response, AppError> {
    let (meta, bytes) = state
        .store
        .published_attachment(agency_id, item_id, attachment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(download(&meta, bytes))
}
