//! Exports as CSV and XLSX: a consultation's consented responses (suppression applied) and the
//! recommendations of signed-off records with their state. The same access as the screens: a
//! manager's export holds only their homes. Every export is audited before it is sent; the
//! recommendations export also audits each record it was made from as read (`record_read`).

use super::reporting::{self, Asked};
use super::reports::{audit_download, download, load_records, readable_consultation};
use super::{signed_in, with_app};
use crate::auth::SignedIn;
use crate::error::ApiError;
use crate::report::{self, Table};
use crate::state::App;
use crate::store::AuditEvent;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{ConsultationResponse, Inspection, Record, RecordKind};
use hearth_shared::reporting::{Day, Round, counted};
use std::collections::HashMap;
use std::sync::Arc;
use warp::reply::Response;
use warp::{Filter, Rejection};

/// The two file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    fn as_str(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Xlsx => "xlsx",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            FileFormat::Csv => "text/csv; charset=utf-8",
            FileFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

fn rejected(e: impl Into<ApiError>) -> Rejection {
    warp::reject::custom(e.into())
}

/// `GET /api/exports/consultations/{id}/responses.csv|.xlsx`,
/// `GET /api/exports/recommendations.csv|.xlsx`.
pub fn routes(app: Arc<App>) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let responses = |name: &'static str, format: FileFormat, app: Arc<App>| {
        warp::path("api")
            .and(warp::path("exports"))
            .and(warp::path("consultations"))
            .and(warp::path::param::<String>())
            .and(warp::path(name))
            .and(warp::path::end())
            .and(warp::get())
            .and(with_app(app.clone()))
            .and(signed_in(app))
            .and_then(move |id: String, app: Arc<App>, who: SignedIn| async move {
                responses_export(&app, &who, &id, format)
                    .await
                    .map_err(rejected)
            })
    };
    let recommendations = |name: &'static str, format: FileFormat, app: Arc<App>| {
        warp::path("api")
            .and(warp::path("exports"))
            .and(warp::path(name))
            .and(warp::path::end())
            .and(warp::get())
            .and(with_app(app.clone()))
            .and(signed_in(app))
            .and_then(move |app: Arc<App>, who: SignedIn| async move {
                recommendations_export(&app, &who, format)
                    .await
                    .map_err(rejected)
            })
    };
    responses("responses.csv", FileFormat::Csv, app.clone())
        .or(responses("responses.xlsx", FileFormat::Xlsx, app.clone()))
        .unify()
        .or(recommendations(
            "recommendations.csv",
            FileFormat::Csv,
            app.clone(),
        ))
        .unify()
        .or(recommendations(
            "recommendations.xlsx",
            FileFormat::Xlsx,
            app,
        ))
        .unify()
}

/// A consultation's counted (handed in, consented) responses, one row each; refused with
/// `too_few_responses` below the small-group threshold.
async fn responses_export(
    app: &App,
    who: &SignedIn,
    id: &str,
    format: FileFormat,
) -> Result<Response, ApiError> {
    reporting::check_role(who.user.role, Asked::ResponsesExport)?;
    let (id, consultation) = readable_consultation(app, who, id).await?;
    let readable: Vec<_> = app
        .store
        .document_facts()
        .await?
        .into_iter()
        .filter(|(doc, meta, _)| {
            reporting::can_read(&who.actor, who.kiosk_consultation(), *doc, meta)
        })
        .collect();
    let wanted: Vec<DocumentId> = reporting::responses_to(&[id], &readable)
        .into_iter()
        .map(|(response, _)| response)
        .collect();
    let responses: Vec<ConsultationResponse> = load_records(app, wanted)
        .await?
        .into_iter()
        .filter_map(|(_, record)| match record {
            Record::ConsultationResponse(r) if counted(&r) => Some(r),
            _ => None,
        })
        .collect();
    let suppress_below = app.config.suppress_below;
    reporting::check_enough_responses(responses.len(), suppress_below)?;
    let home_names = home_names(app).await?;
    let round = Round {
        id: id.to_string(),
        consultation: &consultation,
        responses: responses.iter().collect(),
    };
    let table = report::responses_table(&round, suppress_below, &home_names);
    let today = Day::from_unix_ms(app.clock.now_ms());
    let body = write(table, format).await?;
    audit_download(
        app,
        who,
        "export_downloaded",
        Some(id),
        reporting::download_detail(format.as_str(), "responses"),
    )
    .await?;
    Ok(download(
        body,
        format.content_type(),
        &format!("consultation-responses-{today}.{}", format.as_str()),
    ))
}

