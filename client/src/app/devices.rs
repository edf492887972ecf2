//! `#/devices`: the browsers and tablets signed in as this user, with "Sign out" for the
//! others; for an admin, everyone's devices too, with "Revoke". Online only: the list is the
//! server's. Ending a session asks first, because whatever that device has not sent yet is
//! deleted with it (by design: a lost tablet's unsent notes must not outlive its revocation).

use hearth_shared::permissions::Role;
use wasm_bindgen::JsValue;
use yew::prelude::*;

use super::{clock_time, use_app};
use crate::devices::{Device, revoke_warning, sort_devices};
use crate::platform::api::{self, ApiError};

/// What the page has from the server.
#[derive(Clone, PartialEq)]
enum Loaded {
    Loading,
    Ready {
        mine: Vec<Device>,
        /// Everyone's, for an admin.
        all: Option<Vec<Device>>,
    },
    Failed(String),
}

/// The device whose session is about to end, and whether it is one of the user's own.
#[derive(Clone, PartialEq)]
struct Confirm {
    device: Device,
    own: bool,
}

/// Unix ms as "3 November 2026 at 14:03", in the device's time zone.
fn date_time(ms: i64) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let day = format!(
        "{:04}-{:02}-{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date()
    );
    format!(
        "{} at {}",
        hearth_shared::dates::long_date(&day),
        clock_time(ms)
    )
}

fn problem_text(error: &ApiError) -> String {
    match error {
        ApiError::Offline => {
            "You are offline. Devices can only be seen and signed out online.".into()
        }
        other => other.to_string(),
    }
}

async fn load(admin: bool) -> Loaded {
    let mine = match api::my_devices().await {
        Ok(mut mine) => {
            sort_devices(&mut mine);
            mine
        }
        Err(e) => return Loaded::Failed(problem_text(&e)),
    };
    let all = if admin {
        match api::all_devices().await {
            Ok(mut all) => {
                sort_devices(&mut all);
                all.sort_by(|a, b| a.display_name.cmp(&b.display_name));
                Some(all)
            }
            Err(e) => return Loaded::Failed(problem_text(&e)),
        }
    } else {
        None
    };
    Loaded::Ready { mine, all }
}

