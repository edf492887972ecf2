//! Hash routes (`#/`, `#/homes/<id>`, `#/records/<id>`, `#/overview`, `#/consultations/...`,
//! `#/kiosk/<id>`, `#/admin/...`):
//! the page is always `/`, so an offline
//! reload is always the one cached `index.html`, whatever screen the user was on.

use hearth_shared::ids::DocumentId;

/// A screen of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `#/`: the homes this user may see.
    Homes,
    /// `#/homes/<homeId>`: the records for one home.
    Home(String),
    /// `#/records/<documentId>`: one record.
    Record(DocumentId),
    /// `#/records/<documentId>/reads`: who has read it (officers).
    RecordReads(DocumentId),
    /// `#/records/<documentId>/history`: who changed what in it, and it as it was.
    RecordHistory(DocumentId),
    /// `#/overview`: visits due, open recommendations and consultations running (officers,
    /// managers for their homes, participation workers for consultations).
    Overview,
    /// `#/sign-in`: sign in (again).
    SignIn,
    /// `#/devices`: the devices signed in as this user (and, for an admin, everyone's).
    Devices,
    /// `#/kiosk-setup/<code>`: this tablet is being set up with a code (from the QR code).
    KioskSetup(String),
    /// `#/kiosk-setup`: "Set up this tablet", typing the code.
    KioskSetupEntry,
    /// `#/consultations/<documentId>/tablet`: a set-up code for a tablet to run it.
    ConsultationTablet(DocumentId),
    /// `#/consultations`: the consultations this user may read.
    Consultations,
    /// `#/consultations/<documentId>`: one consultation (the builder, or read-only).
    Consultation(DocumentId),
    /// `#/consultations/<documentId>/results`: its results (participation workers, officers).
    ConsultationResults(DocumentId),
    /// `#/kiosk/<consultationId>`: kiosk mode on a shared tablet.
    Kiosk(DocumentId),
    /// `#/password`: change your password.
    Password,
    /// `#/admin`: the administration overview (also what an admin sees at `#/`).
    Admin,
    /// `#/admin/users`: users, searched and filtered.
    AdminUsers,
    /// `#/admin/users/new`: create a user.
    AdminNewUser,
    /// `#/admin/users/<userId>`: one user.
    AdminUser(String),
    /// `#/admin/homes`: homes.
    AdminHomes,
    /// `#/admin/homes/<homeId>`: one home and who is assigned to it.
    AdminHome(String),
    /// `#/admin/audit`: the audit, filtered.
    AdminAudit,
    /// `#/admin/erase`: erase one record everywhere, with a reason.
    AdminErase,
    /// Anything else.
    NotFound,
}

impl Route {
    /// The route named by `location.hash` (with or without the leading `#`).
    pub fn parse(hash: &str) -> Route {
        let path = hash.trim_start_matches('#').trim_start_matches('/');
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        match parts.as_slice() {
            [] => Route::Homes,
            ["sign-in"] => Route::SignIn,
            ["overview"] => Route::Overview,
            ["devices"] => Route::Devices,
            ["kiosk-setup"] => Route::KioskSetupEntry,
            ["kiosk-setup", code] => crate::devices::normalize_setup_code(code)
                .map_or(Route::NotFound, Route::KioskSetup),
            ["consultations", id, "tablet"] => id
                .parse()
                .map_or(Route::NotFound, Route::ConsultationTablet),
            ["password"] => Route::Password,
            ["homes", id] if valid_home_id(id) => Route::Home((*id).to_string()),
            ["records", id] => id.parse().map_or(Route::NotFound, Route::Record),
            ["records", id, "reads"] => id.parse().map_or(Route::NotFound, Route::RecordReads),
            ["records", id, "history"] => id.parse().map_or(Route::NotFound, Route::RecordHistory),
            ["consultations"] => Route::Consultations,
            ["consultations", id] => id.parse().map_or(Route::NotFound, Route::Consultation),
            ["consultations", id, "results"] => id
                .parse()
                .map_or(Route::NotFound, Route::ConsultationResults),
            ["kiosk", id] => id.parse().map_or(Route::NotFound, Route::Kiosk),
            ["admin"] => Route::Admin,
            ["admin", "users"] => Route::AdminUsers,
            ["admin", "users", "new"] => Route::AdminNewUser,
            ["admin", "users", id] if valid_home_id(id) => Route::AdminUser((*id).to_string()),
            ["admin", "homes"] => Route::AdminHomes,
            ["admin", "homes", id] if valid_home_id(id) => Route::AdminHome((*id).to_string()),
            ["admin", "audit"] => Route::AdminAudit,
            ["admin", "erase"] => Route::AdminErase,
            _ => Route::NotFound,
        }
    }

