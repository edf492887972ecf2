//! The model against real documents: round trips, merges, and documents written the way the
//! JavaScript automerge client writes them.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue};
use autosurgeon::Text;

use super::*;
use crate::rules::{self, Rejection};

const NOW: i64 = 1_793_700_000_000;

fn round_trip(record: &Record) -> Record {
    let mut doc = AutoCommit::new();
    record.write_to(&mut doc).expect("write");
    let bytes = doc.save();
    let loaded = automerge::Automerge::load(&bytes).expect("load");
    rules::validate(&loaded).expect("valid")
}

#[test]
fn constructors_give_valid_drafts() {
    let records = [
        Record::VisitNote(VisitNote::new("m1", "home-1", NOW)),
        Record::Inspection(Inspection::new("m1", "home-1", NOW)),
        Record::Consultation(Consultation::new("pw1", "Food at home", NOW)),
        Record::ConsultationResponse(ConsultationResponse::new("yp1", "doc-1", NOW)),
    ];
    for record in records {
        assert_eq!(record.state(), WorkflowState::Draft);
        assert_eq!(
            rules::validate_record(&record),
            Ok(()),
            "{:?}",
            record.kind()
        );
        assert_eq!(round_trip(&record), record);
    }
}

#[test]
fn new_inspection_lists_all_nine_record_areas_as_not_seen() {
    let i = Inspection::new("m1", "home-1", NOW);
    assert_eq!(i.records_checked.len(), 9);
    assert!(
        i.records_checked
            .iter()
            .all(|c| c.outcome == CheckOutcome::NotSeen)
    );
    assert_eq!(i.visiting_members, vec!["m1".to_string()]);
    assert_eq!(i.safeguarding_opinion.choice, OpinionChoice::NotAssessed);
}

#[test]
fn filled_in_records_round_trip() {
    let mut i = Inspection::new("m1", "home-1", NOW);
    i.time_in = "09:15".into();
    i.spoke_with.children.count = 3;
    i.spoke_with.children.entries = vec![
        ChildSpokenWith {
            initials: "AB".into(),
            consent: true,
        },
        ChildSpokenWith {
            initials: "C".into(),
            consent: false,
        },
    ];
    i.spoke_with.staff = vec!["Registered manager".into()];
    i.records_checked[4].outcome = CheckOutcome::Concern;
    i.records_checked[4].comment = Text::with_value("Two signatures missing.");
    i.recommendations = vec![Recommendation::new(
        "r1",
        "Audit MAR sheets",
        Priority::High,
    )];
    i.previous_recommendations = vec![PreviousRecommendation {
        text: Text::with_value("Repaint the lounge"),
        progress: Text::with_value("Done"),
    }];
    let record = Record::Inspection(i);
    assert_eq!(round_trip(&record), record);

    let mut r = ConsultationResponse::new("yp1", "doc-1", NOW);
    r.answers = vec![
        Answer::scale("q1", 4),
        Answer::choice("q2", "notSure"),
        Answer::choices("q3", &["Tea", "Lunch"]),
        Answer::text("q4", "More fruit"),
    ];
    r.age_band = Some(AgeBand::Ages13To15);
    r.home_id = Some("home-1".into());
    let record = Record::ConsultationResponse(r);
    assert_eq!(round_trip(&record), record);
}

#[test]
fn rewriting_an_unchanged_record_adds_no_change() {
    let mut doc = AutoCommit::new();
    Record::Inspection(Inspection::new("m1", "home-1", NOW))
        .write_to(&mut doc)
        .unwrap();
    let heads = doc.get_heads();
    let again = Record::from_doc(doc.document()).unwrap();
    again.write_to(&mut doc).unwrap();
    assert_eq!(doc.get_heads(), heads);
}

