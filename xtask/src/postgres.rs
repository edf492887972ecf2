//! A throwaway PostgreSQL cluster for `cargo xtask test`: the PostgreSQL store's tests (and the
//! end-to-end tests that select it) connect to it through `HEARTH_TEST_DATABASE_URL`.
//!
//! The cluster lives in a fresh temporary folder, listens on 127.0.0.1 only (a free port, no
//! Unix socket outside that folder), trusts every local connection (it holds nothing but test
//! data and lives minutes) and keeps `fsync` and `synchronous_commit` on, so the store's
//! durability is tested as it runs in production. It also serves TLS, with a certificate for
//! 127.0.0.1 and localhost from a CA made at start-up (`HEARTH_TEST_DATABASE_CA` names its PEM
//! file), so the store's `sslmode` handling is tested against a real server; plain connections
//! stay allowed. Dropping [`TestCluster`] stops the server and deletes the folder, also when the
//! tests failed.

use std::net::TcpListener;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;

/// The variable the tests read: an administrator's URL to the throwaway cluster.
pub const URL_VARIABLE: &str = "HEARTH_TEST_DATABASE_URL";

/// The variable naming the PEM file of the CA that signed the cluster's TLS certificate.
pub const CA_VARIABLE: &str = "HEARTH_TEST_DATABASE_CA";

/// The system user Debian's `postgresql` package creates. PostgreSQL refuses to run as root,
/// so a root run (CI's) runs the cluster as this user.
const SYSTEM_USER: &str = "postgres";

/// Where Debian's `postgresql` package puts its programs (not on PATH).
const DEBIAN_BIN_DIRS: &str = "/usr/lib/postgresql";

/// A running test cluster; dropping it stops it and deletes its folder.
#[derive(Debug)]
pub struct TestCluster {
    /// `postgres://postgres@127.0.0.1:<port>/postgres`: the superuser on the maintenance
    /// database, from which each test creates its own database.
    pub url: String,
    /// How long `initdb` and the start took.
    pub startup: Duration,
    /// The server's version line (`pg_ctl (PostgreSQL) 15.x`).
    pub version: String,
    /// The PEM file of the CA that signed the cluster's certificate (for `sslrootcert`).
    pub ca: PathBuf,
    bin: PathBuf,
    folder: PathBuf,
    run_as: Option<&'static str>,
}

/// Why no cluster could be started when PostgreSQL itself is missing (as opposed to one that
/// failed to start, which is always an error).
#[derive(Debug)]
pub struct NotInstalled(pub String);

impl std::fmt::Display for NotInstalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotInstalled {}

impl TestCluster {
    /// Finds `initdb` and `pg_ctl`, creates a cluster in a temporary folder and starts it on a
    /// free loopback port. A [`NotInstalled`] error when PostgreSQL's programs are not there.
    pub fn start() -> anyhow::Result<TestCluster> {
        let bin = find_bin_dir().ok_or_else(|| {
            NotInstalled(format!(
                "PostgreSQL's initdb and pg_ctl were found neither on PATH nor in \
                 {DEBIAN_BIN_DIRS}/*/bin: install PostgreSQL (Debian: `apt-get install \
                 postgresql`) to run the PostgreSQL store's tests"
            ))
        })?;
        let run_as = if running_as_root() {
            anyhow::ensure!(
                Command::new("id")
                    .args(["-u", SYSTEM_USER])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success()),
                "running as root, and PostgreSQL refuses to: there is no `{SYSTEM_USER}` user \
                 to run the test cluster as (Debian's postgresql package creates it)"
            );
            Some(SYSTEM_USER)
        } else {
            None
        };
        let started = Instant::now();
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_nanos();
        let folder =
            std::env::temp_dir().join(format!("hearth-test-pg-{}-{nonce:08x}", std::process::id()));
        // `create_dir`, not `create_dir_all`: a folder already there is not ours to delete.
        std::fs::create_dir(&folder).with_context(|| format!("creating {}", folder.display()))?;
        let mut cluster = TestCluster {
            url: String::new(),
            startup: Duration::ZERO,
            version: String::new(),
            ca: PathBuf::new(),
            bin,
            folder,
            run_as,
        };
        // From here on, dropping `cluster` removes the folder (and stops a started server).
        if let Some(user) = run_as {
            cluster.run(
                Command::new("chown")
                    .arg(format!("{user}:"))
                    .arg(&cluster.folder),
                "chown",
            )?;
        }
        cluster.version = cluster.version_line()?;
        cluster.run(
            cluster
                .as_user(&cluster.bin.join("initdb"))
                .arg("--pgdata")
                .arg(cluster.data())
                .args([
                    "--username=postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    // Only initdb's own final flush of the new files: the server runs with
                    // fsync on. A crash mid-run loses a throwaway cluster and nothing else.
                    "--no-sync",
                ]),
            "initdb",
        )?;
        cluster.ca = cluster.write_certificates()?;
        let mut last_error = None;
        // The free port is found by binding and releasing it; another process may take it in
        // between, so a failed start is retried on another port.
        for _ in 0..3 {
            let port = free_port()?;
            match cluster.start_server(port) {
                Ok(()) => {
                    cluster.url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
                    cluster.startup = started.elapsed();
                    return Ok(cluster);
                }
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.expect("the loop ran at least once"))
    }

