//! The results page: filters, then each question's chart with its table beside it (rounds side
//! by side, grouped by Pledge promise, with any comparison figure), the Panel summary and
//! export links, "You said, we did", and who asked to talk to someone.
//!
//! The numbers come from [`hearth_shared::reporting::results`], the same function the server's
//! Panel summary and exports use, so a count suppressed here is suppressed there.

use std::rc::Rc;

use hearth_shared::model::Consultation;
use hearth_shared::reporting::{ConsultationResults, Count, QuestionResults, ResultsFilter};
use yew::prelude::*;

use super::chart::{answer_rows, bar_chart, comparison_text, count_attr, tally_text};
use super::follow_up::{FollowUpItem, follow_up_list};
use super::you_said::you_said_we_did;
use crate::pages::inspection::form::{Select, TextInput};
use crate::pages::{Edit, Shown};

/// Properties of [`ResultsView`].
#[derive(Properties, PartialEq)]
pub struct ResultsViewProps {
    /// The consultation's document id (the links to the server's summary and exports).
    pub id: AttrValue,
    /// The round this page is for, as read.
    pub consultation: Shown<Consultation>,
    /// Its series' results under `filter`, rounds oldest first.
    pub results: Rc<ConsultationResults>,
    /// The small-group threshold the numbers were suppressed with.
    pub suppress_below: u32,
    /// The homes to filter by: `(id, name)`.
    pub homes: Rc<Vec<(String, String)>>,
    /// The filter applied.
    pub filter: ResultsFilter,
    /// Called with a new filter when "Apply" is pressed.
    pub on_filter: Callback<ResultsFilter>,
    /// The young people waiting for a follow-up, oldest first.
    pub waiting: Vec<FollowUpItem>,
    /// Records a follow-up `(response document id, note)`; `None` for readers (officers).
    #[prop_or_default]
    pub on_follow_up: Option<Callback<(String, String)>>,
    /// Writes "You said, we did"; `None` for readers.
    #[prop_or_default]
    pub on_change: Option<Callback<Edit<Consultation>>>,
}

/// Per-question results, links and the follow-up list for one consultation.
#[function_component]
pub fn ResultsView(props: &ResultsViewProps) -> Html {
    let t = props.suppress_below;
    let r = &props.results;
    let record = &props.consultation;
    let current = r.rounds.iter().find(|h| *h.id == *props.id);
    let total = current.map_or(Count::Shown(0), |h| h.responses);
    let plural = if total == Count::Shown(1) {
        "response"
    } else {
        "responses"
    };
    let number = |id: &str| r.questions.iter().position(|q| q.question_id == id);
    let section =
        |id: &String| number(id).map(|n| question_section(n, &r.questions[n], &props.results, t));
    let grouped: Vec<&String> = r.promises.iter().flat_map(|p| &p.question_ids).collect();
    let others: Vec<&QuestionResults> = r
        .questions
        .iter()
        .filter(|q| !grouped.contains(&&q.question_id))
        .collect();

    html! {
        <div id="consultation-results">
            <span class="govuk-caption-l">
                { "Results" }
                if let Some(label) = record.round_label.as_ref().filter(|l| !l.trim().is_empty()) {
                    { format!(" · {label}") }
                }
            </span>
            <h1 class="govuk-heading-xl">{ record.title.clone() }</h1>
            { follow_up_list(&props.waiting, props.on_follow_up.as_ref()) }
            <p class="govuk-body-l" id="results-total">
                { format!("{} {plural} with consent to use the answers.", capitalised(&total.text(t))) }
            </p>
            if r.rounds.len() > 1 {
                <p class="govuk-body">{ "Rounds compared:" }</p>
                <ul class="govuk-list govuk-list--bullet" id="results-rounds">
                    { for r.rounds.iter().map(|h| html! {
                        <li data-round={h.id.clone()} data-count={count_attr(&h.responses)}>
                            { format!("{}: {} {}", h.label, h.responses.text(t),
                                if h.responses == Count::Shown(1) { "response" } else { "responses" }) }
                        </li>
                    }) }
                </ul>
            }
            <p class="govuk-body govuk-hint">
                { format!("Numbers from fewer than {t} young people are shown as \"fewer than {t}\", so nobody can be picked out.") }
            </p>
            <Filters homes={props.homes.clone()} filter={props.filter.clone()} on_apply={props.on_filter.clone()} />
            { share_links(&props.id, t) }
            { for r.promises.iter().enumerate().map(|(i, p)| html! {
                <>
                    <span class="govuk-caption-m">{ "Pledge promise" }</span>
                    <h2 class="govuk-heading-l" id={format!("promise-{i}")}>{ p.promise.clone() }</h2>
                    { for p.question_ids.iter().filter_map(section) }
                </>
            }) }
            if !others.is_empty() {
                <h2 class="govuk-heading-l" id="promise-other">
                    { if r.promises.is_empty() { "Answers" } else { "Other questions" } }
                </h2>
                { for others.iter().filter_map(|q| section(&q.question_id)) }
            }
            { you_said_we_did(record, props.on_change.as_ref()) }
        </div>
    }
}

