//! The client bench's synthetic records, written through the Rust sync client as their member
//! author and acknowledged by the server before any browser opens them.

use crate::{Api, now_ms, root_text};
use automerge::ReadDoc;
use automerge::transaction::Transactable;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{Inspection, Record, VisitNote};

/// Concurrent sync connections used to create many notes (the server's group commit then pays
/// one fsync for several notes).
const CONNECTIONS: usize = 4;

/// Paragraphs typed into each note's body, one change each: a note of about 1 KB with a short
/// history, as a councillor's visit note would be.
const NOTE_PARAGRAPHS: [&str; 3] = [
    "Synthetic note. We were shown round by the registered manager; the house was calm and \
     the young people were at school or college. ",
    "The kitchen has been refitted since the last visit and the menu board is written with the \
     young people. Two bedrooms were being redecorated to their own choice of colours. ",
    "Staff spoke warmly about the young people. Agreed action: ask the council's property team \
     for a date to repair the garden fence. ",
];

/// The text the last edit of [`inspection_with_history`] appends to `premises`: the end of
/// the text a browser must show.
pub const PREMISES_TAIL: &str = " (End of the synthetic premises notes.)";

/// Creates `count` visit notes by the signed-in member `api` (author `member_id`) for `home`,
/// each with a three-paragraph body typed as three changes, and waits until the server has
/// acknowledged every one.
pub async fn visit_notes(api: &Api, member_id: &str, home: &str, count: usize) -> Vec<DocumentId> {
    let mut tasks = Vec::with_capacity(CONNECTIONS);
    for connection in 0..CONNECTIONS {
        let share = count / CONNECTIONS + usize::from(connection < count % CONNECTIONS);
        let (api, member_id, home) = (api.clone(), member_id.to_string(), home.to_string());
        tasks.push(tokio::spawn(async move {
            let mut sync = api.sync().await;
            let mut ids = Vec::with_capacity(share);
            for n in 0..share {
                let mut note = VisitNote::new(&member_id, &home, now_ms());
                note.attendees = vec![
                    format!("Registered manager (synthetic visit {connection}-{n})"),
                    "Two young people".to_string(),
                ];
                let id = sync.create(&Record::VisitNote(note));
                for paragraph in NOTE_PARAGRAPHS {
                    append(sync.doc(id), "body", paragraph);
                }
                sync.sync_doc(id)
                    .await
                    .unwrap_or_else(|e| panic!("the server keeps synthetic note {n}: {e}"));
                ids.push(id);
            }
            sync.close().await;
            ids
        }));
    }
    let mut ids = Vec::with_capacity(count);
    for task in tasks {
        ids.extend(task.await.expect("a note-creating task finishes"));
    }
    ids
}

/// A Regulation 33 record by the member `api` (author `member_id`) for `home` whose `premises`
/// text is the result of `edits` small edits, each its own Automerge change (mostly words
/// typed at the end, some inserted earlier, some deletions), the last appending
/// [`PREMISES_TAIL`]; synced and acknowledged. Returns its id, the premises length in
/// characters and the saved document's size in bytes.
pub async fn inspection_with_history(
    api: &Api,
    member_id: &str,
    home: &str,
    edits: usize,
) -> (DocumentId, usize, usize) {
    let mut sync = api.sync().await;
    let id = sync.create(&Record::Inspection(Inspection::new(
        member_id,
        home,
        now_ms(),
    )));
    for n in 0..edits.saturating_sub(1) {
        let doc = sync.doc(id);
        let premises = root_text(doc, "premises");
        // `length` counts in the document's text encoding, the unit `splice_text` takes.
        let len = doc.length(&premises);
        let result = match n % 10 {
            // A correction: delete the last character typed.
            9 if len > 0 => doc.splice_text(&premises, len - 1, 1, ""),
            // A word added earlier in the text.
            4 => doc.splice_text(&premises, len / 2, 0, "tidy "),
            _ => doc.splice_text(&premises, len, 0, &format!("room{n} ")),
        };
        result.unwrap_or_else(|e| panic!("synthetic edit {n} applies: {e}"));
        doc.commit();
    }
    append(sync.doc(id), "premises", PREMISES_TAIL);
    sync.sync_doc(id)
        .await
        .unwrap_or_else(|e| panic!("the server keeps the synthetic inspection: {e}"));
    let doc = sync.doc(id);
    let premises = root_text(doc, "premises");
    let chars = doc
        .text(&premises)
        .expect("the premises text reads")
        .chars()
        .count();
    let bytes = doc.save().len();
    sync.close().await;
    (id, chars, bytes)
}

/// Appends `text` to the root text field `field` as one change.
fn append(doc: &mut automerge::AutoCommit, field: &str, text: &str) {
    let id = root_text(doc, field);
    let end = doc.length(&id);
    doc.splice_text(&id, end, 0, text)
        .unwrap_or_else(|e| panic!("appending to {field}: {e}"));
    doc.commit();
}
