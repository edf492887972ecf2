//! The thin loop that drives the engine in the browser: it owns the WebSocket, the IndexedDB
//! store and the timers, feeds their events to the [`Engine`] and carries out its effects.
//!
//! Pages reach it only through the app context, and only through the methods of [`Runtime`].
//! By concern: `session` (sign-in, sign-out, the lock and unlock), `persistence` (dirty documents,
//! flushing to IndexedDB, the page's lifecycle), `loading` (documents loaded when needed, the
//! metadata index kept in step with them), `socket` (the WebSocket, tickets, retries and the
//! listing refresh), `tablet` (a tablet set up with a code, which unlocks itself), `history`
//! (a record's actor map for its history, kept for offline use); this module
//! holds the type, start-up, reading, editing and the engine's effects.

mod first_sync;
mod history;
mod loading;
mod persistence;
mod session;
mod socket;
mod tablet;

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::{Rc, Weak};

use gloo_timers::callback::{Interval, Timeout};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::Record;
use wasm_bindgen_futures::spawn_local;

use super::store::{Store, StoreError};
use super::vault::webcrypto::{self, DataKey};
use crate::engine::backoff::Backoff;
use crate::engine::{EditError, Effect, Engine, SyncStatus};
use crate::session::Me;
pub use history::AuthorsFrom;
pub use persistence::LocalSave;
use persistence::Persistence;
use session::Lock;
pub use session::LockScreen;
use socket::Socket;

