//! An acknowledged change is on disk: SIGKILL right after the acknowledgement loses nothing.

use hearth_e2e::{TestServer, now_ms, server_bin};
use hearth_shared::model::{Record, VisitNote};
use hearth_shared::permissions::Role;

#[tokio::test]
async fn acknowledged_change_survives_sigkill() {
    let mut server = TestServer::start(server_bin!()).await;
    let home = server.home("Synthetic House Two").await;
    let (api, member) = server.user(Role::Member, &[&home]).await;

    let mut client = api.sync().await;
    let mut note = VisitNote::new(&member.id, &home, now_ms());
    note.attendees = vec!["Cllr Test Member".into()];
    let id = client.create(&Record::VisitNote(note));
    client.edit(id, |r| {
        if let Record::VisitNote(n) = r {
            n.visit_date = "2026-11-03".into();
        }
    });
    client
        .sync_doc(id)
        .await
        .expect("the server acknowledges the note");
    let acknowledged = client.heads(id);

    // No graceful shutdown: whatever was acknowledged must already be committed.
    server.kill9().await;
    server.start_again().await;

    let api = hearth_e2e::Api::new(&server.base);
    api.sign_in(&member.username, &member.password)
        .await
        .expect("sign in again");
    let mut fresh = api.sync().await;
    let record = fresh.fetch(id).await.expect("the note is still there");
    assert_eq!(fresh.heads(id), acknowledged);
    match record {
        Record::VisitNote(n) => assert_eq!(n.visit_date, "2026-11-03"),
        other => panic!("expected a visit note, got {other:?}"),
    }
}