/// `#/devices`.
#[function_component]
pub fn Devices() -> Html {
    let app = use_app();
    let loaded = use_state(|| Loaded::Loading);
    let reload = use_state(|| 0u32);
    let confirm = use_state(|| None::<Confirm>);
    let done = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let admin = app
        .rt
        .me()
        .and_then(|m| m.actor())
        .is_some_and(|a| a.role == Role::Admin);
    {
        let loaded = loaded.clone();
        use_effect_with((*reload, admin), move |(_, admin)| {
            let admin = *admin;
            wasm_bindgen_futures::spawn_local(async move { loaded.set(load(admin).await) });
        });
    }

    if let Some(Confirm { device, own }) = (*confirm).clone() {
        let (action, heading) = if own {
            ("Sign out", format!("Sign out {}?", device.label))
        } else {
            (
                "Revoke",
                format!("Revoke {} for {}?", device.label, device.display_name),
            )
        };
        let on_yes = {
            let (confirm, done, busy, loaded, reload) = (
                confirm.clone(),
                done.clone(),
                busy.clone(),
                loaded.clone(),
                reload.clone(),
            );
            let device = device.clone();
            Callback::from(move |_: MouseEvent| {
                let (confirm, done, busy, loaded, reload) = (
                    confirm.clone(),
                    done.clone(),
                    busy.clone(),
                    loaded.clone(),
                    reload.clone(),
                );
                let device = device.clone();
                busy.set(true);
                wasm_bindgen_futures::spawn_local(async move {
                    let result = if own {
                        api::sign_out_device(&device.id).await
                    } else {
                        api::revoke_device(&device.id).await
                    };
                    busy.set(false);
                    confirm.set(None);
                    match result {
                        Ok(()) => {
                            done.set(Some(if own {
                                format!("{} has been signed out.", device.label)
                            } else {
                                format!(
                                    "{} for {} has been revoked.",
                                    device.label, device.display_name
                                )
                            }));
                            reload.set(*reload + 1);
                        }
                        Err(e) => loaded.set(Loaded::Failed(problem_text(&e))),
                    }
                });
            })
        };
        let on_cancel = {
            let confirm = confirm.clone();
            Callback::from(move |_: MouseEvent| confirm.set(None))
        };
        return html! {
            <div class="govuk-grid-row">
                <div class="govuk-grid-column-two-thirds" id="revoke-confirmation">
                    <h1 class="govuk-heading-l">{ heading }</h1>
                    <div class="govuk-warning-text">
                        <span class="govuk-warning-text__icon" aria-hidden="true">{ "!" }</span>
                        <strong class="govuk-warning-text__text" id="revoke-warning">
                            <span class="govuk-visually-hidden">{ "Warning" }</span>
                            { revoke_warning(&device, own) }
                        </strong>
                    </div>
                    <div class="govuk-button-group">
                        <button type="button" id="confirm-revoke" class="govuk-button govuk-button--warning"
                            onclick={on_yes} disabled={*busy}>
                            { format!("Yes, {}", action.to_lowercase()) }
                        </button>
                        <button type="button" id="cancel-revoke" class="govuk-button govuk-button--secondary"
                            onclick={on_cancel}>
                            { "Cancel" }
                        </button>
                    </div>
                </div>
            </div>
        };
    }

    let ask = |device: &Device, own: bool| {
        let (confirm, done) = (confirm.clone(), done.clone());
        let device = device.clone();
        Callback::from(move |_: MouseEvent| {
            done.set(None);
            confirm.set(Some(Confirm {
                device: device.clone(),
                own,
            }));
        })
    };
    let this_device =
        html! { <strong class="govuk-tag govuk-tag--blue">{ "This device" }</strong> };
    let kiosk_tag = html! { <strong class="govuk-tag govuk-tag--grey">{ "Kiosk tablet" }</strong> };

    html! {
        <>
            if let Some(message) = &*done {
                <div class="govuk-notification-banner govuk-notification-banner--success" role="alert"
                    id="device-signed-out" aria-labelledby="device-signed-out-title">
                    <div class="govuk-notification-banner__header">
                        <h2 class="govuk-notification-banner__title" id="device-signed-out-title">{ "Success" }</h2>
                    </div>
                    <div class="govuk-notification-banner__content">
                        <p class="govuk-notification-banner__heading">{ message.clone() }</p>
                    </div>
                </div>
            }
            <h1 class="govuk-heading-l">{ "Your devices" }</h1>
            <p class="govuk-body">
                { "The browsers and tablets signed in as you. Sign out any you do not recognise or no longer use: \
                   the records on it are deleted from it the next time it connects." }
            </p>
            {
                match &*loaded {
                    Loaded::Loading => html! { <p class="govuk-body" role="status">{ "Getting your devices…" }</p> },
                    Loaded::Failed(message) => html! {
                        <p class="govuk-error-message" role="alert" id="devices-problem">{ message.clone() }</p>
                    },
                    Loaded::Ready { mine, all } => html! {
                        <>
                            <table class="govuk-table" id="my-devices">
                                <caption class="govuk-table__caption govuk-visually-hidden">{ "Your devices" }</caption>
                                <thead class="govuk-table__head">
                                    <tr class="govuk-table__row">
                                        <th scope="col" class="govuk-table__header">{ "Device" }</th>
                                        <th scope="col" class="govuk-table__header">{ "Signed in" }</th>
                                        <th scope="col" class="govuk-table__header">{ "Last seen" }</th>
                                        <th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">{ "Action" }</span></th>
                                    </tr>
                                </thead>
                                <tbody class="govuk-table__body">
                                    { for mine.iter().map(|d| html! {
                                        <tr class="govuk-table__row device-row" data-device-id={d.id.clone()}
                                            data-current={d.current.to_string()}>
                                            <td class="govuk-table__cell">
                                                { d.label.clone() }
                                                if d.current { { " " }{ this_device.clone() } }
                                                if d.kiosk { { " " }{ kiosk_tag.clone() } }
                                            </td>
                                            <td class="govuk-table__cell">{ date_time(d.created_at) }</td>
                                            <td class="govuk-table__cell">{ date_time(d.last_seen_at) }</td>
                                            <td class="govuk-table__cell">
                                                if !d.current {
                                                    <button type="button" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0 device-sign-out"
                                                        data-device-id={d.id.clone()} onclick={ask(d, true)}>
                                                        { "Sign out" }<span class="govuk-visually-hidden">{ format!(" {}", d.label) }</span>
                                                    </button>
                                                }
                                            </td>
                                        </tr>
                                    }) }
                                </tbody>
                            </table>
                            if let Some(all) = all {
                                <h2 class="govuk-heading-m">{ "Everyone's devices" }</h2>
                                <p class="govuk-body">
                                    { "Revoke a lost or stolen device, or one that should no longer be signed in. \
                                       Changes made on it that have not reached the server yet are lost." }
                                </p>
                                <table class="govuk-table" id="all-devices">
                                    <caption class="govuk-table__caption govuk-visually-hidden">{ "Everyone's devices" }</caption>
                                    <thead class="govuk-table__head">
                                        <tr class="govuk-table__row">
                                            <th scope="col" class="govuk-table__header">{ "Person" }</th>
                                            <th scope="col" class="govuk-table__header">{ "Device" }</th>
                                            <th scope="col" class="govuk-table__header">{ "Last seen" }</th>
                                            <th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">{ "Action" }</span></th>
                                        </tr>
                                    </thead>
                                    <tbody class="govuk-table__body">
                                        { for all.iter().map(|d| html! {
                                            <tr class="govuk-table__row admin-device-row" data-device-id={d.id.clone()}
                                                data-username={d.username.clone()} data-kiosk={d.kiosk.to_string()}>
                                                <td class="govuk-table__cell">
                                                    { d.display_name.clone() }
                                                    <span class="govuk-body-s hearth-secondary">{ format!(" ({})", d.username) }</span>
                                                </td>
                                                <td class="govuk-table__cell">
                                                    { d.label.clone() }
                                                    if d.current { { " " }{ this_device.clone() } }
                                                    if d.kiosk { { " " }{ kiosk_tag.clone() } }
                                                    <br />
                                                    <span class="govuk-body-s hearth-secondary">{ format!("Signed in {}", date_time(d.created_at)) }</span>
                                                </td>
                                                <td class="govuk-table__cell">{ date_time(d.last_seen_at) }</td>
                                                <td class="govuk-table__cell">
                                                    if !d.current {
                                                        <button type="button" class="govuk-button govuk-button--warning govuk-!-margin-bottom-0 device-revoke"
                                                            data-device-id={d.id.clone()} onclick={ask(d, false)}>
                                                            { "Revoke" }<span class="govuk-visually-hidden">{ format!(" {} for {}", d.label, d.display_name) }</span>
                                                        </button>
                                                    }
                                                </td>
                                            </tr>
                                        }) }
                                    </tbody>
                                </table>
                            }
                        </>
                    },
                }
            }
        </>
    }
}
