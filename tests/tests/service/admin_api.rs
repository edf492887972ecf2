//! Administration over the API, as the app's admin screens use it: who may call it, users and
//! homes with their bad input, the last-admin guard, password resets, the audit log and the
//! overview. A real server over loopback with a real SQLite file; names are synthetic.

use hearth_e2e::{Api, SyncError, TestServer, now_ms, server_bin};
use hearth_shared::model::{Record, VisitNote};
use hearth_shared::permissions::Role;
use reqwest::Method;
use serde_json::{Value, json};

/// Every admin route with a body that would be accepted, naming a real user and home so that a
/// caller slipping through would change something.
fn admin_routes(user: &str, home: &str) -> Vec<(Method, String, Option<Value>)> {
    let users = format!("/api/admin/users/{user}");
    let homes = format!("/api/admin/homes/{home}");
    vec![
        (Method::GET, "/api/admin/overview".into(), None),
        (Method::GET, "/api/admin/users".into(), None),
        (
            Method::POST,
            "/api/admin/users".into(),
            Some(json!({"username": "test-sneaky", "displayName": "Test Sneaky", "role": "admin"})),
        ),
        (Method::GET, users.clone(), None),
        (Method::PATCH, users.clone(), Some(json!({"role": "admin"}))),
        (Method::POST, format!("{users}/disable"), None),
        (Method::POST, format!("{users}/enable"), None),
        (Method::POST, format!("{users}/reset-password"), None),
        (Method::GET, "/api/admin/homes".into(), None),
        (
            Method::POST,
            "/api/admin/homes".into(),
            Some(json!({"name": "Test Sneaky House"})),
        ),
        (
            Method::PATCH,
            homes.clone(),
            Some(json!({"archived": true})),
        ),
        (Method::PUT, format!("{homes}/people/{user}"), None),
        (Method::DELETE, format!("{homes}/people/{user}"), None),
        (
            Method::POST,
            "/api/admin/assignments".into(),
            Some(json!({"userId": user, "homeId": home})),
        ),
        (Method::GET, "/api/admin/audit".into(), None),
        (Method::GET, "/api/admin/devices".into(), None),
        (
            Method::DELETE,
            "/api/admin/devices/00000000-0000-4000-8000-000000000000".into(),
            None,
        ),
    ]
}

async fn expect_error(
    api: &Api,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, String) {
    let (status, reply) = api.send(method.clone(), path, body).await;
    let code = reply["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        !reply["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "{method} {path}: a message to show: {reply}"
    );
    (status, code)
}

#[tokio::test]
async fn every_admin_route_is_401_signed_out_and_403_for_everyone_but_admins() {
    let server = TestServer::start(server_bin!()).await;
    let home = server.home("Oak House (test)").await;
    let (member, member_user) = server.user(Role::Member, &[&home]).await;
    let (officer, _) = server.user(Role::Officer, &[]).await;
    let (worker, _) = server.user(Role::ParticipationWorker, &[]).await;
    let anonymous = Api::new(&server.base);

    for (method, path, body) in admin_routes(&member_user.id, &home) {
        assert_eq!(
            expect_error(&anonymous, method.clone(), &path, body.as_ref()).await,
            (401, "not_signed_in".to_string()),
            "{method} {path} signed out"
        );
        for caller in [&member, &officer, &worker] {
            assert_eq!(
                expect_error(caller, method.clone(), &path, body.as_ref()).await,
                (403, "forbidden".to_string()),
                "{method} {path} as a non-admin"
            );
        }
    }

    // Nothing changed.
    let admin = server.admin().await;
    let (_, shown) = admin
        .get(&format!("/api/admin/users/{}", member_user.id))
        .await;
    assert_eq!(shown["role"], "member");
    assert_eq!(shown["disabled"], false);
    assert_eq!(shown["homes"], json!([home]));
    let (_, homes) = admin.get("/api/admin/homes").await;
    assert_eq!(homes.as_array().unwrap().len(), 1);
    assert_eq!(homes[0]["archived"], false);
    let (_, found) = admin.get("/api/admin/users?q=sneaky").await;
    assert_eq!(found["total"], 0);
    member
        .get("/api/me")
        .await
        .0
        .eq(&200)
        .then_some(())
        .expect("the member's own session still works");
}

