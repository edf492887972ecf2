//! Users, devices, tickets, set-up codes and homes: the same behaviour checks run against
//! SQLite (the reference) and PostgreSQL, then what only several servers on one PostgreSQL
//! database can get wrong: two of them racing for the last admin, one ticket, one set-up code.
//!
//! PostgreSQL tests get a fresh database each from `test_pg` (`HEARTH_TEST_DATABASE_URL`; skipped
//! without it, failing under `CI=true`). All names are synthetic.

use std::sync::Arc;

use hearth_shared::permissions::Role;

use crate::store::PgStore;
use crate::store::contract_tests::on_both_stores;
use crate::store::test_pg::fresh_pg_url;
use crate::store::{
    NewAccount, NewSession, NewUser, RevokedBy, SetupCode, Store, StoreError, User, UserChange,
    UserQuery,
};

// --- stores ---

/// Two PostgreSQL stores on one fresh database: two servers sharing it.
async fn two_servers() -> Option<(Arc<dyn Store>, Arc<dyn Store>)> {
    let url = fresh_pg_url().await?;
    let one = PgStore::connect(&url).await.expect("connect the first");
    let two = PgStore::connect(&url).await.expect("connect the second");
    Some((Arc::new(one), Arc::new(two)))
}

on_both_stores!(
    usernames_differ_by_more_than_ascii_case,
    the_last_enabled_admin_stays,
    find_users_filters_and_pages_by_username,
    disabling_and_password_changes_end_sessions_and_tickets,
    a_ticket_works_once_and_dies_with_its_device,
    revoking_a_device_twice_or_anothers_is_refused,
    devices_are_listed_most_recently_seen_first,
    a_setup_code_makes_one_tablet_account,
    purge_expired_removes_only_what_expired,
    home_names_are_unique_ignoring_case,
    assignments_are_idempotent_and_checked,
    an_account_with_a_bad_home_is_not_created,
);

// --- builders ---

fn new_user(username: &str, role: Role) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: format!("Test {username}"),
        role,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$dGVzdHNhbHQ$dGVzdGhhc2g".into(),
        must_change_password: false,
    }
}

async fn user(store: &Arc<dyn Store>, username: &str, role: Role) -> User {
    store.create_user(new_user(username, role)).await.unwrap()
}

fn session_of(user_id: &str, created_at_ms: i64, expires_at_ms: i64) -> NewSession {
    NewSession {
        user_id: user_id.into(),
        label: "Firefox on Windows".into(),
        created_at_ms,
        expires_at_ms,
    }
}

fn hash(n: u8) -> [u8; 32] {
    [n; 32]
}

fn demote() -> UserChange {
    UserChange {
        display_name: Some("Renamed".into()),
        role: Some(Role::Officer),
        homes: None,
    }
}

// --- users ---

async fn usernames_differ_by_more_than_ascii_case(store: Arc<dyn Store>) {
    let alex = user(&store, "Alex.Smith", Role::Member).await;
    assert!(matches!(
        store
            .create_user(new_user("alex.smith", Role::Officer))
            .await,
        Err(StoreError::Conflict("username"))
    ));
    assert!(matches!(
        store
            .create_account(NewAccount {
                user: new_user("ALEX.SMITH", Role::Officer),
                homes: vec![],
                kiosk_consultation_id: None,
            })
            .await,
        Err(StoreError::Conflict("username"))
    ));
    let found = store.user_by_username("aLeX.sMiTh").await.unwrap().unwrap();
    assert_eq!(found.id, alex.id);
    assert_eq!(found.username, "Alex.Smith");
    // Only ASCII letters fold, as in SQLite's NOCASE: these are two accounts.
    let upper = user(&store, "Élise", Role::Member).await;
    let lower = user(&store, "élise", Role::Member).await;
    let found = store.user_by_username("ÉLISE").await.unwrap().unwrap();
    assert_eq!(found.id, upper.id);
    let found = store.user_by_username("éLISE").await.unwrap().unwrap();
    assert_eq!(found.id, lower.id);
    // By username ignoring ASCII case, bytewise otherwise.
    user(&store, "bob", Role::Member).await;
    user(&store, "Carol", Role::Member).await;
    let names: Vec<_> = store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["Alex.Smith", "bob", "Carol", "Élise", "élise"]);
}

