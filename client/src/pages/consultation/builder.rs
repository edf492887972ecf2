//! The consultation builder: title, purpose, audience and the questions, then Open and Close.
//! Once open or closed, a participation worker can still set the round label and what each
//! question measures (its Pledge promise and comparison figure).

use crate::engine::text;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{Audience, Consultation, QuestionType, Record, WorkflowState as S};
use hearth_shared::permissions::{Actor, Role, access};
use hearth_shared::reporting::results::answer_options;
use hearth_shared::rules::validate_record;
use yew::prelude::*;

use super::measures::{measure_fields, round_label_field};
use super::questions::{self, has_options, type_label};
use crate::pages::inspection::form::{ErrorSummary, Problem, Radios, Select, TextArea, TextInput};
use crate::pages::{Edit, Shown};

/// Properties of [`ConsultationBuilder`].
#[derive(Properties, PartialEq)]
pub struct ConsultationBuilderProps {
    /// The consultation as it is now.
    pub record: Shown<Consultation>,
    /// Called with every edit and state move.
    pub on_change: Callback<Edit<Consultation>>,
    /// The signed-in user; only a participation worker edits (others see it read-only).
    pub actor: Actor,
}

/// A callback applying `apply` to a copy of `record` and emitting the edit if it changed
/// anything.
pub(super) fn edit<T: 'static>(
    record: &Shown<Consultation>,
    on_change: &Callback<Edit<Consultation>>,
    apply: impl Fn(&mut Consultation, T) + 'static,
) -> Callback<T> {
    let record = record.clone();
    let on_change = on_change.clone();
    Callback::from(move |value: T| {
        if let Some(edit) = record.edit(|next| apply(next, value)) {
            on_change.emit(edit);
        }
    })
}

fn audience_label(a: Audience) -> &'static str {
    match a {
        Audience::Ages8To12 => "8 to 12",
        Audience::Ages13To15 => "13 to 15",
        Audience::Ages16To18 => "16 to 18",
        Audience::All => "Everyone",
    }
}

fn type_options() -> Vec<(AttrValue, AttrValue)> {
    QuestionType::ALL
        .iter()
        .map(|&t| {
            (
                AttrValue::Static(t.as_str()),
                AttrValue::Static(type_label(t)),
            )
        })
        .collect()
}

