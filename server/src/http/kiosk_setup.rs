//! Setting up a tablet for one consultation: a participation worker asks for a short-lived,
//! single-use code (`POST /api/kiosk-setup-codes`, shown as text and a QR code), and the tablet
//! redeems it (`POST /api/kiosk-setup`, no session needed) for a kiosk account bound to that
//! consultation, with which it then signs in through `POST /api/session`.

use super::{client_ip, json_body, signed_in, with_app};
use crate::auth::{SignedIn, now_ms, password, setup_code, token};
use crate::error::ApiError;
use crate::state::App;
use crate::store::{AuditEvent, NewUser, SetupCode};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{RecordKind, WorkflowState};
use hearth_shared::permissions::Role;
use serde::Deserialize;
use std::net::IpAddr;
use std::sync::Arc;
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CodeRequest {
    consultation_id: String,
}

#[derive(Deserialize)]
struct Redeem {
    code: String,
}

fn rejected(e: impl Into<ApiError>) -> Rejection {
    warp::reject::custom(e.into())
}

/// The QR code of `url` as an SVG document (starting at `<svg`, ready to inline).
///
/// The `qrcode` crate with only its `svg` feature: well kept, pure Rust, and without its
/// default `image` dependency, so it adds a few thousand lines rather than an image stack.
pub fn qr_svg(url: &str) -> Result<String, ApiError> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(|e| {
        tracing::error!(error = %e, "could not make a QR code");
        ApiError::Internal
    })?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .build();
    // Drop the XML declaration: the app inlines the SVG into HTML.
    Ok(match svg.find("<svg") {
        Some(start) => svg[start..].to_owned(),
        None => svg,
    })
}

/// `POST /api/kiosk-setup-codes`, `POST /api/kiosk-setup`.
pub fn routes(app: Arc<App>) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let issue = warp::path!("api" / "kiosk-setup-codes")
        .and(warp::post())
        .and(with_app(app.clone()))
        .and(signed_in(app.clone()))
        .and(warp::header::optional::<String>("host"))
        .and(json_body())
        .and_then(issue);
    let redeem = warp::path!("api" / "kiosk-setup")
        .and(warp::post())
        .and(with_app(app))
        .and(client_ip())
        .and(json_body())
        .and_then(redeem);
    issue.or(redeem)
}

async fn issue(
    app: Arc<App>,
    who: SignedIn,
    host: Option<String>,
    req: CodeRequest,
) -> Result<warp::reply::Response, Rejection> {
    if who.user.role != Role::ParticipationWorker {
        return Err(rejected(ApiError::Forbidden));
    }
    let id = DocumentId::from_url(req.consultation_id.trim()).map_err(|_| {
        rejected(ApiError::BadRequest(
            "That is not a consultation id.".into(),
        ))
    })?;
    let meta = app
        .store
        .document_meta(id)
        .await
        .map_err(rejected)?
        .filter(|m| m.kind == RecordKind::Consultation)
        .ok_or_else(|| rejected(ApiError::NotFound))?;
    if meta.state != WorkflowState::Open {
        return Err(rejected(ApiError::BadRequest(
            "Open the consultation before setting up a tablet for it.".into(),
        )));
    }
    let code = setup_code::generate();
    let hash = setup_code::hash(&code).expect("a generated code is well-formed");
    let lifetime_secs = app.config.kiosk_setup_secs;
    let expires_at = now_ms() + (lifetime_secs as i64) * 1000;
    app.store
        .create_setup_code(
            hash,
            SetupCode {
                consultation_id: id.to_string(),
                issued_by: who.user.id.clone(),
                expires_at_ms: expires_at,
            },
        )
        .await
        .map_err(rejected)?;
    let url = setup_code::setup_url(
        app.config.tls(),
        host.as_deref(),
        &app.config.bind.to_string(),
        &code,
    );
    let qr = qr_svg(&url).map_err(rejected)?;
    audit(
        &app,
        Some(&who.user.id),
        "kiosk_setup_code_issued",
        &id.to_string(),
        "",
    )
    .await;
    let body = serde_json::json!({
        "code": code,
        "expiresAt": expires_at,
        "expiresInSeconds": lifetime_secs,
        "url": url,
        "qrSvg": qr,
    });
    Ok(warp::reply::with_status(warp::reply::json(&body), StatusCode::CREATED).into_response())
}

async fn redeem(
    app: Arc<App>,
    ip: IpAddr,
    req: Redeem,
) -> Result<warp::reply::Response, Rejection> {
    let now = now_ms();
    let ip = ip.to_string();
    if app.setup_failures.is_blocked(&ip, now).await {
        return Err(rejected(ApiError::TooManyAttempts));
    }
    let invalid = || async {
        app.setup_failures.record_failure(&ip, now).await;
        rejected(ApiError::SetupCodeInvalid)
    };
    let Some(hash) = setup_code::hash(&req.code) else {
        return Err(invalid().await);
    };
    // A tablet's account: nobody types this password (the tablet signs itself in with it
    // right away), so it is not one that must be changed.
    let password = token::generate_password();
    let username = format!("kiosk-{}", token::generate()[..10].to_owned());
    let account = NewUser {
        username,
        display_name: "Kiosk tablet".into(),
        role: Role::YoungPerson,
        password_hash: password::hash(password.clone()).await,
        must_change_password: false,
    };
    let Some(user) = app
        .store
        .redeem_setup_code(hash, now, account)
        .await
        .map_err(rejected)?
    else {
        return Err(invalid().await);
    };
    let consultation = user.kiosk_consultation_id.clone().unwrap_or_default();
    audit(&app, None, "kiosk_device_set_up", &user.id, &consultation).await;
    tracing::info!(user = %user.id, "kiosk tablet set up");
    let body = serde_json::json!({
        "username": user.username,
        "password": password,
        "consultationId": consultation,
    });
    Ok(warp::reply::with_status(warp::reply::json(&body), StatusCode::CREATED).into_response())
}

async fn audit(app: &App, who: Option<&str>, action: &str, subject: &str, detail: &str) {
    let event = AuditEvent {
        at_ms: now_ms(),
        user_id: who.map(str::to_owned),
        action: action.into(),
        document_id: None,
        subject: Some(subject.to_owned()),
        detail: detail.into(),
    };
    if let Err(e) = app.store.audit(event).await {
        tracing::error!(error = %e, action, "could not write audit row");
    }
}

#[cfg(test)]
mod tests {
    use super::qr_svg;

    #[test]
    fn the_qr_code_is_an_inline_svg() {
        let svg = qr_svg("http://127.0.0.1:8080/#/kiosk-setup/ABCD-2345").unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
