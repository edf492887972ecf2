//! The sync connection: a fresh ticket, the WebSocket and its handlers, reconnecting with
//! backoff, and refreshing the homes and records list while joined.

use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{BinaryType, MessageEvent, WebSocket};

use super::{Runtime, now_ms};
use crate::platform::api::{self, ApiError};

/// How often the list of records is refreshed from the server while connected.
const LISTING_REFRESH_MS: u32 = 60_000;

/// The open socket and the handlers that must live as long as it.
pub(super) struct Socket {
    pub(super) ws: WebSocket,
    _handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

impl Runtime {
    // ----- connection ------------------------------------------------------------------------

    /// Connects to `/sync` with a fresh ticket, unless connected, connecting, signed out, or
    /// still to replace a password someone else was shown (the server refuses a ticket until
    /// then; the password change connects).
    pub fn connect(self: &Rc<Self>) {
        let may_sync = self.me().is_some_and(|me| !me.user.must_change_password);
        if self.socket.borrow().is_some() || self.connecting.get() || !may_sync {
            return;
        }
        self.retry.borrow_mut().take();
        self.connecting.set(true);
        let rt = self.clone();
        spawn_local(async move {
            let ticket = api::sync_ticket().await;
            rt.connecting.set(false);
            match ticket {
                Ok(ticket) => rt.open_socket(&ticket),
                Err(ApiError::SignedOut) => {
                    // Keep every local edit; they go after the next sign-in.
                    let effects = rt.engine.borrow_mut().set_signed_out(true);
                    rt.apply(effects);
                    rt.notify();
                }
                Err(_) => rt.schedule_retry(),
            }
        });
    }

    fn schedule_retry(self: &Rc<Self>) {
        if self.me().is_none() {
            return;
        }
        let delay = self.backoff.borrow_mut().next_delay_ms();
        let rt = self.clone();
        *self.retry.borrow_mut() = Some(Timeout::new(delay, move || rt.connect()));
    }

    fn open_socket(self: &Rc<Self>, ticket: &str) {
        let Some(location) = web_sys::window().map(|w| w.location()) else {
            return;
        };
        let scheme = match location.protocol().as_deref() {
            Ok("https:") => "wss",
            _ => "ws",
        };
        let host = location.host().unwrap_or_default();
        let Ok(ws) = WebSocket::new(&format!("{scheme}://{host}/sync?ticket={ticket}")) else {
            self.schedule_retry();
            return;
        };
        ws.set_binary_type(BinaryType::Arraybuffer);
        let weak = Rc::downgrade(self);
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(rt) = weak.upgrade() {
                let effects = rt.engine.borrow_mut().on_open();
                rt.apply(effects);
            }
        });
        let weak = Rc::downgrade(self);
        let on_message = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let Some(rt) = weak.upgrade() else { return };
            let Some(event) = event.dyn_ref::<MessageEvent>() else {
                return;
            };
            let Ok(buffer) = event.data().dyn_into::<js_sys::ArrayBuffer>() else {
                return;
            };
            let frame = js_sys::Uint8Array::new(&buffer).to_vec();
            let was_connected = rt.engine.borrow().is_connected();
            let effects = rt.engine.borrow_mut().on_frame(&frame, now_ms());
            let joined = !was_connected && rt.engine.borrow().is_connected();
            rt.apply(effects);
            rt.forget_unreadable();
            if joined {
                rt.backoff.borrow_mut().reset();
                rt.on_joined();
            }
        });
        let weak = Rc::downgrade(self);
        let on_close = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(rt) = weak.upgrade() {
                rt.socket.borrow_mut().take();
                rt.refresh.borrow_mut().take();
                let effects = rt.engine.borrow_mut().on_closed();
                rt.apply(effects);
                rt.schedule_retry();
            }
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        *self.socket.borrow_mut() = Some(Socket {
            ws,
            _handlers: vec![on_open, on_message, on_close],
        });
    }

    pub(super) fn disconnect(&self) {
        self.retry.borrow_mut().take();
        self.refresh.borrow_mut().take();
        if let Some(socket) = self.socket.borrow_mut().take() {
            socket.ws.set_onclose(None);
            let _ = socket.ws.close();
        }
        let _ = self.engine.borrow_mut().on_closed();
    }

    /// Joined: refresh the homes and the records list now and every minute.
    fn on_joined(self: &Rc<Self>) {
        self.refresh_remote();
        let rt = Rc::downgrade(self);
        *self.refresh.borrow_mut() = Some(Interval::new(LISTING_REFRESH_MS, move || {
            if let Some(rt) = rt.upgrade() {
                rt.refresh_remote();
            }
        }));
    }

    /// Fetches the user's homes, the names records show them and the server's records list;
    /// new records are requested.
    pub fn refresh_remote(self: &Rc<Self>) {
        let rt = self.clone();
        spawn_local(async move {
            if let (Ok(homes), Ok(people)) = (api::homes().await, api::people().await) {
                let updated = rt
                    .me()
                    .filter(|m| m.homes != homes || m.people != people)
                    .map(|mut me| {
                        me.homes = homes;
                        me.people = people;
                        me
                    });
                let key = rt.key.borrow().clone();
                if let (Some(me), Some(key)) = (updated, key) {
                    let _ = rt.store.set_me(&me, &key).await;
                    *rt.me.borrow_mut() = Some(me);
                    rt.notify();
                }
            }
            if let Ok(listed) = api::documents().await {
                let effects = rt.engine.borrow_mut().set_listing(listed);
                rt.apply(effects);
                // Records on this device the server lists as changed are loaded, so they sync.
                rt.load_wanted();
            }
        });
    }
}