/// "fewer than 5" → "Fewer than 5" at the start of a sentence.
fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

/// The Panel summary and export links (the server builds them; they need a connection).
fn share_links(id: &str, t: u32) -> Html {
    let summary = format!("/api/reports/consultations/{id}/summary");
    let exports = format!("/api/exports/consultations/{id}/responses");
    html! {
        <>
            <h2 class="govuk-heading-m">{ "Share the results" }</h2>
            <p class="govuk-body govuk-hint">
                { format!("These come from the server, so they need an internet connection. The summary covers every round and shows no written answers; the downloads hold only answers given with consent, and only when there are at least {t}.") }
            </p>
            <ul class="govuk-list">
                <li>
                    <a class="govuk-link" id="panel-summary-link" href={summary.clone()} target="_blank"
                        rel="noopener noreferrer">{ "Panel summary (opens in a new tab)" }</a>
                </li>
                <li>
                    <a class="govuk-link" id="panel-summary-pdf-link" href={format!("{summary}/pdf")}
                        download="">{ "Panel summary (PDF)" }</a>
                </li>
                <li>
                    <a class="govuk-link" id="export-csv-link" href={format!("{exports}.csv")}
                        download="">{ "Download responses (CSV)" }</a>
                </li>
                <li>
                    <a class="govuk-link" id="export-xlsx-link" href={format!("{exports}.xlsx")}
                        download="">{ "Download responses (Excel)" }</a>
                </li>
            </ul>
        </>
    }
}

