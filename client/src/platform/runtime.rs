//! The thin loop that drives the engine in the browser: it owns the WebSocket, the IndexedDB
//! store and the timers, feeds their events to the [`Engine`] and carries out its effects.
//!
//! Pages reach it only through the app context, and only through the methods below.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::Record;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{BinaryType, MessageEvent, WebSocket};

use super::api::{self, ApiError};
use super::store::{Store, StoreError};
use crate::engine::backoff::Backoff;
use crate::engine::{EditError, Effect, Engine, SyncStatus};
use crate::session::Me;

/// How long edits wait before being written to IndexedDB, so a burst of typing is one write.
/// "Saved on this device" only appears once the write has completed.
const PERSIST_DEBOUNCE_MS: u32 = 250;
/// How often the list of records is refreshed from the server while connected.
const LISTING_REFRESH_MS: u32 = 60_000;

/// Whether a document's latest edit is in IndexedDB yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalSave {
    /// An edit is waiting to be written.
    Saving,
    /// Everything shown is in IndexedDB.
    Saved,
    /// The last write failed; the edit is only in memory.
    Failed,
}

/// The open socket and the handlers that must live as long as it.
struct Socket {
    ws: WebSocket,
    _handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

#[derive(Default)]
struct Persistence {
    /// Edit generation per document, bumped on every `Persist` effect.
    dirty: BTreeMap<DocumentId, u64>,
    /// Generation last written to disk.
    written: BTreeMap<DocumentId, u64>,
    failed: BTreeSet<DocumentId>,
    timer: Option<Timeout>,
    flushing: bool,
}

/// The browser runtime. Held in an `Rc` by the app context.
pub struct Runtime {
    peer_id: String,
    engine: RefCell<Engine>,
    store: Store,
    me: RefCell<Option<Me>>,
    socket: RefCell<Option<Socket>>,
    connecting: Cell<bool>,
    backoff: RefCell<Backoff>,
    retry: RefCell<Option<Timeout>>,
    refresh: RefCell<Option<Interval>>,
    persistence: RefCell<Persistence>,
    notify: RefCell<Option<Rc<dyn Fn()>>>,
    storage_error: RefCell<Option<StoreError>>,
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

fn new_peer_id() -> String {
    format!("hearth-browser-{}", DocumentId::random())
}

/// The settings key of this device's peer id.
const PEER_ID: &str = "peerId";

impl Runtime {
    /// Opens storage and, if a user is remembered, loads their documents and starts syncing.
    pub async fn boot() -> Result<Rc<Runtime>, StoreError> {
        let store = Store::open().await?;
        let me = store.me().await?;
        // One peer id per device, kept across reloads, so the server's logs of one tablet's
        // connections read as one peer.
        let peer_id = match store.setting(PEER_ID).await? {
            Some(id) => id,
            None => {
                let id = new_peer_id();
                store.set_setting(PEER_ID, &id).await?;
                id
            }
        };
        let rt = Rc::new(Runtime {
            peer_id,
            engine: RefCell::new(Engine::new(String::new())),
            store,
            me: RefCell::new(None),
            socket: RefCell::new(None),
            connecting: Cell::new(false),
            backoff: RefCell::new(Backoff::new()),
            retry: RefCell::new(None),
            refresh: RefCell::new(None),
            persistence: RefCell::new(Persistence::default()),
            notify: RefCell::new(None),
            storage_error: RefCell::new(None),
        });
        if let Some(me) = me {
            rt.start_session(me).await;
        }
        rt.watch_page();
        Ok(rt)
    }

    /// Sets the function called whenever anything the UI shows may have changed.
    pub fn set_notify(&self, notify: impl Fn() + 'static) {
        *self.notify.borrow_mut() = Some(Rc::new(notify));
    }

    fn notify(&self) {
        let notify = self.notify.borrow().clone();
        if let Some(notify) = notify {
            notify();
        }
    }

    // ----- session ---------------------------------------------------------------------------

    /// The signed-in user (possibly from the device's cache, while offline).
    pub fn me(&self) -> Option<Me> {
        self.me.borrow().clone()
    }

    /// Signs in against the server, remembers the user, and syncs their documents.
    pub async fn sign_in(self: &Rc<Self>, username: &str, password: &str) -> Result<(), ApiError> {
        api::sign_in(username, password).await?;
        let me = api::me().await?;
        if let Err(e) = self.store.set_me(Some(&me)).await {
            *self.storage_error.borrow_mut() = Some(e);
        }
        let same_user = self
            .me
            .borrow()
            .as_ref()
            .is_some_and(|m| m.user.id == me.user.id);
        if same_user {
            *self.me.borrow_mut() = Some(me);
            let effects = self.engine.borrow_mut().set_signed_out(false);
            self.apply(effects);
            self.connect();
        } else {
            self.start_session(me).await;
        }
        self.notify();
        Ok(())
    }

