//! TLS to PostgreSQL: how the URL's `sslmode` and `sslrootcert` are read (plain functions),
//! then real connections to the test cluster, which serves TLS with a certificate for
//! 127.0.0.1 and localhost from the CA in `HEARTH_TEST_DATABASE_CA` (`cargo xtask test` makes
//! both). Without the cluster or the CA they skip, except under `CI=true` where they fail.

use std::path::{Path, PathBuf};

use tokio_postgres::config::SslMode as Negotiate;

use super::{Check, ConnectSettings, RootCert, SslMode, policy, split};
use crate::store::postgres::{PgStore, client};
use crate::store::test_pg::{ca_file, fresh_pg_url};
use crate::store::{Store, StoreError};

// --- reading the URL ---

#[test]
fn libpq_tls_parameters_are_taken_out_of_a_url_and_the_rest_kept() {
    let full = split(
        "postgres://hearth:pw@db.internal:5432/hearth?application_name=a&sslmode=verify-full\
         &sslrootcert=%2Fetc%2Fhearth%2Fdb%20ca.pem&connect_timeout=5",
    )
    .unwrap();
    assert_eq!(
        full.rest,
        "postgres://hearth:pw@db.internal:5432/hearth?application_name=a&connect_timeout=5"
    );
    assert_eq!(full.mode, Some(SslMode::VerifyFull));
    assert_eq!(
        full.root_cert,
        Some(RootCert::File("/etc/hearth/db ca.pem".into()))
    );

    let only_tls = split("postgresql://h/db?sslmode=require").unwrap();
    assert_eq!(only_tls.rest, "postgresql://h/db");
    assert_eq!(only_tls.mode, Some(SslMode::Require));
    let none = split("postgres://h/db").unwrap();
    assert_eq!((none.rest.as_str(), none.mode), ("postgres://h/db", None));
    // The last one wins, as in libpq.
    let twice =
        split("postgres://h/db?sslmode=disable&sslmode=verify-ca&sslrootcert=system").unwrap();
    assert_eq!(twice.mode, Some(SslMode::VerifyCa));
    assert_eq!(twice.root_cert, Some(RootCert::System));
}

#[test]
fn libpq_tls_parameters_are_taken_out_of_a_key_value_string() {
    let full = split(
        "host=db.internal user=hearth password='it\\'s a secret' sslmode = verify-ca \
         sslrootcert='/etc/hearth/db ca.pem' dbname=hearth",
    )
    .unwrap();
    assert_eq!(full.mode, Some(SslMode::VerifyCa));
    assert_eq!(
        full.root_cert,
        Some(RootCert::File("/etc/hearth/db ca.pem".into()))
    );
    let config: tokio_postgres::Config = full.rest.parse().expect("the rest still parses");
    assert_eq!(config.get_password(), Some(&b"it's a secret"[..]));
    assert_eq!(config.get_dbname(), Some("hearth"));
    assert!(split("host=db sslmode='unterminated").is_err());
}

#[test]
fn a_wrong_sslmode_lists_the_right_ones_without_repeating_the_url() {
    let Err(refused) = ConnectSettings::from_url("postgres://hearth:s3cret@h/db?sslmode=s3cret")
    else {
        panic!("an unknown sslmode is refused");
    };
    let text = refused.to_string();
    assert!(
        text.contains("disable, prefer, require, verify-ca, verify-full"),
        "{text}"
    );
    assert!(!text.contains("s3cret"), "{text}");
}

#[test]
fn each_sslmode_negotiates_and_checks_what_libpq_does() {
    let file = || Some(RootCert::File("/ca.pem".into()));
    let ok = |mode, root| policy(mode, root).expect("accepted");
    // Without sslmode: TLS when offered, as libpq's default.
    assert_eq!(ok(None, None), (Negotiate::Prefer, Check::Nothing));
    assert_eq!(
        ok(Some(SslMode::Disable), None),
        (Negotiate::Disable, Check::Nothing)
    );
    assert_eq!(
        ok(Some(SslMode::Require), None),
        (Negotiate::Require, Check::Nothing)
    );
    // libpq: a root certificate makes `require` check the chain.
    assert_eq!(
        ok(Some(SslMode::Require), file()),
        (
            Negotiate::Require,
            Check::Chain(RootCert::File("/ca.pem".into()))
        )
    );
    assert_eq!(
        ok(Some(SslMode::VerifyCa), file()),
        (
            Negotiate::Require,
            Check::Chain(RootCert::File("/ca.pem".into()))
        )
    );
    assert_eq!(
        ok(Some(SslMode::VerifyFull), file()),
        (
            Negotiate::Require,
            Check::ChainAndName(RootCert::File("/ca.pem".into()))
        )
    );
    assert_eq!(
        ok(Some(SslMode::VerifyFull), None),
        (Negotiate::Require, Check::ChainAndName(RootCert::System))
    );
    // Settings that would not check what they seem to are refused, saying what to write.
    for (mode, root) in [
        (None, file()),
        (Some(SslMode::Disable), file()),
        (Some(SslMode::VerifyCa), None),
        (Some(SslMode::VerifyCa), Some(RootCert::System)),
        (Some(SslMode::Require), Some(RootCert::System)),
    ] {
        let refused = policy(mode, root).expect_err("refused").to_string();
        assert!(refused.contains("sslmode=verify-"), "{refused}");
    }
}

