//! Sections: this visit's recommendations, and progress on earlier ones.

use hearth_shared::dates::is_date;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{PreviousRecommendation, Priority, Recommendation};
use wasm_bindgen::JsValue;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::form::{Radios, TextArea};
use super::{SectionProps, edit, labels};
use crate::engine::text;

/// The recommendations list: text, priority and timescale each, add and remove.
#[function_component]
pub fn Recommendations(props: &SectionProps) -> Html {
    let priorities = labels::options(Priority::ALL, Priority::as_str, labels::priority);
    let add = edit(props, |i, _: MouseEvent| {
        // A random id: it is the merge key, so two members adding at once keep both.
        let id = DocumentId::random().to_string();
        i.recommendations
            .push(Recommendation::new(&id, "", Priority::Medium));
    });
    let items = props.record.recommendations.iter().enumerate().map(|(n, rec)| {
        let id = rec.id.clone();
        let find = move |i: &mut hearth_shared::model::Inspection| {
            i.recommendations.iter().position(|r| r.id == id)
        };
        let on_text = {
            let find = find.clone();
            edit(props, move |i, v: String| {
                if let Some(p) = find(i) {
                    text::replace(&mut i.recommendations[p].text, &v);
                }
            })
        };
        let on_due_by = {
            let find = find.clone();
            edit(props, move |i, due_by: Option<String>| {
                if let Some(p) = find(i) {
                    i.recommendations[p].due_by = due_by;
                }
            })
        };
        let on_priority = {
            let find = find.clone();
            edit(props, move |i, v: String| {
                if let (Some(p), Some(pr)) = (find(i), Priority::parse(&v)) {
                    i.recommendations[p].priority = pr;
                }
            })
        };
        let remove = edit(props, move |i, _: MouseEvent| {
            if let Some(p) = find(i) {
                i.recommendations.remove(p);
            }
        });
        let number = n + 1;
        html! {
            <div class="govuk-summary-card" key={rec.id.clone()}>
                <div class="govuk-summary-card__title-wrapper">
                    <h3 class="govuk-summary-card__title">{ format!("Recommendation {number}") }</h3>
                    <ul class="govuk-summary-card__actions">
                        <li class="govuk-summary-card__action">
                            <button type="button" class="govuk-button govuk-button--warning govuk-!-margin-bottom-0"
                                onclick={remove}>
                                { "Remove" }<span class="govuk-visually-hidden">{ format!(" recommendation {number}") }</span>
                            </button>
                        </li>
                    </ul>
                </div>
                <div class="govuk-summary-card__content">
                    <TextArea id={format!("recommendation-{n}-text")} label="What should the home do?"
                        value={rec.text.as_str().to_string()} on_input={on_text} rows={3} />
                    <Radios id={format!("recommendation-{n}-priority")} legend="Priority" inline=true
                        legend_class={classes!("govuk-fieldset__legend--s")}
                        options={priorities.clone()} selected={rec.priority.as_str()}
                        on_change={on_priority} />
                    { due_by_field(n, rec.due_by.as_deref(), on_due_by) }
                </div>
            </div>
        }
    });
    html! {
        <>
            <h2 class="govuk-heading-l">{ "Recommendations" }</h2>
            if props.record.recommendations.is_empty() {
                <p class="govuk-body">{ "No recommendations added yet." }</p>
            }
            { for items }
            <button type="button" class="govuk-button govuk-button--secondary" id="add-recommendation"
                onclick={add}>{ "Add a recommendation" }</button>
        </>
    }
}

/// The "Timescale (respond by)" date input of recommendation `n`; emits the new timescale
/// (`None` once emptied).
fn due_by_field(n: usize, value: Option<&str>, on_change: Callback<Option<String>>) -> Html {
    let id = format!("recommendation-{n}-due-by");
    let oninput = Callback::from(move |e: InputEvent| {
        let input: HtmlInputElement = e.target_unchecked_into();
        if let Some(due_by) = due_by_value(&input.value(), half_typed(&input)) {
            on_change.emit(due_by);
        }
    });
    html! {
        <div class="govuk-form-group">
            <label class="govuk-label" for={id.clone()}>{ "Timescale (respond by)" }</label>
            <div id={format!("{id}-hint")} class="govuk-hint">
                { "The date by which the home should have acted on it. Leave it empty for no timescale." }
            </div>
            <input class="govuk-input govuk-input--width-10" type="date" id={id.clone()} name={id.clone()}
                value={value.unwrap_or_default().to_string()} {oninput} autocomplete="off"
                aria-describedby={format!("{id}-hint")} />
        </div>
    }
}

