//! An administrator resets a member's password in the app: the member's open app on another
//! device is signed out at once (its sync connection is closed and no new one is allowed), and
//! what the member had written stays on that device for after they sign in again.

use hearth_e2e::app_steps::{
    me_status, new_visit_note, open_home, open_route, sign_in, sign_in_admin, wait_saved_everywhere,
};
use hearth_e2e::browser::{BrowserEnv, Profile};
use hearth_e2e::server_bin;
use hearth_shared::permissions::Role;

/// The session cookie's name (`server::auth::SESSION_COOKIE`).
const SESSION_COOKIE: &str = "hearth_session";

#[tokio::test]
async fn an_admin_resets_a_members_password_and_the_members_open_app_is_signed_out() {
    let Some(env) = BrowserEnv::get(
        "an_admin_resets_a_members_password_and_the_members_open_app_is_signed_out",
    )
    .await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic Reset House").await;
    let (_, member) = server.user(Role::Member, &[&home]).await;
    let body = "Synthetic note typed before the reset: the new kitchen is finished.";

    let laptop = env.browser(&Profile::new("member-laptop")).await;
    sign_in(&laptop, &server, &member).await;
    open_home(&laptop, &home).await;
    new_visit_note(&laptop).await;
    laptop.fill("#body", body).await;
    wait_saved_everywhere(&laptop).await;

    let desk = env.browser(&Profile::new("admin-desk")).await;
    sign_in_admin(&desk, &server).await;
    open_route(
        &desk,
        &format!("#/admin/users/{}", member.id),
        "#user-summary",
    )
    .await;
    desk.click("#reset-password").await;
    desk.wait_for_text("#confirm", "signed out at once").await;
    desk.click("#confirm-yes").await;
    let one_time = desk.text("#one-time-password").await;
    assert!(
        one_time.chars().count() >= 12,
        "a one-time password is shown"
    );

    // The member's laptop hears it over its open sync connection, without a reload.
    laptop
        .wait_for("#sync-status[data-state=\"signed-out\"]")
        .await;
    laptop.screenshot("password-reset-member-signed-out").await;
    assert_eq!(
        laptop.value("#body").await,
        body,
        "what the member wrote stays on the device"
    );
    let cookie = laptop
        .cookie(SESSION_COOKIE)
        .await
        .expect("the old session cookie is still in the browser");
    assert_eq!(
        me_status(&server.base, &cookie).await,
        401,
        "the laptop's session has ended on the server"
    );
    desk.close().await;
    laptop.close().await;
}
