//! The Regulation 33 inspection editor: a task list of sections, check your answers, sign-off, and the manager's responses.
//!
//! A pure view of a typed [`Inspection`]: every edit is emitted whole through `on_change`, with
//! the record it was made from ([`Edit`]; the caller writes it to the document and persists it),
//! and the record comes back as the new `record` prop. Which section is open is the only state kept here.
//!
//! Text fields are edited with `engine::text::replace`, which records the edit as one splice, so
//! two members typing in the same paragraph merge instead of overwriting each other. The two
//! one-paragraph sections, which grow longest, emit each keystroke as [`Typed`] through
//! `on_text` instead of a whole-record edit ([`narrative`]).

pub(crate) mod form;
mod labels;
mod narrative;
mod opinion;
mod recommendations;
mod records_checked;
pub mod report;
mod respond;
pub mod sections;
mod spoke_with;
mod summary;
mod visit_details;
mod workflow;

use std::rc::Rc;

use hearth_shared::dates::long_date;
use hearth_shared::model::{Inspection, Record, WorkflowState};
use hearth_shared::permissions::Actor;
use hearth_shared::rules::validate_record;
use yew::prelude::*;

use form::{ErrorSummary, Problem};
pub use narrative::Typed;
use narrative::{LongText, Narrative};
use sections::{Section, completed_count, is_complete};
use summary::Summary;
use workflow::Mode;

use super::{Edit, Shown, Version};
use crate::session::Names;

/// Properties of [`InspectionEditor`].
#[derive(Properties, PartialEq)]
pub struct InspectionEditorProps {
    /// The record as it is now (re-rendered whenever the document changes).
    pub record: Shown<Inspection>,
    /// Called with every edit and state move.
    pub on_change: Callback<Edit<Inspection>>,
    /// Called with each keystroke in a one-paragraph section; returns the version the text is
    /// then at (`None`: not written).
    pub on_text: Callback<Typed, Option<Version>>,
    /// The signed-in user: decides between editing, signing off, responding and reading.
    pub actor: Actor,
    /// Names for the user ids the record holds.
    pub names: Names,
    /// The document's id, exposed as `data-document-id` for browser tests.
    pub document_id: String,
    /// Shown under the heading: the host's report section once the record is signed off
    /// ([`report::ReportPanel`], which reads the server).
    #[prop_or_default]
    pub report: Html,
}

/// What every section form gets: the record, where to send edits, and who is editing.
#[derive(Properties, PartialEq)]
pub struct SectionProps {
    /// The record as this section was given it (shared, so its callbacks do not each copy it).
    pub record: Shown<Inspection>,
    /// Where edits go (already guarded by the schema check).
    pub on_change: Callback<Edit<Inspection>>,
    /// The signed-in user's id.
    pub user_id: AttrValue,
    /// Names for the user ids the record holds.
    pub names: Names,
}

/// A callback that applies `apply` to a copy of the record this section was given and emits the
/// edit if it changed anything.
pub(crate) fn edit<T: 'static>(
    props: &SectionProps,
    apply: impl Fn(&mut Inspection, T) + 'static,
) -> Callback<T> {
    let record = props.record.clone();
    let on_change = props.on_change.clone();
    Callback::from(move |value: T| {
        if let Some(edit) = record.edit(|next| apply(next, value)) {
            on_change.emit(edit);
        }
    })
}

/// The time now, unix milliseconds (the browser's clock; the shared core has none).
fn now_ms() -> i64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// Which page of the editor is showing (local UI state only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum View {
    TaskList,
    Section(Section),
    CheckAnswers,
}

