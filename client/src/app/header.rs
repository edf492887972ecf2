//! The service header on every page: skip link, service name, who is signed in, sign out, and
//! the sync status, always visible.

use yew::prelude::*;

use super::{clock_time, use_app};
use crate::engine::SyncStatus;
use crate::platform::vault::SignOut;
use crate::route::{MenuMark, MenuSection, Route};

/// Properties of [`Header`].
#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    /// Kiosk mode: no menu and no sign-out (a young person holds the tablet); the sync status stays.
    #[prop_or_default]
    pub kiosk: bool,
    /// The page being shown, for marking where the person is in the menu.
    pub route: Route,
}

/// One item of the service menu, marked as GOV.UK's service navigation does when `route` is in
/// `section`: highlighted, `aria-current`, and the name in bold for when the page's colours are
/// overridden.
fn menu_item(section: MenuSection, id: &str, href: String, label: &str, route: &Route) -> Html {
    let mark = route.menu().filter(|(s, _)| *s == section).map(|(_, m)| m);
    let current = mark.map(|m| match m {
        MenuMark::Page => "page",
        MenuMark::Within => "true",
    });
    html! {
        <li class={classes!("govuk-service-navigation__item",
            mark.is_some().then_some("govuk-service-navigation__item--active"))}>
            <a class="govuk-service-navigation__link" id={id.to_string()} {href} aria-current={current}>
                if mark.is_some() {
                    <strong class="govuk-service-navigation__active-fallback">{ label }</strong>
                } else {
                    { label }
                }
            </a>
        </li>
    }
}

/// GOV.UK-style header plus the sync status bar.
#[function_component]
pub fn Header(props: &HeaderProps) -> Html {
    let app = use_app();
    let me = app.rt.me();
    let consultations = me
        .as_ref()
        .and_then(|m| m.actor())
        .is_some_and(|a| super::consultations::shows_consultations(&a));
    let admin = me
        .as_ref()
        .and_then(|m| m.actor())
        .is_some_and(|a| a.role == hearth_shared::permissions::Role::Admin);
    // Officers read the audit (administrators have it in their own menu).
    let officer = me
        .as_ref()
        .and_then(|m| m.actor())
        .is_some_and(|a| a.role == hearth_shared::permissions::Role::Officer);
    // Officers, managers and participation workers have the officers' overview.
    let overview = me
        .as_ref()
        .and_then(|m| m.actor())
        .is_some_and(|a| crate::overview::parts(a.role).is_some());
    // An admin's `#/` is the administration overview.
    let route = match &props.route {
        Route::Homes if admin => Route::Admin,
        other => other.clone(),
    };
    // Until a given password is replaced there is nowhere to go and nothing syncs: no menu
    // and no sync status, only who is signed in and the way out.
    let password_first = me.as_ref().is_some_and(|m| m.user.must_change_password);
    // A tablet's young-person account has no devices page of its own: staff manage it.
    let kiosk_account = me
        .as_ref()
        .and_then(|m| m.actor())
        .is_some_and(|a| a.role == hearth_shared::permissions::Role::YoungPerson);
    let on_sign_out = {
        let rt = app.rt.clone();
        Callback::from(move |_: MouseEvent| {
            let rt = rt.clone();
            wasm_bindgen_futures::spawn_local(async move {
                // With unsent changes this only shows the warning (`sign_out::ConfirmSignOut`).
                if rt.sign_out(false).await == SignOut::DeleteNow {
                    super::navigate(&Route::SignIn);
                }
            });
        })
    };
    html! {
        <>
            <a href="#main-content" class="govuk-skip-link">{ "Skip to main content" }</a>
            <header role="banner">
                <section class="govuk-service-navigation" aria-label="Service information">
                    <div class="govuk-width-container">
                        <div class="govuk-service-navigation__container hearth-header">
                            <span class="govuk-service-navigation__service-name">
                                <a href="#/" class="govuk-service-navigation__link">{ "Hearth" }</a>
                            </span>
                            if let (Some(me), false) = (&me, props.kiosk) {
                                if !password_first {
                                <nav aria-label="Menu" class="govuk-service-navigation__wrapper">
                                    <ul class="govuk-service-navigation__list">
                                        if admin {
                                            { menu_item(MenuSection::Administration, "nav-admin", "#/".into(), "Administration", &route) }
                                            { menu_item(MenuSection::AdminUsers, "nav-admin-users", Route::AdminUsers.href(), "Users", &route) }
                                            { menu_item(MenuSection::AdminHomes, "nav-admin-homes", Route::AdminHomes.href(), "Homes", &route) }
                                            { menu_item(MenuSection::AdminAudit, "nav-admin-audit", Route::AdminAudit.href(), "Audit", &route) }
                                        } else {
                                            { menu_item(MenuSection::Homes, "nav-homes", "#/".into(), "Homes", &route) }
                                        }
                                        if overview {
                                            { menu_item(MenuSection::Overview, "nav-overview",
                                                Route::Overview.href(), "Overview", &route) }
                                        }
                                        if consultations {
                                            { menu_item(MenuSection::Consultations, "nav-consultations",
                                                Route::Consultations.href(), "Consultations", &route) }
                                        }
                                        if officer {
                                            { menu_item(MenuSection::AdminAudit, "nav-audit",
                                                Route::AdminAudit.href(), "Audit", &route) }
                                        }
                                        if !kiosk_account {
                                            { menu_item(MenuSection::Devices, "nav-devices",
                                                Route::Devices.href(), "Devices", &route) }
                                        }
                                    </ul>
                                </nav>
                                }
                                <div class="hearth-header__user">
                                    <span class="govuk-body-s govuk-!-margin-0">{ &me.user.display_name }</span>
                                    <a class="govuk-link govuk-body-s govuk-!-margin-0" id="nav-password"
                                        href={Route::Password.href()}>{ "Change password" }</a>
                                    <button id="sign-out" type="button"
                                        class="govuk-button govuk-button--secondary hearth-header__button"
                                        onclick={on_sign_out}>
                                        { "Sign out" }
                                    </button>
                                </div>
                            }
                        </div>
                    </div>
                </section>
            </header>
            if me.is_some() && !password_first {
                <SyncStatusBar />
            }
            if let Some(problem) = app.rt.storage_error() {
                <div class="govuk-width-container">
                    <div class="govuk-warning-text govuk-!-margin-top-4">
                        <span class="govuk-warning-text__icon" aria-hidden="true">{ "!" }</span>
                        <strong class="govuk-warning-text__text">
                            <span class="govuk-visually-hidden">{ "Warning" }</span>
                            { format!("{problem}. Keep this page open and connect to the internet so your changes reach the server.") }
                        </strong>
                    </div>
                </div>
            }
        </>
    }
}

/// `#sync-status`: what the server has of the user's work, in words.
#[function_component]
fn SyncStatusBar() -> Html {
    let app = use_app();
    let status = app.rt.status();
    let text = status.text(clock_time);
    html! {
        <div class="hearth-sync" data-state={status.data_state()}>
            <div class="govuk-width-container">
                <p id="sync-status" class="govuk-body-s hearth-sync__text"
                    data-state={status.data_state()} role="status" aria-live="polite">
                    { text }
                    if let SyncStatus::SignedOut { .. } = status {
                        { " " }
                        <a class="govuk-link" href={Route::SignIn.href()}>{ "Sign in" }</a>
                    }
                </p>
            </div>
        </div>
    }
}