/// The browser runtime. Held in an `Rc` by the app context.
pub struct Runtime {
    /// Itself, for loading documents views ask for while they render ([`Runtime::with_engine`]).
    this: Weak<Runtime>,
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
    /// The signed-in user's data key, only while unlocked (see `platform::vault`).
    key: RefCell<Option<Rc<DataKey>>>,
    /// Set while a password page replaces the app.
    lock: RefCell<Option<Lock>>,
    /// The last tap, click or keypress (unix ms), for the auto-lock.
    last_activity: Cell<i64>,
    idle_check: RefCell<Option<Interval>>,
    /// Set while the sign-out warning is shown: records with unsent changes.
    sign_out_warning: Cell<Option<usize>>,
    /// A one-off message for the sign-in page.
    notice: RefCell<Option<String>>,
    /// Documents being read from storage to load.
    loading: RefCell<BTreeSet<DocumentId>>,
    /// The check of the index against the stored documents, a little after start-up.
    index_check: RefCell<Option<Timeout>>,
    /// Documents written or deleted since the stored checkpoint (each left a mark).
    marked: RefCell<BTreeSet<DocumentId>>,
    /// Set while a checkpoint is being written: one at a time.
    checkpointing: Cell<bool>,
    /// The kiosk setting as read when the session started, until the app takes it.
    kiosk_setting: RefCell<Option<Option<String>>>,
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Runs `f` once the browser has drawn its next frame (a timer set from that frame's callback
/// runs after the paint), or after 100 ms if no frame comes first (a hidden tab draws none).
fn after_next_frame(f: impl FnOnce() + 'static) {
    let once = Rc::new(RefCell::new(Some(f)));
    let run = move || {
        let f = once.borrow_mut().take();
        if let Some(f) = f {
            f();
        }
    };
    Timeout::new(100, run.clone()).forget();
    if let Some(window) = web_sys::window() {
        let frame = wasm_bindgen::closure::Closure::once_into_js(move || {
            Timeout::new(0, run).forget();
        });
        let _ = window.request_animation_frame(wasm_bindgen::JsCast::unchecked_ref(&frame));
    }
}

fn new_peer_id() -> String {
    format!("hearth-browser-{}", DocumentId::random())
}

/// The settings key of this device's peer id.
const PEER_ID: &str = "peerId";

impl Runtime {
    /// Opens storage; if a user's encrypted records are on the device, starts locked (the
    /// Unlock page), otherwise at sign-in.
    pub async fn boot() -> Result<Rc<Runtime>, StoreError> {
        // Nothing may be stored unencrypted, so without WebCrypto the app does not start.
        webcrypto::check_available()?;
        let store = Store::open().await?;
        let lock = match store.last_user().await? {
            Some(user_id) => store
                .wrapped_key(&user_id)
                .await?
                .map(|record| Lock::Locked {
                    user_id,
                    record,
                    idle: false,
                }),
            None => None,
        };
        let notice = store.discarded_clear_text().then(|| {
            "Hearth now encrypts records on this device. Records stored by the previous version \
             were removed from it: sign in to download them again."
                .to_string()
        });
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
        let rt = Rc::new_cyclic(|this| Runtime {
            this: this.clone(),
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
            key: RefCell::new(None),
            lock: RefCell::new(lock),
            last_activity: Cell::new(now_ms()),
            idle_check: RefCell::new(None),
            sign_out_warning: Cell::new(None),
            notice: RefCell::new(notice),
            loading: RefCell::new(BTreeSet::new()),
            index_check: RefCell::new(None),
            marked: RefCell::new(BTreeSet::new()),
            checkpointing: Cell::new(false),
            kiosk_setting: RefCell::new(None),
        });
        rt.watch_page();
        rt.watch_activity();
        let weak = Rc::downgrade(&rt);
        super::api::on_device_revoked(move |message| {
            if let Some(rt) = weak.upgrade() {
                spawn_local(async move { rt.device_revoked(message).await });
            }
        });
        let locked_user = match &*rt.lock.borrow() {
            Some(Lock::Locked { user_id, .. }) => Some(user_id.clone()),
            _ => None,
        };
        if let Some(user_id) = locked_user {
            // A set-up tablet opens itself; anyone else's records wait for their password.
            rt.unlock_tablet(&user_id).await;
        }
        let pending = rt.clone();
        spawn_local(async move { pending.finish_server_sign_out().await });
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
    // ----- reading ---------------------------------------------------------------------------

    /// Runs `f` with read access to the engine (for rendering). Documents `f` asked for that
    /// are stored but not loaded yet are loaded next; the views hear when they are.
    pub fn with_engine<R>(&self, f: impl FnOnce(&mut Engine) -> R) -> R {
        let result = f(&mut self.engine.borrow_mut());
        if let Some(rt) = self.this.upgrade() {
            rt.load_wanted();
        }
        result
    }

    /// The sync status for the header.
    pub fn status(&self) -> SyncStatus {
        self.engine.borrow().status()
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

    /// Types into a record's root-level text ([`Engine::type_text`]); returns the heads the
    /// editor's text is now at. The keystroke's frame gets the splice and the dirty mark only:
    /// the change is sent and the page told once that frame is drawn (the textarea already shows
    /// the text, and the editor updates its own save indicator).
    pub fn type_text(
        self: &Rc<Self>,
        id: DocumentId,
        prop: &str,
        from: &[automerge::ChangeHash],
        old: &str,
        new: &str,
    ) -> Result<Vec<automerge::ChangeHash>, EditError> {
        let (heads, effects) = self
            .engine
            .borrow_mut()
            .type_text(id, prop, from, old, new)?;
        let mut rest = Vec::new();
        for effect in effects {
            match effect {
                Effect::Persist(doc) => self.mark_dirty(doc),
                // Told after the frame, below.
                Effect::Updated(_) | Effect::ListChanged | Effect::Status(_) => {}
                other => rest.push(other),
            }
        }
        self.apply(rest);
        let rt = Rc::downgrade(self);
        after_next_frame(move || {
            let Some(rt) = rt.upgrade() else { return };
            let effects = rt.engine.borrow_mut().send_document(id);
            rt.apply(effects);
            rt.notify();
        });
        Ok(heads)
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
                        match rt.store.delete_document(&user, id).await {
                            Ok(()) => rt.note_deleted(&user, id),
                            Err(e) => {
                                *rt.storage_error.borrow_mut() = Some(e);
                                rt.notify();
                            }
                        }
                    });
                }
                Effect::Updated(_) | Effect::ListChanged | Effect::Status(_) => changed = true,
                Effect::DeviceRevoked(message) => {
                    let rt = self.clone();
                    spawn_local(async move { rt.device_revoked(message).await });
                }
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
}
