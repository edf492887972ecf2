//! Section: records checked (an outcome and a comment for each area).

use hearth_shared::model::{CheckOutcome, RecordCheck};
use yew::prelude::*;

use super::form::{Radios, TextArea};
use super::{SectionProps, edit, labels};
use crate::engine::text;

/// Whether a check needs a comment it does not have (a concern must say what).
pub fn needs_comment(check: &RecordCheck) -> bool {
    check.outcome == CheckOutcome::Concern && check.comment.as_str().trim().is_empty()
}

/// One fieldset per area of the home's records.
#[function_component]
pub fn RecordsChecked(props: &SectionProps) -> Html {
    let outcomes = labels::options(CheckOutcome::ALL, CheckOutcome::as_str, labels::outcome);
    let areas = props
        .record
        .records_checked
        .iter()
        .enumerate()
        .map(|(n, check)| {
            let key = check.area.as_str();
            let on_outcome = edit(props, move |i, v: String| {
                if let (Some(c), Some(o)) = (i.records_checked.get_mut(n), CheckOutcome::parse(&v))
                {
                    c.outcome = o;
                }
            });
            let on_comment = edit(props, move |i, v: String| {
                if let Some(c) = i.records_checked.get_mut(n) {
                    text::replace(&mut c.comment, &v);
                }
            });
            let error = needs_comment(check).then(|| AttrValue::from("Say what the concern is"));
            html! {
                <div key={key} class="govuk-!-margin-bottom-6">
                    <Radios id={format!("records-{key}")} legend={labels::area(check.area)}
                        legend_class={classes!("govuk-fieldset__legend--m")} inline=true
                        options={outcomes.clone()} selected={check.outcome.as_str()}
                        on_change={on_outcome} />
                    <TextArea id={format!("records-{key}-comment")}
                        label={format!("Comments on {}", labels::area(check.area).to_lowercase())}
                        value={check.comment.as_str().to_string()} on_input={on_comment}
                        error={error} rows={3} />
                </div>
            }
        });
    html! {
        <>
            <h2 class="govuk-heading-l">{ "Records checked" }</h2>
            <p class="govuk-body">{ "For each set of records, say what you found. Choose \"Not seen\" if you did not look at them." }</p>
            { for areas }
        </>
    }
}
