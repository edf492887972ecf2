//! The server's one error type for the HTTP API, with stable codes and human messages.
//!
//! Every handler returns `Result<_, ApiError>`; [`crate::http::recover`] is the single place that
//! turns it (and warp's own rejections) into `{"error": {"code", "message"}}` with a status.

use crate::store::{RevokedBy, StoreError};
use warp::http::StatusCode;

/// What a device signed out before its session expired is told, on the API and the sync socket.
pub fn device_revoked_message(by: RevokedBy) -> &'static str {
    match by {
        RevokedBy::Admin => "This device was signed out by an administrator.",
        RevokedBy::Owner => "This device was signed out from another of your devices.",
    }
}

/// What an unknown, used or expired tablet set-up code gets (one message for all three, so a
/// guesser learns nothing about which codes exist).
pub const SETUP_CODE_INVALID: &str =
    "This set-up code has expired or has already been used. Ask for a new one.";

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
    #[error("That {0} is already taken: choose another.")]
    Conflict(&'static str),
    /// The change would leave the service without an enabled administrator.
    #[error(
        "There must always be at least one active administrator. Make someone else an administrator first."
    )]
    LastAdmin,
    /// The session's device was signed out (by an administrator or the user elsewhere).
    #[error("{}", device_revoked_message(*.0))]
    DeviceRevoked(RevokedBy),
    /// The device was already signed out.
    #[error("That device has already been signed out.")]
    AlreadyRevoked,
    /// A tablet set-up code that is unknown, used or expired.
    #[error("{}", SETUP_CODE_INVALID)]
    SetupCodeInvalid,
    /// The home is archived and takes no new records.
    #[error("That home has been archived and takes no new records.")]
    HomeArchived,
    /// The request body is larger than allowed.
    #[error("The request is too large.")]
    TooLarge,
    /// A value in the request is not acceptable (a date in the future, an unknown code); the
    /// message says which field and why, never echoing what was sent.
    #[error("{0}")]
    Invalid(String),
    /// A report was asked for a record not yet signed off (a draft or a submitted one).
    #[error("This record has not been signed off yet, so there is no report of it.")]
    NotSignedOff,
    /// An export would hold fewer consented responses than the small-group threshold.
    #[error(
        "There are fewer than {0} consented responses, too few to export without risking identifying someone."
    )]
    TooFewResponses(u32),
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
            ApiError::LastAdmin => "last_admin",
            ApiError::DeviceRevoked(_) => "device_revoked",
            ApiError::AlreadyRevoked => "already_revoked",
            ApiError::SetupCodeInvalid => "setup_code_invalid",
            ApiError::HomeArchived => "home_archived",
            ApiError::TooLarge => "too_large",
            ApiError::Invalid(_) => "invalid",
            ApiError::NotSignedOff => "not_signed_off",
            ApiError::TooFewResponses(_) => "too_few_responses",
            ApiError::Internal => "internal",
        }
    }

    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::NotSignedIn | ApiError::BadCredentials | ApiError::DeviceRevoked(_) => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Forbidden | ApiError::PasswordChangeRequired => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) | ApiError::SetupCodeInvalid | ApiError::Invalid(_) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::Conflict(_)
            | ApiError::LastAdmin
            | ApiError::AlreadyRevoked
            | ApiError::HomeArchived
            | ApiError::NotSignedOff
            | ApiError::TooFewResponses(_) => StatusCode::CONFLICT,
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
            StoreError::LastAdmin => ApiError::LastAdmin,
            StoreError::AlreadyRevoked => ApiError::AlreadyRevoked,
            StoreError::Invalid(message) => ApiError::BadRequest(message.into()),
            other => {
                tracing::error!(error = %other, "storage error");
                ApiError::Internal
            }
        }
    }
}

impl warp::reject::Reject for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_codes_are_stable_with_their_statuses() {
        let cases = [
            (ApiError::LastAdmin, "last_admin", 409),
            (
                ApiError::DeviceRevoked(RevokedBy::Admin),
                "device_revoked",
                401,
            ),
            (ApiError::AlreadyRevoked, "already_revoked", 409),
            (ApiError::SetupCodeInvalid, "setup_code_invalid", 400),
            (ApiError::HomeArchived, "home_archived", 409),
            (ApiError::Invalid("x".into()), "invalid", 400),
            (ApiError::NotSignedOff, "not_signed_off", 409),
            (ApiError::TooFewResponses(5), "too_few_responses", 409),
        ];
        for (error, code, status) in cases {
            assert_eq!((error.code(), error.status().as_u16()), (code, status));
        }
        assert_eq!(
            ApiError::DeviceRevoked(RevokedBy::Owner).to_string(),
            "This device was signed out from another of your devices."
        );
    }
}
