use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, ROOT, ReadDoc};

use super::diff::Change;
use super::*;
use crate::model::{VisitAction, VisitNote, WorkflowState};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// 3 November 2026, 09:00 UTC.
const NOV_3: i64 = 1_793_696_400_000;

fn actor(n: u8) -> ActorId {
    ActorId::from(vec![n; 16])
}

fn author(n: u8, user: &str, name: Option<&str>, first_at_ms: i64) -> ActorAuthor {
    ActorAuthor {
        actor: actor(n).to_hex_string(),
        user_id: user.into(),
        display_name: name.map(str::to_string),
        first_at_ms,
    }
}

/// A visit note made by device 1 at `at_ms` (seconds in the change, as Automerge documents it).
fn note(at_ms: i64) -> AutoCommit {
    let mut doc = AutoCommit::new().with_actor(actor(1));
    let mut n = VisitNote::new("u-ann", "h1", at_ms);
    n.body = autosurgeon::Text::with_value("The kitchen was clean.");
    Record::VisitNote(n).write_to(&mut doc).unwrap();
    doc.commit_with(CommitOptions::default().with_time(at_ms / 1000));
    doc
}

fn commit_at(doc: &mut AutoCommit, at_ms: i64) {
    doc.commit_with(CommitOptions::default().with_time(at_ms / 1000));
}

fn body(doc: &AutoCommit) -> automerge::ObjId {
    doc.get(ROOT, "body").unwrap().unwrap().1
}

/// Replaces the whole body text, as one change.
fn set_body(doc: &mut AutoCommit, text: &str, at_ms: i64) {
    let id = body(doc);
    let len = doc.length(&id);
    doc.splice_text(&id, 0, len as isize, text).unwrap();
    commit_at(doc, at_ms);
}

fn field<'e>(entry: &'e Entry, key: &str) -> &'e FieldChange {
    entry
        .fields
        .iter()
        .find(|f| f.key == key)
        .unwrap_or_else(|| panic!("{key} in {:?}", entry.fields))
}

fn marked(segments: &[diff::Segment]) -> String {
    segments
        .iter()
        .map(|s| match s.change {
            Change::Same => s.text.clone(),
            Change::Removed => format!("[-{}-]", s.text),
            Change::Added => format!("{{+{}+}}", s.text),
        })
        .collect()
}

fn no_names() -> render::Names {
    render::Names::new()
}

#[test]
fn a_field_changed_by_two_users_offline_names_each_with_what_it_said_before_and_after() {
    let mut ann = note(NOV_3);
    // Bea's device has the note, then both go offline and rewrite the body.
    let mut bea = ann.fork().with_actor(actor(2));
    let id = body(&ann);
    let at = doc_len(&ann, &id);
    ann.splice_text(&id, at - 1, 0, " and tidy").unwrap();
    commit_at(&mut ann, NOV_3 + DAY_MS);
    set_body(&mut bea, "The kitchen was dirty.", NOV_3 + 2 * DAY_MS);
    ann.merge(&mut bea).unwrap();

    let authors = [
        author(1, "u-ann", Some("Cllr Ann Example"), NOV_3),
        author(2, "u-bea", Some("Cllr Bea Example"), NOV_3 + 2 * DAY_MS),
    ];
    let entries = history(ann.document(), &authors, &no_names(), 100).entries;
    assert_eq!(entries.len(), 3, "{entries:#?}");
    assert_eq!(
        entries[0].who,
        Who::User {
            user_id: "u-ann".into(),
            name: Some("Cllr Ann Example".into())
        }
    );
    let created = field(&entries[0], "body");
    assert_eq!(
        (created.before.as_str(), created.after.as_str()),
        ("", "The kitchen was clean.")
    );

    let by = |user: &str| {
        entries
            .iter()
            .skip(1)
            .find(|e| matches!(&e.who, Who::User { user_id, .. } if user_id == user))
            .unwrap_or_else(|| panic!("an entry by {user}"))
    };
    let ann_edit = by("u-ann");
    let bea_edit = by("u-bea");
    assert_eq!(ann_edit.when, When::Device(NOV_3 + DAY_MS));
    assert_eq!(bea_edit.when, When::Device(NOV_3 + 2 * DAY_MS));
    assert_eq!(ann_edit.fields.len(), 1, "only the body changed");
    // In history order each edit starts from what the one before it left.
    let (first, second) = (&entries[1], &entries[2]);
    assert_eq!(field(first, "body").before, "The kitchen was clean.");
    assert_eq!(field(second, "body").before, field(first, "body").after);
    assert_eq!(field(second, "body").after, ann.text(&id).unwrap());
    assert!(
        marked(&field(ann_edit, "body").diff).contains("{+ and tidy+}"),
        "{:?}",
        field(ann_edit, "body").diff
    );
    assert!(
        marked(&field(bea_edit, "body").diff).contains("{+dirty"),
        "{:?}",
        field(bea_edit, "body").diff
    );
}

