//! The home manager's view of a signed-off record: a response and a status per recommendation.

use hearth_shared::dates::long_date;
use hearth_shared::model::RecommendationStatus;
use yew::prelude::*;

use super::form::{Select, TextArea, multiline};
use super::{SectionProps, edit, labels};
use crate::engine::text;

/// The recommendations with the manager's response box and status for each.
#[function_component]
pub fn Respond(props: &SectionProps) -> Html {
    let statuses = labels::options(
        RecommendationStatus::ALL,
        RecommendationStatus::as_str,
        labels::status,
    );
    let items = props.record.recommendations.iter().enumerate().map(|(n, rec)| {
        let id = rec.id.clone();
        let id2 = rec.id.clone();
        // Only `managerResponse` and `status` change here: the rules refuse anything else.
        let on_response = edit(props, move |i, v: String| {
            if let Some(r) = i.recommendations.iter_mut().find(|r| r.id == id) {
                text::replace(&mut r.manager_response, &v);
            }
        });
        let on_status = edit(props, move |i, v: String| {
            if let (Some(r), Some(s)) = (
                i.recommendations.iter_mut().find(|r| r.id == id2),
                RecommendationStatus::parse(&v),
            ) {
                r.status = s;
            }
        });
        let number = n + 1;
        html! {
            <div class="govuk-summary-card" key={rec.id.clone()}>
                <div class="govuk-summary-card__title-wrapper">
                    <h3 class="govuk-summary-card__title">
                        { format!("Recommendation {number} ({} priority)", labels::priority(rec.priority).to_lowercase()) }
                    </h3>
                </div>
                <div class="govuk-summary-card__content">
                    <p class="govuk-body">{ multiline(rec.text.as_str()) }</p>
                    if let Some(due_by) = &rec.due_by {
                        <p class="govuk-body recommendation-due-by">
                            <strong>{ "Timescale: " }</strong>{ format!("respond by {}", long_date(due_by)) }
                        </p>
                    }
                    <TextArea id={format!("manager-response-{n}")} label="Your response"
                        class={classes!("manager-response")}
                        value={rec.manager_response.as_str().to_string()} on_input={on_response} rows={4} />
                    <Select id={format!("manager-status-{n}")} label="Status" class={classes!("manager-status")}
                        options={statuses.clone()} selected={rec.status.as_str()} on_change={on_status} />
                </div>
            </div>
        }
    });
    html! {
        <>
            <h2 class="govuk-heading-l">{ "Respond to the recommendations" }</h2>
            if props.record.recommendations.is_empty() {
                <p class="govuk-body">{ "This visit made no recommendations." }</p>
            }
            { for items }
        </>
    }
}
