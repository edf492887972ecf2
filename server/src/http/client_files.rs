//! Serves the built client (`cargo xtask build` output): the app shell must load without
//! signing in, and always be revalidated so a new build is picked up.

use std::path::PathBuf;
use warp::{Filter, Rejection, Reply};

/// `GET /` and the files of the client folder (and `HEAD` of each), with `application/wasm`
/// for the module.
pub fn routes(
    dir: Option<PathBuf>,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let dir = dir.unwrap_or_else(|| PathBuf::from("/nonexistent-hearth-client"));
    let index = warp::path::end().and(warp::fs::file(dir.join("index.html")));
    let files = warp::fs::dir(dir);
    // HEAD answers like GET; hyper leaves the body out of a reply to HEAD.
    warp::get()
        .or(warp::head())
        .unify()
        .and(index.or(files).unify())
        .map(|file: warp::filters::fs::File| {
            let is_wasm = file.path().extension().is_some_and(|e| e == "wasm");
            let mut res = file.into_response();
            if is_wasm {
                res.headers_mut().insert(
                    "content-type",
                    warp::http::HeaderValue::from_static("application/wasm"),
                );
            }
            // Names are not content-hashed, so browsers revalidate (Last-Modified) each time;
            // offline use is the service worker's job, not the HTTP cache's.
            res.headers_mut().insert(
                "cache-control",
                warp::http::HeaderValue::from_static("no-cache"),
            );
            res
        })
}
