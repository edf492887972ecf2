//! Who is signed in and whether their records are open: sign-in, the data key, the lock
//! (Unlock, previous password, auto-lock), sign-out and the password change.

use std::rc::Rc;

use gloo_timers::callback::Interval;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;

use super::persistence::Persistence;
use super::{Runtime, now_ms};
use crate::engine::Engine;
use crate::engine::backoff::Backoff;
use crate::index::{Checkpoint, Repair};
use crate::kiosk_lock::{self, KioskLock};
use crate::platform::api::{self, ApiError};
use crate::platform::store::StoreError;
use crate::platform::vault::webcrypto::{DataKey, Kek, VaultError};
use crate::platform::vault::{self, SignOut, WrappedKey};
use crate::session::Me;

/// How often the auto-lock checks for inactivity ([`vault::AUTO_LOCK_AFTER_MS`]).
const IDLE_CHECK_MS: u32 = 15_000;
/// What counts as using the app, for the auto-lock.
const ACTIVITY_EVENTS: [&str; 5] = ["pointerdown", "keydown", "input", "wheel", "touchstart"];

/// Why the app shows a password page instead of records.
#[derive(Clone)]
pub(super) enum Lock {
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

/// Set when signing out could not reach the server: the session cookie (HttpOnly, so out of the
/// app's reach) still works there until the server is told, which happens as soon as it can be.
const SERVER_SIGN_OUT_PENDING: &str = "serverSignOutPending";

impl Runtime {
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
        // A notice (e.g. why this device was signed out) has been read by now.
        *self.notice.borrow_mut() = None;
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
        self.open_session(me, key, false).await;
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

    /// Starts (or resumes) `me`'s session with their unwrapped key: caches the user encrypted
    /// (unless `me` was just read from that cache: a durable write on the way to the list for
    /// nothing), loads their records and syncs.
    async fn open_session(self: &Rc<Self>, me: Me, key: Rc<DataKey>, from_cache: bool) {
        if !from_cache && let Err(e) = self.store.set_me(&me, &key).await {
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
        self.open_session(me, key, true).await;
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
        self.open_session(me, Rc::new(key), false).await;
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
        self.open_session(me, Rc::new(key), false).await;
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
        self.marked.borrow_mut().clear();
        *self.persistence.borrow_mut() = Persistence::default();
        *self.me.borrow_mut() = None;
        *self.key.borrow_mut() = None;
        true
    }

    /// Auto-lock: notes activity, and checks for inactivity on a timer and whenever the page
    /// becomes visible again (background tabs' timers are throttled).
    pub(super) fn watch_activity(self: &Rc<Self>) {
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
        self.forget_signed_in(user).await;
        self.notify();
        decision
    }

    /// Drops the signed-in user's session from memory and deletes their records, key and
    /// cached profile from the device: what signing out and a revoked device share.
    async fn forget_signed_in(self: &Rc<Self>, user: Option<String>) {
        self.disconnect();
        // Nothing of this user's is written again.
        *self.persistence.borrow_mut() = Persistence::default();
        *self.engine.borrow_mut() = Engine::new(self.peer_id.clone());
        self.marked.borrow_mut().clear();
        *self.me.borrow_mut() = None;
        *self.key.borrow_mut() = None;
        *self.lock.borrow_mut() = None;
        self.sign_out_warning.set(None);
        if let Some(user) = user
            && let Err(e) = self.store.forget_user(&user).await
        {
            *self.storage_error.borrow_mut() = Some(e);
        }
    }

    /// The server answered `device_revoked` (an API call, the ticket before the socket, or the
    /// socket itself): this device's session was ended from Devices. The user's records, key
    /// and profile are deleted from the device at once, unsent changes included (by design:
    /// the admin was told), and the sign-in page shows the server's `message`.
    pub(super) async fn device_revoked(self: &Rc<Self>, message: String) {
        // Several calls may hear it at once: the first acts (the user is gone before it awaits).
        let Some(user) = self.me().map(|m| m.user.id) else {
            return;
        };
        self.forget_signed_in(Some(user.clone())).await;
        // A kiosk this account ran is over too: the next person to sign in here is not held in it.
        if let Ok(Some(json)) = self.store.setting(kiosk_lock::SETTING).await
            && KioskLock::from_json(&json).is_some_and(|lock| lock.user_id == user)
            && let Err(e) = self.store.delete_setting(kiosk_lock::SETTING).await
        {
            *self.storage_error.borrow_mut() = Some(e);
        }
        *self.notice.borrow_mut() = Some(message);
        self.notify();
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
            // A new account's first device: the bulk download first, then sync.
            self.connect_after_first_sync();
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

    /// A one-off message for the sign-in page (e.g. records removed by an upgrade, or why this
    /// device was signed out).
    pub fn notice(&self) -> Option<String> {
        self.notice.borrow().clone()
    }

    /// The device's kiosk setting as read when the session started, once (the app's root takes
    /// it instead of reading it again); `None` if taken or not read.
    pub fn take_kiosk_setting(&self) -> Option<Option<String>> {
        self.kiosk_setting.borrow_mut().take()
    }

    /// Switches to `me`'s documents and starts syncing them. Only the metadata index is read:
    /// the lists show at once from it, whatever the caseload, and a document is decrypted and
    /// loaded when it is opened, holds unsent changes (loaded now, so they are sent), or has no
    /// usable entry (loaded now, so its entry is rebuilt).
    async fn start_session(self: &Rc<Self>, me: Me) {
        self.disconnect();
        let mut engine = Engine::new(self.peer_id.clone());
        let key = self
            .key
            .borrow()
            .clone()
            .expect("a session starts only with its key");
        // The kiosk setting is read alongside, so the first page need not wait for it.
        let (index, kiosk) = futures::join!(
            self.store.index(&me.user.id, &key),
            self.store.setting(kiosk_lock::SETTING)
        );
        *self.kiosk_setting.borrow_mut() = kiosk.ok();
        let (stored, repair, behind) = match index {
            Ok(found) => found,
            Err(e) => {
                *self.storage_error.borrow_mut() = Some(e);
                (Checkpoint::default(), Repair::default(), false)
            }
        };
        for (id, (_, entry)) in stored.entries {
            engine.shelve(id, entry);
        }
        let mut load = engine.shelved_needing_sync();
        load.extend(repair.rebuild.iter().copied());
        *self.engine.borrow_mut() = engine;
        self.marked.borrow_mut().clear();
        *self.me.borrow_mut() = Some(me);
        // Acknowledged before the last reload but not yet deleted: delete now.
        self.forget_unreadable();
        *self.backoff.borrow_mut() = Backoff::new();
        self.notify();
        self.check_index_later(behind);
        // The first page is drawn before anything else starts: loading documents, repairs and
        // the connection are not on the way to an interactive list.
        let (rt, user) = (self.clone(), self.me().map(|m| m.user.id));
        super::after_next_frame(move || {
            if rt.me().map(|m| m.user.id) != user || rt.key.borrow().is_none() {
                return;
            }
            rt.load_documents(load, repair.rebuild);
            rt.delete_orphan_entries(repair.orphans);
            rt.connect_after_first_sync();
        });
    }
}