    /// The `href` for this route.
    pub fn href(&self) -> String {
        match self {
            Route::Homes | Route::NotFound => "#/".into(),
            Route::Home(id) => format!("#/homes/{id}"),
            Route::Record(id) => format!("#/records/{id}"),
            Route::RecordReads(id) => format!("#/records/{id}/reads"),
            Route::RecordHistory(id) => format!("#/records/{id}/history"),
            Route::Overview => "#/overview".into(),
            Route::SignIn => "#/sign-in".into(),
            Route::Devices => "#/devices".into(),
            Route::KioskSetup(code) => format!("#/kiosk-setup/{code}"),
            Route::KioskSetupEntry => "#/kiosk-setup".into(),
            Route::ConsultationTablet(id) => format!("#/consultations/{id}/tablet"),
            Route::Password => "#/password".into(),
            Route::Consultations => "#/consultations".into(),
            Route::Consultation(id) => format!("#/consultations/{id}"),
            Route::ConsultationResults(id) => format!("#/consultations/{id}/results"),
            Route::Kiosk(id) => format!("#/kiosk/{id}"),
            Route::Admin => "#/admin".into(),
            Route::AdminUsers => "#/admin/users".into(),
            Route::AdminNewUser => "#/admin/users/new".into(),
            Route::AdminUser(id) => format!("#/admin/users/{id}"),
            Route::AdminHomes => "#/admin/homes".into(),
            Route::AdminHome(id) => format!("#/admin/homes/{id}"),
            Route::AdminAudit => "#/admin/audit".into(),
            Route::AdminErase => "#/admin/erase".into(),
        }
    }
}

/// The sections of the service menu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MenuSection {
    /// Homes, their records, and the records themselves.
    Homes,
    /// The officers' overview.
    Overview,
    /// Consultations, a consultation and its results.
    Consultations,
    /// The devices signed in as this user (and everyone's, for an admin).
    Devices,
    /// The administration overview (an admin's home page).
    Administration,
    /// Administration: users, a user, a new user.
    AdminUsers,
    /// Administration: homes and a home.
    AdminHomes,
    /// Administration: the audit.
    AdminAudit,
}

/// How the menu marks a section for the route being shown (GOV.UK service navigation: the
/// item is highlighted, and `aria-current` tells screen readers where they are).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MenuMark {
    /// The section's own page: `aria-current="page"`.
    Page,
    /// A page inside the section: `aria-current="true"`.
    Within,
}

impl Route {
    /// The menu section this route belongs to and how to mark it; `None` outside the menu
    /// (signing in, your password, kiosk mode, an unknown address).
    pub fn menu(&self) -> Option<(MenuSection, MenuMark)> {
        match self {
            Route::Homes => Some((MenuSection::Homes, MenuMark::Page)),
            Route::Overview => Some((MenuSection::Overview, MenuMark::Page)),
            Route::ConsultationTablet(_) => Some((MenuSection::Consultations, MenuMark::Within)),
            Route::Devices => Some((MenuSection::Devices, MenuMark::Page)),
            Route::KioskSetup(_) | Route::KioskSetupEntry => None,
            Route::Home(_) | Route::Record(_) | Route::RecordHistory(_) => {
                Some((MenuSection::Homes, MenuMark::Within))
            }
            Route::Consultations => Some((MenuSection::Consultations, MenuMark::Page)),
            Route::Consultation(_) | Route::ConsultationResults(_) => {
                Some((MenuSection::Consultations, MenuMark::Within))
            }
            Route::Admin => Some((MenuSection::Administration, MenuMark::Page)),
            Route::AdminUsers => Some((MenuSection::AdminUsers, MenuMark::Page)),
            Route::AdminUser(_) | Route::AdminNewUser => {
                Some((MenuSection::AdminUsers, MenuMark::Within))
            }
            Route::AdminHomes => Some((MenuSection::AdminHomes, MenuMark::Page)),
            Route::AdminHome(_) => Some((MenuSection::AdminHomes, MenuMark::Within)),
            Route::AdminAudit => Some((MenuSection::AdminAudit, MenuMark::Page)),
            Route::AdminErase => Some((MenuSection::Administration, MenuMark::Within)),
            Route::RecordReads(_) => Some((MenuSection::Homes, MenuMark::Within)),
            Route::SignIn | Route::Password | Route::Kiosk(_) | Route::NotFound => None,
        }
    }
}

