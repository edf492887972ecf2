//! The server's one error type for the HTTP API, with stable codes and human messages.
//!
//! Every handler returns `Result<_, ApiError>`; [`crate::http::recover`] is the single place that
//! turns it (and warp's own rejections) into `{"error": {"code", "message"}}` with a status.

use crate::store::StoreError;
use warp::http::StatusCode;

/// An error the HTTP API reports to its caller.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No valid session cookie or ticket came with the request.
    #[error("You need to sign in.")]
    NotSignedIn,
    /// Wrong username or password (deliberately not saying which).
    #[error("The username or password is not right.")]
    BadCredentials,
    /// Too many failed sign-ins from this address or for this account.
    #[error("Too many failed sign-in attempts. Wait a few minutes and try again.")]
    TooManyAttempts,
    /// Signed in, but this role may not do this.
    #[error("You do not have permission to do that.")]
    Forbidden,
    /// Signed in with a password someone else was shown: change it first.
    #[error("Change your password before you do anything else.")]
    PasswordChangeRequired,
    /// The thing asked for does not exist (or is not visible to this user).
    #[error("Not found.")]
    NotFound,
    /// The request body or parameters were not acceptable.
    #[error("{0}")]
    BadRequest(String),
    /// A unique value is already taken.
    #[error("{0} already exists.")]
    Conflict(&'static str),
    /// The request body is larger than allowed.
    #[error("The request is too large.")]
    TooLarge,
    /// Storage failed; details go to the log, not to the caller.
    #[error(
        "Something went wrong on the server. Try again; if it keeps happening, tell your administrator."
    )]
    Internal,
}

impl ApiError {
    /// The stable machine-readable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::NotSignedIn => "not_signed_in",
            ApiError::BadCredentials => "bad_credentials",
            ApiError::TooManyAttempts => "too_many_attempts",
            ApiError::Forbidden => "forbidden",
            ApiError::PasswordChangeRequired => "password_change_required",
            ApiError::NotFound => "not_found",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Conflict(_) => "conflict",
            ApiError::TooLarge => "too_large",
            ApiError::Internal => "internal",
        }
    }

    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::NotSignedIn | ApiError::BadCredentials => StatusCode::UNAUTHORIZED,
            ApiError::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Forbidden | ApiError::PasswordChangeRequired => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => ApiError::Conflict(what),
            StoreError::NotFound(_) => ApiError::NotFound,
            other => {
                tracing::error!(error = %other, "storage error");
                ApiError::Internal
            }
        }
    }
}

impl warp::reject::Reject for ApiError {}
