//! What a question measures: the Pledge promise it is tagged with and a published figure to
//! compare with (`#question-<i>-pledge`, `#question-<i>-comparison-*`), and the round label.
//! These stay editable once the consultation is open or closed (the rules allow exactly these,
//! plus "You said, we did", for participation workers).

use std::cell::RefCell;
use std::rc::Rc;

use hearth_shared::model::{Comparison, Consultation, Question, QuestionType};
use hearth_shared::reporting::results::answer_options;
use yew::prelude::*;

use super::builder::edit;
use crate::pages::inspection::form::{Select, TextInput};
use crate::pages::{Edit, Shown};

/// The comparison fields as typed: source, answer value, percentage.
pub type ComparisonInput = (String, String, String);

/// What the three comparison fields say: `Ok(None)` when all are empty (no comparison),
/// `Ok(Some(..))` when all are filled in and the percentage is a whole number from 0 to 100,
/// otherwise what is still missing. Only a complete comparison is written, so the record never
/// holds half of one.
pub fn comparison_from(
    (source, option, percent): &ComparisonInput,
) -> Result<Option<Comparison>, &'static str> {
    let (source, percent) = (source.trim(), percent.trim());
    if source.is_empty() && option.is_empty() && percent.is_empty() {
        return Ok(None);
    }
    if source.is_empty() {
        return Err("Enter where the figure comes from");
    }
    if option.is_empty() {
        return Err("Choose the answer the figure is for");
    }
    match percent.trim_end_matches('%').trim().parse::<u32>() {
        Ok(p) if p <= 100 => Ok(Some(Comparison {
            source: source.to_string(),
            option: option.clone(),
            percent: p,
        })),
        _ => Err("Enter the percentage as a whole number from 0 to 100"),
    }
}

fn input_of(c: Option<&Comparison>) -> ComparisonInput {
    c.map_or_else(Default::default, |c| {
        (c.source.clone(), c.option.clone(), c.percent.to_string())
    })
}

/// The round label field (`#consultation-round-label`).
pub fn round_label_field(
    record: &Shown<Consultation>,
    on_change: &Callback<Edit<Consultation>>,
) -> Html {
    let on_input = edit(record, on_change, |c, v: String| {
        c.round_label = Some(v).filter(|v| !v.trim().is_empty());
    });
    html! {
        <TextInput id="consultation-round-label" label="Round"
            hint="If you run this consultation more than once, what tells this round apart. For example, Spring 2026"
            value={record.round_label.clone().unwrap_or_default()} on_input={on_input}
            class={classes!("govuk-input--width-20")} />
    }
}

/// Question `i`'s promise and comparison fields.
pub fn measure_fields(
    record: &Shown<Consultation>,
    on_change: &Callback<Edit<Consultation>>,
    i: usize,
    q: &Question,
) -> Html {
    let on_pledge = edit(record, on_change, move |c, v: String| {
        c.questions[i].pledge = Some(v).filter(|v| !v.trim().is_empty());
    });
    let on_comparison = edit(record, on_change, move |c, v: Option<Comparison>| {
        c.questions[i].comparison = v;
    });
    html! {
        <>
            <TextInput id={format!("question-{i}-pledge")} label="Pledge promise it measures (optional)"
                hint="Results are grouped by promise. For example, We will listen to you"
                value={q.pledge.clone().unwrap_or_default()} on_input={on_pledge}
                class={classes!("govuk-input--width-30")} />
            if q.question_type != QuestionType::FreeText {
                <ComparisonFields index={i} question={q.clone()} on_set={on_comparison} />
            }
        </>
    }
}

/// Properties of [`ComparisonFields`].
#[derive(Properties, PartialEq)]
struct ComparisonProps {
    index: usize,
    question: Question,
    on_set: Callback<Option<Comparison>>,
}

