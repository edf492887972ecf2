//! Property: any record that passes `validate` round-trips through save and load unchanged —
//! through one `save()`, and through the server's store form (a first chunk, then `save_after`
//! chunks, loaded strictly by `sync::load_chunks`).
//!
//! Records are generated from each kind's constructor with arbitrary text (any Unicode, empty,
//! long), dates and times that are valid or not, lists of any length and every enum value;
//! those `validate` refuses are skipped, so what is checked is exactly the valid ones.

use automerge::{AutoCommit, Automerge};
use autosurgeon::Text;
use hearth_shared::model::{
    Answer, ConsultationResponse, Inspection, Priority, Recommendation, Record, VisitAction,
    VisitNote,
};
use hearth_shared::{rules, sync};
use proptest::prelude::*;

/// 2026-11-03T10:00:00Z.
const NOW: i64 = 1_793_700_000_000;

/// Any text: mostly ordinary words, sometimes any Unicode (including combining marks,
/// emoji and control characters), sometimes empty.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[A-Za-z0-9 ,.'-]{0,40}",
        2 => any::<String>(),
        1 => Just(String::new()),
    ]
}

/// A `YYYY-MM-DD` that is usually a real date.
fn date() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (2000u32..2100, 1u32..13, 1u32..29).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        1 => text(),
    ]
}

/// An `HH:MM` that is usually a real time.
fn time() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u32..24, 0u32..60).prop_map(|(h, m)| format!("{h:02}:{m:02}")),
        1 => text(),
    ]
}

fn visit_note() -> impl Strategy<Value = Record> {
    (
        date(),
        proptest::collection::vec(text(), 0..4),
        text(),
        proptest::collection::vec((text(), text(), date(), any::<bool>()), 0..3),
    )
        .prop_map(|(visit_date, attendees, body, actions)| {
            let mut note = VisitNote::new("m1", "home-1", NOW);
            note.visit_date = visit_date;
            note.attendees = attendees;
            note.body = Text::with_value(body);
            note.actions = actions
                .into_iter()
                .map(|(text, owner, due_date, done)| VisitAction {
                    text,
                    owner,
                    due_date,
                    done,
                })
                .collect();
            Record::VisitNote(note)
        })
}

fn inspection() -> impl Strategy<Value = Record> {
    (
        (date(), time(), time(), any::<bool>()),
        (text(), text()),
        proptest::collection::vec((text(), 0usize..3), 0..4),
    )
        .prop_map(
            |((visit_date, time_in, time_out, announced), (premises, views), recs)| {
                let mut inspection = Inspection::new("m1", "home-1", NOW);
                inspection.visit_date = visit_date;
                inspection.time_in = time_in;
                inspection.time_out = time_out;
                inspection.announced = announced;
                inspection.premises = Text::with_value(premises);
                inspection.children_views = Text::with_value(views);
                inspection.recommendations = recs
                    .into_iter()
                    .enumerate()
                    .map(|(i, (text, priority))| {
                        let priority = [Priority::High, Priority::Medium, Priority::Low][priority];
                        Recommendation::new(&format!("rec-{i}"), &text, priority)
                    })
                    .collect();
                Record::Inspection(inspection)
            },
        )
}

fn response() -> impl Strategy<Value = Record> {
    (
        proptest::collection::vec((0i64..7, text()), 0..4),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(answers, anonymous, talk)| {
            let mut response =
                ConsultationResponse::new("yp1", "automerge:2aU3XdbzH7iyfvi83CFrwuLQJC9s", NOW);
            response.answers = answers
                .into_iter()
                .enumerate()
                .map(|(i, (scale, words))| {
                    if i % 2 == 0 {
                        Answer::scale(&format!("q{i}"), scale)
                    } else {
                        Answer::text(&format!("q{i}"), &words)
                    }
                })
                .collect();
            response.anonymous = anonymous;
            response.talk_to_someone = talk;
            Record::ConsultationResponse(response)
        })
}

fn record() -> impl Strategy<Value = Record> {
    prop_oneof![visit_note(), inspection(), response()]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn a_valid_record_round_trips_through_save_and_load_unchanged(
        first in record(),
        second in record(),
    ) {
        let mut doc = AutoCommit::new();
        first.write_to(&mut doc).expect("a record is written");
        doc.commit();
        let first_chunk = doc.save();
        let heads = doc.get_heads();
        // A second edit of the same document (only when it is the same kind: a record's kind
        // never changes), stored as the server stores it, after the first chunk.
        if std::mem::discriminant(&first) == std::mem::discriminant(&second) {
            second.write_to(&mut doc).expect("an edit is written");
            doc.commit();
        }
        let Ok(valid) = rules::validate(doc.document()) else {
            // Not a valid record: nothing is promised about it.
            return Ok(());
        };

        let saved = Automerge::load(&doc.save()).expect("a saved document loads");
        prop_assert_eq!(&rules::validate(&saved).expect("still valid"), &valid);

        let stored = sync::load_chunks(&[first_chunk, doc.save_after(&heads)])
            .expect("the store's chunks load");
        prop_assert_eq!(stored.get_heads(), doc.get_heads());
        prop_assert_eq!(&rules::validate(&stored).expect("still valid"), &valid);

        // And what the model wrote is what it reads back.
        let expected = if std::mem::discriminant(&first) == std::mem::discriminant(&second) {
            &second
        } else {
            &first
        };
        prop_assert_eq!(&valid, expected);
    }
}
