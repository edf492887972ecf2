//! The signed-in user as the server describes them (`GET /api/me`), cached on the device so the
//! app can start offline.

use hearth_shared::permissions::{Actor, Role};
use serde::{Deserialize, Serialize};

/// `GET /api/me`: the user and the homes they may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// Who is signed in.
    pub user: User,
    /// Homes this user may see.
    pub homes: Vec<Home>,
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

    /// The name of a home this user can see.
    pub fn home_name(&self, id: &str) -> Option<&str> {
        self.homes
            .iter()
            .find(|h| h.id == id)
            .map(|h| h.name.as_str())
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
    }
}