#[test]
fn concurrent_body_edits_merge_character_wise() {
    let mut a = AutoCommit::new();
    let mut note = VisitNote::new("m1", "home-1", NOW);
    note.body = Text::with_value("Visited the home.");
    Record::VisitNote(note).write_to(&mut a).unwrap();
    let mut b = a.fork().with_actor(automerge::ActorId::random());

    let Record::VisitNote(mut on_a) = Record::from_doc(a.document()).unwrap() else {
        unreachable!()
    };
    on_a.body.splice(0, 0, "Tuesday: ");
    Record::VisitNote(on_a).write_to(&mut a).unwrap();

    let Record::VisitNote(mut on_b) = Record::from_doc(b.document()).unwrap() else {
        unreachable!()
    };
    let end = on_b.body.as_str().len();
    on_b.body.splice(end, 0, " AB showed us the garden.");
    Record::VisitNote(on_b).write_to(&mut b).unwrap();

    a.merge(&mut b).unwrap();
    let Record::VisitNote(merged) = Record::from_doc(a.document()).unwrap() else {
        unreachable!()
    };
    assert_eq!(
        merged.body.as_str(),
        "Tuesday: Visited the home. AB showed us the garden."
    );
}

#[test]
fn recommendations_added_on_two_devices_both_survive() {
    let mut a = AutoCommit::new();
    Record::Inspection(Inspection::new("m1", "home-1", NOW))
        .write_to(&mut a)
        .unwrap();
    let mut b = a.fork().with_actor(automerge::ActorId::random());
    for (doc, id) in [(&mut a, "r-a"), (&mut b, "r-b")] {
        let Record::Inspection(mut i) = Record::from_doc(doc.document()).unwrap() else {
            unreachable!()
        };
        i.recommendations
            .push(Recommendation::new(id, "Something", Priority::Medium));
        Record::Inspection(i).write_to(doc).unwrap();
    }
    a.merge(&mut b).unwrap();
    let Record::Inspection(merged) = rules::validate(a.document()).unwrap() else {
        unreachable!()
    };
    let mut ids: Vec<_> = merged
        .recommendations
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    ids.sort();
    assert_eq!(ids, ["r-a", "r-b"]);
}

// ---------------------------------------------------------------------------------------------
// Documents written like @automerge/automerge does: every string a Text, numbers as doubles.

/// A JS `obj[key] = "..."`: creates Text.
fn js_str(doc: &mut AutoCommit, obj: &ObjId, key: &str, value: &str) {
    let t = doc.put_object(obj, key, ObjType::Text).unwrap();
    doc.splice_text(&t, 0, 0, value).unwrap();
}

/// A JS `obj[key] = 1793700000000`: a double.
fn js_num(doc: &mut AutoCommit, obj: &ObjId, key: &str, value: f64) {
    doc.put(obj, key, value).unwrap();
}

/// A JS `obj[key] = ["...", ...]`: a list of Text.
fn js_str_list(doc: &mut AutoCommit, obj: &ObjId, key: &str, values: &[&str]) {
    let list = doc.put_object(obj, key, ObjType::List).unwrap();
    for (i, v) in values.iter().enumerate() {
        let t = doc.insert_object(&list, i, ObjType::Text).unwrap();
        doc.splice_text(&t, 0, 0, v).unwrap();
    }
}

fn js_root(doc: &mut AutoCommit, kind: &str, state: &str) {
    js_str(doc, &ROOT, "kind", kind);
    js_num(doc, &ROOT, "schemaVersion", 1.0);
    js_str(doc, &ROOT, "createdBy", "m1");
    js_num(doc, &ROOT, "createdAt", NOW as f64);
    js_str(doc, &ROOT, "state", state);
}

#[test]
fn visit_note_written_by_a_js_client_is_read() {
    let mut doc = AutoCommit::new();
    js_root(&mut doc, "visitNote", "draft");
    js_str(&mut doc, &ROOT, "homeId", "home-1");
    js_str(&mut doc, &ROOT, "visitDate", "2026-11-03");
    js_str_list(&mut doc, &ROOT, "attendees", &["Cllr Test Member"]);
    js_str(&mut doc, &ROOT, "body", "Met AB.");
    let actions = doc.put_object(&ROOT, "actions", ObjType::List).unwrap();
    let a = doc.insert_object(&actions, 0, ObjType::Map).unwrap();
    js_str(&mut doc, &a, "text", "Chase the boiler repair");
    js_str(&mut doc, &a, "owner", "Registered manager");
    js_str(&mut doc, &a, "dueDate", "");
    doc.put(&a, "done", false).unwrap();

    let Record::VisitNote(v) = rules::validate(doc.document()).unwrap() else {
        panic!("expected a visit note")
    };
    assert_eq!(v.created_at, NOW);
    assert_eq!(v.attendees, ["Cllr Test Member"]);
    assert_eq!(v.body.as_str(), "Met AB.");
    assert_eq!(v.actions[0].owner, "Registered manager");
}

