//! `hearth demo`: a data folder filled with obviously synthetic data, so that anyone can look
//! around every screen without typing a record first.
//!
//! The records are built the way a device builds them: a typed [`Record`] written into an
//! Automerge document, one change per workflow step, each step checked by
//! [`rules::check_change`] as the actor who would make it. A demo the rules would refuse is a
//! bug here, and the unit tests below fail on it. Every name says "Demo" and no name is a real
//! person's: this is children's-services software, and demo data must never be mistaken for
//! (or copied from) a real record.

use std::sync::Arc;

use automerge::AutoCommit;
use autosurgeon::Text;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{
    Answer, CheckArea, CheckOutcome, ChildSpokenWith, Comparison, Consultation,
    ConsultationResponse, Inspection, OpinionChoice, Priority, Question, QuestionType,
    Recommendation, RecommendationStatus, Record, SignOff, VisitAction, VisitNote, WorkflowState,
    YouSaidWeDid,
};
use hearth_shared::permissions::{Actor, Role};
use hearth_shared::reporting::Day;
use hearth_shared::rules::{self, Rejection};

use crate::auth::password;
use crate::store::{NewUser, Store, StoreError};

/// The one password of every demo account: the data is synthetic and the folder is separate,
/// and a visitor should not have to copy eight passwords to look around.
pub const DEMO_PASSWORD: &str = "hearth-demo-only";

/// The name of the file that marks a data folder as a demo's (so `hearth demo` never seeds, or
/// serves as a demo, a folder holding real records).
pub const MARKER: &str = "DEMO-DATA-SYNTHETIC";

/// Everything that can stop the demo being seeded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A planned record broke the rules: a bug in this module.
    #[error("the demo's {what} breaks the record rules: {rejection}")]
    Rules {
        /// Which record.
        what: &'static str,
        /// Why.
        rejection: Rejection,
    },
}

/// One demo account, as printed for the visitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    /// Sign-in name.
    pub username: &'static str,
    /// Name shown in the app.
    pub display_name: &'static str,
    /// Role.
    pub role: Role,
    /// Indexes into [`HOMES`] of the homes a member or manager is assigned to.
    pub homes: &'static [usize],
}

/// The demo's homes.
pub const HOMES: [&str; 3] = [
    "Demo Home: Willow House",
    "Demo Home: Rowan Lodge",
    "Demo Home: Birch Cottage",
];

/// The demo's accounts: every role, members and managers spread over the homes.
pub const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        username: "demo-admin",
        display_name: "Demo Administrator",
        role: Role::Admin,
        homes: &[],
    },
    DemoAccount {
        username: "demo-member-1",
        display_name: "Cllr Demo Member One",
        role: Role::Member,
        homes: &[0, 1],
    },
    DemoAccount {
        username: "demo-member-2",
        display_name: "Cllr Demo Member Two",
        role: Role::Member,
        homes: &[1, 2],
    },
    DemoAccount {
        username: "demo-manager-1",
        display_name: "Demo Manager Willow",
        role: Role::Manager,
        homes: &[0],
    },
    DemoAccount {
        username: "demo-manager-2",
        display_name: "Demo Manager Rowan",
        role: Role::Manager,
        homes: &[1],
    },
    DemoAccount {
        username: "demo-officer",
        display_name: "Demo Service Officer",
        role: Role::Officer,
        homes: &[],
    },
    DemoAccount {
        username: "demo-worker",
        display_name: "Demo Participation Worker",
        role: Role::ParticipationWorker,
        homes: &[],
    },
    DemoAccount {
        username: "demo-kiosk",
        display_name: "Demo Kiosk Tablet",
        role: Role::YoungPerson,
        homes: &[],
    },
];

/// How many responses the demo consultation gets, and how many of them ask to talk to someone.
pub const RESPONSES: usize = 30;
/// Of [`RESPONSES`], how many ask to talk to someone (not yet followed up).
pub const TALK_TO_SOMEONE: usize = 2;

/// A document ready to store.
#[derive(Debug)]
pub struct PlannedDocument {
    /// Its id.
    pub id: DocumentId,
    /// The record as stored (for the counts the command prints and the tests check).
    pub record: Record,
    /// The Automerge bytes.
    pub bytes: Vec<u8>,
    /// When it was last changed.
    pub updated_at_ms: i64,
}

