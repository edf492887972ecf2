//! `#/admin/users/<id>`: one account. Change the name, role and homes; disable or enable it;
//! reset its password (every device of theirs is signed out at once). The server's guards (the
//! last admin, your own account) come back as an error summary with the server's message.

use std::collections::BTreeSet;

use hearth_shared::permissions::Role;
use yew::prelude::*;

use super::user_form::{RoleFields, toggle, use_admin_homes};
use super::users::{last_sign_in, status_tags};
use super::{
    ErrorSummary, Load, OneTimePassword, Problem, SuccessBanner, date_time, problem, use_app,
};
use crate::admin::{AdminUser, display_name_problem, role_has_homes, role_name_label};
use crate::platform::api;
use crate::route::Route;

/// Properties of [`UserPage`].
#[derive(Properties, PartialEq)]
pub struct UserPageProps {
    /// The user's id.
    pub id: String,
}

/// Which confirmation is open.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Confirm {
    /// None.
    Nothing,
    /// Disable the account?
    Disable,
    /// Enable it again?
    Enable,
    /// Reset the password?
    ResetPassword,
}

/// What the last action did, for the banner or panel at the top.
#[derive(Clone, PartialEq)]
enum Done {
    /// Nothing yet.
    Nothing,
    /// A sentence for the success banner.
    Said(String),
    /// A new one-time password, shown once.
    Password(String),
}

