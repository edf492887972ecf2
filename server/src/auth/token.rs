//! Random bearer secrets (session tokens, sync tickets) and the hash under which they are stored.

use sha2::{Digest, Sha256};

/// A fresh 256-bit random token, hex-encoded (64 characters).
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    hex::encode(bytes)
}

/// The SHA-256 of a token as stored. `None` for a value that cannot be one of our tokens, so
/// junk input never reaches the database.
pub fn hash(token: &str) -> Option<[u8; 32]> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(Sha256::digest(token.as_bytes()).into())
}

/// A random password for generated accounts (first admin, `user add` without one): 20
/// characters from an alphabet without look-alikes.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hashable() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert!(hash(&a).is_some());
        assert_ne!(hash(&a), hash(&b));
    }

    #[test]
    fn junk_is_not_a_token() {
        assert_eq!(hash("not-a-token"), None);
        assert_eq!(hash(&"z".repeat(64)), None);
    }
}
