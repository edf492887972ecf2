//! The app shell (wasm32 only): the context that hands pages the runtime, the header with the
//! sync status, and hash routing between the screens.

mod admin;
mod consultations;
mod devices;
mod header;
mod history;
mod homes;
mod inspection;
mod kiosk;
mod kiosk_setup;
mod overview;
mod password;
mod record;
mod records;
mod rejection;
mod sign_in;
mod sign_out;
mod typed_record;
mod unlock;
mod visit_note;

use std::rc::Rc;

use hearth_shared::permissions::Role;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

use crate::kiosk_lock;
use crate::platform::Runtime;
use crate::route::Route;
use kiosk::{KioskContext, KioskMode};

/// What every page gets from the app: the runtime, and a revision that changes whenever
/// something the runtime holds may have changed (so consumers re-render).
#[derive(Clone)]
pub struct AppContext {
    /// The engine, storage and connection, behind their narrow API.
    pub rt: Rc<Runtime>,
    /// Bumped on every change notification.
    pub revision: u64,
}

impl PartialEq for AppContext {
    fn eq(&self, other: &Self) -> bool {
        self.revision == other.revision && Rc::ptr_eq(&self.rt, &other.rt)
    }
}

/// The context, for pages. Panics outside [`App`], which is a programming error.
#[hook]
pub fn use_app() -> AppContext {
    use_context::<AppContext>().expect("pages are rendered inside App")
}

/// The text in the `<input>` behind `r`, for forms that read their fields on submit (sign-in,
/// the password page, the kiosk PIN); empty when it is not rendered.
pub fn input_value(r: &NodeRef) -> String {
    r.cast::<web_sys::HtmlInputElement>()
        .map(|i| i.value())
        .unwrap_or_default()
}

/// Goes to `route` (a hash change; the page is not reloaded).
pub fn navigate(route: &Route) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_hash(&route.href());
    }
}

fn current_route() -> Route {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .map_or(Route::Homes, |hash| Route::parse(&hash))
}

/// The root component's properties: the booted runtime.
#[derive(Properties, Clone)]
pub struct AppProps {
    /// The runtime started by `start`.
    pub rt: Rc<Runtime>,
}

impl PartialEq for AppProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.rt, &other.rt)
    }
}

/// A counter bumped by the runtime's change notifications.
struct Revision(u64);

impl Reducible for Revision {
    type Action = ();

    fn reduce(self: Rc<Self>, _: ()) -> Rc<Self> {
        Rc::new(Revision(self.0.wrapping_add(1)))
    }
}

