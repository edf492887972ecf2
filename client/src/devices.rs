//! Devices (one per sign-in, as the server lists them) and setting up a tablet for a
//! consultation with a set-up code: the API's replies and the pure rules the pages use.

use serde::Deserialize;

/// `DeviceView`: one active session (a browser or tablet that signed in).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    /// The session's id (not its token).
    pub id: String,
    /// Whose session it is.
    pub user_id: String,
    /// Their sign-in name.
    pub username: String,
    /// Their name.
    pub display_name: String,
    /// What the browser said it is, in words ("Chrome on Android tablet").
    pub label: String,
    /// A tablet set up for a consultation with a set-up code.
    pub kiosk: bool,
    /// Signed in at (unix ms).
    pub created_at: i64,
    /// Last used at (unix ms; refreshed at most once a minute).
    pub last_seen_at: i64,
    /// The session making the request: this device.
    pub current: bool,
}

/// This device first, then the most recently used.
pub fn sort_devices(devices: &mut [Device]) {
    devices.sort_by(|a, b| {
        b.current
            .cmp(&a.current)
            .then(b.last_seen_at.cmp(&a.last_seen_at))
            .then(a.id.cmp(&b.id))
    });
}

/// The confirmation asked before ending another device's session: its unsent changes cannot
/// be saved (they were never on the server), which is why revocation deletes them by design.
pub fn revoke_warning(device: &Device, own: bool) -> String {
    let whose = if own {
        String::new()
    } else {
        format!(" ({})", device.display_name)
    };
    format!(
        "{}{whose} will be signed out at once and its copy of the records deleted the next time \
         it connects. Changes made on it that have not reached the server yet will be lost.",
        device.label
    )
}

/// `POST /api/kiosk-setup-codes`: a short-lived, single-use code for one tablet.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupCode {
    /// "ABCD-2345".
    pub code: String,
    /// When it stops working (unix ms).
    pub expires_at: i64,
    /// Its lifetime as issued.
    pub expires_in_seconds: i64,
    /// The address a tablet opens (the code is in the `#` fragment, never sent to a server).
    pub url: String,
    /// The address as a QR code, an SVG document.
    pub qr_svg: String,
}

/// `POST /api/kiosk-setup`: the kiosk account made for the tablet. The tablet signs in with it
/// at once; nobody sees or types these.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KioskAccount {
    /// The kiosk account's sign-in name.
    pub username: String,
    /// Its password (kept on the tablet, see `platform::runtime::tablet`).
    pub password: String,
    /// The consultation the tablet is bound to.
    pub consultation_id: String,
}

impl std::fmt::Debug for KioskAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A secret never reaches a log.
        f.debug_struct("KioskAccount")
            .field("consultation_id", &self.consultation_id)
            .finish_non_exhaustive()
    }
}

/// Characters in a set-up code, not counting the dash.
const CODE_CHARS: usize = 8;

/// A set-up code as typed or read from an address ("abcd 2345", "ABCD-2345") in the form the
/// server issued it ("ABCD-2345"); `None` if it cannot be one.
pub fn normalize_setup_code(typed: &str) -> Option<String> {
    let chars: Vec<char> = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if chars.len() != CODE_CHARS || !chars.iter().all(char::is_ascii_alphanumeric) {
        return None;
    }
    let (first, second) = chars.split_at(CODE_CHARS / 2);
    Some(format!(
        "{}-{}",
        first.iter().collect::<String>(),
        second.iter().collect::<String>()
    ))
}

/// How long a code has left, in words ("9 minutes", "under a minute"); `None` once expired.
pub fn time_left(expires_at: i64, now: i64) -> Option<String> {
    let seconds = (expires_at - now) / 1000;
    if seconds <= 0 {
        return None;
    }
    let minutes = seconds / 60;
    Some(match minutes {
        0 => "under a minute".to_string(),
        1 => "1 minute".to_string(),
        n => format!("{n} minutes"),
    })
}

/// The server's QR code as an `<img src>`: the SVG stays an image (no script, no injected
/// markup), and the page's CSP allows `img-src data:`.
pub fn svg_data_url(svg: &str) -> String {
    format!("data:image/svg+xml;base64,{}", base64(svg.as_bytes()))
}

/// Standard base64 with padding (RFC 4648 §4).
fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(TABLE[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(id: &str, current: bool, last_seen_at: i64) -> Device {
        Device {
            id: id.into(),
            user_id: "u1".into(),
            username: "member1".into(),
            display_name: "Test Member One".into(),
            label: "Chrome on Windows".into(),
            kiosk: false,
            created_at: 1,
            last_seen_at,
            current,
        }
    }

    #[test]
    fn the_servers_device_view_is_read() {
        let json = r#"[{"id":"d1","userId":"u1","username":"member1",
            "displayName":"Test Member One","label":"Firefox on Windows","kiosk":false,
            "createdAt":1000,"lastSeenAt":2000,"current":true}]"#;
        let devices: Vec<Device> = serde_json::from_str(json).unwrap();
        assert_eq!(devices[0].label, "Firefox on Windows");
        assert!(devices[0].current);
        assert_eq!(devices[0].last_seen_at, 2000);
    }

    #[test]
    fn this_device_is_listed_first_then_the_most_recently_used() {
        let mut devices = vec![
            device("old", false, 10),
            device("new", false, 30),
            device("here", true, 20),
        ];
        sort_devices(&mut devices);
        let ids: Vec<&str> = devices.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["here", "new", "old"]);
    }

    #[test]
    fn the_revoke_warning_says_unsent_changes_are_lost() {
        let d = device("d1", false, 1);
        let own = revoke_warning(&d, true);
        assert!(own.starts_with("Chrome on Windows will be signed out"));
        assert!(own.contains("have not reached the server yet will be lost"));
        assert!(revoke_warning(&d, false).contains("(Test Member One)"));
    }

    #[test]
    fn set_up_codes_are_read_however_they_are_typed() {
        assert_eq!(
            normalize_setup_code("ABCD-2345").as_deref(),
            Some("ABCD-2345")
        );
        assert_eq!(
            normalize_setup_code(" abcd 2345 ").as_deref(),
            Some("ABCD-2345")
        );
        assert_eq!(
            normalize_setup_code("abcd2345").as_deref(),
            Some("ABCD-2345")
        );
        assert_eq!(normalize_setup_code("ABCD-234"), None);
        assert_eq!(normalize_setup_code("ABCD-23456"), None);
        assert_eq!(normalize_setup_code("ABCD-23<5"), None);
        assert_eq!(normalize_setup_code(""), None);
    }

    #[test]
    fn a_codes_time_left_is_said_in_minutes_until_it_expires() {
        let now = 1_000_000;
        assert_eq!(time_left(now + 600_000, now).as_deref(), Some("10 minutes"));
        assert_eq!(time_left(now + 90_000, now).as_deref(), Some("1 minute"));
        assert_eq!(
            time_left(now + 30_000, now).as_deref(),
            Some("under a minute")
        );
        assert_eq!(time_left(now, now), None);
        assert_eq!(time_left(now - 1, now), None);
    }

    #[test]
    fn the_qr_code_becomes_a_base64_image_address() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(svg_data_url("<svg/>"), "data:image/svg+xml;base64,PHN2Zy8+");
    }

    #[test]
    fn a_kiosk_accounts_password_is_not_printed() {
        let account = KioskAccount {
            username: "kiosk-1".into(),
            password: "synthetic-secret".into(),
            consultation_id: "c1".into(),
        };
        assert!(!format!("{account:?}").contains("synthetic-secret"));
    }
}
