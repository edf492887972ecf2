//! A small HTTP client for the JSON API, with its own cookie jar (one per signed-in user).

use crate::sync_client::SyncClient;
use serde_json::Value;

/// One user's HTTP session with the server.
#[derive(Clone)]
pub struct Api {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    http: reqwest::Client,
}

impl Api {
    /// A client with an empty cookie jar.
    pub fn new(base: &str) -> Self {
        Self::with_user_agent(base, "hearth-e2e")
    }

    /// A client with an empty cookie jar that says it is `user_agent` (a device's browser).
    pub fn with_user_agent(base: &str, user_agent: &str) -> Self {
        Self {
            base: base.to_string(),
            http: reqwest::Client::builder()
                .cookie_store(true)
                .user_agent(user_agent)
                .build()
                .expect("an HTTP client can be built"),
        }
    }

    /// Signs in; the session cookie is kept in this client's jar.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<Value, (u16, Value)> {
        let (status, body) = self
            .post(
                "/api/session",
                &serde_json::json!({ "username": username, "password": password }),
            )
            .await;
        if status == 200 {
            Ok(body)
        } else {
            Err((status, body))
        }
    }

    /// `GET path` → (status, JSON body or Null).
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("the server answers");
        Self::parts(res).await
    }

    /// `POST path` with a JSON body → (status, JSON body or Null).
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .expect("the server answers");
        Self::parts(res).await
    }

    /// `PATCH path` with a JSON body → (status, JSON body or Null).
    pub async fn patch(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }

    /// `PUT path` with no body → (status, JSON body or Null).
    pub async fn put(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::PUT, path, None).await
    }

    /// `DELETE path` → (status, JSON body or Null).
    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    /// Any method, with an optional JSON body → (status, JSON body or Null).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(body);
        }
        let res = request.send().await.expect("the server answers");
        Self::parts(res).await
    }

    /// The raw response, for header checks.
    pub async fn raw(&self, method: reqwest::Method, path: &str) -> reqwest::Response {
        self.http
            .request(method, format!("{}{path}", self.base))
            .send()
            .await
            .expect("the server answers")
    }

    /// `POST path` with a JSON body → the raw response (for binary replies).
    pub async fn post_raw(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .expect("the server answers")
    }

    async fn parts(res: reqwest::Response) -> (u16, Value) {
        let status = res.status().as_u16();
        let body = res.json::<Value>().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// A fresh single-use sync ticket.
    pub async fn ticket(&self) -> String {
        let (status, body) = self.post("/api/sync-tickets", &Value::Null).await;
        assert_eq!(status, 200, "ticket issued: {body}");
        body["ticket"].as_str().expect("ticket").to_string()
    }

    /// A joined sync connection for this user.
    pub async fn sync(&self) -> SyncClient {
        let ticket = self.ticket().await;
        SyncClient::connect(&self.base, &ticket)
            .await
            .expect("the sync connection opens")
    }
}
