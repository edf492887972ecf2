//! Running the service from the app (issue 8): an administrator lands on the administration
//! overview, creates a home and a member and assigns them, and the member then sees the home on
//! their own device; the server's guards (the last admin) are shown as the server words them;
//! disabling, enabling and resetting a password each ask first and end the person's sessions
//! where the server says they do; offline, the screens say they need the network.
//!
//! DOM contract: the admin menu `#nav-admin`, `#nav-admin-users`, `#nav-admin-homes`,
//! `#nav-admin-audit`; the overview's `#admin-overview` and `#overview-count-<role>[data-count]`;
//! `.admin-error[data-code]` (a GOV.UK error summary with the server's message) and
//! `#admin-success`; users: `#create-user`, `#user-search`, `#user-role`, `#user-filter`,
//! `.user-row[data-user-id][data-username] a.user-link`; new user: `#username`,
//! `#display-name`, radios `#role-<role>`, checkboxes `#home-<homeId>`, `#create-user-submit`,
//! `#user-created[data-user-id]`, `#one-time-password`, `#copy-password`, `#copy-status`; a
//! user: `#user-page[data-user-id]`, `#user-status-value .user-status[data-status]`,
//! `#save-user`, `#disable-user`, `#enable-user`, `#reset-password`, `#confirm`,
//! `#confirm-yes`; homes: `#home-name`, `#add-home`, `.admin-home-row[data-home-id]`; a home:
//! `#admin-home[data-archived]`, `#assign-person`, `#assign`, `.home-person[data-user-id]`,
//! `.unassign[data-user-id]`, `#no-people`, `#rename-home-name`, `#rename-home`,
//! `#archive-home`, `#unarchive-home`; pagination `.page-link[data-page]`, `#page-previous`,
//! `#user-count`; the audit: `.audit-row[data-action]` with `.audit-actor` and
//! `.audit-subject`, `#audit-action`, `#audit-from`, `#audit-to`, `#audit-filter`,
//! `#audit-count`.

use hearth_e2e::app_steps::{
    check_by_label, open_admin, sign_in_admin, sign_in_with_one_time_password,
};
use hearth_e2e::browser::{Browser, BrowserEnv, Profile};
use hearth_e2e::{Api, server_bin};
use hearth_shared::permissions::Role;

/// What every admin screen says when the server cannot be reached.
const OFFLINE: &str = "You need to be online to manage the service";

/// The id of the home called `name` in the admin homes table.
async fn home_id(browser: &Browser, name: &str) -> String {
    let id = browser
        .wait_until(
            &format!("{name} in the homes table"),
            &format!(
                "return [...document.querySelectorAll('.admin-home-row')]\
                   .find(r => r.querySelector('a')?.textContent.trim() === {name:?})?.dataset.homeId;"
            ),
        )
        .await;
    id.as_str().expect("a home id").to_string()
}

/// Picks the option with `value` in the drop-down `select` and waits until it is selected.
async fn choose_option(browser: &Browser, select: &str, value: &str) {
    browser
        .click(&format!("{select} option[value=\"{value}\"]"))
        .await;
    browser
        .wait_until(
            &format!("`{select}` to be {value:?}"),
            &format!("return document.querySelector('{select}')?.value === '{value}';"),
        )
        .await;
}

