//! "You said, we did": what young people told us and what was done about it, written by the
//! participation worker for the Panel summary (`#you-said-we-did`).

use crate::engine::text;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{Consultation, YouSaidWeDid};
use yew::prelude::*;

use super::builder::edit;
use crate::pages::inspection::form::{TextArea, multiline};
use crate::pages::{Edit, Shown};

/// The entries of `record`, with add, remove and two text boxes each when `on_change` can write
/// them, read-only otherwise.
pub fn you_said_we_did(
    record: &Shown<Consultation>,
    on_change: Option<&Callback<Edit<Consultation>>>,
) -> Html {
    let entries = &record.you_said_we_did;
    let body = match on_change {
        Some(on_change) => editable(record, on_change),
        None if entries.is_empty() => {
            html! { <p class="govuk-body">{ "Nothing written yet." }</p> }
        }
        None => html! {
            <dl class="govuk-summary-list">
                { for entries.iter().map(|e| html! {
                    <div class="govuk-summary-list__row" key={e.id.clone()}>
                        <dt class="govuk-summary-list__key">{ multiline(e.you_said.as_str()) }</dt>
                        <dd class="govuk-summary-list__value">{ multiline(e.we_did.as_str()) }</dd>
                    </div>
                }) }
            </dl>
        },
    };
    html! {
        <section id="you-said-we-did" class="govuk-!-margin-top-8">
            <h2 class="govuk-heading-l">{ "You said, we did" }</h2>
            <p class="govuk-body govuk-hint">
                { "For the Panel summary: what young people told us, in your words, and what was done about it. Do not quote anything that could identify someone." }
            </p>
            { body }
        </section>
    }
}

fn editable(record: &Shown<Consultation>, on_change: &Callback<Edit<Consultation>>) -> Html {
    let add = edit(record, on_change, |c, _: MouseEvent| {
        // A random id: it is the merge key, so entries added on two devices are both kept.
        let id = DocumentId::random().to_string();
        c.you_said_we_did.push(YouSaidWeDid::new(&id, "", ""));
    });
    let items = record.you_said_we_did.iter().enumerate().map(|(i, entry)| {
        let id = entry.id.clone();
        let find = move |c: &Consultation| c.you_said_we_did.iter().position(|e| e.id == id);
        let on_you_said = {
            let find = find.clone();
            edit(record, on_change, move |c, v: String| {
                if let Some(p) = find(c) {
                    text::replace(&mut c.you_said_we_did[p].you_said, &v);
                }
            })
        };
        let on_we_did = {
            let find = find.clone();
            edit(record, on_change, move |c, v: String| {
                if let Some(p) = find(c) {
                    text::replace(&mut c.you_said_we_did[p].we_did, &v);
                }
            })
        };
        let remove = edit(record, on_change, move |c, _: MouseEvent| {
            if let Some(p) = find(c) {
                c.you_said_we_did.remove(p);
            }
        });
        let n = i + 1;
        html! {
            <div class="govuk-summary-card you-said-we-did-entry" key={entry.id.clone()}>
                <div class="govuk-summary-card__title-wrapper">
                    <h3 class="govuk-summary-card__title">{ format!("Entry {n}") }</h3>
                    <ul class="govuk-summary-card__actions">
                        <li class="govuk-summary-card__action">
                            <button type="button" class="govuk-button govuk-button--warning govuk-!-margin-bottom-0"
                                id={format!("you-said-we-did-{i}-remove")} onclick={remove}>
                                { "Remove" }<span class="govuk-visually-hidden">{ format!(" entry {n}") }</span>
                            </button>
                        </li>
                    </ul>
                </div>
                <div class="govuk-summary-card__content">
                    <TextArea id={format!("you-said-{i}")} label="You said"
                        value={entry.you_said.as_str().to_string()} on_input={on_you_said} rows={3} />
                    <TextArea id={format!("we-did-{i}")} label="We did"
                        value={entry.we_did.as_str().to_string()} on_input={on_we_did} rows={3} />
                </div>
            </div>
        }
    });
    html! {
        <>
            if record.you_said_we_did.is_empty() {
                <p class="govuk-body">{ "Nothing written yet." }</p>
            }
            { for items }
            <button type="button" class="govuk-button govuk-button--secondary" id="add-you-said-we-did" onclick={add}>
                { "Add an entry" }
            </button>
        </>
    }
}
