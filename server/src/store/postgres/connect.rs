//! How the PostgreSQL store connects: libpq's TLS settings read from the connection URL, and
//! the one rustls connector every connection uses (the pool's, the listener's, `hearth
//! migrate`'s and the test helpers').
//!
//! tokio-postgres itself knows `sslmode=disable|prefer|require` only, verifies nothing, and
//! refuses `verify-ca`, `verify-full` and `sslrootcert` as unknown. So those are taken out of
//! the URL here ([`split`]), turned into a [`Check`] ([`policy`]), and the check is done by the
//! rustls client configuration the connector carries ([`connector`]):
//!
//! | `sslmode`           | encrypted                    | certificate checked                      |
//! |---------------------|------------------------------|------------------------------------------|
//! | `disable`           | never                        | —                                        |
//! | `prefer` (default)  | when the server offers TLS   | no                                       |
//! | `require`           | always                       | no; with `sslrootcert`, as `verify-ca`   |
//! | `verify-ca`         | always                       | chain to `sslrootcert` (needed)          |
//! | `verify-full`       | always                       | chain to `sslrootcert`, else the system's roots, and the host name |
//!
//! As libpq does, `sslrootcert=system` names the system's roots, and only with `verify-full`:
//! any server with a certificate from a public CA would pass a chain-only check against them.
//! A setting that would not do what it seems to (`sslrootcert` with `prefer` or `disable`) is
//! refused rather than ignored. Nothing here ever repeats the URL: it may hold a password.

use std::path::PathBuf;
use std::sync::Arc;

use tokio_postgres::config::Host;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{Client, Config, Connection, Socket};
use tokio_postgres_rustls::MakeRustlsConnect;
use tokio_rustls::rustls;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::crypto::CryptoProvider;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::store::StoreError;

/// libpq's `sslmode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plain TCP only.
    Disable,
    /// TLS when the server offers it, plain otherwise; the certificate is not checked.
    Prefer,
    /// TLS or no connection; the certificate is not checked (unless `sslrootcert` is given).
    Require,
    /// TLS, and the server's certificate chains to `sslrootcert`.
    VerifyCa,
    /// TLS, the certificate chains to a trusted root and names the host connected to.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode, StoreError> {
        match value {
            "disable" => Ok(SslMode::Disable),
            "prefer" => Ok(SslMode::Prefer),
            "require" => Ok(SslMode::Require),
            "verify-ca" => Ok(SslMode::VerifyCa),
            "verify-full" => Ok(SslMode::VerifyFull),
            // The value is not the password, but it is not repeated either: a mistyped URL may
            // have shifted a secret into it.
            _ => Err(setup(
                "sslmode must be one of disable, prefer, require, verify-ca, verify-full",
            )),
        }
    }
}

/// Where the trusted root certificates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCert {
    /// A PEM file of one or more CA certificates (`sslrootcert=/path/ca.pem`).
    File(PathBuf),
    /// The operating system's store (`sslrootcert=system`, or `verify-full` without one).
    System,
}

/// What the connector checks of the server's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// Nothing (TLS against a passive listener only): `prefer`, and `require` without roots.
    Nothing,
    /// That it chains to these roots, whatever name it carries: `verify-ca`.
    Chain(RootCert),
    /// That it chains to these roots and names the host: `verify-full`.
    ChainAndName(RootCert),
}

/// The TLS settings taken out of a connection string, and the rest of it for tokio-postgres.
/// (No `Debug`: `rest` may hold a password.)
pub struct Split {
    /// The connection string without `sslmode` and `sslrootcert`.
    pub rest: String,
    /// The last `sslmode` given, if any.
    pub mode: Option<SslMode>,
    /// The last `sslrootcert` given, if any.
    pub root_cert: Option<RootCert>,
}

/// What a store needs to open connections: tokio-postgres's settings (with the `sslmode` it
/// should negotiate) and the TLS connector that does the checking.
#[derive(Clone)]
pub struct ConnectSettings {
    /// Everything tokio-postgres understands from the URL, `sslmode` set from [`policy`].
    pub config: Config,
    /// The rustls connector every connection of this store uses.
    pub tls: MakeRustlsConnect,
    /// What `tls` checks, for the log and the tests.
    pub check: Check,
}

/// The stream of a connection made with [`ConnectSettings::tls`].
pub type TlsStream = <MakeRustlsConnect as MakeTlsConnect<Socket>>::Stream;

