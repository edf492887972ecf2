//! How big the client is on the wire: raw and gzip sizes of the wasm, with a warning threshold.

use std::io::Write as _;

use flate2::Compression;
use flate2::write::GzEncoder;

/// Above this gzip size a first load over a slow mobile connection gets painful.
pub const GZIP_WARN_BYTES: usize = 1024 * 1024;

/// Raw and gzip-compressed sizes of one file, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// As stored in `client/dist`.
    pub raw: usize,
    /// After gzip at the best level: about what a browser downloads.
    pub gzip: usize,
}

/// Measures `bytes` (gzip is done in-process, so there is nothing to install).
pub fn measure(bytes: &[u8]) -> Sizes {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder
        .write_all(bytes)
        .expect("writing to a Vec cannot fail");
    let gzip = encoder
        .finish()
        .expect("writing to a Vec cannot fail")
        .len();
    Sizes {
        raw: bytes.len(),
        gzip,
    }
}

/// Prints the sizes of `name`, and a warning if the gzip size is over [`GZIP_WARN_BYTES`].
pub fn report(name: &str, sizes: Sizes) {
    eprintln!(
        "xtask: {name}: {} raw, {} gzip",
        human(sizes.raw),
        human(sizes.gzip)
    );
    if sizes.gzip > GZIP_WARN_BYTES {
        eprintln!(
            "xtask: warning: {name} is over {} gzipped; look for heavy dependencies \
             (e.g. `twiggy top`) before it grows further",
            human(GZIP_WARN_BYTES)
        );
    }
}

/// `1234567` → `"1234567 B (1205.6 KiB)"`: exact bytes for comparing builds, KiB for reading.
fn human(bytes: usize) -> String {
    let kib = bytes as f64 / 1024.0;
    format!("{bytes} B ({kib:.1} KiB)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_size_is_measured_not_guessed() {
        let repetitive = vec![b'a'; 100_000];
        let sizes = measure(&repetitive);
        assert_eq!(sizes.raw, 100_000);
        assert!(
            sizes.gzip < 1_000,
            "gzip of repeated bytes was {}",
            sizes.gzip
        );
    }

    #[test]
    fn sizes_are_shown_in_bytes_and_kib() {
        assert_eq!(human(1536), "1536 B (1.5 KiB)");
    }
}
