//! Reports: the Regulation 33 report of a signed-off record (HTML to read and print, PDF to
//! send) with its distribution, and the Corporate Parenting Panel summary of a consultation
//! series (HTML, PDF). Who may have what is [`super::reporting`]; the layouts are
//! [`crate::report`]; this module loads the records, calls them and audits every download.
//!
//! Every report and export is sent `Cache-Control: no-store` and audited before it leaves
//! (`report_downloaded` / `export_downloaded`, the document and the format, never content): if
//! the audit row cannot be written, nothing is sent.

use super::reporting::{self, Asked};
use super::{json_body, signed_in, with_app};
use crate::auth::SignedIn;
use crate::error::ApiError;
use crate::report::{self, DistributionLine, InspectionContext, ReportDoc};
use crate::state::App;
use crate::store::{AuditEvent, NewDistribution};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{Consultation, ConsultationResponse, Inspection, Record, RecordKind};
use hearth_shared::permissions::{self, Actor};
use hearth_shared::reporting::{Day, ResultsFilter, ResultsOptions, Round, counted, results};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use warp::http::{HeaderValue, StatusCode};
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

/// A report's two forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    /// A page to read on screen and print (its stylesheet is `/api/reports/report.css`).
    Html,
    /// A tagged PDF to download and send.
    Pdf,
}

impl Format {
    fn as_str(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Pdf => "pdf",
        }
    }
}

/// What an officer sends to record a distribution.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DistributionInput {
    recipient: String,
    sent_on: String,
}

/// One recorded distribution as the API shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DistributionView {
    recipient: String,
    sent_on: String,
    /// The display name of the officer who recorded it.
    recorded_by: String,
    recorded_at: i64,
}

/// What a distribution row shows when its officer's account is gone.
const FORMER_USER: &str = "A former user";

fn rejected(e: impl Into<ApiError>) -> Rejection {
    warp::reject::custom(e.into())
}

/// The report routes: `/api/reports/report.css`, `/api/reports/inspections/{id}` (`/pdf`,
/// `/distribution`) and `/api/reports/consultations/{id}/summary` (`/pdf`).
pub fn routes(app: Arc<App>) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    // Public: it holds no data, and a printed report must find its stylesheet.
    let css = warp::path!("api" / "reports" / "report.css")
        .and(warp::get())
        .map(|| {
            let mut res = report::REPORT_CSS.into_response();
            res.headers_mut().insert(
                "content-type",
                HeaderValue::from_static("text/css; charset=utf-8"),
            );
            res
        });
    let html = warp::path!("api" / "reports" / "inspections" / String)
        .and(warp::get())
        .and(with_app(app.clone()))
        .and(signed_in(app.clone()))
        .and_then(|id: String, app: Arc<App>, who: SignedIn| async move {
            inspection_report(&app, &who, &id, Format::Html)
                .await
                .map_err(rejected)
        });
    let pdf = warp::path!("api" / "reports" / "inspections" / String / "pdf")
        .and(warp::get())
        .and(with_app(app.clone()))
        .and(signed_in(app.clone()))
        .and_then(|id: String, app: Arc<App>, who: SignedIn| async move {
            inspection_report(&app, &who, &id, Format::Pdf)
                .await
                .map_err(rejected)
        });
    let distribution = warp::path!("api" / "reports" / "inspections" / String / "distribution")
        .and(warp::get())
        .and(with_app(app.clone()))
        .and(signed_in(app.clone()))
        .and_then(|id: String, app: Arc<App>, who: SignedIn| async move {
            distribution(&app, &who, &id).await.map_err(rejected)
        });
    let record = warp::path!("api" / "reports" / "inspections" / String / "distribution")
        .and(warp::post())
        .and(with_app(app.clone()))
        .and(signed_in(app.clone()))
        // The role is checked before the body is read, so a non-officer always gets 403.
        .and_then(|id: String, app: Arc<App>, who: SignedIn| async move {
            reporting::check_role(who.user.role, Asked::RecordDistribution)
                .map(|()| (id, app, who))
                .map_err(rejected)
        })
        .untuple_one()
        .and(json_body())
        .and_then(
            |id: String, app: Arc<App>, who: SignedIn, input: DistributionInput| async move {
                record_distribution(&app, &who, &id, input)
                    .await
                    .map_err(rejected)
            },
        );
    let summary = warp::path!("api" / "reports" / "consultations" / String / "summary")
        .and(warp::get())
        .and(with_app(app.clone()))
        .and(signed_in(app.clone()))
        .and_then(|id: String, app: Arc<App>, who: SignedIn| async move {
            panel_summary(&app, &who, &id, Format::Html)
                .await
                .map_err(rejected)
        });
    let summary_pdf = warp::path!("api" / "reports" / "consultations" / String / "summary" / "pdf")
        .and(warp::get())
        .and(with_app(app.clone()))
        .and(signed_in(app))
        .and_then(|id: String, app: Arc<App>, who: SignedIn| async move {
            panel_summary(&app, &who, &id, Format::Pdf)
                .await
                .map_err(rejected)
        });
    css.or(html)
        .unify()
        .or(pdf)
        .unify()
        .or(distribution)
        .unify()
        .or(record)
        .unify()
        .or(summary)
        .unify()
        .or(summary_pdf)
        .unify()
}

