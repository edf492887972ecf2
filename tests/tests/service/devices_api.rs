//! Devices: every sign-in is one, with a readable label; a user signs out their own, an admin
//! anyone's, and a signed-out device's cookie, tickets and open sync connections stop at once.

use hearth_e2e::sync_client::open_socket;
use hearth_e2e::{Api, SyncClient, SyncError, TestServer, server_bin};
use hearth_shared::permissions::Role;
use hearth_shared::protocol::Message;
use serde_json::Value;

const ANDROID_TABLET: &str = "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 \
     (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const WINDOWS_FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0";

/// Signs `username` in on a new device that says it is `user_agent`.
async fn device(server: &TestServer, user_agent: &str, username: &str, password: &str) -> Api {
    let api = Api::with_user_agent(&server.base, user_agent);
    api.sign_in(username, password).await.expect("signs in");
    api
}

/// This device's id, from its own devices list.
async fn current_device_id(api: &Api) -> String {
    let (status, devices) = api.get("/api/me/devices").await;
    assert_eq!(status, 200, "{devices}");
    devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["current"] == true)
        .expect("the device making the request is marked current")["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Waits for the server's `error` with `code` (and `message`) on an open sync connection,
/// then its close.
async fn expect_hangup(socket: &mut SyncClient, code: &str, message: &str) {
    match socket.next_message().await {
        Ok(Message::Error {
            code: got,
            message: said,
            document_id,
            ..
        }) => {
            assert_eq!(got.as_deref(), Some(code));
            assert_eq!(said, message);
            assert_eq!(document_id, None);
        }
        other => panic!("expected an error {code}, got {other:?}"),
    }
    assert!(matches!(socket.next_frame().await, Err(SyncError::Closed)));
}

#[tokio::test]
async fn each_sign_in_is_a_device_with_a_readable_label() {
    let server = TestServer::start(server_bin!()).await;
    let (_, member) = server.user(Role::Member, &[]).await;
    let tablet = device(&server, ANDROID_TABLET, &member.username, &member.password).await;
    let laptop = device(&server, WINDOWS_FIREFOX, &member.username, &member.password).await;

    let (status, devices) = tablet.get("/api/me/devices").await;
    assert_eq!(status, 200);
    let devices = devices.as_array().unwrap();
    // The harness's own sign-in, the tablet and the laptop.
    assert_eq!(devices.len(), 3, "{devices:?}");
    let labelled = |label: &str| {
        devices
            .iter()
            .find(|d| d["label"] == label)
            .unwrap_or_else(|| panic!("a device labelled {label}: {devices:?}"))
    };
    let mine = labelled("Chrome on Android tablet");
    assert_eq!(mine["current"], true);
    assert_eq!(mine["userId"], member.id.as_str());
    assert_eq!(mine["username"], member.username.as_str());
    assert_eq!(mine["displayName"], member.display_name.as_str());
    assert_eq!(mine["kiosk"], false);
    assert!(mine["createdAt"].as_i64().unwrap() <= mine["lastSeenAt"].as_i64().unwrap());
    assert_eq!(labelled("Firefox on Windows")["current"], false);
    assert_eq!(devices.iter().filter(|d| d["current"] == true).count(), 1);
    assert_ne!(
        current_device_id(&laptop).await,
        current_device_id(&tablet).await
    );

    let (_, me) = tablet.get("/api/me").await;
    assert_eq!(me["user"]["kioskConsultationId"], Value::Null);
}

#[tokio::test]
async fn a_user_signs_out_another_of_their_devices_and_it_stops_at_once() {
    let server = TestServer::start(server_bin!()).await;
    let (_, member) = server.user(Role::Member, &[]).await;
    let (other_api, _) = server.user(Role::Member, &[]).await;
    let phone = device(&server, ANDROID_TABLET, &member.username, &member.password).await;
    let laptop = device(&server, WINDOWS_FIREFOX, &member.username, &member.password).await;
    let phone_id = current_device_id(&phone).await;
    let mut phone_socket = phone.sync().await;
    let unused_ticket = phone.ticket().await;

    // Someone else's device answers like an unknown one, and stays signed in.
    let (status, body) = other_api
        .delete(&format!("/api/me/devices/{phone_id}"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    assert_eq!(phone.get("/api/me").await.0, 200);

    let (status, body) = laptop.delete(&format!("/api/me/devices/{phone_id}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["revoked"], true);
    let own_message = "This device was signed out from another of your devices.";
    expect_hangup(&mut phone_socket, "device_revoked", own_message).await;

    let (status, body) = phone.get("/api/me").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "device_revoked");
    assert_eq!(body["error"]["message"], own_message);
    let (status, body) = phone.post("/api/sync-tickets", &Value::Null).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("device_revoked"))
    );
    assert_eq!(
        open_socket(&server.base, Some(&unused_ticket)).await.err(),
        Some(401),
        "a ticket dies with its device"
    );

    let (status, body) = laptop.delete(&format!("/api/me/devices/{phone_id}")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("already_revoked"))
    );
    let (_, devices) = laptop.get("/api/me/devices").await;
    assert!(
        !devices.to_string().contains(&phone_id),
        "only active devices are listed"
    );
    assert_eq!(
        laptop.get("/api/me").await.0,
        200,
        "the laptop stays signed in"
    );
}

#[tokio::test]
async fn an_admin_signs_out_anyones_device_and_its_sync_closes_at_once() {
    let server = TestServer::start(server_bin!()).await;
    let admin = server.admin().await;
    let (_, member) = server.user(Role::Member, &[]).await;
    let tablet = device(&server, ANDROID_TABLET, &member.username, &member.password).await;
    let tablet_id = current_device_id(&tablet).await;
    let mut socket = tablet.sync().await;

    let (status, devices) = admin
        .get(&format!("/api/admin/devices?userId={}", member.id))
        .await;
    assert_eq!(status, 200);
    let devices = devices.as_array().unwrap();
    assert_eq!(devices.len(), 2, "the harness's sign-in and the tablet");
    assert!(devices.iter().all(|d| d["userId"] == member.id.as_str()));
    assert!(devices.iter().all(|d| d["current"] == false));
    let (_, everyone) = admin.get("/api/admin/devices").await;
    let everyone = everyone.as_array().unwrap();
    assert!(everyone.len() > devices.len());
    assert_eq!(
        everyone.iter().filter(|d| d["current"] == true).count(),
        1,
        "the admin's own device"
    );

    let (status, body) = admin
        .delete(&format!("/api/admin/devices/{tablet_id}"))
        .await;
    assert_eq!(status, 200, "{body}");
    let admin_message = "This device was signed out by an administrator.";
    expect_hangup(&mut socket, "device_revoked", admin_message).await;
    let (status, body) = tablet.get("/api/documents").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "device_revoked");
    assert_eq!(body["error"]["message"], admin_message);

    let (status, body) = admin
        .delete(&format!("/api/admin/devices/{tablet_id}"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("already_revoked"))
    );
    let (status, body) = admin
        .delete("/api/admin/devices/00000000-0000-4000-8000-000000000000")
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );

    // The member's other device is untouched, and can sign the tablet in again afresh.
    let again = device(&server, ANDROID_TABLET, &member.username, &member.password).await;
    assert_eq!(again.get("/api/me").await.0, 200);

    let (_, audit) = admin.get("/api/admin/audit?action=device_revoked").await;
    assert_eq!(audit["total"], 1);
    assert_eq!(audit["rows"][0]["subject"], tablet_id.as_str());
    assert_eq!(audit["rows"][0]["detail"], "admin");
}

#[tokio::test]
async fn signing_out_closes_that_devices_sync_connection() {
    let server = TestServer::start(server_bin!()).await;
    let (member, _) = server.user(Role::Member, &[]).await;
    let mut socket = member.sync().await;
    let (status, _) = member.delete("/api/session").await;
    assert_eq!(status, 200);
    expect_hangup(&mut socket, "not_signed_in", "You need to sign in.").await;
}