    fn data(&self) -> PathBuf {
        self.folder.join("data")
    }

    fn log(&self) -> PathBuf {
        self.folder.join("server.log")
    }

    fn server_cert(&self) -> PathBuf {
        self.folder.join("server.crt")
    }

    fn server_key(&self) -> PathBuf {
        self.folder.join("server.key")
    }

    /// Makes a CA and, signed by it, the server's certificate for 127.0.0.1 and localhost (both
    /// valid for decades: the cluster lives minutes), and writes them into the folder: the
    /// key readable by the server's user only, as PostgreSQL insists. Returns the CA's file.
    fn write_certificates(&self) -> anyhow::Result<PathBuf> {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
        };
        let ca_key = KeyPair::generate().context("generating the test CA's key")?;
        let mut ca = CertificateParams::new(Vec::new())?;
        ca.distinguished_name
            .push(DnType::CommonName, "Hearth test PostgreSQL CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca, ca_key);
        let server_key = KeyPair::generate().context("generating the test server's key")?;
        let mut server = CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()])?;
        server
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let server_cert = server.signed_by(&server_key, &issuer)?;
        let ca_file = self.folder.join("ca.pem");
        std::fs::write(&ca_file, ca_cert.pem()).context("writing the test CA")?;
        std::fs::write(self.server_cert(), server_cert.pem())
            .context("writing the test server's certificate")?;
        std::fs::write(self.server_key(), server_key.serialize_pem())
            .context("writing the test server's key")?;
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(self.server_key(), std::fs::Permissions::from_mode(0o600))?;
        if let Some(user) = self.run_as {
            self.run(
                Command::new("chown")
                    .arg(format!("{user}:"))
                    .arg(&ca_file)
                    .arg(self.server_cert())
                    .arg(self.server_key()),
                "chown",
            )?;
        }
        Ok(ca_file)
    }

    fn start_server(&self, port: u16) -> anyhow::Result<()> {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='{}' \
             -c fsync=on -c synchronous_commit=on -c full_page_writes=on \
             -c max_connections=400 -c shared_buffers=64MB \
             -c ssl=on -c ssl_cert_file='{}' -c ssl_key_file='{}'",
            self.folder.display(),
            self.server_cert().display(),
            self.server_key().display()
        );
        let started = self.run(
            self.as_user(&self.bin.join("pg_ctl"))
                .arg("start")
                .arg("--pgdata")
                .arg(self.data())
                .arg("--log")
                .arg(self.log())
                .args(["--wait", "--timeout=60", "--silent"])
                .arg("-o")
                .arg(options),
            "pg_ctl start",
        );
        if started.is_err() {
            let log = std::fs::read_to_string(self.log()).unwrap_or_default();
            eprintln!("xtask: PostgreSQL's log:\n{log}");
        }
        started
    }

    /// `pg_ctl --version`, which also proves the programs run.
    fn version_line(&self) -> anyhow::Result<String> {
        let output = Command::new(self.bin.join("pg_ctl"))
            .arg("--version")
            .output()
            .context("running pg_ctl --version")?;
        anyhow::ensure!(output.status.success(), "pg_ctl --version failed");
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    }

    /// `program` run as the cluster's owner, from its folder (the caller's working folder may
    /// not be readable by that user).
    fn as_user(&self, program: &Path) -> Command {
        let mut command = match self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(program);
                command
            }
            None => Command::new(program),
        };
        command.current_dir(&self.folder);
        command
    }

    /// Runs `command` quietly, showing its output only if it fails.
    fn run(&self, command: &mut Command, what: &str) -> anyhow::Result<()> {
        let output = command
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("could not start {what}"))?;
        anyhow::ensure!(
            output.status.success(),
            "{what} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(())
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        if self.data().join("postmaster.pid").exists() {
            // Immediate: the data is thrown away next, nothing needs a clean checkpoint.
            let stopped = self.run(
                self.as_user(&self.bin.join("pg_ctl"))
                    .arg("stop")
                    .arg("--pgdata")
                    .arg(self.data())
                    .args(["--mode=immediate", "--wait", "--silent"]),
                "pg_ctl stop",
            );
            if let Err(error) = stopped {
                eprintln!("xtask: could not stop the test PostgreSQL: {error:#}");
            }
        }
        if let Err(error) = std::fs::remove_dir_all(&self.folder) {
            eprintln!(
                "xtask: could not remove the test PostgreSQL's folder {}: {error}",
                self.folder.display()
            );
        }
    }
}