/// One question: heading, then chart and table side by side, the comparison, written answers.
fn question_section(n: usize, q: &QuestionResults, r: &ConsultationResults, t: u32) -> Html {
    let id = &q.question_id;
    let several = r.rounds.len() > 1;
    let rows = answer_rows(q);
    let answered: Vec<String> = q
        .rounds
        .iter()
        .zip(&r.rounds)
        .map(|(o, h)| {
            let words = format!("{} answered", o.answered.text(t));
            if several {
                format!("{}: {words}", h.label)
            } else {
                words
            }
        })
        .collect();
    let headers = r.rounds.iter().map(|h| {
        html! {
            <th scope="col" class="govuk-table__header govuk-table__header--numeric">
                { if several { h.label.clone() } else { "Number (per cent)".to_string() } }
            </th>
        }
    });
    let body = rows.iter().map(|(value, label)| {
        let cells: Vec<(String, Option<&hearth_shared::reporting::Tally>)> = q
            .rounds
            .iter()
            .zip(&r.rounds)
            .map(|(o, h)| (h.id.clone(), o.tallies.iter().find(|t| t.value == *value)))
            .collect();
        let last = cells
            .last()
            .and_then(|(_, tally)| tally.map(|tally| count_attr(&tally.count)));
        html! {
            <tr class="govuk-table__row" data-option={value.clone()} data-count={last}>
                <th scope="row" class="govuk-table__header">{ label.clone() }</th>
                { for cells.into_iter().map(|(round, tally)| html! {
                    <td class="govuk-table__cell govuk-table__cell--numeric" data-round={round}
                        data-count={tally.map(|t| count_attr(&t.count))}
                        data-percent={tally.and_then(|t| t.percent).map(|p| p.to_string())}>
                        { tally.map_or_else(|| "not asked".to_string(), |tally| tally_text(&tally.count, tally.percent, t)) }
                    </td>
                }) }
            </tr>
        }
    });
    let texts = q.rounds.iter().zip(&r.rounds).map(|(o, h)| {
        let written = match &o.texts {
            Some(texts) if texts.is_empty() => html! { <p class="govuk-body">{ "No written answers." }</p> },
            Some(texts) => html! {
                <ul class="govuk-list govuk-list--bullet free-text-answers" data-round={h.id.clone()}>
                    { for texts.iter().map(|t| html! { <li>{ t.clone() }</li> }) }
                </ul>
            },
            None => html! {
                <p class="govuk-body">{ format!("Written answers are shown once at least {t} young people have answered.") }</p>
            },
        };
        html! {
            <>
                if several {
                    <h4 class="govuk-heading-s">{ h.label.clone() }</h4>
                }
                { written }
            </>
        }
    });
    html! {
        <section class="govuk-!-margin-bottom-8 question-result" key={id.clone()} data-question-id={id.clone()}>
            <h3 class="govuk-heading-m">{ format!("{}. {}", n + 1, q.prompt) }</h3>
            <p class="govuk-body govuk-hint">{ answered.join("; ") }</p>
            if rows.is_empty() {
                { for texts }
            } else {
                // `data-chart`: the chart and the table of its numbers, side by side.
                <div class="govuk-grid-row" data-chart="">
                    <div class="govuk-grid-column-one-half">
                        { bar_chart(&format!("question-{id}-chart"), q, &r.rounds, t) }
                    </div>
                    <div class="govuk-grid-column-one-half">
                        <table class="govuk-table hearth-table" id={format!("question-{id}-table")}>
                            <caption class="govuk-table__caption govuk-table__caption--s">
                                { format!("Answers to question {}", n + 1) }
                            </caption>
                            <thead class="govuk-table__head">
                                <tr class="govuk-table__row">
                                    <th scope="col" class="govuk-table__header">{ "Answer" }</th>
                                    { for headers }
                                </tr>
                            </thead>
                            <tbody class="govuk-table__body">{ for body }</tbody>
                            <tfoot>
                                <tr class="govuk-table__row">
                                    <th scope="row" class="govuk-table__header">{ "Answered" }</th>
                                    { for q.rounds.iter().map(|o| html! {
                                        <td class="govuk-table__cell govuk-table__cell--numeric"
                                            data-count={count_attr(&o.answered)}>{ o.answered.text(t) }</td>
                                    }) }
                                </tr>
                            </tfoot>
                        </table>
                    </div>
                </div>
            }
            if let Some(words) = comparison_text(q) {
                <p class="govuk-body govuk-!-font-weight-bold" id={format!("question-{id}-comparison")}>{ words }</p>
            }
        </section>
    }
}

/// Properties of [`Filters`].
#[derive(Properties, PartialEq)]
struct FiltersProps {
    homes: Rc<Vec<(String, String)>>,
    filter: ResultsFilter,
    on_apply: Callback<ResultsFilter>,
}

/// The filter being filled in: each field's change is an action, so two changes before a
/// render both stick.
struct Draft(ResultsFilter);

impl Reducible for Draft {
    type Action = (fn(&mut ResultsFilter, Option<String>), Option<String>);

    fn reduce(self: Rc<Self>, (apply, value): Self::Action) -> Rc<Self> {
        let mut next = self.0.clone();
        apply(&mut next, value);
        Rc::new(Draft(next))
    }
}

