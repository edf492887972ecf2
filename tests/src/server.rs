//! A real server process with a fresh data folder (and, when `HEARTH_E2E_STORE=postgres`
//! selects it, a fresh PostgreSQL database), started and stopped by tests.

use crate::api::Api;
use hearth_shared::permissions::Role;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

static NEXT_USER: AtomicU32 = AtomicU32::new(1);

/// The server's variable naming its PostgreSQL database.
const DATABASE_URL: &str = "HEARTH_DATABASE_URL";

/// A running `hearth serve` on 127.0.0.1 with a temporary data folder.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The first administrator's one-time password (printed on first start).
    pub admin_password: String,
    /// The administrator's username: `admin`, or `demo-admin` for the demo.
    pub admin_username: String,
    /// What the server printed before it listened (e.g. the demo's accounts).
    pub banner: Vec<String>,
    /// `serve` or `demo`.
    command: &'static str,
    bin: PathBuf,
    data: Arc<tempfile::TempDir>,
    env: Vec<(String, String)>,
    child: Option<Child>,
}

/// A user created for a test.
#[derive(Debug, Clone)]
pub struct TestUser {
    /// The user's id (what records store in `createdBy`).
    pub id: String,
    /// Sign-in name.
    pub username: String,
    /// Password.
    pub password: String,
    /// The name the app shows for them.
    pub display_name: String,
    /// Role.
    pub role: Role,
}

impl TestServer {
    /// Starts a server on a fresh data folder.
    pub async fn start(bin: &str) -> Self {
        Self::start_with(bin, &[]).await
    }

    /// Starts a server on a fresh data folder with extra `HEARTH_*` environment variables. With
    /// `HEARTH_E2E_STORE=postgres` (and no `HEARTH_DATABASE_URL` among `env`) the server keeps
    /// its records in a fresh PostgreSQL database instead.
    pub async fn start_with(bin: &str, env: &[(&str, &str)]) -> Self {
        Self::start_on(bin, env, crate::postgres::selected()).await
    }

    /// Starts a server on the data folder's SQLite file whatever `HEARTH_E2E_STORE` says: for
    /// tests about that file itself (backups of it, editing it behind the server's back).
    pub async fn start_sqlite(bin: &str) -> Self {
        Self::start_on(bin, &[], false).await
    }

