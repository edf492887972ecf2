//! The HTTP API: signing in, sessions, tickets, listings, admin, errors and headers.

use hearth_e2e::{Api, TestServer, server_bin};
use hearth_shared::permissions::Role;

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_cookie_and_me_answers() {
    let server = TestServer::start(server_bin!()).await;
    let home = server.home("Synthetic House Ten").await;
    let (_, user) = server.user(Role::Member, &[&home]).await;

    let raw = reqwest::Client::new()
        .post(format!("{}/api/session", server.base))
        .json(&serde_json::json!({ "username": user.username, "password": user.password }))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);
    let cookie = raw.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("hearth_session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Strict"));
    let csp = raw.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'"));
    assert_eq!(raw.headers()["x-content-type-options"], "nosniff");

    let api = Api::new(&server.base);
    api.sign_in(&user.username, &user.password).await.unwrap();
    let (status, me) = api.get("/api/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["user"]["id"], user.id.as_str());
    assert_eq!(me["user"]["role"], "member");
    assert_eq!(me["homes"][0]["id"], home.as_str());

    let status = api
        .raw(reqwest::Method::DELETE, "/api/session")
        .await
        .status();
    assert_eq!(status, 200);
    let (status, body) = api.get("/api/me").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "not_signed_in");
}

#[tokio::test]
async fn wrong_passwords_are_refused_then_throttled() {
    let server =
        TestServer::start_with(server_bin!(), &[("HEARTH_LOGIN_ATTEMPTS_PER_ACCOUNT", "3")]).await;
    let (_, user) = server.user(Role::Officer, &[]).await;
    let api = Api::new(&server.base);
    for _ in 0..3 {
        let (status, body) = api
            .sign_in(&user.username, "not-the-password")
            .await
            .unwrap_err();
        assert_eq!(status, 401);
        assert_eq!(body["error"]["code"], "bad_credentials");
    }
    let (status, body) = api
        .sign_in(&user.username, &user.password)
        .await
        .unwrap_err();
    assert_eq!(status, 429, "even the right password waits out the window");
    assert_eq!(body["error"]["code"], "too_many_attempts");
    let (status, _) = api
        .sign_in("nobody-by-this-name", "whatever-password")
        .await
        .unwrap_err();
    assert_eq!(status, 401, "an unknown user looks like a wrong password");
}

#[tokio::test]
async fn every_api_route_needs_a_session_and_admin_routes_need_an_admin() {
    let server = TestServer::start(server_bin!()).await;
    let anonymous = Api::new(&server.base);
    for path in [
        "/api/me",
        "/api/documents",
        "/api/homes",
        "/api/people",
        "/api/admin/users",
    ] {
        let (status, body) = anonymous.get(path).await;
        assert_eq!(status, 401, "{path}");
        assert_eq!(body["error"]["code"], "not_signed_in");
    }
    let (status, _) = anonymous
        .post("/api/sync-tickets", &serde_json::Value::Null)
        .await;
    assert_eq!(status, 401);

    let (member, _) = server.user(Role::Member, &[]).await;
    let (status, body) = member.get("/api/admin/users").await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["code"], "forbidden");

    let (status, body) = anonymous.get("/api/no-such-thing").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    let (status, body) = anonymous.get("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn admin_manages_users_and_homes_and_disabled_users_are_locked_out() {
    let server = TestServer::start(server_bin!()).await;
    let admin = server.admin().await;
    let (status, body) = admin
        .post(
            "/api/admin/users",
            &serde_json::json!({ "username": "test-gen", "displayName": "Test Generated", "role": "officer" }),
        )
        .await;
    assert_eq!(status, 201);
    let generated = body["password"]
        .as_str()
        .expect("a generated password")
        .to_string();
    let id = body["user"]["id"].as_str().unwrap().to_string();

    let (status, body) = admin
        .post(
            "/api/admin/users",
            &serde_json::json!({ "username": "test-gen", "displayName": "Again", "role": "officer" }),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "conflict");
    let (status, _) = admin
        .post(
            "/api/admin/users",
            &serde_json::json!({ "username": "x", "displayName": "X", "role": "wizard" }),
        )
        .await;
    assert_eq!(status, 400);

    let user = Api::new(&server.base);
    user.sign_in("test-gen", &generated)
        .await
        .expect("the generated password works");
    let (status, _) = admin
        .post(
            &format!("/api/admin/users/{id}/disable"),
            &serde_json::Value::Null,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = user.get("/api/me").await;
    assert_eq!(status, 401, "a disabled user's session stops working");
    assert!(
        Api::new(&server.base)
            .sign_in("test-gen", &generated)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn malformed_json_bodies_get_a_clear_error() {
    let server = TestServer::start(server_bin!()).await;
    let res = reqwest::Client::new()
        .post(format!("{}/api/session", server.base))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_request");

    let res = reqwest::Client::new()
        .post(format!("{}/api/session", server.base))
        .header("content-type", "application/json")
        .body(vec![b' '; 200_000])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
}

/// The names records refer to by id: a member sees the members and managers of their own homes,
/// an officer every member and manager, a young person nobody; sign-in names and roles are
/// never shown.
#[tokio::test]
async fn people_are_named_to_those_who_share_their_homes() {
    let server = TestServer::start(server_bin!()).await;
    let home_a = server.home("Synthetic House A").await;
    let home_b = server.home("Synthetic House B").await;
    let (member_a, member_a_user) = server.user(Role::Member, &[&home_a]).await;
    let (_, manager_a) = server.user(Role::Manager, &[&home_a]).await;
    let (_, member_b) = server.user(Role::Member, &[&home_b]).await;
    let (officer, officer_user) = server.user(Role::Officer, &[]).await;
    let (young, young_user) = server.user(Role::YoungPerson, &[]).await;

    let ids = |body: &serde_json::Value| -> Vec<String> {
        let mut ids: Vec<String> = body
            .as_array()
            .expect("a list of people")
            .iter()
            .map(|p| p["id"].as_str().expect("an id").to_string())
            .collect();
        ids.sort();
        ids
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };

    let (status, body) = member_a.get("/api/people").await;
    assert_eq!(status, 200);
    assert_eq!(
        ids(&body),
        sorted(vec![member_a_user.id.clone(), manager_a.id.clone()])
    );
    let manager = body
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == manager_a.id.as_str())
        .unwrap();
    let name = manager["displayName"].as_str().expect("a display name");
    assert!(name.starts_with("Test manager "), "{name}");
    assert_eq!(
        manager.as_object().unwrap().len(),
        2,
        "only the id and the name: {manager}"
    );

    let (status, body) = officer.get("/api/people").await;
    assert_eq!(status, 200);
    assert_eq!(
        ids(&body),
        sorted(vec![
            member_a_user.id.clone(),
            manager_a.id.clone(),
            member_b.id.clone()
        ])
    );
    assert!(!ids(&body).contains(&officer_user.id));
    assert!(!ids(&body).contains(&young_user.id));

    let (status, body) = young.get("/api/people").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&body), Vec::<String>::new());
}

