//! GOV.UK form widgets shared by the record editors (this editor and the consultation builder).
//!
//! Every widget is labelled, links its hint and error message to the control with
//! `aria-describedby`, and reports the new value rather than the DOM event, so pages deal in
//! strings and booleans only.

use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

/// Longest paragraph a record accepts (`rules::schema::MAX_TEXT_CHARS`); the browser stops
/// typing there, and the editor's guard refuses anything longer that gets through.
pub(crate) const TEXT_MAX: usize = hearth_shared::rules::schema::MAX_TEXT_CHARS;
/// Longest short string a record accepts (`rules::schema::MAX_SHORT_CHARS`).
pub(crate) const SHORT_MAX: usize = hearth_shared::rules::schema::MAX_SHORT_CHARS;

/// The `aria-describedby` value for a control with an optional hint and error.
fn described_by(id: &str, hint: bool, error: bool) -> Option<AttrValue> {
    let ids: Vec<String> = [(hint, "hint"), (error, "error")]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, suffix)| format!("{id}-{suffix}"))
        .collect();
    (!ids.is_empty()).then(|| ids.join(" ").into())
}

/// The hint and error lines under a label, with the ids `described_by` points at.
fn hint_and_error(id: &str, hint: &Option<AttrValue>, error: &Option<AttrValue>) -> Html {
    html! {
        <>
            if let Some(hint) = hint {
                <div id={format!("{id}-hint")} class="govuk-hint">{ hint.clone() }</div>
            }
            if let Some(error) = error {
                <p id={format!("{id}-error")} class="govuk-error-message">
                    <span class="govuk-visually-hidden">{ "Error: " }</span>{ error.clone() }
                </p>
            }
        </>
    }
}

/// Properties of [`TextInput`].
#[derive(Properties, PartialEq)]
pub(crate) struct TextInputProps {
    /// The input's id (and name); what the label and error links point at.
    pub id: AttrValue,
    /// The visible label.
    pub label: AttrValue,
    /// The current value.
    pub value: AttrValue,
    /// Called with the new value on every keystroke.
    pub on_input: Callback<String>,
    /// Help shown under the label.
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    /// An error shown under the label; marks the field as in error.
    #[prop_or_default]
    pub error: Option<AttrValue>,
    /// The input type: `text`, `date`, `time`, `number`, `password`.
    #[prop_or(AttrValue::Static("text"))]
    pub input_type: AttrValue,
    /// Extra classes, e.g. a `govuk-input--width-10`.
    #[prop_or_default]
    pub class: Classes,
    /// `inputmode`, e.g. `numeric`.
    #[prop_or_default]
    pub inputmode: Option<AttrValue>,
    /// `autocomplete`; off unless set, because records are not personal details.
    #[prop_or(AttrValue::Static("off"))]
    pub autocomplete: AttrValue,
    /// Visually hide the label (when a heading or legend already says it).
    #[prop_or_default]
    pub label_hidden: bool,
}

/// A labelled single-line input.
#[function_component]
pub(crate) fn TextInput(props: &TextInputProps) -> Html {
    let on_input = props.on_input.clone();
    let oninput = Callback::from(move |e: InputEvent| {
        on_input.emit(e.target_unchecked_into::<HtmlInputElement>().value());
    });
    let id = props.id.as_str();
    html! {
        <div class={classes!("govuk-form-group", props.error.is_some().then_some("govuk-form-group--error"))}>
            <label class={classes!("govuk-label", props.label_hidden.then_some("govuk-visually-hidden"))} for={props.id.clone()}>
                { props.label.clone() }
            </label>
            { hint_and_error(id, &props.hint, &props.error) }
            <input
                class={classes!("govuk-input", props.error.is_some().then_some("govuk-input--error"), props.class.clone())}
                id={props.id.clone()} name={props.id.clone()} type={props.input_type.clone()}
                value={props.value.clone()} {oninput}
                inputmode={props.inputmode.clone()} autocomplete={props.autocomplete.clone()}
                maxlength={SHORT_MAX.to_string()}
                aria-describedby={described_by(id, props.hint.is_some(), props.error.is_some())} />
        </div>
    }
}

