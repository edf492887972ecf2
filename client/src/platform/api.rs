//! The HTTP API, same origin, cookie-authenticated. Nothing here logs bodies or URLs with
//! secrets; a sync ticket only ever goes into the WebSocket URL.

use gloo_net::http::{Request, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::devices::{Device, KioskAccount, SetupCode};
use crate::engine::{DEVICE_REVOKED, Listed};
use crate::session::{Home, Me};

/// Why an API call failed, in the terms the app acts on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No network (or the server is down): carry on offline.
    #[error("You are offline. Connect to the internet to sign in.")]
    Offline,
    /// The session is missing or expired: sign in again.
    #[error("Your session has ended. Sign in again.")]
    SignedOut,
    /// The server refused, with its stable code and a message for the user.
    #[error("{message}")]
    Refused {
        /// e.g. `bad_credentials`, `too_many_attempts`.
        code: String,
        /// The server's human message.
        message: String,
    },
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    message: String,
}

async fn check(response: Result<Response, gloo_net::Error>) -> Result<Response, ApiError> {
    let response = response.map_err(|_| ApiError::Offline)?;
    if response.ok() {
        return Ok(response);
    }
    let detail = response.json::<ErrorBody>().await.ok().map(|b| b.error);
    match detail {
        Some(d) if d.code == "not_signed_in" => Err(ApiError::SignedOut),
        Some(d) if d.code == DEVICE_REVOKED => {
            revoked(&d.message);
            Err(ApiError::Refused {
                code: d.code,
                message: d.message,
            })
        }
        Some(d) => Err(ApiError::Refused {
            code: d.code,
            message: d.message,
        }),
        None if response.status() == 401 => Err(ApiError::SignedOut),
        // A proxy's or captive portal's page: as good as offline.
        None => Err(ApiError::Offline),
    }
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let response = check(Request::get(path).send().await).await?;
    response.json().await.map_err(|_| ApiError::Offline)
}

/// `POST /api/session`: signs in (the server sets the session cookie).
pub async fn sign_in(username: &str, password: &str) -> Result<(), ApiError> {
    let body = serde_json::json!({ "username": username, "password": password });
    let request = Request::post("/api/session")
        .json(&body)
        .map_err(|_| ApiError::Offline)?;
    check(request.send().await).await.map(drop)
}

/// `POST /api/me/password`: the server checks `current`, stores `new`, and ends the user's
/// other sessions.
pub async fn change_password(current: &str, new: &str) -> Result<(), ApiError> {
    let body = serde_json::json!({ "currentPassword": current, "newPassword": new });
    let request = Request::post("/api/me/password")
        .json(&body)
        .map_err(|_| ApiError::Offline)?;
    check(request.send().await).await.map(drop)
}

/// `DELETE /api/session`: ends the session on the server.
pub async fn sign_out() -> Result<(), ApiError> {
    check(Request::delete("/api/session").send().await)
        .await
        .map(drop)
}

/// `GET /api/people`.
pub async fn people() -> Result<Vec<crate::session::Person>, ApiError> {
    get("/api/people").await
}

/// `GET /api/documents/{id}/actors`: who made the record's changes, names only of people this
/// user may see (for its history).
pub async fn document_actors(
    id: hearth_shared::ids::DocumentId,
) -> Result<Vec<hearth_shared::history::ActorAuthor>, ApiError> {
    get(&format!("/api/documents/{id}/actors")).await
}

/// `GET /api/me`.
pub async fn me() -> Result<Me, ApiError> {
    get("/api/me").await
}

/// `GET /api/homes`.
pub async fn homes() -> Result<Vec<Home>, ApiError> {
    get("/api/homes").await
}

/// `GET /api/documents`: the records this user may read (no content).
pub async fn documents() -> Result<Vec<Listed>, ApiError> {
    get("/api/documents").await
}

/// `GET /api/documents/snapshot`: every record this user may read, in one reply (the bulk
/// download a new device's first sync starts with; [`hearth_shared::snapshot`] reads it).
pub async fn documents_snapshot() -> Result<Vec<u8>, ApiError> {
    let response = check(Request::get("/api/documents/snapshot").send().await).await?;
    response.binary().await.map_err(|_| ApiError::Offline)
}

// --- Devices and tablet set-up ---

/// What runs when a call hears `device_revoked`.
type RevokedHook = std::rc::Rc<dyn Fn(String)>;

thread_local! {
    /// Called with the server's message whenever any call answers `device_revoked`.
    static ON_REVOKED: std::cell::RefCell<Option<RevokedHook>> =
        const { std::cell::RefCell::new(None) };
}

