//! `#/admin/users/new`: create a user. The server makes a one-time password, shown here once
//! with a copy button; its owner replaces it at first sign-in. Also the role radios and home
//! checkboxes that the user page reuses.

use std::collections::BTreeSet;

use hearth_shared::permissions::Role;
use yew::prelude::*;

use super::{ErrorSummary, Load, OneTimePassword, Problem, problem};
use crate::admin::{
    AdminHome, CreatedUser, ROLES, display_name_problem, role_has_homes, role_hint, role_label,
    username_problem,
};
use crate::app::input_value;
use crate::platform::api;
use crate::route::Route;

/// Properties of [`RoleFields`].
#[derive(Properties, PartialEq)]
pub struct RoleFieldsProps {
    /// The chosen role, if any.
    pub role: Option<Role>,
    /// Ids of the chosen homes.
    pub chosen: BTreeSet<String>,
    /// Every home (archived ones only shown when already chosen).
    pub homes: Vec<AdminHome>,
    /// A role was chosen.
    pub on_role: Callback<Role>,
    /// A home was ticked (`true`) or unticked.
    pub on_home: Callback<(String, bool)>,
    /// The message when no role was chosen.
    #[prop_or_default]
    pub error: Option<AttrValue>,
}

/// GOV.UK radios for the role, then (for members and managers) checkboxes for their homes.
#[function_component]
pub fn RoleFields(props: &RoleFieldsProps) -> Html {
    let homes: Vec<&AdminHome> = props
        .homes
        .iter()
        .filter(|h| !h.archived || props.chosen.contains(&h.id))
        .collect();
    html! {
        <>
            <div class={classes!("govuk-form-group", props.error.is_some().then_some("govuk-form-group--error"))}>
                <fieldset class="govuk-fieldset" aria-describedby={props.error.is_some().then_some("role-error")}>
                    <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{ "Role" }</legend>
                    if let Some(error) = &props.error {
                        <p id="role-error" class="govuk-error-message">
                            <span class="govuk-visually-hidden">{ "Error: " }</span>{ error.clone() }
                        </p>
                    }
                    <div class="govuk-radios" data-module="govuk-radios" id="role">
                        { for ROLES.iter().map(|&role| {
                            let id = format!("role-{}", role.as_str());
                            let hint = format!("{id}-hint");
                            let onchange = {
                                let on_role = props.on_role.clone();
                                Callback::from(move |_: Event| on_role.emit(role))
                            };
                            html! {
                                <div class="govuk-radios__item">
                                    <input class="govuk-radios__input" id={id.clone()} name="role" type="radio"
                                        value={role.as_str()} checked={props.role == Some(role)}
                                        aria-describedby={hint.clone()} {onchange} />
                                    <label class="govuk-label govuk-radios__label" for={id}>{ role_label(role) }</label>
                                    <div id={hint} class="govuk-hint govuk-radios__hint">{ role_hint(role) }</div>
                                </div>
                            }
                        }) }
                    </div>
                </fieldset>
            </div>
            if props.role.is_some_and(role_has_homes) {
                <div class="govuk-form-group">
                    <fieldset class="govuk-fieldset" aria-describedby="homes-hint">
                        <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{ "Homes" }</legend>
                        <div id="homes-hint" class="govuk-hint">
                            { "The homes they visit or manage. They see these homes' records, and no others." }
                        </div>
                        if homes.is_empty() {
                            <p class="govuk-body">
                                { "There are no homes yet. " }
                                <a class="govuk-link" href={Route::AdminHomes.href()}>{ "Add a home" }</a>
                            </p>
                        } else {
                            <div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes" id="homes">
                                { for homes.iter().map(|home| {
                                    let id = format!("home-{}", home.id);
                                    let ticked = props.chosen.contains(&home.id);
                                    let onchange = {
                                        let (on_home, home_id) = (props.on_home.clone(), home.id.clone());
                                        Callback::from(move |_: Event| on_home.emit((home_id.clone(), !ticked)))
                                    };
                                    html! {
                                        <div class="govuk-checkboxes__item">
                                            <input class="govuk-checkboxes__input home-choice" id={id.clone()} name="homes"
                                                type="checkbox" value={home.id.clone()} checked={ticked} {onchange} />
                                            <label class="govuk-label govuk-checkboxes__label" for={id}>
                                                { home.name.clone() }
                                                if home.archived { { " (archived)" } }
                                            </label>
                                        </div>
                                    }
                                }) }
                            </div>
                        }
                    </fieldset>
                </div>
            }
        </>
    }
}