/// Whether a date input holds a date still being typed: it then reports "" just as when it was
/// emptied, and only `validity.badInput` tells them apart.
fn half_typed(input: &HtmlInputElement) -> bool {
    js_sys::Reflect::get(input, &JsValue::from_str("validity"))
        .and_then(|v| js_sys::Reflect::get(&v, &JsValue::from_str("badInput")))
        .ok()
        .and_then(|b| b.as_bool())
        .unwrap_or(false)
}

/// What a timescale input's value writes: `Some(None)` clears it, `Some(Some(date))` sets a
/// complete date, `None` leaves the record alone (a date still being typed, which must not wipe
/// the one stored, or a date the schema would refuse).
fn due_by_value(input: &str, half_typed: bool) -> Option<Option<String>> {
    let input = input.trim();
    if half_typed {
        None
    } else if input.is_empty() {
        Some(None)
    } else if is_date(input) {
        Some(Some(input.to_string()))
    } else {
        None
    }
}

/// Earlier visits' recommendations and the progress seen on each.
#[function_component]
pub fn PreviousRecommendations(props: &SectionProps) -> Html {
    let add = edit(props, |i, _: MouseEvent| {
        i.previous_recommendations.push(PreviousRecommendation {
            text: "".into(),
            progress: "".into(),
        });
    });
    let items = props.record.previous_recommendations.iter().enumerate().map(|(n, prev)| {
        let on_text = edit(props, move |i, v: String| {
            if let Some(p) = i.previous_recommendations.get_mut(n) {
                text::replace(&mut p.text, &v);
            }
        });
        let on_progress = edit(props, move |i, v: String| {
            if let Some(p) = i.previous_recommendations.get_mut(n) {
                text::replace(&mut p.progress, &v);
            }
        });
        let remove = edit(props, move |i, _: MouseEvent| {
            if n < i.previous_recommendations.len() {
                i.previous_recommendations.remove(n);
            }
        });
        let number = n + 1;
        html! {
            <fieldset class="govuk-fieldset govuk-!-margin-bottom-6">
                <legend class="govuk-fieldset__legend govuk-fieldset__legend--m">
                    { format!("Previous recommendation {number}") }
                </legend>
                <TextArea id={format!("previous-{n}-text")} label="What was recommended"
                    value={prev.text.as_str().to_string()} on_input={on_text} rows={3} />
                <TextArea id={format!("previous-{n}-progress")} label="Progress you saw"
                    value={prev.progress.as_str().to_string()} on_input={on_progress} rows={3} />
                <button type="button" class="govuk-button govuk-button--warning" onclick={remove}>
                    { "Remove" }<span class="govuk-visually-hidden">{ format!(" previous recommendation {number}") }</span>
                </button>
            </fieldset>
        }
    });
    html! {
        <>
            <h2 class="govuk-heading-l">{ "Previous recommendations" }</h2>
            <p class="govuk-body">{ "Copy each recommendation from the last visit's record and say what has been done about it." }</p>
            { for items }
            <button type="button" class="govuk-button govuk-button--secondary" id="add-previous-recommendation"
                onclick={add}>{ "Add a previous recommendation" }</button>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::due_by_value;

    #[test]
    fn a_timescale_is_written_only_when_complete_or_cleared() {
        assert_eq!(
            due_by_value("2026-12-31", false),
            Some(Some("2026-12-31".into()))
        );
        assert_eq!(due_by_value("", false), Some(None));
        // Half-typed: the input says "" but the stored timescale stays.
        assert_eq!(due_by_value("", true), None);
        assert_eq!(due_by_value("0002-12-31", false), None);
        assert_eq!(due_by_value("2026-02-30", false), None);
    }
}
