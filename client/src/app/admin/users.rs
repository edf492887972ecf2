//! `#/admin/users`: every account, searched by name or username and filtered by role and
//! status, a page at a time, with each one's last sign-in.

use yew::prelude::*;

use super::audit::select_value;
use super::{ErrorSummary, Latest, Load, Pagination, date_time, problem};
use crate::admin::{
    AdminUser, ROLES, UserQuery, UserStatus, UsersPage, page_count, role_label, role_name_label,
    showing,
};
use crate::app::input_value;
use crate::platform::api;
use crate::route::Route;

/// The account's state as GOV.UK tags: disabled, or still on a given password.
pub fn status_tags(user: &AdminUser) -> Html {
    html! {
        <>
            if user.disabled {
                <strong class="govuk-tag govuk-tag--grey user-status" data-status="disabled">{ "Disabled" }</strong>
            } else {
                <strong class="govuk-tag govuk-tag--green user-status" data-status="active">{ "Active" }</strong>
            }
            if user.must_change_password && !user.disabled {
                { " " }<strong class="govuk-tag govuk-tag--yellow">{ "Password to change" }</strong>
            }
        </>
    }
}

/// "Never" or the date and time of the last sign-in.
pub fn last_sign_in(user: &AdminUser) -> String {
    user.last_sign_in_at
        .map_or_else(|| "Never".to_string(), date_time)
}

/// The users list.
#[function_component]
pub fn UserList() -> Html {
    let query = use_state(|| UserQuery {
        page: 1,
        ..UserQuery::default()
    });
    let users = use_state(|| Load::<UsersPage>::Loading);
    let latest = use_memo((), |_| Latest::default());
    let (q_ref, role_ref, status_ref) = (use_node_ref(), use_node_ref(), use_node_ref());
    {
        let (users, latest) = (users.clone(), latest.clone());
        use_effect_with((*query).clone(), move |query| {
            let query = query.clone();
            let n = latest.start();
            users.set(Load::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                let result = api::admin_users(&query).await;
                if latest.is_current(n) {
                    users.set(match result {
                        Ok(page) => Load::Loaded(page),
                        Err(e) => Load::Failed(problem(&e)),
                    });
                }
            });
        });
    }
    let onsubmit = {
        let query = query.clone();
        let (q_ref, role_ref, status_ref) = (q_ref.clone(), role_ref.clone(), status_ref.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            query.set(UserQuery {
                q: input_value(&q_ref),
                role: hearth_shared::permissions::Role::parse(&select_value(&role_ref)),
                status: UserStatus::parse(&select_value(&status_ref)),
                page: 1,
            });
        })
    };
    let on_page = {
        let query = query.clone();
        Callback::from(move |page| {
            query.set(UserQuery {
                page,
                ..(*query).clone()
            })
        })
    };
    html! {
        <>
            if let Load::Failed(p) = &*users {
                <ErrorSummary problem={p.clone()} />
            }
            <h1 class="govuk-heading-l">{ "Users" }</h1>
            <a class="govuk-button" id="create-user" href={Route::AdminNewUser.href()} role="button" draggable="false">
                { "Create a user" }
            </a>
            <form class="hearth-filters" id="user-filters" {onsubmit} novalidate=true>
                <div class="govuk-form-group">
                    <label class="govuk-label" for="user-search">{ "Name or username" }</label>
                    <input class="govuk-input govuk-input--width-20" id="user-search" name="user-search"
                        type="search" spellcheck="false" ref={q_ref} />
                </div>
                <div class="govuk-form-group">
                    <label class="govuk-label" for="user-role">{ "Role" }</label>
                    <select class="govuk-select" id="user-role" name="user-role" ref={role_ref}>
                        <option value="" selected=true>{ "Any role" }</option>
                        { for ROLES.iter().map(|r| html! {
                            <option value={r.as_str()}>{ role_label(*r) }</option>
                        }) }
                    </select>
                </div>
                <div class="govuk-form-group">
                    <label class="govuk-label" for="user-status">{ "Status" }</label>
                    <select class="govuk-select" id="user-status" name="user-status" ref={status_ref}>
                        <option value="" selected=true>{ "Active or disabled" }</option>
                        <option value="active">{ "Active" }</option>
                        <option value="disabled">{ "Disabled" }</option>
                    </select>
                </div>
                <button type="submit" class="govuk-button govuk-button--secondary" id="user-filter">{ "Search" }</button>
            </form>
            { match &*users {
                Load::Loading => html! { <p class="govuk-body" role="status">{ "Loading users…" }</p> },
                Load::Failed(_) => html! {},
                Load::Loaded(page) => html! {
                    <>
                        <p class="govuk-body" id="user-count" role="status">
                            { showing(page.page, page.per_page, page.users.len(), page.total, "users") }
                        </p>
                        if !page.users.is_empty() {
                            <table class="govuk-table hearth-table" id="user-table">
                                <caption class="govuk-table__caption govuk-visually-hidden">{ "Users" }</caption>
                                <thead class="govuk-table__head">
                                    <tr class="govuk-table__row">
                                        <th scope="col" class="govuk-table__header">{ "Name" }</th>
                                        <th scope="col" class="govuk-table__header">{ "Username" }</th>
                                        <th scope="col" class="govuk-table__header">{ "Role" }</th>
                                        <th scope="col" class="govuk-table__header">{ "Status" }</th>
                                        <th scope="col" class="govuk-table__header">{ "Last signed in" }</th>
                                    </tr>
                                </thead>
                                <tbody class="govuk-table__body">
                                    { for page.users.iter().map(|u| html! {
                                        <tr class="govuk-table__row user-row" data-user-id={u.id.clone()} data-username={u.username.clone()}>
                                            <td class="govuk-table__cell">
                                                <a class="govuk-link hearth-link-target user-link" href={Route::AdminUser(u.id.clone()).href()}>
                                                    { u.display_name.clone() }
                                                </a>
                                            </td>
                                            <td class="govuk-table__cell">{ u.username.clone() }</td>
                                            <td class="govuk-table__cell">{ role_name_label(&u.role) }</td>
                                            <td class="govuk-table__cell">{ status_tags(u) }</td>
                                            <td class="govuk-table__cell">{ last_sign_in(u) }</td>
                                        </tr>
                                    }) }
                                </tbody>
                            </table>
                        }
                        <Pagination page={page.page} last={page_count(page.total, page.per_page)}
                            href={Route::AdminUsers.href()} on_page={on_page.clone()} />
                    </>
                },
            } }
        </>
    }
}
