//! Semantic validation: what a well-typed record must also satisfy (versions, formats, sizes).
//!
//! Shape (fields present, right types, known enum values) is checked when the record is read
//! ([`crate::model::Record::from_doc`]); this module checks the values. Messages name the field
//! and the rule, never the value, because they are logged and sent back over the wire.

use std::collections::HashSet;

use super::Rejection;
use crate::dates::{is_date, is_time};
use crate::model::{
    CheckArea, Consultation, ConsultationResponse, Inspection, QuestionType, Record,
    SCHEMA_VERSION, VisitNote, WorkflowState,
};

/// Most items any list in a record may hold.
pub const MAX_LIST_LEN: usize = 500;
/// Longest short string (ids, dates, titles, prompts, options), in characters.
pub const MAX_SHORT_CHARS: usize = 500;
/// Longest collaborative Text paragraph, in characters.
pub const MAX_TEXT_CHARS: usize = 100_000;
/// Most "You said, we did" entries a consultation may hold: the Panel summary is one page.
pub const MAX_YOU_SAID_WE_DID: usize = 50;
/// Longest "You said, we did" paragraph, in characters.
pub const MAX_PARAGRAPH_CHARS: usize = 2_000;
/// Most children a single visit can plausibly record having spoken with.
pub const MAX_CHILDREN_COUNT: u64 = 1_000;

/// The states each kind may be in.
pub fn allowed_states(record: &Record) -> &'static [WorkflowState] {
    use WorkflowState::*;
    match record {
        Record::VisitNote(_) => &[Draft, Closed],
        Record::Inspection(_) => &[Draft, Submitted, SignedOff, Responded, Closed],
        Record::Consultation(_) => &[Draft, Open, Closed],
        Record::ConsultationResponse(_) => &[Draft, Submitted, Closed],
    }
}

/// Checks everything about `record` that does not depend on who is changing it or from what.
pub fn validate_record(record: &Record) -> Result<(), Rejection> {
    if record.schema_version() != SCHEMA_VERSION {
        return Err(invalid("schemaVersion: not a supported version"));
    }
    if !allowed_states(record).contains(&record.state()) {
        return Err(invalid("state: not a state this kind of record can be in"));
    }
    id("createdBy", record.created_by())?;
    if record.created_at() <= 0 {
        return Err(invalid(
            "createdAt: must be a positive unix-milliseconds time",
        ));
    }
    match record {
        Record::VisitNote(r) => visit_note(r),
        Record::Inspection(r) => inspection(r),
        Record::Consultation(r) => consultation(r),
        Record::ConsultationResponse(r) => response(r),
    }
}

fn visit_note(r: &VisitNote) -> Result<(), Rejection> {
    id("homeId", &r.home_id)?;
    date("visitDate", &r.visit_date)?;
    short_list("attendees", &r.attendees)?;
    text("body", r.body.as_str())?;
    len("actions", r.actions.len())?;
    for a in &r.actions {
        short("actions[].text", &a.text)?;
        short("actions[].owner", &a.owner)?;
        if !a.due_date.is_empty() {
            date("actions[].dueDate", &a.due_date)?;
        }
    }
    Ok(())
}

