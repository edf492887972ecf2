//! A signed-off record's report: links to the server's printable HTML and its PDF, and the
//! distribution panel (to whom and when the report was sent; Hearth sends no email, an officer
//! records it). A pure view: the host (`app::inspection`) reads and adds distribution entries
//! through the API and hands the outcome back as props.

use hearth_shared::dates::{is_date, long_date};
use hearth_shared::model::WorkflowState;
use serde::{Deserialize, Serialize};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Who a Regulation 33 report goes to: the API's code and the words shown, in the order the
/// form offers them.
pub const RECIPIENTS: [(&str, &str); 5] = [
    ("ofsted", "Ofsted (HMCI)"),
    ("registeredProvider", "The registered provider"),
    ("registeredManager", "The registered manager"),
    ("responsibleIndividual", "The responsible individual"),
    ("placingAuthority", "Placing authorities"),
];

/// The words for a recipient code; a code this build does not know is shown as it is.
pub fn recipient_label(code: &str) -> String {
    RECIPIENTS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| code.to_string(), |(_, label)| (*label).to_string())
}

/// Whether a record in `state` has a report: from sign-off on (the server refuses earlier ones).
pub fn has_report(state: WorkflowState) -> bool {
    matches!(
        state,
        WorkflowState::SignedOff | WorkflowState::Responded | WorkflowState::Closed
    )
}

/// The printable HTML report of inspection `id` (opened in a new tab).
pub fn report_href(id: &str) -> String {
    format!("/api/reports/inspections/{id}")
}

/// The report of inspection `id` as a PDF (the server sends it as a download).
pub fn pdf_href(id: &str) -> String {
    format!("/api/reports/inspections/{id}/pdf")
}

/// Where the distribution of inspection `id`'s report is read and added to.
pub fn distribution_path(id: &str) -> String {
    format!("/api/reports/inspections/{id}/distribution")
}

/// One entry of `GET /api/reports/inspections/{id}/distribution`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Distribution {
    /// A code from [`RECIPIENTS`].
    pub recipient: String,
    /// The day it was sent, `YYYY-MM-DD`.
    pub sent_on: String,
    /// The display name of the officer who recorded it.
    #[serde(default)]
    pub recorded_by: String,
    /// Unix ms it was recorded.
    #[serde(default)]
    pub recorded_at: i64,
}

/// The body of `POST /api/reports/inspections/{id}/distribution`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewDistribution {
    /// A code from [`RECIPIENTS`].
    pub recipient: String,
    /// `YYYY-MM-DD`, not after today.
    pub sent_on: String,
}

/// Which field of the distribution form a problem is about (the error summary links to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `#distribution-recipient`.
    Recipient,
    /// `#distribution-date`.
    Date,
}

impl Field {
    /// The control's id.
    pub fn id(self) -> &'static str {
        match self {
            Field::Recipient => "distribution-recipient",
            Field::Date => "distribution-date",
        }
    }
}

/// Something to fix before (or that the server refused after) adding an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormProblem {
    /// The field it is about; `None` for the form as a whole (e.g. no connection).
    pub field: Option<Field>,
    /// What to do, shown as it is.
    pub message: String,
}

/// The entry the form's values make, or the first thing to fix. `today` (`YYYY-MM-DD`, the
/// device's day) stops a date in the future; the server checks again against its own clock.
pub fn check_new(
    recipient: &str,
    sent_on: &str,
    today: Option<&str>,
) -> Result<NewDistribution, FormProblem> {
    let problem = |field, message: &str| FormProblem {
        field: Some(field),
        message: message.to_string(),
    };
    if !RECIPIENTS.iter().any(|(code, _)| *code == recipient) {
        return Err(problem(
            Field::Recipient,
            "Select who the report was sent to",
        ));
    }
    if sent_on.trim().is_empty() {
        return Err(problem(Field::Date, "Enter the date the report was sent"));
    }
    if !is_date(sent_on) {
        return Err(problem(
            Field::Date,
            "The date the report was sent must be a real date",
        ));
    }
    if today.is_some_and(|today| sent_on > today) {
        return Err(problem(
            Field::Date,
            "The date the report was sent must be today or in the past",
        ));
    }
    Ok(NewDistribution {
        recipient: recipient.to_string(),
        sent_on: sent_on.to_string(),
    })
}

/// The distribution list as the host has it.
#[derive(Debug, Clone, PartialEq)]
pub enum Listing {
    /// Asked, not answered yet.
    Loading,
    /// The server's list, oldest first.
    Loaded(Vec<Distribution>),
    /// Not read: `offline` when there was no connection, else the server's message.
    Failed {
        /// No connection (the retry is what helps).
        offline: bool,
        /// What to show.
        message: String,
    },
}