/// Builds a consultation (draft), then opens and closes it. See the module docs.
#[function_component]
pub fn ConsultationBuilder(props: &ConsultationBuilderProps) -> Html {
    let problems = use_state(Vec::<Problem>::new);
    let refused = use_state(|| None::<String>);
    let new_type = use_state(|| QuestionType::EmojiScale);
    let record = props.record.clone();
    let can_write = access(
        &props.actor,
        &Record::Consultation((*props.record).clone()).meta(),
    )
    .can_write();

    // Never emit what the schema refuses: the server would refuse it and stop syncing.
    let on_change = {
        let on_change = props.on_change.clone();
        let refused = refused.clone();
        Callback::from(move |edit: Edit<Consultation>| {
            let next = Record::Consultation(edit.to);
            match validate_record(&next) {
                Ok(()) => {
                    if refused.is_some() {
                        refused.set(None);
                    }
                    if let Record::Consultation(to) = next {
                        on_change.emit(Edit { to, ..edit });
                    }
                }
                Err(rejection) => refused.set(Some(rejection.message().to_string())),
            }
        })
    };
    let state_move = |to: S| edit(&record, &on_change, move |c, _: MouseEvent| c.state = to);
    // Open or closed, a worker still tags questions and labels the round (the rules allow only
    // these); the questions themselves stay as young people saw them.
    let measures = (props.actor.role == Role::ParticipationWorker
        && matches!(props.record.state, S::Open | S::Closed))
    .then(|| measures_form(&record, &on_change));

    let body = match (props.record.state, can_write) {
        (S::Draft, true) => {
            let open = {
                let record = record.clone();
                let on_change = on_change.clone();
                let problems = problems.clone();
                Callback::from(move |_: MouseEvent| {
                    let found = questions::open_problems(&record);
                    if found.is_empty() {
                        on_change.emit(record.edit_to(questions::opened(&record)));
                    }
                    problems.set(found);
                })
            };
            html! {
                <>
                    <ErrorSummary problems={(*problems).clone()} />
                    { draft_form(&record, &on_change, &new_type) }
                    <h2 class="govuk-heading-m">{ "Open the consultation" }</h2>
                    <p class="govuk-body">{ "Once open, young people can answer it and the questions cannot be changed until you stop it." }</p>
                    <button type="button" class="govuk-button" id="open-consultation" onclick={open}>
                        { "Open consultation" }
                    </button>
                </>
            }
        }
        (S::Open, true) => html! {
            <>
                <div class="govuk-inset-text">{ "This consultation is open and taking answers." }</div>
                { read_only(&record) }
                { measures.clone().unwrap_or_default() }
                <div class="govuk-button-group">
                    <button type="button" class="govuk-button govuk-button--warning" id="close-consultation"
                        onclick={state_move(S::Closed)}>{ "Close consultation" }</button>
                    <button type="button" class="govuk-button govuk-button--secondary" id="reopen-draft"
                        onclick={state_move(S::Draft)}>{ "Stop taking answers and edit" }</button>
                </div>
            </>
        },
        _ => html! {
            <>
                { read_only(&record) }
                { measures.unwrap_or_default() }
            </>
        },
    };
    html! {
        <div id="consultation-builder" data-state={props.record.state.as_str()}>
            <span class="govuk-caption-l" id="consultation-round">
                { "Consultation" }
                if let Some(label) = props.record.round_label.as_ref().filter(|l| !l.trim().is_empty()) {
                    { format!(" · {label}") }
                }
            </span>
            <h1 class="govuk-heading-xl">
                { if props.record.title.trim().is_empty() { "New consultation".to_string() } else { props.record.title.clone() } }
                { " " }<strong class="govuk-tag govuk-tag--grey">{ state_label(props.record.state) }</strong>
            </h1>
            if let Some(message) = &*refused {
                <div class="govuk-error-summary" role="alert" id="edit-refused">
                    <h2 class="govuk-error-summary__title">{ "Your last change was not saved" }</h2>
                    <div class="govuk-error-summary__body">
                        <p class="govuk-body">{ format!("The consultation would not be valid ({message}). Undo the change and try again.") }</p>
                    </div>
                </div>
            }
            { body }
        </div>
    }
}

fn state_label(state: S) -> &'static str {
    match state {
        S::Draft => "Draft",
        S::Open => "Open",
        S::Closed => "Closed",
        _ => "Unknown",
    }
}

/// The editable form for a draft.
fn draft_form(
    record: &Shown<Consultation>,
    on_change: &Callback<Edit<Consultation>>,
    new_type: &UseStateHandle<QuestionType>,
) -> Html {
    let on_title = edit(record, on_change, |c, v: String| c.title = v);
    let on_purpose = edit(record, on_change, |c, v: String| {
        text::replace(&mut c.purpose, &v)
    });
    let on_audience = edit(record, on_change, |c, v: String| {
        if let Some(a) = Audience::parse(&v) {
            c.audience = a;
        }
    });
    let audiences = Audience::ALL
        .iter()
        .map(|&a| {
            (
                AttrValue::Static(a.as_str()),
                AttrValue::Static(audience_label(a)),
            )
        })
        .collect::<Vec<_>>();
    let on_new_type = {
        let new_type = new_type.clone();
        Callback::from(move |v: String| {
            if let Some(t) = QuestionType::parse(&v) {
                new_type.set(t);
            }
        })
    };
    let add = {
        let t = **new_type;
        edit(record, on_change, move |c, _: MouseEvent| {
            questions::add_question(c, t, &DocumentId::random().to_string());
        })
    };
    let count = record.questions.len();
    let items = record
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| question_card(record, on_change, i, count, q));
    html! {
        <>
            <TextInput id="consultation-title" label="Title" value={record.title.clone()}
                hint="Young people see this. For example, Food at home" on_input={on_title} />
            <TextArea id="consultation-purpose" label="Why are you asking?"
                hint="In simple words: what you want to find out and what you will do with the answers."
                value={record.purpose.as_str().to_string()} on_input={on_purpose} rows={4} />
            <Radios id="consultation-audience" legend="Who is it for?" inline=true
                legend_class={classes!("govuk-fieldset__legend--s")}
                options={audiences} selected={record.audience.as_str()} on_change={on_audience} />
            { round_label_field(record, on_change) }
            <h2 class="govuk-heading-l">{ "Questions" }</h2>
            if record.questions.is_empty() {
                <p class="govuk-body">{ "No questions yet." }</p>
            }
            { for items }
            <div class="govuk-form-group">
                <Select id="add-question-type" label="Type of question to add" options={type_options()}
                    selected={new_type.as_str()} on_change={on_new_type} />
                <button type="button" class="govuk-button govuk-button--secondary" id="add-question" onclick={add}>
                    { "Add question" }
                </button>
            </div>
        </>
    }
}

