//! The administration screens' pure part: the shapes of `/api/admin/*` replies, role and audit
//! labels, the query strings the lists send, GOV.UK pagination, and date-input parsing. The
//! screens themselves (wasm32) are in `app::admin`; nothing here does IO.

use std::collections::BTreeMap;

use hearth_shared::permissions::Role;
use serde::{Deserialize, Serialize};

/// How many users one page of the users list shows.
pub const USERS_PER_PAGE: u32 = 25;
/// How many audit rows one page of the audit shows.
pub const AUDIT_PER_PAGE: u32 = 50;

/// A user as an administrator sees them (`UserAdminView`); never anything of their records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminUser {
    /// Stable id.
    pub id: String,
    /// Sign-in name.
    pub username: String,
    /// The name the app shows.
    pub display_name: String,
    /// Role name as the API writes it (`member`, `participationWorker`, ...).
    pub role: String,
    /// Disabled accounts cannot sign in.
    #[serde(default)]
    pub disabled: bool,
    /// Still on a password someone else was shown.
    #[serde(default)]
    pub must_change_password: bool,
    /// Ids of the homes they are assigned to (members and managers).
    #[serde(default)]
    pub homes: Vec<String>,
    /// Unix ms of their last sign-in, if any.
    #[serde(default)]
    pub last_sign_in_at: Option<i64>,
    /// Unix ms the account was made.
    #[serde(default)]
    pub created_at: i64,
    /// Set for a tablet's kiosk account: the one consultation it answers.
    #[serde(default)]
    pub kiosk_consultation_id: Option<String>,
}

/// `GET /api/admin/users`: one page of the matching users.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsersPage {
    /// This page's users.
    pub users: Vec<AdminUser>,
    /// How many users match, over every page.
    pub total: u64,
    /// This page's number, from 1.
    pub page: u32,
    /// Users per page.
    pub per_page: u32,
}

/// `POST /api/admin/users`'s reply: the user, and the one-time password when one was made.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CreatedUser {
    /// The new account.
    pub user: AdminUser,
    /// Generated password; must be replaced at first sign-in. Shown once, never kept.
    #[serde(default)]
    pub password: Option<String>,
}

/// Someone assigned to a home (`HomeView.people`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HomePerson {
    /// Their user id.
    pub id: String,
    /// Their name.
    pub display_name: String,
    /// `member` or `manager`.
    pub role: String,
}

/// A home as an administrator sees it (`HomeView`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminHome {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Archived homes take no new records; their records stay readable.
    #[serde(default)]
    pub archived: bool,
    /// The members and managers assigned to it.
    #[serde(default)]
    pub people: Vec<HomePerson>,
}

/// One audit entry (`AuditRow`): who did what to what, when; never names, content or passwords.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    /// The row's id (a number or a string, depending on the store).
    #[serde(default)]
    pub id: serde_json::Value,
    /// Unix ms.
    pub at: i64,
    /// Who did it (none for the server itself or a failed sign-in).
    #[serde(default)]
    pub user_id: Option<String>,
    /// Their username, when known.
    #[serde(default)]
    pub username: Option<String>,
    /// The action code, e.g. `user_created`.
    pub action: String,
    /// What was acted on: a user, home or device id.
    #[serde(default)]
    pub subject: Option<String>,
    /// The record it concerned, if any (an id only).
    #[serde(default)]
    pub document_id: Option<String>,
    /// A short machine-written detail (a code, a role), never content.
    #[serde(default)]
    pub detail: serde_json::Value,
}