impl ConnectSettings {
    /// Reads `url` (a `postgres://` URL or libpq's key=value form) with libpq's `sslmode` and
    /// `sslrootcert`, and builds the connector (reading the root certificates now, so a missing
    /// file is reported at start-up rather than at the first connection).
    pub fn from_url(url: &str) -> Result<ConnectSettings, StoreError> {
        let split = split(url)?;
        let mut config: Config = split.rest.parse()?;
        let (mode, check) = policy(split.mode, split.root_cert)?;
        config.ssl_mode(mode);
        if config.get_hosts().is_empty() {
            // libpq checks the certificate against `hostaddr` when no `host` names the server;
            // tokio-postgres would refuse TLS without a host name, so the address stands in.
            for addr in config.get_hostaddrs().to_vec() {
                config.host(addr.to_string());
            }
        } else if config
            .get_hosts()
            .iter()
            .all(|host| !matches!(host, Host::Tcp(_)))
            && config.get_hostaddrs().is_empty()
        {
            // As libpq: a Unix socket is local, TLS does not apply to it (and PostgreSQL does not
            // offer it there, which would fail `require`).
            config.ssl_mode(tokio_postgres::config::SslMode::Disable);
        }
        let tls = connector(&check)?;
        Ok(ConnectSettings { config, tls, check })
    }

    /// One connection outside the pool (the listener, the test helpers). The caller spawns
    /// the returned connection, which does the socket's work.
    pub async fn connect(
        &self,
    ) -> Result<(Client, Connection<Socket, TlsStream>), tokio_postgres::Error> {
        self.config.connect(self.tls.clone()).await
    }
}

/// One connection to `url` with the store's TLS handling, for helpers outside the store (the
/// test-database set-up): the caller spawns the returned connection.
pub async fn connect_once(
    url: &str,
) -> Result<(Client, Connection<Socket, TlsStream>), StoreError> {
    Ok(ConnectSettings::from_url(url)?.connect().await?)
}

/// Takes `sslmode` and `sslrootcert` out of `url` (a URL's query parameters, percent-decoded,
/// or key=value pairs, quoted as libpq quotes them). The last of each wins, as in libpq.
pub fn split(url: &str) -> Result<Split, StoreError> {
    let pairs = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        None
    } else {
        Some(keyword_pairs(url)?)
    };
    let mut mode = None;
    let mut root_cert = None;
    let mut take = |key: &str, value: &str| -> Result<bool, StoreError> {
        match key {
            "sslmode" => mode = Some(SslMode::parse(value)?),
            "sslrootcert" if value == "system" => root_cert = Some(RootCert::System),
            "sslrootcert" if value.is_empty() => root_cert = None,
            "sslrootcert" => root_cert = Some(RootCert::File(PathBuf::from(value))),
            _ => return Ok(false),
        }
        Ok(true)
    };
    let rest = match pairs {
        Some(pairs) => {
            let mut kept = Vec::new();
            for (key, value) in pairs {
                if !take(&key, &value)? {
                    kept.push(format!("{key}='{}'", quote(&value)));
                }
            }
            kept.join(" ")
        }
        None => match url.split_once('?') {
            None => url.to_owned(),
            Some((base, query)) => {
                let mut kept = Vec::new();
                for parameter in query.split('&') {
                    let taken = match parameter.split_once('=') {
                        Some((key, value)) => take(&percent_decode(key), &percent_decode(value))?,
                        // tokio-postgres says what is wrong with it.
                        None => false,
                    };
                    if !taken {
                        kept.push(parameter);
                    }
                }
                if kept.is_empty() {
                    base.to_owned()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
        },
    };
    Ok(Split {
        rest,
        mode,
        root_cert,
    })
}

/// The `sslmode` tokio-postgres negotiates and what the connector checks, for the URL's
/// `sslmode` and `sslrootcert`; or why that combination is refused.
///
/// Without `sslmode`, `prefer` (libpq's default and tokio-postgres's): a server that offers TLS
/// gets it, one that does not is still reached in the clear, as before TLS was supported.
pub fn policy(
    mode: Option<SslMode>,
    root_cert: Option<RootCert>,
) -> Result<(tokio_postgres::config::SslMode, Check), StoreError> {
    use tokio_postgres::config::SslMode as Negotiate;
    match (mode.unwrap_or(SslMode::Prefer), root_cert) {
        (SslMode::Disable, None) => Ok((Negotiate::Disable, Check::Nothing)),
        (SslMode::Prefer, None) => Ok((Negotiate::Prefer, Check::Nothing)),
        (SslMode::Disable | SslMode::Prefer, Some(_)) => Err(setup(
            "sslrootcert is only used with sslmode=require, verify-ca or verify-full: add \
             sslmode=verify-full to check the database server's certificate",
        )),
        (SslMode::Require, None) => Ok((Negotiate::Require, Check::Nothing)),
        // libpq's rule, kept for URLs written for it: a root certificate makes `require` check
        // the chain.
        (SslMode::Require | SslMode::VerifyCa, Some(RootCert::File(file))) => {
            Ok((Negotiate::Require, Check::Chain(RootCert::File(file))))
        }
        (SslMode::Require | SslMode::VerifyCa, Some(RootCert::System))
        | (SslMode::VerifyCa, None) => Err(setup(
            "sslmode=verify-ca needs sslrootcert=/path/to/ca.pem, the CA that signed the \
                 database server's certificate (against the system's public roots, a check \
                 without the host name would accept any server with a public certificate; use \
                 sslmode=verify-full for that)",
        )),
        (SslMode::VerifyFull, root_cert) => Ok((
            Negotiate::Require,
            Check::ChainAndName(root_cert.unwrap_or(RootCert::System)),
        )),
    }
}

/// The rustls connector that does `check` (ring, TLS 1.2 and 1.3, as the server's HTTPS).
pub fn connector(check: &Check) -> Result<MakeRustlsConnect, StoreError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| setup(&format!("TLS to PostgreSQL: {e}")))?;
    let config = match check {
        Check::Nothing => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unchecked(provider)))
            .with_no_client_auth(),
        Check::Chain(roots) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(ChainOnly {
                roots: Arc::new(root_store(roots)?),
                provider,
            }))
            .with_no_client_auth(),
        Check::ChainAndName(roots) => builder
            .with_root_certificates(root_store(roots)?)
            .with_no_client_auth(),
    };
    Ok(MakeRustlsConnect::new(config))
}

