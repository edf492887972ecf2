//! Workflow and permission rules, one named behaviour per test, through real documents.

use autosurgeon::Text;

use super::test_support::*;
use super::{Rejection, check_change, check_response_fits};
use crate::model::{
    Answer, Comparison, Consultation, ConsultationResponse, FollowUp, Inspection, Priority,
    Recommendation, RecommendationStatus, Record, SignOff, VisitNote, WorkflowState as S,
    YouSaidWeDid,
};

fn consultation_of(doc: &mut Doc) -> Consultation {
    match doc.record() {
        Record::Consultation(c) => c,
        _ => unreachable!(),
    }
}

fn response_of(doc: &mut Doc) -> ConsultationResponse {
    match doc.record() {
        Record::ConsultationResponse(r) => r,
        _ => unreachable!(),
    }
}

// ---------------------------------------------------------------------------------------------
// Creation

#[test]
fn member_creates_own_visit_note() {
    let note = Doc::new(Record::VisitNote(VisitNote::new("m1", OTHER_HOME, NOW))).record();
    assert_eq!(check_change(None, &note, &member("m1", &[HOME])), Ok(()));
}

#[test]
fn forged_created_by_is_rejected() {
    let note = Doc::new(Record::VisitNote(VisitNote::new("m2", HOME, NOW))).record();
    assert_code(
        check_change(None, &note, &member("m1", &[HOME])),
        "forged_author",
    );
}

#[test]
fn new_record_must_start_as_a_draft() {
    let mut v = VisitNote::new("m1", HOME, NOW);
    v.state = S::Closed;
    let note = Doc::new(Record::VisitNote(v)).record();
    assert_code(
        check_change(None, &note, &member("m1", &[HOME])),
        "invalid_transition",
    );
}

#[test]
fn only_members_create_visit_notes() {
    for actor in [officer(), manager("m1", &[HOME]), worker("m1"), admin()] {
        let note = Doc::new(Record::VisitNote(VisitNote::new(&actor.user_id, HOME, NOW))).record();
        assert_code(check_change(None, &note, &actor), "forbidden");
    }
}

#[test]
fn member_creates_inspection_only_for_assigned_home() {
    let mine = Doc::new(draft_inspection("m1")).record();
    assert_eq!(check_change(None, &mine, &member("m1", &[HOME])), Ok(()));
    assert_code(
        check_change(None, &mine, &member("m1", &[OTHER_HOME])),
        "forbidden",
    );
}

#[test]
fn invalid_record_is_rejected_before_any_permission_question() {
    let mut i = Inspection::new("m1", HOME, NOW);
    i.visit_date = "2026-13-01".into();
    let mut doc = automerge::AutoCommit::new();
    Record::Inspection(i.clone()).write_to(&mut doc).unwrap();
    let read = Record::from_doc(doc.document()).unwrap();
    assert_code(
        check_change(None, &read, &member("m1", &[HOME])),
        "invalid_record",
    );
}

// ---------------------------------------------------------------------------------------------
// Fields that never change

#[test]
fn created_by_cannot_be_rewritten() {
    let mut doc = Doc::new(Record::VisitNote(VisitNote::new("m1", HOME, NOW)));
    let result = doc.change(&member("m1", &[HOME]), |r| note(r).created_by = "m2".into());
    assert_code(result, "forged_author");
}

#[test]
fn created_at_and_home_cannot_change() {
    let m1 = member("m1", &[HOME, OTHER_HOME]);
    let mut doc = Doc::new(Record::VisitNote(VisitNote::new("m1", HOME, NOW)));
    assert_code(
        doc.change(&m1, |r| note(r).created_at = NOW - 1),
        "invalid_record",
    );
    let mut doc = Doc::new(draft_inspection("m1"));
    assert_code(
        doc.change(&m1, |r| insp(r).home_id = OTHER_HOME.into()),
        "invalid_record",
    );
}

#[test]
fn response_cannot_move_to_another_consultation() {
    let mut doc = response_in(S::Draft);
    let result = doc.change(&young_person("yp1"), |r| {
        resp(r).consultation_id = "consultation-doc-2".into()
    });
    assert_code(result, "invalid_record");
}

// ---------------------------------------------------------------------------------------------
// Visit notes

