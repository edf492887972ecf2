//! Records made the way their authors make them — over the sync protocol, as the signed-in
//! member, manager, participation worker or young person — for the reporting tests and benches.
//!
//! Each step waits for the server's acknowledgement, so a record returned here is stored.

use autosurgeon::Text;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{
    Answer, ChildSpokenWith, Consultation, ConsultationResponse, Inspection, Question, Record,
    SignOff, WorkflowState,
};

use crate::{Api, now_ms};

/// A Regulation 33 record taken from draft through submission to sign-off by `member_id`, the
/// content set by `fill` on the draft. Returns its id once the server holds it signed off.
pub async fn signed_off_inspection(
    member: &Api,
    member_id: &str,
    home_id: &str,
    visit_date: &str,
    fill: impl FnOnce(&mut Inspection),
) -> DocumentId {
    let id = draft_inspection(member, member_id, home_id, visit_date, fill).await;
    let mut client = member.sync().await;
    client
        .fetch(id)
        .await
        .expect("the member reads their draft");
    client.edit(id, |r| {
        if let Record::Inspection(i) = r {
            i.state = WorkflowState::Submitted;
        }
    });
    client.sync_doc(id).await.expect("the record is submitted");
    let by = member_id.to_string();
    client.edit(id, |r| {
        if let Record::Inspection(i) = r {
            i.state = WorkflowState::SignedOff;
            i.sign_off = Some(SignOff { by, at: now_ms() });
        }
    });
    client.sync_doc(id).await.expect("the record is signed off");
    client.close().await;
    id
}

/// A Regulation 33 draft with times filled in and the content set by `fill`.
pub async fn draft_inspection(
    member: &Api,
    member_id: &str,
    home_id: &str,
    visit_date: &str,
    fill: impl FnOnce(&mut Inspection),
) -> DocumentId {
    let mut inspection = Inspection::new(member_id, home_id, now_ms());
    inspection.visit_date = visit_date.to_string();
    inspection.time_in = "10:00".into();
    inspection.time_out = "12:30".into();
    fill(&mut inspection);
    let mut client = member.sync().await;
    let id = client.create(&Record::Inspection(inspection));
    client.sync_doc(id).await.expect("the draft is stored");
    client.close().await;
    id
}

/// The home's manager answers a signed-off record: `respond` edits the recommendations, and
/// the record moves to `responded`.
pub async fn manager_responds(
    manager: &Api,
    id: DocumentId,
    respond: impl FnOnce(&mut Inspection),
) {
    let mut client = manager.sync().await;
    client
        .fetch(id)
        .await
        .expect("the manager reads the record");
    client.edit(id, |r| {
        if let Record::Inspection(i) = r {
            respond(i);
            i.state = WorkflowState::Responded;
        }
    });
    client
        .sync_doc(id)
        .await
        .expect("the manager's response is stored");
    client.close().await;
}

/// A child spoken with.
pub fn child(initials: &str, consent: bool) -> ChildSpokenWith {
    ChildSpokenWith {
        initials: initials.into(),
        consent,
    }
}

/// Text for a model field.
pub fn text(value: &str) -> Text {
    Text::with_value(value)
}

/// A consultation with `questions`, created by the worker and opened. `shape` may set more
/// (a series, a round label) before it is stored.
pub async fn open_consultation(
    worker: &Api,
    worker_id: &str,
    title: &str,
    questions: Vec<Question>,
    shape: impl FnOnce(&mut Consultation),
) -> DocumentId {
    let mut consultation = Consultation::new(worker_id, title, now_ms());
    consultation.questions = questions;
    shape(&mut consultation);
    let mut client = worker.sync().await;
    let id = client.create(&Record::Consultation(consultation));
    client
        .sync_doc(id)
        .await
        .expect("the consultation is stored");
    client.edit(id, |r| {
        if let Record::Consultation(c) = r {
            c.state = WorkflowState::Open;
        }
    });
    client.sync_doc(id).await.expect("the consultation opens");
    client.close().await;
    id
}

/// The worker edits a consultation (e.g. closes it, writes "You said, we did").
pub async fn edit_consultation(worker: &Api, id: DocumentId, edit: impl FnOnce(&mut Consultation)) {
    let mut client = worker.sync().await;
    client
        .fetch(id)
        .await
        .expect("the worker reads the consultation");
    client.edit(id, |r| {
        if let Record::Consultation(c) = r {
            edit(c);
        }
    });
    client
        .sync_doc(id)
        .await
        .expect("the worker's edit is stored");
    client.close().await;
}

/// One young person's submitted answers, with consent, at `home_id`.
pub struct Answers {
    /// The home the tablet is at.
    pub home_id: Option<String>,
    /// The answers given.
    pub answers: Vec<Answer>,
    /// Whether they gave consent (without it the response does not count).
    pub consent: bool,
    /// Whether they asked to talk to someone.
    pub talk_to_someone: bool,
}

impl Answers {
    /// Consented answers at a home.
    pub fn at(home_id: &str, answers: Vec<Answer>) -> Answers {
        Answers {
            home_id: Some(home_id.to_string()),
            answers,
            consent: true,
            talk_to_someone: false,
        }
    }
}

/// Submits each set of answers to `consultation` as its own response from the young person's
/// account (a kiosk hands the tablet from one young person to the next), over one connection.
pub async fn submit_responses(
    young_person: &Api,
    young_person_id: &str,
    consultation: DocumentId,
    all: Vec<Answers>,
) -> Vec<DocumentId> {
    let mut client = young_person.sync().await;
    let mut ids = Vec::new();
    for given in all {
        let mut response =
            ConsultationResponse::new(young_person_id, &consultation.to_url(), now_ms());
        response.answers = given.answers;
        response.home_id = given.home_id;
        response.consent_given = given.consent;
        response.talk_to_someone = given.talk_to_someone;
        // No consent, no submission: such answers stay a draft that never counts.
        if given.consent {
            response.state = WorkflowState::Submitted;
            response.submitted_at = Some(now_ms());
        }
        let id = client.create(&Record::ConsultationResponse(response));
        client.sync_doc(id).await.expect("the response is stored");
        ids.push(id);
    }
    client.close().await;
    ids
}
