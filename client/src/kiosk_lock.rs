//! Kiosk mode's lock on a shared tablet: the worker's PIN, kept only as a salted PBKDF2 hash,
//! and the limit on wrong PINs. Pure (no storage, no clock): the app stores [`KioskLock`] as
//! JSON in the device's settings and passes the time in.
//!
//! The lock lives on the device, not in memory, so reloading the page stays in kiosk mode and
//! waiting out the wrong-PIN pause cannot be skipped by reloading.

use pbkdf2::pbkdf2_hmac;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The settings key the lock is stored under.
pub const SETTING: &str = "kioskLock";
/// PBKDF2 rounds for a new PIN: a 4–8 digit PIN is a small space, so the rounds only slow a
/// thief who copied the device's storage; the wrong-PIN pause protects the tablet itself.
pub const ITERATIONS: u32 = 100_000;
/// Wrong PINs in a row before the pause.
pub const MAX_WRONG: u32 = 5;
/// The pause after [`MAX_WRONG`] wrong PINs, milliseconds.
pub const PAUSE_MS: i64 = 60_000;
/// Salt length in bytes.
pub const SALT_LEN: usize = 16;

/// Why a new PIN was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinProblem {
    /// Not 4 to 8 digits.
    Format,
    /// The second entry differs from the first.
    Mismatch,
}

impl PinProblem {
    /// What the worker is told, GOV.UK error-message style.
    pub fn message(self) -> &'static str {
        match self {
            PinProblem::Format => "Enter a PIN of 4 to 8 digits, using numbers only",
            PinProblem::Mismatch => "The PINs do not match. Type the same PIN twice",
        }
    }
}

/// Checks a new PIN typed twice.
pub fn check_new_pin(pin: &str, again: &str) -> Result<(), PinProblem> {
    if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PinProblem::Format);
    }
    if pin != again {
        return Err(PinProblem::Mismatch);
    }
    Ok(())
}

/// The answer to one attempt at leaving kiosk mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The PIN is right: leave kiosk mode.
    Right,
    /// Wrong; `left` more tries before the pause (0: the pause has started).
    Wrong {
        /// Tries left before the pause.
        left: u32,
    },
    /// Too many wrong PINs: no PIN is checked for this many more seconds.
    Wait {
        /// Whole seconds left, at least 1.
        seconds: u64,
    },
}

/// The lock stored while a tablet is in kiosk mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KioskLock {
    /// The consultation the kiosk shows (a document id).
    pub consultation_id: String,
    /// The young-person account the kiosk runs as.
    pub user_id: String,
    salt: String,
    hash: String,
    iterations: u32,
    wrong: u32,
    pause_until: Option<i64>,
}

impl KioskLock {
    /// A lock with `pin` (already checked with [`check_new_pin`]) and a random `salt`.
    pub fn new(consultation_id: &str, user_id: &str, pin: &str, salt: [u8; SALT_LEN]) -> Self {
        Self::with_iterations(consultation_id, user_id, pin, salt, ITERATIONS)
    }

    fn with_iterations(
        consultation_id: &str,
        user_id: &str,
        pin: &str,
        salt: [u8; SALT_LEN],
        iterations: u32,
    ) -> Self {
        KioskLock {
            consultation_id: consultation_id.to_string(),
            user_id: user_id.to_string(),
            salt: hex(&salt),
            hash: hex(&derive(pin, &salt, iterations)),
            iterations,
            wrong: 0,
            pause_until: None,
        }
    }

    /// Seconds left of the wrong-PIN pause at `now_ms`, if one is running.
    pub fn pause_seconds(&self, now_ms: i64) -> Option<u64> {
        let left = self.pause_until? - now_ms;
        (left > 0).then(|| u64::try_from(left).map_or(1, |ms| ms.div_ceil(1000)))
    }