/// The people the planned records name, by role.
#[derive(Debug, Clone)]
pub struct Cast {
    /// Home ids, in [`HOMES`] order.
    pub homes: Vec<String>,
    /// Members (as actors with their homes).
    pub members: Vec<Actor>,
    /// Managers (as actors with their homes).
    pub managers: Vec<Actor>,
    /// The participation worker.
    pub worker: Actor,
    /// The kiosk account young people answer on.
    pub kiosk: Actor,
}

const DAY_MS: i64 = 86_400_000;

/// A record in its document, moved through its workflow one checked change at a time.
struct History {
    what: &'static str,
    doc: AutoCommit,
    record: Record,
}

impl History {
    fn start(what: &'static str, actor: &Actor, record: Record) -> Result<History, DemoError> {
        rules::check_change(None, &record, actor)
            .map_err(|rejection| DemoError::Rules { what, rejection })?;
        let mut doc = AutoCommit::new();
        record
            .write_to(&mut doc)
            .expect("a fresh document accepts any record");
        Ok(History { what, doc, record })
    }

    fn step(mut self, actor: &Actor, edit: impl FnOnce(&mut Record)) -> Result<Self, DemoError> {
        let mut next = self.record.clone();
        edit(&mut next);
        next.write_to(&mut self.doc)
            .expect("an edit of a record this module wrote reconciles");
        let after = rules::validate(self.doc.document()).map_err(|rejection| DemoError::Rules {
            what: self.what,
            rejection,
        })?;
        rules::check_change(Some(&self.record), &after, actor).map_err(|rejection| {
            DemoError::Rules {
                what: self.what,
                rejection,
            }
        })?;
        self.record = after;
        Ok(self)
    }

    fn finish(mut self, updated_at_ms: i64) -> PlannedDocument {
        PlannedDocument {
            id: DocumentId::random(),
            bytes: self.doc.save(),
            record: self.record,
            updated_at_ms,
        }
    }
}

fn inspection(i: &mut Record) -> &mut Inspection {
    match i {
        Record::Inspection(i) => i,
        _ => unreachable!("only called on inspections"),
    }
}

/// A Regulation 33 draft for `home` by `member`, visited `days_ago`, filled in as members do.
fn reg33_draft(member: &Actor, home: &str, at: i64, n: usize) -> Inspection {
    let mut i = Inspection::new(&member.user_id, home, at);
    i.time_in = "10:00".into();
    i.time_out = "11:45".into();
    i.announced = n.is_multiple_of(2);
    i.spoke_with.children.count = 2;
    i.spoke_with.children.entries = vec![
        ChildSpokenWith {
            initials: "AB".into(),
            consent: true,
        },
        ChildSpokenWith {
            initials: "CD".into(),
            consent: true,
        },
    ];
    i.spoke_with.staff = vec![
        "Deputy manager (demo)".into(),
        "Residential worker (demo)".into(),
    ];
    for check in &mut i.records_checked {
        check.outcome = match check.area {
            CheckArea::FireSafety if n.is_multiple_of(3) => CheckOutcome::Concern,
            CheckArea::EducationAndHealth => CheckOutcome::NotSeen,
            _ => CheckOutcome::Satisfactory,
        };
        if check.outcome == CheckOutcome::Concern {
            check.comment = Text::with_value("Demo: two weekly fire alarm tests not logged.");
        }
    }
    i.premises =
        Text::with_value("Demo text: the home was clean and warm. The garden fence needs repair.");
    i.children_views = Text::with_value(
        "Demo text: the young people said they like the new games room and want more say in menus.",
    );
    i.safeguarding_opinion.choice = OpinionChoice::Effective;
    i.safeguarding_opinion.text =
        Text::with_value("Demo text: records show concerns are acted on promptly.");
    i.wellbeing_opinion.choice = if n.is_multiple_of(3) {
        OpinionChoice::RequiresImprovement
    } else {
        OpinionChoice::Effective
    };
    i.wellbeing_opinion.text =
        Text::with_value("Demo text: activities are varied; see recommendations.");
    // Timescales: a month for the fence, a fortnight for the fire log.
    let due = |days: i64| Some(Day::from_unix_ms(at + days * DAY_MS).to_string());
    i.recommendations = vec![
        Recommendation {
            due_by: due(28),
            ..Recommendation::new(
                &format!("demo-rec-{n}-1"),
                "Repair the garden fence (demo)",
                Priority::Medium,
            )
        },
        Recommendation {
            due_by: due(14),
            ..Recommendation::new(
                &format!("demo-rec-{n}-2"),
                "Log every weekly fire alarm test (demo)",
                Priority::High,
            )
        },
    ];
    i
}