#[test]
fn inspection_written_by_a_js_client_is_read_and_can_be_written_back() {
    let mut doc = AutoCommit::new();
    js_root(&mut doc, "inspection", "submitted");
    js_str(&mut doc, &ROOT, "homeId", "home-1");
    js_str(&mut doc, &ROOT, "visitDate", "2026-11-03");
    js_str(&mut doc, &ROOT, "timeIn", "10:00");
    js_str(&mut doc, &ROOT, "timeOut", "11:30");
    doc.put(&ROOT, "announced", true).unwrap();
    js_str_list(&mut doc, &ROOT, "visitingMembers", &["m1", "m2"]);

    let spoke = doc.put_object(&ROOT, "spokeWith", ObjType::Map).unwrap();
    let children = doc.put_object(&spoke, "children", ObjType::Map).unwrap();
    js_num(&mut doc, &children, "count", 2.0);
    let entries = doc.put_object(&children, "entries", ObjType::List).unwrap();
    let e = doc.insert_object(&entries, 0, ObjType::Map).unwrap();
    js_str(&mut doc, &e, "initials", "AB");
    doc.put(&e, "consent", true).unwrap();
    js_str_list(&mut doc, &spoke, "staff", &["Team leader"]);
    js_str_list(&mut doc, &spoke, "parentsRelatives", &[]);

    let checks = doc
        .put_object(&ROOT, "recordsChecked", ObjType::List)
        .unwrap();
    let c = doc.insert_object(&checks, 0, ObjType::Map).unwrap();
    js_str(&mut doc, &c, "area", "medication");
    js_str(&mut doc, &c, "outcome", "concern");
    js_str(&mut doc, &c, "comment", "One signature missing.");

    js_str(&mut doc, &ROOT, "premises", "Warm and tidy.");
    js_str(&mut doc, &ROOT, "childrenViews", "AB likes the new garden.");
    for key in ["safeguardingOpinion", "wellbeingOpinion"] {
        let o = doc.put_object(&ROOT, key, ObjType::Map).unwrap();
        js_str(&mut doc, &o, "choice", "effective");
        js_str(&mut doc, &o, "text", "");
    }
    let recs = doc
        .put_object(&ROOT, "recommendations", ObjType::List)
        .unwrap();
    let r = doc.insert_object(&recs, 0, ObjType::Map).unwrap();
    js_str(&mut doc, &r, "id", "r1");
    js_str(&mut doc, &r, "text", "Audit medication records");
    js_str(&mut doc, &r, "priority", "high");
    js_str(&mut doc, &r, "managerResponse", "");
    js_str(&mut doc, &r, "status", "open");
    doc.put_object(&ROOT, "previousRecommendations", ObjType::List)
        .unwrap();
    doc.put(&ROOT, "signOff", ScalarValue::Null).unwrap();

    let record = rules::validate(doc.document()).unwrap();
    let Record::Inspection(i) = &record else {
        panic!("expected an inspection")
    };
    assert_eq!(i.spoke_with.children.count, 2);
    assert_eq!(i.records_checked[0].area, CheckArea::Medication);
    assert_eq!(i.recommendations[0].priority, Priority::High);
    assert_eq!(i.sign_off, None);
    assert_eq!(
        record.meta().title,
        "Regulation 33 visit 3 November 2026",
        "title is the date, never content"
    );

    // Writing it back from Rust keeps it readable by both sides.
    let mut edited = record.clone();
    if let Record::Inspection(i) = &mut edited {
        i.recommendations[0]
            .manager_response
            .update("We will audit weekly.");
    }
    edited.write_to(&mut doc).unwrap();
    assert_eq!(rules::validate(doc.document()).unwrap(), edited);
}

