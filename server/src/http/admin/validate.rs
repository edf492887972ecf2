//! The administration API's input rules as plain functions: each takes what the caller sent and
//! returns the cleaned value or a `bad_request` with a message the app can show as it is.

use crate::error::ApiError;
use hearth_shared::permissions::Role;

/// Longest username.
pub const USERNAME_MAX: usize = 64;
/// Longest display name, in characters.
pub const DISPLAY_NAME_MAX: usize = 100;
/// Longest home name, in characters.
pub const HOME_NAME_MAX: usize = 200;
/// Shortest password an administrator may set.
pub const PASSWORD_MIN: usize = 12;
/// Most rows one page of a list may ask for.
pub const PER_PAGE_MAX: u64 = 200;

fn bad(message: &str) -> ApiError {
    ApiError::BadRequest(message.to_owned())
}

/// A username: trimmed and lower-cased, 1 to 64 of `a-z 0-9 . _ -`.
pub fn username(raw: &str) -> Result<String, ApiError> {
    let name = raw.trim().to_lowercase();
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
    if name.is_empty() || name.len() > USERNAME_MAX || !name.chars().all(allowed) {
        return Err(bad(
            "Usernames are 1 to 64 letters, digits, dots, dashes or underscores.",
        ));
    }
    Ok(name)
}

/// A name shown to people: trimmed, 1 to `max` characters, no control characters.
fn shown_name(raw: &str, max: usize, message: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > max || name.chars().any(char::is_control) {
        return Err(bad(message));
    }
    Ok(name.to_owned())
}

/// A display name: 1 to 100 characters.
pub fn display_name(raw: &str) -> Result<String, ApiError> {
    shown_name(
        raw,
        DISPLAY_NAME_MAX,
        "Enter a display name of up to 100 characters.",
    )
}

/// A home's name: 1 to 200 characters.
pub fn home_name(raw: &str) -> Result<String, ApiError> {
    shown_name(
        raw,
        HOME_NAME_MAX,
        "Give the home a name of up to 200 characters.",
    )
}

/// A role by its API name.
pub fn role(raw: &str) -> Result<Role, ApiError> {
    Role::parse(raw.trim()).ok_or_else(|| bad("Choose a role from the list."))
}

/// Homes may be given only to members and managers.
pub fn homes_for_role(role: Role, homes: &[String]) -> Result<(), ApiError> {
    if !homes.is_empty() && !matches!(role, Role::Member | Role::Manager) {
        return Err(bad("Only members and managers are assigned to homes."));
    }
    Ok(())
}

/// A password an administrator chose for someone: at least 12 characters.
pub fn password(raw: &str) -> Result<(), ApiError> {
    if raw.chars().count() < PASSWORD_MIN {
        return Err(bad("Choose a password of at least 12 characters."));
    }
    Ok(())
}

/// A requested page of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// 1-based page number.
    pub page: u64,
    /// Rows per page.
    pub per_page: u64,
}

impl Paging {
    /// Rows to skip before this page.
    pub fn offset(self) -> u64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

/// `page` (from 1) and `perPage` (1 to 200), each defaulted when absent.
pub fn paging(page: Option<u64>, per_page: Option<u64>, default: u64) -> Result<Paging, ApiError> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(default);
    if page == 0 || page > 1_000_000 {
        return Err(bad("Pages are numbered from 1."));
    }
    if per_page == 0 || per_page > PER_PAGE_MAX {
        return Err(bad("Ask for 1 to 200 rows per page."));
    }
    Ok(Paging { page, per_page })
}

/// The `status` filter of the users list: `active` or `disabled` (`Some(disabled)`).
pub fn status(raw: Option<&str>) -> Result<Option<bool>, ApiError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some("active") => Ok(Some(false)),
        Some("disabled") => Ok(Some(true)),
        Some(_) => Err(bad("Status is active or disabled.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<impl std::fmt::Debug, ApiError>) -> &'static str {
        r.expect_err("refused").code()
    }

    #[test]
    fn usernames_are_cleaned_and_bounded() {
        assert_eq!(username("  Test.Member-1 ").unwrap(), "test.member-1");
        assert_eq!(code(username("")), "bad_request");
        assert_eq!(code(username("   ")), "bad_request");
        assert_eq!(code(username("has space")), "bad_request");
        assert_eq!(code(username("émile")), "bad_request");
        assert!(username(&"a".repeat(64)).is_ok());
        assert_eq!(code(username(&"a".repeat(65))), "bad_request");
    }

    #[test]
    fn names_shown_to_people_are_trimmed_and_bounded_in_characters() {
        assert_eq!(
            display_name(" Test Member One ").unwrap(),
            "Test Member One"
        );
        assert!(display_name(&"é".repeat(100)).is_ok());
        assert_eq!(code(display_name(&"é".repeat(101))), "bad_request");
        assert_eq!(code(display_name("")), "bad_request");
        assert_eq!(code(display_name("Line\nbreak")), "bad_request");
        assert!(home_name(&"o".repeat(200)).is_ok());
        assert_eq!(code(home_name(&"o".repeat(201))), "bad_request");
        assert_eq!(code(home_name(" ")), "bad_request");
    }

    #[test]
    fn roles_and_their_homes() {
        assert_eq!(
            role("participationWorker").unwrap(),
            Role::ParticipationWorker
        );
        assert_eq!(code(role("wizard")), "bad_request");
        let homes = vec!["home-1".to_string()];
        assert!(homes_for_role(Role::Member, &homes).is_ok());
        assert!(homes_for_role(Role::Manager, &homes).is_ok());
        assert!(homes_for_role(Role::Officer, &[]).is_ok());
        assert_eq!(code(homes_for_role(Role::Officer, &homes)), "bad_request");
        assert_eq!(
            code(homes_for_role(Role::YoungPerson, &homes)),
            "bad_request"
        );
    }

    #[test]
    fn pages_are_bounded() {
        assert_eq!(
            paging(None, None, 25).unwrap(),
            Paging {
                page: 1,
                per_page: 25
            }
        );
        assert_eq!(paging(Some(3), Some(10), 25).unwrap().offset(), 20);
        assert_eq!(code(paging(Some(0), None, 25)), "bad_request");
        assert_eq!(code(paging(None, Some(0), 25)), "bad_request");
        assert_eq!(code(paging(None, Some(201), 25)), "bad_request");
    }

    #[test]
    fn status_filter() {
        assert_eq!(status(None).unwrap(), None);
        assert_eq!(status(Some("active")).unwrap(), Some(false));
        assert_eq!(status(Some("disabled")).unwrap(), Some(true));
        assert_eq!(code(status(Some("gone"))), "bad_request");
        assert!(password("twelve chars").is_ok());
        assert_eq!(code(password("short")), "bad_request");
    }
}