#[test]
fn a_missing_root_certificate_file_is_named_at_start_up() {
    let Err(refused) = ConnectSettings::from_url(
        "postgres://h/db?sslmode=verify-full&sslrootcert=/nonexistent/hearth-ca.pem",
    ) else {
        panic!("a missing CA file is refused");
    };
    let text = refused.to_string();
    assert!(text.contains("/nonexistent/hearth-ca.pem"), "{text}");
}

#[test]
fn an_address_without_a_host_name_is_the_name_checked_and_a_unix_socket_never_uses_tls() {
    use tokio_postgres::config::Host;
    let by_address = ConnectSettings::from_url("hostaddr=10.0.0.5 dbname=hearth").unwrap();
    assert_eq!(
        by_address.config.get_hosts(),
        &[Host::Tcp("10.0.0.5".into())][..]
    );
    assert_eq!(by_address.config.get_ssl_mode(), Negotiate::Prefer);
    let socket =
        ConnectSettings::from_url("host=/var/run/postgresql dbname=hearth sslmode=require")
            .unwrap();
    assert_eq!(socket.config.get_ssl_mode(), Negotiate::Disable);
}

// --- real connections ---

/// A fresh database's URL on the test cluster and the CA of its certificate; `None` (skipped)
/// outside CI without them.
async fn tls_cluster() -> Option<(String, PathBuf)> {
    let ca = ca_file()?;
    Some((fresh_pg_url().await?, ca))
}

/// `url` with `parameters` (`key=value&...`) added to its query.
fn with(url: &str, parameters: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{parameters}")
}

fn root(ca: &Path) -> String {
    format!("sslrootcert={}", ca.display())
}

