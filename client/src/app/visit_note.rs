//! The visit note editor: date, attendees, the notes themselves and follow-up actions.
//!
//! Typing in the notes is one Automerge splice per input event, without re-reading the record,
//! so a long note stays quick and two devices' typing merges. Other fields re-read the record,
//! apply the change, check it with the same rules the server uses, and write it back. The form is
//! re-read from the document only when another device's change arrives.

use std::rc::Rc;

use hearth_shared::dates::long_date;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{Record, VisitAction, VisitNote, WorkflowState};
use hearth_shared::rules;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::records::state_tag;
use super::typed_record::LocalSaveIndicator;
use super::{navigate, now_ms, use_app};
use crate::engine::text;
use crate::route::Route;

/// Properties of [`VisitNoteEditor`].
#[derive(Properties, PartialEq)]
pub struct VisitNoteEditorProps {
    /// The visit note's document.
    pub id: DocumentId,
    /// Where "Back" goes.
    pub back: Route,
}

/// What the form shows, kept between renders so typing is not re-read from the document.
struct Form {
    id: DocumentId,
    /// The engine's remote-change revision this was read at.
    seen: u64,
    note: VisitNote,
    body: String,
    /// The attendees field as typed (commas and all), not as parsed.
    attendees: String,
}

impl Form {
    fn read(id: DocumentId, seen: u64, note: VisitNote) -> Form {
        Form {
            id,
            seen,
            body: note.body.as_str().to_string(),
            attendees: note.attendees.join(", "),
            note,
        }
    }
}

fn is_focused(element: &HtmlTextAreaElement) -> bool {
    let active = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element());
    active.is_some_and(|a| a == ***element)
}

/// An edit to the typed note.
type Change = Box<dyn FnOnce(&mut VisitNote)>;