impl AuditRow {
    /// What the detail column shows: the text as is, anything else as compact JSON, nothing
    /// for null or empty.
    pub fn detail_text(&self) -> String {
        match &self.detail {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    /// Who did it, for the table: the username, else the id, else "The service".
    pub fn actor_text(&self) -> String {
        self.username
            .clone()
            .or_else(|| self.user_id.clone())
            .unwrap_or_else(|| "The service".to_string())
    }
}

/// `GET /api/admin/audit`: one page of rows, newest first.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    /// This page's rows.
    pub rows: Vec<AuditRow>,
    /// Matching rows over every page.
    pub total: u64,
    /// This page's number, from 1.
    pub page: u32,
    /// Rows per page.
    pub per_page: u32,
}

/// `GET /api/admin/overview`: counts for the administration overview.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    /// Users per role name (API spelling).
    #[serde(default)]
    pub users_by_role: BTreeMap<String, u64>,
    /// Disabled accounts.
    #[serde(default)]
    pub disabled_users: u64,
    /// Homes, archived ones included.
    #[serde(default)]
    pub homes: u64,
    /// Of which archived.
    #[serde(default)]
    pub archived_homes: u64,
    /// Sessions in use.
    #[serde(default)]
    pub active_devices: u64,
    /// The 10 newest audit rows.
    #[serde(default)]
    pub recent_audit: Vec<AuditRow>,
}

/// Every role, in the order the forms and counts list them.
pub const ROLES: [Role; 6] = [
    Role::Member,
    Role::Manager,
    Role::Officer,
    Role::ParticipationWorker,
    Role::YoungPerson,
    Role::Admin,
];

/// The role's name for people.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Member => "Elected member",
        Role::Manager => "Home manager",
        Role::Officer => "Officer",
        Role::ParticipationWorker => "Participation worker",
        Role::YoungPerson => "Young person (tablet)",
        Role::Admin => "Administrator",
    }
}

/// What someone with the role does, as the role radios' hint says it.
pub fn role_hint(role: Role) -> &'static str {
    match role {
        Role::Member => "Visits homes; writes visit notes and Regulation 33 records",
        Role::Manager => "Runs a home; responds to Regulation 33 recommendations",
        Role::Officer => "Reads every report",
        Role::ParticipationWorker => "Runs consultations and sees their results",
        Role::YoungPerson => "Answers consultations on a shared tablet",
        Role::Admin => "Manages users, homes and devices; cannot read records",
    }
}

/// The label for a role name as the API writes it; an unknown name is shown as it is.
pub fn role_name_label(name: &str) -> String {
    Role::parse(name).map_or_else(|| name.to_string(), |r| role_label(r).to_string())
}

/// Only members and managers are assigned to homes.
pub fn role_has_homes(role: Role) -> bool {
    matches!(role, Role::Member | Role::Manager)
}

/// The action codes the audit records, in the filter's order: accounts, reads, changes, then
/// administration.
pub const AUDIT_ACTIONS: &[&str] = &[
    "signed_in",
    "login_failed",
    "signed_out",
    "password_changed",
    "password_change_failed",
    "record_read",
    "report_downloaded",
    "export_downloaded",
    "documents_downloaded",
    "audit_exported",
    "change_accepted",
    "change_rejected",
    "report_distribution_recorded",
    "record_erased",
    "user_created",
    "user_updated",
    "user_disabled",
    "user_enabled",
    "password_reset",
    "home_created",
    "home_renamed",
    "home_archived",
    "home_unarchived",
    "assigned",
    "unassigned",
    "device_revoked",
    "kiosk_setup_code_issued",
    "kiosk_device_set_up",
    "store_migrated",
];

/// An audit action code in words; codes this build does not know read as the code with spaces.
pub fn action_label(action: &str) -> String {
    let known = match action {
        "signed_in" => "Signed in",
        "login_failed" => "Sign-in failed",
        "signed_out" => "Signed out",
        "password_changed" => "Password changed",
        "password_change_failed" => "Password change refused",
        "record_read" => "Record read",
        "report_downloaded" => "Report downloaded",
        "export_downloaded" => "Export downloaded",
        "documents_downloaded" => "Records downloaded to a device",
        "audit_exported" => "Audit exported",
        "change_accepted" => "Change accepted",
        "change_rejected" => "Change refused",
        "report_distribution_recorded" => "Report sending recorded",
        "record_erased" => "Record erased",
        "user_created" => "User created",
        "user_updated" => "User changed",
        "user_disabled" => "User disabled",
        "user_enabled" => "User enabled",
        "password_reset" => "Password reset",
        "home_created" => "Home added",
        "home_renamed" => "Home renamed",
        "home_archived" => "Home archived",
        "home_unarchived" => "Home unarchived",
        "assigned" => "Assigned to a home",
        "unassigned" => "Unassigned from a home",
        "device_revoked" => "Device signed out",
        "kiosk_setup_code_issued" => "Tablet set-up code issued",
        "kiosk_device_set_up" => "Tablet set up",
        "store_migrated" => "Records moved to a new database",
        other => {
            let mut words = other.replace(['_', '-'], " ");
            if let Some(first) = words.get(..1) {
                words.replace_range(..1, &first.to_uppercase());
            }
            return words;
        }
    };
    known.to_string()
}

