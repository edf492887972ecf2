//! `#/records/<id>/reads`: "who has read this record", for officers (and administrators): every
//! read the server audited (opened on a device, downloaded to a new device, in a report or an
//! export), newest first, a page at a time. Online only, like the audit it comes from. And
//! [`ReadsLink`], the one click to it from a record.

use hearth_shared::ids::DocumentId;
use hearth_shared::permissions::Role;
use yew::prelude::*;

use super::{ErrorSummary, Latest, Load, Pagination, date_time, problem};
use crate::admin::{AuditPage as AuditReply, AuditQuery, page_count, read_how, showing};
use crate::app::use_app;
use crate::platform::api;
use crate::route::Route;

/// Who may ask who has read a record: officers, who answer for records to complaints and
/// inspectors, and administrators (the server checks again).
fn may_see_reads(role: Option<Role>) -> bool {
    matches!(role, Some(Role::Officer | Role::Admin))
}

/// Properties of [`RecordReads`] and [`ReadsLink`].
#[derive(Properties, PartialEq)]
pub struct RecordReadsProps {
    /// The record.
    pub id: DocumentId,
}

/// The link a record page shows its officers; nothing for anyone else.
#[function_component]
pub fn ReadsLink(props: &RecordReadsProps) -> Html {
    let app = use_app();
    let role = app.rt.me().and_then(|m| m.actor()).map(|a| a.role);
    if !may_see_reads(role) {
        return html! {};
    }
    html! {
        <p class="govuk-body">
            <a class="govuk-link" id="record-reads" href={Route::RecordReads(props.id).href()}>
                { "Who has read this record" }
            </a>
        </p>
    }
}

/// The reads of one record.
#[function_component]
pub fn RecordReads(props: &RecordReadsProps) -> Html {
    let app = use_app();
    let role = app.rt.me().and_then(|m| m.actor()).map(|a| a.role);
    let id = props.id;
    let query = use_state(|| AuditQuery {
        reads_of: Some(id),
        page: 1,
        ..AuditQuery::default()
    });
    let rows = use_state(|| Load::<AuditReply>::Loading);
    let latest = use_memo((), |_| Latest::default());
    {
        let (rows, latest) = (rows.clone(), latest.clone());
        use_effect_with((*query).clone(), move |query| {
            let query = query.clone();
            let n = latest.start();
            rows.set(Load::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                let result = api::admin_audit(&query).await;
                if latest.is_current(n) {
                    rows.set(match result {
                        Ok(page) => Load::Loaded(page),
                        Err(e) => Load::Failed(problem(&e)),
                    });
                }
            });
        });
    }
    let on_page = {
        let query = query.clone();
        Callback::from(move |page| {
            query.set(AuditQuery {
                page,
                ..(*query).clone()
            })
        })
    };
    let back = html! {
        <a href={Route::Record(id).href()} class="govuk-back-link">{ "Back to the record" }</a>
    };
    if !may_see_reads(role) {
        return html! {
            <>
                { back }
                <h1 class="govuk-heading-l">{ "Page not found" }</h1>
                <p class="govuk-body">{ "Who has read a record is for officers." }</p>
            </>
        };
    }
    html! {
        <>
            { back }
            if let Load::Failed(p) = &*rows {
                <ErrorSummary problem={p.clone()} />
            }
            <h1 class="govuk-heading-l">{ "Who has read this record" }</h1>
            <p class="govuk-body">{ "Every time the server gave this record to someone: opened on a device (once per connection), downloaded to a new device, or in a report or export. Reading a copy already on a device offline is not seen by the server." }</p>
            { match &*rows {
                Load::Loading => html! { <p class="govuk-body" role="status">{ "Loading…" }</p> },
                Load::Failed(_) => html! {},
                Load::Loaded(page) => html! {
                    <>
                        <p class="govuk-body" id="reads-count" role="status">
                            { showing(page.page, page.per_page, page.rows.len(), page.total, "reads") }
                        </p>
                        if !page.rows.is_empty() {
                            <table class="govuk-table hearth-table" id="reads-table">
                                <caption class="govuk-table__caption govuk-table__caption--m">{ "Reads" }</caption>
                                <thead class="govuk-table__head">
                                    <tr class="govuk-table__row">
                                        <th scope="col" class="govuk-table__header">{ "When" }</th>
                                        <th scope="col" class="govuk-table__header">{ "Who" }</th>
                                        <th scope="col" class="govuk-table__header">{ "How" }</th>
                                    </tr>
                                </thead>
                                <tbody class="govuk-table__body">
                                    { for page.rows.iter().map(|row| html! {
                                        <tr class="govuk-table__row read-row">
                                            <td class="govuk-table__cell">{ date_time(row.at) }</td>
                                            <td class="govuk-table__cell read-actor">{ row.actor_text() }</td>
                                            <td class="govuk-table__cell">{ read_how(row) }</td>
                                        </tr>
                                    }) }
                                </tbody>
                            </table>
                        }
                        <Pagination page={page.page} last={page_count(page.total, page.per_page)}
                            href={Route::RecordReads(id).href()} on_page={on_page.clone()} />
                    </>
                },
            } }
        </>
    }
}