/// Properties of [`ReportPanel`].
#[derive(Properties, PartialEq)]
pub struct ReportPanelProps {
    /// The inspection's document id.
    pub document_id: AttrValue,
    /// Whether the device is connected (the report and its distribution are online only).
    pub online: bool,
    /// The distribution so far.
    pub listing: Listing,
    /// Officers record distribution; everyone else who reads the record sees it.
    pub can_record: bool,
    /// The device's day, `YYYY-MM-DD`: the latest date the form accepts.
    #[prop_or_default]
    pub today: Option<AttrValue>,
    /// A problem from the last attempt to add an entry (the server's refusal, or no connection).
    #[prop_or_default]
    pub problem: Option<FormProblem>,
    /// An entry is being sent.
    #[prop_or_default]
    pub busy: bool,
    /// Bumped by the host each time an entry was added: the form empties.
    #[prop_or_default]
    pub added: u32,
    /// Asked to add an entry (already checked with [`check_new`]).
    pub on_add: Callback<NewDistribution>,
    /// Asked to read the list again.
    pub on_retry: Callback<()>,
}

/// The "Report" section: view and download links, the distribution list and (officers) the form.
#[function_component]
pub fn ReportPanel(props: &ReportPanelProps) -> Html {
    let recipient = use_state(String::new);
    let sent_on = use_state(String::new);
    let local_problem = use_state(|| None::<FormProblem>);
    let summary_ref = use_node_ref();
    let recipient_ref = use_node_ref();
    let date_ref = use_node_ref();
    {
        let (recipient, sent_on, local_problem) =
            (recipient.clone(), sent_on.clone(), local_problem.clone());
        use_effect_with(props.added, move |_| {
            recipient.set(String::new());
            sent_on.set(String::new());
            local_problem.set(None);
        });
    }
    let problem = (*local_problem).clone().or_else(|| props.problem.clone());
    {
        // GOV.UK: the error summary takes focus when it appears, wherever the person clicked.
        let summary_ref = summary_ref.clone();
        use_effect_with(problem.clone(), move |problem| {
            if problem.is_some()
                && let Some(summary) = summary_ref.cast::<web_sys::HtmlElement>()
            {
                let _ = summary.focus();
            }
        });
    }
    let id = props.document_id.as_str();
    let on_recipient = {
        let recipient = recipient.clone();
        Callback::from(move |e: Event| {
            recipient.set(e.target_unchecked_into::<HtmlSelectElement>().value());
        })
    };
    let on_date = {
        let sent_on = sent_on.clone();
        Callback::from(move |e: InputEvent| {
            sent_on.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let on_submit = {
        let (recipient, sent_on, local_problem) =
            (recipient.clone(), sent_on.clone(), local_problem.clone());
        let today = props.today.clone();
        let on_add = props.on_add.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match check_new(&recipient, &sent_on, today.as_deref()) {
                Ok(entry) => {
                    local_problem.set(None);
                    on_add.emit(entry);
                }
                Err(problem) => local_problem.set(Some(problem)),
            }
        })
    };
    let on_retry = {
        let on_retry = props.on_retry.clone();
        Callback::from(move |_: MouseEvent| on_retry.emit(()))
    };
    // With hash routing a `#id` link would change the route: focus the field instead.
    let focus = |node: NodeRef| {
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            if let Some(element) = node.cast::<web_sys::HtmlElement>() {
                let _ = element.focus();
            }
        })
    };
    let error_summary = problem.as_ref().map(|p| {
        let target = match p.field {
            Some(Field::Recipient) => Some((Field::Recipient, recipient_ref.clone())),
            Some(Field::Date) => Some((Field::Date, date_ref.clone())),
            None => None,
        };
        html! {
            <div class="govuk-error-summary" id="distribution-error" data-module="govuk-error-summary"
                tabindex="-1" ref={summary_ref.clone()}>
                <div role="alert">
                    <h2 class="govuk-error-summary__title">{ "There is a problem" }</h2>
                    <div class="govuk-error-summary__body">
                        <ul class="govuk-list govuk-error-summary__list">
                            <li>
                                if let Some((field, node)) = target {
                                    <a href={format!("#{}", field.id())} onclick={focus(node)}>{ p.message.clone() }</a>
                                } else {
                                    { p.message.clone() }
                                }
                            </li>
                        </ul>
                    </div>
                </div>
            </div>
        }
    });
    let field_error = |field: Field| {
        problem
            .as_ref()
            .filter(|p| p.field == Some(field))
            .map(|p| p.message.clone())
    };
    let recipient_error = field_error(Field::Recipient);
    let date_error = field_error(Field::Date);

    let list = match &props.listing {
        Listing::Loading => html! { <p class="govuk-body" role="status">{ "Loading…" }</p> },
        Listing::Failed { offline, message } => html! {
            <div class="govuk-inset-text" id="distribution-unavailable"
                data-offline={offline.to_string()}>
                <p class="govuk-body">
                    if *offline {
                        { "You need a connection to see where the report was sent." }
                    } else {
                        { message.clone() }
                    }
                </p>
                <button type="button" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0"
                    id="distribution-retry" onclick={on_retry}>{ "Try again" }</button>
            </div>
        },
        Listing::Loaded(entries) if entries.is_empty() => html! {
            <p class="govuk-body" id="distribution-list" data-count="0">
                { "The report has not been recorded as sent to anyone yet." }
            </p>
        },
        Listing::Loaded(entries) => html! {
            <table class="govuk-table" id="distribution-list" data-count={entries.len().to_string()}>
                <caption class="govuk-table__caption govuk-visually-hidden">{ "Where the report was sent" }</caption>
                <thead class="govuk-table__head">
                    <tr class="govuk-table__row">
                        <th scope="col" class="govuk-table__header">{ "Sent to" }</th>
                        <th scope="col" class="govuk-table__header">{ "Date sent" }</th>
                        <th scope="col" class="govuk-table__header">{ "Recorded by" }</th>
                    </tr>
                </thead>
                <tbody class="govuk-table__body">
                    { for entries.iter().map(|d| html! {
                        <tr class="govuk-table__row" data-recipient={d.recipient.clone()}>
                            <td class="govuk-table__cell">{ recipient_label(&d.recipient) }</td>
                            <td class="govuk-table__cell" data-date={d.sent_on.clone()}>{ long_date(&d.sent_on) }</td>
                            <td class="govuk-table__cell">{ d.recorded_by.clone() }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        },
    };
    let can_add = props.can_record && matches!(props.listing, Listing::Loaded(_));
    html! {
        <section class="govuk-!-margin-bottom-8" id="report" aria-labelledby="report-heading">
            <h2 class="govuk-heading-l" id="report-heading">{ "Report" }</h2>
            if !props.online {
                <p class="govuk-body" id="report-offline">
                    { "You need a connection to view or download the report." }
                </p>
            }
            <ul class="govuk-list">
                <li>
                    <a class="govuk-link" id="report-link" href={report_href(id)} target="_blank" rel="noopener">
                        { "View the report" }<span class="govuk-visually-hidden">{ " (opens in a new tab)" }</span>
                    </a>
                    <span class="govuk-body-s hearth-secondary">{ " — opens in a new tab, ready to print" }</span>
                </li>
                <li>
                    <a class="govuk-link" id="report-pdf-link" href={pdf_href(id)} download="">
                        { "Download PDF" }<span class="govuk-visually-hidden">{ " of the report" }</span>
                    </a>
                </li>
            </ul>
            <h3 class="govuk-heading-m" id="distribution-heading">{ "Who the report was sent to" }</h3>
            if can_add {
                { for error_summary }
            }
            { list }
            if props.added > 0 && problem.is_none() {
                <p class="govuk-body" role="status" id="distribution-added">
                    { "Recorded. The report now says it was sent." }
                </p>
            }
            if can_add {
                <form id="distribution-form" novalidate=true onsubmit={on_submit} aria-labelledby="distribution-form-heading">
                    <h4 class="govuk-heading-s" id="distribution-form-heading">{ "Record that the report was sent" }</h4>
                    <p class="govuk-body">{ "Hearth does not send the report. Send it as you usually do, then record it here." }</p>
                    <div class={classes!("govuk-form-group", recipient_error.is_some().then_some("govuk-form-group--error"))}>
                        <label class="govuk-label" for="distribution-recipient">{ "Sent to" }</label>
                        if let Some(message) = &recipient_error {
                            <p id="distribution-recipient-error" class="govuk-error-message">
                                <span class="govuk-visually-hidden">{ "Error: " }</span>{ message.clone() }
                            </p>
                        }
                        <select class={classes!("govuk-select", recipient_error.is_some().then_some("govuk-select--error"))}
                            id="distribution-recipient" name="distribution-recipient" ref={recipient_ref}
                            onchange={on_recipient}
                            aria-describedby={recipient_error.is_some().then_some("distribution-recipient-error")}>
                            <option value="" selected={recipient.is_empty()}>{ "Choose who it was sent to" }</option>
                            { for RECIPIENTS.iter().map(|(code, label)| html! {
                                <option value={*code} selected={*recipient == *code}>{ *label }</option>
                            }) }
                        </select>
                    </div>
                    <div class={classes!("govuk-form-group", date_error.is_some().then_some("govuk-form-group--error"))}>
                        <label class="govuk-label" for="distribution-date">{ "Date sent" }</label>
                        <div id="distribution-date-hint" class="govuk-hint">{ "Today or earlier" }</div>
                        if let Some(message) = &date_error {
                            <p id="distribution-date-error" class="govuk-error-message">
                                <span class="govuk-visually-hidden">{ "Error: " }</span>{ message.clone() }
                            </p>
                        }
                        <input class={classes!("govuk-input", "govuk-input--width-10", date_error.is_some().then_some("govuk-input--error"))}
                            type="date" id="distribution-date" name="distribution-date" ref={date_ref}
                            value={(*sent_on).clone()} oninput={on_date} max={props.today.clone()}
                            autocomplete="off"
                            aria-describedby={if date_error.is_some() { "distribution-date-hint distribution-date-error" } else { "distribution-date-hint" }} />
                    </div>
                    <button type="submit" class="govuk-button govuk-button--secondary" id="distribution-add"
                        disabled={props.busy}>{ "Record as sent" }</button>
                </form>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_recipient_the_api_accepts_has_words() {
        assert_eq!(recipient_label("ofsted"), "Ofsted (HMCI)");
        assert_eq!(
            recipient_label("registeredProvider"),
            "The registered provider"
        );
        assert_eq!(
            recipient_label("registeredManager"),
            "The registered manager"
        );
        assert_eq!(
            recipient_label("responsibleIndividual"),
            "The responsible individual"
        );
        assert_eq!(recipient_label("placingAuthority"), "Placing authorities");
        assert_eq!(recipient_label("somethingNew"), "somethingNew");
    }

    #[test]
    fn only_signed_off_records_have_a_report() {
        assert!(!has_report(WorkflowState::Draft));
        assert!(!has_report(WorkflowState::Submitted));
        assert!(has_report(WorkflowState::SignedOff));
        assert!(has_report(WorkflowState::Responded));
        assert!(has_report(WorkflowState::Closed));
    }

    #[test]
    fn report_links_point_at_the_server() {
        assert_eq!(report_href("abc"), "/api/reports/inspections/abc");
        assert_eq!(pdf_href("abc"), "/api/reports/inspections/abc/pdf");
        assert_eq!(
            distribution_path("abc"),
            "/api/reports/inspections/abc/distribution"
        );
    }

    #[test]
    fn a_distribution_entry_needs_a_recipient_and_a_past_date() {
        let today = Some("2026-11-03");
        assert_eq!(
            check_new("ofsted", "2026-11-03", today),
            Ok(NewDistribution {
                recipient: "ofsted".into(),
                sent_on: "2026-11-03".into()
            })
        );
        let field = |r: Result<NewDistribution, FormProblem>| r.err().and_then(|p| p.field);
        assert_eq!(
            field(check_new("", "2026-11-03", today)),
            Some(Field::Recipient)
        );
        assert_eq!(
            field(check_new("nobody", "2026-11-03", today)),
            Some(Field::Recipient)
        );
        assert_eq!(field(check_new("ofsted", "", today)), Some(Field::Date));
        assert_eq!(
            field(check_new("ofsted", "2026-02-30", today)),
            Some(Field::Date)
        );
        assert_eq!(
            field(check_new("ofsted", "2026-11-04", today)),
            Some(Field::Date)
        );
        // Without the device's day the server is the judge.
        assert!(check_new("ofsted", "2026-11-04", None).is_ok());
    }

    #[test]
    fn the_new_entry_is_sent_as_the_api_spells_it() {
        let body = serde_json::to_value(NewDistribution {
            recipient: "placingAuthority".into(),
            sent_on: "2026-11-03".into(),
        })
        .expect("serialises");
        assert_eq!(
            body,
            serde_json::json!({"recipient": "placingAuthority", "sentOn": "2026-11-03"})
        );
        let entry: Distribution = serde_json::from_value(serde_json::json!({
            "recipient": "ofsted", "sentOn": "2026-11-01",
            "recordedBy": "Test Officer", "recordedAt": 1_793_000_000_000_i64
        }))
        .expect("deserialises");
        assert_eq!(entry.recorded_by, "Test Officer");
    }
}
