//! Password hashing with argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes), run on the
//! blocking pool because each hash deliberately takes tens of milliseconds.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::LazyLock;

/// A hash of a random password, verified against when the username does not exist so that a
/// wrong username takes as long as a wrong password.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_blocking(&super::token::generate_password()));

/// Hashes a password into an argon2id PHC string (blocking; prefer [`hash`]).
pub fn hash_blocking(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters accepts any password and a generated salt")
        .to_string()
}

/// Whether `password` matches the PHC string (blocking; prefer [`verify`]).
pub fn verify_blocking(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Hashes a password off the async executor.
pub async fn hash(password: String) -> String {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .expect("password hashing does not panic")
}

/// Verifies a password off the async executor. With `phc = None` (no such user) it verifies
/// against a dummy hash and returns false, taking the same time.
pub async fn verify(password: String, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify_blocking(&password, &phc),
        None => {
            verify_blocking(&password, &DUMMY_HASH);
            false
        }
    })
    .await
    .expect("password verification does not panic")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_the_right_password_only() {
        let phc = hash_blocking("correct horse battery staple");
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_blocking("correct horse battery staple", &phc));
        assert!(!verify_blocking("Correct horse battery staple", &phc));
        assert!(!verify_blocking("anything", "not a phc string"));
    }
}