/// Properties of [`TextArea`].
#[derive(Properties, PartialEq)]
pub(crate) struct TextAreaProps {
    /// The textarea's id (and name).
    pub id: AttrValue,
    /// The visible label.
    pub label: AttrValue,
    /// The current text.
    pub value: AttrValue,
    /// Called with the whole new text on every keystroke (the caller applies it with
    /// `engine::text::replace`, which turns it into one splice).
    pub on_input: Callback<String>,
    /// Help shown under the label.
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    /// An error shown under the label.
    #[prop_or_default]
    pub error: Option<AttrValue>,
    /// Visible rows.
    #[prop_or(5)]
    pub rows: u32,
    /// Extra classes on the textarea (e.g. `manager-response`, a browser-test hook).
    #[prop_or_default]
    pub class: Classes,
    /// Classes on the label, e.g. `govuk-label--l` for a page's main question.
    #[prop_or_default]
    pub label_class: Classes,
    /// Make the label the page's section heading (an `h2` around it), for one-question pages.
    #[prop_or_default]
    pub heading: bool,
    /// The `<textarea>` itself, for a caller that keeps the caret in place.
    #[prop_or_default]
    pub node_ref: NodeRef,
}

/// A labelled multi-line text box.
#[function_component]
pub(crate) fn TextArea(props: &TextAreaProps) -> Html {
    let on_input = props.on_input.clone();
    let oninput = Callback::from(move |e: InputEvent| {
        on_input.emit(e.target_unchecked_into::<HtmlTextAreaElement>().value());
    });
    let id = props.id.as_str();
    let label = html! {
        <label class={classes!("govuk-label", props.label_class.clone())} for={props.id.clone()}>
            { props.label.clone() }
        </label>
    };
    html! {
        <div class={classes!("govuk-form-group", props.error.is_some().then_some("govuk-form-group--error"))}>
            if props.heading {
                <h2 class="govuk-label-wrapper">{ label }</h2>
            } else {
                { label }
            }
            { hint_and_error(id, &props.hint, &props.error) }
            <textarea ref={props.node_ref.clone()}
                class={classes!("govuk-textarea", props.error.is_some().then_some("govuk-textarea--error"), props.class.clone())}
                id={props.id.clone()} name={props.id.clone()} rows={props.rows.to_string()}
                value={props.value.clone()} {oninput} maxlength={TEXT_MAX.to_string()}
                aria-describedby={described_by(id, props.hint.is_some(), props.error.is_some())} />
        </div>
    }
}

/// Properties of [`Radios`].
#[derive(Properties, PartialEq)]
pub(crate) struct RadiosProps {
    /// Id of the first radio (what an error link points at); the others get `{id}-{n}`.
    pub id: AttrValue,
    /// The question, as the fieldset's legend.
    pub legend: AttrValue,
    /// `(value, label)` for each option, in order.
    pub options: Vec<(AttrValue, AttrValue)>,
    /// The value currently chosen.
    pub selected: AttrValue,
    /// Called with the chosen value.
    pub on_change: Callback<String>,
    /// Help shown under the legend.
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    /// An error shown under the legend.
    #[prop_or_default]
    pub error: Option<AttrValue>,
    /// Lay the options out in a row (for two or three short options).
    #[prop_or_default]
    pub inline: bool,
    /// Classes on the legend, e.g. `govuk-fieldset__legend--m`.
    #[prop_or_default]
    pub legend_class: Classes,
}