fn parse_attendees(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A user-facing message for a change the rules refuse before it is written.
fn refusal_message(rejection: &rules::Rejection) -> String {
    let message = rejection.message();
    if message.starts_with("visitDate") || message.contains("dueDate") {
        "Enter a real date, for example 27 3 2026".into()
    } else if message.contains("longer than") {
        "That is too long: shorten it".into()
    } else {
        format!("This change cannot be made: {message}")
    }
}

/// The editor.
#[function_component]
pub fn VisitNoteEditor(props: &VisitNoteEditorProps) -> Html {
    let app = use_app();
    let form = use_mut_ref(|| None::<Form>);
    let error = use_state(|| None::<String>);
    let force = use_force_update();
    let body_ref = use_node_ref();
    // Where to put the caret after another device's change replaced the text being typed in.
    let caret = use_mut_ref(|| None::<(u32, u32)>);
    {
        let (body_ref, caret) = (body_ref.clone(), caret.clone());
        use_effect(move || {
            if let (Some((start, end)), Some(area)) = (
                caret.borrow_mut().take(),
                body_ref.cast::<HtmlTextAreaElement>(),
            ) {
                let _ = area.set_selection_range(start, end);
            }
        });
    }
    let id = props.id;
    let rt = app.rt.clone();

    let revision = rt.with_engine(|e| e.revision(id));
    {
        let mut current = form.borrow_mut();
        if current
            .as_ref()
            .is_none_or(|f| f.id != id || f.seen != revision)
        {
            let note = rt.with_engine(|e| match e.record(id) {
                Some(Ok(Record::VisitNote(note))) => Some(note),
                _ => None,
            });
            let Some(note) = note else {
                return html! { <p class="govuk-body">{ "This visit note cannot be read." }</p> };
            };
            let fresh = Form::read(id, revision, note);
            // Typing in the notes while another device's words arrive: keep the caret by the
            // same words instead of letting it jump to the end.
            if let (Some(old), Some(area)) = (
                current.as_ref().filter(|f| f.id == id),
                body_ref.cast::<HtmlTextAreaElement>(),
            ) && is_focused(&area)
            {
                let map =
                    |at: Option<u32>| text::map_caret(&old.body, &fresh.body, at.unwrap_or(0));
                *caret.borrow_mut() = Some((
                    map(area.selection_start().ok().flatten()),
                    map(area.selection_end().ok().flatten()),
                ));
            }
            *current = Some(fresh);
        }
    }
    let me = rt.me();
    let actor = me.as_ref().and_then(|m| m.actor());
    let rejection = rt.with_engine(|e| e.rejection(id).cloned());
    let (note, body, attendees) = {
        let f = form.borrow();
        let f = f.as_ref().expect("read above");
        (f.note.clone(), f.body.clone(), f.attendees.clone())
    };
    let editable = rejection.is_none()
        && note.state == WorkflowState::Draft
        && actor.as_ref().is_some_and(|a| a.user_id == note.created_by);

    // Applies a change to the freshly read note, checks it, and writes it.
    let edit: Rc<dyn Fn(Change)> = {
        let (rt, form, error, actor) = (rt.clone(), form.clone(), error.clone(), actor.clone());
        Rc::new(move |change: Change| {
            let (record, heads) = rt.with_engine(|e| (e.record(id), e.heads(id)));
            let Some(Ok(Record::VisitNote(before))) = record else {
                return;
            };
            let mut after = before.clone();
            change(&mut after);
            if after == before {
                return;
            }
            let (before, after_record) = (Record::VisitNote(before), Record::VisitNote(after));
            if let Some(actor) = &actor
                && let Err(refused) = rules::check_change(Some(&before), &after_record, actor)
            {
                error.set(Some(refusal_message(&refused)));
                return;
            }
            match rt.write_record(id, &after_record, &heads) {
                Ok(()) => {
                    error.set(None);
                    if let (Some(f), Record::VisitNote(after)) =
                        (form.borrow_mut().as_mut(), after_record)
                    {
                        f.note = after;
                    }
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        })
    };

    let on_body = {
        let (rt, form, error) = (rt.clone(), form.clone(), error.clone());
        Callback::from(move |event: InputEvent| {
            let value = event.target_unchecked_into::<HtmlTextAreaElement>().value();
            if let Some(f) = form.borrow_mut().as_mut() {
                f.body = value.clone();
            }
            if let Err(e) = rt.set_text(id, "body", &value) {
                error.set(Some(e.to_string()));
            }
        })
    };
    let on_date = {
        let edit = edit.clone();
        Callback::from(move |event: Event| {
            let value = event.target_unchecked_into::<HtmlInputElement>().value();
            edit(Box::new(move |n| n.visit_date = value));
        })
    };
    let on_attendees = {
        let (edit, form, force) = (edit.clone(), form.clone(), force.clone());
        Callback::from(move |event: InputEvent| {
            let raw = event.target_unchecked_into::<HtmlInputElement>().value();
            if let Some(f) = form.borrow_mut().as_mut() {
                f.attendees = raw.clone();
            }
            let list = parse_attendees(&raw);
            edit(Box::new(move |n| n.attendees = list));
            force.force_update();
        })
    };
    let on_add_action = {
        let edit = edit.clone();
        Callback::from(move |_: MouseEvent| {
            edit(Box::new(|n| {
                n.actions.push(VisitAction {
                    text: String::new(),
                    owner: String::new(),
                    due_date: String::new(),
                    done: false,
                })
            }));
        })
    };
    let on_finish = {
        let edit = edit.clone();
        Callback::from(move |_: MouseEvent| edit(Box::new(|n| n.state = WorkflowState::Closed)))
    };
    let on_copy = {
        let (rt, error) = (rt.clone(), error.clone());
        let copy = note.clone();
        let body = body.clone();
        Callback::from(move |_: MouseEvent| {
            let mut fresh = VisitNote::new(&copy.created_by, &copy.home_id, now_ms());
            fresh.visit_date = copy.visit_date.clone();
            fresh.attendees = copy.attendees.clone();
            fresh.body = autosurgeon::Text::with_value(&body);
            fresh.actions = copy.actions.clone();
            match rt.create(&Record::VisitNote(fresh)) {
                Ok(new_id) => navigate(&Route::Record(new_id)),
                Err(e) => error.set(Some(e.to_string())),
            }
        })
    };
    let on_discard = {
        let rt = rt.clone();
        Callback::from(move |_: MouseEvent| rt.discard_rejected(id))
    };

    let home_name = me
        .as_ref()
        .and_then(|m| m.home_name(&note.home_id))
        .unwrap_or("Home")
        .to_string();
    let (state_label, state_colour) = state_tag(Some(note.state));

    html! {
        <div id="visit-note-editor" data-document-id={id.to_string()}>
            <a href={props.back.href()} class="govuk-back-link">{ "Back to records" }</a>
            <span class="govuk-caption-l">{ &home_name }</span>
            <h1 class="govuk-heading-l">{ format!("Visit note {}", long_date(&note.visit_date)) }</h1>
            <LocalSaveIndicator id={id} />
            if rejection.is_some() {
                <div class="govuk-inset-text">
                    { "Your text below is exactly as you left it on this device. It has not been sent." }
                </div>
                <div class="govuk-button-group">
                    <button id="copy-to-new-note" type="button" class="govuk-button" onclick={on_copy}>
                        { "Copy my text into a new visit note" }
                    </button>
                    <button id="discard-local-copy" type="button"
                        class="govuk-button govuk-button--warning" onclick={on_discard}>
                        { "Discard my copy and show the server's version" }
                    </button>
                </div>
            }
            if let Some(message) = &*error {
                <p class="govuk-error-message" role="alert">
                    <span class="govuk-visually-hidden">{ "Error:" }</span>{ message.clone() }
                </p>
            }
            <dl class="govuk-summary-list">
                <div class="govuk-summary-list__row">
                    <dt class="govuk-summary-list__key">{ "Home" }</dt>
                    <dd class="govuk-summary-list__value">{ &home_name }</dd>
                </div>
                <div class="govuk-summary-list__row">
                    <dt class="govuk-summary-list__key">{ "Status" }</dt>
                    <dd class="govuk-summary-list__value">
                        <strong class={classes!("govuk-tag", state_colour)}>{ state_label }</strong>
                    </dd>
                </div>
            </dl>
            <div class="govuk-form-group">
                <label class="govuk-label govuk-label--s" for="visit-date">{ "Date of visit" }</label>
                <input class="govuk-input govuk-input--width-10" id="visit-date" name="visit-date"
                    type="date" value={note.visit_date.clone()} onchange={on_date}
                    readonly={!editable} />
            </div>
            <div class="govuk-form-group">
                <label class="govuk-label govuk-label--s" for="attendees">{ "Who attended" }</label>
                <div id="attendees-hint" class="govuk-hint">{ "Separate names or roles with commas" }</div>
                <input class="govuk-input" id="attendees" name="attendees" type="text"
                    aria-describedby="attendees-hint" value={attendees} oninput={on_attendees}
                    readonly={!editable} autocomplete="off" />
            </div>
            <div class="govuk-form-group">
                <label class="govuk-label govuk-label--s" for="body">{ "Notes" }</label>
                <div id="body-hint" class="govuk-hint">
                    { "What you saw and heard. Use initials for children, never full names." }
                </div>
                <textarea ref={body_ref} class="govuk-textarea" id="body" name="body" rows="12"
                    aria-describedby="body-hint" value={body} oninput={on_body}
                    readonly={!editable} maxlength="100000" />
            </div>
            <h2 class="govuk-heading-m">{ "Follow-up actions" }</h2>
            if note.actions.is_empty() {
                <p class="govuk-body">{ "No follow-up actions yet." }</p>
            }
            { for note.actions.iter().enumerate().map(|(i, action)| action_fields(i, action, editable, &edit)) }
            if editable {
                <button id="add-action" type="button" class="govuk-button govuk-button--secondary"
                    onclick={on_add_action}>
                    { "Add a follow-up action" }
                </button>
                <h2 class="govuk-heading-m">{ "Finished?" }</h2>
                <p class="govuk-body">
                    { "When you mark the note as finished it can no longer be changed, on any device." }
                </p>
                <button id="close-note" type="button" class="govuk-button govuk-button--warning"
                    onclick={on_finish}>
                    { "Mark as finished" }
                </button>
            }
        </div>
    }
}

/// One action's fields: what, who, when, done.
fn action_fields(
    i: usize,
    action: &VisitAction,
    editable: bool,
    edit: &Rc<dyn Fn(Change)>,
) -> Html {
    let field = |set: fn(&mut VisitAction, String)| {
        let edit = edit.clone();
        Callback::from(move |event: Event| {
            let value = event.target_unchecked_into::<HtmlInputElement>().value();
            edit(Box::new(move |n| {
                if let Some(a) = n.actions.get_mut(i) {
                    set(a, value);
                }
            }));
        })
    };
    let on_done = {
        let edit = edit.clone();
        Callback::from(move |event: Event| {
            let checked = event.target_unchecked_into::<HtmlInputElement>().checked();
            edit(Box::new(move |n| {
                if let Some(a) = n.actions.get_mut(i) {
                    a.done = checked;
                }
            }));
        })
    };
    let on_remove = {
        let edit = edit.clone();
        Callback::from(move |_: MouseEvent| {
            edit(Box::new(move |n| {
                if i < n.actions.len() {
                    n.actions.remove(i);
                }
            }))
        })
    };
    let n = i + 1;
    let key = |name: &str| format!("action-{n}-{name}");
    html! {
        <fieldset class="govuk-fieldset hearth-action" data-action-index={i.to_string()}>
            <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{ format!("Action {n}") }</legend>
            <div class="govuk-form-group">
                <label class="govuk-label" for={key("text")}>{ "What needs to happen" }</label>
                <input class="govuk-input" id={key("text")} type="text" value={action.text.clone()}
                    onchange={field(|a, v| a.text = v)} readonly={!editable} maxlength="500" />
            </div>
            <div class="govuk-form-group">
                <label class="govuk-label" for={key("owner")}>{ "Who will do it" }</label>
                <input class="govuk-input govuk-!-width-one-half" id={key("owner")} type="text"
                    value={action.owner.clone()} onchange={field(|a, v| a.owner = v)}
                    readonly={!editable} maxlength="500" />
            </div>
            <div class="govuk-form-group">
                <label class="govuk-label" for={key("due")}>{ "Due by (optional)" }</label>
                <input class="govuk-input govuk-input--width-10" id={key("due")} type="date"
                    value={action.due_date.clone()} onchange={field(|a, v| a.due_date = v)}
                    readonly={!editable} />
            </div>
            <div class="govuk-checkboxes govuk-checkboxes--small govuk-!-margin-bottom-4">
                <div class="govuk-checkboxes__item">
                    <input class="govuk-checkboxes__input" id={key("done")} type="checkbox"
                        checked={action.done} onchange={on_done} disabled={!editable} />
                    <label class="govuk-label govuk-checkboxes__label" for={key("done")}>{ "Done" }</label>
                </div>
            </div>
            if editable {
                <button type="button" class="govuk-button govuk-button--secondary hearth-remove"
                    onclick={on_remove}>
                    { "Remove" }<span class="govuk-visually-hidden">{ format!(" action {n}") }</span>
                </button>
            }
        </fieldset>
    }
}