#[test]
fn member_edits_own_visit_note() {
    let mut doc = Doc::new(Record::VisitNote(VisitNote::new("m1", HOME, NOW)));
    let result = doc.change(&member("m1", &[]), |r| {
        note(r).body = Text::with_value("Met AB in the garden.");
        note(r).attendees.push("Cllr Test Member".into());
    });
    assert_eq!(result, Ok(()));
}

#[test]
fn member_cannot_edit_another_members_visit_note() {
    let mut doc = Doc::new(Record::VisitNote(VisitNote::new("m1", HOME, NOW)));
    let result = doc.change(&member("m2", &[HOME]), |r| {
        note(r).body = Text::with_value("x")
    });
    assert_code(result, "forbidden");
}

#[test]
fn officer_cannot_write_a_visit_note() {
    let mut doc = Doc::new(Record::VisitNote(VisitNote::new("m1", HOME, NOW)));
    assert_code(
        doc.change(&officer(), |r| note(r).visit_date = "2026-11-04".into()),
        "forbidden",
    );
}

#[test]
fn closed_visit_note_is_immutable() {
    let m1 = member("m1", &[HOME]);
    let mut doc = Doc::new(Record::VisitNote(VisitNote::new("m1", HOME, NOW)));
    doc.advance(&m1, |r| note(r).state = S::Closed);
    assert_code(
        doc.change(&m1, |r| note(r).body = Text::with_value("later")),
        "record_locked",
    );
    let mut doc = Doc::new(Record::VisitNote(VisitNote::new("m1", HOME, NOW)));
    doc.advance(&m1, |r| note(r).state = S::Closed);
    assert_code(
        doc.change(&m1, |r| note(r).state = S::Draft),
        "record_locked",
    );
}

#[test]
fn unchanged_record_from_its_author_is_accepted() {
    let mut doc = Doc::new(Record::VisitNote(VisitNote::new("m1", HOME, NOW)));
    assert_eq!(doc.change(&member("m1", &[]), |_| {}), Ok(()));
}

// ---------------------------------------------------------------------------------------------
// Inspections: draft

#[test]
fn assigned_member_edits_another_members_draft_inspection() {
    let mut doc = inspection_in(S::Draft);
    let result = doc.change(&member("m2", &[HOME]), |r| {
        insp(r).premises = Text::with_value("Clean and homely.")
    });
    assert_eq!(result, Ok(()));
}

#[test]
fn unassigned_member_cannot_edit_draft_inspection() {
    let mut doc = inspection_in(S::Draft);
    let result = doc.change(&member("m2", &[OTHER_HOME]), |r| insp(r).announced = true);
    assert_code(result, "forbidden");
}

#[test]
fn manager_cannot_touch_a_draft_inspection() {
    let mut doc = inspection_in(S::Draft);
    let result = doc.change(&manager("mgr1", &[HOME]), |r| {
        insp(r).recommendations[0].manager_response = Text::with_value("Agreed")
    });
    assert_code(result, "forbidden");
}

#[test]
fn member_submits_draft_inspection() {
    let mut doc = inspection_in(S::Draft);
    assert_eq!(
        doc.change(&member("m2", &[HOME]), |r| insp(r).state = S::Submitted),
        Ok(())
    );
}

#[test]
fn skipping_a_state_is_an_invalid_transition() {
    let mut doc = inspection_in(S::Draft);
    let result = doc.change(&member("m1", &[HOME]), |r| {
        let i = insp(r);
        i.state = S::SignedOff;
        i.sign_off = Some(SignOff {
            by: "m1".into(),
            at: NOW,
        });
    });
    assert_code(result, "invalid_transition");
}

// ---------------------------------------------------------------------------------------------
// Inspections: submitted

#[test]
fn submitted_inspection_content_is_locked() {
    let mut doc = inspection_in(S::Submitted);
    let result = doc.change(&member("m1", &[HOME]), |r| {
        insp(r).premises = Text::with_value("changed")
    });
    assert_code(result, "record_locked");
}

#[test]
fn member_withdraws_submitted_inspection_to_draft() {
    let mut doc = inspection_in(S::Submitted);
    assert_eq!(
        doc.change(&member("m1", &[HOME]), |r| insp(r).state = S::Draft),
        Ok(())
    );
}

#[test]
fn creator_signs_off_own_inspection() {
    let mut doc = inspection_in(S::Submitted);
    let result = doc.change(&member("m1", &[HOME]), |r| {
        let i = insp(r);
        i.state = S::SignedOff;
        i.sign_off = Some(SignOff {
            by: "m1".into(),
            at: NOW + 5,
        });
    });
    assert_eq!(result, Ok(()));
}

