//! The administration overview: where an admin lands (`#/` and `#/admin`). Counts of users by
//! role, homes, devices in use, the latest audit events, and the ways into each screen.

use std::collections::BTreeMap;

use yew::prelude::*;

use super::audit::audit_table;
use super::{ErrorSummary, Load, all_users, problem};
use crate::admin::{Overview, ROLES, UserQuery, role_label, subject_names};
use crate::platform::api;
use crate::route::Route;

/// One row of a GOV.UK summary list holding a count.
fn count_row(id: String, label: &str, count: u64) -> Html {
    html! {
        <div class="govuk-summary-list__row">
            <dt class="govuk-summary-list__key">{ label }</dt>
            <dd class="govuk-summary-list__value" {id} data-count={count.to_string()}>{ count }</dd>
        </div>
    }
}

/// The overview page.
#[function_component]
pub fn AdminOverview() -> Html {
    let overview = use_state(|| Load::<Overview>::Loading);
    let names = use_state(BTreeMap::<String, String>::new);
    {
        let (overview, names) = (overview.clone(), names.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let result = api::admin_overview().await;
                let failed = result.is_err();
                overview.set(match result {
                    Ok(o) => Load::Loaded(o),
                    Err(e) => Load::Failed(problem(&e)),
                });
                if !failed {
                    // Names for the recent events' subjects; ids are shown until they come.
                    let users = all_users(UserQuery::default()).await.unwrap_or_default();
                    let homes = api::admin_homes().await.unwrap_or_default();
                    names.set(subject_names(&users, &homes));
                }
            });
        });
    }
    let links = html! {
        <ul class="govuk-list hearth-admin-links" id="admin-links">
            <li><a class="govuk-link hearth-link-target" id="admin-link-users" href={Route::AdminUsers.href()}>{ "Users" }</a>
                <span class="govuk-body-s hearth-secondary">{ " — create accounts, change roles and homes, reset passwords" }</span></li>
            <li><a class="govuk-link hearth-link-target" id="admin-link-homes" href={Route::AdminHomes.href()}>{ "Homes" }</a>
                <span class="govuk-body-s hearth-secondary">{ " — add, rename and archive homes; assign members and managers" }</span></li>
            <li><a class="govuk-link hearth-link-target" id="admin-link-audit" href={Route::AdminAudit.href()}>{ "Audit" }</a>
                <span class="govuk-body-s hearth-secondary">{ " — who did what, and when" }</span></li>
            <li><a class="govuk-link hearth-link-target" id="admin-link-erase" href={Route::AdminErase.href()}>{ "Erase a record" }</a>
                <span class="govuk-body-s hearth-secondary">{ " — delete one record everywhere, with a reason" }</span></li>
            <li><a class="govuk-link hearth-link-target" id="admin-link-devices" href={Route::Devices.href()}>{ "Devices" }</a>
                <span class="govuk-body-s hearth-secondary">{ " — where people are signed in; sign a lost device out" }</span></li>
        </ul>
    };
    html! {
        <>
            if let Load::Failed(p) = &*overview {
                <ErrorSummary problem={p.clone()} />
            }
            <h1 class="govuk-heading-l">{ "Administration" }</h1>
            <p class="govuk-body-l">{ "Manage who can use Hearth and the homes they visit. Administrators cannot read records." }</p>
            { links }
            { match &*overview {
                Load::Loading => html! { <p class="govuk-body" role="status">{ "Loading…" }</p> },
                Load::Failed(_) => html! {},
                Load::Loaded(o) => html! {
                    <div id="admin-overview">
                        <div class="govuk-grid-row">
                            <div class="govuk-grid-column-one-half">
                                <h2 class="govuk-heading-m">{ "Users" }</h2>
                                <dl class="govuk-summary-list" id="overview-users">
                                    { for ROLES.iter().map(|role| count_row(
                                        format!("overview-count-{}", role.as_str()),
                                        role_label(*role),
                                        o.users_by_role.get(role.as_str()).copied().unwrap_or(0),
                                    )) }
                                    { count_row("overview-count-disabled".into(), "Disabled accounts", o.disabled_users) }
                                </dl>
                            </div>
                            <div class="govuk-grid-column-one-half">
                                <h2 class="govuk-heading-m">{ "Homes and devices" }</h2>
                                <dl class="govuk-summary-list" id="overview-homes">
                                    { count_row("overview-count-homes".into(), "Homes", o.homes) }
                                    { count_row("overview-count-archived".into(), "Of which archived", o.archived_homes) }
                                    { count_row("overview-count-devices".into(), "Devices signed in", o.active_devices) }
                                </dl>
                            </div>
                        </div>
                        if o.recent_audit.is_empty() {
                            <h2 class="govuk-heading-m">{ "Recent activity" }</h2>
                            <p class="govuk-body">{ "Nothing has happened yet." }</p>
                        } else {
                            { audit_table(&o.recent_audit, &names, "Recent activity") }
                        }
                        <p class="govuk-body">
                            <a class="govuk-link" href={Route::AdminAudit.href()}>{ "See the whole audit" }</a>
                        </p>
                    </div>
                },
            } }
        </>
    }
}