/// How a record was read, in words, for "who has read this record" (the detail of a read row).
pub fn read_how(row: &AuditRow) -> String {
    match (row.action.as_str(), row.detail_text().as_str()) {
        ("record_read", "sync") => "Opened on a device".into(),
        ("record_read", "download") => "Downloaded to a new device".into(),
        ("record_read", detail) if detail.ends_with(" recommendations") => {
            "In a recommendations export".into()
        }
        ("report_downloaded", detail) if detail.starts_with("pdf ") => "Report as PDF".into(),
        ("report_downloaded", _) => "Report on screen".into(),
        ("export_downloaded", _) => "Export of its responses".into(),
        (action, _) => action_label(action),
    }
}

/// Names for the ids the audit's subjects hold: usernames for user ids, names for home ids.
pub fn subject_names(users: &[AdminUser], homes: &[AdminHome]) -> BTreeMap<String, String> {
    users
        .iter()
        .map(|u| (u.id.clone(), u.username.clone()))
        .chain(homes.iter().map(|h| (h.id.clone(), h.name.clone())))
        .collect()
}

/// What the audit's "subject" column shows: the name for a known id, else the id as it is
/// (a device or a record), else nothing.
pub fn subject_text(row: &AuditRow, names: &BTreeMap<String, String>) -> String {
    match row.subject.as_deref() {
        Some(id) => names.get(id).cloned().unwrap_or_else(|| id.to_string()),
        None => row.document_id.clone().unwrap_or_default(),
    }
}

/// What the audit's "detail" column shows: a known id (the home of an assignment) by name,
/// anything else as [`AuditRow::detail_text`] gives it.
pub fn detail_text(row: &AuditRow, names: &BTreeMap<String, String>) -> String {
    let text = row.detail_text();
    names.get(&text).cloned().unwrap_or(text)
}

/// Active or disabled accounts, for the users list's filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    /// Can sign in.
    Active,
    /// Cannot.
    Disabled,
}

impl UserStatus {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }

    /// The status named by a filter's value; anything else is "any".
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(UserStatus::Active),
            "disabled" => Some(UserStatus::Disabled),
            _ => None,
        }
    }
}

/// The users list's search and filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserQuery {
    /// Matches username or display name; empty for all.
    pub q: String,
    /// One role, or all.
    pub role: Option<Role>,
    /// Active, disabled, or both.
    pub status: Option<UserStatus>,
    /// Page number, from 1.
    pub page: u32,
}

impl UserQuery {
    /// The path and query string for `GET /api/admin/users` (empty filters left out).
    pub fn path(&self) -> String {
        let mut params = Vec::new();
        let q = self.q.trim();
        if !q.is_empty() {
            params.push(("q", q.to_string()));
        }
        if let Some(role) = self.role {
            params.push(("role", role.as_str().to_string()));
        }
        if let Some(status) = self.status {
            params.push(("status", status.as_str().to_string()));
        }
        params.push(("page", self.page.max(1).to_string()));
        params.push(("perPage", USERS_PER_PAGE.to_string()));
        format!("/api/admin/users{}", query_string(&params))
    }
}