/// `GET /api/reports/inspections/{id}` and `.../pdf`.
async fn inspection_report(
    app: &App,
    who: &SignedIn,
    id: &str,
    format: Format,
) -> Result<Response, ApiError> {
    reporting::check_role(who.user.role, Asked::InspectionReport)?;
    let (id, inspection) = signed_off_inspection(app, who, id).await?;
    let context = inspection_context(app, who, id, &inspection).await?;
    let doc = report::inspection_report(&inspection, &context);
    // The visit date only as a parsed day: nothing typed reaches a header.
    let visit =
        Day::parse(&inspection.visit_date).map_or_else(|| "undated".into(), |d| d.to_string());
    let file_name = format!("regulation-33-report-{visit}.pdf");
    let body = render(doc, format).await?;
    audit_download(
        app,
        who,
        "report_downloaded",
        Some(id),
        reporting::download_detail(format.as_str(), "inspectionReport"),
    )
    .await?;
    Ok(match format {
        Format::Html => html_page(body),
        Format::Pdf => download(body, "application/pdf", &file_name),
    })
}

/// `GET /api/reports/inspections/{id}/distribution`: whoever may have the report may see to
/// whom it went.
async fn distribution(app: &App, who: &SignedIn, id: &str) -> Result<Response, ApiError> {
    reporting::check_role(who.user.role, Asked::InspectionReport)?;
    let id = signed_off_inspection_meta(app, who, id).await?;
    distribution_reply(app, id, StatusCode::OK).await
}

/// `POST /api/reports/inspections/{id}/distribution` (officers, checked by the route): records
/// that the report was sent, audits it, and answers with the whole list (201).
async fn record_distribution(
    app: &App,
    who: &SignedIn,
    id: &str,
    input: DistributionInput,
) -> Result<Response, ApiError> {
    let id = signed_off_inspection_meta(app, who, id).await?;
    let now = app.clock.now_ms();
    reporting::check_distribution(&input.recipient, &input.sent_on, Day::from_unix_ms(now))?;
    app.store
        .add_distribution(NewDistribution {
            document_id: id,
            recipient: input.recipient.clone(),
            sent_on: input.sent_on,
            recorded_by: who.user.id.clone(),
            recorded_at_ms: now,
        })
        .await?;
    let event = AuditEvent {
        at_ms: now,
        user_id: Some(who.user.id.clone()),
        action: "report_distribution_recorded".into(),
        document_id: Some(id),
        subject: None,
        detail: input.recipient,
    };
    if let Err(e) = app.store.audit(event).await {
        // The distribution itself is recorded (and shows on the report); say so in the log.
        tracing::error!(error = %e, "could not write audit row");
    }
    distribution_reply(app, id, StatusCode::CREATED).await
}

async fn distribution_reply(
    app: &App,
    id: DocumentId,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let rows: Vec<DistributionView> = app
        .store
        .distribution(id)
        .await?
        .into_iter()
        .map(|d| DistributionView {
            recipient: d.recipient,
            sent_on: d.sent_on,
            recorded_by: d.recorded_by_name.unwrap_or_else(|| FORMER_USER.into()),
            recorded_at: d.recorded_at_ms,
        })
        .collect();
    Ok(warp::reply::with_status(warp::reply::json(&rows), status).into_response())
}