#[test]
fn sign_off_in_another_members_name_is_forged() {
    let mut doc = inspection_in(S::Submitted);
    let result = doc.change(&member("m1", &[HOME]), |r| {
        let i = insp(r);
        i.state = S::SignedOff;
        i.sign_off = Some(SignOff {
            by: "m2".into(),
            at: NOW + 5,
        });
    });
    assert_code(result, "forged_author");
}

#[test]
fn only_the_creator_signs_off() {
    let mut doc = inspection_in(S::Submitted);
    let result = doc.change(&member("m2", &[HOME]), |r| {
        let i = insp(r);
        i.state = S::SignedOff;
        i.sign_off = Some(SignOff {
            by: "m2".into(),
            at: NOW + 5,
        });
    });
    assert_code(result, "forbidden");
}

#[test]
fn signing_off_cannot_slip_in_content_changes() {
    let mut doc = inspection_in(S::Submitted);
    let result = doc.change(&member("m1", &[HOME]), |r| {
        let i = insp(r);
        i.state = S::SignedOff;
        i.sign_off = Some(SignOff {
            by: "m1".into(),
            at: NOW + 5,
        });
        i.children_views = Text::with_value("rewritten");
    });
    assert_code(result, "record_locked");
}

#[test]
fn manager_reads_but_cannot_change_a_submitted_inspection() {
    let mut doc = inspection_in(S::Submitted);
    let result = doc.change(&manager("mgr1", &[HOME]), |r| {
        insp(r).recommendations[0].status = RecommendationStatus::Accepted
    });
    assert_code(result, "record_locked");
}

// ---------------------------------------------------------------------------------------------
// Inspections: signed off and after

#[test]
fn member_cannot_edit_signed_off_inspection() {
    let mut doc = inspection_in(S::SignedOff);
    let result = doc.change(&member("m1", &[HOME]), |r| {
        insp(r).premises = Text::with_value("changed")
    });
    assert_code(result, "record_locked");
}

#[test]
fn manager_responds_to_recommendations() {
    let mut doc = inspection_in(S::SignedOff);
    let result = doc.change(&manager("mgr1", &[HOME]), |r| {
        let rec = &mut insp(r).recommendations[0];
        rec.manager_response
            .update("We will review the log weekly.");
        rec.status = RecommendationStatus::InProgress;
    });
    assert_eq!(result, Ok(()));
}

#[test]
fn manager_can_only_change_recommendation_responses() {
    let mgr = manager("mgr1", &[HOME]);
    let edits: [fn(&mut Inspection); 6] = [
        |i| i.recommendations[0].text = Text::with_value("softened"),
        |i| i.recommendations[0].priority = Priority::Low,
        |i| i.recommendations[0].due_by = Some("2027-12-31".into()),
        |i| i.recommendations.clear(),
        |i| {
            i.recommendations
                .push(Recommendation::new("rec-2", "Extra", Priority::Low))
        },
        |i| i.safeguarding_opinion.text = Text::with_value("all fine"),
    ];
    for edit in edits {
        let mut doc = inspection_in(S::SignedOff);
        assert_code(doc.change(&mgr, |r| edit(insp(r))), "record_locked");
    }
}

#[test]
fn members_set_a_recommendations_timescale_while_drafting() {
    let mut doc = Doc::new(draft_inspection("m1"));
    assert_eq!(
        doc.change(&member("m2", &[HOME]), |r| {
            insp(r).recommendations[0].due_by = Some("2026-12-31".into())
        }),
        Ok(())
    );
    assert_code(
        doc.change(&member("m2", &[HOME]), |r| {
            insp(r).recommendations[0].due_by = Some("2026-12-32".into())
        }),
        "invalid_record",
    );
}

#[test]
fn manager_of_another_home_cannot_respond() {
    let mut doc = inspection_in(S::SignedOff);
    let result = doc.change(&manager("mgr2", &[OTHER_HOME]), |r| {
        insp(r).recommendations[0].status = RecommendationStatus::Accepted
    });
    assert_code(result, "forbidden");
}

