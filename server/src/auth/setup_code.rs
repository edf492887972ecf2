//! Tablet set-up codes: short, single-use, typed or scanned on a kiosk tablet.
//!
//! Eight characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown as `ABCD-2345`:
//! about 40 bits, which with a 10-minute life, single use and per-address throttling is far
//! beyond guessing. Only the SHA-256 of the normalised code is stored.

use sha2::{Digest, Sha256};

/// The characters a code is made of.
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in a code (the dash shown in the middle is not one of them).
pub const LENGTH: usize = 8;

/// A fresh code, as shown: `ABCD-2345`.
pub fn generate() -> String {
    let mut code = String::with_capacity(LENGTH + 1);
    while code.len() < LENGTH + 1 {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the operating system's random source is available");
        // Rejection sampling: a plain `% 31` would favour the first characters.
        let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
        for b in bytes.into_iter().filter(|b| *b < limit) {
            if code.len() == LENGTH / 2 {
                code.push('-');
            }
            if code.len() == LENGTH + 1 {
                break;
            }
            code.push(ALPHABET[b as usize % ALPHABET.len()] as char);
        }
    }
    code
}

/// The code as typed (any case, with or without the dash or spaces) in its canonical form, or
/// `None` if it cannot be a code.
pub fn normalize(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == LENGTH && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// The SHA-256 under which a code is stored, or `None` for input that cannot be a code.
pub fn hash(typed: &str) -> Option<[u8; 32]> {
    normalize(typed).map(|code| Sha256::digest(code.as_bytes()).into())
}

/// The link a tablet opens to set itself up: the code rides in the URL *fragment*, which the
/// browser never sends to the server (so it is in no request log). The host comes from the
/// request's `Host` header when it looks like a host name, otherwise `fallback`.
pub fn setup_url(tls: bool, host: Option<&str>, fallback: &str, code: &str) -> String {
    let host = host
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or(fallback);
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{host}/#/kiosk-setup/{code}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_eight_unambiguous_characters_shown_with_a_dash() {
        for _ in 0..200 {
            let code = generate();
            assert_eq!(code.len(), 9, "{code}");
            assert_eq!(&code[4..5], "-");
            assert_eq!(normalize(&code).as_deref().map(str::len), Some(8));
            assert!(!code.contains(['0', 'O', '1', 'I', 'L']));
        }
        assert_ne!(generate(), generate());
    }

    #[test]
    fn typed_codes_are_forgiving_but_junk_is_refused() {
        assert_eq!(normalize("abcd-2345").as_deref(), Some("ABCD2345"));
        assert_eq!(normalize(" ABCD 2345 ").as_deref(), Some("ABCD2345"));
        assert_eq!(hash("abcd2345"), hash("ABCD-2345"));
        assert_eq!(normalize("ABCD-234"), None);
        assert_eq!(normalize("ABCD-2340"), None, "0 is not in the alphabet");
        assert_eq!(normalize(""), None);
        assert_eq!(hash("ABCD-23456"), None);
    }

    #[test]
    fn the_link_carries_the_code_in_the_fragment_and_never_a_strange_host() {
        assert_eq!(
            setup_url(false, Some("127.0.0.1:8080"), "localhost", "ABCD-2345"),
            "http://127.0.0.1:8080/#/kiosk-setup/ABCD-2345"
        );
        assert_eq!(
            setup_url(true, Some("hearth.example.org"), "localhost", "ABCD-2345"),
            "https://hearth.example.org/#/kiosk-setup/ABCD-2345"
        );
        assert_eq!(
            setup_url(false, Some("evil\"><svg"), "localhost", "ABCD-2345"),
            "http://localhost/#/kiosk-setup/ABCD-2345"
        );
        assert_eq!(
            setup_url(false, None, "[::1]:8080", "X"),
            "http://[::1]:8080/#/kiosk-setup/X"
        );
    }
}
