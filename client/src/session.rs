//! The signed-in user as the server describes them (`GET /api/me`, plus `GET /api/people` for
//! the names records refer to), cached on the device so the app can start offline.

use std::collections::BTreeMap;
use std::rc::Rc;

use hearth_shared::permissions::{Actor, Role};
use serde::{Deserialize, Serialize};

/// `GET /api/me`: the user and the homes they may see; `people` is filled from `GET
/// /api/people` afterwards (and is empty in a copy cached before it existed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// Who is signed in.
    pub user: User,
    /// Homes this user may see.
    pub homes: Vec<Home>,
    /// The people whose names records show this user.
    #[serde(default)]
    pub people: Vec<Person>,
    /// Results from fewer counted responses than this are shown as "fewer than N" (the
    /// server's small-group threshold; the default in a copy cached before it was sent).
    #[serde(rename = "suppressBelow", default = "default_suppress_below")]
    pub suppress_below: u32,
}

fn default_suppress_below() -> u32 {
    hearth_shared::reporting::DEFAULT_SUPPRESS_BELOW
}

/// `GET /api/people`: someone records refer to by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    /// Their user id, as records store it.
    pub id: String,
    /// The name to show.
    pub display_name: String,
}

/// Names for the user ids in records, as the pure record views get them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names(Rc<BTreeMap<String, String>>);

impl Names {
    /// The name for user `id`; without one (not yet fetched on this device, or someone this
    /// user is not shown), a phrase saying so rather than an opaque id.
    pub fn of(&self, id: &str) -> String {
        self.0
            .get(id)
            .cloned()
            .unwrap_or_else(|| "A member whose name is not on this device".to_string())
    }
}

/// A user as the API shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Stable id (written to records' `createdBy`).
    pub id: String,
    /// Sign-in name.
    pub username: String,
    /// Name shown in the header.
    pub display_name: String,
    /// Role name, e.g. `member`, `participationWorker`.
    pub role: String,
    /// Signed in with a password someone else was shown (generated): the app asks for a new
    /// one before anything else, and the server refuses everything else until then.
    #[serde(default)]
    pub must_change_password: bool,
    /// A tablet's kiosk account set up with a code: the one consultation it runs (it goes
    /// straight to that consultation's PIN screen).
    #[serde(default)]
    pub kiosk_consultation_id: Option<String>,
}

/// A children's home.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Home {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
}

impl Me {
    /// The user as the shared rules see them; `None` for a role this build does not know.
    pub fn actor(&self) -> Option<Actor> {
        Some(Actor {
            user_id: self.user.id.clone(),
            role: Role::parse(&self.user.role)?,
            homes: self.homes.iter().map(|h| h.id.clone()).collect(),
        })
    }

    /// The names this user may see, their own included.
    pub fn names(&self) -> Names {
        let mut names: BTreeMap<String, String> = self
            .people
            .iter()
            .map(|p| (p.id.clone(), p.display_name.clone()))
            .collect();
        names.insert(self.user.id.clone(), self.user.display_name.clone());
        Names(Rc::new(names))
    }

    /// The name of a home this user can see.
    pub fn home_name(&self, id: &str) -> Option<&str> {
        self.homes
            .iter()
            .find(|h| h.id == id)
            .map(|h| h.name.as_str())
    }
}

/// The shortest password the server accepts.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// What is wrong with a new password and its confirmation, as the page says it; `None` when
/// it can be sent (the server checks the length again, and the current password).
pub fn new_password_problem(new: &str, confirm: &str) -> Option<&'static str> {
    if new.chars().count() < MIN_PASSWORD_CHARS {
        Some("Your new password must be 12 characters or more")
    } else if new != confirm {
        Some("The passwords do not match")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_me_reply_becomes_an_actor() {
        let json = r#"{"user":{"id":"u1","username":"cllr","displayName":"Cllr Test",
            "role":"member","disabled":false},"homes":[{"id":"h1","name":"Oak House"}]}"#;
        let me: Me = serde_json::from_str(json).unwrap();
        let actor = me.actor().unwrap();
        assert_eq!(actor.role, Role::Member);
        assert_eq!(actor.homes, ["h1"]);
        assert_eq!(me.home_name("h1"), Some("Oak House"));
        assert!(me.people.is_empty(), "filled from /api/people later");
        assert_eq!(
            me.suppress_below, 5,
            "the default when the server does not say"
        );
    }

    #[test]
    fn names_cover_the_people_and_the_user_and_say_when_one_is_missing() {
        let json = r#"{"user":{"id":"u1","username":"cllr","displayName":"Cllr Test",
            "role":"member"},"homes":[],
            "people":[{"id":"u2","displayName":"Cllr Example"}],"suppressBelow":3}"#;
        let me: Me = serde_json::from_str(json).unwrap();
        assert_eq!(me.suppress_below, 3);
        let names = me.names();
        assert_eq!(names.of("u1"), "Cllr Test");
        assert_eq!(names.of("u2"), "Cllr Example");
        assert_eq!(names.of("u3"), "A member whose name is not on this device");
    }

    #[test]
    fn a_new_password_must_be_long_enough_and_typed_twice() {
        assert!(new_password_problem("short", "short").is_some());
        assert_eq!(
            new_password_problem("synthetic-long-one", "synthetic-long-two"),
            Some("The passwords do not match")
        );
        assert_eq!(
            new_password_problem("synthetic-long-one", "synthetic-long-one"),
            None
        );
    }
}