/// The Regulation 33 record editor. See the module docs.
#[function_component]
pub fn InspectionEditor(props: &InspectionEditorProps) -> Html {
    let view = use_state(|| View::TaskList);
    let view_ref = use_node_ref();
    // The link or button that was pressed is gone once the page changes: move focus to the new
    // page so keyboard and screen-reader users are not dropped at the top of the document.
    {
        let view_ref = view_ref.clone();
        let first = use_mut_ref(|| true);
        use_effect_with((*view, props.record.state), move |_| {
            if !std::mem::replace(&mut *first.borrow_mut(), false)
                && let Some(element) = view_ref.cast::<web_sys::HtmlElement>()
            {
                // Focus can only fail on a detached element; nothing to do then.
                let _ = element.focus();
            }
        });
    }
    let refused = use_state(|| None::<String>);
    let problems = use_state(Vec::<Problem>::new);
    let record = props.record.clone();

    // The last line of defence: an edit the schema refuses is never emitted (the server would
    // refuse it and stop syncing this document); the person is told instead.
    let on_change = {
        let on_change = props.on_change.clone();
        let refused = refused.clone();
        Callback::from(move |edit: Edit<Inspection>| {
            let next = Record::Inspection(edit.to);
            match validate_record(&next) {
                Ok(()) => {
                    if refused.is_some() {
                        refused.set(None);
                    }
                    if let Record::Inspection(to) = next {
                        on_change.emit(Edit { to, ..edit });
                    }
                }
                Err(rejection) => refused.set(Some(rejection.message().to_string())),
            }
        })
    };
    let section_props = |record: &Shown<Inspection>| SectionProps {
        record: record.clone(),
        on_change: on_change.clone(),
        user_id: props.actor.user_id.clone().into(),
        names: props.names.clone(),
    };
    let go = |to: View| {
        let view = view.clone();
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            view.set(to);
        })
    };
    let open_section = {
        let view = view.clone();
        Callback::from(move |s: Section| view.set(View::Section(s)))
    };
    let emit_move = |make: Rc<dyn Fn(&Inspection) -> Inspection>| {
        let record = record.clone();
        let on_change = on_change.clone();
        Callback::from(move |_: MouseEvent| on_change.emit(record.edit_to(make(&record))))
    };

    let body = match workflow::mode(&props.record, &props.actor) {
        Mode::Edit => match *view {
            View::TaskList => task_list(&record, &go),
            View::Section(section) => html! {
                <>
                    <a href="#task-list" class="govuk-back-link" onclick={go(View::TaskList)}>{ "Back to sections" }</a>
                    { section_form(section, section_props(&record), &props.on_text) }
                    <button type="button" class="govuk-button" id="section-done" onclick={go(View::TaskList)}>
                        { "Back to sections" }
                    </button>
                </>
            },
            View::CheckAnswers => {
                let submit = {
                    let record = record.clone();
                    let on_change = on_change.clone();
                    let problems = problems.clone();
                    Callback::from(move |_: MouseEvent| {
                        let found = workflow::submit_problems(&record);
                        if found.is_empty() {
                            on_change.emit(record.edit_to(workflow::submitted(&record)));
                        }
                        problems.set(found);
                    })
                };
                html! {
                    <>
                        <a href="#task-list" class="govuk-back-link" onclick={go(View::TaskList)}>{ "Back to sections" }</a>
                        <h2 class="govuk-heading-l" id="check-answers-heading">{ "Check your answers" }</h2>
                        <ErrorSummary problems={(*problems).clone()} />
                        <Summary record={record.rc().clone()} names={props.names.clone()} on_change_section={open_section} />
                        <h2 class="govuk-heading-m">{ "Now submit the record" }</h2>
                        <p class="govuk-body">{ "Once submitted, the record cannot be edited unless it is returned to draft. The member who started it then signs it off." }</p>
                        <button type="button" class="govuk-button" id="submit-inspection" onclick={submit}>
                            { "Submit" }
                        </button>
                    </>
                }
            }
        },
        Mode::Submitted {
            can_sign_off,
            can_withdraw,
        } => {
            let actor = props.actor.clone();
            let sign_off = emit_move(Rc::new(move |r| workflow::signed_off(r, &actor, now_ms())));
            let withdraw = emit_move(Rc::new(workflow::withdrawn));
            html! {
                <>
                    <div class="govuk-inset-text">{ "This record has been submitted and is waiting to be signed off." }</div>
                    <Summary record={record.rc().clone()} names={props.names.clone()} />
                    if can_sign_off {
                        <h2 class="govuk-heading-m">{ "Sign off the record" }</h2>
                        <p class="govuk-body">{ "By signing off you confirm this is an accurate record of the visit. It cannot be changed afterwards, and the home's manager can then respond." }</p>
                        <button type="button" class="govuk-button" id="sign-off-inspection" onclick={sign_off}>
                            { "Sign off" }
                        </button>
                    }
                    if can_withdraw {
                        <button type="button" class="govuk-button govuk-button--secondary" id="withdraw-inspection"
                            onclick={withdraw}>{ "Return to draft" }</button>
                    }
                </>
            }
        }
        Mode::Respond { can_send } => {
            let send = emit_move(Rc::new(workflow::responded));
            html! {
                <>
                    <Summary record={record.rc().clone()} names={props.names.clone()} />
                    <respond::Respond ..section_props(&record) />
                    if can_send {
                        <button type="button" class="govuk-button" id="send-responses" onclick={send}>
                            { "Send responses" }
                        </button>
                    } else {
                        <div class="govuk-inset-text">{ "Responses sent. Changes you make here are saved as you type." }</div>
                    }
                </>
            }
        }
        Mode::ReadOnly { can_close } => {
            let close = emit_move(Rc::new(workflow::closed));
            let signed = matches!(
                props.record.state,
                WorkflowState::SignedOff | WorkflowState::Responded | WorkflowState::Closed
            );
            html! {
                <>
                    <Summary record={record.rc().clone()} names={props.names.clone()} show_responses={signed} />
                    if can_close {
                        <button type="button" class="govuk-button govuk-button--secondary" id="close-inspection"
                            onclick={close}>{ "Close the record" }</button>
                    }
                </>
            }
        }
    };

    html! {
        <div id="inspection-editor" data-document-id={props.document_id.clone()}
            data-state={props.record.state.as_str()}>
            <span class="govuk-caption-l">{ format!("Visit on {}", long_date(&props.record.visit_date)) }</span>
            <h1 class="govuk-heading-xl">
                { "Regulation 33 visit " }
                <strong class="govuk-tag govuk-tag--grey">{ state_label(props.record.state) }</strong>
            </h1>
            if let Some(message) = &*refused {
                <div class="govuk-error-summary" role="alert" id="edit-refused">
                    <h2 class="govuk-error-summary__title">{ "Your last change was not saved" }</h2>
                    <div class="govuk-error-summary__body">
                        <p class="govuk-body">{ format!("The record would not be valid ({message}). Undo the change and try again.") }</p>
                    </div>
                </div>
            }
            { props.report.clone() }
            <div ref={view_ref} tabindex="-1" id="inspection-view">{ body }</div>
        </div>
    }
}