/// One question's card: prompt, type, options, and move/remove actions.
fn question_card(
    record: &Shown<Consultation>,
    on_change: &Callback<Edit<Consultation>>,
    i: usize,
    count: usize,
    q: &hearth_shared::model::Question,
) -> Html {
    let n = i + 1;
    let on_prompt = edit(record, on_change, move |c, v: String| {
        c.questions[i].prompt = v
    });
    let on_type = edit(record, on_change, move |c, v: String| {
        if let Some(t) = QuestionType::parse(&v) {
            questions::set_type(&mut c.questions[i], t);
        }
    });
    let up = edit(record, on_change, move |c, _: MouseEvent| {
        questions::move_question(c, i, true)
    });
    let down = edit(record, on_change, move |c, _: MouseEvent| {
        questions::move_question(c, i, false)
    });
    let remove = edit(record, on_change, move |c, _: MouseEvent| {
        c.questions.remove(i);
    });
    let add_option = edit(record, on_change, move |c, _: MouseEvent| {
        c.questions[i].options.push(String::new())
    });
    let options = q.options.iter().enumerate().map(|(j, option)| {
        let on_option = edit(record, on_change, move |c, v: String| c.questions[i].options[j] = v);
        let remove_option = edit(record, on_change, move |c, _: MouseEvent| {
            c.questions[i].options.remove(j);
        });
        html! {
            <div class="govuk-!-margin-bottom-4">
                <TextInput id={format!("question-{i}-option-{j}")} label={format!("Option {}", j + 1)}
                    value={option.clone()} on_input={on_option} class={classes!("govuk-input--width-20")} />
                if q.options.len() > 2 {
                    <button type="button" class="govuk-button govuk-button--secondary" onclick={remove_option}>
                        { "Remove" }<span class="govuk-visually-hidden">{ format!(" option {} of question {n}", j + 1) }</span>
                    </button>
                }
            </div>
        }
    });
    let hidden =
        |what: &str| html! { <span class="govuk-visually-hidden">{ format!(" {what}") }</span> };
    html! {
        <div class="govuk-summary-card question-card" key={q.id.clone()}>
            <div class="govuk-summary-card__title-wrapper">
                <h3 class="govuk-summary-card__title">{ format!("Question {n}") }</h3>
                <ul class="govuk-summary-card__actions">
                    if i > 0 {
                        <li class="govuk-summary-card__action">
                            <button type="button" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" onclick={up}>
                                { "Move up" }{ hidden(&format!("question {n}")) }
                            </button>
                        </li>
                    }
                    if n < count {
                        <li class="govuk-summary-card__action">
                            <button type="button" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" onclick={down}>
                                { "Move down" }{ hidden(&format!("question {n}")) }
                            </button>
                        </li>
                    }
                    <li class="govuk-summary-card__action">
                        <button type="button" class="govuk-button govuk-button--warning govuk-!-margin-bottom-0" onclick={remove}>
                            { "Remove" }{ hidden(&format!("question {n}")) }
                        </button>
                    </li>
                </ul>
            </div>
            <div class="govuk-summary-card__content">
                <TextInput id={format!("question-{i}-prompt")} label="Question" value={q.prompt.clone()}
                    hint="Short and simple. For example, How do you feel about meals?" on_input={on_prompt}
                    class={classes!("govuk-input--width-30")} />
                <Select id={format!("question-{i}-type")} label="Type of answer" options={type_options()}
                    selected={q.question_type.as_str()} on_change={on_type} />
                if has_options(q.question_type) {
                    <fieldset class="govuk-fieldset govuk-!-margin-bottom-6">
                        <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{ "Options" }</legend>
                        { for options }
                        <button type="button" class="govuk-button govuk-button--secondary" onclick={add_option}>
                            { "Add option" }{ hidden(&format!("to question {n}")) }
                        </button>
                    </fieldset>
                }
                { measure_fields(record, on_change, i, q) }
            </div>
        </div>
    }
}