/// Changing the password (say, after losing a tablet) signs out every other device at once;
/// the device that changed it stays signed in, and only the new password works from then on.
#[tokio::test]
async fn a_password_change_signs_out_every_other_device() {
    let server = TestServer::start(server_bin!()).await;
    let (laptop, user) = server.user(Role::Member, &[]).await;
    let lost_tablet = Api::new(&server.base);
    lost_tablet
        .sign_in(&user.username, &user.password)
        .await
        .expect("signed in on the tablet too");
    assert_eq!(lost_tablet.get("/api/me").await.0, 200);

    let new_password = "synthetic-new-password-2026";
    let (status, body) = laptop
        .post(
            "/api/me/password",
            &serde_json::json!({ "currentPassword": user.password, "newPassword": new_password }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(laptop.get("/api/me").await.0, 200, "the laptop stays in");
    let (status, body) = lost_tablet.get("/api/me").await;
    assert_eq!(status, 401, "the tablet is signed out");
    assert_eq!(body["error"]["code"], "not_signed_in");

    let again = Api::new(&server.base);
    assert!(again.sign_in(&user.username, &user.password).await.is_err());
    again
        .sign_in(&user.username, new_password)
        .await
        .expect("the new password works");
}

/// An account made with a generated password (shown once to the admin) can only read who it
/// is and change the password until its owner has chosen one; then everything works.
#[tokio::test]
async fn a_generated_password_must_be_changed_before_anything_else() {
    let server = TestServer::start(server_bin!()).await;
    let admin = server.admin().await;
    let (status, body) = admin
        .post(
            "/api/admin/users",
            &serde_json::json!({ "username": "test-fresh", "displayName": "Test Fresh", "role": "officer" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let generated = body["password"].as_str().expect("a generated password");

    let fresh = Api::new(&server.base);
    fresh
        .sign_in("test-fresh", generated)
        .await
        .expect("the generated password signs in");
    let (status, body) = fresh.get("/api/me").await;
    assert_eq!(status, 200);
    assert_eq!(body["user"]["mustChangePassword"], true);
    for path in ["/api/documents", "/api/homes", "/api/people"] {
        let (status, body) = fresh.get(path).await;
        assert_eq!(status, 403, "{path}");
        assert_eq!(body["error"]["code"], "password_change_required", "{path}");
    }
    let (status, _) = fresh
        .post("/api/sync-tickets", &serde_json::Value::Null)
        .await;
    assert_eq!(status, 403, "no sync before the change either");

    let (status, body) = fresh
        .post(
            "/api/me/password",
            &serde_json::json!({ "currentPassword": generated, "newPassword": "synthetic-chosen-password" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = fresh.get("/api/me").await;
    assert_eq!(body["user"]["mustChangePassword"], false);
    assert_eq!(fresh.get("/api/homes").await.0, 200);
}