/// The audit's filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only the reads of this record ("who has read this record"), not the whole audit.
    pub reads_of: Option<hearth_shared::ids::DocumentId>,
    /// Only what this user did.
    pub user_id: Option<String>,
    /// Only this action code.
    pub action: Option<String>,
    /// From this unix ms (inclusive).
    pub from: Option<i64>,
    /// To this unix ms (inclusive).
    pub to: Option<i64>,
    /// Page number, from 1.
    pub page: u32,
}

impl AuditQuery {
    /// The path and query string for `GET /api/audit` (admins and officers), or for
    /// `GET /api/audit/reads/{id}` with [`reads_of`](Self::reads_of); empty filters left out.
    pub fn path(&self) -> String {
        let mut params = self.filters();
        params.push(("page", self.page.max(1).to_string()));
        params.push(("perPage", AUDIT_PER_PAGE.to_string()));
        let base = match self.reads_of {
            Some(id) => format!("/api/audit/reads/{id}"),
            None => "/api/audit".to_string(),
        };
        format!("{base}{}", query_string(&params))
    }

    /// The address of every row these filters match as CSV (`GET /api/audit.csv`, all pages).
    pub fn csv_href(&self) -> String {
        format!("/api/audit.csv{}", query_string(&self.filters()))
    }

    fn filters(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        if let Some(user) = self.user_id.as_deref().filter(|u| !u.is_empty()) {
            params.push(("userId", user.to_string()));
        }
        if let Some(action) = self.action.as_deref().filter(|a| !a.is_empty()) {
            params.push(("action", action.to_string()));
        }
        if let Some(from) = self.from {
            params.push(("from", from.to_string()));
        }
        if let Some(to) = self.to {
            params.push(("to", to.to_string()));
        }
        params
    }
}

/// `?k=v&...` with keys and values percent-encoded (RFC 3986 unreserved characters kept).
pub fn query_string(params: &[(&str, String)]) -> String {
    if params.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect();
    format!("?{}", pairs.join("&"))
}

/// Percent-encodes everything but RFC 3986's unreserved characters, byte by byte of the UTF-8.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// How many pages `total` items make at `per_page` a page (at least one, so an empty list
/// still has its page 1).
pub fn page_count(total: u64, per_page: u32) -> u32 {
    let per_page = u64::from(per_page.max(1));
    let pages = total.div_ceil(per_page).max(1);
    u32::try_from(pages).unwrap_or(u32::MAX)
}

/// One entry of GOV.UK pagination's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageItem {
    /// A link to this page number.
    Number(u32),
    /// `⋯` for the pages left out.
    Ellipsis,
}

/// GOV.UK pagination's numbers for page `current` of `last`: always the first and last page,
/// the current page and the pages either side of it, with an ellipsis for each gap.
pub fn page_items(current: u32, last: u32) -> Vec<PageItem> {
    let last = last.max(1);
    let current = current.clamp(1, last);
    let mut shown: Vec<u32> = [1, current.saturating_sub(1), current, current + 1, last]
        .into_iter()
        .filter(|&n| n >= 1 && n <= last)
        .collect();
    shown.sort_unstable();
    shown.dedup();
    let mut items = Vec::new();
    let mut previous = 0;
    for n in shown {
        if n > previous + 1 {
            // A gap of exactly one page shows that page rather than an ellipsis for it.
            if n == previous + 2 {
                items.push(PageItem::Number(previous + 1));
            } else {
                items.push(PageItem::Ellipsis);
            }
        }
        items.push(PageItem::Number(n));
        previous = n;
    }
    items
}

/// "Showing 26 to 50 of 120 users": the range a page covers, for the line above a list.
pub fn showing(page: u32, per_page: u32, shown: usize, total: u64, noun: &str) -> String {
    if total == 0 || shown == 0 {
        return format!("No {noun} found");
    }
    let first = u64::from(page.max(1) - 1) * u64::from(per_page) + 1;
    let last = first + shown as u64 - 1;
    format!("Showing {first} to {last} of {total} {noun}")
}

