//! `#/admin/audit`: who did what to what, and when, filtered by person, action and dates, a
//! page at a time, and the same rows as CSV. For administrators and officers (the server's
//! `/api/audit`); the person filter lists accounts only for administrators, who manage them.
//! The table is shared with the overview's recent activity.

use std::collections::BTreeMap;

use yew::prelude::*;

use super::{ErrorSummary, Latest, Load, Pagination, Problem, all_users, date_time, problem};
use crate::admin::{
    AUDIT_ACTIONS, AdminUser, AuditPage as AuditReply, AuditQuery, AuditRow, UserQuery,
    action_label, detail_text, page_count, parse_date_input, showing, subject_names, subject_text,
};
use crate::app::{input_value, use_app};
use crate::platform::api;
use crate::route::Route;
use hearth_shared::permissions::Role;

/// Audit rows as a GOV.UK table: when, who (username), what, on what, detail.
pub fn audit_table(rows: &[AuditRow], names: &BTreeMap<String, String>, caption: &str) -> Html {
    html! {
        <table class="govuk-table hearth-table" id="audit-table">
            <caption class="govuk-table__caption govuk-table__caption--m">{ caption }</caption>
            <thead class="govuk-table__head">
                <tr class="govuk-table__row">
                    <th scope="col" class="govuk-table__header">{ "When" }</th>
                    <th scope="col" class="govuk-table__header">{ "Who" }</th>
                    <th scope="col" class="govuk-table__header">{ "What" }</th>
                    <th scope="col" class="govuk-table__header">{ "Subject" }</th>
                    <th scope="col" class="govuk-table__header">{ "Detail" }</th>
                </tr>
            </thead>
            <tbody class="govuk-table__body">
                { for rows.iter().map(|row| html! {
                    <tr class="govuk-table__row audit-row" data-action={row.action.clone()}>
                        <td class="govuk-table__cell">{ date_time(row.at) }</td>
                        <td class="govuk-table__cell audit-actor">{ row.actor_text() }</td>
                        <td class="govuk-table__cell">{ action_label(&row.action) }</td>
                        <td class="govuk-table__cell hearth-wrap-anywhere audit-subject">{ subject_text(row, names) }</td>
                        <td class="govuk-table__cell hearth-wrap-anywhere">{ detail_text(row, names) }</td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}

/// The audit page: filters, then the table and pagination.
#[function_component]
pub fn AuditPage() -> Html {
    let query = use_state(|| AuditQuery {
        page: 1,
        ..AuditQuery::default()
    });
    let rows = use_state(|| Load::<AuditReply>::Loading);
    let users = use_state(Vec::<AdminUser>::new);
    let names = use_state(BTreeMap::<String, String>::new);
    let form_problem = use_state(|| None::<Problem>);
    let latest = use_memo((), |_| Latest::default());
    let (user_ref, action_ref, from_ref, to_ref) = (
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    );
    // Only administrators may list accounts and homes; an officer's audit shows ids.
    let admin = use_app()
        .rt
        .me()
        .and_then(|m| m.actor())
        .is_some_and(|a| a.role == Role::Admin);
    {
        // People and homes, for the user filter and to name the subjects.
        let (users, names) = (users.clone(), names.clone());
        use_effect_with(admin, move |admin| {
            if !*admin {
                return;
            }
            wasm_bindgen_futures::spawn_local(async move {
                let found = all_users(UserQuery::default()).await.unwrap_or_default();
                let homes = api::admin_homes().await.unwrap_or_default();
                names.set(subject_names(&found, &homes));
                users.set(found);
            });
        });
    }
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
    let onsubmit = {
        let (query, form_problem) = (query.clone(), form_problem.clone());
        let (user_ref, action_ref, from_ref, to_ref) = (
            user_ref.clone(),
            action_ref.clone(),
            from_ref.clone(),
            to_ref.clone(),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let (from_text, to_text) = (input_value(&from_ref), input_value(&to_ref));
            let from = parse_date_input(&from_text);
            let to = parse_date_input(&to_text);
            if (!from_text.is_empty() && from.is_none()) || (!to_text.is_empty() && to.is_none()) {
                form_problem.set(Some(Problem::local("Enter dates as real days")));
                return;
            }
            let from = from.map(|d| super::day_bound_ms(d, false));
            let to = to.map(|d| super::day_bound_ms(d, true));
            if let (Some(f), Some(t)) = (from, to)
                && f > t
            {
                form_problem.set(Some(Problem::local(
                    "The 'from' date must be the same as or before the 'to' date",
                )));
                return;
            }
            form_problem.set(None);
            query.set(AuditQuery {
                reads_of: None,
                user_id: Some(select_value(&user_ref)).filter(|v| !v.is_empty()),
                action: Some(select_value(&action_ref)).filter(|v| !v.is_empty()),
                from,
                to,
                page: 1,
            });
        })
    };
    let on_page = {
        let query = query.clone();
        Callback::from(move |page| {
            query.set(AuditQuery {
                page,
                ..(*query).clone()
            })
        })
    };
    html! {
        <>
            if let Some(p) = &*form_problem {
                <ErrorSummary problem={p.clone()} field={Some(AttrValue::from("audit-from"))} />
            }
            if let Load::Failed(p) = &*rows {
                <ErrorSummary problem={p.clone()} />
            }
            <h1 class="govuk-heading-l">{ "Audit" }</h1>
            <p class="govuk-body">{ "Every sign-in, read of a record, report and export, refused change and administration action, newest first. It never holds passwords or what records say." }</p>
            <form class="hearth-filters" {onsubmit} novalidate=true>
                if !users.is_empty() {
                <div class="govuk-form-group">
                    <label class="govuk-label" for="audit-user">{ "Person" }</label>
                    <select class="govuk-select" id="audit-user" name="audit-user" ref={user_ref}>
                        <option value="" selected=true>{ "Anyone" }</option>
                        { for users.iter().map(|u| html! {
                            <option value={u.id.clone()}>
                                { format!("{} ({})", u.display_name, u.username) }
                            </option>
                        }) }
                    </select>
                </div>
                }
                <div class="govuk-form-group">
                    <label class="govuk-label" for="audit-action">{ "Event" }</label>
                    <select class="govuk-select" id="audit-action" name="audit-action" ref={action_ref}>
                        <option value="" selected=true>{ "Any event" }</option>
                        { for AUDIT_ACTIONS.iter().map(|a| html! {
                            <option value={*a}>{ action_label(a) }</option>
                        }) }
                    </select>
                </div>
                <div class="govuk-form-group">
                    <label class="govuk-label" for="audit-from">{ "From" }</label>
                    <input class="govuk-input govuk-input--width-10" type="date" id="audit-from" name="audit-from" ref={from_ref} />
                </div>
                <div class="govuk-form-group">
                    <label class="govuk-label" for="audit-to">{ "To" }</label>
                    <input class="govuk-input govuk-input--width-10" type="date" id="audit-to" name="audit-to" ref={to_ref} />
                </div>
                <button type="submit" class="govuk-button govuk-button--secondary" id="audit-filter">{ "Apply filters" }</button>
            </form>
            { match &*rows {
                Load::Loading => html! { <p class="govuk-body" role="status">{ "Loading the audit…" }</p> },
                Load::Failed(_) => html! {},
                Load::Loaded(page) => html! {
                    <>
                        <p class="govuk-body" id="audit-count" role="status">
                            { showing(page.page, page.per_page, page.rows.len(), page.total, "events") }
                        </p>
                        // Same origin, so the session cookie goes with it; the download is
                        // itself audited by the server.
                        <p class="govuk-body">
                            <a class="govuk-link" id="audit-csv" href={query.csv_href()} download="">
                                { "Download these events as CSV" }
                            </a>
                        </p>
                        if !page.rows.is_empty() {
                            { audit_table(&page.rows, &names, "Events") }
                        }
                        <Pagination page={page.page} last={page_count(page.total, page.per_page)}
                            href={Route::AdminAudit.href()} on_page={on_page.clone()} />
                    </>
                },
            } }
        </>
    }
}

/// The chosen option of the `<select>` behind `r`; empty when it is not rendered.
pub fn select_value(r: &NodeRef) -> String {
    r.cast::<web_sys::HtmlSelectElement>()
        .map(|s| s.value())
        .unwrap_or_default()
}
