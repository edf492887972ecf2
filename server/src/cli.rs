//! The `hearth` command line: `serve` (the default) and the operator's commands, which work
//! directly on the data folder.

use crate::app;
use crate::auth::{password, token};
use crate::config::{DatabaseUrl, RetentionConfig, ServeConfig};
use crate::demo;
use crate::store::sqlite::{SqliteOptions, SqliteStore};
use crate::store::{NewUser, PgStore, Store};
use clap::{Parser, Subcommand};
use hearth_shared::calendar::Day;
use hearth_shared::permissions::Role;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Hearth: offline-first records for a council's corporate parenting work.
#[derive(Debug, Parser)]
#[command(name = "hearth", version)]
pub struct Cli {
    /// Folder for the database and the server's storage id [default: data, or data-demo for
    /// `demo`]. Unused with --database-url.
    #[arg(long, env = "HEARTH_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Keep everything in this PostgreSQL database instead of the data folder's SQLite file:
    /// a postgres:// URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE). Several servers may
    /// share one database. The URL is never printed or logged.
    #[arg(
        long,
        env = "HEARTH_DATABASE_URL",
        global = true,
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<DatabaseUrl>,
    /// What to do; `serve` when left out.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// A fixed "now" for the server's calendar (see [`ServeConfig::fixed_now_ms`]). Never a
    /// flag: only [`main_with_fixed_clock`], used by the end-to-end test server, sets it.
    #[arg(skip)]
    pub fixed_now_ms: Option<i64>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve(ServeConfig),
    /// Run the server on a separate folder of obviously synthetic demo data (homes, every
    /// role's account, records in every state, a consultation with answers), seeding it on
    /// first start, and print the demo accounts.
    Demo(ServeConfig),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage homes.
    #[command(subcommand)]
    Home(HomeCommand),
    /// Assign a member or manager to a home.
    Assign {
        /// The user's username.
        #[arg(long)]
        user: String,
        /// The home's name.
        #[arg(long)]
        home: String,
    },
    /// Write a consistent copy of the database to FILE while the server runs.
    Backup {
        /// Where to write the copy (must not exist).
        file: PathBuf,
    },
    /// Check the database's integrity.
    Check,
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Apply the retention policy (the server also does, daily).
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// Copy the data folder's SQLite database (records, users, homes, devices, the audit trail
    /// and the storage id) into an empty PostgreSQL database in one transaction, and print the
    /// rows counted on both sides. Stop the server first; afterwards run the servers with
    /// --database-url.
    Migrate {
        /// The PostgreSQL database to copy into: postgres://USER:PASSWORD@HOST:PORT/DATABASE.
        /// It must hold no Hearth data. [default: --database-url, HEARTH_DATABASE_URL]
        #[arg(long, value_name = "URL")]
        to: Option<DatabaseUrl>,
    },
}

/// `hearth retention ...`
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Erase every record whose retention period has ended (each with an audit row), or with
    /// --dry-run list them: id, kind and dates only, never content.
    Run {
        /// List what would be erased; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// The periods, as for `serve` (same flags and HEARTH_RETAIN_* variables).
        #[command(flatten)]
        policy: RetentionConfig,
    },
}

/// `hearth audit ...`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the audit's hash chain from the first row to the last. Prints the rows checked
    /// and the last row's hash (keep it elsewhere: a later run that does not reach it means
    /// rows were cut off the end); exits non-zero naming the first broken row.
    Verify,
}

/// `hearth user ...`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. Prints a generated password unless --password-stdin is given.
    Add {
        /// Sign-in name.
        #[arg(long)]
        username: String,
        /// Name shown in the app.
        #[arg(long)]
        display_name: String,
        /// member, manager, officer, participation-worker, young-person or admin.
        #[arg(long)]
        role: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users (no secrets).
    List,
    /// Disable a user: they cannot sign in and their sessions end.
    Disable {
        /// The username.
        username: String,
    },
}