/// The app's root: context, header, status, and the page for the current route.
#[function_component]
pub fn App(props: &AppProps) -> Html {
    let revision = use_reducer(|| Revision(0));
    let route = use_state(current_route);
    let kiosk_mode = use_state(|| KioskMode::Loading);
    {
        // Kiosk mode is stored on the device, so a reload stays in it. It is read whenever
        // someone is signed in, and unknown (`Loading`: nothing shown) while nobody is, so the
        // next person's first screen never follows a lock read for someone before them (a
        // revoked kiosk account's lock is deleted with its data).
        let (rt, kiosk_mode) = (props.rt.clone(), kiosk_mode.clone());
        let user = props.rt.me().map(|m| m.user.id);
        use_effect_with(user, move |user| {
            if user.is_none() {
                kiosk_mode.set(KioskMode::Loading);
                return;
            }
            if let Some(stored) = rt.take_kiosk_setting() {
                // Read with the index as the session started: the first page after Unlock
                // does not wait for another IndexedDB read.
                kiosk_mode.set(kiosk::mode_of(stored.as_deref()));
                return;
            }
            wasm_bindgen_futures::spawn_local(async move {
                let stored = rt.setting(kiosk_lock::SETTING).await.ok().flatten();
                kiosk_mode.set(kiosk::mode_of(stored.as_deref()));
            });
        });
    }
    {
        let rt = props.rt.clone();
        let dispatcher = revision.dispatcher();
        let route = route.setter();
        use_effect_with((), move |_| {
            rt.set_notify(move || dispatcher.dispatch(()));
            let on_hash = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                route.set(current_route());
                // Each screen starts at the top, like a page load.
                if let Some(w) = web_sys::window() {
                    w.scroll_to_with_x_and_y(0.0, 0.0);
                }
            });
            if let Some(w) = web_sys::window() {
                let _ = w.add_event_listener_with_callback(
                    "hashchange",
                    on_hash.as_ref().unchecked_ref(),
                );
            }
            // The app lives as long as the page.
            on_hash.forget();
        });
    }
    let context = AppContext {
        rt: props.rt.clone(),
        revision: revision.0,
    };
    let signed_in = props.rt.me().is_some();
    let role = props.rt.me().and_then(|m| m.actor()).map(|a| a.role);
    let current_record = match &*route {
        Route::Record(id) => Some(*id),
        _ => None,
    };
    let kiosk_context = KioskContext {
        mode: (*kiosk_mode).clone(),
        set: {
            let kiosk_mode = kiosk_mode.clone();
            Callback::from(move |mode| kiosk_mode.set(mode))
        },
    };
    // In kiosk mode (or until the device says whether it is) the kiosk is the only screen.
    let locked = match (&*kiosk_mode, signed_in) {
        (KioskMode::Loading, true) => Some(None),
        (KioskMode::On(id), true) => Some(Some(*id)),
        _ => None,
    };
    if let Some(Some(id)) = locked
        && *route != Route::Kiosk(id)
    {
        navigate(&Route::Kiosk(id));
    }
    // A password page (encrypted records, key not in memory) or the sign-out warning replaces
    // every screen, the kiosk's included.
    let guard = unlock::guard_page(&props.rt, &route).or_else(|| {
        props
            .rt
            .sign_out_warning()
            .map(|unsent| html! { <sign_out::ConfirmSignOut {unsent} /> })
    });
    let must_change_password = props.rt.me().is_some_and(|m| m.user.must_change_password);
    let page = match (&*route, signed_in) {
        _ if guard.is_some() => guard.unwrap_or_default(),
        // A password someone else was shown is replaced before anything else.
        (_, true) if must_change_password => html! { <password::ChangePassword /> },
        // A tablet being set up with a code: not signed in yet, or just signed in and waiting
        // for its kiosk mode to be read (the page must stay mounted: a code works once). Never
        // over a kiosk that is running.
        (Route::KioskSetup(code), _) if !matches!(locked, Some(Some(_))) => {
            html! { <kiosk_setup::SetUpTablet code={Some(code.clone())} /> }
        }
        (Route::KioskSetupEntry, _) if !matches!(locked, Some(Some(_))) => {
            html! { <kiosk_setup::SetUpTablet /> }
        }
        _ if locked.is_some() => match locked.flatten() {
            Some(id) => html! { <kiosk::KioskPage id={id} /> },
            None => html! {},
        },
        // Only in kiosk mode, which the arm above shows instead.
        (Route::KioskSetup(_) | Route::KioskSetupEntry, true) => html! {},
        (_, false) | (Route::SignIn, _) => html! { <sign_in::SignIn /> },
        (Route::Devices, true) => html! { <devices::Devices /> },
        (Route::ConsultationTablet(id), true) => html! { <kiosk_setup::TabletCode id={*id} /> },
        // An admin has no homes: they land on the administration overview.
        (Route::Homes, true) if role == Some(Role::Admin) => {
            html! { <admin::AdminPage route={Route::Admin} /> }
        }
        (
            admin_route @ (Route::Admin
            | Route::AdminUsers
            | Route::AdminNewUser
            | Route::AdminUser(_)
            | Route::AdminHomes
            | Route::AdminHome(_)
            | Route::AdminAudit
            | Route::AdminErase),
            true,
        ) => html! { <admin::AdminPage route={admin_route.clone()} /> },
        (Route::Homes, true) if kiosk::runs_kiosk(role) => html! { <kiosk::KioskStart /> },
        (Route::Homes, true) => html! { <homes::Homes /> },
        (Route::Consultations, true) => html! { <consultations::ConsultationList /> },
        (Route::Consultation(id), true) => {
            html! { <consultations::ConsultationPage id={*id} /> }
        }
        (Route::ConsultationResults(id), true) => {
            html! { <consultations::ResultsPage id={*id} /> }
        }
        // Kiosk mode starts from the home page, where the worker sets the PIN.
        (Route::Kiosk(_), true) => html! {
            <>
                <h1 class="govuk-heading-l">{ "Kiosk mode is not on" }</h1>
                <p class="govuk-body"><a class="govuk-link" href="#/">{ "Start kiosk mode from the home page" }</a></p>
            </>
        },
        (Route::Password, true) => html! { <password::ChangePassword /> },
        (Route::Overview, true) => html! { <overview::Overview /> },
        (Route::Home(id), true) => html! { <records::Records home_id={id.clone()} /> },
        (Route::Record(id), true) => html! { <record::RecordPage id={*id} /> },
        (Route::RecordReads(id), true) => html! { <admin::RecordReads id={*id} /> },
        (Route::RecordHistory(id), true) => html! { <history::HistoryPage id={*id} /> },
        (Route::NotFound, true) => html! {
            <>
                <h1 class="govuk-heading-l">{ "Page not found" }</h1>
                <p class="govuk-body"><a class="govuk-link" href="#/">{ "Go to your homes" }</a></p>
            </>
        },
    };
    html! {
        <ContextProvider<AppContext> context={context}>
            <ContextProvider<KioskContext> context={kiosk_context}>
                <header::Header kiosk={locked.is_some()} route={(*route).clone()} />
                <div class="govuk-width-container">
                    <main class="govuk-main-wrapper" id="main-content" role="main">
                        if locked.is_none() {
                            <rejection::RejectionSummary current={current_record} />
                        }
                        { page }
                    </main>
                </div>
            </ContextProvider<KioskContext>>
        </ContextProvider<AppContext>>
    }
}

/// Formats unix milliseconds as the device's local "14:03".
pub fn clock_time(ms: i64) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}