#[test]
fn manager_marks_inspection_responded() {
    let mut doc = inspection_in(S::SignedOff);
    let result = doc.change(&manager("mgr1", &[HOME]), |r| {
        let i = insp(r);
        i.recommendations[0].status = RecommendationStatus::Accepted;
        i.state = S::Responded;
    });
    assert_eq!(result, Ok(()));
}

#[test]
fn member_cannot_mark_inspection_responded() {
    let mut doc = inspection_in(S::SignedOff);
    let result = doc.change(&member("m1", &[HOME]), |r| insp(r).state = S::Responded);
    assert_code(result, "forbidden");
}

#[test]
fn manager_keeps_updating_status_after_responding() {
    let mut doc = inspection_in(S::Responded);
    let result = doc.change(&manager("mgr1", &[HOME]), |r| {
        insp(r).recommendations[0].status = RecommendationStatus::Done
    });
    assert_eq!(result, Ok(()));
}

#[test]
fn creator_closes_responded_inspection() {
    let mut doc = inspection_in(S::Responded);
    assert_eq!(
        doc.change(&member("m1", &[HOME]), |r| insp(r).state = S::Closed),
        Ok(())
    );
}

#[test]
fn only_the_creator_closes_an_inspection() {
    let mut doc = inspection_in(S::Responded);
    assert_code(
        doc.change(&member("m2", &[HOME]), |r| insp(r).state = S::Closed),
        "forbidden",
    );
    let mut doc = inspection_in(S::Responded);
    assert_code(
        doc.change(&manager("mgr1", &[HOME]), |r| insp(r).state = S::Closed),
        "forbidden",
    );
}

#[test]
fn signed_off_inspection_cannot_close_before_the_manager_responds() {
    let mut doc = inspection_in(S::SignedOff);
    assert_code(
        doc.change(&member("m1", &[HOME]), |r| insp(r).state = S::Closed),
        "invalid_transition",
    );
}

#[test]
fn signed_off_inspection_cannot_return_to_draft() {
    let mut doc = inspection_in(S::SignedOff);
    assert_code(
        doc.change(&member("m1", &[HOME]), |r| {
            let i = insp(r);
            i.state = S::Draft;
            i.sign_off = None;
        }),
        "invalid_transition",
    );
}

#[test]
fn closed_inspection_is_immutable_even_for_the_manager() {
    let mut doc = inspection_in(S::Closed);
    assert_code(
        doc.change(&manager("mgr1", &[HOME]), |r| {
            insp(r).recommendations[0].status = RecommendationStatus::Done
        }),
        "record_locked",
    );
}

#[test]
fn officer_cannot_change_an_inspection() {
    let mut doc = inspection_in(S::SignedOff);
    assert_code(
        doc.change(&officer(), |r| {
            insp(r).recommendations[0].status = RecommendationStatus::Done
        }),
        "forbidden",
    );
}

// ---------------------------------------------------------------------------------------------
// Consultations

#[test]
fn participation_worker_creates_and_opens_a_consultation() {
    let pw = worker("pw1");
    let mut doc = consultation_in(S::Draft);
    let record = doc.record();
    assert_eq!(check_change(None, &record, &pw), Ok(()));
    assert_eq!(doc.change(&pw, |r| cons(r).state = S::Open), Ok(()));
}

#[test]
fn young_person_cannot_create_a_consultation() {
    let record = Doc::new(Record::Consultation(Consultation::new("yp1", "Mine", NOW))).record();
    assert_code(
        check_change(None, &record, &young_person("yp1")),
        "forbidden",
    );
}

#[test]
fn open_consultation_questions_are_locked() {
    let mut doc = consultation_in(S::Open);
    assert_code(
        doc.change(&worker("pw1"), |r| {
            cons(r).questions.pop();
        }),
        "record_locked",
    );
}

#[test]
fn open_consultation_can_go_back_to_draft_or_close() {
    let mut doc = consultation_in(S::Open);
    assert_eq!(
        doc.change(&worker("pw2"), |r| cons(r).state = S::Draft),
        Ok(())
    );
    let mut doc = consultation_in(S::Open);
    assert_eq!(
        doc.change(&worker("pw2"), |r| cons(r).state = S::Closed),
        Ok(())
    );
}

#[test]
fn closed_consultation_is_immutable() {
    let mut doc = consultation_in(S::Closed);
    assert_code(
        doc.change(&worker("pw1"), |r| cons(r).state = S::Open),
        "record_locked",
    );
    assert_code(
        doc.change(&worker("pw1"), |r| cons(r).title = "Changed".into()),
        "record_locked",
    );
}

