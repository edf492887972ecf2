//! Administration (admins only, online only): the overview an admin lands on, users, homes and
//! the audit (which officers read too, with "who has read this record" in `reads`). Every
//! screen asks the server (`/api/admin/*`, `/api/audit`) when it opens and shows what the
//! server refused in a GOV.UK error summary with the server's own message. Nothing here shows
//! record content: there is no endpoint for it.
//!
//! The pure part (reply shapes, labels, queries, pagination) is [`crate::admin`].

mod audit;
mod erase;
mod homes;
mod overview;
mod reads;
mod user_detail;
mod user_form;
mod users;

use std::cell::Cell;
use std::rc::Rc;

use hearth_shared::dates::long_date;
use hearth_shared::permissions::Role;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use super::use_app;
use crate::admin::{PageItem, page_items};
use crate::platform::api::{self, ApiError};
use crate::route::Route;

pub use reads::{ReadsLink, RecordReads};

// Filter drop-downs mark their "any" option `selected`: Yew inserts a list's children last
// first, and a `<select>` would otherwise show the first option inserted, its last.

/// What every admin screen says when the server cannot be reached.
pub const OFFLINE: &str = "You need to be online to manage the service";

/// What the page shows for a failed request: the server's message as it is, or why there was
/// no answer.
pub fn problem(error: &ApiError) -> Problem {
    match error {
        ApiError::Offline => Problem {
            code: "offline".into(),
            message: OFFLINE.into(),
        },
        ApiError::SignedOut => Problem {
            code: "not_signed_in".into(),
            message: "Your session has ended. Sign in again.".into(),
        },
        ApiError::Refused { code, message } => Problem {
            code: code.clone(),
            message: message.clone(),
        },
    }
}

/// A refusal or failure to show: the server's stable code (for tests and styling) and its
/// message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// e.g. `last_admin`, `conflict`, `offline`.
    pub code: String,
    /// Shown as it is.
    pub message: String,
}

impl Problem {
    /// A problem found before asking the server (a form field left empty).
    pub fn local(message: &str) -> Self {
        Problem {
            code: "bad_request".into(),
            message: message.into(),
        }
    }
}

/// A request's progress, for screens that load something when they open.
#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    /// Asked, not answered yet.
    Loading,
    /// The answer.
    Loaded(T),
    /// No answer, or a refusal.
    Failed(Problem),
}

/// Counts requests so a slow answer to an older request does not replace a newer one's.
#[derive(Clone, Default)]
pub struct Latest(Rc<Cell<u64>>);

impl Latest {
    /// Starts a request; the number is still current when its answer arrives if no later
    /// request started.
    pub fn start(&self) -> u64 {
        let n = self.0.get().wrapping_add(1);
        self.0.set(n);
        n
    }

    /// Whether request `n` is the latest.
    pub fn is_current(&self, n: u64) -> bool {
        self.0.get() == n
    }
}

/// Properties of [`ErrorSummary`].
#[derive(Properties, PartialEq)]
pub struct ErrorSummaryProps {
    /// What went wrong.
    pub problem: Problem,
    /// The id of the field the message is about (the link's target); none for the page.
    #[prop_or_default]
    pub field: Option<AttrValue>,
}

/// Moves focus (and so the view) to `node` whenever `key` changes, as GOV.UK does with an
/// error summary or a banner that appears after an action further down the page.
#[hook]
fn use_focus_on(key: String) -> NodeRef {
    let node = use_node_ref();
    {
        let node = node.clone();
        use_effect_with(key, move |_| {
            if let Some(element) = node.cast::<web_sys::HtmlElement>() {
                let _ = element.focus();
            }
        });
    }
    node
}

/// GOV.UK error summary with one message; `data-code` carries the server's code. It takes
/// focus when it appears, so the person is shown it wherever they clicked.
#[function_component]
pub fn ErrorSummary(props: &ErrorSummaryProps) -> Html {
    let message = props.problem.message.clone();
    let node = use_focus_on(format!("{}: {}", props.problem.code, message));
    html! {
        <div class="govuk-error-summary admin-error" data-module="govuk-error-summary"
            data-code={props.problem.code.clone()} tabindex="-1" ref={node}>
            <div role="alert">
                <h2 class="govuk-error-summary__title">{ "There is a problem" }</h2>
                <div class="govuk-error-summary__body">
                    <ul class="govuk-list govuk-error-summary__list">
                        <li>
                            if let Some(field) = &props.field {
                                <a href={format!("#{field}")} onclick={focus_field(field.to_string())}>{ message }</a>
                            } else {
                                { message }
                            }
                        </li>
                    </ul>
                </div>
            </div>
        </div>
    }
}

/// Moves focus to the field `id` instead of following the `#id` link: with hash routing, the
/// link itself would change the route.
fn focus_field(id: String) -> Callback<MouseEvent> {
    Callback::from(move |event: MouseEvent| {
        event.prevent_default();
        if let Some(element) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
        }
    })
}