#[tokio::test]
async fn an_admin_sets_up_a_home_and_a_member_in_the_app_and_the_member_sees_the_home() {
    let Some(env) = BrowserEnv::get(
        "an_admin_sets_up_a_home_and_a_member_in_the_app_and_the_member_sees_the_home",
    )
    .await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let desk = env.browser(&Profile::new("admin-desk")).await;

    // An admin has no homes: they land on the overview, which counts them.
    sign_in_admin(&desk, &server).await;
    desk.wait_for("#overview-count-admin[data-count=\"1\"]")
        .await;
    desk.wait_for("#overview-count-member[data-count=\"0\"]")
        .await;
    desk.wait_for("#nav-admin[aria-current=\"page\"]").await;
    desk.screenshot("admin-overview").await;

    // A home.
    open_admin(&desk, "#nav-admin-homes", "Homes").await;
    desk.fill("#home-name", "Oak House").await;
    desk.click("#add-home").await;
    desk.wait_for_text("#admin-success", "Oak House added.")
        .await;
    let home = home_id(&desk, "Oak House").await;
    desk.screenshot("admin-homes").await;

    // A member, created without a home; the generated password is shown once, to copy.
    open_admin(&desk, "#nav-admin-users", "Users").await;
    desk.click("#create-user").await;
    desk.wait_for_text("main h1", "Create a user").await;
    desk.fill("#username", "test.member.one").await;
    desk.fill("#display-name", "Test Member One").await;
    check_by_label(&desk, "role-member").await;
    // Members and managers are offered the homes.
    desk.wait_for(&format!("label[for=\"home-{home}\"]")).await;
    desk.screenshot("admin-new-user").await;
    desk.click("#create-user-submit").await;
    let one_time = desk.text("#one-time-password").await;
    assert!(one_time.len() >= 12, "a generated password: {one_time:?}");
    let member_id = desk
        .attribute("#user-created", "data-user-id")
        .await
        .expect("the page names the new user");
    desk.click("#copy-password").await;
    desk.wait_until(
        "the copy button to say what happened",
        "return document.getElementById('copy-status')?.textContent.trim();",
    )
    .await;
    desk.screenshot("admin-user-created").await;

    // A manager created with the home ticked.
    desk.click("#create-another").await;
    desk.fill("#username", "test.manager.one").await;
    desk.fill("#display-name", "Test Manager One").await;
    check_by_label(&desk, "role-manager").await;
    check_by_label(&desk, &format!("home-{home}")).await;
    desk.click("#create-user-submit").await;
    desk.wait_for("#one-time-password").await;
    let manager_id = desk
        .attribute("#user-created", "data-user-id")
        .await
        .expect("the page names the new user");

    // The member's assignment, on the home's page.
    open_admin(&desk, "#nav-admin-homes", "Homes").await;
    desk.click(&format!(
        ".admin-home-row[data-home-id=\"{home}\"] a.admin-home-link"
    ))
    .await;
    desk.wait_for_text("main h1", "Oak House").await;
    desk.wait_for(&format!(".home-person[data-user-id=\"{manager_id}\"]"))
        .await;
    choose_option(&desk, "#assign-person", &member_id).await;
    desk.click("#assign").await;
    desk.wait_for_text(
        "#admin-success",
        "Test Member One is assigned to this home.",
    )
    .await;
    desk.wait_for(&format!(".home-person[data-user-id=\"{member_id}\"]"))
        .await;
    desk.screenshot("admin-home").await;

    // The server has it as the app said.
    let admin_api = server.admin().await;
    let (status, user) = admin_api
        .get(&format!("/api/admin/users/{member_id}"))
        .await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["homes"], serde_json::json!([home]), "{user}");
    assert_eq!(user["mustChangePassword"], true, "{user}");

    // The member signs in on their own device, replaces the password, and sees the home.
    let tablet = env.browser(&Profile::new("admin-made-member")).await;
    sign_in_with_one_time_password(
        &tablet,
        &server.base,
        "test.member.one",
        &one_time,
        "synthetic-member-password-1",
    )
    .await;
    tablet
        .wait_for_text(
            &format!("a.home-link[data-home-id=\"{home}\"]"),
            "Oak House",
        )
        .await;
    tablet.screenshot("admin-made-member-homes").await;
    // Until the given password is replaced the server refuses sync tickets (403
    // `password_change_required`), which the browser logs; nothing else may be logged.
    let errors: Vec<String> = tablet
        .console_errors()
        .await
        .into_iter()
        .filter(|e| !(e.contains("/api/sync-tickets") && e.contains("status of 403")))
        .collect();
    assert!(
        errors.is_empty(),
        "the member's page logged errors: {errors:?}"
    );
    tablet.close().await;

    // The user page shows the home by name, and the last sign-in.
    open_admin(&desk, "#nav-admin-users", "Users").await;
    desk.click(&format!(
        ".user-row[data-user-id=\"{member_id}\"] a.user-link"
    ))
    .await;
    desk.wait_for_text("#user-homes-value", "Oak House").await;
    desk.screenshot("admin-user").await;

    // The audit says who did what, and filters by event.
    open_admin(&desk, "#nav-admin-audit", "Audit").await;
    desk.wait_for_text(".audit-row[data-action=\"assigned\"] .audit-actor", "admin")
        .await;
    desk.wait_for_text(
        ".audit-row[data-action=\"user_created\"] .audit-subject",
        "test.member.one",
    )
    .await;
    desk.screenshot("admin-audit").await;
    choose_option(&desk, "#audit-action", "home_created").await;
    desk.click("#audit-filter").await;
    desk.wait_until(
        "only home_created rows",
        "const rows = [...document.querySelectorAll('.audit-row')]; \
         return rows.length === 1 && rows[0].dataset.action === 'home_created';",
    )
    .await;
    desk.assert_no_console_errors().await;
    desk.close().await;
}