fn doc_len(doc: &AutoCommit, id: &automerge::ObjId) -> usize {
    doc.length(id)
}

#[test]
fn a_paragraph_typed_a_key_at_a_time_is_one_entry() {
    let mut doc = note(NOV_3);
    let id = body(&doc);
    for (i, c) in " Lunch was served.".chars().enumerate() {
        let at = doc.length(&id);
        doc.splice_text(&id, at, 0, &c.to_string()).unwrap();
        commit_at(&mut doc, NOV_3 + 60_000 + i as i64 * 1000);
    }
    let authors = [author(1, "u-ann", Some("Cllr Ann Example"), NOV_3)];
    let entries = history(doc.document(), &authors, &no_names(), 100).entries;
    assert_eq!(entries.len(), 2, "made, then typed: {entries:#?}");
    assert_eq!(entries[1].changes, " Lunch was served.".len());
    let typed = field(&entries[1], "body");
    assert_eq!(typed.before, "The kitchen was clean.");
    assert_eq!(typed.after, "The kitchen was clean. Lunch was served.");
    assert_eq!(
        marked(&typed.diff),
        "The kitchen was clean.{+ Lunch was served.+}"
    );
}

#[test]
fn typing_resumed_after_a_long_pause_or_by_someone_else_is_a_new_entry() {
    let mut doc = note(NOV_3);
    set_body(&mut doc, "One.", NOV_3 + 1000);
    set_body(&mut doc, "Two.", NOV_3 + RUN_GAP_MS + 2000);
    let mut other = doc.fork().with_actor(actor(2));
    set_body(&mut other, "Three.", NOV_3 + RUN_GAP_MS + 3000);
    doc.merge(&mut other).unwrap();
    let authors = [
        author(1, "u-ann", None, NOV_3),
        author(2, "u-bea", None, NOV_3),
    ];
    let entries = history(doc.document(), &authors, &no_names(), 100).entries;
    let afters: Vec<&str> = entries
        .iter()
        .map(|e| field(e, "body").after.as_str())
        .collect();
    assert_eq!(afters, ["The kitchen was clean.", "One.", "Two.", "Three."]);
}

#[test]
fn the_same_user_in_a_later_session_continues_the_entry() {
    let mut doc = note(NOV_3);
    set_body(&mut doc, "One.", NOV_3 + 1000);
    // The device loaded the note again: a new actor, the same person.
    let mut again = doc.fork().with_actor(actor(3));
    set_body(&mut again, "One. Two.", NOV_3 + 2000);
    let authors = [
        author(1, "u-ann", None, NOV_3),
        author(3, "u-ann", None, NOV_3 + 2000),
    ];
    let entries = history(again.document(), &authors, &no_names(), 100).entries;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].changes, 2);
    assert_eq!(field(&entries[1], "body").before, "The kitchen was clean.");
    assert_eq!(field(&entries[1], "body").after, "One. Two.");
}