/// `GET /api/reports/consultations/{id}/summary` and `.../pdf`: the Panel summary of the
/// consultation's whole series (every round, side by side), suppressed, without free text.
async fn panel_summary(
    app: &App,
    who: &SignedIn,
    id: &str,
    format: Format,
) -> Result<Response, ApiError> {
    reporting::check_role(who.user.role, Asked::PanelSummary)?;
    let (id, asked) = readable_consultation(app, who, id).await?;
    let root = DocumentId::from_url(&asked.series_of(&id.to_string())).unwrap_or(id);
    let facts = app.store.document_facts().await?;
    let mut round_ids = reporting::series_rounds(root, &facts);
    if !round_ids.contains(&id) {
        round_ids.push(id);
    }
    // Only the rounds and responses the reader could read one by one.
    let metas: HashMap<DocumentId, &hearth_shared::model::DocMeta> =
        facts.iter().map(|(id, meta, _)| (*id, meta)).collect();
    let readable = |doc: &DocumentId| {
        metas.get(doc).is_some_and(|meta| {
            reporting::can_read(&who.actor, who.kiosk_consultation(), *doc, meta)
        })
    };
    round_ids.retain(|r| readable(r));
    let mut rounds: Vec<(DocumentId, Consultation)> = load_records(app, round_ids.clone())
        .await?
        .into_iter()
        .filter_map(|(id, record)| match record {
            Record::Consultation(c) => Some((id, c)),
            _ => None,
        })
        .collect();
    rounds.sort_by_key(|(id, c)| (c.created_at, *id.as_bytes()));
    let answering: HashMap<DocumentId, DocumentId> = reporting::responses_to(&round_ids, &facts)
        .into_iter()
        .filter(|(response, _)| readable(response))
        .collect();
    let responses: Vec<(DocumentId, ConsultationResponse)> =
        load_records(app, answering.keys().copied().collect())
            .await?
            .into_iter()
            .filter_map(|(id, record)| match record {
                Record::ConsultationResponse(r) if counted(&r) => Some((id, r)),
                _ => None,
            })
            .collect();
    let series: Vec<Round<'_>> = rounds
        .iter()
        .map(|(round_id, consultation)| Round {
            id: round_id.to_string(),
            consultation,
            responses: responses
                .iter()
                .filter(|(response, _)| answering.get(response) == Some(round_id))
                .map(|(_, r)| r)
                .collect(),
        })
        .collect();
    let suppress_below = app.config.suppress_below;
    let outcome = results(
        &series,
        &ResultsFilter::default(),
        ResultsOptions {
            suppress_below,
            // Never on a summary: it is shown to the Panel, and answers in words can identify.
            include_free_text: false,
        },
    );
    let doc = report::panel_summary(&asked.title, &outcome, suppress_below);
    let today = Day::from_unix_ms(app.clock.now_ms());
    let body = render(doc, format).await?;
    audit_download(
        app,
        who,
        "report_downloaded",
        Some(id),
        reporting::download_detail(format.as_str(), "panelSummary"),
    )
    .await?;
    Ok(match format {
        Format::Html => html_page(body),
        Format::Pdf => download(
            body,
            "application/pdf",
            &format!("panel-summary-{today}.pdf"),
        ),
    })
}

/// The consultation `id` as its reader may have it: 404 if unknown, unreadable or not a
/// consultation (one answer for all three).
pub(super) async fn readable_consultation(
    app: &App,
    who: &SignedIn,
    id: &str,
) -> Result<(DocumentId, Consultation), ApiError> {
    let id = reporting::path_id(id)?;
    let meta = app.store.document_meta(id).await?;
    reporting::readable(
        &who.actor,
        who.kiosk_consultation(),
        id,
        meta.as_ref(),
        RecordKind::Consultation,
    )?;
    match load_record(app, id).await? {
        Some(Record::Consultation(consultation)) => Ok((id, consultation)),
        _ => Err(ApiError::NotFound),
    }
}

/// The signed-off inspection `id` as its reader may have it: 404 if unknown, unreadable or not
/// an inspection (one answer for all three), 409 `not_signed_off` before sign-off.
async fn signed_off_inspection(
    app: &App,
    who: &SignedIn,
    id: &str,
) -> Result<(DocumentId, Inspection), ApiError> {
    let id = signed_off_inspection_meta(app, who, id).await?;
    let Some(record) = load_record(app, id).await? else {
        return Err(ApiError::NotFound);
    };
    // Checked again on what was loaded: a commit may have landed between the two reads.
    let meta = record.meta();
    reporting::readable(
        &who.actor,
        who.kiosk_consultation(),
        id,
        Some(&meta),
        RecordKind::Inspection,
    )?;
    reporting::check_signed_off(meta.state)?;
    match record {
        Record::Inspection(inspection) => Ok((id, inspection)),
        _ => Err(ApiError::NotFound),
    }
}

/// The access and state checks of [`signed_off_inspection`] on the stored metadata alone.
async fn signed_off_inspection_meta(
    app: &App,
    who: &SignedIn,
    id: &str,
) -> Result<DocumentId, ApiError> {
    let id = reporting::path_id(id)?;
    let meta = app.store.document_meta(id).await?;
    let meta = reporting::readable(
        &who.actor,
        who.kiosk_consultation(),
        id,
        meta.as_ref(),
        RecordKind::Inspection,
    )?;
    reporting::check_signed_off(meta.state)?;
    Ok(id)
}