/// A fieldset of radio buttons with a legend.
#[function_component]
pub(crate) fn Radios(props: &RadiosProps) -> Html {
    let id = props.id.as_str();
    let items = props.options.iter().enumerate().map(|(n, (value, label))| {
        let input_id = if n == 0 { id.to_string() } else { format!("{id}-{}", n + 1) };
        let on_change = props.on_change.clone();
        let chosen = value.to_string();
        let onchange = Callback::from(move |_: Event| on_change.emit(chosen.clone()));
        html! {
            <div class="govuk-radios__item" key={value.to_string()}>
                <input class="govuk-radios__input" id={input_id.clone()} name={props.id.clone()}
                    type="radio" value={value.clone()} checked={*value == props.selected} {onchange} />
                <label class="govuk-label govuk-radios__label" for={input_id}>{ label.clone() }</label>
            </div>
        }
    });
    html! {
        <div class={classes!("govuk-form-group", props.error.is_some().then_some("govuk-form-group--error"))}>
            <fieldset class="govuk-fieldset"
                aria-describedby={described_by(id, props.hint.is_some(), props.error.is_some())}>
                <legend class={classes!("govuk-fieldset__legend", props.legend_class.clone())}>
                    { props.legend.clone() }
                </legend>
                { hint_and_error(id, &props.hint, &props.error) }
                <div class={classes!("govuk-radios", props.inline.then_some("govuk-radios--inline"))}>
                    { for items }
                </div>
            </fieldset>
        </div>
    }
}

/// Properties of [`Select`].
#[derive(Properties, PartialEq)]
pub(crate) struct SelectProps {
    /// The select's id (and name).
    pub id: AttrValue,
    /// The visible label.
    pub label: AttrValue,
    /// `(value, label)` for each option.
    pub options: Vec<(AttrValue, AttrValue)>,
    /// The value currently chosen.
    pub selected: AttrValue,
    /// Called with the chosen value.
    pub on_change: Callback<String>,
    /// Extra classes on the select (browser-test hooks).
    #[prop_or_default]
    pub class: Classes,
}

/// A labelled drop-down.
#[function_component]
pub(crate) fn Select(props: &SelectProps) -> Html {
    let on_change = props.on_change.clone();
    let onchange = Callback::from(move |e: Event| {
        on_change.emit(e.target_unchecked_into::<HtmlSelectElement>().value());
    });
    html! {
        <div class="govuk-form-group">
            <label class="govuk-label" for={props.id.clone()}>{ props.label.clone() }</label>
            <select class={classes!("govuk-select", props.class.clone())} id={props.id.clone()}
                name={props.id.clone()} {onchange}>
                { for props.options.iter().map(|(value, label)| html! {
                    <option value={value.clone()} selected={*value == props.selected}>{ label.clone() }</option>
                }) }
            </select>
        </div>
    }
}

/// Properties of [`Checkbox`].
#[derive(Properties, PartialEq)]
pub(crate) struct CheckboxProps {
    /// The checkbox's id.
    pub id: AttrValue,
    /// The label next to it.
    pub label: AttrValue,
    /// Whether it is ticked.
    pub checked: bool,
    /// Called with the new state.
    pub on_toggle: Callback<bool>,
}

/// One GOV.UK checkbox with its label (for a yes/no that reads as a statement).
#[function_component]
pub(crate) fn Checkbox(props: &CheckboxProps) -> Html {
    let on_toggle = props.on_toggle.clone();
    let onchange = Callback::from(move |e: Event| {
        on_toggle.emit(e.target_unchecked_into::<HtmlInputElement>().checked());
    });
    html! {
        <div class="govuk-checkboxes__item">
            <input class="govuk-checkboxes__input" id={props.id.clone()} name={props.id.clone()}
                type="checkbox" checked={props.checked} {onchange} />
            <label class="govuk-label govuk-checkboxes__label" for={props.id.clone()}>
                { props.label.clone() }
            </label>
        </div>
    }
}

/// A problem to show in an error summary: the field it is about and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The id of the control to fix (the summary links to it).
    pub target: String,
    /// What is wrong, in words that say what to do.
    pub message: String,
}

impl Problem {
    /// A problem with the control `target`.
    pub fn new(target: &str, message: &str) -> Problem {
        Problem {
            target: target.to_string(),
            message: message.to_string(),
        }
    }
}

/// Properties of [`ErrorSummary`].
#[derive(Properties, PartialEq)]
pub(crate) struct ErrorSummaryProps {
    /// The problems; nothing is shown when empty.
    pub problems: Vec<Problem>,
}

