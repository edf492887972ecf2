//! Two signed-in devices edit the same Regulation 33 record's text at once: both edits survive,
//! both devices converge, and a restarted server still has the merged record.

use automerge::transaction::Transactable;
use hearth_e2e::{TestServer, now_ms, read_root_text, root_text, server_bin};
use hearth_shared::model::{Inspection, Record};
use hearth_shared::permissions::Role;

#[tokio::test]
async fn concurrent_edits_to_an_inspection_merge_and_survive_a_restart() {
    let mut server = TestServer::start(server_bin!()).await;
    let home = server.home("Synthetic House One").await;
    let (alice_api, alice) = server.user(Role::Member, &[&home]).await;
    let (bob_api, _bob) = server.user(Role::Member, &[&home]).await;

    let mut a = alice_api.sync().await;
    let id = a.create(&Record::Inspection(Inspection::new(
        &alice.id,
        &home,
        now_ms(),
    )));
    let premises = root_text(a.doc(id), "premises");
    a.doc(id)
        .splice_text(&premises, 0, 0, "The kitchen is clean.")
        .unwrap();
    a.doc(id).commit();
    a.sync_doc(id).await.expect("the new record is accepted");

    let mut b = bob_api.sync().await;
    b.fetch(id)
        .await
        .expect("a member of the same home can open the draft");
    assert_eq!(
        read_root_text(b.doc(id), "premises"),
        "The kitchen is clean."
    );

    // Both edit the same text without seeing each other's change.
    a.doc(id)
        .splice_text(&premises, 0, 0, "Visited at noon. ")
        .unwrap();
    a.doc(id).commit();
    let len = read_root_text(b.doc(id), "premises").chars().count();
    let b_premises = root_text(b.doc(id), "premises");
    b.doc(id)
        .splice_text(&b_premises, len, 0, " The garden needs work.")
        .unwrap();
    b.doc(id).commit();

    a.sync_doc(id).await.expect("alice's edit is accepted");
    b.sync_doc(id).await.expect("bob's edit is accepted");
    let merged_heads = b.heads(id);
    a.wait_for_heads(id, &merged_heads)
        .await
        .expect("alice receives bob's edit");

    let expected = "Visited at noon. The kitchen is clean. The garden needs work.";
    assert_eq!(read_root_text(a.doc(id), "premises"), expected);
    assert_eq!(read_root_text(b.doc(id), "premises"), expected);

    server.restart().await;
    let (carol_api, _) = server.user(Role::Officer, &[]).await;
    let mut c = carol_api.sync().await;
    assert!(a.storage_id.is_some(), "the server announces a storage id");
    assert_eq!(
        c.storage_id, a.storage_id,
        "the storage id is stable across restarts, so clients can trust what it acknowledged"
    );
    c.fetch(id)
        .await
        .expect("the record is still there after a restart");
    assert_eq!(read_root_text(c.doc(id), "premises"), expected);
    let mut heads = c.heads(id);
    heads.sort();
    let mut want = merged_heads.clone();
    want.sort();
    assert_eq!(heads, want);
}