/// The home's name, the names of the people the record refers to (only those the reader may
/// see by name, as on screen) and the distribution so far.
async fn inspection_context(
    app: &App,
    who: &SignedIn,
    id: DocumentId,
    inspection: &Inspection,
) -> Result<InspectionContext, ApiError> {
    let home_name = app
        .store
        .home(&inspection.home_id)
        .await?
        .map_or_else(|| "Unknown home".to_string(), |h| h.name);
    let mut names = HashMap::new();
    let people = inspection
        .visiting_members
        .iter()
        .chain(inspection.sign_off.as_ref().map(|s| &s.by));
    for user_id in people {
        if names.contains_key(user_id) {
            continue;
        }
        let Some(user) = app.store.user(user_id).await? else {
            continue;
        };
        let person = Actor {
            homes: app.store.homes_of(&user.id).await?,
            user_id: user.id,
            role: user.role,
        };
        if permissions::sees_name_of(&who.actor, &person) {
            names.insert(person.user_id, user.display_name);
        }
    }
    let distribution = app
        .store
        .distribution(id)
        .await?
        .into_iter()
        .map(|d| DistributionLine {
            recipient: d.recipient,
            sent_on: d.sent_on,
            recorded_by: d.recorded_by_name.unwrap_or_else(|| FORMER_USER.into()),
        })
        .collect();
    Ok(InspectionContext {
        home_name,
        names,
        distribution,
    })
}

/// Writes `doc` as HTML, or as PDF on the blocking pool (laying out and embedding fonts is
/// CPU work that must not hold up the executor).
async fn render(doc: ReportDoc, format: Format) -> Result<Vec<u8>, ApiError> {
    match format {
        Format::Html => Ok(report::html(&doc).into_bytes()),
        Format::Pdf => tokio::task::spawn_blocking(move || report::pdf(&doc))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "PDF task failed");
                ApiError::Internal
            })?
            .map_err(|e| {
                tracing::error!(error = %e, "PDF could not be written");
                ApiError::Internal
            }),
    }
}

/// One stored record, read and hydrated off the executor; `None` if unknown or unreadable as
/// a record.
pub(super) async fn load_record(app: &App, id: DocumentId) -> Result<Option<Record>, ApiError> {
    Ok(load_records(app, vec![id])
        .await?
        .into_iter()
        .next()
        .map(|(_, record)| record))
}

/// Stored records, read from the store (not the hub: reading for a report must not fill the
/// document cache) and hydrated together on the blocking pool. Unknown ids and documents that
/// no longer load are left out (the latter logged by id).
pub(super) async fn load_records(
    app: &App,
    ids: Vec<DocumentId>,
) -> Result<Vec<(DocumentId, Record)>, ApiError> {
    let mut stored = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(doc) = app.store.load_document(id).await? {
            stored.push((id, doc.chunks));
        }
    }
    tokio::task::spawn_blocking(move || {
        stored
            .into_iter()
            .filter_map(|(id, chunks)| {
                let record = hearth_shared::sync::load_chunks(&chunks)
                    .ok()
                    .and_then(|doc| Record::from_doc(&doc).ok());
                if record.is_none() {
                    tracing::warn!(document = %id, "stored document does not load as a record");
                }
                record.map(|r| (id, r))
            })
            .collect()
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "loading records failed");
        ApiError::Internal
    })
}

/// Writes the audit row of a download; the download is only sent if this succeeds.
pub(super) async fn audit_download(
    app: &App,
    who: &SignedIn,
    action: &str,
    document_id: Option<DocumentId>,
    detail: String,
) -> Result<(), ApiError> {
    app.store
        .audit(AuditEvent {
            at_ms: app.clock.now_ms(),
            user_id: Some(who.user.id.clone()),
            action: action.into(),
            document_id,
            subject: None,
            detail,
        })
        .await
        .map_err(ApiError::from)
}

/// An HTML report page, never cached.
fn html_page(body: Vec<u8>) -> Response {
    let mut res = body.into_response();
    let headers = res.headers_mut();
    headers.insert(
        "content-type",
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    res
}

/// A file to save (`attachment`), never cached. `file_name` holds fixed words and dates only.
pub(super) fn download(body: Vec<u8>, content_type: &'static str, file_name: &str) -> Response {
    let mut res = body.into_response();
    let headers = res.headers_mut();
    headers.insert("content-type", HeaderValue::from_static(content_type));
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&reporting::attachment(file_name)) {
        headers.insert("content-disposition", value);
    }
    res
}
