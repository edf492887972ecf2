//! Who asked to talk to someone and has not been followed up yet, and (for participation
//! workers) recording the follow-up: a short note; when and by whom are filled in.

use yew::prelude::*;

use crate::pages::inspection::form::TextArea;

/// A response waiting for a follow-up, as the list shows it (no answers, no names).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowUpItem {
    /// The response's document id (what the follow-up is written to).
    pub id: String,
    /// When it was handed in (or started), unix milliseconds.
    pub at: i64,
    /// The home it was given at, by name, if known.
    pub home: Option<String>,
    /// The young person's age band, if given.
    pub age_band: Option<String>,
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

/// The "Follow up" banner (`#talk-to-someone-list`): `waiting` oldest first; `on_save` records a
/// follow-up `(response id, note)`, and without it the list is read-only.
pub fn follow_up_list(
    waiting: &[FollowUpItem],
    on_save: Option<&Callback<(String, String)>>,
) -> Html {
    html! {
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
                        { for waiting.iter().enumerate().map(|(i, item)| html! {
                            <li class="talk-to-someone" key={item.id.clone()} data-response-id={item.id.clone()}>
                                { format!("Answered {}", when(item.at)) }
                                if let Some(home) = &item.home { { format!(", at {home}") } }
                                if let Some(band) = &item.age_band { { format!(", aged {band}") } }
                                if let Some(on_save) = on_save {
                                    <FollowUpForm index={i} id={item.id.clone()} on_save={on_save.clone()} />
                                }
                            </li>
                        }) }
                    </ul>
                }
            </div>
        </div>
    }
}

/// Properties of [`FollowUpForm`].
#[derive(Properties, PartialEq)]
struct FollowUpFormProps {
    index: usize,
    id: String,
    on_save: Callback<(String, String)>,
}

/// "Record the follow-up": a note and a button (`#follow-up-<i>-note`, `#follow-up-<i>-save`).
#[function_component]
fn FollowUpForm(props: &FollowUpFormProps) -> Html {
    let note = use_state(String::new);
    let error = use_state(|| false);
    let i = props.index;
    let on_input = {
        let note = note.clone();
        Callback::from(move |v: String| note.set(v))
    };
    let on_click = {
        let (note, error, on_save, id) = (
            note.clone(),
            error.clone(),
            props.on_save.clone(),
            props.id.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let text = note.trim().to_string();
            error.set(text.is_empty());
            if !text.is_empty() {
                on_save.emit((id.clone(), text));
            }
        })
    };
    html! {
        <details class="govuk-details govuk-!-margin-top-2 govuk-!-margin-bottom-2">
            <summary class="govuk-details__summary">
                <span class="govuk-details__summary-text">{ "Record the follow-up" }</span>
            </summary>
            <div class="govuk-details__text">
                <TextArea id={format!("follow-up-{i}-note")} label="What was done"
                    hint="For example, who spoke with them and when. Do not name the young person."
                    value={(*note).clone()} on_input={on_input} rows={3}
                    error={error.then_some(AttrValue::Static("Write what was done"))} />
                <button type="button" class="govuk-button govuk-button--secondary" id={format!("follow-up-{i}-save")}
                    onclick={on_click}>{ "Mark as followed up" }</button>
            </div>
        </details>
    }
}