fn inspection(r: &Inspection) -> Result<(), Rejection> {
    id("homeId", &r.home_id)?;
    date("visitDate", &r.visit_date)?;
    for (name, value) in [("timeIn", &r.time_in), ("timeOut", &r.time_out)] {
        if value.is_empty() {
            if r.state != WorkflowState::Draft {
                return Err(invalid(&format!("{name}: required once submitted")));
            }
        } else if !is_time(value) {
            return Err(invalid(&format!("{name}: must be HH:MM")));
        }
    }
    len("visitingMembers", r.visiting_members.len())?;
    for m in &r.visiting_members {
        id("visitingMembers[]", m)?;
    }

    let children = &r.spoke_with.children;
    len("spokeWith.children.entries", children.entries.len())?;
    if children.count > MAX_CHILDREN_COUNT {
        return Err(invalid("spokeWith.children.count: too large"));
    }
    if (children.entries.len() as u64) > children.count {
        return Err(invalid(
            "spokeWith.children.count: smaller than the number of entries",
        ));
    }
    for c in &children.entries {
        if !is_initials(&c.initials) {
            return Err(invalid(
                "spokeWith.children.entries[].initials: must be 1-3 capital letters",
            ));
        }
    }
    short_list("spokeWith.staff", &r.spoke_with.staff)?;
    short_list(
        "spokeWith.parentsRelatives",
        &r.spoke_with.parents_relatives,
    )?;

    if r.records_checked.len() > CheckArea::ALL.len() {
        return Err(invalid("recordsChecked: too many entries"));
    }
    let mut areas = HashSet::new();
    for c in &r.records_checked {
        if !areas.insert(c.area) {
            return Err(invalid("recordsChecked[].area: each area at most once"));
        }
        text("recordsChecked[].comment", c.comment.as_str())?;
    }
    text("premises", r.premises.as_str())?;
    text("childrenViews", r.children_views.as_str())?;
    text(
        "safeguardingOpinion.text",
        r.safeguarding_opinion.text.as_str(),
    )?;
    text("wellbeingOpinion.text", r.wellbeing_opinion.text.as_str())?;

    len("recommendations", r.recommendations.len())?;
    let mut ids = HashSet::new();
    for rec in &r.recommendations {
        id("recommendations[].id", &rec.id)?;
        if !ids.insert(rec.id.as_str()) {
            return Err(invalid("recommendations[].id: must be unique"));
        }
        text("recommendations[].text", rec.text.as_str())?;
        text(
            "recommendations[].managerResponse",
            rec.manager_response.as_str(),
        )?;
        if let Some(due_by) = &rec.due_by {
            date("recommendations[].dueBy", due_by)?;
        }
    }
    len("previousRecommendations", r.previous_recommendations.len())?;
    for p in &r.previous_recommendations {
        text("previousRecommendations[].text", p.text.as_str())?;
        text("previousRecommendations[].progress", p.progress.as_str())?;
    }

    let signed = matches!(
        r.state,
        WorkflowState::SignedOff | WorkflowState::Responded | WorkflowState::Closed
    );
    match (&r.sign_off, signed) {
        (Some(s), true) => {
            id("signOff.by", &s.by)?;
            if s.at <= 0 {
                return Err(invalid(
                    "signOff.at: must be a positive unix-milliseconds time",
                ));
            }
        }
        (None, false) => {}
        (None, true) => return Err(invalid("signOff: required once signed off")),
        (Some(_), false) => return Err(invalid("signOff: only once signed off")),
    }
    Ok(())
}

fn consultation(r: &Consultation) -> Result<(), Rejection> {
    short("title", &r.title)?;
    text("purpose", r.purpose.as_str())?;
    len("questions", r.questions.len())?;
    if let Some(series) = &r.series_id {
        id("seriesId", series)?;
    }
    if let Some(label) = &r.round_label {
        short("roundLabel", label)?;
    }
    if r.you_said_we_did.len() > MAX_YOU_SAID_WE_DID {
        return Err(invalid(&format!(
            "youSaidWeDid: more than {MAX_YOU_SAID_WE_DID} entries"
        )));
    }
    let mut entries = HashSet::new();
    for e in &r.you_said_we_did {
        id("youSaidWeDid[].id", &e.id)?;
        if !entries.insert(e.id.as_str()) {
            return Err(invalid("youSaidWeDid[].id: must be unique"));
        }
        paragraph("youSaidWeDid[].youSaid", e.you_said.as_str())?;
        paragraph("youSaidWeDid[].weDid", e.we_did.as_str())?;
    }
    let live = r.state != WorkflowState::Draft;
    if live && r.title.trim().is_empty() {
        return Err(invalid("title: required once open"));
    }
    if live && r.questions.is_empty() {
        return Err(invalid("questions: at least one once open"));
    }
    let mut ids = HashSet::new();
    for q in &r.questions {
        id("questions[].id", &q.id)?;
        if !ids.insert(q.id.as_str()) {
            return Err(invalid("questions[].id: must be unique"));
        }
        short("questions[].prompt", &q.prompt)?;
        short_list("questions[].options", &q.options)?;
        if let Some(pledge) = &q.pledge {
            short("questions[].pledge", pledge)?;
        }
        if let Some(c) = &q.comparison {
            id("questions[].comparison.source", &c.source)?;
            id("questions[].comparison.option", &c.option)?;
            if c.percent > 100 {
                return Err(invalid("questions[].comparison.percent: must be 0 to 100"));
            }
        }
        if live {
            if q.prompt.trim().is_empty() {
                return Err(invalid("questions[].prompt: required once open"));
            }
            let choice = matches!(
                q.question_type,
                QuestionType::SingleChoice | QuestionType::MultipleChoice
            );
            if choice && q.options.len() < 2 {
                return Err(invalid(
                    "questions[].options: a choice question needs at least two",
                ));
            }
            let distinct: HashSet<&str> = q.options.iter().map(String::as_str).collect();
            if distinct.len() != q.options.len() || q.options.iter().any(|o| o.is_empty()) {
                return Err(invalid(
                    "questions[].options: must be distinct and non-empty",
                ));
            }
        }
    }
    Ok(())
}