/// One edit to a consultation, for tables of edits.
type ConsultationEdit = fn(&mut Consultation);

/// The edits a participation worker makes to report on a consultation.
fn report_on(c: &mut Consultation) {
    c.round_label = Some("Spring 2026".into());
    c.you_said_we_did = vec![YouSaidWeDid::new(
        "y1",
        "More say in the menu",
        "Monthly menu meetings",
    )];
    c.questions[1].pledge = Some("We will listen to you".into());
    c.questions[1].comparison = Some(Comparison {
        source: "National survey 2025".into(),
        option: "yes".into(),
        percent: 70,
    });
}

#[test]
fn participation_worker_reports_on_an_open_or_closed_consultation() {
    for state in [S::Open, S::Closed] {
        let mut doc = consultation_in(state);
        assert_eq!(
            doc.change(&worker("pw2"), |r| report_on(cons(r))),
            Ok(()),
            "{state:?}"
        );
        assert_eq!(
            doc.change(&worker("pw1"), |r| {
                let c = cons(r);
                c.you_said_we_did[0].we_did = Text::with_value("Weekly menu meetings");
                c.questions[1].comparison = None;
                c.round_label = None;
            }),
            Ok(()),
            "{state:?}"
        );
    }
}

#[test]
fn reporting_on_a_consultation_cannot_slip_in_other_changes() {
    let edits: [(&str, ConsultationEdit); 5] = [
        ("title", |c| c.title = "Changed".into()),
        ("prompt", |c| c.questions[0].prompt = "Changed?".into()),
        ("options", |c| c.questions[2].options.push("Soup".into())),
        ("question order", |c| c.questions.swap(0, 1)),
        ("series", |c| c.series_id = Some("another-series".into())),
    ];
    for state in [S::Open, S::Closed] {
        for (what, edit) in edits {
            let mut doc = consultation_in(state);
            let result = doc.change(&worker("pw1"), |r| {
                report_on(cons(r));
                edit(cons(r));
            });
            assert_eq!(
                result.map_err(|e| e.code()),
                Err("record_locked"),
                "{what} in {state:?}"
            );
        }
    }
}

#[test]
fn closing_may_carry_the_reporting_fields_but_nothing_else() {
    let mut doc = consultation_in(S::Open);
    assert_eq!(
        doc.change(&worker("pw1"), |r| {
            report_on(cons(r));
            cons(r).state = S::Closed;
        }),
        Ok(())
    );
    let mut doc = consultation_in(S::Open);
    assert_code(
        doc.change(&worker("pw1"), |r| {
            cons(r).state = S::Closed;
            cons(r).purpose = Text::with_value("Changed");
        }),
        "record_locked",
    );
}

#[test]
fn only_participation_workers_report_on_a_consultation() {
    let mut doc = consultation_in(S::Closed);
    for actor in [
        officer(),
        member("m1", &[HOME]),
        young_person("yp1"),
        admin(),
    ] {
        assert_code(doc.change(&actor, |r| report_on(cons(r))), "forbidden");
    }
}

#[test]
fn member_cannot_edit_a_consultation() {
    let mut doc = consultation_in(S::Open);
    assert_code(
        doc.change(&member("m1", &[HOME]), |r| cons(r).title = "Changed".into()),
        "forbidden",
    );
}

// ---------------------------------------------------------------------------------------------
// Responses

#[test]
fn young_person_creates_and_submits_own_response() {
    let yp = young_person("yp1");
    let mut doc = response_in(S::Draft);
    let record = doc.record();
    assert_eq!(check_change(None, &record, &yp), Ok(()));
    let result = doc.change(&yp, |r| {
        let r = resp(r);
        r.talk_to_someone = true;
        r.consent_given = true;
        r.submitted_at = Some(NOW + 1);
        r.state = S::Submitted;
    });
    assert_eq!(result, Ok(()));
}

#[test]
fn young_person_may_create_a_response_already_submitted() {
    let mut r = ConsultationResponse::new("yp1", "consultation-doc-1", NOW);
    r.consent_given = true;
    r.submitted_at = Some(NOW);
    r.state = S::Submitted;
    let record = Doc::new(Record::ConsultationResponse(r)).record();
    assert_eq!(check_change(None, &record, &young_person("yp1")), Ok(()));
}