/// The round label and each question's promise and comparison, for an open or closed
/// consultation.
fn measures_form(record: &Shown<Consultation>, on_change: &Callback<Edit<Consultation>>) -> Html {
    html! {
        <div id="consultation-measures">
            <h2 class="govuk-heading-m">{ "What the questions measure" }</h2>
            <p class="govuk-body">{ "You can still change these while the consultation is open or closed: they only affect how the results are shown." }</p>
            { round_label_field(record, on_change) }
            { for record.questions.iter().enumerate().map(|(i, q)| html! {
                <div class="govuk-summary-card" key={q.id.clone()}>
                    <div class="govuk-summary-card__title-wrapper">
                        <h3 class="govuk-summary-card__title">{ format!("Question {}: {}", i + 1, q.prompt) }</h3>
                    </div>
                    <div class="govuk-summary-card__content">{ measure_fields(record, on_change, i, q) }</div>
                </div>
            }) }
        </div>
    }
}

/// The consultation as young people will see it, without edit controls.
fn read_only(record: &Consultation) -> Html {
    html! {
        <>
            <dl class="govuk-summary-list">
                if let Some(label) = &record.round_label {
                    <div class="govuk-summary-list__row">
                        <dt class="govuk-summary-list__key">{ "Round" }</dt>
                        <dd class="govuk-summary-list__value">{ label.clone() }</dd>
                    </div>
                }
                <div class="govuk-summary-list__row">
                    <dt class="govuk-summary-list__key">{ "Why we are asking" }</dt>
                    <dd class="govuk-summary-list__value">{ crate::pages::inspection::form::multiline(record.purpose.as_str()) }</dd>
                </div>
                <div class="govuk-summary-list__row">
                    <dt class="govuk-summary-list__key">{ "Who it is for" }</dt>
                    <dd class="govuk-summary-list__value">{ audience_label(record.audience) }</dd>
                </div>
            </dl>
            <h2 class="govuk-heading-m">{ "Questions" }</h2>
            <ol class="govuk-list govuk-list--number">
                { for record.questions.iter().map(|q| html! {
                    <li>
                        { q.prompt.clone() }
                        <span class="govuk-hint">{ format!(" ({})", type_label(q.question_type)) }</span>
                        if !q.options.is_empty() {
                            <ul class="govuk-list govuk-list--bullet">
                                { for q.options.iter().map(|o| html! { <li>{ o.clone() }</li> }) }
                            </ul>
                        }
                        if let Some(pledge) = &q.pledge {
                            <p class="govuk-body-s govuk-!-margin-bottom-1">{ format!("Pledge promise: {pledge}") }</p>
                        }
                        if let Some(c) = &q.comparison {
                            <p class="govuk-body-s">{ format!("Compared with {}: {}% ({})", c.source, c.percent,
                                answer_options(q).into_iter().find(|(v, _)| *v == c.option).map_or(c.option.clone(), |(_, l)| l)) }</p>
                        }
                    </li>
                }) }
            </ol>
        </>
    }
}