/// Plans one Regulation 33 record per workflow state (and a second draft), spread over the
/// homes and members, with the manager's responses on the responded and closed ones.
fn plan_inspections(cast: &Cast, now: i64) -> Result<Vec<PlannedDocument>, DemoError> {
    // (target state, member, home): each member visits homes they are assigned to, and the
    // records that reach a manager are at homes that have one (Willow House, Rowan Lodge).
    let plan = [
        (WorkflowState::Draft, 0, 0),
        (WorkflowState::Submitted, 1, 2),
        (WorkflowState::SignedOff, 1, 1),
        (WorkflowState::Responded, 0, 0),
        (WorkflowState::Closed, 1, 1),
        (WorkflowState::Draft, 1, 2),
    ];
    let mut planned = Vec::new();
    for (n, &(target, member, home)) in plan.iter().enumerate() {
        let member = &cast.members[member];
        let home = &cast.homes[home];
        let manager = cast.managers.iter().find(|m| m.homes.contains(home));
        let visited = now - (plan.len() - n) as i64 * 30 * DAY_MS;
        let mut history = History::start(
            "Regulation 33 record",
            member,
            Record::Inspection(reg33_draft(member, home, visited, n)),
        )?;
        for state in [
            WorkflowState::Submitted,
            WorkflowState::SignedOff,
            WorkflowState::Responded,
            WorkflowState::Closed,
        ] {
            if history.record.state() == target {
                break;
            }
            let actor = match state {
                WorkflowState::Responded => {
                    manager.expect("the plan responds only at homes with a manager")
                }
                _ => member,
            };
            history = history.step(actor, |r| {
                let i = inspection(r);
                i.state = state;
                match state {
                    WorkflowState::SignedOff => {
                        i.sign_off = Some(SignOff {
                            by: member.user_id.clone(),
                            at: visited + DAY_MS,
                        });
                    }
                    WorkflowState::Responded => {
                        for (k, rec) in i.recommendations.iter_mut().enumerate() {
                            rec.status = if k == 0 {
                                RecommendationStatus::InProgress
                            } else {
                                RecommendationStatus::Done
                            };
                            rec.manager_response = Text::with_value(
                                "Demo response: booked with the council's maintenance team.",
                            );
                        }
                    }
                    _ => {}
                }
            })?;
        }
        planned.push(history.finish(visited + 2 * DAY_MS));
    }
    Ok(planned)
}

/// Plans visit notes: a draft and a finished one for each member.
fn plan_visit_notes(cast: &Cast, now: i64) -> Result<Vec<PlannedDocument>, DemoError> {
    let mut planned = Vec::new();
    for (n, member) in cast.members.iter().enumerate() {
        for (k, target) in [WorkflowState::Closed, WorkflowState::Draft]
            .into_iter()
            .enumerate()
        {
            let at = now - (10 + 20 * k as i64 + n as i64) * DAY_MS;
            let mut note =
                VisitNote::new(&member.user_id, &member.homes[k % member.homes.len()], at);
            note.attendees = vec!["Deputy manager (demo)".into()];
            note.body = Text::with_value(
                "Demo visit note: synthetic text for trying Hearth out. Met staff; \
                 the young people were at school.",
            );
            note.actions = vec![VisitAction {
                text: "Ask about the games room budget (demo)".into(),
                owner: "Demo Member".into(),
                due_date: String::new(),
                done: false,
            }];
            let mut history = History::start("visit note", member, Record::VisitNote(note))?;
            if target == WorkflowState::Closed {
                history = history.step(member, |r| {
                    if let Record::VisitNote(v) = r {
                        v.state = WorkflowState::Closed;
                    }
                })?;
            }
            planned.push(history.finish(at + DAY_MS));
        }
    }
    Ok(planned)
}

/// The demo's Pledge promises: each question says which one it measures, and the results and
/// the Panel summary group by them.
pub const PROMISES: [&str; 2] = [
    "We will make sure you live somewhere you feel safe and happy (demo promise)",
    "We will listen to you and act on what you say (demo promise)",
];

/// How many young people answered the earlier (spring) round, now closed.
pub const SPRING_RESPONSES: usize = 24;