    /// Signs out: the server session ends, the device forgets who was signed in. Unsent edits
    /// stay stored for that user and are sent after they next sign in.
    pub async fn sign_out(self: &Rc<Self>) {
        let _ = api::sign_out().await;
        self.flush_now();
        let _ = self.store.set_me(None).await;
        self.disconnect();
        *self.me.borrow_mut() = None;
        *self.engine.borrow_mut() = Engine::new(self.peer_id.clone());
        self.notify();
    }

    /// Switches to `me`'s documents and starts syncing them.
    async fn start_session(self: &Rc<Self>, me: Me) {
        self.disconnect();
        let mut engine = Engine::new(self.peer_id.clone());
        match self.store.documents(&me.user.id).await {
            Ok(docs) => {
                for doc in docs {
                    // A document that no longer loads is left in storage, untouched, rather
                    // than overwritten; it is simply not shown.
                    let _ = engine.load(doc);
                }
            }
            Err(e) => *self.storage_error.borrow_mut() = Some(e),
        }
        *self.engine.borrow_mut() = engine;
        *self.me.borrow_mut() = Some(me);
        // Acknowledged before the last reload but not yet deleted: delete now.
        self.forget_unreadable();
        *self.backoff.borrow_mut() = Backoff::new();
        self.notify();
        self.connect();
    }

    // ----- reading ---------------------------------------------------------------------------

    /// Runs `f` with read access to the engine (for rendering).
    pub fn with_engine<R>(&self, f: impl FnOnce(&mut Engine) -> R) -> R {
        f(&mut self.engine.borrow_mut())
    }

    /// The sync status for the header.
    pub fn status(&self) -> SyncStatus {
        self.engine.borrow().status()
    }

    /// Whether the document's latest edit is in IndexedDB.
    pub fn local_save(&self, id: DocumentId) -> LocalSave {
        let p = self.persistence.borrow();
        if p.failed.contains(&id) {
            return LocalSave::Failed;
        }
        match (p.dirty.get(&id), p.written.get(&id)) {
            (Some(d), Some(w)) if d == w => LocalSave::Saved,
            (Some(_), _) => LocalSave::Saving,
            (None, _) => LocalSave::Saved,
        }
    }

    /// Why local storage is failing, if it is.
    pub fn storage_error(&self) -> Option<StoreError> {
        self.storage_error.borrow().clone()
    }

    // ----- editing ---------------------------------------------------------------------------

    /// Creates a record on this device; it syncs when possible.
    pub fn create(self: &Rc<Self>, record: &Record) -> Result<DocumentId, EditError> {
        let (id, effects) = self.engine.borrow_mut().create(record)?;
        self.apply(effects);
        Ok(id)
    }

    /// Sets a root-level Text field (one splice, merges with other devices' typing).
    pub fn set_text(
        self: &Rc<Self>,
        id: DocumentId,
        prop: &str,
        value: &str,
    ) -> Result<(), EditError> {
        let effects = self.engine.borrow_mut().set_text(id, prop, value)?;
        self.apply(effects);
        Ok(())
    }

    /// Writes an edited typed record read at `based_on` heads.
    pub fn write_record(
        self: &Rc<Self>,
        id: DocumentId,
        record: &Record,
        based_on: &[automerge::ChangeHash],
    ) -> Result<(), EditError> {
        let effects = self
            .engine
            .borrow_mut()
            .write_record(id, record, based_on)?;
        self.apply(effects);
        Ok(())
    }

    /// Drops a refused local copy and fetches the server's.
    pub fn discard_rejected(self: &Rc<Self>, id: DocumentId) {
        let effects = self.engine.borrow_mut().discard_rejected(id);
        self.apply(effects);
    }

    // ----- device settings -------------------------------------------------------------------

    /// A device setting (e.g. the kiosk lock), if set.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.store.setting(key).await
    }

    /// Stores a device setting; returns once it is on disk.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.store.set_setting(key, value).await
    }

    /// Removes a device setting.
    pub async fn delete_setting(&self, key: &str) -> Result<(), StoreError> {
        self.store.delete_setting(key).await
    }

    /// Drops acknowledged documents this user may not read (a kiosk's submitted responses):
    /// the server has them, so the device keeps no copy, in memory or in IndexedDB.
    fn forget_unreadable(self: &Rc<Self>) {
        let Some(actor) = self.me().and_then(|m| m.actor()) else {
            return;
        };
        let effects = self
            .engine
            .borrow_mut()
            .forget_acknowledged_unreadable(&actor);
        if !effects.is_empty() {
            self.apply(effects);
        }
    }

    // ----- effects ---------------------------------------------------------------------------