#[test]
fn response_written_by_a_js_client_is_read() {
    let mut doc = AutoCommit::new();
    js_root(&mut doc, "consultationResponse", "submitted");
    js_str(&mut doc, &ROOT, "consultationId", "doc-1");
    let answers = doc.put_object(&ROOT, "answers", ObjType::List).unwrap();
    let a = doc.insert_object(&answers, 0, ObjType::Map).unwrap();
    js_str(&mut doc, &a, "questionId", "q1");
    js_num(&mut doc, &a, "scale", 4.0);
    let a = doc.insert_object(&answers, 1, ObjType::Map).unwrap();
    js_str(&mut doc, &a, "questionId", "q2");
    js_str_list(&mut doc, &a, "choices", &["Tea"]);
    // Optional fields: one omitted (ageBand), one null (homeId).
    doc.put(&ROOT, "homeId", ScalarValue::Null).unwrap();
    doc.put(&ROOT, "anonymous", true).unwrap();
    doc.put(&ROOT, "consentGiven", true).unwrap();
    doc.put(&ROOT, "talkToSomeone", false).unwrap();
    js_num(&mut doc, &ROOT, "submittedAt", (NOW + 1) as f64);

    let Record::ConsultationResponse(r) = rules::validate(doc.document()).unwrap() else {
        panic!("expected a response")
    };
    assert_eq!(r.answers[0].scale, Some(4));
    assert_eq!(
        r.answers[1].choices.as_deref(),
        Some(&["Tea".to_string()][..])
    );
    assert_eq!((r.age_band, r.home_id.as_deref()), (None, None));
    assert_eq!(r.submitted_at, Some(NOW + 1));
}