async fn the_last_enabled_admin_stays(store: Arc<dyn Store>) {
    let first = user(&store, "admin.one", Role::Admin).await;
    assert_eq!(store.count_admins().await.unwrap(), 1);
    assert!(matches!(
        store.set_user_disabled(&first.id, true).await,
        Err(StoreError::LastAdmin)
    ));
    assert!(matches!(
        store.update_user(&first.id, demote()).await,
        Err(StoreError::LastAdmin)
    ));
    // Nothing of the refused change was kept, not even the display name.
    let kept = store.user(&first.id).await.unwrap().unwrap();
    assert_eq!(
        (kept.display_name.as_str(), kept.role, kept.disabled),
        ("Test admin.one", Role::Admin, false)
    );

    // With a second admin, one may go; then the other is the last.
    let second = user(&store, "admin.two", Role::Admin).await;
    store.set_user_disabled(&first.id, true).await.unwrap();
    assert_eq!(store.count_admins().await.unwrap(), 1);
    assert!(matches!(
        store.update_user(&second.id, demote()).await,
        Err(StoreError::LastAdmin)
    ));
    // A disabled admin's changes are not guarded: it is not one of the enabled admins.
    let changed = store.update_user(&first.id, demote()).await.unwrap();
    assert_eq!(changed.user.role, Role::Officer);
    store.set_user_disabled(&first.id, false).await.unwrap();
    assert!(!store.user(&first.id).await.unwrap().unwrap().disabled);
    assert!(matches!(
        store.set_user_disabled("no-such-user", true).await,
        Err(StoreError::NotFound("user"))
    ));
    assert!(matches!(
        store.update_user("no-such-user", demote()).await,
        Err(StoreError::NotFound("user"))
    ));
}

