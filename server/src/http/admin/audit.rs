//! `/api/admin/audit` (filtered and paged) and `/api/admin/overview` (the admin's landing).

use super::{admin, json_reply, rejected, validate};
use crate::auth::{SignedIn, now_ms};
use crate::state::App;
use crate::store::{AuditQuery, AuditRow};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection};

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

pub(super) fn routes(app: Arc<App>) -> BoxedFilter<(Response,)> {
    let audit = warp::path!("api" / "admin" / "audit")
        .and(warp::get())
        .and(admin(app.clone()))
        .and(warp::query::<AuditFilter>())
        .and_then(audit_page);
    let overview = warp::path!("api" / "admin" / "overview")
        .and(warp::get())
        .and(admin(app))
        .and_then(overview);
    audit.or(overview).unify().boxed()
}

async fn audit_page(
    app: Arc<App>,
    _: SignedIn,
    filter: AuditFilter,
) -> Result<Response, Rejection> {
    let paging = validate::paging(filter.page, filter.per_page, 50).map_err(rejected)?;
    let page = app
        .store
        .audit_page(AuditQuery {
            user_id: given(filter.user_id),
            action: given(filter.action),
            from_ms: filter.from,
            to_ms: filter.to,
            document_id: None,
            offset: paging.offset(),
            limit: paging.per_page,
        })
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