#[test]
fn young_person_cannot_change_a_submitted_response() {
    let mut doc = response_in(S::Submitted);
    assert_code(
        doc.change(&young_person("yp1"), |r| resp(r).answers.clear()),
        "forbidden",
    );
}

#[test]
fn young_person_cannot_edit_another_accounts_response() {
    let mut doc = response_in(S::Draft);
    assert_code(
        doc.change(&young_person("yp2"), |r| resp(r).answers.clear()),
        "forbidden",
    );
}

#[test]
fn young_person_cannot_record_a_follow_up() {
    let mut doc = response_in(S::Draft);
    let result = doc.change(&young_person("yp1"), |r| {
        resp(r).follow_up = Some(FollowUp {
            done: true,
            by: "yp1".into(),
            at: NOW,
            note: Text::with_value(""),
        })
    });
    // Refused by validation already: a draft has no follow-up.
    assert!(result.is_err());
}

#[test]
fn participation_worker_records_follow_up() {
    let mut doc = response_in(S::Submitted);
    let result = doc.change(&worker("pw1"), |r| {
        resp(r).follow_up = Some(FollowUp {
            done: true,
            by: "pw1".into(),
            at: NOW + 10,
            note: Text::with_value("Spoke with the young person's key worker."),
        })
    });
    assert_eq!(result, Ok(()));
}

#[test]
fn participation_worker_can_only_set_follow_up() {
    let mut doc = response_in(S::Submitted);
    assert_code(
        doc.change(&worker("pw1"), |r| {
            resp(r).answers[0] = Answer::scale("q1", 1)
        }),
        "record_locked",
    );
}

#[test]
fn follow_up_in_another_workers_name_is_forged() {
    let mut doc = response_in(S::Submitted);
    let result = doc.change(&worker("pw1"), |r| {
        resp(r).follow_up = Some(FollowUp {
            done: false,
            by: "pw2".into(),
            at: NOW + 10,
            note: Text::with_value(""),
        })
    });
    assert_code(result, "forged_author");
}

#[test]
fn participation_worker_cannot_edit_a_draft_response() {
    let mut doc = response_in(S::Draft);
    assert_code(
        doc.change(&worker("pw1"), |r| resp(r).answers.clear()),
        "forbidden",
    );
}

#[test]
fn closed_response_is_immutable() {
    let mut doc = response_in(S::Closed);
    let result = doc.change(&worker("pw1"), |r| {
        resp(r).follow_up = Some(FollowUp {
            done: true,
            by: "pw1".into(),
            at: NOW + 10,
            note: Text::with_value(""),
        })
    });
    assert_code(result, "record_locked");
}

#[test]
fn response_to_a_closed_consultation_is_refused() {
    let consultation = consultation_of(&mut consultation_in(S::Closed));
    let response = response_of(&mut response_in(S::Draft));
    assert_code(
        check_response_fits(None, &response, &consultation),
        "consultation_closed",
    );
    let draft = consultation_of(&mut consultation_in(S::Draft));
    assert_code(
        check_response_fits(None, &response, &draft),
        "consultation_closed",
    );
}

#[test]
fn follow_up_still_works_after_the_consultation_closes() {
    let consultation = consultation_of(&mut consultation_in(S::Closed));
    let before = response_of(&mut response_in(S::Submitted));
    assert_eq!(
        check_response_fits(Some(&before), &before, &consultation),
        Ok(())
    );
}

#[test]
fn answers_must_fit_their_questions() {
    let consultation = consultation_of(&mut consultation_in(S::Open));
    let mut response = response_of(&mut response_in(S::Draft));
    response.answers = vec![
        Answer::scale("q1", 5),
        Answer::choice("q2", "yes"),
        Answer::choice("q3", "Curry"),
        Answer::choices("q4", &["Breakfast", "Tea"]),
        Answer::text("q5", "More fruit please"),
    ];
    assert_eq!(check_response_fits(None, &response, &consultation), Ok(()));

    let misfits = [
        Answer::choice("q1", "yes"),
        Answer::choice("q2", "maybe"),
        Answer::choice("q3", "Sushi"),
        Answer::choices("q4", &["Tea", "Tea"]),
        Answer::scale("q5", 3),
        Answer::scale("q9", 3),
    ];
    for misfit in misfits {
        response.answers = vec![misfit];
        let result = check_response_fits(None, &response, &consultation);
        assert_code(result, "invalid_record");
    }
}