/// The trusted roots `roots` names, read now.
fn root_store(roots: &RootCert) -> Result<RootCertStore, StoreError> {
    let mut store = RootCertStore::empty();
    match roots {
        RootCert::File(path) => {
            let cannot =
                |e: &dyn std::fmt::Display| setup(&format!("sslrootcert {}: {e}", path.display()));
            for cert in CertificateDer::pem_file_iter(path).map_err(|e| cannot(&e))? {
                store
                    .add(cert.map_err(|e| cannot(&e))?)
                    .map_err(|e| cannot(&e))?;
            }
            if store.is_empty() {
                return Err(cannot(&"no PEM certificate in the file"));
            }
        }
        RootCert::System => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                let why = found
                    .errors
                    .first()
                    .map_or_else(|| "none found".to_owned(), ToString::to_string);
                return Err(setup(&format!(
                    "sslmode=verify-full without sslrootcert uses the system's root \
                     certificates, and none could be read ({why}): give \
                     sslrootcert=/path/to/ca.pem"
                )));
            }
        }
    }
    Ok(store)
}

/// A connection setting that cannot work, said without the URL.
fn setup(message: &str) -> StoreError {
    StoreError::Unavailable(format!("PostgreSQL connection settings: {message}"))
}

/// Accepts any certificate (`prefer`, `require`): the session is encrypted against a passive
/// listener, not authenticated. The handshake's own signatures are still checked, so the peer
/// holds the key of the certificate it sent.
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the certificate must chain to `roots` (and be valid now), whatever host name it
/// carries; rustls's own chain check, without its name check.
#[derive(Debug)]
struct ChainOnly {
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let cert = rustls::server::ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_cert_signed_by_trust_anchor(
            &cert,
            &self.roots,
            intermediates,
            now,
            self.provider.signature_verification_algorithms.all,
        )?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// libpq's key=value form as (key, value) pairs, unquoted (tokio-postgres's own rules: values
/// plain or in single quotes, `\` escaping the next character).
fn keyword_pairs(s: &str) -> Result<Vec<(String, String)>, StoreError> {
    let malformed = || setup("the key=value connection string does not parse");
    let mut chars = s.chars().peekable();
    let mut pairs = Vec::new();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != '=') {
            key.push(c);
        }
        if key.is_empty() {
            if chars.peek().is_some() {
                return Err(malformed());
            }
            return Ok(pairs);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(malformed());
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    Some('\'') => break,
                    Some('\\') => value.extend(chars.next()),
                    Some(c) => value.push(c),
                    None => return Err(malformed()),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
            if value.is_empty() {
                return Err(malformed());
            }
        }
        pairs.push((key, value));
    }
}

/// `value` escaped for a single-quoted key=value value.
fn quote(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\'', "\\'")
}

/// A URL query component's `%XX` escapes decoded as tokio-postgres decodes them: `+` stays
/// `+`, a `%` without two hex digits stays as it is.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .filter(|hex| hex.iter().all(u8::is_ascii_hexdigit))
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
#[path = "connect_tests.rs"]
mod tests;
