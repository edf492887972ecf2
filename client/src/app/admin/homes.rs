//! `#/admin/homes`: every home (archived ones tagged) and a form to add one;
//! `#/admin/homes/<id>`: rename it, archive or unarchive it, and assign or unassign its members
//! and managers.

use hearth_shared::permissions::Role;
use yew::prelude::*;

use super::audit::select_value;
use super::{ErrorSummary, Load, Problem, SuccessBanner, all_users, problem};
use crate::admin::{AdminHome, AdminUser, UserQuery, home_name_problem, role_name_label};
use crate::app::input_value;
use crate::platform::api;
use crate::route::Route;

/// "Archived" or "Open" as a GOV.UK tag.
fn archived_tag(home: &AdminHome) -> Html {
    if home.archived {
        html! { <strong class="govuk-tag govuk-tag--grey home-status" data-status="archived">{ "Archived" }</strong> }
    } else {
        html! { <strong class="govuk-tag govuk-tag--green home-status" data-status="open">{ "Open" }</strong> }
    }
}

/// The homes list, with the form to add one.
#[function_component]
pub fn HomeList() -> Html {
    let homes = use_state(|| Load::<Vec<AdminHome>>::Loading);
    let failure = use_state(|| None::<Problem>);
    let added = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let name_ref = use_node_ref();
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
    let onsubmit = {
        let (homes, failure, added, busy, name_ref) = (
            homes.clone(),
            failure.clone(),
            added.clone(),
            busy.clone(),
            name_ref.clone(),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let name = input_value(&name_ref).trim().to_string();
            added.set(None);
            if let Some(p) = home_name_problem(&name) {
                failure.set(Some(Problem::local(p)));
                return;
            }
            let (homes, failure, added, busy, name_ref) = (
                homes.clone(),
                failure.clone(),
                added.clone(),
                busy.clone(),
                name_ref.clone(),
            );
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let result = api::admin_create_home(&name).await;
                busy.set(false);
                match result {
                    Ok(home) => {
                        failure.set(None);
                        added.set(Some(format!("{} added.", home.name)));
                        if let Some(input) = name_ref.cast::<web_sys::HtmlInputElement>() {
                            input.set_value("");
                        }
                        let mut list = match &*homes {
                            Load::Loaded(list) => list.clone(),
                            _ => Vec::new(),
                        };
                        list.push(home);
                        homes.set(Load::Loaded(list));
                    }
                    Err(e) => failure.set(Some(problem(&e))),
                }
            });
        })
    };
    html! {
        <>
            if let Some(p) = &*failure {
                <ErrorSummary problem={p.clone()} field={Some(AttrValue::from("home-name"))} />
            }
            if let Load::Failed(p) = &*homes {
                <ErrorSummary problem={p.clone()} />
            }
            if let Some(message) = &*added {
                <SuccessBanner message={message.clone()} />
            }
            <h1 class="govuk-heading-l">{ "Homes" }</h1>
            <form id="add-home-form" {onsubmit} novalidate=true>
                <div class="govuk-form-group">
                    <label class="govuk-label govuk-label--s" for="home-name">{ "Add a home" }</label>
                    <div id="home-name-hint" class="govuk-hint">{ "The home's name, as people who visit it know it" }</div>
                    <input class="govuk-input govuk-!-width-two-thirds" id="home-name" name="home-name" type="text"
                        aria-describedby="home-name-hint" ref={name_ref} />
                </div>
                <button type="submit" class="govuk-button" id="add-home" disabled={*busy}>{ "Add home" }</button>
            </form>
            { match &*homes {
                Load::Loading => html! { <p class="govuk-body" role="status">{ "Loading homes…" }</p> },
                Load::Failed(_) => html! {},
                Load::Loaded(list) if list.is_empty() => html! { <p class="govuk-body">{ "There are no homes yet." }</p> },
                Load::Loaded(list) => html! {
                    <table class="govuk-table hearth-table" id="home-table">
                        <caption class="govuk-table__caption govuk-table__caption--m">{ "Homes" }</caption>
                        <thead class="govuk-table__head">
                            <tr class="govuk-table__row">
                                <th scope="col" class="govuk-table__header">{ "Home" }</th>
                                <th scope="col" class="govuk-table__header">{ "Members and managers" }</th>
                                <th scope="col" class="govuk-table__header">{ "Status" }</th>
                            </tr>
                        </thead>
                        <tbody class="govuk-table__body">
                            { for list.iter().map(|h| html! {
                                <tr class="govuk-table__row admin-home-row" data-home-id={h.id.clone()}>
                                    <td class="govuk-table__cell">
                                        <a class="govuk-link hearth-link-target admin-home-link" href={Route::AdminHome(h.id.clone()).href()}>
                                            { h.name.clone() }
                                        </a>
                                    </td>
                                    <td class="govuk-table__cell">{ h.people.len() }</td>
                                    <td class="govuk-table__cell">{ archived_tag(h) }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                },
            } }
        </>
    }
}

/// Properties of [`HomePage`].
#[derive(Properties, PartialEq)]
pub struct HomePageProps {
    /// The home's id.
    pub id: String,
}

/// Members and managers, everyone who may be assigned to a home.
async fn assignable() -> Result<Vec<AdminUser>, api::ApiError> {
    let mut people = Vec::new();
    for role in [Role::Member, Role::Manager] {
        people.extend(
            all_users(UserQuery {
                role: Some(role),
                ..UserQuery::default()
            })
            .await?,
        );
    }
    Ok(people)
}

/// One home: rename, archive, and its people.
#[function_component]
pub fn HomePage(props: &HomePageProps) -> Html {
    let home = use_state(|| Load::<AdminHome>::Loading);
    let people = use_state(Vec::<AdminUser>::new);
    let name = use_state(String::new);
    let confirm_archive = use_state(|| false);
    let done = use_state(|| None::<String>);
    let failure = use_state(|| None::<Problem>);
    let busy = use_state(|| false);
    let person_ref = use_node_ref();
    {
        let (id, home, people, name) =
            (props.id.clone(), home.clone(), people.clone(), name.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match api::admin_homes().await {
                    Ok(list) => match list.into_iter().find(|h| h.id == id) {
                        Some(h) => {
                            name.set(h.name.clone());
                            home.set(Load::Loaded(h));
                        }
                        None => home.set(Load::Failed(Problem {
                            code: "not_found".into(),
                            message: "There is no such home.".into(),
                        })),
                    },
                    Err(e) => home.set(Load::Failed(problem(&e))),
                }
                if let Ok(found) = assignable().await {
                    people.set(found);
                }
            });
        });
    }
    let h = match &*home {
        Load::Loading => return html! { <p class="govuk-body" role="status">{ "Loading…" }</p> },
        Load::Failed(p) => {
            return html! {
                <>
                    <ErrorSummary problem={p.clone()} />
                    <h1 class="govuk-heading-l">{ "Home" }</h1>
                    <p class="govuk-body"><a class="govuk-link" href={Route::AdminHomes.href()}>{ "Back to homes" }</a></p>
                </>
            };
        }
        Load::Loaded(h) => h.clone(),
    };
    // Each change: ask the server, show the home it sends back and say what was done.
    let run = {
        let (home, name, done, failure, busy, confirm_archive) = (
            home.clone(),
            name.clone(),
            done.clone(),
            failure.clone(),
            busy.clone(),
            confirm_archive.clone(),
        );
        move |said: String,
              action: std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<AdminHome, api::ApiError>>>,
        >| {
            let (home, name, done, failure, busy, confirm_archive) = (
                home.clone(),
                name.clone(),
                done.clone(),
                failure.clone(),
                busy.clone(),
                confirm_archive.clone(),
            );
            busy.set(true);
            done.set(None);
            failure.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                let result = action.await;
                busy.set(false);
                confirm_archive.set(false);
                match result {
                    Ok(updated) => {
                        name.set(updated.name.clone());
                        home.set(Load::Loaded(updated));
                        done.set(Some(said));
                    }
                    Err(e) => failure.set(Some(problem(&e))),
                }
            });
        }
    };
    let on_rename = {
        let (run, failure, name, id) = (run.clone(), failure.clone(), name.clone(), h.id.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let new_name = name.trim().to_string();
            if let Some(p) = home_name_problem(&new_name) {
                failure.set(Some(Problem::local(p)));
                return;
            }
            let id = id.clone();
            let said = format!("The home is now called {new_name}.");
            run(
                said,
                Box::pin(async move { api::admin_update_home(&id, Some(&new_name), None).await }),
            );
        })
    };
    let on_name = {
        let name = name.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(input) = event.target_dyn_into::<web_sys::HtmlInputElement>() {
                name.set(input.value());
            }
        })
    };
    let on_archive_confirmed = {
        let (run, id, archive, home_name) =
            (run.clone(), h.id.clone(), !h.archived, h.name.clone());
        Callback::from(move |_: MouseEvent| {
            let id = id.clone();
            let said = if archive {
                format!("{home_name} is archived. No new records can be made for it.")
            } else {
                format!("{home_name} is open again.")
            };
            run(
                said,
                Box::pin(async move { api::admin_update_home(&id, None, Some(archive)).await }),
            );
        })
    };
    let set_confirm = |open: bool| {
        let confirm_archive = confirm_archive.clone();
        Callback::from(move |_: MouseEvent| confirm_archive.set(open))
    };
    let on_assign = {
        let (run, failure, id, person_ref) = (
            run.clone(),
            failure.clone(),
            h.id.clone(),
            person_ref.clone(),
        );
        let people = people.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let user_id = select_value(&person_ref);
            let Some(person) = people.iter().find(|p| p.id == user_id) else {
                failure.set(Some(Problem::local("Choose someone to assign")));
                return;
            };
            let said = format!("{} is assigned to this home.", person.display_name);
            let id = id.clone();
            run(
                said,
                Box::pin(async move { api::admin_set_assigned(&id, &user_id, true).await }),
            );
        })
    };
    let unassign = |user_id: String, display_name: String| {
        let (run, id) = (run.clone(), h.id.clone());
        Callback::from(move |_: MouseEvent| {
            let (id, user_id) = (id.clone(), user_id.clone());
            let said = format!("{display_name} is no longer assigned to this home.");
            run(
                said,
                Box::pin(async move { api::admin_set_assigned(&id, &user_id, false).await }),
            );
        })
    };
    let candidates: Vec<&AdminUser> = people
        .iter()
        .filter(|p| !p.disabled && !h.people.iter().any(|a| a.id == p.id))
        .collect();
    html! {
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds" id="admin-home" data-home-id={h.id.clone()}
                data-archived={h.archived.to_string()}>
                <a class="govuk-back-link" href={Route::AdminHomes.href()}>{ "Back to homes" }</a>
                if let Some(p) = &*failure {
                    <ErrorSummary problem={p.clone()} />
                }
                if let Some(message) = &*done {
                    <SuccessBanner message={message.clone()} />
                }
                <h1 class="govuk-heading-l">{ h.name.clone() }{ " " }{ archived_tag(&h) }</h1>
                if h.archived {
                    <p class="govuk-inset-text">{ "This home is archived: no new records can be made for it. Its records stay readable to those who could read them." }</p>
                }

                <h2 class="govuk-heading-m">{ "Members and managers" }</h2>
                if h.people.is_empty() {
                    <p class="govuk-body" id="no-people">{ "Nobody is assigned to this home." }</p>
                } else {
                    <table class="govuk-table hearth-table" id="home-people">
                        <caption class="govuk-table__caption govuk-visually-hidden">{ "People assigned to this home" }</caption>
                        <thead class="govuk-table__head">
                            <tr class="govuk-table__row">
                                <th scope="col" class="govuk-table__header">{ "Name" }</th>
                                <th scope="col" class="govuk-table__header">{ "Role" }</th>
                                <th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">{ "Action" }</span></th>
                            </tr>
                        </thead>
                        <tbody class="govuk-table__body">
                            { for h.people.iter().map(|p| html! {
                                <tr class="govuk-table__row home-person" data-user-id={p.id.clone()}>
                                    <td class="govuk-table__cell">
                                        <a class="govuk-link" href={Route::AdminUser(p.id.clone()).href()}>{ p.display_name.clone() }</a>
                                    </td>
                                    <td class="govuk-table__cell">{ role_name_label(&p.role) }</td>
                                    <td class="govuk-table__cell">
                                        <button type="button" class="govuk-button govuk-button--secondary hearth-remove unassign"
                                            data-user-id={p.id.clone()} disabled={*busy}
                                            onclick={unassign(p.id.clone(), p.display_name.clone())}>
                                            { "Unassign" }<span class="govuk-visually-hidden">{ format!(" {}", p.display_name) }</span>
                                        </button>
                                    </td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                }
                <form id="assign-form" onsubmit={on_assign} novalidate=true>
                    <div class="govuk-form-group">
                        <label class="govuk-label govuk-label--s" for="assign-person">{ "Assign a member or manager" }</label>
                        <select class="govuk-select" id="assign-person" name="assign-person" ref={person_ref}>
                            <option value="" selected=true>{ "Choose someone" }</option>
                            { for candidates.iter().map(|p| html! {
                                <option value={p.id.clone()}>{ format!("{} ({}, {})", p.display_name, p.username, role_name_label(&p.role)) }</option>
                            }) }
                        </select>
                    </div>
                    <button type="submit" class="govuk-button govuk-button--secondary" id="assign" disabled={*busy}>{ "Assign" }</button>
                </form>

                <h2 class="govuk-heading-m">{ "Rename" }</h2>
                <form id="rename-form" onsubmit={on_rename} novalidate=true>
                    <div class="govuk-form-group">
                        <label class="govuk-label" for="rename-home-name">{ "Name" }</label>
                        <input class="govuk-input govuk-!-width-two-thirds" id="rename-home-name" name="rename-home-name"
                            type="text" value={(*name).clone()} oninput={on_name} />
                    </div>
                    <button type="submit" class="govuk-button govuk-button--secondary" id="rename-home" disabled={*busy}>{ "Rename home" }</button>
                </form>

                <h2 class="govuk-heading-m">{ if h.archived { "Open again" } else { "Archive" } }</h2>
                if *confirm_archive {
                    <div class="hearth-confirm" id="confirm" role="group" aria-labelledby="confirm-title">
                        <h3 class="govuk-heading-s" id="confirm-title">
                            { if h.archived { "Open this home again?" } else { "Archive this home?" } }
                        </h3>
                        <div class="govuk-warning-text">
                            <span class="govuk-warning-text__icon" aria-hidden="true">{ "!" }</span>
                            <strong class="govuk-warning-text__text">
                                <span class="govuk-visually-hidden">{ "Warning" }</span>
                                { if h.archived {
                                    "Members will be able to make new records for this home again."
                                } else {
                                    "No new records can be made for this home. Its existing records stay readable to those who could read them."
                                } }
                            </strong>
                        </div>
                        <div class="govuk-button-group">
                            <button type="button" id="confirm-yes" disabled={*busy}
                                class={classes!("govuk-button", (!h.archived).then_some("govuk-button--warning"))}
                                onclick={on_archive_confirmed}>
                                { if h.archived { "Yes, open it again" } else { "Yes, archive the home" } }
                            </button>
                            <button type="button" id="confirm-cancel" class="govuk-button govuk-button--secondary"
                                onclick={set_confirm(false)}>{ "Cancel" }</button>
                        </div>
                    </div>
                } else if h.archived {
                    <button type="button" id="unarchive-home" class="govuk-button govuk-button--secondary"
                        onclick={set_confirm(true)}>{ "Open the home again" }</button>
                } else {
                    <button type="button" id="archive-home" class="govuk-button govuk-button--warning"
                        onclick={set_confirm(true)}>{ "Archive home" }</button>
                }
            </div>
        </div>
    }
}
