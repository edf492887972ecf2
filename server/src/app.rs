//! Starting a server: open the store, make sure there is an administrator, build the routes and
//! run the accept loop (plain TCP or TLS) until asked to stop.

use crate::auth::throttle::Throttle;
use crate::auth::{password, token};
use crate::config::ServeConfig;
use crate::http::{self, ClientAddr};
use crate::state::App;
use crate::store::{NewUser, Store, StoreError};
use crate::sync::hub::Hub;
use crate::sync::registry::Connections;
use hearth_shared::model::Record;
use hearth_shared::permissions::Role;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_service::Service;

/// A server that is listening; dropping the handle does not stop it, [`Running::stop`] does.
pub struct Running {
    /// The address actually bound (useful with port 0).
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting connections and waits for the accept loop to end.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Reads the server's storage id from the data folder, creating it on first start. It must
/// stay the same across restarts: clients use it to know which changes are stored here.
pub fn storage_id(data_dir: &Path) -> std::io::Result<String> {
    let path = data_dir.join("storage-id");
    match std::fs::read_to_string(&path) {
        Ok(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        _ => {
            std::fs::create_dir_all(data_dir)?;
            let id = uuid::Uuid::new_v4().to_string();
            let tmp = data_dir.join("storage-id.tmp");
            std::fs::write(&tmp, &id)?;
            std::fs::File::open(&tmp)?.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            Ok(id)
        }
    }
}

/// On first start (no enabled administrator) creates `admin` with a random one-time password
/// and returns it so the operator can be told once; it must be changed at first sign-in.
pub async fn ensure_admin(store: &Arc<dyn Store>) -> Result<Option<String>, StoreError> {
    if store.count_admins().await? > 0 {
        return Ok(None);
    }
    let password = token::generate_password();
    store
        .create_user(NewUser {
            username: "admin".into(),
            display_name: "Administrator".into(),
            role: Role::Admin,
            password_hash: password::hash(password.clone()).await,
            must_change_password: true,
        })
        .await?;
    Ok(Some(password))
}

/// Deletes expired sessions (revoked ones included), sync tickets and set-up codes every ten minutes, so the tables do not grow with
/// every sign-in. (Expired ones are already refused when presented; this is housekeeping.)
fn spawn_expiry_sweep(store: Arc<dyn Store>, mut stopped: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tokio::select! {
                _ = stopped.changed() => return,
                _ = every.tick() => {}
            }
            if let Err(e) = store.purge_expired(crate::auth::now_ms()).await {
                tracing::warn!(error = %e, "could not purge expired sessions");
            }
        }
    });
}

/// Documents the facts backfill reads per page: one page of ids in memory, one document
/// loaded at a time.
const BACKFILL_PAGE: usize = 64;

/// Computes the reporting facts of documents stored before facts were kept (schema step 4),
/// one at a time, and returns how many it filled. A document that no longer loads is passed
/// over (its facts stay unknown and the overview leaves it out). Safe alongside live commits:
/// a fill only lands where facts are still unknown, and every commit writes them.
pub async fn backfill_facts(store: &Arc<dyn Store>) -> Result<usize, StoreError> {
    let mut after = None;
    let mut filled = 0;
    loop {
        let page = store.documents_without_facts(after, BACKFILL_PAGE).await?;
        let Some(&last) = page.last() else {
            return Ok(filled);
        };
        after = Some(last);
        for id in page {
            let Some(stored) = store.load_document(id).await? else {
                continue;
            };
            // Loading and hydrating a document is CPU work: off the async executor.
            let facts = tokio::task::spawn_blocking(move || {
                let doc = hearth_shared::sync::load_chunks(&stored.chunks).ok()?;
                let record = Record::from_doc(&doc).ok()?;
                Some(hearth_shared::reporting::facts_of(&record))
            })
            .await
            .ok()
            .flatten();
            match facts {
                Some(facts) => {
                    if store.fill_facts(id, facts).await? {
                        filled += 1;
                    }
                }
                None => {
                    tracing::warn!(document = %id, "no reporting facts: document does not load")
                }
            }
        }
    }
}

/// Runs [`backfill_facts`] once in the background, so a large older database does not delay
/// start-up; until it ends, the overview leaves out the documents it has not reached.
fn spawn_facts_backfill(store: Arc<dyn Store>) {
    tokio::spawn(async move {
        match backfill_facts(&store).await {
            Ok(0) => {}
            Ok(filled) => tracing::info!(documents = filled, "reporting facts backfilled"),
            Err(e) => tracing::warn!(error = %e, "could not backfill reporting facts"),
        }
    });
}

/// Builds the app and starts listening; returns once the socket is bound.
pub async fn start(
    store: Arc<dyn Store>,
    storage_id: String,
    config: ServeConfig,
) -> std::io::Result<Running> {
    let window_ms = (config.login_window_secs * 1000) as i64;
    let hub = Arc::new(Hub::new(
        store.clone(),
        storage_id,
        config.document_cache,
        config.compact_after_chunks,
    ));
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(crate::tls::acceptor(cert, key)?),
        _ => None,
    };
    let store_for_sweep = store.clone();
    spawn_facts_backfill(store.clone());
    let app = Arc::new(App {
        store: store.clone(),
        hub,
        ip_failures: Throttle::new("ip", config.login_attempts_per_ip, window_ms, store.clone()),
        account_failures: Throttle::new(
            "account",
            config.login_attempts_per_account,
            window_ms,
            store.clone(),
        ),
        setup_failures: Throttle::new("setup", config.login_attempts_per_ip, window_ms, store),
        connections: Connections::new(),
        clock: config.clock(),
        config: config.clone(),
    });
    let listener = TcpListener::bind(config.bind).await?;
    let addr = listener.local_addr()?;
    let filter = http::routes(app.clone());
    let (stop, mut stopped) = watch::channel(false);
    spawn_expiry_sweep(store_for_sweep, stopped.clone());
    crate::cluster::spawn(app.clone(), stopped.clone());
    crate::retention::spawn_daily(
        app.store.clone(),
        app.hub.clone(),
        config.retention.policy(),
        app.clock.clone(),
        stopped.clone(),
    );
    let task = tokio::spawn(async move {
        loop {
            let (stream, peer) = tokio::select! {
                _ = stopped.changed() => break,
                accepted = listener.accept() => match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        // Usually out of file descriptors: back off briefly rather than spin.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            let svc = warp::service(filter.clone());
            let tls = tls.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |mut req: hyper::Request<hyper::body::Incoming>| {
                        req.extensions_mut().insert(ClientAddr(peer));
                        let mut svc = svc.clone();
                        async move { svc.call(req).await }
                    },
                );
                let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                let result = match tls {
                    Some(acceptor) => match acceptor.accept(stream).await {
                        Ok(stream) => {
                            builder
                                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                                .await
                        }
                        Err(e) => {
                            tracing::debug!(error = %e, "TLS handshake failed");
                            return;
                        }
                    },
                    None => {
                        builder
                            .serve_connection_with_upgrades(TokioIo::new(stream), service)
                            .await
                    }
                };
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
            });
        }
    });
    Ok(Running { addr, stop, task })
}