/// Home and date range, applied together with "Apply" (so the charts do not jump while a date
/// is half typed).
#[function_component]
fn Filters(props: &FiltersProps) -> Html {
    let draft = use_reducer(|| Draft(props.filter.clone()));
    let set = |apply: fn(&mut ResultsFilter, Option<String>)| {
        let draft = draft.dispatcher();
        Callback::from(move |v: String| draft.dispatch((apply, Some(v).filter(|v| !v.is_empty()))))
    };
    let on_submit = {
        let (draft, on_apply) = (draft.clone(), props.on_apply.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            on_apply.emit(draft.0.clone());
        })
    };
    let homes: Vec<(AttrValue, AttrValue)> =
        std::iter::once((AttrValue::Static(""), AttrValue::Static("All homes")))
            .chain(
                props
                    .homes
                    .iter()
                    .map(|(id, name)| (AttrValue::from(id.clone()), AttrValue::from(name.clone()))),
            )
            .collect();
    let value = |v: &Option<String>| AttrValue::from(v.clone().unwrap_or_default());
    let f = &draft.0;
    html! {
        <form id="results-filters" class="govuk-!-margin-bottom-6" onsubmit={on_submit} novalidate=true>
            <h2 class="govuk-heading-m">{ "Filter the results" }</h2>
            <div class="hearth-filters">
                <Select id="results-home" label="Home" options={homes}
                    selected={value(&f.home_id)} on_change={set(|f, v| f.home_id = v)} />
                <TextInput id="results-from" label="Answered from" input_type="date"
                    value={value(&f.from)} on_input={set(|f, v| f.from = v)} />
                <TextInput id="results-to" label="Answered up to" input_type="date"
                    value={value(&f.to)} on_input={set(|f, v| f.to = v)} />
                <button type="submit" class="govuk-button govuk-button--secondary" id="results-apply">
                    { "Apply" }
                </button>
            </div>
        </form>
    }
}

/// Which of the consultations on the device are rounds of the series `series` (ids bare, as
/// [`Consultation::series_of`] gives them), oldest first: the round being viewed (`current`)
/// always, the others once they have opened (a draft round has nothing to compare yet).
pub fn series_rounds<'a>(
    current: &str,
    series: &str,
    all: &'a [(String, &'a Consultation)],
) -> Vec<&'a (String, &'a Consultation)> {
    let mut rounds: Vec<&(String, &Consultation)> = Vec::new();
    let rounds_of = all.iter().filter(|(id, c)| {
        id == current
            || (c.series_of(id) == series && c.state != hearth_shared::model::WorkflowState::Draft)
    });
    // A handful of rounds: placed in order as found (no sort routine for this one type).
    for round in rounds_of {
        let key = |r: &(String, &Consultation)| (r.1.created_at, r.0.clone());
        let at = rounds
            .iter()
            .position(|r| key(r) > key(round))
            .unwrap_or(rounds.len());
        rounds.insert(at, round);
    }
    rounds
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_shared::model::WorkflowState;

    fn round(
        id: &str,
        series: Option<&str>,
        at: i64,
        state: WorkflowState,
    ) -> (String, Consultation) {
        let mut c = Consultation::new("worker-1", "Food at home", at);
        c.series_id = series.map(str::to_string);
        c.state = state;
        (id.to_string(), c)
    }

    #[test]
    fn rounds_of_a_series_are_compared_oldest_first_without_drafts_or_other_consultations() {
        let all = [
            round("autumn", Some("spring"), 30, WorkflowState::Open),
            round("spring", None, 10, WorkflowState::Closed),
            round("next", Some("spring"), 40, WorkflowState::Draft),
            round("other", None, 20, WorkflowState::Open),
            round("elsewhere", Some("other"), 25, WorkflowState::Open),
        ];
        let all: Vec<(String, &Consultation)> = all.iter().map(|(id, c)| (id.clone(), c)).collect();
        let ids = |current: &str, series: &str| -> Vec<String> {
            series_rounds(current, series, &all)
                .iter()
                .map(|(id, _)| id.clone())
                .collect()
        };
        assert_eq!(ids("autumn", "spring"), ["spring", "autumn"]);
        assert_eq!(ids("spring", "spring"), ["spring", "autumn"]);
        assert_eq!(ids("other", "other"), ["other", "elsewhere"]);
    }

    #[test]
    fn a_suppressed_total_starts_a_sentence_with_a_capital() {
        assert_eq!(capitalised(&Count::Suppressed.text(5)), "Fewer than 5");
        assert_eq!(capitalised(&Count::Shown(12).text(5)), "12");
    }
}
