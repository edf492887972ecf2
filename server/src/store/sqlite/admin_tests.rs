//! The administration side of the store against real SQLite files: the last-admin guard, account
//! changes that happen whole or not at all, devices and their revocation, tablet set-up codes,
//! the audit page and the overview. All names are synthetic.

use hearth_shared::permissions::Role;
use rusqlite::Connection;
use tempfile::TempDir;

use super::{SqliteOptions, SqliteStore, schema};
use crate::store::{
    AuditEvent, AuditQuery, NewAccount, NewSession, NewUser, RevokedBy, SetupCode, Store,
    StoreError, User, UserChange, UserQuery,
};

fn fresh() -> (TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("hearth.sqlite"), SqliteOptions::default())
        .expect("open the store");
    (dir, store)
}

fn new_user(username: &str, role: Role) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: format!("Test {username}"),
        role,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$dGVzdHNhbHQ$dGVzdGhhc2g".into(),
        must_change_password: false,
    }
}

async fn user(store: &SqliteStore, username: &str, role: Role) -> User {
    store.create_user(new_user(username, role)).await.unwrap()
}

fn signed_in(user_id: &str, expires_at_ms: i64) -> NewSession {
    NewSession {
        user_id: user_id.into(),
        label: "Chrome on Android tablet".into(),
        created_at_ms: 1_000,
        expires_at_ms,
    }
}

// --- the last-admin guard ---

#[tokio::test]
async fn the_last_enabled_admin_can_be_neither_disabled_nor_demoted() {
    let (_dir, store) = fresh();
    let only = user(&store, "admin.one", Role::Admin).await;

    assert!(matches!(
        store.set_user_disabled(&only.id, true).await,
        Err(StoreError::LastAdmin)
    ));
    let demote = UserChange {
        display_name: Some("Renamed".into()),
        role: Some(Role::Officer),
        homes: None,
    };
    assert!(matches!(
        store.update_user(&only.id, demote.clone()).await,
        Err(StoreError::LastAdmin)
    ));
    let unchanged = store.user(&only.id).await.unwrap().unwrap();
    assert_eq!(
        (
            unchanged.role,
            unchanged.disabled,
            unchanged.display_name.as_str()
        ),
        (Role::Admin, false, "Test admin.one"),
        "a refused change leaves nothing behind, not even the rename"
    );

    // With a second enabled admin, either may go; then the other is the last one.
    let second = user(&store, "admin.two", Role::Admin).await;
    store.update_user(&only.id, demote).await.unwrap();
    assert!(matches!(
        store.set_user_disabled(&second.id, true).await,
        Err(StoreError::LastAdmin)
    ));
    assert_eq!(store.count_admins().await.unwrap(), 1);
}

#[tokio::test]
async fn a_disabled_admin_does_not_count_and_can_be_changed_freely() {
    let (_dir, store) = fresh();
    let active = user(&store, "admin.one", Role::Admin).await;
    let other = user(&store, "admin.two", Role::Admin).await;
    store.set_user_disabled(&other.id, true).await.unwrap();
    assert!(matches!(
        store.set_user_disabled(&active.id, true).await,
        Err(StoreError::LastAdmin)
    ));
    let change = UserChange {
        role: Some(Role::Officer),
        ..UserChange::default()
    };
    store.update_user(&other.id, change).await.unwrap();
}

// --- accounts and homes, whole or not at all ---

#[tokio::test]
async fn an_account_is_created_with_its_homes_or_not_at_all() {
    let (_dir, store) = fresh();
    let oak = store.create_home("Oak House (test)").await.unwrap();
    let account = |homes: Vec<String>, role| NewAccount {
        user: new_user("member.one", role),
        homes,
        kiosk_consultation_id: None,
    };

    let unknown = store
        .create_account(account(
            vec![oak.id.clone(), "no-such-home".into()],
            Role::Member,
        ))
        .await;
    assert!(matches!(unknown, Err(StoreError::NotFound("home"))));
    let for_officer = store
        .create_account(account(vec![oak.id.clone()], Role::Officer))
        .await;
    assert!(matches!(for_officer, Err(StoreError::Invalid(_))));
    assert!(
        store
            .user_by_username("member.one")
            .await
            .unwrap()
            .is_none(),
        "nothing was created"
    );

    let made = store
        .create_account(account(vec![oak.id.clone()], Role::Member))
        .await
        .unwrap();
    assert_eq!(store.homes_of(&made.id).await.unwrap(), vec![oak.id]);
}