    /// Checks `pin` at `now_ms`, counting wrong ones. The caller stores the lock afterwards.
    pub fn attempt(&mut self, pin: &str, now_ms: i64) -> Attempt {
        if let Some(seconds) = self.pause_seconds(now_ms) {
            return Attempt::Wait { seconds };
        }
        self.pause_until = None;
        let right = unhex(&self.salt).is_some_and(|salt| {
            let expected = unhex(&self.hash).unwrap_or_default();
            constant_time_eq(&derive(pin, &salt, self.iterations), &expected)
        });
        if right {
            self.wrong = 0;
            return Attempt::Right;
        }
        self.wrong += 1;
        if self.wrong >= MAX_WRONG {
            self.wrong = 0;
            self.pause_until = Some(now_ms + PAUSE_MS);
            return Attempt::Wrong { left: 0 };
        }
        Attempt::Wrong {
            left: MAX_WRONG - self.wrong,
        }
    }

    /// The lock as stored in settings.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("KioskLock always serializes")
    }

    /// A stored lock; `None` if the stored value is not one.
    pub fn from_json(json: &str) -> Option<KioskLock> {
        serde_json::from_str(json).ok()
    }
}

fn derive(pin: &str, salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2_hmac::<Sha256>(pin.as_bytes(), salt, iterations, &mut out);
    out
}

/// Compares without stopping at the first difference, so timing says nothing about the hash.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_780_000_000_000;

    fn lock(pin: &str) -> KioskLock {
        KioskLock::with_iterations("c1", "u-kiosk", pin, [7; SALT_LEN], 1_000)
    }

    #[test]
    fn a_new_pin_is_four_to_eight_digits_typed_twice() {
        assert_eq!(check_new_pin("1234", "1234"), Ok(()));
        assert_eq!(check_new_pin("12345678", "12345678"), Ok(()));
        assert_eq!(check_new_pin("123", "123"), Err(PinProblem::Format));
        assert_eq!(
            check_new_pin("123456789", "123456789"),
            Err(PinProblem::Format)
        );
        assert_eq!(check_new_pin("12a4", "12a4"), Err(PinProblem::Format));
        assert_eq!(
            check_new_pin("１２３４", "１２３４"),
            Err(PinProblem::Format)
        );
        assert_eq!(check_new_pin("1234", "1243"), Err(PinProblem::Mismatch));
    }

    #[test]
    fn the_pin_is_stored_only_as_a_salted_hash() {
        let stored = lock("482913").to_json();
        assert!(!stored.contains("482913"));
        let other_salt = KioskLock::with_iterations("c1", "u", "482913", [8; SALT_LEN], 1_000);
        assert_ne!(lock("482913").hash, other_salt.hash);
    }

    #[test]
    fn only_the_right_pin_leaves_kiosk_mode() {
        let mut l = lock("2468");
        assert_eq!(l.attempt("1357", NOW), Attempt::Wrong { left: 4 });
        assert_eq!(l.attempt("2468", NOW), Attempt::Right);
        // A right PIN starts the count again.
        assert_eq!(l.attempt("0000", NOW), Attempt::Wrong { left: 4 });
    }

    #[test]
    fn five_wrong_pins_pause_all_tries_for_a_minute_even_after_a_reload() {
        let mut l = lock("2468");
        for left in (1..MAX_WRONG).rev() {
            assert_eq!(l.attempt("1111", NOW), Attempt::Wrong { left });
        }
        assert_eq!(l.attempt("1111", NOW), Attempt::Wrong { left: 0 });
        // The pause is part of what is stored, so a reload does not end it.
        let mut l = KioskLock::from_json(&l.to_json()).unwrap();
        assert_eq!(l.attempt("2468", NOW + 1), Attempt::Wait { seconds: 60 });
        assert_eq!(l.pause_seconds(NOW + 59_500), Some(1));
        assert_eq!(l.attempt("2468", NOW + PAUSE_MS), Attempt::Right);
        assert_eq!(l.pause_seconds(NOW + PAUSE_MS), None);
    }

    #[test]
    fn a_damaged_stored_lock_never_unlocks() {
        let mut l = lock("2468");
        l.hash = "zz".into();
        assert!(matches!(l.attempt("2468", NOW), Attempt::Wrong { .. }));
        assert_eq!(KioskLock::from_json("not json"), None);
    }

    #[test]
    fn pbkdf2_matches_the_rfc_7914_test_vector() {
        // RFC 7914 §11: PBKDF2-HMAC-SHA256("passwd", "salt", 1, 64), first 32 bytes.
        assert_eq!(
            hex(&derive("passwd", b"salt", 1)),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        );
    }
}