/// The state as shown in the heading's tag.
fn state_label(state: WorkflowState) -> &'static str {
    match state {
        WorkflowState::Draft => "Draft",
        WorkflowState::Submitted => "Submitted",
        WorkflowState::SignedOff => "Signed off",
        WorkflowState::Responded => "Responded",
        WorkflowState::Closed => "Closed",
        WorkflowState::Open => "Open",
    }
}

/// The GOV.UK task list: each section with its Completed/Incomplete tag.
fn task_list(record: &Inspection, go: &impl Fn(View) -> Callback<MouseEvent>) -> Html {
    let done = completed_count(record);
    let items = Section::ALL.iter().map(|&section| {
        let key = section.key();
        let status_id = format!("task-{key}-status");
        let complete = is_complete(section, record);
        html! {
            <li class="govuk-task-list__item govuk-task-list__item--with-link" key={key}>
                <div class="govuk-task-list__name-and-hint">
                    <a class="govuk-link govuk-task-list__link task-link" href={format!("#{key}")}
                        data-section={key} aria-describedby={status_id.clone()}
                        onclick={go(View::Section(section))}>
                        { section.title() }
                    </a>
                </div>
                <div class="govuk-task-list__status" id={status_id}>
                    if complete {
                        <strong class="govuk-tag">{ "Completed" }</strong>
                    } else {
                        <strong class="govuk-tag govuk-tag--blue">{ "Incomplete" }</strong>
                    }
                </div>
            </li>
        }
    });
    html! {
        <>
            <p class="govuk-body">{ format!("You have completed {done} of {} sections.", Section::ALL.len()) }</p>
            <ul class="govuk-task-list" id="task-list">{ for items }</ul>
            <button type="button" class="govuk-button" id="check-answers" onclick={go(View::CheckAnswers)}>
                { "Check your answers" }
            </button>
        </>
    }
}

/// The form for one section.
fn section_form(
    section: Section,
    props: SectionProps,
    on_text: &Callback<Typed, Option<Version>>,
) -> Html {
    let version = props.record.version().clone();
    match section {
        Section::VisitDetails => html! { <visit_details::VisitDetails ..props /> },
        Section::SpokeWith => html! { <spoke_with::SpokeWith ..props /> },
        Section::RecordsChecked => html! { <records_checked::RecordsChecked ..props /> },
        Section::Premises => html! {
            <Narrative id="premises" heading="Premises and environment" field={LongText::Premises}
                hint="The building, furniture, garden, bedrooms you were shown, repairs and safety."
                value={props.record.premises.as_str().to_string()} version={version}
                on_type={on_text.clone()} />
        },
        Section::ChildrenViews => html! {
            <Narrative id="children-views" heading="Children's views" field={LongText::ChildrenViews}
                hint="What children told you, in their words where you can. Use initials only, never names."
                value={props.record.children_views.as_str().to_string()} version={version}
                on_type={on_text.clone()} />
        },
        Section::Opinion => html! { <opinion::Opinion ..props /> },
        Section::Recommendations => html! { <recommendations::Recommendations ..props /> },
        Section::PreviousRecommendations => {
            html! { <recommendations::PreviousRecommendations ..props /> }
        }
    }
}
