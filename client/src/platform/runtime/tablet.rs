//! A tablet set up for one consultation with a set-up code: it signs in as the kiosk account the
//! server made for it, and keeps that account's password on the device so that a reload
//! unlocks without anyone typing it (nobody knows it).
//!
//! The password is sealed (AES-GCM) under this device's own key, a non-extractable `CryptoKey`
//! kept in IndexedDB: a script can use it but never read its bytes out, and nothing about it is
//! readable as text in the browser's storage. Someone holding the unlocked tablet's browser
//! profile can still unlock it; that is the point, and why a kiosk account reads nothing but
//! its one consultation and its device can be revoked from Devices.

use std::rc::Rc;

use super::Runtime;
use crate::devices::KioskAccount;
use crate::platform::api::{self, ApiError};
use crate::platform::store::StoreError;

/// The AAD "store" name of a sealed kiosk secret.
const SEALED_IN: &str = "kioskSecret";

impl Runtime {
    /// Trades a set-up `code` for the tablet's kiosk account, signs in with it (as if typed)
    /// and keeps its password sealed on the device. Returns the consultation it runs.
    pub async fn set_up_tablet(self: &Rc<Self>, code: &str) -> Result<String, ApiError> {
        let account: KioskAccount = api::kiosk_setup(code).await?;
        self.sign_in(&account.username, &account.password).await?;
        if let Some(me) = self.me()
            && let Err(e) = self.keep_kiosk_secret(&me.user.id, &account.password).await
        {
            // The tablet works until its next reload, which then asks for a password nobody
            // knows: say so now, while the worker is holding it.
            *self.storage_error.borrow_mut() = Some(e);
            self.notify();
        }
        Ok(account.consultation_id)
    }

    async fn keep_kiosk_secret(&self, user_id: &str, password: &str) -> Result<(), StoreError> {
        let key = self.store.device_key().await?;
        let sealed = key.seal(SEALED_IN, user_id, password.as_bytes()).await?;
        self.store.set_kiosk_secret(user_id, &sealed).await
    }

    /// At start-up, locked as a set-up tablet's kiosk account: unlocks with the kept secret.
    /// Anything missing or failing leaves the Unlock page, as for any other account.
    pub(super) async fn unlock_tablet(self: &Rc<Self>, user_id: &str) {
        let Ok(Some(sealed)) = self.store.kiosk_secret(user_id).await else {
            return;
        };
        let Ok(key) = self.store.device_key().await else {
            return;
        };
        let Ok(plain) = key.open(SEALED_IN, user_id, &sealed).await else {
            return;
        };
        let Ok(password) = String::from_utf8(plain) else {
            return;
        };
        let _ = self.unlock(&password).await;
    }
}