    async fn start_on(bin: &str, env: &[(&str, &str)], postgres: bool) -> Self {
        let mut env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if postgres && !env.iter().any(|(k, _)| k == DATABASE_URL) {
            let url = crate::postgres::fresh_database_url()
                .await
                .unwrap_or_else(|| {
                    panic!(
                        "{}=postgres needs {}",
                        crate::postgres::STORE_VARIABLE,
                        crate::postgres::URL_VARIABLE
                    )
                });
            env.push((DATABASE_URL.into(), url));
        }
        let data = Arc::new(tempfile::tempdir().expect("a temp dir can be made"));
        let mut server = Self {
            base: String::new(),
            admin_password: String::new(),
            admin_username: "admin".into(),
            banner: Vec::new(),
            command: "serve",
            bin: PathBuf::from(bin),
            data,
            env,
            child: None,
        };
        server.launch().await;
        assert!(
            !server.admin_password.is_empty(),
            "first start prints the admin password"
        );
        // The one-time password must be replaced before the admin can do anything else. (Over
        // TLS the harness's client would not trust the test certificate: those tests sign in
        // with the one-time password themselves.)
        if server.base.starts_with("http://") {
            let admin = Api::new(&server.base);
            admin
                .sign_in("admin", &server.admin_password)
                .await
                .expect("the admin signs in with the one-time password");
            let (status, body) = admin.get("/api/admin/users").await;
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (403, Some("password_change_required")),
                "nothing but a password change with the one-time password"
            );
            let chosen = "synthetic-admin-password-1";
            let (status, body) = admin
                .post(
                    "/api/me/password",
                    &serde_json::json!({
                        "currentPassword": server.admin_password,
                        "newPassword": chosen,
                    }),
                )
                .await;
            assert_eq!(
                status, 200,
                "the admin replaces the one-time password: {body}"
            );
            server.admin_password = chosen.to_string();
        }
        server
    }

    /// Starts `hearth demo` on a fresh data folder: synthetic homes, accounts and records, the
    /// administrator being `demo-admin` with the demo password.
    pub async fn start_demo(bin: &str) -> Self {
        Self::start_demo_with(bin, &[]).await
    }

    /// [`TestServer::start_demo`] with extra `HEARTH_*` environment variables.
    pub async fn start_demo_with(bin: &str, env: &[(&str, &str)]) -> Self {
        let mut server = Self {
            base: String::new(),
            admin_password: hearth_server::demo::DEMO_PASSWORD.into(),
            admin_username: "demo-admin".into(),
            banner: Vec::new(),
            command: "demo",
            bin: PathBuf::from(bin),
            data: Arc::new(tempfile::tempdir().expect("a temp dir can be made")),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            child: None,
        };
        server.launch().await;
        server
    }

    /// The data folder (holds `hearth.sqlite3`, unless the server runs on PostgreSQL).
    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    /// The PostgreSQL database the server keeps its records in (`HEARTH_DATABASE_URL`), or
    /// `None` when it runs on the data folder's SQLite file.
    pub fn database_url(&self) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == DATABASE_URL)
            .map(|(_, v)| v.as_str())
    }

    /// The `hearth` binary set up for this server's store (its data folder and, on PostgreSQL,
    /// its database), to run an operator's command such as `retention run` on it.
    pub fn hearth(&self) -> Command {
        let mut command = Command::new(&self.bin);
        command
            .env("HEARTH_DATA_DIR", self.data.path())
            .env_remove(DATABASE_URL)
            .stdin(Stdio::null());
        if let Some(url) = self.database_url() {
            command.env(DATABASE_URL, url);
        }
        command
    }

    /// A second server process on the same PostgreSQL database (its own data folder and port),
    /// as a council running several servers behind a load balancer: the same accounts, records
    /// and storage id.
    ///
    /// # Panics
    /// When this server runs on SQLite, whose file only one server may use.
    pub async fn another_server(&self) -> Self {
        assert!(
            self.database_url().is_some(),
            "only servers on PostgreSQL can share their store"
        );
        let mut server = Self {
            base: String::new(),
            admin_password: self.admin_password.clone(),
            admin_username: self.admin_username.clone(),
            banner: Vec::new(),
            command: self.command,
            bin: self.bin.clone(),
            data: Arc::new(tempfile::tempdir().expect("a temp dir can be made")),
            env: self.env.clone(),
            child: None,
        };
        server.launch().await;
        server
    }

    /// The running server process's id (`None` once stopped or killed), e.g. to read its
    /// `/proc/<pid>/status`.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(Child::id)
    }

    async fn launch(&mut self) {
        let mut cmd = Command::new(&self.bin);
        cmd.arg(self.command)
            .env("HEARTH_DATA_DIR", self.data.path())
            .env("HEARTH_BIND", "127.0.0.1:0")
            // Only the database this harness made: never one the developer's shell names.
            .env_remove(DATABASE_URL)
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("the server binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        self.banner.clear();
        let read_banner = async {
            while let Some(line) = lines.next_line().await.expect("server stdout is readable") {
                self.banner.push(line.clone());
                if let Some(pw) = line.strip_prefix("One-time password: ") {
                    self.admin_password = pw.trim().to_string();
                }
                if let Some(url) = line.strip_prefix("Hearth listening on ") {
                    return url.trim().to_string();
                }
            }
            panic!("the server exited before listening");
        };
        let base = tokio::time::timeout(crate::WAIT, read_banner)
            .await
            .expect("the server starts listening in time");
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        self.base = base;
        self.child = Some(child);
    }

    /// Stops the server gracefully (SIGTERM) and waits for it to exit.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Some(pid) = child.id() {
                // SAFETY: plain kill(2) on our own child's pid.
                unsafe { libc::kill(pid as i32, libc::SIGTERM) };
            }
            let _ = tokio::time::timeout(crate::WAIT, child.wait()).await;
            let _ = child.kill().await;
        }
    }

    /// Kills the server with SIGKILL: no chance to flush anything.
    pub async fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Some(pid) = child.id() {
                // SAFETY: plain kill(2) on our own child's pid.
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            }
            let _ = child.wait().await;
        }
    }

    /// Starts the server again on the same data folder (a new port).
    pub async fn restart(&mut self) {
        self.stop().await;
        self.launch().await;
    }

    /// Starts the server again after [`kill9`](Self::kill9).
    pub async fn start_again(&mut self) {
        assert!(self.child.is_none(), "stop or kill the server first");
        self.launch().await;
    }

    /// An API client signed in as the administrator.
    pub async fn admin(&self) -> Api {
        let api = Api::new(&self.base);
        api.sign_in(&self.admin_username, &self.admin_password)
            .await
            .expect("the admin can sign in");
        api
    }

    /// Creates a home through the admin API and returns its id.
    pub async fn home(&self, name: &str) -> String {
        let admin = self.admin().await;
        let res = admin
            .post("/api/admin/homes", &serde_json::json!({ "name": name }))
            .await;
        assert_eq!(res.0, 201, "home created: {}", res.1);
        res.1["id"].as_str().expect("home id").to_string()
    }

    /// Creates a user with `role`, assigns them to `homes`, and returns them signed in.
    pub async fn user(&self, role: Role, homes: &[&str]) -> (Api, TestUser) {
        let n = NEXT_USER.fetch_add(1, Ordering::Relaxed);
        let username = format!("test-{}-{n}", role.as_str().to_lowercase());
        let password = format!("synthetic-password-{n}-xyz");
        let display_name = format!("Test {} {n}", role.as_str());
        let admin = self.admin().await;
        let res = admin
            .post(
                "/api/admin/users",
                &serde_json::json!({
                    "username": username,
                    "displayName": display_name,
                    "role": role.as_str(),
                    "password": password,
                }),
            )
            .await;
        assert_eq!(res.0, 201, "user created: {}", res.1);
        let id = res.1["user"]["id"].as_str().expect("user id").to_string();
        for home in homes {
            let res = admin
                .post(
                    "/api/admin/assignments",
                    &serde_json::json!({ "userId": id, "homeId": home }),
                )
                .await;
            assert_eq!(res.0, 200, "assigned: {}", res.1);
        }
        let api = Api::new(&self.base);
        api.sign_in(&username, &password)
            .await
            .expect("the new user can sign in");
        (
            api,
            TestUser {
                id,
                username,
                password,
                display_name,
                role,
            },
        )
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
    }
}