#[tokio::test]
async fn editing_homes_replaces_them_and_a_role_without_homes_drops_them() {
    let (_dir, store) = fresh();
    let oak = store.create_home("Oak House (test)").await.unwrap();
    let elm = store.create_home("Elm House (test)").await.unwrap();
    let member = user(&store, "member.one", Role::Member).await;
    store.assign(&member.id, &oak.id).await.unwrap();

    let moved = store
        .update_user(
            &member.id,
            UserChange {
                homes: Some(vec![elm.id.clone()]),
                ..UserChange::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(moved.homes, vec![elm.id.clone()]);

    let refused = store
        .update_user(
            &member.id,
            UserChange {
                display_name: Some("Renamed".into()),
                homes: Some(vec![oak.id.clone(), "no-such-home".into()]),
                ..UserChange::default()
            },
        )
        .await;
    assert!(matches!(refused, Err(StoreError::NotFound("home"))));
    let kept = store.user_with_homes(&member.id).await.unwrap().unwrap();
    assert_eq!(kept.homes, vec![elm.id.clone()], "assignments untouched");
    assert_eq!(kept.user.display_name, "Test member.one");

    let officer = store
        .update_user(
            &member.id,
            UserChange {
                role: Some(Role::Officer),
                ..UserChange::default()
            },
        )
        .await
        .unwrap();
    assert!(officer.homes.is_empty());
    assert!(matches!(
        store.assign(&member.id, &oak.id).await,
        Err(StoreError::Invalid(_))
    ));
}

#[tokio::test]
async fn homes_are_renamed_archived_and_unassigned() {
    let (_dir, store) = fresh();
    let oak = store.create_home("Oak House (test)").await.unwrap();
    let elm = store.create_home("Elm House (test)").await.unwrap();
    let member = user(&store, "member.one", Role::Member).await;
    store.assign(&member.id, &oak.id).await.unwrap();

    assert!(matches!(
        store
            .update_home(&oak.id, Some("elm house (TEST)".into()), Some(true))
            .await,
        Err(StoreError::Conflict("home name"))
    ));
    assert!(!store.home(&oak.id).await.unwrap().unwrap().archived);
    let archived = store
        .update_home(&oak.id, Some("Ash House (test)".into()), Some(true))
        .await
        .unwrap();
    assert_eq!(
        (archived.name.as_str(), archived.archived),
        ("Ash House (test)", true)
    );

    let people = store.home_people().await.unwrap();
    assert_eq!(people.len(), 1);
    assert_eq!(
        (people[0].home_id.as_str(), people[0].role),
        (oak.id.as_str(), Role::Member)
    );
    store.unassign(&member.id, &oak.id).await.unwrap();
    store.unassign(&member.id, &oak.id).await.unwrap();
    assert!(store.home_people().await.unwrap().is_empty());
    assert!(matches!(
        store.unassign(&member.id, "no-such-home").await,
        Err(StoreError::NotFound("home"))
    ));
    assert!(matches!(
        store.update_home("no-such-home", None, Some(true)).await,
        Err(StoreError::NotFound("home"))
    ));
    let _ = elm;
}

#[tokio::test]
async fn users_are_found_by_text_role_and_status_a_page_at_a_time() {
    let (_dir, store) = fresh();
    for n in 1..=5 {
        user(&store, &format!("member.{n}"), Role::Member).await;
    }
    let officer = user(&store, "officer.one", Role::Officer).await;
    store.set_user_disabled(&officer.id, true).await.unwrap();

    let page = store
        .find_users(UserQuery {
            role: Some(Role::Member),
            offset: 2,
            limit: 2,
            ..UserQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, 5);
    let names: Vec<_> = page
        .users
        .iter()
        .map(|u| u.user.username.as_str())
        .collect();
    assert_eq!(names, ["member.3", "member.4"]);

    let by_text = |text: &str| UserQuery {
        text: Some(text.into()),
        limit: 50,
        ..UserQuery::default()
    };
    assert_eq!(store.find_users(by_text("OFFICER")).await.unwrap().total, 1);
    assert_eq!(
        store
            .find_users(by_text("Test member"))
            .await
            .unwrap()
            .total,
        5
    );
    assert_eq!(store.find_users(by_text("%")).await.unwrap().total, 0);
    let disabled = store
        .find_users(UserQuery {
            disabled: Some(true),
            limit: 50,
            ..UserQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(disabled.total, 1);
    assert_eq!(disabled.users[0].user.id, officer.id);
}

// --- passwords, sessions and devices ---

#[tokio::test]
async fn a_reset_password_must_be_changed_and_ends_every_session_and_ticket() {
    let (_dir, store) = fresh();
    let member = user(&store, "member.one", Role::Member).await;
    let other = user(&store, "member.two", Role::Member).await;
    let phone = store
        .create_session([1; 32], signed_in(&member.id, 10_000))
        .await
        .unwrap();
    store
        .create_session([2; 32], signed_in(&member.id, 10_000))
        .await
        .unwrap();
    store
        .create_session([3; 32], signed_in(&other.id, 10_000))
        .await
        .unwrap();
    store
        .create_ticket([4; 32], &phone.device_id, 10_000)
        .await
        .unwrap();

    store
        .reset_password(&member.id, "$argon2id$reset")
        .await
        .unwrap();
    let after = store.user(&member.id).await.unwrap().unwrap();
    assert!(after.must_change_password);
    assert_eq!(after.password_hash, "$argon2id$reset");
    assert!(store.session([1; 32]).await.unwrap().is_none());
    assert!(store.session([2; 32]).await.unwrap().is_none());
    assert!(store.take_ticket([4; 32]).await.unwrap().is_none());
    assert!(
        store.session([3; 32]).await.unwrap().is_some(),
        "someone else's"
    );
    assert!(matches!(
        store.reset_password("no-such-user", "x").await,
        Err(StoreError::NotFound("user"))
    ));
}

#[tokio::test]
async fn signing_in_records_a_device_and_the_last_sign_in() {
    let (_dir, store) = fresh();
    let member = user(&store, "member.one", Role::Member).await;
    assert_eq!(member.last_sign_in_at_ms, None);
    let session = store
        .create_session([1; 32], signed_in(&member.id, 10_000))
        .await
        .unwrap();
    assert_eq!(session.device_id.len(), 36, "a UUID");
    let after = store.user(&member.id).await.unwrap().unwrap();
    assert_eq!(after.last_sign_in_at_ms, Some(1_000));

    store
        .touch_session(&session.device_id, 5_000)
        .await
        .unwrap();
    store
        .touch_session(&session.device_id, 4_000)
        .await
        .unwrap();
    let devices = store.devices(Some(&member.id), 2_000).await.unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(
        (
            devices[0].label.as_str(),
            devices[0].last_seen_at_ms,
            devices[0].kiosk
        ),
        ("Chrome on Android tablet", 5_000, false),
        "last seen only moves forward"
    );
    assert!(
        store.devices(None, 10_000).await.unwrap().is_empty(),
        "expired"
    );
}

#[tokio::test]
async fn a_revoked_device_is_remembered_until_it_expires_and_its_tickets_die() {
    let (_dir, store) = fresh();
    let member = user(&store, "member.one", Role::Member).await;
    let other = user(&store, "member.two", Role::Member).await;
    let phone = store
        .create_session([1; 32], signed_in(&member.id, 10_000))
        .await
        .unwrap();
    let laptop = store
        .create_session([2; 32], signed_in(&member.id, 10_000))
        .await
        .unwrap();
    store
        .create_ticket([3; 32], &phone.device_id, 10_000)
        .await
        .unwrap();

    assert!(
        matches!(
            store
                .revoke_device(&phone.device_id, RevokedBy::Owner, Some(&other.id), 2_000)
                .await,
            Err(StoreError::NotFound("device"))
        ),
        "someone else's device is like an unknown one"
    );
    store
        .revoke_device(&phone.device_id, RevokedBy::Admin, None, 2_000)
        .await
        .unwrap();
    assert!(matches!(
        store
            .revoke_device(&phone.device_id, RevokedBy::Admin, None, 2_500)
            .await,
        Err(StoreError::AlreadyRevoked)
    ));
    assert!(matches!(
        store
            .revoke_device("no-such-device", RevokedBy::Admin, None, 2_500)
            .await,
        Err(StoreError::NotFound("device"))
    ));

    let revoked = store.session([1; 32]).await.unwrap().unwrap();
    assert_eq!(revoked.revoked, Some(RevokedBy::Admin));
    assert!(store.take_ticket([3; 32]).await.unwrap().is_none());
    assert!(matches!(
        store.create_ticket([4; 32], &phone.device_id, 10_000).await,
        Err(StoreError::NotFound("session"))
    ));
    let active: Vec<_> = store
        .devices(None, 3_000)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(active, vec![laptop.device_id.clone()]);

    store.purge_expired(20_000).await.unwrap();
    assert!(
        store.session([1; 32]).await.unwrap().is_none(),
        "purged at expiry"
    );
    assert!(
        store
            .session_by_device(&laptop.device_id)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn signing_out_takes_the_sessions_tickets_with_it() {
    let (_dir, store) = fresh();
    let member = user(&store, "member.one", Role::Member).await;
    let phone = store
        .create_session([1; 32], signed_in(&member.id, 10_000))
        .await
        .unwrap();
    store
        .create_ticket([2; 32], &phone.device_id, 10_000)
        .await
        .unwrap();
    store.delete_session([1; 32]).await.unwrap();
    assert!(store.take_ticket([2; 32]).await.unwrap().is_none());
}

// --- tablet set-up codes ---

fn code_for(consultation: &str, issued_by: &str, expires_at_ms: i64) -> SetupCode {
    SetupCode {
        consultation_id: consultation.into(),
        issued_by: issued_by.into(),
        expires_at_ms,
    }
}

fn tablet(username: &str) -> NewUser {
    NewUser {
        display_name: "Kiosk tablet".into(),
        ..new_user(username, Role::YoungPerson)
    }
}

#[tokio::test]
async fn a_set_up_code_makes_one_bound_kiosk_account_once() {
    let (_dir, store) = fresh();
    let worker = user(&store, "worker.one", Role::ParticipationWorker).await;
    store
        .create_setup_code([1; 32], code_for("consultation-1", &worker.id, 10_000))
        .await
        .unwrap();

    let made = store
        .redeem_setup_code([1; 32], 5_000, tablet("kiosk-a"))
        .await
        .unwrap()
        .expect("a valid code makes an account");
    assert_eq!(
        made.kiosk_consultation_id.as_deref(),
        Some("consultation-1")
    );
    assert_eq!(
        (made.role, made.display_name.as_str()),
        (Role::YoungPerson, "Kiosk tablet 1")
    );
    assert!(!made.must_change_password);
    assert!(
        store
            .redeem_setup_code([1; 32], 5_000, tablet("kiosk-b"))
            .await
            .unwrap()
            .is_none(),
        "single use"
    );
    assert!(store.user_by_username("kiosk-b").await.unwrap().is_none());

    store
        .create_setup_code([2; 32], code_for("consultation-1", &worker.id, 10_000))
        .await
        .unwrap();
    let second = store
        .redeem_setup_code([2; 32], 5_000, tablet("kiosk-c"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.display_name, "Kiosk tablet 2");
}

#[tokio::test]
async fn an_expired_code_makes_nothing_and_a_failed_creation_keeps_the_code() {
    let (_dir, store) = fresh();
    let worker = user(&store, "worker.one", Role::ParticipationWorker).await;
    store
        .create_setup_code([1; 32], code_for("consultation-1", &worker.id, 10_000))
        .await
        .unwrap();
    assert!(
        store
            .redeem_setup_code([1; 32], 10_000, tablet("kiosk-a"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.user_by_username("kiosk-a").await.unwrap().is_none());

    store
        .create_setup_code([2; 32], code_for("consultation-1", &worker.id, 10_000))
        .await
        .unwrap();
    // A username that is taken fails the account, and with it the taking of the code.
    let taken = store
        .redeem_setup_code([2; 32], 5_000, tablet("worker.one"))
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict("username"))));
    assert!(
        store
            .redeem_setup_code([2; 32], 5_000, tablet("kiosk-b"))
            .await
            .unwrap()
            .is_some()
    );

    store
        .create_setup_code([3; 32], code_for("consultation-1", &worker.id, 1_000))
        .await
        .unwrap();
    store.purge_expired(2_000).await.unwrap();
    assert!(
        store
            .redeem_setup_code([3; 32], 500, tablet("kiosk-c"))
            .await
            .unwrap()
            .is_none(),
        "purged"
    );
}

// --- audit and overview ---

#[tokio::test]
async fn the_audit_page_filters_counts_and_names_the_actor() {
    let (_dir, store) = fresh();
    let admin = user(&store, "admin.one", Role::Admin).await;
    for (at, who, action) in [
        (100, Some(admin.id.clone()), "user_created"),
        (200, Some(admin.id.clone()), "home_created"),
        (300, None, "login_failed"),
        (400, Some(admin.id.clone()), "user_created"),
    ] {
        store
            .audit(AuditEvent {
                at_ms: at,
                user_id: who,
                action: action.into(),
                document_id: None,
                subject: Some("subject-1".into()),
                detail: String::new(),
            })
            .await
            .unwrap();
    }
    let all = store
        .audit_page(AuditQuery {
            limit: 2,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(all.total, 4);
    let ats: Vec<_> = all.rows.iter().map(|r| r.event.at_ms).collect();
    assert_eq!(ats, [400, 300], "newest first");
    assert_eq!(all.rows[1].username, None);
    assert_eq!(all.rows[0].username.as_deref(), Some("admin.one"));
    assert_eq!(all.rows[0].event.subject.as_deref(), Some("subject-1"));

    let filtered = store
        .audit_page(AuditQuery {
            user_id: Some(admin.id.clone()),
            action: Some("user_created".into()),
            from_ms: Some(100),
            to_ms: Some(399),
            limit: 50,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(filtered.total, 1);
    assert_eq!(filtered.rows[0].event.at_ms, 100);
}

#[tokio::test]
async fn the_overview_counts_roles_homes_and_active_devices() {
    let (_dir, store) = fresh();
    let admin = user(&store, "admin.one", Role::Admin).await;
    let member = user(&store, "member.one", Role::Member).await;
    let worker = user(&store, "worker.one", Role::ParticipationWorker).await;
    store.set_user_disabled(&worker.id, true).await.unwrap();
    store.create_home("Oak House (test)").await.unwrap();
    let elm = store.create_home("Elm House (test)").await.unwrap();
    store.update_home(&elm.id, None, Some(true)).await.unwrap();
    store
        .create_session([1; 32], signed_in(&admin.id, 10_000))
        .await
        .unwrap();
    let revoked = store
        .create_session([2; 32], signed_in(&member.id, 10_000))
        .await
        .unwrap();
    store
        .revoke_device(&revoked.device_id, RevokedBy::Admin, None, 2_000)
        .await
        .unwrap();
    store
        .create_session([3; 32], signed_in(&member.id, 1_500))
        .await
        .unwrap();

    let overview = store.overview(2_000).await.unwrap();
    let count = |role| {
        overview
            .users_by_role
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, n)| *n)
    };
    assert_eq!(count(Role::Admin), Some(1));
    assert_eq!(count(Role::Member), Some(1));
    assert_eq!(count(Role::ParticipationWorker), Some(1));
    assert_eq!(count(Role::Officer), Some(0));
    assert_eq!(overview.disabled_users, 1);
    assert_eq!((overview.homes, overview.archived_homes), (1, 1));
    assert_eq!(overview.active_devices, 1);
}

// --- migration ---

#[tokio::test]
async fn sessions_from_before_devices_survive_the_migration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hearth.sqlite");
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        for step in &schema::MIGRATIONS[..2] {
            conn.execute_batch(step).unwrap();
        }
        conn.pragma_update(None, "user_version", 2).unwrap();
        conn.execute_batch(
            "INSERT INTO users (id, username, display_name, role, password_hash, created_at)
             VALUES ('u1', 'member.one', 'Test Member One', 'member', 'x', 0);
             INSERT INTO sessions (token_hash, user_id, expires_at)
             VALUES (zeroblob(32), 'u1', 9000000000000);
             INSERT INTO homes (id, name) VALUES ('h1', 'Oak House (test)');",
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path, SqliteOptions::default()).unwrap();
    let session = store.session([0; 32]).await.unwrap().expect("kept");
    assert_eq!(session.user_id, "u1");
    assert_eq!(session.revoked, None);
    assert!(
        uuid::Uuid::parse_str(&session.device_id).is_ok(),
        "{}",
        session.device_id
    );
    assert!(!store.home("h1").await.unwrap().unwrap().archived);
    let devices = store.devices(None, 0).await.unwrap();
    assert_eq!(devices[0].label, "Unknown device");
}