fn response(r: &ConsultationResponse) -> Result<(), Rejection> {
    id("consultationId", &r.consultation_id)?;
    if let Some(home) = &r.home_id {
        id("homeId", home)?;
    }
    len("answers", r.answers.len())?;
    let mut ids = HashSet::new();
    for a in &r.answers {
        id("answers[].questionId", &a.question_id)?;
        if !ids.insert(a.question_id.as_str()) {
            return Err(invalid("answers[].questionId: one answer per question"));
        }
        if a.values_set() > 1 {
            return Err(invalid(
                "answers[]: at most one of scale, choice, choices, text",
            ));
        }
        if let Some(scale) = a.scale
            && !(1..=5).contains(&scale)
        {
            return Err(invalid("answers[].scale: must be 1 to 5"));
        }
        if let Some(choice) = &a.choice {
            short("answers[].choice", choice)?;
        }
        if let Some(choices) = &a.choices {
            short_list("answers[].choices", choices)?;
        }
        if let Some(t) = &a.text {
            text("answers[].text", t.as_str())?;
        }
    }
    let submitted = r.state != WorkflowState::Draft;
    match (r.submitted_at, submitted) {
        (Some(at), true) if at <= 0 => {
            return Err(invalid(
                "submittedAt: must be a positive unix-milliseconds time",
            ));
        }
        (None, true) => return Err(invalid("submittedAt: required once submitted")),
        (Some(_), false) => return Err(invalid("submittedAt: only once submitted")),
        _ => {}
    }
    if submitted && !r.consent_given {
        // No consent, no submission: answers we may not use should not reach the council.
        return Err(invalid("consentGiven: required to submit"));
    }
    if let Some(f) = &r.follow_up {
        if !submitted {
            return Err(invalid("followUp: only once submitted"));
        }
        id("followUp.by", &f.by)?;
        text("followUp.note", f.note.as_str())?;
    }
    Ok(())
}

fn invalid(message: &str) -> Rejection {
    Rejection::InvalidRecord(message.to_string())
}

/// A required identifier: non-empty, short.
fn id(field: &str, value: &str) -> Result<(), Rejection> {
    if value.trim().is_empty() {
        return Err(invalid(&format!("{field}: required")));
    }
    short(field, value)
}

fn short(field: &str, value: &str) -> Result<(), Rejection> {
    if value.chars().count() > MAX_SHORT_CHARS {
        return Err(invalid(&format!(
            "{field}: longer than {MAX_SHORT_CHARS} characters"
        )));
    }
    Ok(())
}

fn short_list(field: &str, values: &[String]) -> Result<(), Rejection> {
    len(field, values.len())?;
    values.iter().try_for_each(|v| short(field, v))
}

fn text(field: &str, value: &str) -> Result<(), Rejection> {
    // Byte length bounds the char count from above: skip counting for the common short case.
    if value.len() > MAX_TEXT_CHARS && value.chars().count() > MAX_TEXT_CHARS {
        return Err(invalid(&format!(
            "{field}: longer than {MAX_TEXT_CHARS} characters"
        )));
    }
    Ok(())
}