/// Source, answer and percentage; written only when complete (or all cleared). What is typed is
/// kept here meanwhile, so a half-filled comparison is not lost between renders.
#[function_component]
fn ComparisonFields(props: &ComparisonProps) -> Html {
    let typed: Rc<RefCell<Option<ComparisonInput>>> = use_mut_ref(|| None);
    let redraw = use_force_update();
    let i = props.index;
    let q = &props.question;
    let shown = typed
        .borrow()
        .clone()
        .unwrap_or_else(|| input_of(q.comparison.as_ref()));
    let problem = comparison_from(&shown).err();
    let set = |field: fn(&mut ComparisonInput, String)| {
        let (typed, redraw, on_set) = (typed.clone(), redraw.clone(), props.on_set.clone());
        let stored = q.comparison.clone();
        Callback::from(move |v: String| {
            let mut next = typed
                .borrow()
                .clone()
                .unwrap_or_else(|| input_of(stored.as_ref()));
            field(&mut next, v);
            if let Ok(comparison) = comparison_from(&next) {
                on_set.emit(comparison);
            }
            *typed.borrow_mut() = Some(next);
            redraw.force_update();
        })
    };
    let answers: Vec<(AttrValue, AttrValue)> =
        std::iter::once((AttrValue::Static(""), AttrValue::Static("Choose an answer")))
            .chain(
                answer_options(q)
                    .into_iter()
                    .map(|(v, l)| (AttrValue::from(v), AttrValue::from(l))),
            )
            .collect();
    html! {
        <fieldset class="govuk-fieldset govuk-!-margin-bottom-4" aria-describedby={format!("question-{i}-comparison-hint")}>
            <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{ "Comparison figure (optional)" }</legend>
            <div class="govuk-hint" id={format!("question-{i}-comparison-hint")}>
                { "A published figure to show beside ours, for example the national survey's percentage who answered Yes." }
            </div>
            <TextInput id={format!("question-{i}-comparison-source")} label="Where it comes from"
                hint="For example, National survey 2025" value={shown.0.clone()}
                on_input={set(|c, v| c.0 = v)} class={classes!("govuk-input--width-20")} />
            <Select id={format!("question-{i}-comparison-option")} label="The answer it is for"
                options={answers} selected={shown.1.clone()} on_change={set(|c, v| c.1 = v)} />
            <TextInput id={format!("question-{i}-comparison-percent")} label="Percentage (0 to 100)"
                value={shown.2.clone()} inputmode="numeric" on_input={set(|c, v| c.2 = v)}
                class={classes!("govuk-input--width-3")}
                error={problem.filter(|_| typed.borrow().is_some()).map(AttrValue::Static)} />
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(source: &str, option: &str, percent: &str) -> ComparisonInput {
        (source.into(), option.into(), percent.into())
    }

    #[test]
    fn a_comparison_is_written_only_when_complete_and_cleared_when_empty() {
        assert_eq!(comparison_from(&typed("", "", " ")), Ok(None));
        assert_eq!(
            comparison_from(&typed("National survey 2025", "yes", "72")),
            Ok(Some(Comparison {
                source: "National survey 2025".into(),
                option: "yes".into(),
                percent: 72,
            }))
        );
        assert_eq!(
            comparison_from(&typed(" National survey 2025 ", "yes", "72%")),
            comparison_from(&typed("National survey 2025", "yes", "72")),
            "spaces and a per cent sign are forgiven"
        );
        assert!(comparison_from(&typed("National survey 2025", "", "72")).is_err());
        assert!(comparison_from(&typed("", "yes", "72")).is_err());
        assert!(comparison_from(&typed("National survey 2025", "yes", "")).is_err());
    }

    #[test]
    fn a_percentage_is_a_whole_number_from_0_to_100() {
        for bad in ["101", "-1", "7.5", "seventy"] {
            assert!(
                comparison_from(&typed("Survey", "yes", bad)).is_err(),
                "{bad}"
            );
        }
        assert!(comparison_from(&typed("Survey", "yes", "0")).is_ok());
        assert!(comparison_from(&typed("Survey", "yes", "100")).is_ok());
    }
}