/// The user page.
#[function_component]
pub fn UserPage(props: &UserPageProps) -> Html {
    let app = use_app();
    let user = use_state(|| Load::<AdminUser>::Loading);
    let homes = use_admin_homes();
    let display_name = use_state(String::new);
    let role = use_state(|| None::<Role>);
    let chosen = use_state(BTreeSet::<String>::new);
    let confirm = use_state(|| Confirm::Nothing);
    let done = use_state(|| Done::Nothing);
    let failure = use_state(|| None::<Problem>);
    let busy = use_state(|| false);
    // Puts a user from the server into the page and its form.
    let show = {
        let (user, display_name, role, chosen) = (
            user.clone(),
            display_name.clone(),
            role.clone(),
            chosen.clone(),
        );
        Callback::from(move |u: AdminUser| {
            display_name.set(u.display_name.clone());
            role.set(Role::parse(&u.role));
            chosen.set(u.homes.iter().cloned().collect());
            user.set(Load::Loaded(u));
        })
    };
    {
        let (id, user, show) = (props.id.clone(), user.clone(), show.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match api::admin_user(&id).await {
                    Ok(u) => show.emit(u),
                    Err(e) => user.set(Load::Failed(problem(&e))),
                }
            });
        });
    }
    let u = match &*user {
        Load::Loading => {
            return html! { <p class="govuk-body" role="status">{ "Loading…" }</p> };
        }
        Load::Failed(p) => {
            return html! {
                <>
                    <ErrorSummary problem={p.clone()} />
                    <h1 class="govuk-heading-l">{ "User" }</h1>
                    <p class="govuk-body"><a class="govuk-link" href={Route::AdminUsers.href()}>{ "Back to users" }</a></p>
                </>
            };
        }
        Load::Loaded(u) => u.clone(),
    };
    let own_account = app.rt.me().is_some_and(|m| m.user.id == u.id);
    let all_homes = match &*homes {
        Load::Loaded(list) => list.clone(),
        _ => Vec::new(),
    };
    let home_names: Vec<String> = u
        .homes
        .iter()
        .map(|id| {
            all_homes
                .iter()
                .find(|h| &h.id == id)
                .map_or_else(|| id.clone(), |h| h.name.clone())
        })
        .collect();

    // Each action: clear the last outcome, ask the server, show what it said.
    let run = {
        let (done, failure, busy, confirm) =
            (done.clone(), failure.clone(), busy.clone(), confirm.clone());
        move |action: std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<Done, Problem>>>,
        >| {
            let (done, failure, busy, confirm) =
                (done.clone(), failure.clone(), busy.clone(), confirm.clone());
            busy.set(true);
            done.set(Done::Nothing);
            failure.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                let result = action.await;
                busy.set(false);
                confirm.set(Confirm::Nothing);
                match result {
                    Ok(d) => done.set(d),
                    Err(p) => failure.set(Some(p)),
                }
            });
        }
    };
    let on_save = {
        let (run, show, failure) = (run.clone(), show.clone(), failure.clone());
        let (id, display_name, role, chosen) = (
            u.id.clone(),
            display_name.clone(),
            role.clone(),
            chosen.clone(),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let name = display_name.trim().to_string();
            if let Some(p) = display_name_problem(&name) {
                failure.set(Some(Problem::local(p)));
                return;
            }
            let Some(r) = *role else { return };
            let homes: Vec<String> = if role_has_homes(r) {
                chosen.iter().cloned().collect()
            } else {
                Vec::new()
            };
            let (id, show) = (id.clone(), show.clone());
            run(Box::pin(async move {
                let updated = api::admin_update_user(&id, &name, r.as_str(), &homes)
                    .await
                    .map_err(|e| problem(&e))?;
                show.emit(updated);
                Ok(Done::Said("Changes saved.".into()))
            }));
        })
    };
    let on_confirmed = {
        let (run, show, id, which) = (run.clone(), show.clone(), u.id.clone(), *confirm);
        let name = u.display_name.clone();
        Callback::from(move |_: MouseEvent| {
            let (id, show, name) = (id.clone(), show.clone(), name.clone());
            run(Box::pin(async move {
                let said = match which {
                    Confirm::Disable | Confirm::Enable => {
                        let disable = which == Confirm::Disable;
                        api::admin_set_disabled(&id, disable)
                            .await
                            .map_err(|e| problem(&e))?;
                        if disable {
                            Done::Said(format!(
                                "{name}'s account is disabled. They have been signed out of every device."
                            ))
                        } else {
                            Done::Said(format!(
                                "{name}'s account is enabled. They can sign in again."
                            ))
                        }
                    }
                    Confirm::ResetPassword => Done::Password(
                        api::admin_reset_password(&id)
                            .await
                            .map_err(|e| problem(&e))?,
                    ),
                    Confirm::Nothing => return Ok(Done::Nothing),
                };
                if let Ok(fresh) = api::admin_user(&id).await {
                    show.emit(fresh);
                }
                Ok(said)
            }));
        })
    };
    let ask = |which: Confirm| {
        let (confirm, done, failure) = (confirm.clone(), done.clone(), failure.clone());
        Callback::from(move |_: MouseEvent| {
            done.set(Done::Nothing);
            failure.set(None);
            confirm.set(which);
        })
    };
    let on_name = {
        let display_name = display_name.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(input) = event.target_dyn_into::<web_sys::HtmlInputElement>() {
                display_name.set(input.value());
            }
        })
    };
    let confirmation = match *confirm {
        Confirm::Nothing => None,
        Confirm::Disable => Some((
            "Disable this account?",
            format!(
                "{} will be signed out of every device at once and cannot sign in until the account is enabled again. Changes on their devices that have not reached the server are lost.",
                u.display_name
            ),
            "Yes, disable the account",
            true,
        )),
        Confirm::Enable => Some((
            "Enable this account?",
            format!("{} will be able to sign in again.", u.display_name),
            "Yes, enable the account",
            false,
        )),
        Confirm::ResetPassword => Some((
            "Reset this password?",
            format!(
                "Every device {} is signed in on is signed out at once, and changes on them that have not reached the server are lost. You will see a new one-time password; they choose their own when they next sign in.",
                u.display_name
            ),
            "Yes, reset the password",
            true,
        )),
    };
    html! {
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds" id="user-page" data-user-id={u.id.clone()}>
                <a class="govuk-back-link" href={Route::AdminUsers.href()}>{ "Back to users" }</a>
                if let Some(p) = &*failure {
                    <ErrorSummary problem={p.clone()} />
                }
                if let Done::Said(message) = &*done {
                    <SuccessBanner message={message.clone()} />
                }
                <span class="govuk-caption-l">{ u.username.clone() }</span>
                <h1 class="govuk-heading-l">{ u.display_name.clone() }</h1>
                if let Done::Password(password) = &*done {
                    <OneTimePassword title="Password reset" username={u.username.clone()}
                        password={password.clone()} page_heading={false} />
                }
                <dl class="govuk-summary-list" id="user-summary">
                    <div class="govuk-summary-list__row">
                        <dt class="govuk-summary-list__key">{ "Username" }</dt>
                        <dd class="govuk-summary-list__value">{ u.username.clone() }</dd>
                    </div>
                    <div class="govuk-summary-list__row">
                        <dt class="govuk-summary-list__key">{ "Role" }</dt>
                        <dd class="govuk-summary-list__value" id="user-role-value">{ role_name_label(&u.role) }</dd>
                    </div>
                    if u.kiosk_consultation_id.is_some() {
                        <div class="govuk-summary-list__row">
                            <dt class="govuk-summary-list__key">{ "Tablet" }</dt>
                            <dd class="govuk-summary-list__value">{ "Set up for one consultation" }</dd>
                        </div>
                    }
                    <div class="govuk-summary-list__row">
                        <dt class="govuk-summary-list__key">{ "Homes" }</dt>
                        <dd class="govuk-summary-list__value" id="user-homes-value">
                            if home_names.is_empty() {
                                { "None" }
                            } else {
                                { home_names.join(", ") }
                            }
                        </dd>
                    </div>
                    <div class="govuk-summary-list__row">
                        <dt class="govuk-summary-list__key">{ "Status" }</dt>
                        <dd class="govuk-summary-list__value" id="user-status-value">{ status_tags(&u) }</dd>
                    </div>
                    <div class="govuk-summary-list__row">
                        <dt class="govuk-summary-list__key">{ "Last signed in" }</dt>
                        <dd class="govuk-summary-list__value">{ last_sign_in(&u) }</dd>
                    </div>
                    <div class="govuk-summary-list__row">
                        <dt class="govuk-summary-list__key">{ "Account created" }</dt>
                        <dd class="govuk-summary-list__value">{ date_time(u.created_at) }</dd>
                    </div>
                </dl>

                <h2 class="govuk-heading-m">{ "Change details" }</h2>
                <form id="user-edit" onsubmit={on_save} novalidate=true>
                    <div class="govuk-form-group">
                        <label class="govuk-label" for="display-name">{ "Name" }</label>
                        <input class="govuk-input govuk-!-width-two-thirds" id="display-name" name="display-name"
                            type="text" spellcheck="false" value={(*display_name).clone()} oninput={on_name} />
                    </div>
                    <RoleFields role={*role} chosen={(*chosen).clone()} homes={all_homes}
                        on_role={{ let role = role.clone(); Callback::from(move |r| role.set(Some(r))) }}
                        on_home={toggle(&chosen)} />
                    <button type="submit" class="govuk-button" id="save-user" disabled={*busy}>{ "Save changes" }</button>
                </form>

                <h2 class="govuk-heading-m">{ "Account" }</h2>
                if let Some((title, text, yes, warning)) = confirmation {
                    <div class="hearth-confirm" id="confirm" role="group" aria-labelledby="confirm-title">
                        <h3 class="govuk-heading-s" id="confirm-title">{ title }</h3>
                        <div class="govuk-warning-text">
                            <span class="govuk-warning-text__icon" aria-hidden="true">{ "!" }</span>
                            <strong class="govuk-warning-text__text">
                                <span class="govuk-visually-hidden">{ "Warning" }</span>{ text }
                            </strong>
                        </div>
                        <div class="govuk-button-group">
                            <button type="button" id="confirm-yes" disabled={*busy}
                                class={classes!("govuk-button", warning.then_some("govuk-button--warning"))}
                                onclick={on_confirmed}>{ yes }</button>
                            <button type="button" id="confirm-cancel" class="govuk-button govuk-button--secondary"
                                onclick={ask(Confirm::Nothing)}>{ "Cancel" }</button>
                        </div>
                    </div>
                } else {
                    if own_account {
                        <p class="govuk-body" id="own-account">
                            { "This is your own account: you cannot disable it here, and you change your own password from the header." }
                        </p>
                    } else {
                        <div class="govuk-button-group">
                            <button type="button" id="reset-password" class="govuk-button govuk-button--secondary"
                                onclick={ask(Confirm::ResetPassword)}>{ "Reset password" }</button>
                            if u.disabled {
                                <button type="button" id="enable-user" class="govuk-button govuk-button--secondary"
                                    onclick={ask(Confirm::Enable)}>{ "Enable account" }</button>
                            } else {
                                <button type="button" id="disable-user" class="govuk-button govuk-button--warning"
                                    onclick={ask(Confirm::Disable)}>{ "Disable account" }</button>
                            }
                        </div>
                    }
                }
            </div>
        </div>
    }
}