/// The GOV.UK error summary: announced as an alert, each problem a link to its field.
#[function_component]
pub(crate) fn ErrorSummary(props: &ErrorSummaryProps) -> Html {
    if props.problems.is_empty() {
        return html! {};
    }
    html! {
        <div class="govuk-error-summary" data-module="govuk-error-summary">
            <div role="alert">
                <h2 class="govuk-error-summary__title">{ "There is a problem" }</h2>
                <div class="govuk-error-summary__body">
                    <ul class="govuk-list govuk-error-summary__list">
                        { for props.problems.iter().map(|p| html! {
                            <li><a href={format!("#{}", p.target)}>{ p.message.clone() }</a></li>
                        }) }
                    </ul>
                </div>
            </div>
        </div>
    }
}

/// Properties of [`StringList`].
#[derive(Properties, PartialEq)]
pub(crate) struct StringListProps {
    /// Prefix for the ids inside (the new-entry input is `{id}-new`).
    pub id: AttrValue,
    /// The question, as the fieldset's legend.
    pub legend: AttrValue,
    /// Help under the legend.
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    /// The entries.
    pub items: Vec<String>,
    /// Called with the whole new list after an add or a remove.
    pub on_change: Callback<Vec<String>>,
    /// The label of the new-entry input, e.g. "Role".
    pub entry_label: AttrValue,
}

/// "Add another" for a list of short entries: the list with Remove buttons, then one input and
/// an Add button. A blank entry is never added, so the record never holds one.
#[function_component]
pub(crate) fn StringList(props: &StringListProps) -> Html {
    let draft = use_state(String::new);
    let id = props.id.as_str();
    let on_draft = {
        let draft = draft.clone();
        Callback::from(move |v: String| draft.set(v))
    };
    let add = {
        let draft = draft.clone();
        let items = props.items.clone();
        let on_change = props.on_change.clone();
        Callback::from(move |_: MouseEvent| {
            let entry = draft.trim().to_string();
            if !entry.is_empty() {
                let mut next = items.clone();
                next.push(entry);
                on_change.emit(next);
                draft.set(String::new());
            }
        })
    };
    let rows = props.items.iter().enumerate().map(|(n, item)| {
        let items = props.items.clone();
        let on_change = props.on_change.clone();
        let remove = Callback::from(move |_: MouseEvent| {
            let mut next = items.clone();
            next.remove(n);
            on_change.emit(next);
        });
        html! {
            <li key={format!("{n}-{item}")}>
                { item.clone() }{ " " }
                <button type="button" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0"
                    onclick={remove}>
                    { "Remove" }<span class="govuk-visually-hidden">{ format!(" {item}") }</span>
                </button>
            </li>
        }
    });
    html! {
        <div class="govuk-form-group">
            <fieldset class="govuk-fieldset" aria-describedby={described_by(id, props.hint.is_some(), false)}>
                <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{ props.legend.clone() }</legend>
                { hint_and_error(id, &props.hint, &None) }
                if props.items.is_empty() {
                    <p class="govuk-body">{ "None added." }</p>
                } else {
                    <ul class="govuk-list" id={format!("{id}-list")}>{ for rows }</ul>
                }
                <TextInput id={format!("{id}-new")} label={props.entry_label.clone()}
                    value={(*draft).clone()} on_input={on_draft} class={classes!("govuk-input--width-20")} />
                <button type="button" class="govuk-button govuk-button--secondary" id={format!("{id}-add")}
                    onclick={add}>
                    { "Add" }<span class="govuk-visually-hidden">{ format!(" to {}", props.legend) }</span>
                </button>
            </fieldset>
        </div>
    }
}

/// Text with its line breaks kept, for summary lists (no inline styles: the CSP forbids them).
pub(crate) fn multiline(text: &str) -> Html {
    if text.trim().is_empty() {
        return html! { <span class="govuk-hint">{ "Not written yet" }</span> };
    }
    let lines: Vec<&str> = text.split('\n').collect();
    let last = lines.len() - 1;
    html! {
        { for lines.into_iter().enumerate().map(|(n, line)| html! {
            <>{ line.to_string() }if n < last { <br /> }</>
        }) }
    }
}