#[test]
fn changes_the_server_has_no_author_for_are_unknown_and_untimed_changes_take_the_servers_time() {
    let mut doc = note(NOV_3);
    let id = body(&doc);
    doc.splice_text(&id, 0, 0, "Note: ").unwrap();
    doc.commit(); // no time, as Hearth's clients commit
    let mut stranger = doc.fork().with_actor(actor(9));
    set_body(&mut stranger, "Unsynced.", NOV_3 + 5000);
    let authors = [author(1, "u-ann", None, NOV_3 + 7 * DAY_MS)];
    let entries = history(stranger.document(), &authors, &no_names(), 100).entries;
    assert_eq!(entries[1].when, When::Server(NOV_3 + 7 * DAY_MS));
    assert_eq!(entries[2].who, Who::Unknown);
    assert_eq!(entries[2].when, When::Device(NOV_3 + 5000));
}

#[test]
fn a_change_inside_a_list_counts_for_its_field_even_after_the_item_is_deleted() {
    let mut doc = note(NOV_3);
    let mut n = match Record::from_doc(&doc).unwrap() {
        Record::VisitNote(n) => n,
        _ => unreachable!(),
    };
    n.actions.push(VisitAction {
        text: "Ring the social worker".into(),
        owner: "Manager".into(),
        due_date: "2026-11-10".into(),
        done: false,
    });
    Record::VisitNote(n.clone()).write_to(&mut doc).unwrap();
    commit_at(&mut doc, NOV_3 + 1000);
    let mut n = match Record::from_doc(&doc).unwrap() {
        Record::VisitNote(n) => n,
        _ => unreachable!(),
    };
    n.actions[0].done = true;
    Record::VisitNote(n.clone()).write_to(&mut doc).unwrap();
    commit_at(&mut doc, NOV_3 + RUN_GAP_MS + 2000);
    let mut n = match Record::from_doc(&doc).unwrap() {
        Record::VisitNote(n) => n,
        _ => unreachable!(),
    };
    n.actions.clear();
    n.state = WorkflowState::Closed;
    Record::VisitNote(n).write_to(&mut doc).unwrap();
    commit_at(&mut doc, NOV_3 + 2 * RUN_GAP_MS + 3000);

    let entries = history(doc.document(), &[], &no_names(), 100).entries;
    let keys: Vec<Vec<&str>> = entries
        .iter()
        .map(|e| e.fields.iter().map(|f| f.key.as_str()).collect())
        .collect();
    assert_eq!(keys[1], ["actions"]);
    assert_eq!(
        keys[2],
        ["actions"],
        "an item's `done` is the actions field"
    );
    assert_eq!(keys[3], ["actions", "state"]);
    let done = field(&entries[2], "actions");
    assert_eq!(
        done.before,
        "done: No; due date: 10 November 2026; owner: Manager; text: Ring the social worker"
    );
    assert!(done.after.starts_with("done: Yes;"), "{}", done.after);
    assert_eq!(field(&entries[3], "state").after, "Closed");
    assert_eq!(field(&entries[3], "actions").after, "");
}

#[test]
fn the_record_as_it_was_on_a_date_has_the_value_it_had_then() {
    let mut doc = note(NOV_3);
    set_body(&mut doc, "Changed on the fifth.", NOV_3 + 2 * DAY_MS);
    let authors = [author(1, "u-ann", None, NOV_3)];
    let end_of_nov_4 = NOV_3 + 2 * DAY_MS - 9 * 60 * 60 * 1000 - 1;

    let then = heads_at_time(doc.document(), &authors, end_of_nov_4);
    let fields = fields_at(doc.document(), &then, &no_names());
    let body = fields.iter().find(|f| f.key == "body").unwrap();
    assert_eq!(body.label, "Notes");
    assert_eq!(body.text, "The kitchen was clean.");
    assert!(fields.iter().all(|f| shown(&f.key)), "no createdBy, kind…");
    match record_at(doc.document(), &then).unwrap() {
        Record::VisitNote(n) => assert_eq!(n.body.as_str(), "The kitchen was clean."),
        _ => unreachable!(),
    }
    assert!(heads_at_time(doc.document(), &authors, NOV_3 - 1).is_empty());
    assert_eq!(
        heads_at_time(doc.document(), &authors, NOV_3 + 3 * DAY_MS),
        {
            let mut h = doc.get_heads();
            h.sort();
            h
        }
    );
}

