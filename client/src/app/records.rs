//! One home's records: what is on this device merged with what the server lists, with their
//! workflow state as GOV.UK tags, and buttons to start a visit note or a Regulation 33 record.
//! The rows come from the metadata index (no record is loaded to list it) and are shown
//! [`RECORDS_PER_PAGE`] at a time with GOV.UK pagination, so the page costs the same to render
//! whatever the caseload.

use hearth_shared::model::{DocMeta, Inspection, Record, RecordKind, VisitNote, WorkflowState};
use hearth_shared::permissions::may_create;
use yew::prelude::*;

use super::admin::Pagination;
use super::{navigate, now_ms, use_app};
use crate::admin::page_count;
use crate::engine::Row;
use crate::route::Route;

/// Rows on one page of the records list.
pub const RECORDS_PER_PAGE: usize = 50;

/// Properties of [`Records`].
#[derive(Properties, PartialEq)]
pub struct RecordsProps {
    /// The home whose records are listed.
    pub home_id: String,
}

/// The tag text and colour class for a record's state.
pub fn state_tag(state: Option<WorkflowState>) -> (&'static str, &'static str) {
    match state {
        Some(WorkflowState::Draft) => ("Draft", "govuk-tag--grey"),
        Some(WorkflowState::Submitted) => ("Submitted", "govuk-tag--blue"),
        Some(WorkflowState::SignedOff) => ("Signed off", "govuk-tag--green"),
        Some(WorkflowState::Responded) => ("Responded", "govuk-tag--turquoise"),
        Some(WorkflowState::Closed) => ("Closed", "govuk-tag--grey"),
        Some(WorkflowState::Open) => ("Open", "govuk-tag--light-blue"),
        None => ("Unknown", "govuk-tag--grey"),
    }
}

fn kind_name(kind: Option<RecordKind>) -> &'static str {
    match kind {
        Some(RecordKind::VisitNote) => "Visit note",
        Some(RecordKind::Inspection) => "Regulation 33 record",
        Some(RecordKind::Consultation) => "Consultation",
        Some(RecordKind::ConsultationResponse) => "Response",
        None => "Record",
    }
}