async fn find_users_filters_and_pages_by_username(store: Arc<dyn Store>) {
    let oak = store.create_home("Oak House").await.unwrap();
    let ash = store.create_home("ash lodge").await.unwrap();
    let mgr = store
        .create_account(NewAccount {
            user: new_user("Jo.Smith", Role::Manager),
            homes: vec![oak.id.clone(), ash.id.clone()],
            kiosk_consultation_id: None,
        })
        .await
        .unwrap();
    user(&store, "ann.smithson", Role::Member).await;
    let off = user(&store, "Kim.Lee", Role::Officer).await;
    user(&store, "50%_off", Role::Officer).await;
    store.set_user_disabled(&off.id, true).await.unwrap();
    for n in 0..5 {
        user(&store, &format!("member.{n}"), Role::Member).await;
    }
    let names = |page: &crate::store::UserPage| -> Vec<String> {
        page.users.iter().map(|u| u.user.username.clone()).collect()
    };

    // Text matches username or display name, ignoring ASCII case, literally.
    let page = store
        .find_users(UserQuery {
            text: Some(" SMITH ".into()),
            limit: 10,
            ..UserQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(names(&page), ["ann.smithson", "Jo.Smith"]);
    assert_eq!(page.total, 2);
    // The manager's homes, by home name ignoring case.
    assert_eq!(page.users[1].user.id, mgr.id);
    assert_eq!(page.users[1].homes, [ash.id.clone(), oak.id.clone()]);
    let page = store
        .find_users(UserQuery {
            text: Some("0%_".into()),
            limit: 10,
            ..UserQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(names(&page), ["50%_off"]);
    let page = store
        .find_users(UserQuery {
            text: Some("test kim".into()),
            limit: 10,
            ..UserQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(names(&page), ["Kim.Lee"]);

    // Role and disabled filters, together.
    let page = store
        .find_users(UserQuery {
            role: Some(Role::Officer),
            disabled: Some(false),
            limit: 10,
            ..UserQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(names(&page), ["50%_off"]);
    let page = store
        .find_users(UserQuery {
            disabled: Some(true),
            limit: 10,
            ..UserQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(names(&page), ["Kim.Lee"]);

    // Pages in username order; the total counts every match.
    let page = store
        .find_users(UserQuery {
            role: Some(Role::Member),
            offset: 2,
            limit: 3,
            ..UserQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, 6);
    assert_eq!(names(&page), ["member.1", "member.2", "member.3"]);
    let page = store
        .find_users(UserQuery {
            offset: 100,
            limit: u64::MAX,
            ..UserQuery::default()
        })
        .await
        .unwrap();
    assert!(page.users.is_empty());
    assert_eq!(page.total, 9);
}

async fn disabling_and_password_changes_end_sessions_and_tickets(store: Arc<dyn Store>) {
    let member = user(&store, "sam.member", Role::Member).await;
    let far = i64::MAX / 2;
    let laptop = store
        .create_session(hash(1), session_of(&member.id, 5_000, far))
        .await
        .unwrap();
    let phone = store
        .create_session(hash(2), session_of(&member.id, 6_000, far))
        .await
        .unwrap();
    assert_eq!(
        store
            .user(&member.id)
            .await
            .unwrap()
            .unwrap()
            .last_sign_in_at_ms,
        Some(6_000)
    );
    store
        .create_ticket(hash(11), &laptop.device_id, far)
        .await
        .unwrap();
    store
        .create_ticket(hash(12), &phone.device_id, far)
        .await
        .unwrap();

    // A password change keeps the device that made it, ends the others and every ticket.
    store
        .set_password_hash(&member.id, "new-hash", Some(hash(1)))
        .await
        .unwrap();
    assert!(store.session(hash(1)).await.unwrap().is_some());
    assert!(store.session(hash(2)).await.unwrap().is_none());
    assert!(store.take_ticket(hash(11)).await.unwrap().is_none());
    assert!(store.take_ticket(hash(12)).await.unwrap().is_none());
    let changed = store.user(&member.id).await.unwrap().unwrap();
    assert_eq!(changed.password_hash, "new-hash");
    assert!(!changed.must_change_password);

    // An administrator's reset ends every session and must be changed at next sign-in.
    store
        .reset_password(&member.id, "generated-hash")
        .await
        .unwrap();
    assert!(store.session(hash(1)).await.unwrap().is_none());
    assert!(
        store
            .user(&member.id)
            .await
            .unwrap()
            .unwrap()
            .must_change_password
    );

    // Disabling ends sessions and tickets at once.
    let tablet = store
        .create_session(hash(3), session_of(&member.id, 7_000, far))
        .await
        .unwrap();
    store
        .create_ticket(hash(13), &tablet.device_id, far)
        .await
        .unwrap();
    store.set_user_disabled(&member.id, true).await.unwrap();
    assert!(store.session(hash(3)).await.unwrap().is_none());
    assert!(store.take_ticket(hash(13)).await.unwrap().is_none());

    assert!(matches!(
        store.reset_password("no-such-user", "h").await,
        Err(StoreError::NotFound("user"))
    ));
    assert!(matches!(
        store.set_password_hash("no-such-user", "h", None).await,
        Err(StoreError::NotFound("user"))
    ));
    assert!(matches!(
        store
            .create_session(hash(4), session_of("no-such-user", 1, far))
            .await,
        Err(StoreError::NotFound("user"))
    ));
}

async fn a_ticket_works_once_and_dies_with_its_device(store: Arc<dyn Store>) {
    let member = user(&store, "sam.member", Role::Member).await;
    let device = store
        .create_session(hash(1), session_of(&member.id, 1_000, 90_000))
        .await
        .unwrap();
    store
        .create_ticket(hash(9), &device.device_id, 61_000)
        .await
        .unwrap();
    let ticket = store.take_ticket(hash(9)).await.unwrap().unwrap();
    assert_eq!(
        ticket,
        crate::store::Ticket {
            user_id: member.id.clone(),
            device_id: device.device_id.clone(),
            expires_at_ms: 61_000,
        }
    );
    assert!(store.take_ticket(hash(9)).await.unwrap().is_none());

    // Revoking the device deletes its tickets, and no new ticket comes from it.
    store
        .create_ticket(hash(10), &device.device_id, 61_000)
        .await
        .unwrap();
    store
        .revoke_device(&device.device_id, RevokedBy::Admin, None, 2_000)
        .await
        .unwrap();
    assert!(store.take_ticket(hash(10)).await.unwrap().is_none());
    assert!(matches!(
        store
            .create_ticket(hash(11), &device.device_id, 61_000)
            .await,
        Err(StoreError::NotFound("session"))
    ));
    assert!(matches!(
        store
            .create_ticket(hash(12), "no-such-device", 61_000)
            .await,
        Err(StoreError::NotFound("session"))
    ));

    // Signing out deletes the session's tickets too.
    let other = store
        .create_session(hash(2), session_of(&member.id, 1_000, 90_000))
        .await
        .unwrap();
    store
        .create_ticket(hash(13), &other.device_id, 61_000)
        .await
        .unwrap();
    store.delete_session(hash(2)).await.unwrap();
    store.delete_session(hash(2)).await.unwrap();
    assert!(store.take_ticket(hash(13)).await.unwrap().is_none());
}

async fn revoking_a_device_twice_or_anothers_is_refused(store: Arc<dyn Store>) {
    let member = user(&store, "sam.member", Role::Member).await;
    let other = user(&store, "pat.member", Role::Member).await;
    let device = store
        .create_session(hash(1), session_of(&member.id, 1_000, 90_000))
        .await
        .unwrap();
    // Another user's device answers like an unknown one.
    assert!(matches!(
        store
            .revoke_device(&device.device_id, RevokedBy::Owner, Some(&other.id), 2_000)
            .await,
        Err(StoreError::NotFound("device"))
    ));
    assert!(matches!(
        store
            .revoke_device("no-such-device", RevokedBy::Admin, None, 2_000)
            .await,
        Err(StoreError::NotFound("device"))
    ));
    let revoked = store
        .revoke_device(&device.device_id, RevokedBy::Owner, Some(&member.id), 2_000)
        .await
        .unwrap();
    assert_eq!(revoked.revoked, Some(RevokedBy::Owner));
    assert!(matches!(
        store
            .revoke_device(&device.device_id, RevokedBy::Admin, None, 3_000)
            .await,
        Err(StoreError::AlreadyRevoked)
    ));
    // Kept, marked, so its cookie can be told why; no longer listed.
    let kept = store.session(hash(1)).await.unwrap().unwrap();
    assert_eq!(kept.revoked, Some(RevokedBy::Owner));
    let by_device = store
        .session_by_device(&device.device_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_device.revoked, Some(RevokedBy::Owner));
    assert!(store.devices(None, 2_500).await.unwrap().is_empty());
}

async fn devices_are_listed_most_recently_seen_first(store: Arc<dyn Store>) {
    let member = user(&store, "sam.member", Role::Member).await;
    let officer = user(&store, "kim.officer", Role::Officer).await;
    let a = store
        .create_session(hash(1), session_of(&member.id, 1_000, 90_000))
        .await
        .unwrap();
    let b = store
        .create_session(hash(2), session_of(&officer.id, 2_000, 90_000))
        .await
        .unwrap();
    let old = store
        .create_session(hash(3), session_of(&member.id, 500, 5_000))
        .await
        .unwrap();
    store.touch_session(&a.device_id, 3_000).await.unwrap();
    // Never backwards.
    store.touch_session(&a.device_id, 2_500).await.unwrap();
    let ids = |devices: Vec<crate::store::Device>| -> Vec<String> {
        devices.into_iter().map(|d| d.id).collect()
    };
    let all = store.devices(None, 4_000).await.unwrap();
    assert_eq!(all[0].last_seen_at_ms, 3_000);
    assert_eq!(all[0].username, "sam.member");
    assert_eq!(all[0].display_name, "Test sam.member");
    assert_eq!(all[0].label, "Firefox on Windows");
    assert!(!all[0].kiosk);
    assert_eq!(
        ids(all),
        [
            a.device_id.clone(),
            b.device_id.clone(),
            old.device_id.clone()
        ]
    );
    // Expired ones are not active; one user's only.
    assert_eq!(
        ids(store.devices(None, 6_000).await.unwrap()),
        [a.device_id.clone(), b.device_id.clone()]
    );
    assert_eq!(
        ids(store.devices(Some(&officer.id), 6_000).await.unwrap()),
        [b.device_id.as_str()]
    );
}

async fn a_setup_code_makes_one_tablet_account(store: Arc<dyn Store>) {
    let worker = user(&store, "pw.one", Role::ParticipationWorker).await;
    let code = |consultation: &str, expires_at_ms| SetupCode {
        consultation_id: consultation.into(),
        issued_by: worker.id.clone(),
        expires_at_ms,
    };
    let tablet = |username: &str| NewUser {
        username: username.into(),
        display_name: "Kiosk tablet".into(),
        role: Role::YoungPerson,
        password_hash: "hash".into(),
        must_change_password: false,
    };
    store
        .create_setup_code(hash(1), code("consultation-1", 10_000))
        .await
        .unwrap();
    let made = store
        .redeem_setup_code(hash(1), 5_000, tablet("kiosk-1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(made.display_name, "Kiosk tablet 1");
    assert_eq!(
        made.kiosk_consultation_id.as_deref(),
        Some("consultation-1")
    );
    assert_eq!(made.role, Role::YoungPerson);
    // Once only.
    assert!(
        store
            .redeem_setup_code(hash(1), 5_000, tablet("kiosk-2"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.user_by_username("kiosk-2").await.unwrap().is_none());

    // A creation that fails leaves the code usable.
    store
        .create_setup_code(hash(2), code("consultation-2", 10_000))
        .await
        .unwrap();
    assert!(matches!(
        store
            .redeem_setup_code(hash(2), 5_000, tablet("KIOSK-1"))
            .await,
        Err(StoreError::Conflict("username"))
    ));
    let second = store
        .redeem_setup_code(hash(2), 5_000, tablet("kiosk-2"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.display_name, "Kiosk tablet 2");

    // An expired code makes nothing, and is used up all the same.
    store
        .create_setup_code(hash(3), code("consultation-3", 10_000))
        .await
        .unwrap();
    assert!(
        store
            .redeem_setup_code(hash(3), 10_000, tablet("kiosk-3"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .redeem_setup_code(hash(3), 1_000, tablet("kiosk-3"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.user_by_username("kiosk-3").await.unwrap().is_none());
    assert!(matches!(
        store
            .create_setup_code(
                hash(4),
                SetupCode {
                    issued_by: "no-such-user".into(),
                    ..code("consultation-4", 10_000)
                }
            )
            .await,
        Err(StoreError::NotFound("user"))
    ));
}

async fn purge_expired_removes_only_what_expired(store: Arc<dyn Store>) {
    let member = user(&store, "sam.member", Role::Member).await;
    let worker = user(&store, "pw.one", Role::ParticipationWorker).await;
    let gone = store
        .create_session(hash(1), session_of(&member.id, 1_000, 5_000))
        .await
        .unwrap();
    let revoked = store
        .create_session(hash(2), session_of(&member.id, 1_000, 6_000))
        .await
        .unwrap();
    let kept = store
        .create_session(hash(3), session_of(&member.id, 1_000, 50_000))
        .await
        .unwrap();
    store
        .revoke_device(&revoked.device_id, RevokedBy::Admin, None, 2_000)
        .await
        .unwrap();
    store
        .create_ticket(hash(11), &kept.device_id, 5_000)
        .await
        .unwrap();
    store
        .create_ticket(hash(12), &kept.device_id, 50_000)
        .await
        .unwrap();
    store
        .create_ticket(hash(13), &gone.device_id, 50_000)
        .await
        .unwrap();
    for (n, expires_at_ms) in [(21, 5_000), (22, 50_000)] {
        store
            .create_setup_code(
                hash(n),
                SetupCode {
                    consultation_id: "c".into(),
                    issued_by: worker.id.clone(),
                    expires_at_ms,
                },
            )
            .await
            .unwrap();
    }

    store.purge_expired(10_000).await.unwrap();
    assert!(store.session(hash(1)).await.unwrap().is_none());
    assert!(store.session(hash(2)).await.unwrap().is_none());
    assert!(store.session(hash(3)).await.unwrap().is_some());
    assert!(store.take_ticket(hash(11)).await.unwrap().is_none());
    assert!(store.take_ticket(hash(12)).await.unwrap().is_some());
    // Went with its session.
    assert!(store.take_ticket(hash(13)).await.unwrap().is_none());
    let tablet = NewUser {
        username: "kiosk-1".into(),
        display_name: "Kiosk tablet".into(),
        role: Role::YoungPerson,
        password_hash: "hash".into(),
        must_change_password: false,
    };
    // The expired code is gone; the other still works (checked at a time it was valid).
    assert!(
        store
            .redeem_setup_code(hash(21), 1_000, tablet.clone())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .redeem_setup_code(hash(22), 1_000, tablet)
            .await
            .unwrap()
            .is_some()
    );
}

// --- homes ---

async fn home_names_are_unique_ignoring_case(store: Arc<dyn Store>) {
    let oak = store.create_home("Oak House").await.unwrap();
    assert!(matches!(
        store.create_home("oak house").await,
        Err(StoreError::Conflict("home name"))
    ));
    let birch = store.create_home("birch view").await.unwrap();
    store.create_home("Ash Lodge").await.unwrap();
    let names: Vec<_> = store
        .list_homes()
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.name)
        .collect();
    assert_eq!(names, ["Ash Lodge", "birch view", "Oak House"]);

    assert!(matches!(
        store
            .update_home(&birch.id, Some("OAK HOUSE".into()), Some(true))
            .await,
        Err(StoreError::Conflict("home name"))
    ));
    // Nothing of the refused change was kept.
    assert_eq!(store.home(&birch.id).await.unwrap().unwrap(), birch.clone());
    // Its own name in another case is a rename, not a conflict.
    let renamed = store
        .update_home(&oak.id, Some("OAK House".into()), Some(true))
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.archived),
        ("OAK House", true)
    );
    let unarchived = store.update_home(&oak.id, None, Some(false)).await.unwrap();
    assert_eq!(
        (unarchived.name.as_str(), unarchived.archived),
        ("OAK House", false)
    );
    assert!(matches!(
        store
            .update_home("no-such-home", Some("X".into()), None)
            .await,
        Err(StoreError::NotFound("home"))
    ));
    assert!(store.home("no-such-home").await.unwrap().is_none());
}

async fn assignments_are_idempotent_and_checked(store: Arc<dyn Store>) {
    let oak = store.create_home("Oak House").await.unwrap();
    let ash = store.create_home("Ash Lodge").await.unwrap();
    let member = user(&store, "sam.member", Role::Member).await;
    let manager = user(&store, "alex.manager", Role::Manager).await;
    let officer = user(&store, "kim.officer", Role::Officer).await;

    store.assign(&member.id, &oak.id).await.unwrap();
    store.assign(&member.id, &oak.id).await.unwrap();
    store.assign(&member.id, &ash.id).await.unwrap();
    store.assign(&manager.id, &oak.id).await.unwrap();
    assert_eq!(
        store.homes_of(&member.id).await.unwrap(),
        [ash.id.clone(), oak.id.clone()]
    );
    assert!(matches!(
        store.assign(&officer.id, &oak.id).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.assign("no-such-user", &oak.id).await,
        Err(StoreError::NotFound("user"))
    ));
    assert!(matches!(
        store.assign(&member.id, "no-such-home").await,
        Err(StoreError::NotFound("home"))
    ));

    // Every assignment, by the person's display name.
    let people: Vec<_> = store
        .home_people()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.display_name, p.role, p.home_id))
        .collect();
    assert_eq!(people.len(), 3);
    assert_eq!(
        people[0],
        (
            "Test alex.manager".to_owned(),
            Role::Manager,
            oak.id.clone()
        )
    );
    assert!(people[1..].iter().all(|p| p.0 == "Test sam.member"));

    store.unassign(&member.id, &oak.id).await.unwrap();
    store.unassign(&member.id, &oak.id).await.unwrap();
    assert_eq!(store.homes_of(&member.id).await.unwrap(), [ash.id.as_str()]);
    assert!(matches!(
        store.unassign("no-such-user", &oak.id).await,
        Err(StoreError::NotFound("user"))
    ));
    assert!(matches!(
        store.unassign(&member.id, "no-such-home").await,
        Err(StoreError::NotFound("home"))
    ));

    // Homes replaced whole; a role without homes keeps none and takes none.
    let changed = store
        .update_user(
            &member.id,
            UserChange {
                homes: Some(vec![oak.id.clone()]),
                ..UserChange::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.homes, [oak.id.as_str()]);
    assert!(matches!(
        store
            .update_user(
                &member.id,
                UserChange {
                    role: Some(Role::Officer),
                    homes: Some(vec![oak.id.clone()]),
                    ..UserChange::default()
                },
            )
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        store.user(&member.id).await.unwrap().unwrap().role,
        Role::Member
    );
    let officer_now = store
        .update_user(
            &member.id,
            UserChange {
                role: Some(Role::Officer),
                ..UserChange::default()
            },
        )
        .await
        .unwrap();
    assert!(officer_now.homes.is_empty());
    assert!(store.homes_of(&member.id).await.unwrap().is_empty());
    let with_homes = store.user_with_homes(&manager.id).await.unwrap().unwrap();
    assert_eq!(with_homes.homes, [oak.id.as_str()]);
    assert!(
        store
            .user_with_homes("no-such-user")
            .await
            .unwrap()
            .is_none()
    );
}

async fn an_account_with_a_bad_home_is_not_created(store: Arc<dyn Store>) {
    let oak = store.create_home("Oak House").await.unwrap();
    assert!(matches!(
        store
            .create_account(NewAccount {
                user: new_user("sam.member", Role::Member),
                homes: vec![oak.id.clone(), "no-such-home".into()],
                kiosk_consultation_id: None,
            })
            .await,
        Err(StoreError::NotFound("home"))
    ));
    assert!(matches!(
        store
            .create_account(NewAccount {
                user: new_user("kim.officer", Role::Officer),
                homes: vec![oak.id.clone()],
                kiosk_consultation_id: None,
            })
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(store.list_users().await.unwrap().is_empty());
    assert!(store.home_people().await.unwrap().is_empty());
    let made = store
        .create_account(NewAccount {
            user: new_user("sam.member", Role::Member),
            homes: vec![oak.id.clone()],
            kiosk_consultation_id: None,
        })
        .await
        .unwrap();
    assert_eq!(store.homes_of(&made.id).await.unwrap(), [oak.id]);
}

// --- several servers on one database ---

/// How many times each race is run: each run is a fresh pair of transactions.
const RACES: usize = 25;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_disabling_the_last_two_admins_leave_one() {
    let Some((one, two)) = two_servers().await else {
        return;
    };
    for round in 0..RACES {
        let a = user(&one, &format!("admin.a{round}"), Role::Admin).await;
        let b = user(&two, &format!("admin.b{round}"), Role::Admin).await;
        // Only these two are enabled admins: the previous round's survivor is disabled by
        // demoting it first (possible: a and b are enabled).
        for earlier in one.list_users().await.unwrap() {
            if earlier.id != a.id && earlier.id != b.id && !earlier.disabled {
                one.update_user(&earlier.id, demote()).await.unwrap();
            }
        }
        assert_eq!(one.count_admins().await.unwrap(), 2);
        let (first, second) = tokio::join!(
            {
                let one = Arc::clone(&one);
                let id = a.id.clone();
                tokio::spawn(async move { one.set_user_disabled(&id, true).await })
            },
            {
                let two = Arc::clone(&two);
                let id = b.id.clone();
                tokio::spawn(async move {
                    // Half the rounds race a demotion against the disabling instead.
                    if round % 2 == 0 {
                        two.set_user_disabled(&id, true).await
                    } else {
                        two.update_user(&id, demote()).await.map(|_| ())
                    }
                })
            },
        );
        let results = [first.unwrap(), second.unwrap()];
        let refused = results
            .iter()
            .filter(|r| matches!(r, Err(StoreError::LastAdmin)))
            .count();
        assert!(
            results
                .iter()
                .all(|r| r.is_ok() || matches!(r, Err(StoreError::LastAdmin))),
            "round {round}: {results:?}"
        );
        assert_eq!(refused, 1, "round {round}: exactly one is refused");
        assert_eq!(one.count_admins().await.unwrap(), 1, "round {round}");
        assert_eq!(two.count_admins().await.unwrap(), 1, "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_ticket_taken_by_two_servers_at_once_works_once() {
    let Some((one, two)) = two_servers().await else {
        return;
    };
    let member = user(&one, "sam.member", Role::Member).await;
    let device = one
        .create_session(hash(1), session_of(&member.id, 1_000, i64::MAX / 2))
        .await
        .unwrap();
    for round in 0..RACES {
        let ticket = [round as u8 + 100; 32];
        two.create_ticket(ticket, &device.device_id, i64::MAX / 2)
            .await
            .unwrap();
        let takers: Vec<_> = [&one, &two, &one, &two]
            .into_iter()
            .map(|store| {
                let store = Arc::clone(store);
                tokio::spawn(async move { store.take_ticket(ticket).await })
            })
            .collect();
        let mut taken = 0;
        for taker in takers {
            if taker.await.unwrap().unwrap().is_some() {
                taken += 1;
            }
        }
        assert_eq!(taken, 1, "round {round}: the ticket worked {taken} times");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_setup_code_redeemed_on_two_servers_at_once_makes_one_tablet() {
    let Some((one, two)) = two_servers().await else {
        return;
    };
    let worker = user(&one, "pw.one", Role::ParticipationWorker).await;
    for round in 0..RACES {
        let code = [round as u8 + 1; 32];
        one.create_setup_code(
            code,
            SetupCode {
                consultation_id: format!("consultation-{round}"),
                issued_by: worker.id.clone(),
                expires_at_ms: i64::MAX / 2,
            },
        )
        .await
        .unwrap();
        let redeem = |store: &Arc<dyn Store>, username: String| {
            let store = Arc::clone(store);
            tokio::spawn(async move {
                store
                    .redeem_setup_code(
                        code,
                        1_000,
                        NewUser {
                            username,
                            display_name: "Kiosk tablet".into(),
                            role: Role::YoungPerson,
                            password_hash: "hash".into(),
                            must_change_password: false,
                        },
                    )
                    .await
            })
        };
        let (a, b) = tokio::join!(
            redeem(&one, format!("kiosk-{round}-a")),
            redeem(&two, format!("kiosk-{round}-b"))
        );
        let made: Vec<User> = [a.unwrap().unwrap(), b.unwrap().unwrap()]
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(made.len(), 1, "round {round}");
        assert_eq!(made[0].display_name, format!("Kiosk tablet {}", round + 1));
    }
    // One kiosk account per code, numbered without gaps or repeats.
    let kiosks = one
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.kiosk_consultation_id.is_some())
        .count();
    assert_eq!(kiosks, RACES);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_setting_up_tablets_at_once_number_them_apart() {
    let Some((one, two)) = two_servers().await else {
        return;
    };
    let worker = user(&one, "pw.one", Role::ParticipationWorker).await;
    let mut tasks = Vec::new();
    for n in 0..10u8 {
        let store = if n % 2 == 0 { &one } else { &two };
        store
            .create_setup_code(
                [n + 1; 32],
                SetupCode {
                    consultation_id: "consultation".into(),
                    issued_by: worker.id.clone(),
                    expires_at_ms: i64::MAX / 2,
                },
            )
            .await
            .unwrap();
        let store = Arc::clone(store);
        tasks.push(tokio::spawn(async move {
            store
                .redeem_setup_code(
                    [n + 1; 32],
                    1_000,
                    NewUser {
                        username: format!("kiosk-{n}"),
                        display_name: "Kiosk tablet".into(),
                        role: Role::YoungPerson,
                        password_hash: "hash".into(),
                        must_change_password: false,
                    },
                )
                .await
        }));
    }
    let mut names = Vec::new();
    for task in tasks {
        names.push(task.await.unwrap().unwrap().unwrap().display_name);
    }
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 10, "{names:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_device_revoked_on_two_servers_at_once_is_revoked_once() {
    let Some((one, two)) = two_servers().await else {
        return;
    };
    let member = user(&one, "sam.member", Role::Member).await;
    for round in 0..RACES {
        let device = one
            .create_session(
                [round as u8 + 1; 32],
                session_of(&member.id, 1_000, i64::MAX / 2),
            )
            .await
            .unwrap();
        let revoke = |store: &Arc<dyn Store>, by| {
            let store = Arc::clone(store);
            let id = device.device_id.clone();
            tokio::spawn(async move { store.revoke_device(&id, by, None, 2_000).await })
        };
        let (a, b) = tokio::join!(
            revoke(&one, RevokedBy::Admin),
            revoke(&two, RevokedBy::Owner)
        );
        let results = [a.unwrap(), b.unwrap()];
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "round {round}"
        );
        assert_eq!(
            results
                .iter()
                .filter(|r| matches!(r, Err(StoreError::AlreadyRevoked)))
                .count(),
            1,
            "round {round}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_username_created_on_two_servers_at_once_is_one_account() {
    let Some((one, two)) = two_servers().await else {
        return;
    };
    for round in 0..RACES {
        let (a, b) = tokio::join!(
            {
                let one = Arc::clone(&one);
                tokio::spawn(async move {
                    one.create_user(new_user(&format!("Jo.{round}"), Role::Member))
                        .await
                })
            },
            {
                let two = Arc::clone(&two);
                tokio::spawn(async move {
                    two.create_user(new_user(&format!("jo.{round}"), Role::Member))
                        .await
                })
            },
        );
        let results = [a.unwrap(), b.unwrap()];
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
        assert!(
            results
                .iter()
                .any(|r| matches!(r, Err(StoreError::Conflict("username"))))
        );
    }
}

/// Waits up to two seconds for `events` to name `user_id`; other events are passed over.
async fn hears_of(
    events: &mut tokio::sync::broadcast::Receiver<crate::store::remote::RemoteEvent>,
    user_id: &str,
) -> bool {
    use crate::store::remote::RemoteEvent;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(RemoteEvent::User(id))) if id == user_id => return true,
            Ok(Ok(_)) => continue,
            Ok(Err(_)) | Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn other_servers_hear_when_a_users_sessions_or_access_change() {
    let Some((one, two)) = two_servers().await else {
        return;
    };
    let mut events = two.remote_events().expect("a PostgreSQL store announces");
    let oak = one.create_home("Oak House").await.unwrap();
    let member = user(&one, "sam.member", Role::Member).await;
    let _admin = user(&one, "admin.one", Role::Admin).await;
    // The second server starts listening in the background: assign (idempotent, announced
    // each time) until it hears one, so the checks below do not race its start.
    let mut listening = false;
    for _ in 0..20 {
        one.assign(&member.id, &oak.id).await.unwrap();
        if hears_of(&mut events, &member.id).await {
            listening = true;
            break;
        }
    }
    assert!(listening, "the second server never heard the first");
    while events.try_recv().is_ok() {}

    let far = i64::MAX / 2;
    let device = one
        .create_session(hash(1), session_of(&member.id, 1_000, far))
        .await
        .unwrap();
    one.revoke_device(&device.device_id, RevokedBy::Admin, None, 2_000)
        .await
        .unwrap();
    assert!(hears_of(&mut events, &member.id).await, "revoke_device");
    one.create_session(hash(2), session_of(&member.id, 1_000, far))
        .await
        .unwrap();
    one.delete_session(hash(2)).await.unwrap();
    assert!(hears_of(&mut events, &member.id).await, "delete_session");
    one.unassign(&member.id, &oak.id).await.unwrap();
    assert!(hears_of(&mut events, &member.id).await, "unassign");
    one.update_user(
        &member.id,
        UserChange {
            homes: Some(vec![oak.id.clone()]),
            ..UserChange::default()
        },
    )
    .await
    .unwrap();
    assert!(hears_of(&mut events, &member.id).await, "update_user");
    one.set_password_hash(&member.id, "h2", None).await.unwrap();
    assert!(hears_of(&mut events, &member.id).await, "set_password_hash");
    one.reset_password(&member.id, "h3").await.unwrap();
    assert!(hears_of(&mut events, &member.id).await, "reset_password");
    one.set_user_disabled(&member.id, true).await.unwrap();
    assert!(hears_of(&mut events, &member.id).await, "set_user_disabled");

    // A refused change is rolled back, announcement and all.
    let admin = one.user_by_username("admin.one").await.unwrap().unwrap();
    assert!(matches!(
        one.set_user_disabled(&admin.id, true).await,
        Err(StoreError::LastAdmin)
    ));
    assert!(
        !hears_of(&mut events, &admin.id).await,
        "a rolled-back change"
    );
}