/// The demo consultation's questions, tagged with the promise each measures; the menu
/// question carries a (made-up) national figure to compare with.
fn demo_questions() -> Vec<Question> {
    let mut questions = vec![
        Question::new(
            "q1",
            QuestionType::EmojiScale,
            "How do you feel about where you live?",
        ),
        Question::new(
            "q2",
            QuestionType::YesNoNotSure,
            "Do you get a say in the menu?",
        ),
        Question {
            options: vec!["Games room".into(), "Garden".into(), "My bedroom".into()],
            ..Question::new(
                "q3",
                QuestionType::SingleChoice,
                "Your favourite place at home?",
            )
        },
        Question::new(
            "q4",
            QuestionType::FreeText,
            "Anything else you want to tell us?",
        ),
    ];
    questions[0].pledge = Some(PROMISES[0].into());
    questions[1].pledge = Some(PROMISES[1].into());
    questions[2].pledge = Some(PROMISES[0].into());
    questions[1].comparison = Some(Comparison {
        source: "National survey (demo figure)".into(),
        option: "yes".into(),
        percent: 58,
    });
    questions
}

/// Which home the `n`th answer of a round came from: most from Willow House, a few from Birch
/// Cottage — fewer than five there, so filtering by it shows suppression at work.
fn answering_home(cast: &Cast, n: usize, of: usize) -> String {
    let home = if n >= of - 4 {
        2
    } else if n.is_multiple_of(3) {
        1
    } else {
        0
    };
    cast.homes[home].clone()
}

/// Plans the `count` submitted answers to one round, `talking` of them asking to talk to
/// someone, the first `submitted_from_ms` on. With `close`, the worker then closes each (the
/// round is over), checked as the worker's change.
fn plan_answers(
    cast: &Cast,
    consultation_id: &str,
    count: usize,
    talking: usize,
    submitted_from_ms: i64,
    close: bool,
) -> Result<Vec<PlannedDocument>, DemoError> {
    let choices = ["yes", "no", "notSure"];
    let places = ["Games room", "Garden", "My bedroom"];
    let mut planned = Vec::new();
    for n in 0..count {
        let at = submitted_from_ms + (n as i64 + 1) * 6 * 3_600_000;
        let mut response = ConsultationResponse::new(&cast.kiosk.user_id, consultation_id, at);
        // The earlier round is a little less happy, so the rounds differ side by side.
        let shift = if close { 2 } else { 0 };
        response.answers = vec![
            Answer::scale("q1", 1 + ((n as i64 * 7 + shift) % 5)),
            Answer::choice("q2", choices[(n + shift as usize) % 3]),
            Answer::choice("q3", places[n * 5 % 3]),
        ];
        if n.is_multiple_of(4) {
            response
                .answers
                .push(Answer::text("q4", "Demo answer: more trips out please."));
        }
        response.home_id = Some(answering_home(cast, n, count));
        let talk = talking > 0 && n % (count / talking) == 1;
        let mut history = History::start(
            "consultation response",
            &cast.kiosk,
            Record::ConsultationResponse(response),
        )?
        .step(&cast.kiosk, |r| {
            if let Record::ConsultationResponse(r) = r {
                r.consent_given = true;
                r.talk_to_someone = talk;
                r.submitted_at = Some(at + 60_000);
                r.state = WorkflowState::Submitted;
            }
        })?;
        if close {
            history = history.step(&cast.worker, |r| {
                if let Record::ConsultationResponse(r) = r {
                    r.state = WorkflowState::Closed;
                }
            })?;
        }
        planned.push(history.finish(at + 60_000));
    }
    Ok(planned)
}

