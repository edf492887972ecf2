//! Refuses a cross-site `Origin` on every method that changes something.
//!
//! Session cookies are `SameSite=Strict`, so a browser does not send them on another site's
//! request; this is defence in depth should that ever fail (an old browser, a same-site
//! subdomain taken over): a page from another origin cannot make a signed-in user's browser
//! change anything, as `/sync` already refuses. Requests without `Origin` (curl, the CLI's
//! clients, same-origin GETs) pass: only what a browser says about itself is checked.

use warp::http::Method;
use warp::{Filter, Rejection};

use crate::error::ApiError;

/// Passes every request except an unsafe one (POST, PUT, PATCH, DELETE, or any method not
/// known to be safe) whose `Origin` names another host than the `Host` it was sent to; those
/// get 403 `forbidden`.
pub fn same_site_for_unsafe_methods() -> impl Filter<Extract = (), Error = Rejection> + Clone {
    warp::method()
        .and(warp::header::optional::<String>("origin"))
        .and(warp::header::optional::<String>("host"))
        .and_then(
            |method: Method, origin: Option<String>, host: Option<String>| async move {
                if is_safe(&method) || !is_cross_site(origin.as_deref(), host.as_deref()) {
                    Ok::<_, Rejection>(())
                } else {
                    Err(warp::reject::custom(ApiError::Forbidden))
                }
            },
        )
        .untuple_one()
}

/// Methods that change nothing on Hearth's server (RFC 9110's safe methods).
fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Whether a browser's `Origin` names another host (and port) than the request's `Host`.
/// An absent `Origin` is not cross-site (not a browser's cross-origin request); an `Origin`
/// without a host (`null`, from a sandboxed frame or a `file:` page) is, as is an `Origin`
/// with no `Host` to compare it to.
fn is_cross_site(origin: Option<&str>, host: Option<&str>) -> bool {
    let Some(origin) = origin else {
        return false;
    };
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    match (origin_host, host) {
        (Some(origin_host), Some(host)) => !origin_host.eq_ignore_ascii_case(host),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_origin_naming_another_host_is_cross_site() {
        assert!(!is_cross_site(None, Some("127.0.0.1:8080")));
        assert!(!is_cross_site(
            Some("http://127.0.0.1:8080"),
            Some("127.0.0.1:8080")
        ));
        assert!(!is_cross_site(
            Some("https://Hearth.Example.gov.uk"),
            Some("hearth.example.gov.uk")
        ));
        assert!(is_cross_site(
            Some("https://evil.example"),
            Some("hearth.example.gov.uk")
        ));
        // Same host, another port: another origin.
        assert!(is_cross_site(
            Some("http://127.0.0.1:9999"),
            Some("127.0.0.1:8080")
        ));
        assert!(is_cross_site(Some("null"), Some("127.0.0.1:8080")));
        assert!(is_cross_site(Some("http://127.0.0.1:8080"), None));
    }

    #[test]
    fn reading_is_never_refused_for_its_origin() {
        for method in [Method::GET, Method::HEAD, Method::OPTIONS] {
            assert!(is_safe(&method));
        }
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            assert!(!is_safe(&method));
        }
        assert!(!is_safe(
            &Method::from_bytes(b"PROPPATCH").expect("a method")
        ));
    }
}