/// A `<input type="date">` value (`2026-11-03`) as (year, month, day); `None` when empty or not
/// a calendar day.
pub fn parse_date_input(value: &str) -> Option<(i32, u32, u32)> {
    let value = value.trim();
    if !hearth_shared::dates::is_date(value) {
        return None;
    }
    let mut parts = value.split('-');
    let year = parts.next()?.parse().ok()?;
    let month = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    Some((year, month, day))
}

/// A username the server will take: 1 to 64 of `a-z 0-9 . _ -`. Says what is wrong, as the
/// form shows it; the server checks again.
pub fn username_problem(username: &str) -> Option<&'static str> {
    if username.is_empty() {
        Some("Enter a username")
    } else if username.chars().count() > 64 {
        Some("Username must be 64 characters or fewer")
    } else if !username
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
    {
        Some(
            "Username must only include lower case letters, numbers, full stops, hyphens and underscores",
        )
    } else {
        None
    }
}

/// A display name the server will take: 1 to 100 characters.
pub fn display_name_problem(name: &str) -> Option<&'static str> {
    let name = name.trim();
    if name.is_empty() {
        Some("Enter the person's name")
    } else if name.chars().count() > 100 {
        Some("Name must be 100 characters or fewer")
    } else {
        None
    }
}

/// A home name the server will take: 1 to 200 characters.
pub fn home_name_problem(name: &str) -> Option<&'static str> {
    let name = name.trim();
    if name.is_empty() {
        Some("Enter the home's name")
    } else if name.chars().count() > 200 {
        Some("Home name must be 200 characters or fewer")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_users_query_leaves_out_empty_filters_and_encodes_the_search() {
        let all = UserQuery {
            page: 1,
            ..UserQuery::default()
        };
        assert_eq!(all.path(), "/api/admin/users?page=1&perPage=25");
        let some = UserQuery {
            q: "  Test Member & co ".into(),
            role: Some(Role::ParticipationWorker),
            status: Some(UserStatus::Disabled),
            page: 3,
        };
        assert_eq!(
            some.path(),
            "/api/admin/users?q=Test%20Member%20%26%20co&role=participationWorker\
             &status=disabled&page=3&perPage=25"
        );
        // Page 0 is not a page.
        let zero = UserQuery::default();
        assert!(zero.path().contains("page=1&"));
    }

    #[test]
    fn the_audit_query_carries_user_action_and_date_range() {
        let q = AuditQuery {
            reads_of: None,
            user_id: Some("u-1".into()),
            action: Some("user_created".into()),
            from: Some(1_000),
            to: Some(2_000),
            page: 2,
        };
        assert_eq!(
            q.path(),
            "/api/audit?userId=u-1&action=user_created&from=1000&to=2000&page=2&perPage=50"
        );
        let empty = AuditQuery {
            user_id: Some(String::new()),
            action: Some(String::new()),
            ..AuditQuery::default()
        };
        assert_eq!(empty.path(), "/api/audit?page=1&perPage=50");
    }

    #[test]
    fn the_csv_export_takes_the_same_filters_and_every_page() {
        let q = AuditQuery {
            action: Some("record_read".into()),
            from: Some(1_000),
            page: 3,
            ..AuditQuery::default()
        };
        assert_eq!(q.csv_href(), "/api/audit.csv?action=record_read&from=1000");
        assert_eq!(AuditQuery::default().csv_href(), "/api/audit.csv");
    }

    #[test]
    fn who_has_read_a_record_asks_for_its_reads_only() {
        let id = hearth_shared::ids::DocumentId::random();
        let q = AuditQuery {
            reads_of: Some(id),
            page: 1,
            ..AuditQuery::default()
        };
        assert_eq!(q.path(), format!("/api/audit/reads/{id}?page=1&perPage=50"));
        let read = |action: &str, detail: &str| AuditRow {
            id: serde_json::Value::Null,
            at: 0,
            user_id: None,
            username: None,
            action: action.into(),
            subject: None,
            document_id: None,
            detail: detail.into(),
        };
        assert_eq!(read_how(&read("record_read", "sync")), "Opened on a device");
        assert_eq!(
            read_how(&read("record_read", "download")),
            "Downloaded to a new device"
        );
        assert_eq!(
            read_how(&read("record_read", "xlsx recommendations")),
            "In a recommendations export"
        );
        assert_eq!(
            read_how(&read("report_downloaded", "pdf inspectionReport")),
            "Report as PDF"
        );
        assert_eq!(
            read_how(&read("report_downloaded", "html inspectionReport")),
            "Report on screen"
        );
    }

    #[test]
    fn non_ascii_is_percent_encoded_byte_by_byte() {
        assert_eq!(percent_encode("Siân"), "Si%C3%A2n");
        assert_eq!(percent_encode("a.b_c-d~e"), "a.b_c-d~e");
        assert_eq!(percent_encode("x/y?z=1"), "x%2Fy%3Fz%3D1");
    }

    #[test]
    fn page_count_rounds_up_and_is_never_zero() {
        assert_eq!(page_count(0, 25), 1);
        assert_eq!(page_count(25, 25), 1);
        assert_eq!(page_count(26, 25), 2);
        assert_eq!(page_count(120, 50), 3);
        assert_eq!(page_count(5, 0), 5, "a zero page size counts as one");
    }

    #[test]
    fn pagination_shows_ends_neighbours_and_ellipses_as_govuk_does() {
        use PageItem::{Ellipsis as E, Number as N};
        assert_eq!(page_items(1, 1), [N(1)]);
        assert_eq!(page_items(1, 3), [N(1), N(2), N(3)]);
        assert_eq!(page_items(1, 10), [N(1), N(2), E, N(10)]);
        assert_eq!(page_items(5, 10), [N(1), E, N(4), N(5), N(6), E, N(10)]);
        assert_eq!(page_items(10, 10), [N(1), E, N(9), N(10)]);
        // A one-page gap shows the page itself.
        assert_eq!(page_items(4, 10), [N(1), N(2), N(3), N(4), N(5), E, N(10)]);
        // Out-of-range pages are clamped.
        assert_eq!(page_items(0, 2), [N(1), N(2)]);
        assert_eq!(page_items(9, 2), [N(1), N(2)]);
    }

    #[test]
    fn the_line_above_a_list_says_which_items_it_shows() {
        assert_eq!(showing(1, 25, 0, 0, "users"), "No users found");
        assert_eq!(showing(1, 25, 3, 3, "users"), "Showing 1 to 3 of 3 users");
        assert_eq!(
            showing(2, 25, 25, 120, "users"),
            "Showing 26 to 50 of 120 users"
        );
    }

    #[test]
    fn every_role_has_a_label_and_only_members_and_managers_have_homes() {
        for role in ROLES {
            assert!(!role_label(role).is_empty());
            assert_eq!(role_name_label(role.as_str()), role_label(role));
        }
        assert_eq!(role_name_label("somethingNew"), "somethingNew");
        let with_homes: Vec<Role> = ROLES.into_iter().filter(|&r| role_has_homes(r)).collect();
        assert_eq!(with_homes, [Role::Member, Role::Manager]);
    }

    #[test]
    fn audit_actions_read_as_words() {
        for action in AUDIT_ACTIONS {
            assert!(!action_label(action).contains('_'), "{action}");
        }
        assert_eq!(action_label("password_reset"), "Password reset");
        assert_eq!(action_label("login_failed"), "Sign-in failed");
        assert_eq!(
            action_label("store_migrated"),
            "Records moved to a new database"
        );
        assert_eq!(action_label("sign_in_failed"), "Sign in failed");
        assert_eq!(action_label(""), "");
    }

    #[test]
    fn audit_subjects_show_names_for_known_ids() {
        let user: AdminUser = serde_json::from_value(serde_json::json!({
            "id": "u1", "username": "test-member-1", "displayName": "Test Member One",
            "role": "member"
        }))
        .unwrap();
        let home = AdminHome {
            id: "h1".into(),
            name: "Oak House".into(),
            archived: false,
            people: Vec::new(),
        };
        let names = subject_names(&[user], &[home]);
        let row = |subject: Option<&str>, document: Option<&str>| AuditRow {
            id: serde_json::Value::Null,
            at: 0,
            user_id: None,
            username: None,
            action: "assigned".into(),
            subject: subject.map(String::from),
            document_id: document.map(String::from),
            detail: serde_json::Value::Null,
        };
        assert_eq!(
            subject_text(&row(Some("u1"), None), &names),
            "test-member-1"
        );
        assert_eq!(subject_text(&row(Some("h1"), None), &names), "Oak House");
        assert_eq!(subject_text(&row(Some("d-9"), None), &names), "d-9");
        assert_eq!(subject_text(&row(None, Some("doc")), &names), "doc");
        assert_eq!(subject_text(&row(None, None), &names), "");
        let mut assigned = row(Some("u1"), None);
        assigned.detail = serde_json::json!("h1");
        assert_eq!(detail_text(&assigned, &names), "Oak House");
        assigned.detail = serde_json::json!("member");
        assert_eq!(detail_text(&assigned, &names), "member");
    }

    #[test]
    fn date_inputs_are_real_days_or_nothing() {
        assert_eq!(parse_date_input("2026-11-03"), Some((2026, 11, 3)));
        assert_eq!(parse_date_input(""), None);
        assert_eq!(parse_date_input("2026-02-30"), None);
        assert_eq!(parse_date_input("3/11/2026"), None);
    }

    #[test]
    fn names_are_checked_as_the_server_checks_them() {
        assert_eq!(username_problem(""), Some("Enter a username"));
        assert!(username_problem("Test.Member").is_some(), "capitals");
        assert!(username_problem("test member").is_some(), "spaces");
        assert!(username_problem(&"a".repeat(65)).is_some());
        assert_eq!(username_problem("test.member-1_a"), None);
        assert!(display_name_problem("  ").is_some());
        assert!(display_name_problem(&"a".repeat(101)).is_some());
        assert_eq!(display_name_problem("Test Member One"), None);
        assert!(home_name_problem("").is_some());
        assert!(home_name_problem(&"a".repeat(201)).is_some());
        assert_eq!(home_name_problem("Oak House"), None);
    }

    #[test]
    fn the_contracts_replies_parse() {
        let user: AdminUser = serde_json::from_str(
            r#"{"id":"u1","username":"test-member-1","displayName":"Test Member One",
            "role":"member","disabled":false,"mustChangePassword":true,"homes":["h1"],
            "lastSignInAt":null,"createdAt":1700000000000,"kioskConsultationId":null}"#,
        )
        .unwrap();
        assert_eq!(user.homes, ["h1"]);
        assert_eq!(user.last_sign_in_at, None);
        let overview: Overview = serde_json::from_str(
            r#"{"usersByRole":{"member":2,"admin":1},"disabledUsers":0,"homes":3,
            "archivedHomes":1,"activeDevices":4,"recentAudit":[{"id":7,"at":1,"userId":"u0",
            "username":"admin","action":"home_created","subject":"h1","documentId":null,
            "detail":""}]}"#,
        )
        .unwrap();
        assert_eq!(overview.users_by_role.get("member"), Some(&2));
        assert_eq!(overview.recent_audit[0].actor_text(), "admin");
        let home: AdminHome = serde_json::from_str(
            r#"{"id":"h1","name":"Oak House","archived":true,
            "people":[{"id":"u1","displayName":"Test Member One","role":"member"}]}"#,
        )
        .unwrap();
        assert!(home.archived);
        assert_eq!(home.people[0].display_name, "Test Member One");
        let row: AuditRow = serde_json::from_str(
            r#"{"id":"r1","at":5,"userId":null,"username":null,"action":"x",
            "subject":null,"documentId":null,"detail":{"code":"forbidden"}}"#,
        )
        .unwrap();
        assert_eq!(row.actor_text(), "The service");
        assert_eq!(row.detail_text(), r#"{"code":"forbidden"}"#);
    }
}