/// Plans the consultation in two rounds: a closed spring round ([`SPRING_RESPONSES`] answers,
/// with the worker's "You said, we did") and the open autumn round of the same questions
/// ([`RESPONSES`] answers, [`TALK_TO_SOMEONE`] of them asking to talk).
fn plan_consultation(cast: &Cast, now: i64) -> Result<Vec<PlannedDocument>, DemoError> {
    let spring_opened = now - 200 * DAY_MS;
    let mut c = Consultation::new(
        &cast.worker.user_id,
        "Demo consultation: life at home",
        spring_opened,
    );
    c.purpose =
        Text::with_value("Demo only: synthetic questions to try the kiosk and the results.");
    c.questions = demo_questions();
    c.round_label = Some("Spring round (demo)".into());
    let set_state = |state: WorkflowState| {
        move |r: &mut Record| {
            if let Record::Consultation(c) = r {
                c.state = state;
            }
        }
    };
    let spring = History::start("consultation", &cast.worker, Record::Consultation(c))?
        .step(&cast.worker, set_state(WorkflowState::Open))?
        .step(&cast.worker, set_state(WorkflowState::Closed))?
        .step(&cast.worker, |r| {
            if let Record::Consultation(c) = r {
                c.you_said_we_did = vec![
                    YouSaidWeDid::new(
                        "demo-ysw-1",
                        "Demo: you wanted more say in what is cooked.",
                        "Demo: each home now plans one week's menu a month with its young people.",
                    ),
                    YouSaidWeDid::new(
                        "demo-ysw-2",
                        "Demo: you asked for more trips out.",
                        "Demo: a monthly trip budget was agreed for every home.",
                    ),
                ];
            }
        })?
        .finish(spring_opened + 30 * DAY_MS);
    let spring_id = spring.id.to_string();
    let Record::Consultation(spring_record) = &spring.record else {
        unreachable!("planned as a consultation")
    };

    let autumn_opened = now - 14 * DAY_MS;
    let mut autumn = spring_record.new_round(&spring_id);
    autumn.created_at = autumn_opened;
    autumn.round_label = Some("Autumn round (demo)".into());
    let autumn = History::start("consultation", &cast.worker, Record::Consultation(autumn))?
        .step(&cast.worker, set_state(WorkflowState::Open))?
        .finish(autumn_opened);
    let autumn_id = autumn.id.to_string();

    let mut planned = plan_answers(cast, &spring_id, SPRING_RESPONSES, 0, spring_opened, true)?;
    planned.extend(plan_answers(
        cast,
        &autumn_id,
        RESPONSES,
        TALK_TO_SOMEONE,
        autumn_opened,
        false,
    )?);
    planned.insert(0, autumn);
    planned.insert(0, spring);
    Ok(planned)
}

/// Every demo record, checked against the rules. Pure apart from the random document ids.
pub fn plan(cast: &Cast, now_ms: i64) -> Result<Vec<PlannedDocument>, DemoError> {
    let mut planned = plan_inspections(cast, now_ms)?;
    planned.extend(plan_visit_notes(cast, now_ms)?);
    planned.extend(plan_consultation(cast, now_ms)?);
    Ok(planned)
}

