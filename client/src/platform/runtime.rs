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
use super::vault::webcrypto::{self, DataKey, Kek, VaultError};
use super::vault::{self, SignOut, WrappedKey};
use crate::engine::backoff::Backoff;
use crate::engine::{EditError, Effect, Engine, SyncStatus};
use crate::session::Me;

/// How long edits wait before being written to IndexedDB, so a burst of typing is one write.
/// "Saved on this device" only appears once the write has completed.
const PERSIST_DEBOUNCE_MS: u32 = 250;
/// How often the list of records is refreshed from the server while connected.
const LISTING_REFRESH_MS: u32 = 60_000;
/// How often the auto-lock checks for inactivity ([`vault::AUTO_LOCK_AFTER_MS`]).
const IDLE_CHECK_MS: u32 = 15_000;
/// What counts as using the app, for the auto-lock.
const ACTIVITY_EVENTS: [&str; 5] = ["pointerdown", "keydown", "input", "wheel", "touchstart"];

/// Why the app shows a password page instead of records.
#[derive(Clone)]
enum Lock {
    /// `user_id`'s records are on the device, encrypted; their password unlocks them.
    Locked {
        user_id: String,
        record: WrappedKey,
        /// Locked by the inactivity timer (rather than found locked at start).
        idle: bool,
    },
    /// Signed in online, but the new password does not unwrap this device's key: the password
    /// was changed elsewhere. The previous one re-wraps the key under `new_kek`.
    PreviousPassword {
        me: Me,
        record: WrappedKey,
        new_kek: Rc<Kek>,
    },
}

/// The password page the app must show, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockScreen {
    /// "Unlock Hearth": the records are encrypted on this device.
    Unlock {
        /// Whose records (their sign-in name).
        username: String,
        /// Locked after inactivity (the page says so).
        idle: bool,
    },
    /// "Enter your previous password", after a password change made elsewhere.
    PreviousPassword {
        /// Whose records.
        username: String,
    },
}

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
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

fn new_peer_id() -> String {
    format!("hearth-browser-{}", DocumentId::random())
}

