//! The audit log over HTTP: `/api/admin/audit` and `/api/admin/overview` (admins), and for
//! admins *and officers* `/api/audit` (the same filtered page), `/api/audit.csv` (every
//! matching row as CSV; the export is itself audited before it is sent) and
//! `/api/audit/reads/{id}` ("who has read this record", for a record the caller may read).

use super::{admin, json_reply, rejected, validate};
use crate::auth::{SignedIn, now_ms};
use crate::error::ApiError;
use crate::http::reporting;
use crate::report::{self, Table};
use crate::state::App;
use crate::store::{AuditQuery, AuditRow};
use hearth_shared::calendar::Day;
use hearth_shared::permissions::Role;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection};

/// Most rows one CSV export holds; narrower filters get the rest.
const MAX_EXPORT_ROWS: u64 = 100_000;

/// One audit row as the API shows it: ids and codes, never content or names (the username is
/// the acting account's sign-in name, which the admin manages anyway).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AuditRowView {
    id: i64,
    at: i64,
    user_id: Option<String>,
    username: Option<String>,
    action: String,
    subject: Option<String>,
    document_id: Option<String>,
    detail: String,
}

impl From<AuditRow> for AuditRowView {
    fn from(row: AuditRow) -> Self {
        Self {
            id: row.id,
            at: row.event.at_ms,
            user_id: row.event.user_id,
            username: row.username,
            action: row.event.action,
            subject: row.event.subject,
            document_id: row.event.document_id.map(|d| d.to_string()),
            detail: row.event.detail,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuditFilter {
    user_id: Option<String>,
    action: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
    page: Option<u64>,
    per_page: Option<u64>,
}

/// An empty query value means "no filter".
fn given(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

impl AuditFilter {
    /// The store's query for these filters, from `offset`, at most `limit` rows.
    fn query(&self, offset: u64, limit: u64) -> AuditQuery {
        AuditQuery {
            user_id: given(self.user_id.clone()),
            action: given(self.action.clone()),
            from_ms: self.from,
            to_ms: self.to,
            document_id: None,
            reads_only: false,
            offset,
            limit,
        }
    }
}

/// Who may read the audit log: administrators (who run the service) and officers (who answer
/// for the records to complaints and inspectors). Everyone else: 403 `forbidden`.
fn may_read_audit(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Officer)
}

/// The app and a signed-in user who may read the audit (401 signed out, 403 otherwise), checked
/// before anything else is read.
fn audit_reader(
    app: Arc<App>,
) -> impl Filter<Extract = (Arc<App>, SignedIn), Error = Rejection> + Clone {
    crate::http::with_app(app.clone()).and(crate::http::signed_in(app).and_then(
        |who: SignedIn| async move {
            if may_read_audit(who.user.role) {
                Ok(who)
            } else {
                Err(rejected(ApiError::Forbidden))
            }
        },
    ))
}

pub(super) fn routes(app: Arc<App>) -> BoxedFilter<(Response,)> {
    let audit = warp::path!("api" / "admin" / "audit")
        .and(warp::get())
        .and(admin(app.clone()))
        .and(warp::query::<AuditFilter>())
        .and_then(audit_page);
    let overview = warp::path!("api" / "admin" / "overview")
        .and(warp::get())
        .and(admin(app.clone()))
        .and_then(overview);
    let page = warp::path!("api" / "audit")
        .and(warp::get())
        .and(audit_reader(app.clone()))
        .and(warp::query::<AuditFilter>())
        .and_then(audit_page);
    let csv = warp::path!("api" / "audit.csv")
        .and(warp::get())
        .and(audit_reader(app.clone()))
        .and(warp::query::<AuditFilter>())
        .and_then(
            |app: Arc<App>, who: SignedIn, filter: AuditFilter| async move {
                audit_csv(&app, &who, filter).await.map_err(rejected)
            },
        );
    let reads = warp::path!("api" / "audit" / "reads" / String)
        .and(warp::get())
        .and(audit_reader(app))
        .and(warp::query::<AuditFilter>())
        .and_then(
            |id: String, app: Arc<App>, who: SignedIn, filter: AuditFilter| async move {
                record_reads(&app, &who, &id, filter)
                    .await
                    .map_err(rejected)
            },
        );
    audit
        .or(overview)
        .unify()
        .or(page)
        .unify()
        .or(csv)
        .unify()
        .or(reads)
        .unify()
        .boxed()
}

async fn audit_page(
    app: Arc<App>,
    _: SignedIn,
    filter: AuditFilter,
) -> Result<Response, Rejection> {
    let paging = validate::paging(filter.page, filter.per_page, 50).map_err(rejected)?;
    let page = app
        .store
        .audit_page(filter.query(paging.offset(), paging.per_page))
        .await
        .map_err(rejected)?;
    let rows: Vec<AuditRowView> = page.rows.into_iter().map(AuditRowView::from).collect();
    Ok(json_reply(
        StatusCode::OK,
        &serde_json::json!({
            "rows": rows,
            "total": page.total,
            "page": paging.page,
            "perPage": paging.per_page,
        }),
    ))
}

/// `GET /api/audit/reads/{id}`: the reads of one record (its first sync on each connection,
/// bulk downloads, reports and exports of it), newest first, paged like the audit. The record
/// must be one the caller may read: an unknown id and an unreadable one get the same 404.
/// Administrators, who never read records, may ask about any id.
async fn record_reads(
    app: &App,
    who: &SignedIn,
    id: &str,
    filter: AuditFilter,
) -> Result<Response, ApiError> {
    let id = reporting::path_id(id)?;
    if who.user.role != Role::Admin {
        let meta = app.store.document_meta(id).await?;
        match meta {
            Some(meta) if reporting::can_read(&who.actor, who.kiosk_consultation(), id, &meta) => {}
            _ => return Err(ApiError::NotFound),
        }
    }
    let paging = validate::paging(filter.page, filter.per_page, 50)?;
    let page = app
        .store
        .audit_page(AuditQuery {
            document_id: Some(id),
            reads_only: true,
            ..filter.query(paging.offset(), paging.per_page)
        })
        .await?;
    let rows: Vec<AuditRowView> = page.rows.into_iter().map(AuditRowView::from).collect();
    Ok(json_reply(
        StatusCode::OK,
        &serde_json::json!({
            "rows": rows,
            "total": page.total,
            "page": paging.page,
            "perPage": paging.per_page,
        }),
    ))
}

/// `GET /api/audit.csv`: every row the filters match (at most [`MAX_EXPORT_ROWS`]), newest
/// first. The export is audited (`audit_exported`, with the row count) before anything is
/// sent: no audit row, no file.
async fn audit_csv(app: &App, who: &SignedIn, filter: AuditFilter) -> Result<Response, ApiError> {
    const PAGE: u64 = 1_000;
    let mut rows = Vec::new();
    loop {
        let page = app
            .store
            .audit_page(filter.query(rows.len() as u64, PAGE))
            .await?;
        let done = (page.rows.len() as u64) < PAGE;
        rows.extend(page.rows);
        if done || rows.len() as u64 >= MAX_EXPORT_ROWS {
            break;
        }
    }
    rows.truncate(MAX_EXPORT_ROWS as usize);
    let now = app.clock.now_ms();
    super::super::reports::audit_download(
        app,
        who,
        "audit_exported",
        None,
        format!("csv {} rows", rows.len()),
    )
    .await?;
    let body = report::csv(&audit_table(rows));
    Ok(super::super::reports::download(
        body,
        "text/csv; charset=utf-8",
        &format!("audit-{}.csv", Day::from_unix_ms(now)),
    ))
}

/// The audit rows as a table: ids, codes and times only, as the screen shows them.
fn audit_table(rows: Vec<AuditRow>) -> Table {
    let headers = [
        "id",
        "time (UTC)",
        "user id",
        "username",
        "action",
        "record",
        "subject",
        "detail",
    ];
    Table {
        sheet: "Audit".into(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows: rows
            .into_iter()
            .map(|row| {
                vec![
                    row.id.to_string(),
                    utc_time(row.event.at_ms),
                    row.event.user_id.unwrap_or_default(),
                    row.username.unwrap_or_default(),
                    row.event.action,
                    row.event
                        .document_id
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    row.event.subject.unwrap_or_default(),
                    row.event.detail,
                ]
            })
            .collect(),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for Unix milliseconds.
fn utc_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        Day::from_unix_ms(ms),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

async fn overview(app: Arc<App>, _: SignedIn) -> Result<Response, Rejection> {
    let counts = app.store.overview(now_ms()).await.map_err(rejected)?;
    let recent = app
        .store
        .audit_page(AuditQuery {
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .map_err(rejected)?;
    let by_role: serde_json::Map<String, serde_json::Value> = counts
        .users_by_role
        .iter()
        .map(|(role, n)| (role.as_str().to_owned(), (*n).into()))
        .collect();
    let recent: Vec<AuditRowView> = recent.rows.into_iter().map(AuditRowView::from).collect();
    // How well durable writes are being grouped (one fsync per group): an operator's view of
    // the store under load, read by the sync benchmark before and after its timed phase.
    let writes = app.store.write_stats();
    Ok(json_reply(
        StatusCode::OK,
        &serde_json::json!({
            "usersByRole": by_role,
            "disabledUsers": counts.disabled_users,
            "homes": counts.homes,
            "archivedHomes": counts.archived_homes,
            "activeDevices": counts.active_devices,
            "recentAudit": recent,
            "writes": { "groups": writes.groups, "commands": writes.commands },
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_and_officers_read_the_audit() {
        for role in [
            Role::Member,
            Role::Manager,
            Role::ParticipationWorker,
            Role::YoungPerson,
        ] {
            assert!(!may_read_audit(role), "{role:?}");
        }
        assert!(may_read_audit(Role::Admin));
        assert!(may_read_audit(Role::Officer));
    }

    #[test]
    fn export_times_are_utc_to_the_second() {
        assert_eq!(utc_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_time(1_764_503_999_999), "2025-11-30T11:59:59Z");
    }
}