/// Loads every home once, for the home checkboxes.
#[hook]
pub fn use_admin_homes() -> UseStateHandle<Load<Vec<AdminHome>>> {
    let homes = use_state(|| Load::<Vec<AdminHome>>::Loading);
    {
        let homes = homes.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                homes.set(match api::admin_homes().await {
                    Ok(list) => Load::Loaded(list),
                    Err(e) => Load::Failed(problem(&e)),
                });
            });
        });
    }
    homes
}

/// A ticked or unticked home applied to the chosen set.
pub fn toggle(chosen: &UseStateHandle<BTreeSet<String>>) -> Callback<(String, bool)> {
    let chosen = chosen.clone();
    Callback::from(move |(id, on): (String, bool)| {
        let mut next = (*chosen).clone();
        if on {
            next.insert(id);
        } else {
            next.remove(&id);
        }
        chosen.set(next);
    })
}

/// The form's problem and the field it is about.
#[derive(Clone, PartialEq)]
struct FieldProblem {
    /// The field's id; none for a refusal about the whole form.
    field: Option<&'static str>,
    problem: Problem,
}

/// The create-a-user page.
#[function_component]
pub fn NewUser() -> Html {
    let homes = use_admin_homes();
    let role = use_state(|| None::<Role>);
    let chosen = use_state(BTreeSet::<String>::new);
    let created = use_state(|| None::<CreatedUser>);
    let form_problem = use_state(|| None::<FieldProblem>);
    let busy = use_state(|| false);
    let (username_ref, name_ref) = (use_node_ref(), use_node_ref());
    let onsubmit = {
        let (role, chosen, created, form_problem, busy) = (
            role.clone(),
            chosen.clone(),
            created.clone(),
            form_problem.clone(),
            busy.clone(),
        );
        let (username_ref, name_ref) = (username_ref.clone(), name_ref.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let username = input_value(&username_ref).trim().to_string();
            let display_name = input_value(&name_ref).trim().to_string();
            let local = |field, message: &str| {
                Some(FieldProblem {
                    field: Some(field),
                    problem: Problem::local(message),
                })
            };
            let found = if let Some(p) = username_problem(&username) {
                local("username", p)
            } else if let Some(p) = display_name_problem(&display_name) {
                local("display-name", p)
            } else if role.is_none() {
                local("role-member", "Choose a role")
            } else {
                None
            };
            if found.is_some() {
                form_problem.set(found);
                return;
            }
            let Some(chosen_role) = *role else { return };
            let homes: Vec<String> = if role_has_homes(chosen_role) {
                chosen.iter().cloned().collect()
            } else {
                Vec::new()
            };
            let (created, form_problem, busy) =
                (created.clone(), form_problem.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let result =
                    api::admin_create_user(&username, &display_name, chosen_role.as_str(), &homes)
                        .await;
                busy.set(false);
                match result {
                    Ok(user) => {
                        form_problem.set(None);
                        created.set(Some(user));
                    }
                    Err(e) => {
                        let problem = problem(&e);
                        // A taken username is about the username; anything else, the form.
                        let field = (problem.code == "conflict").then_some("username");
                        form_problem.set(Some(FieldProblem { field, problem }));
                    }
                }
            });
        })
    };
    if let Some(done) = &*created {
        let on_another = {
            let (created, role, chosen) = (created.clone(), role.clone(), chosen.clone());
            Callback::from(move |_: MouseEvent| {
                created.set(None);
                role.set(None);
                chosen.set(BTreeSet::new());
            })
        };
        return html! {
            <div class="govuk-grid-row">
                <div class="govuk-grid-column-two-thirds" id="user-created" data-user-id={done.user.id.clone()}>
                    if let Some(password) = &done.password {
                        <OneTimePassword title="User created" username={done.user.username.clone()}
                            password={password.clone()} />
                    } else {
                        <h1 class="govuk-heading-l">{ "User created" }</h1>
                    }
                    <ul class="govuk-list">
                        <li><a class="govuk-link hearth-link-target" id="created-user-link"
                            href={Route::AdminUser(done.user.id.clone()).href()}>
                            { format!("Go to {}'s page", done.user.display_name) }
                        </a></li>
                        <li><a class="govuk-link hearth-link-target" href={Route::AdminUsers.href()}>{ "Back to users" }</a></li>
                    </ul>
                    <button type="button" class="govuk-button govuk-button--secondary" id="create-another"
                        onclick={on_another}>{ "Create another user" }</button>
                </div>
            </div>
        };
    }
    let problem_for = |field: &str| {
        form_problem
            .as_ref()
            .filter(|p| p.field == Some(field))
            .map(|p| p.problem.message.clone())
    };
    let text_field = |id: &'static str, label: &'static str, hint: &'static str, r: &NodeRef| {
        let error = problem_for(id);
        let hint_id = format!("{id}-hint");
        let error_id = format!("{id}-error");
        let described = if error.is_some() {
            format!("{hint_id} {error_id}")
        } else {
            hint_id.clone()
        };
        html! {
            <div class={classes!("govuk-form-group", error.is_some().then_some("govuk-form-group--error"))}>
                <label class="govuk-label" for={id}>{ label }</label>
                <div id={hint_id} class="govuk-hint">{ hint }</div>
                if let Some(message) = &error {
                    <p id={error_id} class="govuk-error-message">
                        <span class="govuk-visually-hidden">{ "Error: " }</span>{ message.clone() }
                    </p>
                }
                <input ref={r.clone()} id={id} name={id} type="text" spellcheck="false" autocomplete="off"
                    class={classes!("govuk-input", "govuk-!-width-two-thirds", error.is_some().then_some("govuk-input--error"))}
                    aria-describedby={described} />
            </div>
        }
    };
    let homes_list = match &*homes {
        Load::Loaded(list) => list.clone(),
        _ => Vec::new(),
    };
    html! {
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                <a class="govuk-back-link" href={Route::AdminUsers.href()}>{ "Back to users" }</a>
                if let Some(p) = &*form_problem {
                    <ErrorSummary problem={p.problem.clone()} field={p.field.map(AttrValue::from)} />
                }
                if let Load::Failed(p) = &*homes {
                    <ErrorSummary problem={p.clone()} />
                }
                <h1 class="govuk-heading-l">{ "Create a user" }</h1>
                <form {onsubmit} novalidate=true id="new-user-form">
                    { text_field("username", "Username", "What they sign in with: lower case letters, numbers, full stops, hyphens and underscores", &username_ref) }
                    { text_field("display-name", "Name", "Shown to others in Hearth, for example on the records they write", &name_ref) }
                    <RoleFields role={*role} chosen={(*chosen).clone()} homes={homes_list}
                        on_role={{ let role = role.clone(); Callback::from(move |r| role.set(Some(r))) }}
                        on_home={toggle(&chosen)}
                        error={problem_for("role-member").map(AttrValue::from)} />
                    <p class="govuk-body">{ "Hearth makes a one-time password for them. You will see it once, on the next page." }</p>
                    <button type="submit" class="govuk-button" id="create-user-submit" disabled={*busy}>{ "Create user" }</button>
                </form>
            </div>
        </div>
    }
}
