//! Server configuration: flags and `HEARTH_*` environment variables, with safe defaults.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::retention::policy::{Period, Policy};

/// How the `serve` command runs. Every field has a flag and an environment variable.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeConfig {
    /// Address to listen on. Port 0 picks a free port (the chosen one is printed).
    #[arg(long, env = "HEARTH_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Folder holding the built client (index.html, wasm, js); not served when absent.
    #[arg(long, env = "HEARTH_CLIENT_DIR")]
    pub client_dir: Option<PathBuf>,
    /// TLS certificate chain (PEM). With --tls-key, serves HTTPS and marks cookies Secure.
    #[arg(long, env = "HEARTH_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, env = "HEARTH_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Largest sync message accepted, in bytes; larger ones get a `too_large` error.
    #[arg(long, env = "HEARTH_MAX_MESSAGE_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_message_bytes: usize,
    /// Most documents one sync connection may have open at once.
    #[arg(long, env = "HEARTH_MAX_DOCS_PER_CONNECTION", default_value_t = 5000)]
    pub max_docs_per_connection: usize,
    /// A sync connection that sends nothing for this many seconds is closed.
    #[arg(long, env = "HEARTH_IDLE_TIMEOUT_SECS", default_value_t = 300)]
    pub idle_timeout_secs: u64,
    /// Failed sign-ins allowed per client address in the window before it is refused.
    #[arg(long, env = "HEARTH_LOGIN_ATTEMPTS_PER_IP", default_value_t = 30)]
    pub login_attempts_per_ip: u32,
    /// Failed sign-ins allowed per account in the window before it is refused.
    #[arg(long, env = "HEARTH_LOGIN_ATTEMPTS_PER_ACCOUNT", default_value_t = 8)]
    pub login_attempts_per_account: u32,
    /// The window for counting failed sign-ins, in seconds.
    #[arg(long, env = "HEARTH_LOGIN_WINDOW_SECS", default_value_t = 900)]
    pub login_window_secs: u64,
    /// How long a session lasts, in hours.
    #[arg(long, env = "HEARTH_SESSION_HOURS", default_value_t = 24 * 14)]
    pub session_hours: u64,
    /// Most documents kept loaded in memory; others reload from the database on demand.
    #[arg(long, env = "HEARTH_DOCUMENT_CACHE", default_value_t = 1000)]
    pub document_cache: usize,
    /// How long a tablet set-up code works, in seconds.
    #[arg(long, env = "HEARTH_KIOSK_SETUP_SECS", default_value_t = 600)]
    pub kiosk_setup_secs: u64,
    /// Incremental chunks a document gathers before it is compacted into one snapshot.
    #[arg(long, env = "HEARTH_COMPACT_AFTER_CHUNKS", default_value_t = 64)]
    pub compact_after_chunks: usize,
    /// Consultation results from fewer responses than this (a round, a home, an answer) are
    /// shown as "fewer than N" everywhere: screens, reports, exports. At least 1.
    #[arg(
        long,
        env = "HEARTH_SUPPRESS_BELOW",
        default_value_t = hearth_shared::reporting::DEFAULT_SUPPRESS_BELOW,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub suppress_below: u32,
    /// A fixed "now" (Unix milliseconds) for the calendar-dependent parts (overview, report
    /// distribution dates). Never a flag: only the end-to-end test server sets it, so overdue
    /// visits can be tested on chosen dates. `None` is the system clock.
    #[arg(skip)]
    pub fixed_now_ms: Option<i64>,
    /// How long records are kept (the daily retention job).
    #[command(flatten)]
    pub retention: RetentionConfig,
}

