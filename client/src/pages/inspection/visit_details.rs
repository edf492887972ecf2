//! Section: visit details (date, times, announced, visiting members).

use hearth_shared::dates::{is_date, is_time};
use yew::prelude::*;

use super::form::{Radios, TextInput};
use super::{SectionProps, edit};

/// The visit details form.
#[function_component]
pub fn VisitDetails(props: &SectionProps) -> Html {
    let r = &props.record;
    // A date or time input reports "" while half-typed: only a complete value is written, so
    // the record never holds one the schema refuses.
    let on_date = edit(props, |i, v: String| {
        if is_date(&v) {
            i.visit_date = v;
        }
    });
    let on_time_in = edit(props, |i, v: String| {
        if v.is_empty() || is_time(&v) {
            i.time_in = v;
        }
    });
    let on_time_out = edit(props, |i, v: String| {
        if v.is_empty() || is_time(&v) {
            i.time_out = v;
        }
    });
    let on_announced = edit(props, |i, v: String| i.announced = v == "yes");
    let me = props.user_id.to_string();
    let add_me = edit(props, move |i, _: MouseEvent| {
        if !i.visiting_members.contains(&me) {
            i.visiting_members.push(me.clone());
        }
    });
    let listed = r.visiting_members.iter().any(|m| *m == *props.user_id);
    let date_error = (!is_date(&r.visit_date)).then(|| AttrValue::from("Enter a real date"));
    html! {
        <>
            <h2 class="govuk-heading-l">{ "Visit details" }</h2>
            <TextInput id="visit-date" label="Date of visit" input_type="date"
                value={r.visit_date.clone()} on_input={on_date} error={date_error}
                class={classes!("govuk-input--width-10")} />
            <TextInput id="time-in" label="Time you arrived" input_type="time"
                hint="For example, 10:30" value={r.time_in.clone()} on_input={on_time_in}
                class={classes!("govuk-input--width-5")} />
            <TextInput id="time-out" label="Time you left" input_type="time"
                hint="For example, 12:15" value={r.time_out.clone()} on_input={on_time_out}
                class={classes!("govuk-input--width-5")} />
            <Radios id="announced" legend="Did the home know about the visit in advance?"
                legend_class={classes!("govuk-fieldset__legend--s")} inline=true
                options={vec![("yes".into(), "Yes, it was announced".into()), ("no".into(), "No, it was unannounced".into())]}
                selected={if r.announced { "yes" } else { "no" }} on_change={on_announced} />
            <h3 class="govuk-heading-s">{ "Visiting members" }</h3>
            <ul class="govuk-list govuk-list--bullet" id="visiting-members">
                { for r.visiting_members.iter().map(|m| html! { <li>{ props.names.of(m) }</li> }) }
            </ul>
            if !listed {
                <button type="button" class="govuk-button govuk-button--secondary" id="add-me"
                    onclick={add_me}>{ "Add me as a visiting member" }</button>
            }
        </>
    }
}