/// The directory holding both `initdb` and `pg_ctl`: the first on PATH that has them, else the
/// newest `/usr/lib/postgresql/<version>/bin`.
fn find_bin_dir() -> Option<PathBuf> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(path) = std::env::var_os("PATH")
        && let Some(dir) = std::env::split_paths(&path).find(|dir| has_both(dir))
    {
        return Some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(DEBIAN_BIN_DIRS)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| has_both(bin))
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// Whether this process runs as root (the owner of `/proc/self` is the process's user).
fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// A loopback port nothing listens on right now.
fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// What `cargo xtask test` does without PostgreSQL: a CI run must test both stores, so it fails;
/// a developer's run warns and goes on with the SQLite tests (the PostgreSQL ones skip).
pub fn missing_is_fatal(ci: Option<&str>) -> bool {
    matches!(ci, Some("true" | "1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the server on `port` agrees to TLS: PostgreSQL's SSLRequest (length 8, code
    /// 80877103) answered with `S` rather than `N`.
    fn offers_tls(port: u16) -> bool {
        use std::io::{Read as _, Write as _};
        let mut socket = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let mut request = 8u32.to_be_bytes().to_vec();
        request.extend(80_877_103u32.to_be_bytes());
        socket.write_all(&request).expect("send the SSLRequest");
        let mut answer = [0u8; 1];
        socket.read_exact(&mut answer).expect("read the answer");
        answer[0] == b'S'
    }

    #[test]
    fn a_ci_run_without_postgresql_fails_and_a_local_one_goes_on() {
        assert!(missing_is_fatal(Some("true")));
        assert!(missing_is_fatal(Some("1")));
        assert!(!missing_is_fatal(Some("false")));
        assert!(!missing_is_fatal(None));
    }

    /// Starts and drops a real cluster when PostgreSQL is installed: it answers on its port,
    /// and afterwards the port is closed and the folder gone.
    #[test]
    fn a_cluster_starts_on_loopback_and_leaves_nothing_behind() {
        let cluster = match TestCluster::start() {
            Ok(cluster) => cluster,
            Err(error) if error.downcast_ref::<NotInstalled>().is_some() => {
                eprintln!("skipped: {error}");
                return;
            }
            Err(error) => panic!("the test cluster starts: {error:#}"),
        };
        let port: u16 = cluster
            .url
            .rsplit_once(':')
            .and_then(|(_, rest)| rest.split('/').next())
            .and_then(|port| port.parse().ok())
            .expect("the URL names a port");
        eprintln!(
            "{} started in {} ms",
            cluster.version,
            cluster.startup.as_millis()
        );
        assert!(cluster.url.starts_with("postgres://postgres@127.0.0.1:"));
        std::net::TcpStream::connect(("127.0.0.1", port)).expect("the cluster listens");
        assert!(offers_tls(port), "the cluster answers an SSLRequest with S");
        let ca = std::fs::read_to_string(&cluster.ca).expect("the CA's file is there");
        assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"), "{ca}");
        let folder = cluster.folder.clone();
        drop(cluster);
        assert!(!folder.exists(), "the cluster's folder is removed");
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
            "the cluster is stopped"
        );
    }
}
