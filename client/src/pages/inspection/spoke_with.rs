//! Section: who we spoke with (children by initials and consent, staff and relatives by role).

use hearth_shared::model::ChildSpokenWith;
use hearth_shared::rules::schema::is_initials;
use yew::prelude::*;

use super::form::{Checkbox, StringList, TextInput};
use super::{SectionProps, edit};

/// Keeps only what initials may hold: capital letters, at most three. Typing "ab" gives "AB";
/// anything longer is cut, so a name can never be typed into this box.
pub fn clean_initials(typed: &str) -> String {
    typed
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_uppercase())
        .take(3)
        .collect()
}

/// The form for who the members spoke with.
#[function_component]
pub fn SpokeWith(props: &SectionProps) -> Html {
    let r = &props.record;
    let children = &r.spoke_with.children;
    let new_initials = use_state(String::new);
    let new_consent = use_state(|| false);
    let initials_error = use_state(|| false);

    let on_count = edit(props, |i, v: String| {
        // Never below the number of children recorded: the schema refuses that.
        if let Ok(n) = v.trim().parse::<u64>()
            && n >= i.spoke_with.children.entries.len() as u64
            && n <= hearth_shared::rules::schema::MAX_CHILDREN_COUNT
        {
            i.spoke_with.children.count = n;
        }
    });
    let on_initials = {
        let new_initials = new_initials.clone();
        Callback::from(move |v: String| new_initials.set(clean_initials(&v)))
    };
    let on_consent = {
        let new_consent = new_consent.clone();
        Callback::from(move |v: bool| new_consent.set(v))
    };
    let add_child = {
        let apply = {
            let new_initials = new_initials.clone();
            let new_consent = new_consent.clone();
            edit(props, move |i, _: ()| {
                let c = &mut i.spoke_with.children;
                c.entries.push(ChildSpokenWith {
                    initials: (*new_initials).clone(),
                    consent: *new_consent,
                });
                c.count = c.count.max(c.entries.len() as u64);
            })
        };
        let (new_initials, new_consent, initials_error) = (
            new_initials.clone(),
            new_consent.clone(),
            initials_error.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            if is_initials(&new_initials) {
                apply.emit(());
                new_initials.set(String::new());
                new_consent.set(false);
                initials_error.set(false);
            } else {
                initials_error.set(true);
            }
        })
    };
    let entries = children.entries.iter().enumerate().map(|(n, child)| {
        let remove = edit(props, move |i, _: MouseEvent| {
            if n < i.spoke_with.children.entries.len() {
                i.spoke_with.children.entries.remove(n);
            }
        });
        let toggle = edit(props, move |i, v: bool| {
            if let Some(c) = i.spoke_with.children.entries.get_mut(n) {
                c.consent = v;
            }
        });
        html! {
            <li key={format!("{n}-{}", child.initials)}>
                <div class="govuk-checkboxes govuk-checkboxes--small">
                    <Checkbox id={format!("child-{n}-consent")}
                        label={format!("{} agreed to their views being recorded", child.initials)}
                        checked={child.consent} on_toggle={toggle} />
                </div>
                <button type="button" class="govuk-button govuk-button--secondary" onclick={remove}>
                    { "Remove" }<span class="govuk-visually-hidden">{ format!(" {}", child.initials) }</span>
                </button>
            </li>
        }
    });
    let staff = edit(props, |i, v: Vec<String>| i.spoke_with.staff = v);
    let relatives = edit(props, |i, v: Vec<String>| {
        i.spoke_with.parents_relatives = v
    });
    let initials_error = (*initials_error)
        .then(|| AttrValue::from("Enter 1 to 3 letters, like AB. Never write a child's name"));

    html! {
        <>
            <h2 class="govuk-heading-l">{ "Who we spoke with" }</h2>
            <TextInput id="children-count" label="How many children did you speak with?"
                inputmode="numeric" value={children.count.to_string()}
                hint="Include children whose initials you do not record"
                on_input={on_count} class={classes!("govuk-input--width-3")} />
            <fieldset class="govuk-fieldset govuk-form-group">
                <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{ "Children recorded" }</legend>
                <div class="govuk-hint">{ "Initials only. Record a child only if they agreed." }</div>
                if children.entries.is_empty() {
                    <p class="govuk-body">{ "None added." }</p>
                } else {
                    <ul class="govuk-list" id="children-list">{ for entries }</ul>
                }
                <TextInput id="child-initials" label="Child's initials" value={(*new_initials).clone()}
                    on_input={on_initials} error={initials_error}
                    class={classes!("govuk-input--width-4")} />
                <div class="govuk-form-group">
                    <div class="govuk-checkboxes">
                        <Checkbox id="child-consent" label="They agreed to their views being recorded"
                            checked={*new_consent} on_toggle={on_consent} />
                    </div>
                </div>
                <button type="button" class="govuk-button govuk-button--secondary" id="add-child"
                    onclick={add_child}>{ "Add child" }</button>
            </fieldset>
            <StringList id="staff" legend="Staff you spoke with" entry_label="Role"
                hint="Their role, not their name. For example, Team leader"
                items={r.spoke_with.staff.clone()} on_change={staff} />
            <StringList id="relatives" legend="Parents or relatives you spoke with"
                entry_label="Relationship" hint="Their relationship, not their name. For example, Parent"
                items={r.spoke_with.parents_relatives.clone()} on_change={relatives} />
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_box_cannot_hold_a_name() {
        assert_eq!(clean_initials("ab"), "AB");
        assert_eq!(clean_initials("Alexandra"), "ALE");
        assert_eq!(clean_initials("a.b."), "AB");
        assert_eq!(clean_initials("12"), "");
        assert!(is_initials(&clean_initials("x y z")));
    }
}