#[test]
fn a_change_from_a_device_whose_clock_was_behind_brings_what_it_was_made_on() {
    let mut doc = note(NOV_3 + DAY_MS);
    // Made after the note, on a device that thought it was two days earlier.
    set_body(&mut doc, "Slow clock.", NOV_3 - DAY_MS);
    let then = heads_at_time(doc.document(), &[], NOV_3);
    assert_eq!(
        record_at(doc.document(), &then).map(|r| matches!(r, Record::VisitNote(_))),
        Ok(true)
    );
}

#[test]
fn only_the_last_entries_asked_for_are_rendered() {
    let mut doc = note(NOV_3);
    for i in 1..=5 {
        set_body(
            &mut doc,
            &format!("Version {i}."),
            NOV_3 + i * 2 * RUN_GAP_MS,
        );
    }
    let shown = history(doc.document(), &[], &no_names(), 2);
    assert_eq!(shown.earlier, 4);
    let last_two = shown.entries;
    assert_eq!(last_two.len(), 2);
    assert_eq!(field(&last_two[0], "body").before, "Version 3.");
    assert_eq!(field(&last_two[1], "body").after, "Version 5.");
}

#[test]
fn user_ids_in_values_are_shown_by_name_when_the_reader_has_it() {
    let mut doc = AutoCommit::new().with_actor(actor(1));
    let members = doc
        .put_object(ROOT, "visitingMembers", automerge::ObjType::List)
        .unwrap();
    doc.insert(&members, 0, "u-ann").unwrap();
    doc.insert(&members, 1, "u-zed").unwrap();
    doc.commit();
    let names: render::Names = [("u-ann".to_string(), "Cllr Ann Example".to_string())].into();
    let heads = doc.get_heads();
    assert_eq!(
        render::field_at(doc.document(), "visitingMembers", &heads, &names),
        "Cllr Ann Example\nu-zed"
    );
}

#[test]
fn codes_read_as_the_screens_say_them_and_empty_parts_are_left_out() {
    let mut doc = AutoCommit::new().with_actor(actor(1));
    let checked = doc
        .put_object(ROOT, "recordsChecked", automerge::ObjType::List)
        .unwrap();
    let item = doc
        .insert_object(&checked, 0, automerge::ObjType::Map)
        .unwrap();
    doc.put(&item, "area", "restraintAndSanctions").unwrap();
    doc.put(&item, "outcome", "notSeen").unwrap();
    doc.put(&item, "comment", "").unwrap();
    doc.commit();
    let heads = doc.get_heads();
    assert_eq!(
        render::field_at(doc.document(), "recordsChecked", &heads, &no_names()),
        "area: Restraint and sanctions; outcome: Not seen"
    );
}

/// How long the history of a record typed a key at a time takes natively (prints; asserts
/// nothing about time): `cargo test -p hearth-shared --release --lib history_of_ten_thousand
/// -- --ignored --nocapture`.
#[test]
#[ignore]
fn history_of_ten_thousand_keystrokes_figures() {
    let mut doc = note(NOV_3);
    let id = body(&doc);
    for i in 0..10_000 {
        let at = doc.length(&id);
        doc.splice_text(&id, at, 0, if i % 7 == 6 { " " } else { "a" })
            .unwrap();
        commit_at(&mut doc, NOV_3 + i * 1000);
    }
    let doc = doc.document().clone();
    let started = std::time::Instant::now();
    let shown = history(&doc, &[], &no_names(), 200);
    let walked = started.elapsed();
    let started = std::time::Instant::now();
    let then = heads_at_time(&doc, &[], NOV_3 + 5_000_000);
    let fields = fields_at(&doc, &then, &no_names());
    println!(
        "10,000 keystrokes: history {walked:?} ({} entries, {} earlier), as it was {:?} ({} fields)",
        shown.entries.len(),
        shown.earlier,
        started.elapsed(),
        fields.len()
    );
}