/// A short paragraph for a one-page summary (at most [`MAX_PARAGRAPH_CHARS`]).
fn paragraph(field: &str, value: &str) -> Result<(), Rejection> {
    if value.len() > MAX_PARAGRAPH_CHARS && value.chars().count() > MAX_PARAGRAPH_CHARS {
        return Err(invalid(&format!(
            "{field}: longer than {MAX_PARAGRAPH_CHARS} characters"
        )));
    }
    Ok(())
}

fn len(field: &str, n: usize) -> Result<(), Rejection> {
    if n > MAX_LIST_LEN {
        return Err(invalid(&format!("{field}: more than {MAX_LIST_LEN} items")));
    }
    Ok(())
}

fn date(field: &str, value: &str) -> Result<(), Rejection> {
    if !is_date(value) {
        return Err(invalid(&format!("{field}: must be a real date YYYY-MM-DD")));
    }
    Ok(())
}

/// Whether `s` is 1–3 capital letters A–Z: initials, never a name.
pub fn is_initials(s: &str) -> bool {
    (1..=3).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use autosurgeon::Text;

    use super::*;
    use crate::model::{
        Answer, ChildSpokenWith, Comparison, FollowUp, Priority, Question, Recommendation, SignOff,
        YouSaidWeDid,
    };
    use crate::rules::test_support::*;

    #[track_caller]
    fn rejected(record: Record, field: &str) {
        match validate_record(&record) {
            Err(Rejection::InvalidRecord(m)) => assert!(m.contains(field), "{m}"),
            other => panic!("expected invalid_record on {field}, got {other:?}"),
        }
    }

    fn inspection(edit: impl FnOnce(&mut Inspection)) -> Record {
        let mut r = draft_inspection("m1");
        edit(insp(&mut r));
        r
    }

    #[test]
    fn unknown_schema_version_is_rejected() {
        rejected(inspection(|i| i.schema_version = 2), "schemaVersion");
    }

    #[test]
    fn state_must_belong_to_the_kind() {
        let mut note = VisitNote::new("m1", HOME, NOW);
        note.state = WorkflowState::Open;
        rejected(Record::VisitNote(note), "state");
        rejected(inspection(|i| i.state = WorkflowState::Open), "state");
    }

    #[test]
    fn dates_must_be_real_calendar_days() {
        for bad in ["2026-02-30", "03/11/2026", "2026-11-3", "", "2026-13-01"] {
            rejected(inspection(|i| i.visit_date = bad.into()), "visitDate");
        }
    }

    #[test]
    fn times_must_be_24_hour_hh_mm() {
        for bad in ["24:00", "9:30", "09:60", "0930"] {
            rejected(inspection(|i| i.time_in = bad.into()), "timeIn");
        }
    }

    #[test]
    fn submitted_inspection_needs_its_times() {
        rejected(
            inspection(|i| {
                i.state = WorkflowState::Submitted;
                i.time_out = String::new();
            }),
            "timeOut",
        );
        // A draft may leave them empty.
        assert_eq!(
            validate_record(&inspection(|i| i.time_in = String::new())),
            Ok(())
        );
    }

    #[test]
    fn initials_are_one_to_three_capital_letters_never_names() {
        for bad in ["", "Ab", "ABCD", "A1", "Jane", "A B", "É"] {
            let record = inspection(|i| {
                i.spoke_with.children.count = 1;
                i.spoke_with.children.entries = vec![ChildSpokenWith {
                    initials: bad.into(),
                    consent: true,
                }];
            });
            rejected(record, "initials");
        }
        assert!(is_initials("A") && is_initials("ABC"));
    }

    #[test]
    fn children_count_cannot_be_below_the_entries() {
        rejected(
            inspection(|i| {
                i.spoke_with.children.count = 0;
                i.spoke_with.children.entries = vec![ChildSpokenWith {
                    initials: "AB".into(),
                    consent: true,
                }];
            }),
            "count",
        );
    }

    #[test]
    fn recommendation_ids_are_unique() {
        rejected(
            inspection(|i| {
                i.recommendations
                    .push(Recommendation::new("rec-1", "Again", Priority::Low))
            }),
            "recommendations[].id",
        );
    }

    #[test]
    fn each_record_area_is_checked_at_most_once() {
        rejected(
            inspection(|i| {
                let first = i.records_checked[0].clone();
                i.records_checked[1] = first;
            }),
            "recordsChecked",
        );
    }

    #[test]
    fn sign_off_is_present_exactly_when_signed_off() {
        rejected(
            inspection(|i| {
                i.sign_off = Some(SignOff {
                    by: "m1".into(),
                    at: NOW,
                })
            }),
            "signOff",
        );
        rejected(
            inspection(|i| i.state = WorkflowState::SignedOff),
            "signOff",
        );
    }

    #[test]
    fn sizes_are_bounded() {
        rejected(
            inspection(|i| i.visiting_members = vec!["m".into(); MAX_LIST_LEN + 1]),
            "visitingMembers",
        );
        rejected(
            inspection(|i| i.premises = Text::with_value("x".repeat(MAX_TEXT_CHARS + 1))),
            "premises",
        );
        rejected(
            inspection(|i| i.spoke_with.staff = vec!["x".repeat(MAX_SHORT_CHARS + 1)]),
            "spokeWith.staff",
        );
        // Multi-byte characters count as one each.
        assert_eq!(
            validate_record(&inspection(|i| {
                i.premises = Text::with_value("é".repeat(MAX_TEXT_CHARS))
            })),
            Ok(())
        );
    }

    #[test]
    fn an_open_consultation_needs_answerable_questions() {
        let open = |edit: fn(&mut Consultation)| {
            let mut c = Consultation::new("pw1", "Food at home", NOW);
            c.state = WorkflowState::Open;
            c.questions = vec![Question {
                options: vec!["Yes".into(), "No".into()],
                ..Question::new("q1", QuestionType::SingleChoice, "Do you like it?")
            }];
            edit(&mut c);
            Record::Consultation(c)
        };
        assert_eq!(validate_record(&open(|_| {})), Ok(()));
        rejected(open(|c| c.questions.clear()), "questions");
        rejected(open(|c| c.title = " ".into()), "title");
        rejected(
            open(|c| {
                c.questions[0].options.pop();
            }),
            "options",
        );
        rejected(
            open(|c| c.questions.push(c.questions[0].clone())),
            "questions[].id",
        );
    }

    #[test]
    fn an_answer_carries_at_most_one_value() {
        let mut r = ConsultationResponse::new("yp1", "doc-1", NOW);
        r.answers = vec![Answer {
            scale: Some(3),
            ..Answer::choice("q1", "yes")
        }];
        rejected(Record::ConsultationResponse(r.clone()), "answers[]");
        r.answers = vec![Answer::scale("q1", 6)];
        rejected(Record::ConsultationResponse(r.clone()), "scale");
        r.answers = vec![Answer::scale("q1", 1), Answer::scale("q1", 2)];
        rejected(Record::ConsultationResponse(r), "questionId");
    }

    #[test]
    fn a_submitted_response_needs_consent_and_a_time() {
        let mut r = ConsultationResponse::new("yp1", "doc-1", NOW);
        r.state = WorkflowState::Submitted;
        r.consent_given = true;
        rejected(Record::ConsultationResponse(r.clone()), "submittedAt");
        r.submitted_at = Some(NOW);
        r.consent_given = false;
        rejected(Record::ConsultationResponse(r.clone()), "consentGiven");
        r.consent_given = true;
        assert_eq!(validate_record(&Record::ConsultationResponse(r)), Ok(()));
    }

    #[test]
    fn a_draft_response_has_no_follow_up() {
        let mut r = ConsultationResponse::new("yp1", "doc-1", NOW);
        r.follow_up = Some(FollowUp {
            done: false,
            by: "pw1".into(),
            at: NOW,
            note: Text::with_value(""),
        });
        rejected(Record::ConsultationResponse(r), "followUp");
    }

    #[test]
    fn a_recommendations_timescale_is_a_real_date_or_absent() {
        let with_due = |due: Option<&str>| {
            inspection(|i| i.recommendations[0].due_by = due.map(str::to_string))
        };
        assert_eq!(validate_record(&with_due(None)), Ok(()));
        assert_eq!(validate_record(&with_due(Some("2028-02-29"))), Ok(()));
        for bad in ["", "2026-02-29", "31/12/2026", "soon"] {
            rejected(with_due(Some(bad)), "recommendations[].dueBy");
        }
    }

    fn consultation_with(edit: impl FnOnce(&mut Consultation)) -> Record {
        let mut c = Consultation::new("pw1", "Food at home", NOW);
        c.questions = vec![Question::new("q1", QuestionType::YesNoNotSure, "Any say?")];
        edit(&mut c);
        Record::Consultation(c)
    }

    fn comparison(source: &str, option: &str, percent: u32) -> Option<Comparison> {
        Some(Comparison {
            source: source.into(),
            option: option.into(),
            percent,
        })
    }

    #[test]
    fn a_comparison_names_its_source_and_option_and_is_a_percentage() {
        for percent in [0, 55, 100] {
            let ok = consultation_with(|c| {
                c.questions[0].comparison = comparison("National survey", "yes", percent)
            });
            assert_eq!(validate_record(&ok), Ok(()));
        }
        rejected(
            consultation_with(|c| c.questions[0].comparison = comparison("Survey", "yes", 101)),
            "comparison.percent",
        );
        rejected(
            consultation_with(|c| c.questions[0].comparison = comparison(" ", "yes", 50)),
            "comparison.source",
        );
        rejected(
            consultation_with(|c| c.questions[0].comparison = comparison("Survey", "", 50)),
            "comparison.option",
        );
        rejected(
            consultation_with(|c| {
                c.questions[0].comparison =
                    comparison("Survey", &"x".repeat(MAX_SHORT_CHARS + 1), 5)
            }),
            "comparison.option",
        );
    }

    #[test]
    fn pledges_round_labels_and_series_are_short_strings() {
        let ok = consultation_with(|c| {
            c.questions[0].pledge = Some("We will listen to you".into());
            c.round_label = Some("Spring 2026".into());
            c.series_id = Some("first-round".into());
        });
        assert_eq!(validate_record(&ok), Ok(()));
        let long = "x".repeat(MAX_SHORT_CHARS + 1);
        rejected(
            consultation_with(|c| c.questions[0].pledge = Some(long.clone())),
            "questions[].pledge",
        );
        rejected(
            consultation_with(|c| c.round_label = Some(long.clone())),
            "roundLabel",
        );
        rejected(
            consultation_with(|c| c.series_id = Some(" ".into())),
            "seriesId",
        );
    }

    #[test]
    fn you_said_we_did_is_bounded_and_keyed() {
        let entry = |id: &str| YouSaidWeDid::new(id, "More fruit", "A fruit bowl");
        let ok = consultation_with(|c| {
            c.you_said_we_did = (0..MAX_YOU_SAID_WE_DID)
                .map(|i| entry(&format!("y{i}")))
                .collect()
        });
        assert_eq!(validate_record(&ok), Ok(()));
        rejected(
            consultation_with(|c| {
                c.you_said_we_did = (0..=MAX_YOU_SAID_WE_DID)
                    .map(|i| entry(&format!("y{i}")))
                    .collect()
            }),
            "youSaidWeDid",
        );
        rejected(
            consultation_with(|c| c.you_said_we_did = vec![entry("y1"), entry("y1")]),
            "youSaidWeDid[].id",
        );
        rejected(
            consultation_with(|c| c.you_said_we_did = vec![entry("")]),
            "youSaidWeDid[].id",
        );
        rejected(
            consultation_with(|c| {
                c.you_said_we_did = vec![YouSaidWeDid::new(
                    "y1",
                    "fine",
                    &"x".repeat(MAX_PARAGRAPH_CHARS + 1),
                )]
            }),
            "youSaidWeDid[].weDid",
        );
    }

    #[test]
    fn rejection_messages_never_contain_record_content() {
        let secret = "Jane Doe";
        let records = [
            inspection(|i| i.visit_date = secret.into()),
            inspection(|i| i.time_in = secret.into()),
            inspection(|i| {
                i.spoke_with.children.count = 1;
                i.spoke_with.children.entries = vec![ChildSpokenWith {
                    initials: secret.into(),
                    consent: true,
                }];
            }),
            inspection(|i| i.spoke_with.staff = vec![secret.repeat(100)]),
        ];
        for record in records {
            let err = validate_record(&record).unwrap_err();
            assert!(!err.to_string().contains("Jane"), "{err}");
        }
    }
}
