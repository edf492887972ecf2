//! The whole record as GOV.UK summary cards: "check your answers" before submitting, and the
//! read-only view afterwards.

use hearth_shared::dates::long_date;
use hearth_shared::model::Inspection;

use crate::session::Names;
use yew::prelude::*;

use super::form::multiline;
use super::labels;
use super::sections::Section;

/// Properties of [`Summary`].
#[derive(Properties, PartialEq)]
pub struct SummaryProps {
    /// The record shown.
    pub record: std::rc::Rc<Inspection>,
    /// Names for the user ids it holds (visiting members).
    pub names: Names,
    /// When set, each card has a "Change" link that opens its section.
    #[prop_or_default]
    pub on_change_section: Option<Callback<Section>>,
    /// Show the manager's responses (once signed off).
    #[prop_or_default]
    pub show_responses: bool,
}

/// One summary-list row.
fn row(key: &str, value: Html) -> Html {
    html! {
        <div class="govuk-summary-list__row">
            <dt class="govuk-summary-list__key">{ key.to_string() }</dt>
            <dd class="govuk-summary-list__value">{ value }</dd>
        </div>
    }
}

/// A list of short entries, or "None".
fn list(items: &[String]) -> Html {
    if items.is_empty() {
        return html! { { "None" } };
    }
    html! {
        <ul class="govuk-list">{ for items.iter().map(|s| html! { <li>{ s.clone() }</li> }) }</ul>
    }
}

/// Every section of the record as a summary card.
#[function_component]
pub fn Summary(props: &SummaryProps) -> Html {
    let r = &props.record;
    let card = |section: Section, rows: Html| {
        let action = props.on_change_section.as_ref().map(|cb| {
            let cb = cb.clone();
            let onclick = Callback::from(move |e: MouseEvent| {
                e.prevent_default();
                cb.emit(section);
            });
            html! {
                <ul class="govuk-summary-card__actions">
                    <li class="govuk-summary-card__action">
                        <a class="govuk-link change-link" href={format!("#{}", section.key())}
                            data-section={section.key()} {onclick}>
                            { "Change" }<span class="govuk-visually-hidden">{ format!(" {}", section.title().to_lowercase()) }</span>
                        </a>
                    </li>
                </ul>
            }
        });
        html! {
            <div class="govuk-summary-card" id={format!("summary-{}", section.key())}>
                <div class="govuk-summary-card__title-wrapper">
                    <h2 class="govuk-summary-card__title">{ section.title() }</h2>
                    { for action }
                </div>
                <div class="govuk-summary-card__content">
                    <dl class="govuk-summary-list">{ rows }</dl>
                </div>
            </div>
        }
    };
    let or_none = |s: &str| {
        if s.is_empty() {
            "Not given".to_string()
        } else {
            s.to_string()
        }
    };
    let children = &r.spoke_with.children;
    let recorded: Vec<String> = children
        .entries
        .iter()
        .map(|c| {
            format!(
                "{} ({})",
                c.initials,
                if c.consent {
                    "agreed to views being recorded"
                } else {
                    "did not agree"
                }
            )
        })
        .collect();

    html! {
        <>
            { card(Section::VisitDetails, html! { <>
                { row("Date of visit", html! { { long_date(&r.visit_date) } }) }
                { row("Time arrived", html! { { or_none(&r.time_in) } }) }
                { row("Time left", html! { { or_none(&r.time_out) } }) }
                { row("Announced", html! { { if r.announced { "Yes" } else { "No" } } }) }
                { row("Visiting members", list(&r.visiting_members.iter().map(|m| props.names.of(m)).collect::<Vec<_>>())) }
            </> }) }
            { card(Section::SpokeWith, html! { <>
                { row("Children spoken with", html! { { children.count.to_string() } }) }
                { row("Children recorded", list(&recorded)) }
                { row("Staff", list(&r.spoke_with.staff)) }
                { row("Parents or relatives", list(&r.spoke_with.parents_relatives)) }
            </> }) }
            { card(Section::RecordsChecked, html! { <>
                { for r.records_checked.iter().map(|c| row(labels::area(c.area), html! { <>
                    <strong>{ labels::outcome(c.outcome) }</strong>
                    if !c.comment.as_str().trim().is_empty() { <br />{ multiline(c.comment.as_str()) } }
                </> })) }
            </> }) }
            { card(Section::Premises, row("Premises and environment", multiline(r.premises.as_str()))) }
            { card(Section::ChildrenViews, row("Children's views", multiline(r.children_views.as_str()))) }
            { card(Section::Opinion, html! { <>
                { row("Safeguarding", html! { <>
                    <strong>{ labels::opinion(r.safeguarding_opinion.choice) }</strong><br />
                    { multiline(r.safeguarding_opinion.text.as_str()) }
                </> }) }
                { row("Wellbeing", html! { <>
                    <strong>{ labels::opinion(r.wellbeing_opinion.choice) }</strong><br />
                    { multiline(r.wellbeing_opinion.text.as_str()) }
                </> }) }
            </> }) }
            { card(Section::Recommendations, html! { <>
                if r.recommendations.is_empty() { { row("Recommendations", html! { { "None" } }) } }
                { for r.recommendations.iter().enumerate().map(|(n, rec)| row(
                    &format!("{} ({} priority)", n + 1, labels::priority(rec.priority).to_lowercase()),
                    html! { <>
                        { multiline(rec.text.as_str()) }
                        if let Some(due_by) = &rec.due_by {
                            <br /><span class="recommendation-due-by">
                                <strong>{ "Timescale: " }</strong>{ format!("respond by {}", long_date(due_by)) }
                            </span>
                        }
                        if props.show_responses { <>
                            <br /><strong>{ format!("Manager's response ({}): ", labels::status(rec.status)) }</strong>
                            { multiline(rec.manager_response.as_str()) }
                        </> }
                    </> })) }
            </> }) }
            { card(Section::PreviousRecommendations, html! { <>
                if r.previous_recommendations.is_empty() { { row("Previous recommendations", html! { { "None" } }) } }
                { for r.previous_recommendations.iter().map(|p| row(
                    &p.text.as_str().chars().take(80).collect::<String>(),
                    html! { <>{ "Progress: " }{ multiline(p.progress.as_str()) }</> })) }
            </> }) }
        </>
    }
}
