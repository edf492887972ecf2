//! A record's history against the real server: two members change the same field of a
//! Regulation 33 draft offline on their own devices; once both have synced, a reader's history
//! names each of them with what the field said before and after, "as it was" at a time between
//! the two edits shows the first one's text, and the actor map is refused to a reader without
//! access exactly as an unknown record is.

use automerge::ReadDoc;
use automerge::transaction::{CommitOptions, Transactable};
use hearth_e2e::{TestServer, now_ms, read_root_text, root_text, server_bin};
use hearth_shared::history::{self, ActorAuthor, When, Who};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{Inspection, Record};
use hearth_shared::permissions::Role;

const HOUR_MS: i64 = 60 * 60 * 1000;

/// Rewrites a device's copy of the premises text as one change, dated `at_ms` by its clock.
fn rewrite_premises(doc: &mut automerge::AutoCommit, text: &str, at_ms: i64) {
    let premises = root_text(doc, "premises");
    let len = doc.length(&premises);
    doc.splice_text(&premises, 0, len as isize, text).unwrap();
    doc.commit_with(CommitOptions::default().with_time(at_ms / 1000));
}

#[tokio::test]
async fn history_names_who_changed_a_field_offline_with_before_and_after() {
    let server = TestServer::start(server_bin!()).await;
    let home = server.home("Synthetic House One").await;
    let other_home = server.home("Synthetic House Two").await;
    let (ann_api, ann) = server.user(Role::Member, &[&home]).await;
    let (bea_api, bea) = server.user(Role::Member, &[&home]).await;
    let (officer_api, _) = server.user(Role::Officer, &[]).await;
    let (stranger_api, _) = server.user(Role::Member, &[&other_home]).await;

    // Ann starts the draft and syncs it; Bea's device fetches it.
    let mut a = ann_api.sync().await;
    let mut draft = Inspection::new(&ann.id, &home, now_ms());
    draft.premises = autosurgeon::Text::with_value("The kitchen was clean.");
    let id = a.create(&Record::Inspection(draft));
    a.sync_doc(id).await.expect("the draft is stored");
    let mut b = bea_api.sync().await;
    b.fetch(id)
        .await
        .expect("a member of the home opens the draft");

    // Both rewrite the premises while offline, Ann an hour from now, Bea a day later.
    let ann_at = now_ms() + HOUR_MS;
    let bea_at = ann_at + 24 * HOUR_MS;
    rewrite_premises(a.doc(id), "The kitchen was clean and tidy.", ann_at);
    rewrite_premises(b.doc(id), "The kitchen needed a deep clean.", bea_at);
    a.sync_doc(id).await.expect("Ann's edit is accepted");
    b.sync_doc(id).await.expect("Bea's edit is accepted");
    let merged = b.heads(id);
    a.wait_for_heads(id, &merged)
        .await
        .expect("Ann gets Bea's edit");

    // The officer reads the record and its actor map.
    let mut o = officer_api.sync().await;
    o.fetch(id).await.expect("an officer reads every record");
    let (status, body) = officer_api
        .get(&format!("/api/documents/{id}/actors"))
        .await;
    assert_eq!(status, 200, "{body}");
    let authors: Vec<ActorAuthor> = serde_json::from_value(body).expect("the map's shape");
    let by_actor = |doc: &mut automerge::AutoCommit| {
        let actor = doc.get_actor().to_hex_string();
        authors
            .iter()
            .find(|a| a.actor == actor)
            .unwrap_or_else(|| panic!("the server knows actor {actor}: {authors:?}"))
            .clone()
    };
    let ann_author = by_actor(a.doc(id));
    let bea_author = by_actor(b.doc(id));
    assert_eq!(ann_author.user_id, ann.id);
    assert_eq!(bea_author.user_id, bea.id);
    assert!(
        ann_author.display_name.is_some(),
        "officers see members' names"
    );

    let doc = o.doc(id).document().clone();
    let shown = history::history(&doc, &authors, &Default::default(), 50);
    let premises_edits: Vec<_> = shown
        .entries
        .iter()
        .filter(|e| e.fields.iter().any(|f| f.key == "premises"))
        .collect();
    assert_eq!(
        premises_edits.len(),
        3,
        "made, Ann's, Bea's: {premises_edits:#?}"
    );
    let field = |e: &history::Entry| {
        e.fields
            .iter()
            .find(|f| f.key == "premises")
            .cloned()
            .expect("premises changed")
    };
    let (made, first, second) = (premises_edits[0], premises_edits[1], premises_edits[2]);
    assert_eq!(field(made).after, "The kitchen was clean.");
    let who = |e: &history::Entry| match &e.who {
        Who::User { user_id, name } => (user_id.clone(), name.clone()),
        Who::Unknown => panic!("every change here was synced by a signed-in user: {e:#?}"),
    };
    assert_eq!(who(made).0, ann.id);
    // Whichever order the server's history put the two offline edits in, each names its author
    // with its own time, starts from what the one before left and ends with what it wrote
    // over that.
    let mut pair = [(first, who(first)), (second, who(second))];
    pair.sort_by_key(|(e, _)| e.when.ms());
    assert_eq!(pair[0].1, (ann.id.clone(), ann_author.display_name.clone()));
    assert_eq!(pair[1].1, (bea.id.clone(), bea_author.display_name.clone()));
    assert_eq!(pair[0].0.when, When::Device(ann_at / 1000 * 1000));
    assert_eq!(pair[1].0.when, When::Device(bea_at / 1000 * 1000));
    assert_eq!(field(first).before, "The kitchen was clean.");
    assert_eq!(field(second).before, field(first).after);
    assert_eq!(field(second).after, read_root_text(o.doc(id), "premises"));
    assert!(
        field(second).after.contains("needed a deep"),
        "Bea's words are in the merged text: {}",
        field(second).after
    );

    // As it was between the two edits: Ann's text only.
    let then = history::heads_at_time(&doc, &authors, ann_at + HOUR_MS);
    let premises = history::fields_at(&doc, &then, &Default::default())
        .into_iter()
        .find(|f| f.key == "premises")
        .expect("the premises field then");
    assert_eq!(premises.text, "The kitchen was clean and tidy.");
    match history::record_at(&doc, &then).expect("a record then") {
        Record::Inspection(i) => assert_eq!(i.premises.as_str(), "The kitchen was clean and tidy."),
        other => panic!("{other:?}"),
    }

    // A member of another home gets what an unknown record gets; a signed-out caller, 401.
    let forbidden = stranger_api
        .get(&format!("/api/documents/{id}/actors"))
        .await;
    let unknown = stranger_api
        .get(&format!("/api/documents/{}/actors", DocumentId::random()))
        .await;
    assert_eq!(forbidden.0, 404, "{}", forbidden.1);
    assert_eq!(
        forbidden, unknown,
        "forbidden and unknown are told apart by nothing"
    );
    let (members_view, _) = ann_api.get(&format!("/api/documents/{id}/actors")).await;
    assert_eq!(members_view, 200, "a member of the home reads the map");
    let nobody = hearth_e2e::Api::new(&server.base);
    assert_eq!(
        nobody.get(&format!("/api/documents/{id}/actors")).await.0,
        401
    );
}