/// Registers what to do when the server says this device's session was revoked (the runtime
/// deletes the user's data from the device): whichever call, page or runtime, hears it first.
pub fn on_device_revoked(f: impl Fn(String) + 'static) {
    ON_REVOKED.with(|slot| *slot.borrow_mut() = Some(std::rc::Rc::new(f)));
}

fn revoked(message: &str) {
    let f = ON_REVOKED.with(|slot| slot.borrow().clone());
    if let Some(f) = f {
        f(message.to_string());
    }
}

/// Sends `request` (a builder error counts as offline: it cannot happen for our bodies).
async fn send_json<T: DeserializeOwned>(
    request: Result<Request, gloo_net::Error>,
) -> Result<T, ApiError> {
    let request = request.map_err(|_| ApiError::Offline)?;
    let response = check(request.send().await).await?;
    response.json().await.map_err(|_| ApiError::Offline)
}

/// `GET /api/me/devices`: this user's active devices.
pub async fn my_devices() -> Result<Vec<Device>, ApiError> {
    get("/api/me/devices").await
}

/// `DELETE /api/me/devices/{id}`: signs out one of this user's other devices.
pub async fn sign_out_device(id: &str) -> Result<(), ApiError> {
    let path = format!("/api/me/devices/{}", path_segment(id));
    check(Request::delete(&path).send().await).await.map(drop)
}

/// `GET /api/admin/devices`: everyone's active devices (admins).
pub async fn all_devices() -> Result<Vec<Device>, ApiError> {
    get("/api/admin/devices").await
}

/// `DELETE /api/admin/devices/{id}`: revokes anyone's device (admins).
pub async fn revoke_device(id: &str) -> Result<(), ApiError> {
    let path = format!("/api/admin/devices/{}", path_segment(id));
    check(Request::delete(&path).send().await).await.map(drop)
}

/// `POST /api/kiosk-setup-codes`: a set-up code for a tablet to run `consultation_id`.
pub async fn kiosk_setup_code(consultation_id: &str) -> Result<SetupCode, ApiError> {
    let body = serde_json::json!({ "consultationId": consultation_id });
    send_json(Request::post("/api/kiosk-setup-codes").json(&body)).await
}

/// `POST /api/kiosk-setup`: trades a set-up code for the tablet's kiosk account.
pub async fn kiosk_setup(code: &str) -> Result<KioskAccount, ApiError> {
    let body = serde_json::json!({ "code": code });
    send_json(Request::post("/api/kiosk-setup").json(&body)).await
}