// ---------------------------------------------------------------------------------------------
// Admin and messages

#[test]
fn admin_changes_nothing() {
    let mut doc = inspection_in(S::Draft);
    assert_code(
        doc.change(&admin(), |r| insp(r).announced = true),
        "forbidden",
    );
    let mut doc = consultation_in(S::Draft);
    assert_code(
        doc.change(&admin(), |r| cons(r).title = "x".into()),
        "forbidden",
    );
}

#[test]
fn rejection_codes_are_stable() {
    let all = [
        (Rejection::InvalidRecord(String::new()), "invalid_record"),
        (Rejection::Forbidden(String::new()), "forbidden"),
        (Rejection::RecordLocked(String::new()), "record_locked"),
        (
            Rejection::InvalidTransition(String::new()),
            "invalid_transition",
        ),
        (Rejection::ForgedAuthor(String::new()), "forged_author"),
        (
            Rejection::ConsultationClosed(String::new()),
            "consultation_closed",
        ),
    ];
    for (rejection, code) in all {
        assert_eq!(rejection.code(), code);
    }
}

#[test]
fn archived_home_refuses_new_records_only() {
    let refused = crate::rules::check_home_takes_records(true, true).unwrap_err();
    assert_eq!(refused.code(), "home_archived");
    assert!(crate::rules::check_home_takes_records(false, true).is_ok());
    assert!(crate::rules::check_home_takes_records(true, false).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Texts the server may commit from their ops alone (typing)

/// Sets a top-level text field of `record` by its document name (test helper).
fn set_text(record: &mut Record, field: &str, value: &str) {
    let text = Text::with_value(value);
    match (record, field) {
        (Record::VisitNote(n), "body") => n.body = text,
        (Record::Inspection(i), "premises") => i.premises = text,
        (Record::Inspection(i), "childrenViews") => i.children_views = text,
        (_, other) => panic!("no text field {other} here"),
    }
}

#[test]
fn freely_edited_texts_take_any_content_and_never_change_what_the_store_keeps() {
    use super::schema::MAX_TEXT_CHARS;
    use super::workflow::freely_edited_texts;
    use crate::reporting::facts_of;
    let actors = [
        member("m1", &[HOME]),
        member("m2", &[HOME]),
        member("m3", &[OTHER_HOME]),
        manager("mgr1", &[HOME]),
        officer(),
        worker("pw1"),
        young_person("yp1"),
        admin(),
    ];
    let mut records: Vec<Record> = [
        S::Draft,
        S::Submitted,
        S::SignedOff,
        S::Responded,
        S::Closed,
    ]
    .into_iter()
    .map(|s| inspection_in(s).record())
    .collect();
    records.push(Doc::new(Record::VisitNote(VisitNote::new("m1", HOME, NOW))).record());
    let mut closed_note = Doc::new(Record::VisitNote(VisitNote::new("m1", HOME, NOW)));
    closed_note.advance(&member("m1", &[HOME]), |r| note(r).state = S::Closed);
    records.push(closed_note.record());
    records.push(consultation_in(S::Draft).record());
    records.push(response_in(S::Draft).record());

    let contents = [
        String::new(),
        "Kitchen clean; 🏠 garden tidy.\n".to_string(),
        "é".repeat(MAX_TEXT_CHARS),
    ];
    let mut granted = Vec::new();
    for before in &records {
        for actor in &actors {
            for field in freely_edited_texts(before, actor) {
                granted.push((before.kind(), before.state(), actor.user_id.clone(), *field));
                for content in &contents {
                    let mut after = before.clone();
                    set_text(&mut after, field, content);
                    assert_eq!(check_change(Some(before), &after, actor), Ok(()));
                    assert_eq!(after.meta(), before.meta());
                    assert_eq!(facts_of(&after), facts_of(before));
                }
            }
        }
    }
    use crate::model::RecordKind as K;
    let inspection = |who: &str, field| (K::Inspection, S::Draft, who.to_string(), field);
    assert_eq!(
        granted,
        vec![
            inspection("m1", "premises"),
            inspection("m1", "childrenViews"),
            inspection("m2", "premises"),
            inspection("m2", "childrenViews"),
            (K::VisitNote, S::Draft, "m1".to_string(), "body"),
        ],
        "drafts only, and only for the people who may edit them"
    );
}
