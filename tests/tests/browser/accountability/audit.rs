//! The audit in the real app, for an officer: "Who has read this record" one click from the
//! record (listing the officer's own read of it), the Audit menu item, and the CSV download,
//! which the server audits. All names are synthetic.
//!
//! DOM contract: the record page's `#record-reads`; the reads page's `#reads-count`,
//! `#reads-table`, `.read-row .read-actor`; the header's `#nav-audit`; the audit's
//! `#audit-table`, `.audit-row[data-action]`, `#audit-csv`.

use hearth_e2e::accessibility::assert_accessible;
use hearth_e2e::app_steps::{open_route, sign_in};
use hearth_e2e::browser::{BrowserEnv, Profile};
use hearth_e2e::{now_ms, server_bin};
use hearth_shared::model::{Record, VisitNote};
use hearth_shared::permissions::Role;

#[tokio::test]
async fn an_officer_sees_who_has_read_a_record_and_downloads_the_audit() {
    let Some(env) =
        BrowserEnv::get("an_officer_sees_who_has_read_a_record_and_downloads_the_audit").await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic Audit Screen House").await;
    let (member_api, member) = server.user(Role::Member, &[&home]).await;
    let (officer_api, officer) = server.user(Role::Officer, &[]).await;
    let mut writer = member_api.sync().await;
    let id = writer.create(&Record::VisitNote(VisitNote::new(
        &member.id,
        &home,
        now_ms(),
    )));
    writer.sync_doc(id).await.expect("stored");
    writer.close().await;

    let desk = env.browser(&Profile::new("audit-officer")).await;
    sign_in(&desk, &server, &officer).await;
    open_route(&desk, &format!("#/records/{id}"), "#record-reads").await;
    desk.click("#record-reads").await;
    desk.wait_for_text("main h1", "Who has read this record")
        .await;
    // The officer's own device fetched the record: that read is listed, by their username.
    desk.wait_for_text(".read-row .read-actor", &officer.username)
        .await;
    assert_accessible(&desk, "record-reads").await;

    desk.click("#nav-audit").await;
    desk.wait_for_text("main h1", "Audit").await;
    desk.wait_for(".audit-row[data-action=\"record_read\"]")
        .await;
    let href = desk
        .attribute("#audit-csv", "href")
        .await
        .unwrap_or_default();
    assert!(href.ends_with("/api/audit.csv"), "{href}");
    let csv = desk
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             fetch(document.getElementById('audit-csv').href) \
               .then(r => r.text()).then(done, e => done(String(e)));",
            vec![],
        )
        .await;
    let csv = csv.as_str().expect("the CSV as text");
    assert!(
        csv.trim_start_matches('\u{feff}')
            .starts_with("id,time (UTC),user id,username,action,record,subject,detail"),
        "{csv}"
    );
    assert!(csv.contains(",record_read,"), "{csv}");
    let (_, exported) = officer_api.get("/api/audit?action=audit_exported").await;
    assert_eq!(exported["total"], 1, "{exported}");
    assert_eq!(exported["rows"][0]["userId"], officer.id.as_str());
    desk.assert_no_console_errors().await;
}