/// A server-made id as one path segment: anything but `[A-Za-z0-9_-]` is percent-encoded.
fn path_segment(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `POST /api/sync-tickets`: a single-use ticket for one WebSocket connection.
pub async fn sync_ticket() -> Result<String, ApiError> {
    #[derive(Deserialize)]
    struct Ticket {
        ticket: String,
    }
    let response = check(Request::post("/api/sync-tickets").send().await).await?;
    let ticket: Ticket = response.json().await.map_err(|_| ApiError::Offline)?;
    Ok(ticket.ticket)
}

// --- Administration (`/api/admin/*`, admins only; online only) ---

/// `GET /api/admin/overview`: counts and the newest audit rows.
pub async fn admin_overview() -> Result<crate::admin::Overview, ApiError> {
    get("/api/admin/overview").await
}

/// `GET /api/admin/users?...`: one page of users matching `query`.
pub async fn admin_users(
    query: &crate::admin::UserQuery,
) -> Result<crate::admin::UsersPage, ApiError> {
    get(&query.path()).await
}

/// `GET /api/admin/users/{id}`.
pub async fn admin_user(id: &str) -> Result<crate::admin::AdminUser, ApiError> {
    get(&format!(
        "/api/admin/users/{}",
        crate::admin::percent_encode(id)
    ))
    .await
}

/// `POST /api/admin/users`: creates a user with a generated one-time password (returned once).
pub async fn admin_create_user(
    username: &str,
    display_name: &str,
    role: &str,
    homes: &[String],
) -> Result<crate::admin::CreatedUser, ApiError> {
    let mut body = serde_json::json!({
        "username": username, "displayName": display_name, "role": role,
    });
    if !homes.is_empty() {
        body["homes"] = serde_json::json!(homes);
    }
    send_json(Request::post("/api/admin/users").json(&body)).await
}

/// `PATCH /api/admin/users/{id}`: changes the name, role and homes (the homes replace the
/// assignments).
pub async fn admin_update_user(
    id: &str,
    display_name: &str,
    role: &str,
    homes: &[String],
) -> Result<crate::admin::AdminUser, ApiError> {
    let body = serde_json::json!({ "displayName": display_name, "role": role, "homes": homes });
    let path = format!("/api/admin/users/{}", crate::admin::percent_encode(id));
    send_json(Request::patch(&path).json(&body)).await
}

/// `POST /api/admin/users/{id}/disable` or `/enable`.
pub async fn admin_set_disabled(id: &str, disabled: bool) -> Result<(), ApiError> {
    let action = if disabled { "disable" } else { "enable" };
    let path = format!(
        "/api/admin/users/{}/{action}",
        crate::admin::percent_encode(id)
    );
    check(Request::post(&path).send().await).await.map(drop)
}

/// `POST /api/admin/users/{id}/reset-password`: the new one-time password (shown once).
pub async fn admin_reset_password(id: &str) -> Result<String, ApiError> {
    #[derive(Deserialize)]
    struct Reset {
        password: String,
    }
    let path = format!(
        "/api/admin/users/{}/reset-password",
        crate::admin::percent_encode(id)
    );
    let reset: Reset = send_json(Request::post(&path).build()).await?;
    Ok(reset.password)
}

/// `POST /api/admin/erasures`: erases a record everywhere, with a reason (the id travels in
/// the body, not the address).
pub async fn admin_erase_record(id: &str, reason: &str) -> Result<(), ApiError> {
    let body = serde_json::json!({ "documentId": id, "reason": reason });
    let request = Request::post("/api/admin/erasures")
        .json(&body)
        .map_err(|_| ApiError::Offline)?;
    check(request.send().await).await.map(drop)
}

/// `GET /api/admin/homes`: every home, archived ones flagged.
pub async fn admin_homes() -> Result<Vec<crate::admin::AdminHome>, ApiError> {
    get("/api/admin/homes").await
}

/// `POST /api/admin/homes`: adds a home.
pub async fn admin_create_home(name: &str) -> Result<crate::admin::AdminHome, ApiError> {
    let body = serde_json::json!({ "name": name });
    send_json(Request::post("/api/admin/homes").json(&body)).await
}

/// `PATCH /api/admin/homes/{id}`: renames it and/or archives or unarchives it.
pub async fn admin_update_home(
    id: &str,
    name: Option<&str>,
    archived: Option<bool>,
) -> Result<crate::admin::AdminHome, ApiError> {
    let mut body = serde_json::json!({});
    if let Some(name) = name {
        body["name"] = serde_json::json!(name);
    }
    if let Some(archived) = archived {
        body["archived"] = serde_json::json!(archived);
    }
    let path = format!("/api/admin/homes/{}", crate::admin::percent_encode(id));
    send_json(Request::patch(&path).json(&body)).await
}

/// `PUT` (assign) or `DELETE` (unassign) `/api/admin/homes/{homeId}/people/{userId}`.
pub async fn admin_set_assigned(
    home_id: &str,
    user_id: &str,
    assigned: bool,
) -> Result<crate::admin::AdminHome, ApiError> {
    let path = format!(
        "/api/admin/homes/{}/people/{}",
        crate::admin::percent_encode(home_id),
        crate::admin::percent_encode(user_id)
    );
    let request = if assigned {
        Request::put(&path)
    } else {
        Request::delete(&path)
    };
    send_json(request.build()).await
}

/// `GET /api/admin/audit?...`: one page of audit rows matching `query`, newest first.
pub async fn admin_audit(
    query: &crate::admin::AuditQuery,
) -> Result<crate::admin::AuditPage, ApiError> {
    get(&query.path()).await
}

// --- The officers' overview and reports (online only) ---

/// `GET /api/overview`: visits, records and recommendations per home and the consultations
/// running, as far as this user may see them.
pub async fn overview() -> Result<hearth_shared::reporting::OfficersOverview, ApiError> {
    get("/api/overview").await
}

/// `GET /api/reports/inspections/{id}/distribution`: to whom and when the report was sent.
pub async fn distribution(
    id: &str,
) -> Result<Vec<crate::pages::inspection::report::Distribution>, ApiError> {
    get(&crate::pages::inspection::report::distribution_path(
        &path_segment(id),
    ))
    .await
}

/// `POST /api/reports/inspections/{id}/distribution` (officers): records one sending; the
/// reply is the whole list with it.
pub async fn add_distribution(
    id: &str,
    entry: &crate::pages::inspection::report::NewDistribution,
) -> Result<Vec<crate::pages::inspection::report::Distribution>, ApiError> {
    let path = crate::pages::inspection::report::distribution_path(&path_segment(id));
    send_json(Request::post(&path).json(entry)).await
}
