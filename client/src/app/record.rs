//! `#/records/<id>`: opens the right editor for the record's kind (with a link to its
//! history), or says why it cannot.

use hearth_shared::ids::DocumentId;
use yew::prelude::*;

use super::admin::ReadsLink;
use super::inspection::InspectionPage;
use super::records::state_tag;
use super::use_app;
use super::visit_note::VisitNoteEditor;
use crate::route::Route;

/// Properties of [`RecordPage`].
#[derive(Properties, PartialEq)]
pub struct RecordPageProps {
    /// The record to open.
    pub id: DocumentId,
}

/// One record.
#[function_component]
pub fn RecordPage(props: &RecordPageProps) -> Html {
    let app = use_app();
    let id = props.id;
    let actor = app.rt.me().and_then(|m| m.actor());
    let (has, row, record, connected, opening) = app.rt.with_engine(|e| {
        // A record this user may not read (a kiosk's unsent answers) is "not found" here.
        let readable = actor
            .as_ref()
            .map(|a| e.readable_rows(a))
            .unwrap_or_default();
        if !readable.iter().any(|r| r.id == id) {
            return (false, None, None, e.is_connected(), false);
        }
        // On this device but not loaded yet: asking loads it, and this page hears when.
        let opening = e.want(id);
        let row = readable.into_iter().find(|r| r.id == id);
        let record = if e.has(id) { e.kind(id) } else { None };
        (e.has(id), row, record, e.is_connected(), opening)
    });
    let back = row
        .as_ref()
        .and_then(|r| r.home_id.clone())
        .map_or(Route::Homes, Route::Home);
    if !has {
        return html! {
            <>
                <a href={back.href()} class="govuk-back-link">{ "Back to records" }</a>
                if let Some(row) = row {
                    <h1 class="govuk-heading-l">{ &row.title }</h1>
                    <strong class={classes!("govuk-tag", state_tag(row.state).1)}>{ state_tag(row.state).0 }</strong>
                    <p class="govuk-body govuk-!-margin-top-4">
                        if opening {
                            { "Opening this record…" }
                        } else if connected {
                            { "Downloading this record from the server…" }
                        } else {
                            { "This record is not on this device yet. Connect to the internet to download it." }
                        }
                    </p>
                } else {
                    <h1 class="govuk-heading-l">{ "Record not found" }</h1>
                    <p class="govuk-body">{ "This record is not on this device, or you do not have access to it." }</p>
                }
            </>
        };
    }
    let history = html! {
        <>
        <p class="govuk-body govuk-!-margin-top-6">
            <a class="govuk-link" id="record-history" href={Route::RecordHistory(id).href()}>
                { "History of this record" }
            </a>
        </p>
        <ReadsLink id={id} />
        </>
    };
    match record {
        Some(Ok(hearth_shared::model::RecordKind::VisitNote)) => {
            html! { <><VisitNoteEditor id={id} back={back} />{ history }</> }
        }
        Some(Ok(hearth_shared::model::RecordKind::Inspection)) => {
            html! { <><InspectionPage id={id} back={back} />{ history }</> }
        }
        Some(Ok(_)) => html! {
            <>
                <a href={back.href()} class="govuk-back-link">{ "Back" }</a>
                <h1 class="govuk-heading-l">{ row.map(|r| r.title).unwrap_or_default() }</h1>
                <p class="govuk-body">
                    { "This kind of record is opened from the " }
                    <a class="govuk-link" href={Route::Consultations.href()}>{ "consultations pages" }</a>{ "." }
                </p>
            </>
        },
        _ => html! {
            <>
                <a href={back.href()} class="govuk-back-link">{ "Back" }</a>
                <h1 class="govuk-heading-l">{ "This record cannot be shown" }</h1>
                <p class="govuk-body">
                    { "The copy on this device is not a record this version of Hearth can read. \
                       It is kept unchanged. Tell your IT service desk." }
                </p>
            </>
        },
    }
}