/// Creates the demo's homes, accounts and records in an empty store.
pub async fn seed(store: &Arc<dyn Store>, now_ms: i64) -> Result<usize, DemoError> {
    let mut homes = Vec::new();
    for name in HOMES {
        homes.push(store.create_home(name).await?.id);
    }
    let hash = password::hash(DEMO_PASSWORD.to_string()).await;
    let mut cast = Cast {
        homes: homes.clone(),
        members: Vec::new(),
        managers: Vec::new(),
        worker: Actor {
            user_id: String::new(),
            role: Role::ParticipationWorker,
            homes: Vec::new(),
        },
        kiosk: Actor {
            user_id: String::new(),
            role: Role::YoungPerson,
            homes: Vec::new(),
        },
    };
    for account in ACCOUNTS {
        let user = store
            .create_user(NewUser {
                username: account.username.into(),
                display_name: account.display_name.into(),
                role: account.role,
                password_hash: hash.clone(),
                // Demo accounts are for looking around: no forced password change.
                must_change_password: false,
            })
            .await?;
        let assigned: Vec<String> = account.homes.iter().map(|&h| homes[h].clone()).collect();
        for home in &assigned {
            store.assign(&user.id, home).await?;
        }
        let actor = Actor {
            user_id: user.id,
            role: account.role,
            homes: assigned,
        };
        match account.role {
            Role::Member => cast.members.push(actor),
            Role::Manager => cast.managers.push(actor),
            Role::ParticipationWorker => cast.worker = actor,
            Role::YoungPerson => cast.kiosk = actor,
            _ => {}
        }
    }
    let planned = plan(&cast, now_ms)?;
    let count = planned.len();
    for doc in planned {
        store
            .append_chunk(
                doc.id,
                doc.record.meta(),
                Some(hearth_shared::reporting::facts_of(&doc.record)),
                doc.bytes,
                doc.updated_at_ms,
            )
            .await?;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_shared::model::RecordKind;

    /// 2026-11-29T12:00:00Z.
    const NOW: i64 = 1_796_040_000_000;

    fn actor(id: &str, role: Role, homes: &[&str]) -> Actor {
        Actor {
            user_id: id.into(),
            role,
            homes: homes.iter().map(|h| h.to_string()).collect(),
        }
    }

    fn cast() -> Cast {
        Cast {
            homes: vec!["h0".into(), "h1".into(), "h2".into()],
            members: vec![
                actor("m1", Role::Member, &["h0", "h1"]),
                actor("m2", Role::Member, &["h1", "h2"]),
            ],
            managers: vec![
                actor("mgr0", Role::Manager, &["h0"]),
                actor("mgr1", Role::Manager, &["h1"]),
            ],
            worker: actor("pw", Role::ParticipationWorker, &[]),
            kiosk: actor("kiosk", Role::YoungPerson, &[]),
        }
    }

    #[test]
    fn every_planned_record_is_one_the_rules_accept_and_reads_back_from_its_bytes() {
        for doc in plan(&cast(), NOW).expect("the demo follows the rules") {
            let loaded = automerge::Automerge::load(&doc.bytes).expect("bytes load");
            assert_eq!(rules::validate(&loaded).expect("valid"), doc.record);
        }
    }

    #[test]
    fn regulation_33_records_exist_in_every_workflow_state_with_manager_responses() {
        let planned = plan(&cast(), NOW).unwrap();
        let states: Vec<_> = planned
            .iter()
            .filter(|d| d.record.kind() == RecordKind::Inspection)
            .map(|d| d.record.state())
            .collect();
        for state in [
            WorkflowState::Draft,
            WorkflowState::Submitted,
            WorkflowState::SignedOff,
            WorkflowState::Responded,
            WorkflowState::Closed,
        ] {
            assert!(states.contains(&state), "no Reg 33 record {state:?}");
        }
        let responded = planned.iter().any(|d| match &d.record {
            Record::Inspection(i) => {
                i.state == WorkflowState::Responded
                    && i.recommendations
                        .iter()
                        .all(|r| !r.manager_response.as_str().is_empty())
            }
            _ => false,
        });
        assert!(
            responded,
            "a responded record carries the manager's responses"
        );
    }

    #[test]
    fn the_consultation_runs_in_two_rounds_the_open_one_with_thirty_responses_two_asking_to_talk() {
        let planned = plan(&cast(), NOW).unwrap();
        let rounds: Vec<(&PlannedDocument, &Consultation)> = planned
            .iter()
            .filter_map(|d| match &d.record {
                Record::Consultation(c) => Some((d, c)),
                _ => None,
            })
            .collect();
        let [(spring_doc, spring), (_, autumn)] = rounds[..] else {
            panic!("two rounds, spring first: {}", rounds.len());
        };
        assert_eq!(spring.state, WorkflowState::Closed);
        assert_eq!(autumn.state, WorkflowState::Open);
        assert_eq!(autumn.series_id, Some(spring_doc.id.to_string()));
        assert_eq!(autumn.questions, spring.questions, "the same questions");
        assert!(!spring.you_said_we_did.is_empty());
        assert!(spring.questions.iter().any(|q| q.comparison.is_some()));
        let responses: Vec<_> = planned
            .iter()
            .filter_map(|d| match &d.record {
                Record::ConsultationResponse(r) => Some(r),
                _ => None,
            })
            .collect();
        let in_state = |state| responses.iter().filter(|r| r.state == state).count();
        assert_eq!(in_state(WorkflowState::Submitted), RESPONSES);
        assert_eq!(in_state(WorkflowState::Closed), SPRING_RESPONSES);
        assert_eq!(
            responses.iter().filter(|r| r.talk_to_someone).count(),
            TALK_TO_SOMEONE
        );
    }

    #[test]
    fn visit_notes_are_there_in_draft_and_closed_for_every_member() {
        let planned = plan(&cast(), NOW).unwrap();
        for member in ["m1", "m2"] {
            let states: Vec<_> = planned
                .iter()
                .filter(|d| d.record.kind() == RecordKind::VisitNote)
                .filter(|d| d.record.created_by() == member)
                .map(|d| d.record.state())
                .collect();
            assert!(states.contains(&WorkflowState::Draft));
            assert!(states.contains(&WorkflowState::Closed));
        }
    }

    #[test]
    fn every_name_in_the_demo_says_it_is_a_demo() {
        for account in ACCOUNTS {
            assert!(account.display_name.contains("Demo"), "{account:?}");
            assert!(account.username.starts_with("demo-"), "{account:?}");
        }
        assert!(HOMES.iter().all(|h| h.starts_with("Demo Home")));
    }
}