/// Whether the store's own (pooled) connection is encrypted, as the server sees it.
async fn encrypted(store: &PgStore) -> bool {
    client(store.pool())
        .await
        .unwrap()
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

/// A CA the test cluster's certificate does not come from, written into `folder`.
fn another_ca(folder: &Path) -> PathBuf {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Not the database's CA");
    let path = folder.join("other-ca.pem");
    std::fs::write(&path, params.self_signed(&key).unwrap().pem()).unwrap();
    path
}

/// `url` pointing at a host name the server's certificate does not carry, while still
/// connecting to the same address (`hostaddr`), so only the name check differs.
async fn under_another_name(url: &str) -> String {
    let config: tokio_postgres::Config = url.parse().unwrap();
    let Some(tokio_postgres::config::Host::Tcp(host)) = config.get_hosts().first() else {
        panic!("the test cluster's URL names a TCP host");
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let address = tokio::net::lookup_host((host.as_str(), port))
        .await
        .unwrap()
        .next()
        .expect("the test cluster's host resolves")
        .ip();
    let needle = format!("@{host}:");
    assert!(
        url.contains(&needle),
        "the test cluster's URL has a user@host:port"
    );
    with(
        &url.replacen(&needle, "@not-the-database.invalid:", 1),
        &format!("hostaddr={address}"),
    )
}

#[tokio::test]
async fn require_encrypts_every_connection() {
    let Some((url, _)) = tls_cluster().await else {
        return;
    };
    let store = PgStore::connect(&with(&url, "sslmode=require"))
        .await
        .unwrap();
    assert!(
        encrypted(&store).await,
        "sslmode=require connected in the clear"
    );
}

#[tokio::test]
async fn without_sslmode_a_server_that_offers_tls_gets_it() {
    let Some((url, _)) = tls_cluster().await else {
        return;
    };
    // Whatever the cluster's URL says, this one says nothing of TLS.
    let without = split(&url).unwrap().rest;
    let store = PgStore::connect(&without).await.unwrap();
    assert!(
        encrypted(&store).await,
        "the default (prefer) did not use TLS"
    );
}

#[tokio::test]
async fn disable_still_connects_in_the_clear() {
    let Some(url) = fresh_pg_url().await else {
        return;
    };
    let store = PgStore::connect(&with(&url, "sslmode=disable"))
        .await
        .unwrap();
    assert!(!encrypted(&store).await);
}

#[tokio::test]
async fn verify_full_connects_to_the_server_its_ca_signed() {
    let Some((url, ca)) = tls_cluster().await else {
        return;
    };
    let url = with(&url, &format!("sslmode=verify-full&{}", root(&ca)));
    let store = PgStore::connect(&url).await.unwrap();
    assert!(encrypted(&store).await);
    // By name as well as by address: the certificate carries both.
    let by_name = url.replacen("@127.0.0.1:", "@localhost:", 1);
    if by_name != url {
        let store = PgStore::connect(&by_name).await.unwrap();
        assert!(encrypted(&store).await);
    }
}

#[tokio::test]
async fn verify_full_refuses_a_server_another_ca_signed() {
    let Some((url, _)) = tls_cluster().await else {
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    let other = another_ca(folder.path());
    for mode in ["verify-full", "verify-ca"] {
        let refused = PgStore::connect(&with(&url, &format!("sslmode={mode}&{}", root(&other))))
            .await
            .err()
            .unwrap_or_else(|| panic!("sslmode={mode} accepted a certificate from another CA"));
        let text = refused.to_string();
        assert!(
            matches!(refused, StoreError::Postgres(_))
                && text.contains("TLS")
                && text.contains("certificate"),
            "not a clear refusal: {text}"
        );
    }
}

#[tokio::test]
async fn verify_full_checks_the_host_name_and_verify_ca_does_not() {
    let Some((url, ca)) = tls_cluster().await else {
        return;
    };
    let elsewhere = under_another_name(&url).await;
    let refused = PgStore::connect(&with(
        &elsewhere,
        &format!("sslmode=verify-full&{}", root(&ca)),
    ))
    .await
    .err()
    .expect("verify-full accepted a certificate for another name");
    let text = refused.to_string();
    assert!(text.contains("certificate"), "{text}");
    let store = PgStore::connect(&with(
        &elsewhere,
        &format!("sslmode=verify-ca&{}", root(&ca)),
    ))
    .await
    .unwrap();
    assert!(encrypted(&store).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listening_connection_is_encrypted_too() {
    use crate::store::remote::RemoteEvent;
    use crate::store::{AuditEvent, ChangeCommit};
    use hearth_shared::ids::DocumentId;
    use hearth_shared::model::{DocMeta, RecordKind, WorkflowState};
    use std::time::Duration;
    let Some((url, ca)) = tls_cluster().await else {
        return;
    };
    let url = with(&url, &format!("sslmode=verify-full&{}", root(&ca)));
    let listening = PgStore::connect(&url).await.unwrap();
    let other = PgStore::connect(&url).await.unwrap();
    let mut heard = listening.remote_events().expect("a shared store announces");
    let id = DocumentId::random();
    let commit = |n: u32| ChangeCommit {
        id,
        meta: DocMeta {
            kind: RecordKind::VisitNote,
            home_id: Some("home-test-1".into()),
            created_by: "user-test-1".into(),
            state: WorkflowState::Draft,
            title: "Visit note (test)".into(),
            consultation_id: None,
        },
        facts: None,
        chunk: n.to_be_bytes().to_vec(),
        at_ms: i64::from(n),
        claims: Vec::new(),
        audit: Some(AuditEvent {
            at_ms: 1_700_000_000_000,
            user_id: Some("user-test-1".into()),
            action: "change_accepted".into(),
            document_id: Some(id),
            subject: None,
            detail: String::new(),
        }),
    };
    // The listener connects in the background: announce until it hears one, so its
    // connection exists and has run LISTEN.
    let mut n = 0_u32;
    loop {
        other.commit_changes(commit(n)).await.unwrap();
        n += 1;
        if let Ok(Ok(event)) = tokio::time::timeout(Duration::from_millis(200), heard.recv()).await
        {
            assert_eq!(event, RemoteEvent::Document(id));
            break;
        }
        assert!(n < 50, "no announcement heard");
    }
    let listeners: Vec<bool> = client(listening.pool())
        .await
        .unwrap()
        .query(
            "SELECT s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) \
             WHERE a.datname = current_database() AND a.query LIKE 'LISTEN %'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(
        listeners,
        vec![true],
        "the LISTEN connection is not encrypted"
    );
}
