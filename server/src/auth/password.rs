//! Password hashing with argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes).
//!
//! Each hash deliberately takes tens of milliseconds and 19 MiB, so it runs off the async
//! executor on a small fixed set of threads. Not on tokio's blocking pool: glibc keeps a freed
//! 19 MiB block in the arena of whichever thread used it, so hashing on many pool threads grew
//! the server by ~20–40 MiB per sign-in (seen in the bench); two threads bound that to two blocks.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::{Arc, LazyLock, Mutex, mpsc};

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

/// How many threads hash passwords; enough for sign-in bursts on a small server.
const HASHING_THREADS: usize = 2;

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads' queue, started on first use.
static HASHERS: LazyLock<Mutex<mpsc::Sender<Job>>> = LazyLock::new(|| {
    let (tx, rx) = mpsc::channel::<Job>();
    let rx = Arc::new(Mutex::new(rx));
    for n in 0..HASHING_THREADS {
        let rx = rx.clone();
        std::thread::Builder::new()
            .name(format!("hearth-argon2-{n}"))
            .spawn(move || {
                loop {
                    let job = rx.lock().expect("the queue lock is never poisoned").recv();
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            })
            .expect("a hashing thread can be started");
    }
    Mutex::new(tx)
});

/// Runs `f` on a hashing thread and awaits its result.
async fn on_hashing_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = tokio::sync::oneshot::channel();
    HASHERS
        .lock()
        .expect("the queue lock is never poisoned")
        .send(Box::new(move || {
            let _ = tx.send(f());
        }))
        .expect("hashing threads run for the life of the process");
    rx.await.expect("hashing jobs do not panic")
}

/// Hashes a password off the async executor.
pub async fn hash(password: String) -> String {
    on_hashing_thread(move || hash_blocking(&password)).await
}

/// Verifies a password off the async executor. With `phc = None` (no such user) it verifies
/// against a dummy hash and returns false, taking the same time.
pub async fn verify(password: String, phc: Option<String>) -> bool {
    on_hashing_thread(move || match phc {
        Some(phc) => verify_blocking(&password, &phc),
        None => {
            verify_blocking(&password, &DUMMY_HASH);
            false
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_and_verifies_on_the_hashing_threads() {
        let phc = hash("synthetic password".into()).await;
        assert!(verify("synthetic password".into(), Some(phc.clone())).await);
        assert!(!verify("wrong".into(), Some(phc)).await);
        assert!(!verify("anything".into(), None).await);
    }

    #[test]
    fn verifies_the_right_password_only() {
        let phc = hash_blocking("correct horse battery staple");
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_blocking("correct horse battery staple", &phc));
        assert!(!verify_blocking("Correct horse battery staple", &phc));
        assert!(!verify_blocking("anything", "not a phc string"));
    }
}