/// `hearth home ...`
#[derive(Debug, Subcommand)]
pub enum HomeCommand {
    /// Add a home.
    Add {
        /// The home's name.
        name: String,
    },
    /// List homes.
    List,
}

/// Everything that can make a command fail, said plainly to the operator.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Network or file trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The operator asked for something that cannot be done.
    #[error("{0}")]
    Usage(String),
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let mut command = cli.command.unwrap_or_else(|| {
        Command::Serve(<ServeConfigParser as Parser>::parse_from(["hearth"]).config)
    });
    if let Command::Serve(config) | Command::Demo(config) = &mut command {
        config.fixed_now_ms = cli.fixed_now_ms;
    }
    let database_url = cli.database_url.filter(|url| !url.is_empty());
    if let Command::Demo(config) = command {
        if database_url.is_some() {
            return Err(CliError::Usage(
                "`hearth demo` keeps its synthetic records in its own SQLite folder, never in a \
                 database that may hold real ones: unset HEARTH_DATABASE_URL (or leave out \
                 --database-url) to run it"
                    .into(),
            ));
        }
        let data_dir = cli.data_dir.unwrap_or_else(|| PathBuf::from("data-demo"));
        return demo(&data_dir, config).await;
    }
    let data_dir = cli.data_dir.unwrap_or_else(|| PathBuf::from("data"));
    if let Command::Migrate { to } = &command {
        // The data folder is the source whatever --database-url says; that is the target.
        let to = to.clone().or(database_url).ok_or_else(|| {
            CliError::Usage("name the PostgreSQL database to copy into: --to postgres://…".into())
        })?;
        return migrate(&data_dir, &to).await;
    }
    let opened = open_store(&data_dir, database_url.as_ref()).await?;
    let store = Arc::clone(&opened.store);
    match command {
        Command::Demo(_) | Command::Migrate { .. } => unreachable!("handled above"),
        Command::Serve(config) => serve(opened, &data_dir, config).await,
        Command::User(cmd) => user(store, cmd).await,
        Command::Home(HomeCommand::Add { name }) => {
            let home = store.create_home(name.trim()).await?;
            operator_audit(&store, "home_created", &home.id, "").await?;
            println!("{}\t{}", home.id, home.name);
            Ok(())
        }
        Command::Home(HomeCommand::List) => {
            for home in store.list_homes().await? {
                println!("{}\t{}", home.id, home.name);
            }
            Ok(())
        }
        Command::Assign { user, home } => {
            let u = store
                .user_by_username(&user.to_lowercase())
                .await?
                .ok_or_else(|| CliError::Usage(format!("no user named {user}")))?;
            let h = store
                .list_homes()
                .await?
                .into_iter()
                .find(|h| h.name == home)
                .ok_or_else(|| CliError::Usage(format!("no home named {home}")))?;
            store.assign(&u.id, &h.id).await?;
            operator_audit(&store, "assigned", &u.id, &h.id).await?;
            println!("assigned");
            Ok(())
        }
        Command::Backup { file } => {
            store.backup(file.clone()).await?;
            println!("backup written to {}", file.display());
            Ok(())
        }
        Command::Retention(RetentionCommand::Run { dry_run, policy }) => {
            let now = cli.fixed_now_ms.unwrap_or_else(crate::auth::now_ms);
            retention(store.as_ref(), &policy.policy(), now, dry_run).await
        }
        Command::Audit(AuditCommand::Verify) => verify_audit(store.as_ref()).await,
        Command::Check => {
            let problems = store.check().await?;
            if problems.is_empty() {
                println!("ok");
                Ok(())
            } else {
                for p in &problems {
                    println!("{p}");
                }
                Err(CliError::Usage(format!(
                    "{} problem(s) found",
                    problems.len()
                )))
            }
        }
    }
}