/// Home and user ids are server-made tokens; anything else in the URL is not one.
fn valid_home_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_round_trip_through_their_href() {
        let doc = DocumentId::random();
        for route in [
            Route::Homes,
            Route::Home("h-1".into()),
            Route::Record(doc),
            Route::RecordReads(doc),
            Route::RecordHistory(doc),
            Route::Overview,
            Route::SignIn,
            Route::Password,
            Route::Consultations,
            Route::Consultation(doc),
            Route::ConsultationResults(doc),
            Route::Kiosk(doc),
            Route::Admin,
            Route::AdminUsers,
            Route::AdminNewUser,
            Route::AdminUser("0b9f6a52-7f1e-4c1a-9d55-1f2e3d4c5b6a".into()),
            Route::AdminHomes,
            Route::AdminHome("h-1".into()),
            Route::AdminAudit,
            Route::AdminErase,
        ] {
            assert_eq!(Route::parse(&route.href()), route);
        }
    }

    #[test]
    fn devices_and_tablet_set_up_have_their_own_routes() {
        let doc = DocumentId::random();
        for route in [
            Route::Devices,
            Route::KioskSetup("ABCD-2345".into()),
            Route::KioskSetupEntry,
            Route::ConsultationTablet(doc),
        ] {
            assert_eq!(Route::parse(&route.href()), route);
        }
        // A code from a QR code or typed into the address bar reads the same.
        assert_eq!(
            Route::parse("#/kiosk-setup/abcd2345"),
            Route::KioskSetup("ABCD-2345".into())
        );
        assert_eq!(Route::parse("#/kiosk-setup/<script>"), Route::NotFound);
        assert_eq!(Route::parse("#/kiosk-setup/ABCD-2345/x"), Route::NotFound);
        assert_eq!(
            Route::ConsultationTablet(doc).menu(),
            Some((MenuSection::Consultations, MenuMark::Within))
        );
        assert_eq!(
            Route::Devices.menu(),
            Some((MenuSection::Devices, MenuMark::Page))
        );
        assert_eq!(Route::KioskSetup("ABCD-2345".into()).menu(), None);
    }

    #[test]
    fn an_empty_hash_is_the_homes_list() {
        assert_eq!(Route::parse(""), Route::Homes);
        assert_eq!(Route::parse("#"), Route::Homes);
    }

    #[test]
    fn malformed_ids_are_not_found() {
        assert_eq!(Route::parse("#/records/not-an-id"), Route::NotFound);
        assert_eq!(Route::parse("#/homes/<script>"), Route::NotFound);
        assert_eq!(Route::parse("#/elsewhere"), Route::NotFound);
        assert_eq!(Route::parse("#/kiosk/not-an-id"), Route::NotFound);
        assert_eq!(Route::parse("#/consultations/x/results"), Route::NotFound);
        let doc = DocumentId::random();
        assert_eq!(
            Route::parse(&format!("#/consultations/{doc}/other")),
            Route::NotFound
        );
    }

    #[test]
    fn consultation_pages_have_their_own_routes() {
        let doc = DocumentId::random();
        assert_eq!(Route::parse("#/consultations"), Route::Consultations);
        assert_eq!(Route::parse("#/consultations/"), Route::Consultations);
        assert_eq!(
            Route::parse(&format!("#/consultations/{doc}/results")),
            Route::ConsultationResults(doc)
        );
        assert_eq!(Route::parse(&format!("#/kiosk/{doc}")), Route::Kiosk(doc));
    }

    #[test]
    fn the_menu_marks_the_section_a_page_is_in() {
        let doc = DocumentId::random();
        let page = |s| Some((s, MenuMark::Page));
        let within = |s| Some((s, MenuMark::Within));
        assert_eq!(Route::Homes.menu(), page(MenuSection::Homes));
        assert_eq!(Route::Home("h-1".into()).menu(), within(MenuSection::Homes));
        assert_eq!(Route::Record(doc).menu(), within(MenuSection::Homes));
        assert_eq!(
            Route::Consultations.menu(),
            page(MenuSection::Consultations)
        );
        assert_eq!(
            Route::ConsultationResults(doc).menu(),
            within(MenuSection::Consultations)
        );
        assert_eq!(Route::Overview.menu(), page(MenuSection::Overview));
        assert_eq!(Route::Kiosk(doc).menu(), None);
        assert_eq!(Route::SignIn.menu(), None);
    }

    #[test]
    fn administration_pages_have_their_own_routes_and_menu_sections() {
        let page = |s| Some((s, MenuMark::Page));
        let within = |s| Some((s, MenuMark::Within));
        assert_eq!(Route::parse("#/admin"), Route::Admin);
        assert_eq!(Route::parse("#/admin/"), Route::Admin);
        assert_eq!(Route::parse("#/admin/users"), Route::AdminUsers);
        // "new" is the form, never a user id.
        assert_eq!(Route::parse("#/admin/users/new"), Route::AdminNewUser);
        assert_eq!(
            Route::parse("#/admin/users/u-1"),
            Route::AdminUser("u-1".into())
        );
        assert_eq!(
            Route::parse("#/admin/homes/h-1"),
            Route::AdminHome("h-1".into())
        );
        assert_eq!(Route::parse("#/admin/audit"), Route::AdminAudit);
        assert_eq!(Route::parse("#/admin/users/<b>"), Route::NotFound);
        assert_eq!(Route::parse("#/admin/homes/h-1/extra"), Route::NotFound);
        assert_eq!(Route::parse("#/admin/elsewhere"), Route::NotFound);

        assert_eq!(Route::Admin.menu(), page(MenuSection::Administration));
        assert_eq!(Route::AdminUsers.menu(), page(MenuSection::AdminUsers));
        assert_eq!(Route::AdminNewUser.menu(), within(MenuSection::AdminUsers));
        assert_eq!(
            Route::AdminUser("u-1".into()).menu(),
            within(MenuSection::AdminUsers)
        );
        assert_eq!(Route::AdminHomes.menu(), page(MenuSection::AdminHomes));
        assert_eq!(
            Route::AdminHome("h-1".into()).menu(),
            within(MenuSection::AdminHomes)
        );
        assert_eq!(Route::AdminAudit.menu(), page(MenuSection::AdminAudit));
    }
}