    fn apply(self: &Rc<Self>, effects: Vec<Effect>) {
        let mut changed = false;
        for effect in effects {
            match effect {
                Effect::Send(frame) => {
                    if let Some(socket) = self.socket.borrow().as_ref() {
                        // A failed send means the socket is closing; its close handler resyncs.
                        let _ = socket.ws.send_with_u8_array(&frame);
                    }
                }
                Effect::Persist(id) => {
                    self.mark_dirty(id);
                    changed = true;
                }
                Effect::Forget(id) => {
                    {
                        // Nothing of a forgotten document is written again.
                        let mut p = self.persistence.borrow_mut();
                        p.dirty.remove(&id);
                        p.written.remove(&id);
                        p.failed.remove(&id);
                    }
                    let rt = self.clone();
                    spawn_local(async move {
                        let Some(user) = rt.me().map(|m| m.user.id) else {
                            return;
                        };
                        if let Err(e) = rt.store.delete_document(&user, id).await {
                            *rt.storage_error.borrow_mut() = Some(e);
                            rt.notify();
                        }
                    });
                }
                Effect::Updated(_) | Effect::ListChanged | Effect::Status(_) => changed = true,
                Effect::Close => {
                    if let Some(socket) = self.socket.borrow().as_ref() {
                        let _ = socket.ws.close();
                    }
                }
            }
        }
        if changed {
            self.notify();
        }
    }

    // ----- persistence -----------------------------------------------------------------------

    fn mark_dirty(self: &Rc<Self>, id: DocumentId) {
        let mut p = self.persistence.borrow_mut();
        *p.dirty.entry(id).or_insert(0) += 1;
        if p.timer.is_none() && !p.flushing {
            let rt = self.clone();
            p.timer = Some(Timeout::new(PERSIST_DEBOUNCE_MS, move || rt.flush_now()));
        }
    }

    /// Writes every document with unwritten edits, now.
    pub fn flush_now(self: &Rc<Self>) {
        let (batch, user) = {
            let mut p = self.persistence.borrow_mut();
            p.timer = None;
            if p.flushing {
                return;
            }
            let pending: Vec<(DocumentId, u64)> = p
                .dirty
                .iter()
                .filter(|(id, generation)| p.written.get(id) != Some(generation))
                .map(|(id, generation)| (*id, *generation))
                .collect();
            let Some(user) = self.me().map(|m| m.user.id) else {
                return;
            };
            if pending.is_empty() {
                return;
            }
            p.flushing = true;
            (pending, user)
        };
        let mut engine = self.engine.borrow_mut();
        let docs: Vec<_> = batch
            .iter()
            .filter_map(|(id, _)| engine.snapshot(*id))
            .collect();
        drop(engine);
        let rt = self.clone();
        spawn_local(async move {
            let result = rt.store.put_documents(&user, &docs).await;
            {
                let mut p = rt.persistence.borrow_mut();
                p.flushing = false;
                match &result {
                    Ok(()) => {
                        for (id, generation) in &batch {
                            p.written.insert(*id, *generation);
                            p.failed.remove(id);
                        }
                    }
                    Err(_) => {
                        for (id, _) in &batch {
                            p.failed.insert(*id);
                        }
                    }
                }
            }
            *rt.storage_error.borrow_mut() = result.err();
            // Edits made while writing go out in the next batch.
            let more = {
                let p = rt.persistence.borrow();
                p.dirty.iter().any(|(id, g)| p.written.get(id) != Some(g))
                    && !p.failed.iter().any(|id| p.dirty.contains_key(id))
            };
            if more {
                rt.flush_now();
            }
            rt.notify();
        });
    }

    /// Writes pending edits when the page is hidden or closed, without waiting for the timer.
    fn watch_page(self: &Rc<Self>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let rt = Rc::downgrade(self);
        let on_hide = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(rt) = rt.upgrade() {
                rt.flush_now();
            }
        });
        let _ =
            window.add_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
        if let Some(document) = window.document() {
            let _ = document.add_event_listener_with_callback(
                "visibilitychange",
                on_hide.as_ref().unchecked_ref(),
            );
        }
        on_hide.forget();
        let rt = Rc::downgrade(self);
        let on_online = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(rt) = rt.upgrade() {
                // The network is back: try now rather than at the end of the backoff.
                rt.backoff.borrow_mut().reset();
                rt.connect();
            }
        });
        let _ =
            window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
        on_online.forget();
    }

    // ----- connection ------------------------------------------------------------------------

    /// Connects to `/sync` with a fresh ticket, unless connected, connecting or signed out.
    pub fn connect(self: &Rc<Self>) {
        if self.socket.borrow().is_some() || self.connecting.get() || self.me().is_none() {
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

    fn disconnect(&self) {
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

    /// Fetches the user's homes and the server's records list; new records are requested.
    pub fn refresh_remote(self: &Rc<Self>) {
        let rt = self.clone();
        spawn_local(async move {
            if let Ok(homes) = api::homes().await {
                let updated = rt.me().filter(|m| m.homes != homes).map(|mut me| {
                    me.homes = homes;
                    me
                });
                if let Some(me) = updated {
                    let _ = rt.store.set_me(Some(&me)).await;
                    *rt.me.borrow_mut() = Some(me);
                    rt.notify();
                }
            }
            if let Ok(listed) = api::documents().await {
                let effects = rt.engine.borrow_mut().set_listing(listed);
                rt.apply(effects);
            }
        });
    }
}