/// Properties of [`SuccessBanner`].
#[derive(Properties, PartialEq)]
pub struct SuccessBannerProps {
    /// What was done.
    pub message: AttrValue,
}

/// GOV.UK success notification banner (`#admin-success`); takes focus when it appears.
#[function_component]
pub fn SuccessBanner(props: &SuccessBannerProps) -> Html {
    let node = use_focus_on(props.message.to_string());
    html! {
        <div class="govuk-notification-banner govuk-notification-banner--success" role="alert"
            id="admin-success" aria-labelledby="admin-success-title" tabindex="-1" ref={node}>
            <div class="govuk-notification-banner__header">
                <h2 class="govuk-notification-banner__title" id="admin-success-title">{ "Success" }</h2>
            </div>
            <div class="govuk-notification-banner__content">
                <p class="govuk-notification-banner__heading">{ props.message.clone() }</p>
            </div>
        </div>
    }
}

/// Properties of [`Pagination`].
#[derive(Properties, PartialEq)]
pub struct PaginationProps {
    /// The page shown, from 1.
    pub page: u32,
    /// The last page.
    pub last: u32,
    /// The list's own address (what a link opened in a new tab shows).
    pub href: AttrValue,
    /// Asked for another page.
    pub on_page: Callback<u32>,
}

/// GOV.UK pagination: previous, the page numbers with ellipses, next. Nothing when there is
/// one page.
#[function_component]
pub fn Pagination(props: &PaginationProps) -> Html {
    if props.last <= 1 {
        return html! {};
    }
    let go = |n: u32| {
        let on_page = props.on_page.clone();
        Callback::from(move |event: MouseEvent| {
            event.prevent_default();
            on_page.emit(n);
        })
    };
    let (page, last, href) = (props.page, props.last, props.href.clone());
    html! {
        <nav class="govuk-pagination" aria-label="Pagination">
            if page > 1 {
                <div class="govuk-pagination__prev">
                    <a class="govuk-link govuk-pagination__link" href={href.clone()} rel="prev"
                        id="page-previous" onclick={go(page - 1)}>
                        <span class="govuk-pagination__link-title">
                            { "Previous" }<span class="govuk-visually-hidden">{ " page" }</span>
                        </span>
                    </a>
                </div>
            }
            <ul class="govuk-pagination__list">
                { for page_items(page, last).into_iter().map(|item| match item {
                    PageItem::Ellipsis => html! {
                        <li class="govuk-pagination__item govuk-pagination__item--ellipses">{ "⋯" }</li>
                    },
                    PageItem::Number(n) => html! {
                        <li class={classes!("govuk-pagination__item", (n == page).then_some("govuk-pagination__item--current"))}>
                            <a class="govuk-link govuk-pagination__link page-link" href={href.clone()}
                                data-page={n.to_string()} aria-label={format!("Page {n}")}
                                aria-current={(n == page).then_some("page")} onclick={go(n)}>
                                { n }
                            </a>
                        </li>
                    },
                }) }
            </ul>
            if page < last {
                <div class="govuk-pagination__next">
                    <a class="govuk-link govuk-pagination__link" href={href} rel="next"
                        id="page-next" onclick={go(page + 1)}>
                        <span class="govuk-pagination__link-title">
                            { "Next" }<span class="govuk-visually-hidden">{ " page" }</span>
                        </span>
                    </a>
                </div>
            }
        </nav>
    }
}

/// Properties of [`OneTimePassword`].
#[derive(Properties, PartialEq)]
pub struct OneTimePasswordProps {
    /// Whose password it is.
    pub username: AttrValue,
    /// The password, shown this once.
    pub password: AttrValue,
    /// The panel's heading ("User created", "Password reset").
    pub title: AttrValue,
    /// Whether the panel's heading is the page's `h1` (it replaced the page) or an `h2`.
    #[prop_or(true)]
    pub page_heading: bool,
}