#[tokio::test]
async fn an_admin_creates_finds_and_edits_users() {
    let server = TestServer::start(server_bin!()).await;
    let admin = server.admin().await;
    let oak = server.home("Oak House (test)").await;
    let elm = server.home("Elm House (test)").await;

    let (status, created) = admin
        .post(
            "/api/admin/users",
            &json!({
                "username": " Test.Member.One ",
                "displayName": " Test Member One ",
                "role": "member",
                "homes": [oak],
            }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let user = &created["user"];
    assert_eq!(user["username"], "test.member.one");
    assert_eq!(user["displayName"], "Test Member One");
    assert_eq!(user["homes"], json!([oak]));
    assert_eq!(user["mustChangePassword"], true);
    assert_eq!(user["lastSignInAt"], Value::Null);
    assert_eq!(user["kioskConsultationId"], Value::Null);
    assert!(user["createdAt"].as_i64().unwrap() > 0);
    let id = user["id"].as_str().unwrap().to_string();
    let password = created["password"].as_str().expect("generated").to_string();

    // The generated password works once and must be replaced.
    let member = Api::new(&server.base);
    member.sign_in("test.member.one", &password).await.unwrap();
    let (status, body) = member.get("/api/documents").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("password_change_required"))
    );

    let (_, shown) = admin.get(&format!("/api/admin/users/{id}")).await;
    assert!(shown["lastSignInAt"].as_i64().unwrap() > 0, "{shown}");

    let (status, edited) = admin
        .patch(
            &format!("/api/admin/users/{id}"),
            &json!({"displayName": "Test Member Renamed", "homes": [elm, elm]}),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["displayName"], "Test Member Renamed");
    assert_eq!(edited["homes"], json!([elm]));

    let (status, edited) = admin
        .patch(
            &format!("/api/admin/users/{id}"),
            &json!({"role": "officer"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(edited["role"], "officer");
    assert_eq!(
        edited["homes"],
        json!([]),
        "a role without homes keeps none"
    );

    // Search, filter and page.
    for n in 1..=3 {
        server.user(Role::Manager, &[]).await;
        let _ = n;
    }
    let (status, page) = admin
        .get("/api/admin/users?role=manager&perPage=2&page=2")
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        (
            page["total"].as_u64(),
            page["page"].as_u64(),
            page["perPage"].as_u64()
        ),
        (Some(3), Some(2), Some(2))
    );
    assert_eq!(page["users"].as_array().unwrap().len(), 1);
    let (_, found) = admin.get("/api/admin/users?q=RENAMED").await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["users"][0]["id"], id.as_str());
    let (_, active) = admin.get("/api/admin/users?status=active&role=admin").await;
    assert_eq!(active["total"], 1);

    let (status, missing) = admin.get("/api/admin/users/no-such-user").await;
    assert_eq!(
        (status, missing["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
}

#[tokio::test]
async fn bad_user_input_gets_a_clear_error_and_changes_nothing() {
    let server = TestServer::start(server_bin!()).await;
    let admin = server.admin().await;
    let oak = server.home("Oak House (test)").await;
    let (_, existing) = server.user(Role::Member, &[&oak]).await;

    let long_name = "n".repeat(101);
    let long_username = "u".repeat(65);
    let cases = [
        (
            json!({"username": "", "displayName": "Test One", "role": "member"}),
            400,
            "bad_request",
        ),
        (
            json!({"username": long_username, "displayName": "Test One", "role": "member"}),
            400,
            "bad_request",
        ),
        (
            json!({"username": "has space", "displayName": "Test One", "role": "member"}),
            400,
            "bad_request",
        ),
        (
            json!({"username": "test-one", "displayName": " ", "role": "member"}),
            400,
            "bad_request",
        ),
        (
            json!({"username": "test-one", "displayName": long_name, "role": "member"}),
            400,
            "bad_request",
        ),
        (
            json!({"username": "test-one", "displayName": "Test One", "role": "wizard"}),
            400,
            "bad_request",
        ),
        (
            json!({"username": "test-one", "displayName": "Test One", "role": "officer", "homes": [oak]}),
            400,
            "bad_request",
        ),
        (
            json!({"username": "test-one", "displayName": "Test One", "role": "member", "homes": ["no-such-home"]}),
            400,
            "bad_request",
        ),
        (
            json!({"username": "test-one", "displayName": "Test One", "role": "member", "password": "short"}),
            400,
            "bad_request",
        ),
        (
            json!({"username": existing.username.to_uppercase(), "displayName": "Test One", "role": "member"}),
            409,
            "conflict",
        ),
    ];
    for (body, status, code) in cases {
        let (got, reply) = admin.post("/api/admin/users", &body).await;
        assert_eq!(
            (got, reply["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}"
        );
        assert!(!reply["error"]["message"].as_str().unwrap().is_empty());
    }
    let (_, all) = admin.get("/api/admin/users").await;
    assert_eq!(
        all["total"], 2,
        "only the admin and the existing member: {all}"
    );

    let path = format!("/api/admin/users/{}", existing.id);
    for body in [
        json!({"displayName": ""}),
        json!({"role": "wizard"}),
        json!({"role": "officer", "homes": [oak]}),
        json!({"displayName": "Test Renamed", "homes": [oak, "no-such-home"]}),
    ] {
        let (status, reply) = admin.patch(&path, &body).await;
        assert_eq!(
            (status, reply["error"]["code"].as_str()),
            (400, Some("bad_request")),
            "{body}"
        );
    }
    let (_, unchanged) = admin.get(&path).await;
    assert_eq!(unchanged["displayName"], existing.display_name.as_str());
    assert_eq!(unchanged["role"], "member");
    assert_eq!(unchanged["homes"], json!([oak]));

    let (status, _) = admin
        .patch(
            "/api/admin/users/no-such-user",
            &json!({"displayName": "X"}),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_last_admin_cannot_be_disabled_demoted_or_disable_themselves() {
    let server = TestServer::start(server_bin!()).await;
    let admin = server.admin().await;
    let (_, me) = admin.get("/api/me").await;
    let admin_id = me["user"]["id"].as_str().unwrap().to_string();

    let (status, reply) = admin
        .post(
            &format!("/api/admin/users/{admin_id}/disable"),
            &Value::Null,
        )
        .await;
    assert_eq!(
        (status, reply["error"]["code"].as_str()),
        (400, Some("bad_request")),
        "own account"
    );
    let (status, reply) = admin
        .patch(
            &format!("/api/admin/users/{admin_id}"),
            &json!({"role": "officer", "displayName": "Test Renamed"}),
        )
        .await;
    assert_eq!(
        (status, reply["error"]["code"].as_str()),
        (409, Some("last_admin")),
        "{reply}"
    );
    let (_, unchanged) = admin.get(&format!("/api/admin/users/{admin_id}")).await;
    assert_eq!(
        (
            unchanged["role"].as_str(),
            unchanged["displayName"].as_str()
        ),
        (Some("admin"), Some("Administrator"))
    );

    // A second admin may disable the first while another admin remains, but not the last one.
    let (second, second_user) = server.user(Role::Admin, &[]).await;
    let (status, reply) = second
        .post(
            &format!("/api/admin/users/{admin_id}/disable"),
            &Value::Null,
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let (status, reply) = second
        .patch(
            &format!("/api/admin/users/{}", second_user.id),
            &json!({"role": "member"}),
        )
        .await;
    assert_eq!(
        (status, reply["error"]["code"].as_str()),
        (409, Some("last_admin"))
    );
    let (status, _) = second
        .post(&format!("/api/admin/users/{admin_id}/enable"), &Value::Null)
        .await;
    assert_eq!(status, 200);
    let (status, reply) = admin_signed_in_again(&server)
        .await
        .post(
            &format!("/api/admin/users/{}/disable", second_user.id),
            &Value::Null,
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let (status, reply) = second.get("/api/me").await;
    assert_eq!(
        (status, reply["error"]["code"].as_str()),
        (401, Some("not_signed_in"))
    );
}

async fn admin_signed_in_again(server: &TestServer) -> Api {
    server.admin().await
}

#[tokio::test]
async fn a_password_reset_ends_every_session_and_closes_sync_at_once() {
    let server = TestServer::start(server_bin!()).await;
    let admin = server.admin().await;
    let home = server.home("Oak House (test)").await;
    let (member, user) = server.user(Role::Member, &[&home]).await;
    let second_device = Api::new(&server.base);
    second_device
        .sign_in(&user.username, &user.password)
        .await
        .unwrap();
    let mut socket = member.sync().await;

    let (status, reply) = admin
        .post(
            &format!("/api/admin/users/{}/reset-password", user.id),
            &Value::Null,
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let one_time = reply["password"]
        .as_str()
        .expect("a one-time password")
        .to_string();

    expect_hangup(&mut socket, "not_signed_in").await;
    for device in [&member, &second_device] {
        let (status, body) = device.get("/api/me").await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some("not_signed_in"))
        );
    }
    assert!(
        Api::new(&server.base)
            .sign_in(&user.username, &user.password)
            .await
            .is_err()
    );
    let fresh = Api::new(&server.base);
    fresh
        .sign_in(&user.username, &one_time)
        .await
        .expect("the one-time password works");
    let (_, me) = fresh.get("/api/me").await;
    assert_eq!(me["user"]["mustChangePassword"], true);

    let (_, audit) = admin.get("/api/admin/audit?action=password_reset").await;
    assert_eq!(audit["total"], 1);
    assert_eq!(audit["rows"][0]["subject"], user.id.as_str());
    assert!(
        !audit.to_string().contains(&one_time),
        "never a password in the audit"
    );
}

/// Waits for the server's `error` with `code` on an open sync connection, then its close.
pub async fn expect_hangup(socket: &mut hearth_e2e::SyncClient, code: &str) {
    match socket.next_message().await {
        Ok(hearth_shared::protocol::Message::Error { code: got, .. }) => {
            assert_eq!(got.as_deref(), Some(code));
        }
        other => panic!("expected an error {code}, got {other:?}"),
    }
    assert!(matches!(socket.next_frame().await, Err(SyncError::Closed)));
}

#[tokio::test]
async fn disabling_a_user_closes_their_sync_connections() {
    let server = TestServer::start(server_bin!()).await;
    let admin = server.admin().await;
    let (member, user) = server.user(Role::Member, &[]).await;
    let mut socket = member.sync().await;
    let (status, _) = admin
        .post(
            &format!("/api/admin/users/{}/disable", user.id),
            &Value::Null,
        )
        .await;
    assert_eq!(status, 200);
    expect_hangup(&mut socket, "not_signed_in").await;
}

#[tokio::test]
async fn homes_are_added_renamed_archived_and_people_assigned() {
    let server = TestServer::start(server_bin!()).await;
    let admin = server.admin().await;
    let (status, oak) = admin
        .post("/api/admin/homes", &json!({"name": " Oak House (test) "}))
        .await;
    assert_eq!(status, 201, "{oak}");
    assert_eq!(
        (oak["name"].as_str(), oak["archived"].as_bool()),
        (Some("Oak House (test)"), Some(false))
    );
    assert_eq!(oak["people"], json!([]));
    let oak_id = oak["id"].as_str().unwrap().to_string();
    let elm_id = server.home("Elm House (test)").await;

    for (body, status, code) in [
        (json!({"name": ""}), 400, "bad_request"),
        (json!({"name": "h".repeat(201)}), 400, "bad_request"),
        (json!({"name": "oak house (TEST)"}), 409, "conflict"),
    ] {
        let (got, reply) = admin.post("/api/admin/homes", &body).await;
        assert_eq!((got, reply["error"]["code"].as_str()), (status, Some(code)));
    }
    let (status, reply) = admin
        .patch(
            &format!("/api/admin/homes/{elm_id}"),
            &json!({"name": "Oak House (test)"}),
        )
        .await;
    assert_eq!(
        (status, reply["error"]["code"].as_str()),
        (409, Some("conflict"))
    );
    let (status, _) = admin
        .patch("/api/admin/homes/no-such-home", &json!({"archived": true}))
        .await;
    assert_eq!(status, 404);

    let (_, member) = server.user(Role::Member, &[]).await;
    let (_, officer) = server.user(Role::Officer, &[]).await;
    let (status, home) = admin
        .put(&format!("/api/admin/homes/{oak_id}/people/{}", member.id))
        .await;
    assert_eq!(status, 200, "{home}");
    assert_eq!(
        home["people"],
        json!([{"id": member.id, "displayName": member.display_name, "role": "member"}])
    );
    let (status, reply) = admin
        .put(&format!("/api/admin/homes/{oak_id}/people/{}", officer.id))
        .await;
    assert_eq!(
        (status, reply["error"]["code"].as_str()),
        (400, Some("bad_request")),
        "an officer has no homes"
    );
    let (status, _) = admin
        .put(&format!("/api/admin/homes/{oak_id}/people/no-such-user"))
        .await;
    assert_eq!(status, 404);

    let (status, renamed) = admin
        .patch(
            &format!("/api/admin/homes/{oak_id}"),
            &json!({"name": "Ash House (test)", "archived": true}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (renamed["name"].as_str(), renamed["archived"].as_bool()),
        (Some("Ash House (test)"), Some(true))
    );
    assert_eq!(renamed["people"].as_array().unwrap().len(), 1);

    let (_, homes) = admin.get("/api/admin/homes").await;
    let names: Vec<_> = homes
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["name"].as_str().unwrap(),
                h["archived"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [("Ash House (test)", true), ("Elm House (test)", false)]
    );

    let (status, home) = admin
        .delete(&format!("/api/admin/homes/{oak_id}/people/{}", member.id))
        .await;
    assert_eq!(status, 200);
    assert_eq!(home["people"], json!([]));

    let (_, audit) = admin.get("/api/admin/audit?perPage=200").await;
    let actions: Vec<_> = audit["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_string())
        .collect();
    for action in [
        "home_created",
        "assigned",
        "home_renamed",
        "home_archived",
        "unassigned",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} audited: {actions:?}"
        );
    }
    assert!(
        !audit.to_string().contains("Ash House"),
        "no names in the audit"
    );
}

#[tokio::test]
async fn the_audit_is_filtered_by_user_action_and_time_and_paged() {
    let server = TestServer::start(server_bin!()).await;
    let admin = server.admin().await;
    let started = now_ms();
    let (_, me) = admin.get("/api/me").await;
    let admin_id = me["user"]["id"].as_str().unwrap().to_string();
    for n in 0..3 {
        server.home(&format!("Test House {n}")).await;
    }
    let (status, page) = admin
        .get(&format!(
            "/api/admin/audit?userId={admin_id}&action=home_created&from={started}&perPage=2"
        ))
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        (page["total"].as_u64(), page["perPage"].as_u64()),
        (Some(3), Some(2))
    );
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(
        rows[0]["id"].as_i64() > rows[1]["id"].as_i64(),
        "newest first"
    );
    assert_eq!(rows[0]["username"], "admin");
    assert_eq!(rows[0]["userId"], admin_id.as_str());
    assert!(rows[0]["subject"].is_string());
    let (_, before) = admin
        .get(&format!(
            "/api/admin/audit?action=home_created&to={}",
            started - 1
        ))
        .await;
    assert_eq!(before["total"], 0);
    let (status, _) = admin.get("/api/admin/audit?page=0").await;
    assert_eq!(status, 400);
    let (status, _) = admin.get("/api/admin/audit?perPage=500").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_overview_counts_what_an_admin_looks_after() {
    let server = TestServer::start(server_bin!()).await;
    let admin = server.admin().await;
    let oak = server.home("Oak House (test)").await;
    let elm = server.home("Elm House (test)").await;
    admin
        .patch(
            &format!("/api/admin/homes/{elm}"),
            &json!({"archived": true}),
        )
        .await;
    let (_member, _) = server.user(Role::Member, &[&oak]).await;
    let (_, worker) = server.user(Role::ParticipationWorker, &[]).await;
    admin
        .post(
            &format!("/api/admin/users/{}/disable", worker.id),
            &Value::Null,
        )
        .await;

    let (status, overview) = admin.get("/api/admin/overview").await;
    assert_eq!(status, 200, "{overview}");
    let by_role = &overview["usersByRole"];
    assert_eq!(
        (
            by_role["member"].as_u64(),
            by_role["participationWorker"].as_u64(),
            by_role["admin"].as_u64(),
            by_role["officer"].as_u64(),
            by_role["youngPerson"].as_u64(),
            by_role["manager"].as_u64()
        ),
        (Some(1), Some(1), Some(1), Some(0), Some(0), Some(0))
    );
    assert_eq!(overview["disabledUsers"], 1);
    assert_eq!(
        (
            overview["homes"].as_u64(),
            overview["archivedHomes"].as_u64()
        ),
        (Some(1), Some(1))
    );
    // The member's session, and the admin's sessions made by the helpers.
    assert!(overview["activeDevices"].as_u64().unwrap() >= 2);
    // How writes are grouped into commits (the sync bench reads these): every write so far
    // (users, homes, sessions, audit) was in some commit.
    let (groups, commands) = (
        overview["writes"]["groups"].as_u64().unwrap(),
        overview["writes"]["commands"].as_u64().unwrap(),
    );
    assert!(groups > 0 && commands >= groups, "{groups} {commands}");
    let recent = overview["recentAudit"].as_array().unwrap();
    assert!(!recent.is_empty() && recent.len() <= 10);
    assert_eq!(recent[0]["action"], "user_disabled");
}

#[tokio::test]
async fn an_archived_home_takes_no_new_records_but_keeps_its_old_ones_readable() {
    let server = TestServer::start(server_bin!()).await;
    let admin = server.admin().await;
    let home = server.home("Oak House (test)").await;
    let (member_api, member) = server.user(Role::Member, &[&home]).await;
    let mut device = member_api.sync().await;
    let before = device.create(&Record::VisitNote(VisitNote::new(
        &member.id,
        &home,
        now_ms(),
    )));
    device
        .sync_doc(before)
        .await
        .expect("stored while the home is open");

    let (status, _) = admin
        .patch(
            &format!("/api/admin/homes/{home}"),
            &json!({"archived": true}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, homes) = member_api.get("/api/homes").await;
    assert_eq!(
        homes[0]["archived"], true,
        "still shown to those assigned: {homes}"
    );

    let mut device = member_api.sync().await;
    let refused = device.create(&Record::VisitNote(VisitNote::new(
        &member.id,
        &home,
        now_ms(),
    )));
    match device.sync_doc(refused).await {
        Err(SyncError::Rejected { code, .. }) => assert_eq!(code, "home_archived"),
        other => panic!("expected home_archived, got {other:?}"),
    }
    let mut reader = member_api.sync().await;
    reader
        .fetch(before)
        .await
        .expect("the old record stays readable");
    assert!(
        matches!(reader.fetch(refused).await, Err(SyncError::Unavailable)),
        "nothing stored"
    );

    let (_, audit) = admin.get("/api/admin/audit?action=change_rejected").await;
    assert_eq!(audit["rows"][0]["detail"], "home_archived");
    assert_eq!(audit["rows"][0]["documentId"], refused.to_string());
}

#[tokio::test]
async fn a_change_of_homes_makes_open_sync_connections_reconnect_under_the_new_rules() {
    let server = TestServer::start(server_bin!()).await;
    let admin = server.admin().await;
    let home = server.home("Oak House (test)").await;
    let (member_api, member) = server.user(Role::Member, &[&home]).await;
    let mut socket = member_api.sync().await;

    let (status, _) = admin
        .delete(&format!("/api/admin/homes/{home}/people/{}", member.id))
        .await;
    assert_eq!(status, 200);
    // Closed without an error: the device is still signed in and simply reconnects.
    assert!(matches!(socket.next_frame().await, Err(SyncError::Closed)));
    assert_eq!(member_api.get("/api/me").await.0, 200);
    let (_, homes) = member_api.get("/api/homes").await;
    assert_eq!(homes, json!([]));
}
