//! Devices: every sign-in is a device the user can see and sign out, and an admin can revoke
//! anyone's. A device whose session was ended elsewhere deletes that user's records, key and
//! profile on its next contact with the server and says why on the sign-in page.
//!
//! DOM contract: the header's `#nav-devices`; the devices page's `#my-devices` with
//! `.device-row[data-device-id][data-current]` and `.device-sign-out[data-device-id]`, an
//! admin's `#all-devices` with `.admin-device-row[data-device-id][data-username][data-kiosk]`
//! and `.device-revoke[data-device-id]`; the confirmation `#revoke-confirmation`,
//! `#revoke-warning`, `#confirm-revoke`, `#device-signed-out`; the sign-in page's
//! `#sign-in-notice`.

use hearth_e2e::app_steps::{
    assert_nothing_stored_of, indexed_db_dump, new_visit_note, open_devices, open_home, sign_in,
    sign_in_admin, this_device_id, wait_saved_everywhere,
};
use hearth_e2e::browser::{BrowserEnv, Profile};
use hearth_e2e::server_bin;
use hearth_shared::permissions::Role;

#[tokio::test]
async fn a_user_sees_their_devices_and_signs_out_another_one() {
    let Some(env) = BrowserEnv::get("a_user_sees_their_devices_and_signs_out_another_one").await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic House Devices").await;
    let (_, member) = server.user(Role::Member, &[&home]).await;
    let laptop = env.browser(&Profile::new("devices-laptop")).await;
    let phone = env.browser(&Profile::new("devices-phone")).await;
    sign_in(&laptop, &server, &member).await;
    sign_in(&phone, &server, &member).await;
    open_home(&phone, &home).await;
    new_visit_note(&phone).await;
    phone
        .fill("#body", "Synthetic note written on a phone.")
        .await;
    wait_saved_everywhere(&phone).await;
    let phone_device = this_device_id(&phone).await;

    // The laptop lists both browsers, itself marked, and offers "Sign out" only for others.
    open_devices(&laptop).await;
    let row = format!(".device-row[data-device-id=\"{phone_device}\"]");
    laptop.wait_for(&row).await;
    assert_eq!(
        laptop.attribute(&row, "data-current").await.as_deref(),
        Some("false")
    );
    assert!(
        laptop
            .text(".device-row[data-current=\"true\"]")
            .await
            .contains("This device"),
        "the laptop's own row says so"
    );
    laptop.screenshot("devices").await;
    laptop
        .click(&format!(
            ".device-sign-out[data-device-id=\"{phone_device}\"]"
        ))
        .await;
    laptop.wait_for("#revoke-confirmation").await;
    assert!(
        laptop
            .text("#revoke-warning")
            .await
            .contains("have not reached the server yet will be lost"),
        "the confirmation says unsent changes are lost"
    );
    laptop.screenshot("devices-confirm-sign-out").await;
    laptop.click("#confirm-revoke").await;
    laptop.wait_for("#device-signed-out").await;
    laptop.wait_gone(&row).await;

    // The phone, still open, is told at once and keeps nothing of the member's.
    phone
        .wait_for_text(
            "#sign-in-notice",
            "This device was signed out from another of your devices.",
        )
        .await;
    phone.screenshot("devices-signed-out-elsewhere").await;
    assert_nothing_stored_of(&phone, &member).await;
    // The laptop carries on.
    laptop.click("#nav-homes").await;
    laptop.wait_for_text("main h1", "Homes").await;
    phone.assert_no_console_errors_but(&["status of 401"]).await;
    laptop.assert_no_console_errors().await;
    laptop.close().await;
    phone.close().await;
}

#[tokio::test]
async fn an_admin_revokes_a_members_device_and_its_open_app_deletes_their_records() {
    let Some(env) =
        BrowserEnv::get("an_admin_revokes_a_members_device_and_its_open_app_deletes_their_records")
            .await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic House Revoked").await;
    let (_, member) = server.user(Role::Member, &[&home]).await;
    let tablet = env.browser(&Profile::new("revoked-tablet")).await;
    sign_in(&tablet, &server, &member).await;
    open_home(&tablet, &home).await;
    new_visit_note(&tablet).await;
    tablet
        .fill("#body", "Synthetic note on a tablet that will be lost.")
        .await;
    wait_saved_everywhere(&tablet).await;
    let tablet_device = this_device_id(&tablet).await;
    let before = indexed_db_dump(&tablet).await;
    assert!(
        before["hearth"]["documents"]["count"].as_u64() >= Some(1),
        "the tablet holds the member's note before: {before}"
    );

    let desk = env.browser(&Profile::new("revoking-admin")).await;
    sign_in_admin(&desk, &server).await;
    open_devices(&desk).await;
    let row = format!(".admin-device-row[data-device-id=\"{tablet_device}\"]");
    desk.wait_for(&row).await;
    assert_eq!(
        desk.attribute(&row, "data-username").await.as_deref(),
        Some(member.username.as_str())
    );
    desk.screenshot("devices-admin").await;
    desk.click(&format!(
        ".device-revoke[data-device-id=\"{tablet_device}\"]"
    ))
    .await;
    desk.wait_for("#revoke-confirmation").await;
    let warning = desk.text("#revoke-warning").await;
    assert!(
        warning.contains(&member.display_name) && warning.contains("will be lost"),
        "the admin is told whose device it is and that unsent changes are lost: {warning}"
    );
    desk.screenshot("devices-admin-confirm-revoke").await;
    desk.click("#confirm-revoke").await;
    desk.wait_for("#device-signed-out").await;
    desk.wait_gone(&row).await;

    // The member's open app hears it on the sync socket and removes everything of theirs.
    tablet
        .wait_for_text(
            "#sign-in-notice",
            "This device was signed out by an administrator.",
        )
        .await;
    tablet.screenshot("devices-revoked").await;
    assert_nothing_stored_of(&tablet, &member).await;
    // A reload finds nothing to unlock: straight to signing in.
    tablet.reload().await;
    tablet.wait_for("#username").await;
    assert_nothing_stored_of(&tablet, &member).await;
    tablet
        .assert_no_console_errors_but(&["status of 401"])
        .await;
    desk.assert_no_console_errors().await;
    desk.close().await;
    tablet.close().await;
}
