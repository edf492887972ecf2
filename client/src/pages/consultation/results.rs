//! The results page: counts per question, written answers, and who asked to talk to someone.

use hearth_shared::model::{Consultation, ConsultationResponse};
use yew::prelude::*;

use super::aggregate::{Outcome, aggregate, counts, needing_follow_up};

/// Properties of [`ResultsView`].
#[derive(Properties, PartialEq)]
pub struct ResultsViewProps {
    /// The consultation the responses answer.
    pub consultation: Consultation,
    /// Its responses, as the signed-in worker can read them.
    pub responses: Vec<ConsultationResponse>,
}

/// A unix-milliseconds time as the device's local date and time.
fn when(ms: i64) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsValue;
        // GOV.UK style, "26 November 2026 at 14:03", in the device's time zone.
        let options = js_sys::Object::new();
        for (key, value) in [
            ("day", "numeric"),
            ("month", "long"),
            ("year", "numeric"),
            ("hour", "2-digit"),
            ("minute", "2-digit"),
        ] {
            // Setting a property on a fresh plain object cannot fail.
            let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
        }
        let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
        String::from(date.to_locale_string("en-GB", &options))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        format!("{ms} ms")
    }
}

/// Per-question results and the follow-up list for one consultation.
#[function_component]
pub fn ResultsView(props: &ResultsViewProps) -> Html {
    let total = props.responses.iter().filter(|r| counts(r)).count();
    let results = aggregate(&props.consultation, &props.responses);
    let waiting = needing_follow_up(&props.responses);

    let follow_ups = html! {
        <div class="govuk-notification-banner" role="region" aria-labelledby="follow-up-title"
            id="talk-to-someone-list">
            <div class="govuk-notification-banner__header">
                <h2 class="govuk-notification-banner__title" id="follow-up-title">{ "Follow up" }</h2>
            </div>
            <div class="govuk-notification-banner__content">
                if waiting.is_empty() {
                    <p class="govuk-notification-banner__heading">{ "Nobody is waiting to talk to someone." }</p>
                } else {
                    <p class="govuk-notification-banner__heading">
                        { format!("{} young {} asked to talk to someone", waiting.len(),
                            if waiting.len() == 1 { "person" } else { "people" }) }
                    </p>
                    <ul class="govuk-list govuk-list--bullet">
                        { for waiting.iter().map(|r| html! {
                            <li class="talk-to-someone">
                                { format!("Answered {}", when(r.submitted_at.unwrap_or(r.created_at))) }
                                if let Some(home) = &r.home_id { { format!(", at home {home}") } }
                                if let Some(band) = r.age_band { { format!(", aged {}", band.as_str()) } }
                            </li>
                        }) }
                    </ul>
                }
            </div>
        </div>
    };

    let questions = results.iter().enumerate().map(|(n, result)| {
        let body = match &result.outcome {
            Outcome::Counts(tallies) => html! {
                <table class="govuk-table">
                    <caption class="govuk-table__caption govuk-visually-hidden">{ format!("Answers to question {}", n + 1) }</caption>
                    <thead class="govuk-table__head">
                        <tr class="govuk-table__row">
                            <th scope="col" class="govuk-table__header">{ "Answer" }</th>
                            <th scope="col" class="govuk-table__header govuk-table__header--numeric">{ "Number" }</th>
                            <th scope="col" class="govuk-table__header govuk-table__header--numeric">{ "Per cent" }</th>
                        </tr>
                    </thead>
                    <tbody class="govuk-table__body">
                        { for tallies.iter().map(|t| html! {
                            <tr class="govuk-table__row" data-count={t.count.to_string()}>
                                <th scope="row" class="govuk-table__header">{ t.label.clone() }</th>
                                <td class="govuk-table__cell govuk-table__cell--numeric">{ t.count }</td>
                                <td class="govuk-table__cell govuk-table__cell--numeric">
                                    { percent(t.count, result.answered) }
                                </td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            },
            Outcome::Texts(texts) => html! {
                if texts.is_empty() {
                    <p class="govuk-body">{ "No written answers." }</p>
                } else {
                    <ul class="govuk-list govuk-list--bullet free-text-answers">
                        { for texts.iter().map(|t| html! { <li>{ t.clone() }</li> }) }
                    </ul>
                }
            },
        };
        html! {
            <section class="govuk-!-margin-bottom-8 question-result" key={result.question_id.clone()}
                data-question-id={result.question_id.clone()}>
                <h3 class="govuk-heading-m">{ format!("{}. {}", n + 1, result.prompt) }</h3>
                <p class="govuk-body govuk-hint">{ format!("{} of {total} answered", result.answered) }</p>
                { body }
            </section>
        }
    });

    html! {
        <div id="consultation-results">
            <span class="govuk-caption-l">{ "Results" }</span>
            <h1 class="govuk-heading-xl">{ props.consultation.title.clone() }</h1>
            { follow_ups }
            <p class="govuk-body-l">{ format!("{total} {} with consent to use the answers.",
                if total == 1 { "response" } else { "responses" }) }</p>
            <h2 class="govuk-heading-l">{ "Answers" }</h2>
            { for questions }
        </div>
    }
}

/// `count` as a whole percentage of `of`, or a dash when nobody answered.
fn percent(count: usize, of: usize) -> String {
    (count * 100 + of / 2)
        .checked_div(of)
        .map_or_else(|| "–".to_string(), |p| format!("{p}%"))
}