/// `hearth retention run`: one line per record, `id<TAB>kind<TAB>finished <day><TAB>expired
/// <day>`, then a count. A server running on the same folder drops the copies it had loaded
/// within a minute (its retention job looks for erasures made by another process), and reads
/// the tombstone for any record it loads afterwards.
async fn retention(
    store: &dyn Store,
    policy: &crate::retention::policy::Policy,
    now_ms: i64,
    dry_run: bool,
) -> Result<(), CliError> {
    let listed = if dry_run {
        crate::retention::due(store, policy, now_ms).await?
    } else {
        crate::retention::run(store, None, policy, now_ms).await?
    };
    for expired in &listed {
        println!(
            "{}\t{}\tfinished {}\texpired {}",
            expired.id,
            expired.kind.as_str(),
            Day::from_unix_ms(expired.finished_at_ms),
            Day::from_unix_ms(expired.expired_at_ms),
        );
    }
    let verb = if dry_run { "would be erased" } else { "erased" };
    println!("{} record(s) {verb}", listed.len());
    Ok(())
}

/// An operator's change from the command line, audited as the app's admin actions are (the same
/// codes, subjects and details) but with no acting account (`user_id` empty, which no change
/// made in the app has): whoever runs the command holds the data folder, not a sign-in.
async fn operator_audit(
    store: &Arc<dyn Store>,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<(), CliError> {
    store
        .audit(crate::store::AuditEvent {
            at_ms: crate::auth::now_ms(),
            user_id: None,
            action: action.into(),
            document_id: None,
            subject: Some(subject.into()),
            detail: detail.into(),
        })
        .await?;
    Ok(())
}

/// `hearth audit verify`: `ok <rows> rows, head <hash>` on stdout, or the first broken row.
async fn verify_audit(store: &dyn Store) -> Result<(), CliError> {
    let chain = store.verify_audit().await?;
    match chain.broken {
        None => {
            println!("ok {} rows, head {}", chain.rows, hex::encode(chain.head));
            Ok(())
        }
        Some(broken) => {
            println!(
                "broken at audit row {}: {} ({} rows before it hold)",
                broken.id, broken.reason, chain.rows
            );
            Err(CliError::Usage(format!(
                "the audit chain is broken at row {}",
                broken.id
            )))
        }
    }
}

/// An open store, and the storage id it carries if it has one of its own.
struct OpenStore {
    store: Arc<dyn Store>,
    /// A PostgreSQL store's id, shared by every server on the database; `None` for SQLite,
    /// whose id is the data folder's `storage-id` file (read or made only by `serve`).
    storage_id: Option<String>,
}

/// Opens the PostgreSQL database `database_url` names (bringing its schema up to date), or
/// else the SQLite file in `data_dir` (created on first use).
async fn open_store(
    data_dir: &Path,
    database_url: Option<&DatabaseUrl>,
) -> Result<OpenStore, CliError> {
    let Some(url) = database_url else {
        let db = data_dir.join(DATABASE_FILE);
        return Ok(OpenStore {
            store: Arc::new(SqliteStore::open(&db, SqliteOptions::default())?),
            storage_id: None,
        });
    };
    // Neither message repeats the URL: it may hold a password.
    if !url.is_postgres() {
        return Err(CliError::Usage(
            "--database-url (HEARTH_DATABASE_URL) must be a postgres:// or postgresql:// URL"
                .into(),
        ));
    }
    let store = PgStore::connect(url.expose()).await.map_err(|e| {
        CliError::Usage(format!(
            "cannot use the PostgreSQL database of --database-url (HEARTH_DATABASE_URL): {e}"
        ))
    })?;
    let storage_id = store.storage_id()?;
    tracing::info!("records are kept in PostgreSQL (--database-url)");
    Ok(OpenStore {
        store: Arc::new(store),
        storage_id: Some(storage_id),
    })
}

/// `hearth migrate`: the data folder's SQLite database into an empty PostgreSQL database (see
/// [`crate::store::migrate`]), then per table the rows in both, the audit chain as each side
/// verifies it, and an operator audit row `store_migrated` in the new store.
async fn migrate(data_dir: &Path, to: &DatabaseUrl) -> Result<(), CliError> {
    use crate::store::migrate::{describe_chain, migrate};
    let db = data_dir.join(DATABASE_FILE);
    if !db.is_file() {
        return Err(CliError::Usage(format!(
            "{} holds no Hearth database to migrate",
            data_dir.display()
        )));
    }
    // Neither message repeats the URL: it may hold a password.
    if !to.is_postgres() {
        return Err(CliError::Usage(
            "--to must be a postgres:// or postgresql:// URL".into(),
        ));
    }
    // Brings an older file up to this build's schema (as starting the server would), so the
    // copy reads the tables PostgreSQL's schema mirrors.
    SqliteStore::open(&db, SqliteOptions::default())?
        .close()
        .await;
    let storage_id = app::storage_id(data_dir)?;
    let target = PgStore::connect(to.expose())
        .await
        .map_err(|e| CliError::Usage(format!("cannot use the PostgreSQL database of --to: {e}")))?;
    let done = migrate(&db, &storage_id, &target)
        .await
        .map_err(|e| CliError::Usage(e.to_string()))?;
    println!("{:<20} {:>10} {:>10}", "table", "sqlite", "postgresql");
    for t in &done.tables {
        println!("{:<20} {:>10} {:>10}", t.table, t.sqlite, t.postgres);
    }
    println!(
        "audit chain in SQLite:     {}",
        describe_chain(&done.sqlite_chain)
    );
    println!(
        "audit chain in PostgreSQL: {}",
        describe_chain(&done.postgres_chain)
    );
    if done.sqlite_chain.broken.is_some() {
        println!("(the SQLite audit was already broken there; the copy keeps it as it was)");
    }
    println!("storage id: {}", done.storage_id);
    let target: Arc<dyn Store> = Arc::new(target);
    operator_audit(&target, "store_migrated", &done.storage_id, "sqlite").await?;
    println!(
        "migrated: run the servers with --database-url (HEARTH_DATABASE_URL) naming this \
         database; they no longer read {}",
        db.display()
    );
    Ok(())
}

/// The database's file name inside the data folder.
const DATABASE_FILE: &str = "hearth.sqlite3";

/// `hearth demo`: seeds `data_dir` on first start (refusing a folder that holds anything but a
/// demo), prints the accounts, then serves.
async fn demo(data_dir: &Path, config: ServeConfig) -> Result<(), CliError> {
    let marker = data_dir.join(demo::MARKER);
    let seeded = marker.exists();
    if !seeded && data_dir.join(DATABASE_FILE).exists() {
        return Err(CliError::Usage(format!(
            "{} holds a Hearth database that is not a demo's; `hearth demo` only runs on an \
             empty folder or one it made (give --data-dir another folder, or delete this one to start the demo afresh)",
            data_dir.display()
        )));
    }
    let opened = open_store(data_dir, None).await?;
    let store = Arc::clone(&opened.store);
    if !seeded {
        let records = demo::seed(&store, crate::auth::now_ms())
            .await
            .map_err(|e| CliError::Usage(e.to_string()))?;
        std::fs::write(
            &marker,
            "This folder holds Hearth's synthetic demo data (`hearth demo`). No record in it is \
             about a real person.\n",
        )?;
        println!(
            "Demo data created in {}: {} homes, {} accounts, {records} records (all synthetic).",
            data_dir.display(),
            demo::HOMES.len(),
            demo::ACCOUNTS.len()
        );
    }
    println!("Demo accounts (password for all: {}):", demo::DEMO_PASSWORD);
    for account in demo::ACCOUNTS {
        println!(
            "  {:<16} {:<20} {}",
            account.username,
            account.role.as_str(),
            account.display_name
        );
    }
    println!("Demo data only: never put real records in this folder.");
    drop(store);
    serve(opened, data_dir, config).await
}

/// Lets `hearth` with no subcommand take the serve defaults (and HEARTH_* variables).
#[derive(Debug, Parser)]
struct ServeConfigParser {
    #[command(flatten)]
    config: ServeConfig,
}

async fn serve(
    opened: OpenStore,
    data_dir: &std::path::Path,
    config: ServeConfig,
) -> Result<(), CliError> {
    let OpenStore { store, storage_id } = opened;
    let first_admin = match app::ensure_admin(&store).await {
        // Another server sharing the PostgreSQL database created `admin` between our count
        // and our insert: it printed the password, and this server has nothing to say.
        Err(crate::store::StoreError::Conflict(_)) => None,
        other => other?,
    };
    if let Some(password) = first_admin {
        println!("First start: created the administrator account 'admin'.");
        println!("One-time password: {password}");
        println!("Sign in and change it (POST /api/me/password); it is not shown again.");
    }
    let storage_id = match storage_id {
        Some(id) => id,
        None => app::storage_id(data_dir)?,
    };
    let scheme = if config.tls() { "https" } else { "http" };
    let running = app::start(store, storage_id, config).await?;
    // Tests and scripts read this line to find the port.
    println!("Hearth listening on {scheme}://{}", running.addr);
    wait_for_shutdown().await;
    running.stop().await;
    Ok(())
}

async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing a SIGTERM handler works on unix");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

async fn user(store: Arc<dyn Store>, cmd: UserCommand) -> Result<(), CliError> {
    match cmd {
        UserCommand::Add {
            username,
            display_name,
            role,
            password_stdin,
        } => {
            let role = Role::parse(&role)
                .ok_or_else(|| CliError::Usage(format!("unknown role {role}")))?;
            let pw = if password_stdin {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                s.trim_end_matches(['\n', '\r']).to_string()
            } else {
                token::generate_password()
            };
            if pw.chars().count() < 12 {
                return Err(CliError::Usage(
                    "passwords need at least 12 characters".into(),
                ));
            }
            let user = store
                .create_user(NewUser {
                    username: username.to_lowercase(),
                    display_name,
                    role,
                    password_hash: password::hash(pw.clone()).await,
                    must_change_password: !password_stdin,
                })
                .await?;
            operator_audit(&store, "user_created", &user.id, role.as_str()).await?;
            println!("created {} ({})", user.username, user.id);
            if !password_stdin {
                println!("password: {pw}");
            }
            Ok(())
        }
        UserCommand::List => {
            for u in store.list_users().await? {
                println!(
                    "{}\t{}\t{}{}",
                    u.id,
                    u.username,
                    u.role.as_str(),
                    if u.disabled { "\tdisabled" } else { "" }
                );
            }
            Ok(())
        }
        UserCommand::Disable { username } => {
            let u = store
                .user_by_username(&username.to_lowercase())
                .await?
                .ok_or_else(|| CliError::Usage(format!("no user named {username}")))?;
            store.set_user_disabled(&u.id, true).await?;
            operator_audit(&store, "user_disabled", &u.id, "").await?;
            println!("disabled");
            Ok(())
        }
    }
}

/// The whole program: logging to stderr (level from `RUST_LOG`, default info), then the command.
/// stdout carries only what the operator asked for.
pub fn main() -> std::process::ExitCode {
    main_with_fixed_clock(None)
}

/// [`main`] with the server's calendar stopped at `fixed_now_ms` (Unix milliseconds) when
/// given: for the end-to-end test server only, so date rules (overdue visits) are testable.
pub fn main_with_fixed_clock(fixed_now_ms: Option<i64>) -> std::process::ExitCode {
    use tracing_subscriber::EnvFilter;
    return_large_blocks_to_the_os();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut cli = Cli::parse();
    cli.fixed_now_ms = fixed_now_ms;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime can be built");
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hearth: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Makes glibc serve every allocation of 1 MiB or more with its own mapping, returned to the
/// OS when freed. Without this glibc raises its threshold after the first large free, so each
/// thread's arena keeps argon2's 19 MiB working memory for good (the bench saw ~220 MiB after a
/// handful of sign-ins; with it, the server stays at a few tens of MiB).
fn return_large_blocks_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called once, before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