#[tokio::test]
async fn the_last_admin_cannot_demote_themselves_and_accounts_change_only_after_a_confirmation() {
    let Some(env) = BrowserEnv::get(
        "the_last_admin_cannot_demote_themselves_and_accounts_change_only_after_a_confirmation",
    )
    .await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let (member_api, member) = server.user(Role::Member, &[]).await;
    let desk = env.browser(&Profile::new("admin-guard")).await;
    sign_in_admin(&desk, &server).await;

    // Find their own account by search and filter.
    open_admin(&desk, "#nav-admin-users", "Users").await;
    desk.fill("#user-search", "admin").await;
    choose_option(&desk, "#user-role", "admin").await;
    desk.click("#user-filter").await;
    desk.wait_until(
        "only the admin listed",
        "const rows = [...document.querySelectorAll('.user-row')]; \
         return rows.length === 1 && rows[0].dataset.username === 'admin';",
    )
    .await;
    desk.click(".user-row[data-username=\"admin\"] a.user-link")
        .await;
    let admin_id = desk
        .attribute("#user-page", "data-user-id")
        .await
        .expect("the page names the user");
    // Their own account cannot be disabled from here.
    desk.wait_for("#own-account").await;

    // The only admin tries to make themselves an officer: the server says no, and why.
    check_by_label(&desk, "role-officer").await;
    desk.click("#save-user").await;
    let summary = desk
        .wait_for(".admin-error[data-code=\"last_admin\"]")
        .await;
    let shown = summary.text().await.expect("the summary has text");
    assert!(
        !shown.contains(OFFLINE) && shown.len() > "There is a problem".len() + 10,
        "the server's reason is shown: {shown:?}"
    );
    desk.screenshot("admin-last-admin-guard").await;
    let admin_api = server.admin().await;
    let (_, me) = admin_api.get(&format!("/api/admin/users/{admin_id}")).await;
    assert_eq!(me["role"], "admin", "nothing changed: {me}");

    // Disabling asks first, then ends the member's session.
    open_admin(&desk, "#nav-admin-users", "Users").await;
    desk.click(&format!(
        ".user-row[data-user-id=\"{}\"] a.user-link",
        member.id
    ))
    .await;
    desk.click("#disable-user").await;
    desk.wait_for_text("#confirm", "signed out of every device")
        .await;
    let (status, _) = member_api.get("/api/me").await;
    assert_eq!(status, 200, "nothing happens before the confirmation");
    desk.screenshot("admin-user-confirm-disable").await;
    desk.click("#confirm-yes").await;
    desk.wait_for_text("#admin-success", "disabled").await;
    desk.wait_for("#user-status-value .user-status[data-status=\"disabled\"]")
        .await;
    let (status, _) = member_api.get("/api/me").await;
    assert_eq!(status, 401, "a disabled account's session has ended");

    desk.click("#enable-user").await;
    desk.click("#confirm-yes").await;
    desk.wait_for("#user-status-value .user-status[data-status=\"active\"]")
        .await;

    // Resetting the password asks first, then shows a new one-time password once.
    let again = Api::new(&server.base);
    again
        .sign_in(&member.username, &member.password)
        .await
        .expect("an enabled member signs in");
    desk.click("#reset-password").await;
    desk.wait_for_text("#confirm", "signed out at once").await;
    desk.click("#confirm-yes").await;
    let one_time = desk.text("#one-time-password").await;
    desk.screenshot("admin-user-password-reset").await;
    let (status, _) = again.get("/api/me").await;
    assert_eq!(status, 401, "a password reset ends the member's sessions");
    Api::new(&server.base)
        .sign_in(&member.username, &one_time)
        .await
        .expect("the new one-time password signs in");

    // Offline, the screens say they need the network.
    desk.set_offline(true).await;
    open_admin(&desk, "#nav-admin-homes", "Homes").await;
    desk.wait_for_text(".admin-error[data-code=\"offline\"]", OFFLINE)
        .await;
    desk.screenshot("admin-offline").await;
    desk.set_offline(false).await;
    // The refused change and the offline request are the only errors the page logged.
    let errors: Vec<String> = desk
        .console_errors()
        .await
        .into_iter()
        .filter(|e| !e.contains("status of 409") && !e.contains("ERR_INTERNET_DISCONNECTED"))
        .collect();
    assert!(errors.is_empty(), "the page logged errors: {errors:?}");
    desk.close().await;
}