/// The settings key of this device's peer id.
const PEER_ID: &str = "peerId";
/// Set when signing out could not reach the server: the session cookie (HttpOnly, so out of the
/// app's reach) still works there until the server is told, which happens as soon as it can be.
const SERVER_SIGN_OUT_PENDING: &str = "serverSignOutPending";

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
            key: RefCell::new(None),
            lock: RefCell::new(lock),
            last_activity: Cell::new(now_ms()),
            idle_check: RefCell::new(None),
            sign_out_warning: Cell::new(None),
            notice: RefCell::new(notice),
        });
        rt.watch_page();
        rt.watch_activity();
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

    // ----- session ---------------------------------------------------------------------------

    /// The signed-in user (possibly from the device's cache, while offline).
    pub fn me(&self) -> Option<Me> {
        self.me.borrow().clone()
    }

    /// Signs in against the server, opens (or creates) the user's data key with the password,
    /// and syncs their documents. If the password does not open the key already on this device
    /// (changed elsewhere), the previous-password page follows instead.
    pub async fn sign_in(self: &Rc<Self>, username: &str, password: &str) -> Result<(), ApiError> {
        // An earlier offline sign-out's session is ended before its cookie is replaced.
        self.finish_server_sign_out().await;
        api::sign_in(username, password).await?;
        let me = api::me().await?;
        let previous = self.me().map(|m| m.user.id);
        if previous.as_ref().is_some_and(|id| *id != me.user.id) {
            // Another person's edits are written under their key before it leaves memory.
            self.close_session().await;
        }
        let key = match self.open_key(&me, password).await {
            Ok(Some(key)) => key,
            Ok(None) => {
                // The previous-password page: this user's edits in memory are written first.
                self.close_session().await;
                self.notify();
                return Ok(());
            }
            Err(e) => {
                // Only a broken WebCrypto or IndexedDB gets here; say so and store nothing.
                *self.storage_error.borrow_mut() = Some(StoreError::from(e));
                self.notify();
                return Ok(());
            }
        };
        self.open_session(me, key).await;
        Ok(())
    }

    /// The data key for `me`: unwrapped from this device's record with `password`, or made and
    /// stored if there is none. `None`: the password does not open the record; the lock is set
    /// to ask for the previous password.
    async fn open_key(&self, me: &Me, password: &str) -> Result<Option<Rc<DataKey>>, VaultError> {
        let stored = self
            .store
            .wrapped_key(&me.user.id)
            .await
            .map_err(|e| VaultError::Unavailable(e.to_string()))?;
        let record = match stored {
            Some(record) => {
                let kek = Kek::for_record(password, &record).await?;
                match DataKey::unwrap(&kek, &record).await {
                    Ok(key) => {
                        // Keeps the record, and makes this user the one Unlock opens.
                        self.save_wrapped_key(&me.user.id, &record).await;
                        return Ok(Some(Rc::new(key)));
                    }
                    Err(VaultError::WrongPassword) => record,
                    Err(e) => return Err(e),
                }
            }
            None => {
                let kek = Kek::fresh(password).await?;
                let (key, record) = DataKey::generate(&kek, &me.user.username).await?;
                self.save_wrapped_key(&me.user.id, &record).await;
                return Ok(Some(Rc::new(key)));
            }
        };
        let new_kek = Rc::new(Kek::fresh(password).await?);
        *self.lock.borrow_mut() = Some(Lock::PreviousPassword {
            me: me.clone(),
            record,
            new_kek,
        });
        Ok(None)
    }

    async fn save_wrapped_key(&self, user_id: &str, record: &WrappedKey) {
        if let Err(e) = self.store.set_wrapped_key(user_id, record).await {
            *self.storage_error.borrow_mut() = Some(e);
        }
    }

    /// Starts (or resumes) `me`'s session with their unwrapped key: caches the user encrypted,
    /// loads their records and syncs.
    async fn open_session(self: &Rc<Self>, me: Me, key: Rc<DataKey>) {
        if let Err(e) = self.store.set_me(&me, &key).await {
            *self.storage_error.borrow_mut() = Some(e);
        }
        *self.lock.borrow_mut() = None;
        self.last_activity.set(now_ms());
        let resumed =
            self.key.borrow().is_some() && self.me().is_some_and(|m| m.user.id == me.user.id);
        *self.key.borrow_mut() = Some(key);
        if resumed {
            // The session had expired while unlocked: the records in memory carry on.
            *self.me.borrow_mut() = Some(me);
            let effects = self.engine.borrow_mut().set_signed_out(false);
            self.apply(effects);
            self.connect();
        } else {
            self.start_session(me).await;
        }
        self.notify();
    }

    // ----- lock ------------------------------------------------------------------------------

    /// The password page to show instead of the app, if any.
    pub fn lock_screen(&self) -> Option<LockScreen> {
        match self.lock.borrow().as_ref()? {
            Lock::Locked { record, idle, .. } => Some(LockScreen::Unlock {
                username: record.username.clone(),
                idle: *idle,
            }),
            Lock::PreviousPassword { record, .. } => Some(LockScreen::PreviousPassword {
                username: record.username.clone(),
            }),
        }
    }

    /// Unlocks the last user's records with their password (works offline), loads them, and
    /// resumes sync if the session cookie is still valid.
    pub async fn unlock(self: &Rc<Self>, password: &str) -> Result<(), VaultError> {
        let Some(Lock::Locked {
            user_id, record, ..
        }) = self.lock.borrow().clone()
        else {
            return Ok(());
        };
        let kek = Kek::for_record(password, &record).await?;
        let key = Rc::new(DataKey::unwrap(&kek, &record).await?);
        let me = self
            .store
            .me(&user_id, &key)
            .await
            .map_err(|e| VaultError::Unavailable(e.to_string()))?
            .ok_or(VaultError::Corrupt)?;
        self.open_session(me, key).await;
        Ok(())
    }

    /// After a password change made elsewhere: re-wraps this device's key from the `previous`
    /// password to the new one (records are not re-encrypted), then opens the session.
    pub async fn unlock_with_previous(self: &Rc<Self>, previous: &str) -> Result<(), VaultError> {
        let Some(Lock::PreviousPassword {
            me,
            record,
            new_kek,
        }) = self.lock.borrow().clone()
        else {
            return Ok(());
        };
        let old_kek = Kek::for_record(previous, &record).await?;
        let (key, rewrapped) = DataKey::rewrap(&old_kek, &new_kek, &record).await?;
        self.save_wrapped_key(&me.user.id, &rewrapped).await;
        self.open_session(me, Rc::new(key)).await;
        Ok(())
    }

    /// The previous password is forgotten: deletes this user's records from the device (their
    /// unsent changes with them) and starts again with a new key under the new password.
    pub async fn start_afresh(self: &Rc<Self>) -> Result<(), VaultError> {
        let Some(Lock::PreviousPassword { me, new_kek, .. }) = self.lock.borrow().clone() else {
            return Ok(());
        };
        self.store
            .forget_user(&me.user.id)
            .await
            .map_err(|e| VaultError::Unavailable(e.to_string()))?;
        let (key, record) = DataKey::generate(&new_kek, &me.user.username).await?;
        self.save_wrapped_key(&me.user.id, &record).await;
        self.open_session(me, Rc::new(key)).await;
        Ok(())
    }

    /// Locks now: every edit is written (encrypted) first, then the key and the decrypted
    /// records leave memory and the Unlock page shows. If a write fails the app stays unlocked,
    /// because the edit would exist nowhere else.
    pub async fn lock_now(self: &Rc<Self>, idle: bool) {
        let Some(user_id) = self.me().map(|m| m.user.id) else {
            return;
        };
        if self.lock.borrow().is_some() || self.key.borrow().is_none() {
            return;
        }
        let record = match self.store.wrapped_key(&user_id).await {
            Ok(Some(record)) => record,
            // No way to unlock again: stay unlocked rather than strand the records.
            _ => return,
        };
        // Edits keep working until everything is written; the lock then follows with no await
        // in between, so no edit can slip in after the last write.
        if self.close_session().await {
            *self.lock.borrow_mut() = Some(Lock::Locked {
                user_id,
                record,
                idle,
            });
        }
        self.notify();
    }

    /// Writes every pending edit, then drops the key, the records and the connection. Returns
    /// `false` (and drops nothing) if an edit could not be written.
    async fn close_session(self: &Rc<Self>) -> bool {
        if !self.flush_all().await {
            return false;
        }
        self.disconnect();
        *self.engine.borrow_mut() = Engine::new(self.peer_id.clone());
        *self.persistence.borrow_mut() = Persistence::default();
        *self.me.borrow_mut() = None;
        *self.key.borrow_mut() = None;
        true
    }

    /// Auto-lock: notes activity, and checks for inactivity on a timer and whenever the page
    /// becomes visible again (background tabs' timers are throttled).
    fn watch_activity(self: &Rc<Self>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let rt = Rc::downgrade(self);
        let on_activity = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(rt) = rt.upgrade() {
                rt.last_activity.set(now_ms());
            }
        });
        for name in ACTIVITY_EVENTS {
            // Capture phase, so a page that stops propagation still counts as activity.
            let _ = window.add_event_listener_with_callback_and_bool(
                name,
                on_activity.as_ref().unchecked_ref(),
                true,
            );
        }
        on_activity.forget();
        let rt = Rc::downgrade(self);
        let on_visible = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(rt) = rt.upgrade() {
                rt.check_idle();
            }
        });
        if let Some(document) = window.document() {
            let _ = document.add_event_listener_with_callback(
                "visibilitychange",
                on_visible.as_ref().unchecked_ref(),
            );
        }
        on_visible.forget();
        let rt = Rc::downgrade(self);
        *self.idle_check.borrow_mut() = Some(Interval::new(IDLE_CHECK_MS, move || {
            if let Some(rt) = rt.upgrade() {
                rt.check_idle();
            }
        }));
    }

    fn check_idle(self: &Rc<Self>) {
        let unlocked = self.key.borrow().is_some() && self.lock.borrow().is_none();
        // A young person's kiosk account can read nothing worth locking (its submitted answers
        // leave the device once the server has them), and locking would strand the next young
        // person at a password prompt only the participation worker can answer.
        let kiosk_account = self
            .me()
            .and_then(|m| m.actor())
            .is_some_and(|a| a.role == hearth_shared::permissions::Role::YoungPerson);
        if unlocked
            && !kiosk_account
            && vault::should_lock(
                self.last_activity.get(),
                now_ms(),
                vault::AUTO_LOCK_AFTER_MS,
            )
        {
            let rt = self.clone();
            spawn_local(async move { rt.lock_now(true).await });
        }
    }

    // ----- sign-out --------------------------------------------------------------------------

    /// Records holding changes the server has not acknowledged, or has refused (whose text the
    /// user has not copied yet): what deleting this device's data would lose.
    pub fn unsent(&self) -> usize {
        let engine = self.engine.borrow();
        let refused = engine
            .rows()
            .iter()
            .filter(|r| r.local && r.rejected)
            .count();
        engine.waiting() + refused
    }

    /// The sign-out warning to show, if one is pending: records with unsent changes.
    pub fn sign_out_warning(&self) -> Option<usize> {
        self.sign_out_warning.get()
    }

    /// "Stay signed in": leaves the warning.
    pub fn cancel_sign_out(&self) {
        self.sign_out_warning.set(None);
        self.notify();
    }

    /// Signs out and deletes this user's records and key from the device. With unsent changes
    /// and `delete_unsent` false, does nothing but show the warning ([`SignOut::Warn`]).
    pub async fn sign_out(self: &Rc<Self>, delete_unsent: bool) -> SignOut {
        let decision = SignOut::decide(self.unsent());
        if matches!(decision, SignOut::Warn { .. }) && !delete_unsent {
            self.sign_out_warning.set(match decision {
                SignOut::Warn { unsent } => Some(unsent),
                SignOut::DeleteNow => None,
            });
            self.notify();
            return decision;
        }
        let user = self.me().map(|m| m.user.id);
        self.end_server_session().await;
        self.disconnect();
        // Nothing of this user's is written again.
        *self.persistence.borrow_mut() = Persistence::default();
        *self.engine.borrow_mut() = Engine::new(self.peer_id.clone());
        *self.me.borrow_mut() = None;
        *self.key.borrow_mut() = None;
        *self.lock.borrow_mut() = None;
        self.sign_out_warning.set(None);
        if let Some(user) = user
            && let Err(e) = self.store.forget_user(&user).await
        {
            *self.storage_error.borrow_mut() = Some(e);
        }
        self.notify();
        decision
    }

    /// Changes the password on the server, then re-wraps this device's data key with it so the
    /// next unlock takes the new password. Should the re-wrap fail (storage full, a closed
    /// tab), nothing is lost: the next unlock asks for the previous password once, as after a
    /// change made on another device.
    pub async fn change_password(
        self: &Rc<Self>,
        current: &str,
        new: &str,
    ) -> Result<(), ApiError> {
        api::change_password(current, new).await?;
        let Some(me) = self.me() else {
            return Ok(());
        };
        if me.user.must_change_password {
            // Everything else was refused until now: take the fresh profile and start syncing.
            let mut changed = me.clone();
            changed.user.must_change_password = false;
            let key = self.key.borrow().clone();
            if let Some(key) = key {
                let _ = self.store.set_me(&changed, &key).await;
            }
            *self.me.borrow_mut() = Some(changed);
            self.notify();
            self.backoff.borrow_mut().reset();
            self.connect();
        }
        if let Ok(Some(record)) = self.store.wrapped_key(&me.user.id).await {
            let rewrapped = async {
                let old = Kek::for_record(current, &record).await?;
                let new = Kek::fresh(new).await?;
                DataKey::rewrap(&old, &new, &record).await
            };
            if let Ok((_, record)) = rewrapped.await {
                self.save_wrapped_key(&me.user.id, &record).await;
            }
        }
        Ok(())
    }

    /// Ends the session on the server (`DELETE /api/session`). Offline, it is remembered and
    /// retried at start-up and when the network returns ([`Self::finish_server_sign_out`]):
    /// a lost tablet's cookie must not keep working for the rest of its 14 days.
    async fn end_server_session(&self) {
        let pending = matches!(api::sign_out().await, Err(ApiError::Offline));
        let stored = if pending {
            self.store.set_setting(SERVER_SIGN_OUT_PENDING, "1").await
        } else {
            self.store.delete_setting(SERVER_SIGN_OUT_PENDING).await
        };
        if let Err(e) = stored {
            *self.storage_error.borrow_mut() = Some(e);
        }
    }

    /// Sends a sign-out that could not reach the server earlier, if there is one. Only while
    /// nobody is signed in here: a newer sign-in has replaced the cookie it was for.
    pub async fn finish_server_sign_out(&self) {
        if self.me().is_some() {
            return;
        }
        if let Ok(Some(_)) = self.store.setting(SERVER_SIGN_OUT_PENDING).await {
            self.end_server_session().await;
        }
    }

    /// A one-off message for the sign-in page (e.g. records removed by an upgrade).
    pub fn notice(&self) -> Option<String> {
        self.notice.borrow().clone()
    }

    /// Switches to `me`'s documents and starts syncing them.
    async fn start_session(self: &Rc<Self>, me: Me) {
        self.disconnect();
        let mut engine = Engine::new(self.peer_id.clone());
        let key = self
            .key
            .borrow()
            .clone()
            .expect("a session starts only with its key");
        match self.store.documents(&me.user.id, &key).await {
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
            // Locked or signed out: nothing is in memory to write.
            let Some(key) = self.key.borrow().clone() else {
                return;
            };
            if pending.is_empty() {
                return;
            }
            p.flushing = true;
            (pending, (user, key))
        };
        let (user, key) = user;
        let mut engine = self.engine.borrow_mut();
        let docs: Vec<_> = batch
            .iter()
            .filter_map(|(id, _)| engine.snapshot(*id))
            .collect();
        drop(engine);
        let rt = self.clone();
        spawn_local(async move {
            let result = rt.store.put_documents(&user, &key, &docs).await;
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

    /// Whether some unsent edit is not in IndexedDB yet (only in memory). An acknowledgement
    /// waiting to be written does not count: the next connection learns it again.
    fn edits_only_in_memory(&self) -> bool {
        let p = self.persistence.borrow();
        let engine = self.engine.borrow();
        p.dirty
            .iter()
            .any(|(id, g)| p.written.get(id) != Some(g) && engine.is_waiting(*id))
    }

    /// Writes every pending edit and waits until they are on disk (or a write failed: `false`).
    async fn flush_all(self: &Rc<Self>) -> bool {
        let mut attempted = false;
        loop {
            let (flushing, pending, failed) = {
                let p = self.persistence.borrow();
                let pending = p.dirty.iter().any(|(id, g)| p.written.get(id) != Some(g));
                (p.flushing, pending, !p.failed.is_empty())
            };
            if flushing {
                // One write at a time keeps them in order (each writes whole documents); the
                // one running ends with its transaction.
                gloo_timers::future::TimeoutFuture::new(20).await;
                continue;
            }
            if !pending {
                return true;
            }
            if attempted && failed {
                return false;
            }
            self.flush_now();
            attempted = true;
            if !self.persistence.borrow().flushing {
                // Nothing could be started (no user or key): nothing more will be written.
                return !failed;
            }
        }
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
        let on_before_unload =
            Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                let Some(rt) = rt.upgrade() else { return };
                if rt.edits_only_in_memory() {
                    rt.flush_now();
                    // Writes are encrypted first and WebCrypto answers asynchronously, so a write
                    // started now cannot finish while the page unloads: ask before leaving.
                    event.prevent_default();
                    let _ = js_sys::Reflect::set(&event, &"returnValue".into(), &"unsaved".into());
                }
            });
        let _ = window.add_event_listener_with_callback(
            "beforeunload",
            on_before_unload.as_ref().unchecked_ref(),
        );
        on_before_unload.forget();
        let rt = Rc::downgrade(self);
        let on_online = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(rt) = rt.upgrade() {
                // The network is back: try now rather than at the end of the backoff.
                rt.backoff.borrow_mut().reset();
                rt.connect();
                spawn_local(async move { rt.finish_server_sign_out().await });
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
            }
        });
    }
}
