//! Sections that are one paragraph: premises and environment, children's views.

use yew::prelude::*;

use super::form::TextArea;

/// Properties of [`Narrative`].
#[derive(Properties, PartialEq)]
pub struct NarrativeProps {
    /// The textarea's id (`premises`, `children-views`).
    pub id: AttrValue,
    /// The section heading, also the textarea's label.
    pub heading: AttrValue,
    /// What to write about.
    pub hint: AttrValue,
    /// The current text.
    pub value: AttrValue,
    /// Called with the whole new text.
    pub on_input: Callback<String>,
}

/// A one-question section: the heading is the textarea's label (GOV.UK "question page").
#[function_component]
pub fn Narrative(props: &NarrativeProps) -> Html {
    html! {
        <TextArea id={props.id.clone()} label={props.heading.clone()} heading=true
            label_class={classes!("govuk-label--l")} hint={props.hint.clone()}
            value={props.value.clone()} on_input={props.on_input.clone()} rows={10} />
    }
}