/// How long each kind of record is kept once finished: `keep` (never deleted by the retention
/// job) or a number of calendar months. See `retention::policy` for when each kind's period
/// starts. The defaults delete only young people's consultation responses, a year after their
/// consultation closed; the council decides the rest with its records manager (Regulation 33
/// records and visit notes are evidence an inspector may ask for).
#[derive(Debug, Clone, clap::Args)]
pub struct RetentionConfig {
    /// Visit notes, months after they were handed in, or `keep`.
    #[arg(long, env = "HEARTH_RETAIN_VISIT_NOTES", default_value = "keep")]
    pub retain_visit_notes: Period,
    /// Regulation 33 inspection records, months after sign-off, or `keep`.
    #[arg(long, env = "HEARTH_RETAIN_INSPECTIONS", default_value = "keep")]
    pub retain_inspections: Period,
    /// Consultation forms, months after they closed, or `keep`.
    #[arg(long, env = "HEARTH_RETAIN_CONSULTATIONS", default_value = "keep")]
    pub retain_consultations: Period,
    /// Young people's consultation responses, months after their consultation closed, or
    /// `keep`.
    #[arg(
        long,
        env = "HEARTH_RETAIN_CONSULTATION_RESPONSES",
        default_value = "12"
    )]
    pub retain_consultation_responses: Period,
}

impl RetentionConfig {
    /// The policy the retention job applies.
    pub fn policy(&self) -> Policy {
        Policy {
            visit_notes: self.retain_visit_notes,
            inspections: self.retain_inspections,
            consultations: self.retain_consultations,
            consultation_responses: self.retain_consultation_responses,
        }
    }
}

impl ServeConfig {
    /// The idle timeout as a duration.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs)
    }

    /// The session lifetime as a duration.
    pub fn session_lifetime(&self) -> Duration {
        Duration::from_secs(self.session_hours * 3600)
    }

    /// The clock handlers use for dates: the system's, unless a test fixed it.
    pub fn clock(&self) -> std::sync::Arc<dyn crate::clock::Clock> {
        match self.fixed_now_ms {
            Some(ms) => std::sync::Arc::new(crate::clock::FixedClock(ms)),
            None => std::sync::Arc::new(crate::clock::SystemClock),
        }
    }

    /// Whether HTTPS is configured.
    pub fn tls(&self) -> bool {
        self.tls_cert.is_some()
    }
}

/// A PostgreSQL connection URL (`--database-url`, `HEARTH_DATABASE_URL`), e.g.
/// `postgres://hearth:PASSWORD@db.internal:5432/hearth`. It may hold a password, so it never
/// prints: `{:?}` and `{}` show `postgres://…` only, and nothing logs the string itself.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The URL itself, to connect with. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for DatabaseUrl {
    // Never fails: clap would echo a refused value, password and all. `open_store` checks
    // the scheme and says what it expected without repeating what it got.
    type Err = std::convert::Infallible;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        Ok(DatabaseUrl(url.trim().to_owned()))
    }
}

impl DatabaseUrl {
    /// Whether it is a `postgres://` or `postgresql://` URL (the only kind Hearth connects to).
    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://") || self.0.starts_with("postgresql://")
    }

    /// Empty (`HEARTH_DATABASE_URL=`): treated as not given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseUrl(postgres://…)")
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("postgres://…")
    }
}

#[cfg(test)]
mod tests {
    use super::DatabaseUrl;

    #[test]
    fn a_database_url_never_shows_its_password() {
        let url: DatabaseUrl = "postgres://hearth:s3cret-pw@db.internal:5432/hearth"
            .parse()
            .expect("a postgres URL parses");
        assert_eq!(
            url.expose(),
            "postgres://hearth:s3cret-pw@db.internal:5432/hearth"
        );
        for shown in [format!("{url}"), format!("{url:?}")] {
            assert!(!shown.contains("s3cret-pw"), "{shown}");
        }
        assert!(url.is_postgres());
        let other: DatabaseUrl = "mysql://root:s3cret-pw@h/db".parse().unwrap();
        assert!(!other.is_postgres());
        assert!(!format!("{other:?}").contains("s3cret-pw"));
    }
}