/// The generated password in a GOV.UK panel with a "Copy password" button. It lives only in
/// this component's properties: once the admin leaves the page it is gone.
#[function_component]
pub fn OneTimePassword(props: &OneTimePasswordProps) -> Html {
    let copied = use_state(|| None::<bool>);
    let node = use_focus_on(props.password.to_string());
    let on_copy = {
        let (password, copied) = (props.password.to_string(), copied.clone());
        Callback::from(move |_: MouseEvent| {
            let (password, copied) = (password.clone(), copied.clone());
            wasm_bindgen_futures::spawn_local(async move {
                copied.set(Some(copy_to_clipboard(&password).await));
            });
        })
    };
    html! {
        <>
            <div class="govuk-panel govuk-panel--confirmation" id="one-time-password-panel"
                tabindex="-1" ref={node}>
                if props.page_heading {
                    <h1 class="govuk-panel__title">{ props.title.clone() }</h1>
                } else {
                    <h2 class="govuk-panel__title">{ props.title.clone() }</h2>
                }
                <div class="govuk-panel__body">
                    { "One-time password for " }{ props.username.clone() }<br />
                    <strong id="one-time-password" class="hearth-password">{ props.password.clone() }</strong>
                </div>
            </div>
            <p class="govuk-body">
                { "Give this password to the person in a safe way. It is shown only once: it cannot be seen again after you leave this page. They must choose their own password when they first sign in." }
            </p>
            <button type="button" id="copy-password" class="govuk-button govuk-button--secondary" onclick={on_copy}>
                { "Copy password" }
            </button>
            <p class="govuk-body" role="status" id="copy-status">
                { match *copied {
                    Some(true) => "Password copied.",
                    Some(false) => "This browser did not allow copying. Select the password and copy it yourself.",
                    None => "",
                } }
            </p>
        </>
    }
}

/// Writes `text` with `navigator.clipboard.writeText` (secure contexts only); whether the
/// browser took it.
async fn copy_to_clipboard(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let navigator: JsValue = window.navigator().into();
    let Ok(clipboard) = js_sys::Reflect::get(&navigator, &"clipboard".into()) else {
        return false;
    };
    if clipboard.is_undefined() {
        return false;
    }
    let Ok(write) = js_sys::Reflect::get(&clipboard, &"writeText".into())
        .and_then(|f| f.dyn_into::<js_sys::Function>())
    else {
        return false;
    };
    let Ok(promise) = write
        .call1(&clipboard, &text.into())
        .and_then(|p| p.dyn_into::<js_sys::Promise>())
    else {
        return false;
    };
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// Unix ms as "3 November 2026 at 14:03", in the device's time zone.
pub fn date_time(ms: i64) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let day = format!(
        "{:04}-{:02}-{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date()
    );
    format!("{} at {}", long_date(&day), super::clock_time(ms))
}

/// The first (`end` false) or last (`end` true) millisecond of a local calendar day.
pub fn day_bound_ms((year, month, day): (i32, u32, u32), end: bool) -> i64 {
    let (year, month, day) = (year.max(0) as u32, month as i32 - 1, day as i32);
    let date = if end {
        js_sys::Date::new_with_year_month_day_hr_min_sec_milli(year, month, day, 23, 59, 59, 999)
    } else {
        js_sys::Date::new_with_year_month_day(year, month, day)
    };
    date.get_time() as i64
}

/// Every user matching `query`'s filters, page by page (for choosing people on the home and
/// audit screens). Stops after 40 pages (1,000 people): more than any council's panel.
pub async fn all_users(
    mut query: crate::admin::UserQuery,
) -> Result<Vec<crate::admin::AdminUser>, ApiError> {
    let mut users = Vec::new();
    for page in 1..=40 {
        query.page = page;
        let reply = api::admin_users(&query).await?;
        let got = reply.users.len();
        users.extend(reply.users);
        if got == 0 || users.len() as u64 >= reply.total {
            break;
        }
    }
    Ok(users)
}

/// Properties of [`AdminPage`].
#[derive(Properties, PartialEq)]
pub struct AdminPageProps {
    /// Which administration screen.
    pub route: Route,
}

/// The administration screen for `route`; anyone but an admin is told it is not for them
/// (the server refuses them anyway).
#[function_component]
pub fn AdminPage(props: &AdminPageProps) -> Html {
    let app = use_app();
    let role = app.rt.me().and_then(|m| m.actor()).map(|a| a.role);
    let admin = role == Some(Role::Admin);
    // Officers read the audit too (the server's `/api/audit`); the rest is for admins.
    let officers_audit = role == Some(Role::Officer) && props.route == Route::AdminAudit;
    if !admin && !officers_audit {
        return html! {
            <>
                <h1 class="govuk-heading-l">{ "Page not found" }</h1>
                <p class="govuk-body">{ "Administration is for administrators only." }</p>
                <p class="govuk-body"><a class="govuk-link" href="#/">{ "Go to your homes" }</a></p>
            </>
        };
    }
    match &props.route {
        Route::AdminUsers => html! { <users::UserList /> },
        Route::AdminNewUser => html! { <user_form::NewUser /> },
        Route::AdminUser(id) => {
            html! { <user_detail::UserPage key={id.clone()} id={id.clone()} /> }
        }
        Route::AdminHomes => html! { <homes::HomeList /> },
        Route::AdminHome(id) => html! { <homes::HomePage key={id.clone()} id={id.clone()} /> },
        Route::AdminAudit => html! { <audit::AuditPage /> },
        Route::AdminErase => html! { <erase::ErasePage /> },
        _ => html! { <overview::AdminOverview /> },
    }
}
