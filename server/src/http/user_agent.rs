//! A readable device label from a User-Agent header ("Chrome on Android tablet").
//!
//! A small hand parser rather than a crate: the devices list needs only the browser family and
//! the kind of device, from the handful of browsers a council's staff and tablets use; the
//! User-Agent crates carry large regex databases (uap-core) for detail we would throw away. The
//! label is built only from the fixed words below, never copied from the header, so nothing a
//! client sends ends up shown to an administrator.

/// The label for a session signed in with this User-Agent; "Unknown device" when it says
/// nothing recognisable (scripts, the CLI, a missing header).
pub fn device_label(user_agent: Option<&str>) -> String {
    let ua = user_agent.unwrap_or_default();
    // Real User-Agents are a few hundred bytes; anything longer is not worth scanning.
    let ua = match ua.char_indices().nth(1024) {
        Some((end, _)) => &ua[..end],
        None => ua,
    };
    match (browser(ua), platform(ua)) {
        (Some(b), Some(p)) => format!("{b} on {p}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(p)) => format!("Browser on {p}"),
        (None, None) => "Unknown device".to_owned(),
    }
}

/// The browser family; order matters because most browsers also claim to be the ones before
/// them (Edge says Chrome and Safari, Chrome says Safari).
fn browser(ua: &str) -> Option<&'static str> {
    const FAMILIES: &[(&str, &str)] = &[
        ("Edg", "Edge"),
        ("OPR/", "Opera"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
    ];
    FAMILIES
        .iter()
        .find(|(token, _)| ua.contains(token))
        .map(|(_, name)| *name)
        .or_else(|| (ua.contains("Safari/") && ua.contains("Version/")).then_some("Safari"))
}

/// The kind of device or operating system.
fn platform(ua: &str) -> Option<&'static str> {
    if ua.contains("iPad") {
        Some("iPad")
    } else if ua.contains("iPhone") {
        Some("iPhone")
    } else if ua.contains("Android") {
        // Android phones' browsers say "Mobile"; tablets' do not.
        Some(if ua.contains("Mobile") {
            "Android phone"
        } else {
            "Android tablet"
        })
    } else if ua.contains("Windows") {
        Some("Windows")
    } else if ua.contains("CrOS") {
        Some("ChromeOS")
    } else if ua.contains("Macintosh") || ua.contains("Mac OS X") {
        Some("Mac")
    } else if ua.contains("Linux") {
        Some("Linux")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::device_label;

    #[test]
    fn common_browsers_and_devices_get_plain_labels() {
        let cases = [
            (
                "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) \
                 Chrome/120.0.0.0 Safari/537.36",
                "Chrome on Android tablet",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) \
                 Chrome/120.0.0.0 Mobile Safari/537.36",
                "Chrome on Android phone",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
                "Firefox on Windows",
            ),
            (
                "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like \
                 Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
                "Safari on iPad",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                 Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, \
                 like Gecko) Version/17.1 Safari/605.1.15",
                "Safari on Mac",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                 HeadlessChrome/120.0.0.0 Safari/537.36",
                "Chrome on Linux",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 \
                 (KHTML, like Gecko) CriOS/120.0 Mobile/15E148 Safari/604.1",
                "Chrome on iPhone",
            ),
        ];
        for (ua, label) in cases {
            assert_eq!(device_label(Some(ua)), label, "{ua}");
        }
    }

    #[test]
    fn anything_else_is_an_unknown_device_and_never_echoed() {
        assert_eq!(device_label(None), "Unknown device");
        assert_eq!(device_label(Some("")), "Unknown device");
        assert_eq!(device_label(Some("curl/8.5.0")), "Unknown device");
        assert_eq!(
            device_label(Some("<script>alert(1)</script> Linux")),
            "Browser on Linux"
        );
        let long = "x".repeat(100_000) + " Firefox/1";
        assert_eq!(device_label(Some(&long)), "Unknown device");
    }
}