#[test]
fn a_fractional_number_is_not_a_timestamp() {
    let mut doc = AutoCommit::new();
    Record::VisitNote(VisitNote::new("m1", "home-1", NOW))
        .write_to(&mut doc)
        .unwrap();
    doc.put(&ROOT, "createdAt", 1.5).unwrap();
    let err = Record::from_doc(doc.document()).unwrap_err();
    assert_eq!(err.code(), "invalid_record");
    assert!(err.message().contains("createdAt"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Shape errors

fn shape_error(edit: impl FnOnce(&mut AutoCommit)) -> Rejection {
    let mut i = Inspection::new("m1", "home-1", NOW);
    i.spoke_with.children.count = 1;
    i.spoke_with.children.entries = vec![ChildSpokenWith {
        initials: "AB".into(),
        consent: true,
    }];
    let mut doc = AutoCommit::new();
    Record::Inspection(i).write_to(&mut doc).unwrap();
    edit(&mut doc);
    Record::from_doc(doc.document()).unwrap_err()
}

#[test]
fn shape_errors_name_the_field_path_but_not_the_content() {
    let err = shape_error(|doc| {
        let (_, spoke) = doc.get(&ROOT, "spokeWith").unwrap().unwrap();
        let (_, children) = doc.get(&spoke, "children").unwrap().unwrap();
        let (_, entries) = doc.get(&children, "entries").unwrap().unwrap();
        let (_, entry) = doc.get(&entries, 0).unwrap().unwrap();
        doc.put_object(&entry, "initials", ObjType::Map).unwrap();
    });
    assert_eq!(err.code(), "invalid_record");
    assert!(
        err.message()
            .contains("spokeWith.children.entries[0].initials: expected a string, found a map"),
        "{err}"
    );

    let err = shape_error(|doc| {
        doc.put(&ROOT, "premises", 5).unwrap();
    });
    assert!(err.message().contains("premises: expected a text"), "{err}");

    let err = shape_error(|doc| {
        doc.delete(&ROOT, "visitDate").unwrap();
    });
    assert!(err.message().contains("visitDate"), "{err}");

    let err = shape_error(|doc| {
        let (_, checks) = doc.get(&ROOT, "recordsChecked").unwrap().unwrap();
        let (_, c) = doc.get(&checks, 2).unwrap().unwrap();
        doc.put(&c, "outcome", "Jane Doe said it was fine").unwrap();
    });
    assert!(err.message().contains("recordsChecked[2].outcome"), "{err}");
    assert!(!err.to_string().contains("Jane"), "{err}");
}

#[test]
fn unknown_or_missing_kind_is_an_invalid_record() {
    let mut doc = AutoCommit::new();
    doc.put(&ROOT, "kind", "diary").unwrap();
    assert_eq!(
        Record::from_doc(doc.document()).unwrap_err().code(),
        "invalid_record"
    );
    let mut empty = AutoCommit::new();
    assert_eq!(
        Record::from_doc(empty.document()).unwrap_err().code(),
        "invalid_record"
    );
}

#[test]
fn unknown_state_is_an_invalid_record() {
    let mut doc = AutoCommit::new();
    Record::VisitNote(VisitNote::new("m1", "home-1", NOW))
        .write_to(&mut doc)
        .unwrap();
    doc.put(&ROOT, "state", "archived").unwrap();
    let err = Record::from_doc(doc.document()).unwrap_err();
    assert!(err.message().contains("state"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Meta

#[test]
fn meta_titles_never_carry_record_content() {
    let mut note = VisitNote::new("m1", "home-1", NOW);
    note.body = Text::with_value("AB told us about school");
    let meta = Record::VisitNote(note).meta();
    assert_eq!(meta.title, "Visit note 3 November 2026");
    assert_eq!(meta.home_id.as_deref(), Some("home-1"));
    assert_eq!(meta.created_by, "m1");

    let mut r = ConsultationResponse::new("yp1", "doc-1", NOW);
    r.answers = vec![Answer::text("q1", "I am unhappy")];
    let meta = Record::ConsultationResponse(r).meta();
    assert_eq!(meta.title, "Response");
    assert_eq!(meta.consultation_id.as_deref(), Some("doc-1"));
    assert_eq!(meta.kind, RecordKind::ConsultationResponse);

    let c = Consultation::new("pw1", "Food at home", NOW);
    assert_eq!(Record::Consultation(c).meta().title, "Food at home");
}

#[test]
fn visit_date_defaults_to_the_utc_day_of_creation() {
    assert_eq!(date_from_unix_ms(0), "1970-01-01");
    assert_eq!(date_from_unix_ms(NOW), "2026-11-03");
    // 2028-02-29T23:59:59.999Z, a leap day.
    assert_eq!(date_from_unix_ms(1_835_481_599_999), "2028-02-29");
    assert_eq!(date_from_unix_ms(1_835_481_600_000), "2028-03-01");
}

/// A JS consultation as an older client wrote it: none of the reporting fields.
fn js_consultation(doc: &mut AutoCommit) -> ObjId {
    js_root(doc, "consultation", "open");
    js_str(doc, &ROOT, "title", "Food at home");
    js_str(doc, &ROOT, "purpose", "To hear what you think.");
    js_str(doc, &ROOT, "audience", "all");
    let questions = doc.put_object(&ROOT, "questions", ObjType::List).unwrap();
    let q = doc.insert_object(&questions, 0, ObjType::Map).unwrap();
    js_str(doc, &q, "id", "q1");
    js_str(doc, &q, "type", "yesNoNotSure");
    js_str(doc, &q, "prompt", "Do you get a say in the menu?");
    js_str_list(doc, &q, "options", &[]);
    q
}

#[test]
fn a_consultation_written_before_rounds_and_pledges_is_read_with_none_of_them() {
    let mut doc = AutoCommit::new();
    js_consultation(&mut doc);
    let Record::Consultation(c) = rules::validate(doc.document()).unwrap() else {
        panic!("expected a consultation")
    };
    assert_eq!((c.series_id, c.round_label), (None, None));
    assert!(c.you_said_we_did.is_empty());
    assert_eq!(
        (&c.questions[0].pledge, &c.questions[0].comparison),
        (&None, &None)
    );
}

#[test]
fn pledge_comparison_and_you_said_we_did_written_by_a_js_client_are_read() {
    let mut doc = AutoCommit::new();
    let q = js_consultation(&mut doc);
    js_str(&mut doc, &q, "pledge", "We will listen to you");
    let c = doc.put_object(&q, "comparison", ObjType::Map).unwrap();
    js_str(&mut doc, &c, "source", "National survey 2025");
    js_str(&mut doc, &c, "option", "yes");
    js_num(&mut doc, &c, "percent", 72.0);
    js_str(&mut doc, &ROOT, "roundLabel", "Spring 2026");
    doc.put(&ROOT, "seriesId", ScalarValue::Null).unwrap();
    let list = doc
        .put_object(&ROOT, "youSaidWeDid", ObjType::List)
        .unwrap();
    let e = doc.insert_object(&list, 0, ObjType::Map).unwrap();
    js_str(&mut doc, &e, "id", "y1");
    js_str(&mut doc, &e, "youSaid", "More say in the menu");
    js_str(&mut doc, &e, "weDid", "Monthly menu meetings");

    let Record::Consultation(c) = rules::validate(doc.document()).unwrap() else {
        panic!("expected a consultation")
    };
    assert_eq!(c.round_label.as_deref(), Some("Spring 2026"));
    assert_eq!(c.series_id, None);
    assert_eq!(
        c.questions[0].pledge.as_deref(),
        Some("We will listen to you")
    );
    assert_eq!(
        c.questions[0].comparison,
        Some(Comparison {
            source: "National survey 2025".into(),
            option: "yes".into(),
            percent: 72,
        })
    );
    assert_eq!(
        c.you_said_we_did[0].we_did.as_str(),
        "Monthly menu meetings"
    );
}

#[test]
fn reporting_fields_round_trip() {
    let mut c = Consultation::new("pw1", "Food at home", NOW);
    c.round_label = Some("Autumn 2026".into());
    c.series_id = Some("first-round".into());
    c.you_said_we_did = vec![YouSaidWeDid::new("y1", "More fruit", "A fruit bowl")];
    c.questions = vec![Question {
        pledge: Some("We will help you be healthy".into()),
        comparison: Some(Comparison {
            source: "National survey".into(),
            option: "5".into(),
            percent: 40,
        }),
        ..Question::new("q1", QuestionType::EmojiScale, "How are meals?")
    }];
    let record = Record::Consultation(c);
    assert_eq!(round_trip(&record), record);

    let mut i = Inspection::new("m1", "home-1", NOW);
    i.recommendations = vec![Recommendation {
        due_by: Some("2026-12-31".into()),
        ..Recommendation::new("r1", "Audit MAR sheets", Priority::High)
    }];
    let record = Record::Inspection(i);
    assert_eq!(round_trip(&record), record);
}

#[test]
fn a_new_round_asks_the_same_questions_as_a_draft_in_the_same_series() {
    let first_id = crate::ids::DocumentId::random();
    let mut spring = Consultation::new("pw1", "Food at home", NOW);
    spring.state = WorkflowState::Closed;
    spring.round_label = Some("Spring 2026".into());
    spring.purpose = Text::with_value("To hear what you think.");
    spring.audience = Audience::Ages13To15;
    spring.questions = vec![Question {
        pledge: Some("We will listen to you".into()),
        ..Question::new("q1", QuestionType::YesNoNotSure, "Do you get a say?")
    }];
    spring.you_said_we_did = vec![YouSaidWeDid::new("y1", "More say", "Menu meetings")];

    // Given as a URL, stored bare.
    let autumn = spring.new_round(&first_id.to_url());
    assert_eq!(autumn.state, WorkflowState::Draft);
    assert_eq!(autumn.series_id, Some(first_id.to_string()));
    assert_eq!(autumn.round_label, None);
    assert!(autumn.you_said_we_did.is_empty());
    assert_eq!(autumn.questions, spring.questions);
    assert_eq!(
        (&autumn.title, autumn.purpose.as_str(), autumn.audience),
        (
            &spring.title,
            "To hear what you think.",
            Audience::Ages13To15
        )
    );
    assert_eq!(
        rules::validate_record(&Record::Consultation(autumn.clone())),
        Ok(())
    );

    // A third round still points at the first.
    let winter = autumn.new_round("second-round-id");
    assert_eq!(winter.series_id, Some(first_id.to_string()));
    assert_eq!(winter.series_of("anything"), first_id.to_string());
    assert_eq!(spring.series_of(&first_id.to_url()), first_id.to_string());
}

#[test]
fn a_new_round_of_a_consultation_read_from_its_document_writes_into_a_new_document() {
    let mut spring = Consultation::new("pw1", "Food at home", NOW);
    spring.purpose = Text::with_value("To hear what you think.");
    let mut doc = AutoCommit::new();
    Record::Consultation(spring).write_to(&mut doc).unwrap();
    doc.commit();
    let Record::Consultation(read) = Record::from_doc(doc.document()).unwrap() else {
        panic!("a consultation")
    };
    // The hydrated purpose remembers the spring document; the new round must not.
    let autumn = Record::Consultation(read.new_round("spring-id"));
    let mut fresh = AutoCommit::new();
    autumn
        .write_to(&mut fresh)
        .expect("the new round writes into its own document");
    fresh.commit();
    assert_eq!(Record::from_doc(fresh.document()).unwrap(), autumn);
}