/// The records list for one home.
#[function_component]
pub fn Records(props: &RecordsProps) -> Html {
    let app = use_app();
    let error = use_state(|| None::<String>);
    let page = use_state(|| 1u32);
    let Some(me) = app.rt.me() else {
        return html! {};
    };
    let home_id = props.home_id.clone();
    let home_name = me.home_name(&home_id).unwrap_or("Home").to_string();
    let actor = me.actor();
    // Only what this user may read: never a kiosk's write-only responses.
    let mut rows: Vec<Row> = app.rt.with_engine(|e| match &actor {
        Some(actor) => e.readable_rows(actor),
        None => Vec::new(),
    });
    rows.retain(|r| r.home_id.as_deref() == Some(home_id.as_str()));
    rows.sort_by(|a, b| b.title.cmp(&a.title).then(a.id.cmp(&b.id)));
    let total = rows.len();
    let last = page_count(total as u64, RECORDS_PER_PAGE as u32);
    let current = (*page).clamp(1, last);
    let first = (current as usize - 1) * RECORDS_PER_PAGE;
    let waiting = rows.iter().filter(|r| r.waiting).count();
    let downloading = rows.iter().filter(|r| !r.local).count();
    let shown = &rows[first.min(total)..(first + RECORDS_PER_PAGE).min(total)];
    let on_page = {
        let page = page.clone();
        Callback::from(move |n: u32| page.set(n))
    };

    let can_create = |kind: RecordKind| {
        actor.as_ref().is_some_and(|actor| {
            may_create(
                actor,
                &DocMeta {
                    kind,
                    home_id: Some(home_id.clone()),
                    created_by: actor.user_id.clone(),
                    state: WorkflowState::Draft,
                    title: String::new(),
                    consultation_id: None,
                },
            )
        })
    };
    let create = |make: fn(&str, &str, i64) -> Record| {
        let (rt, user, home, error) = (
            app.rt.clone(),
            me.user.id.clone(),
            home_id.clone(),
            error.clone(),
        );
        Callback::from(
            move |_: MouseEvent| match rt.create(&make(&user, &home, now_ms())) {
                Ok(id) => navigate(&Route::Record(id)),
                Err(e) => error.set(Some(e.to_string())),
            },
        )
    };
    let new_note = create(|u, h, t| Record::VisitNote(VisitNote::new(u, h, t)));
    let new_inspection = create(|u, h, t| Record::Inspection(Inspection::new(u, h, t)));

    html! {
        <>
            <a href={Route::Homes.href()} class="govuk-back-link">{ "All homes" }</a>
            <span class="govuk-caption-l">{ &home_name }</span>
            <h1 class="govuk-heading-l">{ "Records" }</h1>
            if let Some(message) = &*error {
                <p class="govuk-error-message">{ message.clone() }</p>
            }
            <div class="govuk-button-group">
                if can_create(RecordKind::VisitNote) {
                    <button id="new-visit-note" type="button" class="govuk-button" onclick={new_note}>
                        { "New visit note" }
                    </button>
                }
                if can_create(RecordKind::Inspection) {
                    <button id="new-inspection" type="button" class="govuk-button govuk-button--secondary"
                        onclick={new_inspection}>
                        { "New Regulation 33 record" }
                    </button>
                }
            </div>
            if rows.is_empty() {
                <p class="govuk-body">{ "There are no records for this home yet." }</p>
            } else {
                <p class="govuk-body" id="records-summary" data-total={total.to_string()}
                    data-waiting={waiting.to_string()} data-downloading={downloading.to_string()}>
                    if last > 1 {
                        { format!("Showing {} to {} of {total} records", first + 1, first + shown.len()) }
                    } else if total == 1 {
                        { "1 record" }
                    } else {
                        { format!("{total} records") }
                    }
                </p>
                <table class="govuk-table">
                    <caption class="govuk-table__caption govuk-visually-hidden">
                        { format!("Records for {home_name}") }
                    </caption>
                    <thead class="govuk-table__head">
                        <tr class="govuk-table__row">
                            <th scope="col" class="govuk-table__header">{ "Record" }</th>
                            <th scope="col" class="govuk-table__header">{ "Type" }</th>
                            <th scope="col" class="govuk-table__header">{ "Status" }</th>
                        </tr>
                    </thead>
                    <tbody class="govuk-table__body">
                        { for shown.iter().map(row) }
                    </tbody>
                </table>
                <Pagination page={current} last={last} href={Route::Home(home_id.clone()).href()}
                    on_page={on_page} />
            }
        </>
    }
}

fn row(r: &Row) -> Html {
    let (label, colour) = state_tag(r.state);
    let state = r.state.map_or("unknown", WorkflowState::as_str);
    html! {
        <tr class="govuk-table__row record-row" data-document-id={r.id.to_string()} data-state={state}>
            <td class="govuk-table__cell">
                <a class="govuk-link hearth-link-target" href={Route::Record(r.id).href()}>{ &r.title }</a>
            </td>
            <td class="govuk-table__cell">{ kind_name(r.kind) }</td>
            <td class="govuk-table__cell">
                <strong class={classes!("govuk-tag", colour)}>{ label }</strong>
                if r.rejected {
                    { " " }<strong class="govuk-tag govuk-tag--red">{ "Not accepted" }</strong>
                } else if r.waiting {
                    { " " }<strong class="govuk-tag govuk-tag--yellow">{ "Not sent yet" }</strong>
                } else if !r.local {
                    { " " }<strong class="govuk-tag govuk-tag--light-blue">{ "Downloading" }</strong>
                }
            </td>
        </tr>
    }
}
