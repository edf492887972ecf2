//! Small hardening of the HTTP surface, over loopback against the real server: `HEAD` on the
//! app shell answers like `GET` without a body, and no unsafe method is taken from a page on
//! another site (the `Origin` check `/sync` already had, now on every POST/PUT/PATCH/DELETE).

use hearth_e2e::{TestServer, server_bin};
use reqwest::Method;
use serde_json::{Value, json};

/// A client folder as `cargo xtask build` would leave it, small and synthetic.
fn client_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>Hearth</title><script src=\"boot.js\"></script>",
    )
    .expect("index.html");
    std::fs::write(
        dir.path().join("boot.js"),
        "console.log('boot');\n".repeat(40),
    )
    .expect("boot.js");
    std::fs::write(
        dir.path().join("hearth_client_bg.wasm"),
        [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    )
    .expect("wasm");
    dir
}

#[tokio::test]
async fn head_on_the_app_shell_answers_like_get_without_a_body() {
    let dir = client_dir();
    let dir_path = dir.path().to_str().expect("a UTF-8 path");
    let server = TestServer::start_with(server_bin!(), &[("HEARTH_CLIENT_DIR", dir_path)]).await;
    let http = reqwest::Client::new();
    for path in ["/", "/boot.js", "/hearth_client_bg.wasm"] {
        let url = format!("{}{path}", server.base);
        let get = http.get(&url).send().await.expect("GET answers");
        assert_eq!(get.status(), 200, "GET {path}");
        let get_headers = get.headers().clone();
        let get_body = get.bytes().await.expect("GET body");
        assert!(!get_body.is_empty(), "GET {path} has a body");

        let head = http.head(&url).send().await.expect("HEAD answers");
        assert_eq!(head.status(), 200, "HEAD {path} is not 405");
        for header in ["content-type", "cache-control", "content-security-policy"] {
            assert_eq!(
                head.headers().get(header),
                get_headers.get(header),
                "HEAD {path}: {header} as for GET"
            );
        }
        assert_eq!(
            head.headers()
                .get("content-length")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<usize>().ok()),
            Some(get_body.len()),
            "HEAD {path} gives GET's length"
        );
        let head_body = head.bytes().await.expect("HEAD body");
        assert!(head_body.is_empty(), "HEAD {path} sends no body");
    }
    // What is not there is still 404, and other methods on the shell are still not allowed.
    let missing = http
        .head(format!("{}/no-such-file.js", server.base))
        .send()
        .await
        .expect("answers");
    assert_eq!(missing.status(), 404);
}

/// An admin's browser session: a cookie jar signed in, sending requests with a chosen `Origin`.
struct Browser {
    base: String,
    http: reqwest::Client,
}

impl Browser {
    async fn signed_in_admin(server: &TestServer) -> Browser {
        let browser = Browser {
            base: server.base.clone(),
            http: reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .expect("a client"),
        };
        let (status, body) = browser
            .send(
                Method::POST,
                "/api/session",
                Some(&server.base),
                Some(json!({
                    "username": server.admin_username,
                    "password": server.admin_password,
                })),
            )
            .await;
        assert_eq!(status, 200, "signed in from the app's own origin: {body}");
        browser
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        origin: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

const OTHER_SITE: &str = "https://other-site.example";

#[tokio::test]
async fn a_page_on_another_site_cannot_change_anything() {
    let server = TestServer::start(server_bin!()).await;
    let home = server.home("Synthetic House Origin").await;
    let (_, member) = server
        .user(hearth_shared::permissions::Role::Member, &[])
        .await;
    let admin = Browser::signed_in_admin(&server).await;
    let homes = || async {
        let (status, body) = admin
            .send(Method::GET, "/api/admin/homes", None, None)
            .await;
        assert_eq!(status, 200);
        body
    };
    let before = homes().await;

    let unsafe_requests = [
        (
            Method::POST,
            "/api/admin/homes".to_string(),
            Some(json!({"name": "Cross Site House"})),
        ),
        (
            Method::PATCH,
            format!("/api/admin/homes/{home}"),
            Some(json!({"name": "Renamed"})),
        ),
        (
            Method::PUT,
            format!("/api/admin/homes/{home}/people/{}", member.id),
            None,
        ),
        (Method::DELETE, "/api/session".to_string(), None),
        (
            Method::POST,
            "/api/session".to_string(),
            Some(json!({"username": "admin", "password": "x"})),
        ),
    ];
    for (method, path, body) in &unsafe_requests {
        for origin in [OTHER_SITE, "null", "http://127.0.0.1:1"] {
            let (status, reply) = admin
                .send(method.clone(), path, Some(origin), body.clone())
                .await;
            assert_eq!(
                (status, reply["error"]["code"].as_str()),
                (403, Some("forbidden")),
                "{method} {path} from {origin}"
            );
        }
    }
    // Nothing changed: no new home, no rename, no assignment, and the session still works.
    assert_eq!(homes().await, before, "the homes are as they were");
    let (status, _) = admin.send(Method::GET, "/api/me", None, None).await;
    assert_eq!(
        status, 200,
        "the cross-site sign-out did not sign the admin out"
    );

    // Reading is not refused for its Origin (a GET changes nothing).
    let (status, _) = admin
        .send(Method::GET, "/api/admin/homes", Some(OTHER_SITE), None)
        .await;
    assert_eq!(status, 200);

    // The same requests from the app's own origin, and from a client that sends no Origin
    // (curl, scripts), are served as before.
    let (status, body) = admin
        .send(
            Method::PATCH,
            &format!("/api/admin/homes/{home}"),
            Some(&server.base),
            Some(json!({"name": "Synthetic House Renamed"})),
        )
        .await;
    assert_eq!(status, 200, "same-site PATCH: {body}");
    let (status, body) = admin
        .send(
            Method::POST,
            "/api/admin/homes",
            None,
            Some(json!({"name": "Synthetic House Scripted"})),
        )
        .await;
    assert_eq!(status, 201, "POST without Origin: {body}");
    let (status, _) = admin
        .send(Method::DELETE, "/api/session", Some(&server.base), None)
        .await;
    assert_eq!(status, 200, "same-site sign-out");
}