#[tokio::test]
async fn the_users_list_is_searched_filtered_and_paged() {
    let Some(env) = BrowserEnv::get("the_users_list_is_searched_filtered_and_paged").await else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let admin_api = server.admin().await;
    let mut ids = Vec::new();
    for n in 1..=26 {
        let (status, body) = admin_api
            .post(
                "/api/admin/users",
                &serde_json::json!({
                    "username": format!("test.officer.{n:02}"),
                    "displayName": format!("Test Officer {n:02}"),
                    "role": "officer",
                }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        ids.push(body["user"]["id"].as_str().expect("an id").to_string());
    }
    let (status, body) = admin_api
        .post(
            &format!("/api/admin/users/{}/disable", ids[6]),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let desk = env.browser(&Profile::new("admin-users-paged")).await;
    sign_in_admin(&desk, &server).await;
    open_admin(&desk, "#nav-admin-users", "Users").await;
    // 26 officers and the admin: 25 on the first page, 2 on the second.
    desk.wait_for_text("#user-count", "Showing 1 to 25 of 27 users")
        .await;
    desk.screenshot("admin-users-paged").await;
    desk.click(".page-link[data-page=\"2\"]").await;
    desk.wait_for_text("#user-count", "Showing 26 to 27 of 27 users")
        .await;
    desk.wait_for(".page-link[data-page=\"2\"][aria-current=\"page\"]")
        .await;
    desk.click("#page-previous").await;
    desk.wait_for_text("#user-count", "Showing 1 to 25 of 27 users")
        .await;

    // Disabled ones only.
    choose_option(&desk, "#user-status", "disabled").await;
    desk.click("#user-filter").await;
    desk.wait_for_text("#user-count", "Showing 1 to 1 of 1 users")
        .await;
    desk.wait_for(&format!(
        ".user-row[data-user-id=\"{}\"] .user-status[data-status=\"disabled\"]",
        ids[6]
    ))
    .await;

    // A search by name, any status.
    choose_option(&desk, "#user-status", "").await;
    desk.fill("#user-search", "Officer 1").await;
    desk.click("#user-filter").await;
    // "Test Officer 10" to "Test Officer 19".
    desk.wait_for_text("#user-count", "of 10 users").await;
    desk.assert_no_console_errors().await;
    desk.close().await;
}

#[tokio::test]
async fn homes_and_people_change_in_the_app_exactly_as_the_server_then_has_them() {
    let Some(env) =
        BrowserEnv::get("homes_and_people_change_in_the_app_exactly_as_the_server_then_has_them")
            .await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic House Nine").await;
    let (_, member) = server.user(Role::Member, &[&home]).await;
    let admin_api = server.admin().await;
    let desk = env.browser(&Profile::new("admin-homes-people")).await;
    sign_in_admin(&desk, &server).await;

    // Rename.
    open_admin(&desk, "#nav-admin-homes", "Homes").await;
    desk.click(&format!(
        ".admin-home-row[data-home-id=\"{home}\"] a.admin-home-link"
    ))
    .await;
    desk.wait_for(&format!(".home-person[data-user-id=\"{}\"]", member.id))
        .await;
    desk.fill("#rename-home-name", "Synthetic House Ten").await;
    desk.click("#rename-home").await;
    desk.wait_for_text(
        "#admin-success",
        "The home is now called Synthetic House Ten.",
    )
    .await;
    desk.wait_for_text("main h1", "Synthetic House Ten").await;

    // Archive, only after the confirmation, which says what it means.
    desk.click("#archive-home").await;
    desk.wait_for_text("#confirm", "No new records can be made for this home")
        .await;
    desk.wait_for_text("#confirm", "existing records stay readable")
        .await;
    let (_, homes) = admin_api.get("/api/admin/homes").await;
    let archived = |homes: &serde_json::Value| {
        homes
            .as_array()
            .and_then(|hs| hs.iter().find(|h| h["id"] == home.as_str()))
            .map(|h| (h["name"].clone(), h["archived"].clone()))
    };
    assert_eq!(
        archived(&homes),
        Some((
            serde_json::json!("Synthetic House Ten"),
            serde_json::json!(false)
        )),
        "renamed, and not archived before the confirmation: {homes}"
    );
    desk.click("#confirm-yes").await;
    desk.wait_for("#admin-home[data-archived=\"true\"]").await;
    desk.wait_for_text("#admin-success", "is archived").await;
    desk.screenshot("admin-home-archived").await;
    let (_, homes) = admin_api.get("/api/admin/homes").await;
    assert_eq!(archived(&homes).map(|a| a.1), Some(serde_json::json!(true)));
    open_admin(&desk, "#nav-admin-homes", "Homes").await;
    desk.wait_for(&format!(
        ".admin-home-row[data-home-id=\"{home}\"] .home-status[data-status=\"archived\"]"
    ))
    .await;

    // Open again, and unassign the member.
    desk.click(&format!(
        ".admin-home-row[data-home-id=\"{home}\"] a.admin-home-link"
    ))
    .await;
    desk.click("#unarchive-home").await;
    desk.click("#confirm-yes").await;
    desk.wait_for("#admin-home[data-archived=\"false\"]").await;
    desk.click(&format!(".unassign[data-user-id=\"{}\"]", member.id))
        .await;
    desk.wait_for("#no-people").await;
    let (_, user) = admin_api
        .get(&format!("/api/admin/users/{}", member.id))
        .await;
    assert_eq!(user["homes"], serde_json::json!([]), "{user}");

    // The member's name, changed on their page.
    open_admin(&desk, "#nav-admin-users", "Users").await;
    desk.click(&format!(
        ".user-row[data-user-id=\"{}\"] a.user-link",
        member.id
    ))
    .await;
    desk.fill("#display-name", "Test Member Renamed").await;
    desk.click("#save-user").await;
    desk.wait_for_text("#admin-success", "Changes saved.").await;
    desk.wait_for_text("main h1", "Test Member Renamed").await;
    let (_, user) = admin_api
        .get(&format!("/api/admin/users/{}", member.id))
        .await;
    assert_eq!(user["displayName"], "Test Member Renamed", "{user}");

    // A username that is taken: the server's message, on the username.
    open_admin(&desk, "#nav-admin-users", "Users").await;
    desk.click("#create-user").await;
    desk.fill("#username", &member.username).await;
    desk.fill("#display-name", "Test Member Again").await;
    check_by_label(&desk, "role-officer").await;
    desk.click("#create-user-submit").await;
    desk.wait_for(".admin-error[data-code=\"conflict\"] a[href=\"#username\"]")
        .await;
    desk.screenshot("admin-new-user-conflict").await;

    // The audit between two dates: nothing tomorrow, everything today.
    open_admin(&desk, "#nav-admin-audit", "Audit").await;
    desk.wait_for(".audit-row[data-action=\"home_renamed\"]")
        .await;
    let set_dates = |from: i32, to: i32| {
        format!(
            "const day = n => {{ const d = new Date(); d.setDate(d.getDate() + n); \
               return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' \
               + String(d.getDate()).padStart(2, '0'); }}; \
             document.getElementById('audit-from').value = day({from}); \
             document.getElementById('audit-to').value = day({to}); return true;"
        )
    };
    desk.execute(&set_dates(1, 2), vec![]).await;
    desk.click("#audit-filter").await;
    desk.wait_for_text("#audit-count", "No events found").await;
    desk.execute(&set_dates(0, 0), vec![]).await;
    desk.click("#audit-filter").await;
    for action in [
        "home_renamed",
        "home_archived",
        "home_unarchived",
        "unassigned",
        "user_updated",
    ] {
        desk.wait_for(&format!(".audit-row[data-action=\"{action}\"]"))
            .await;
    }
    let errors: Vec<String> = desk
        .console_errors()
        .await
        .into_iter()
        .filter(|e| !e.contains("status of 409"))
        .collect();
    assert!(errors.is_empty(), "the page logged errors: {errors:?}");
    desk.close().await;
}