/// Every recommendation of the signed-off (or later) inspection records the reader may read:
/// all for an officer, their homes' for a manager.
async fn recommendations_export(
    app: &App,
    who: &SignedIn,
    format: FileFormat,
) -> Result<Response, ApiError> {
    reporting::check_role(who.user.role, Asked::RecommendationsExport)?;
    let wanted: Vec<DocumentId> = app
        .store
        .document_facts()
        .await?
        .into_iter()
        .filter(|(id, meta, _)| {
            meta.kind == RecordKind::Inspection
                && reporting::check_signed_off(meta.state).is_ok()
                && reporting::can_read(&who.actor, who.kiosk_consultation(), *id, meta)
        })
        .map(|(id, _, _)| id)
        .collect();
    let (read, inspections): (Vec<DocumentId>, Vec<Inspection>) = load_records(app, wanted)
        .await?
        .into_iter()
        .filter_map(|(id, record)| {
            // Checked again on the loaded record: it is what the rows are made from.
            let meta = record.meta();
            let readable = reporting::check_signed_off(meta.state).is_ok()
                && reporting::can_read(&who.actor, who.kiosk_consultation(), id, &meta);
            match record {
                Record::Inspection(i) if readable => Some((id, i)),
                _ => None,
            }
        })
        .unzip();
    let home_names = home_names(app).await?;
    let mut rows: Vec<(String, &Inspection)> = inspections
        .iter()
        .map(|i| {
            let home = home_names
                .get(&i.home_id)
                .cloned()
                .unwrap_or_else(|| "Unknown home".into());
            (home, i)
        })
        .collect();
    rows.sort_by(|(a_home, a), (b_home, b)| (a_home, &a.visit_date).cmp(&(b_home, &b.visit_date)));
    let table = report::recommendations_table(&rows);
    let today = Day::from_unix_ms(app.clock.now_ms());
    let body = write(table, format).await?;
    let detail = reporting::download_detail(format.as_str(), "recommendations");
    // The export row, and each record it was made from as read, in one write before sending.
    let at_ms = app.clock.now_ms();
    let row = |document_id, action: &str| AuditEvent {
        at_ms,
        user_id: Some(who.user.id.clone()),
        action: action.into(),
        document_id,
        subject: None,
        detail: detail.clone(),
    };
    let rows = std::iter::once(row(None, "export_downloaded"))
        .chain(read.iter().map(|id| row(Some(*id), "record_read")))
        .collect();
    app.store.audit_all(rows).await?;
    Ok(download(
        body,
        format.content_type(),
        &format!("recommendations-{today}.{}", format.as_str()),
    ))
}

/// Every home's name by id (archived ones too: their records stay readable).
async fn home_names(app: &App) -> Result<HashMap<String, String>, ApiError> {
    Ok(app
        .store
        .list_homes()
        .await?
        .into_iter()
        .map(|h| (h.id, h.name))
        .collect())
}

/// Writes the table; XLSX on the blocking pool (zipping a workbook is CPU work).
async fn write(table: Table, format: FileFormat) -> Result<Vec<u8>, ApiError> {
    match format {
        FileFormat::Csv => Ok(report::csv(&table)),
        FileFormat::Xlsx => tokio::task::spawn_blocking(move || report::xlsx(&table))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "spreadsheet task failed");
                ApiError::Internal
            })?
            .map_err(|e| {
                tracing::error!(error = %e, "spreadsheet could not be written");
                ApiError::Internal
            }),
    }
}
