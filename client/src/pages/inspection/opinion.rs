//! Section: the members' opinion on safeguarding and on wellbeing, each with reasons.

use hearth_shared::model::{Inspection, Opinion as OpinionModel, OpinionChoice};
use yew::prelude::*;

use super::form::{Radios, TextArea};
use super::{SectionProps, edit, labels};
use crate::engine::text;

/// Both judgements: one fieldset and one reasons box each.
#[function_component]
pub fn Opinion(props: &SectionProps) -> Html {
    let choices = labels::options(OpinionChoice::ALL, OpinionChoice::as_str, labels::opinion);
    let one = |id: &'static str,
               question: &'static str,
               opinion: &OpinionModel,
               field: fn(&mut Inspection) -> &mut OpinionModel| {
        let on_choice = edit(props, move |i, v: String| {
            if let Some(c) = OpinionChoice::parse(&v) {
                field(i).choice = c;
            }
        });
        let on_text = edit(props, move |i, v: String| {
            text::replace(&mut field(i).text, &v)
        });
        html! {
            <>
                <Radios id={format!("{id}-choice")} legend={question}
                    legend_class={classes!("govuk-fieldset__legend--m")}
                    options={choices.clone()} selected={opinion.choice.as_str()}
                    on_change={on_choice} />
                <TextArea id={format!("{id}-text")} label="Your reasons" value={opinion.text.as_str().to_string()}
                    on_input={on_text} />
            </>
        }
    };
    html! {
        <>
            <h2 class="govuk-heading-l">{ "Opinion on safeguarding and wellbeing" }</h2>
            { one("safeguarding", "Are children effectively safeguarded?",
                &props.record.safeguarding_opinion, |i| &mut i.safeguarding_opinion) }
            { one("wellbeing", "Does the home promote the children's wellbeing?",
                &props.record.wellbeing_opinion, |i| &mut i.wellbeing_opinion) }
        </>
    }
}
