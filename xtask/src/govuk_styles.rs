//! GOV.UK Frontend's compiled stylesheet and the assets it references, installed with npm from
//! `client/package-lock.json` and laid into `client/dist` next to the app.
//!
//! Two changes are made to the published `govuk-frontend.min.css` on the way:
//! - its `url(/assets/...)` references become relative (`url(assets/...)`), so they resolve
//!   under whatever path the server serves the client from, and the files they name are copied
//!   to `dist/assets/`;
//! - the GDS Transport typeface is left out (its `@font-face` rules, licence comment and name in
//!   every font stack). The font is "customised for exclusive use on gov.uk" (its own licence
//!   comment), and a council service is not on GOV.UK; the Design System's advice for such
//!   services is Arial, which is the next font in every stack anyway.

use std::path::Path;

use anyhow::Context as _;

use crate::npm;

/// Where the stylesheet lands in `dist`, and so the `href` the page links it with.
pub const STYLESHEET: &str = "govuk-frontend.min.css";

/// The typeface only GOV.UK services may use (see the module docs).
const RESTRICTED_FONT: &str = "GDS Transport";

/// Installs `govuk-frontend` if needed, then writes the rewritten stylesheet and every asset it
/// references into `dist`. Returns the paths written, relative to `dist`.
pub fn install(client_dir: &Path, dist: &Path) -> anyhow::Result<Vec<String>> {
    npm::ensure_installed(client_dir, npm::Scripts::Ignore, "govuk-frontend")?;
    let package = client_dir.join("node_modules/govuk-frontend/dist/govuk");
    let source = package.join(STYLESHEET);
    let css = std::fs::read_to_string(&source).with_context(|| {
        format!(
            "reading {} (is govuk-frontend installed?)",
            source.display()
        )
    })?;
    let css = rewrite_stylesheet(&css);
    anyhow::ensure!(
        !css.contains(RESTRICTED_FONT),
        "{RESTRICTED_FONT} is still named in the rewritten {STYLESHEET}: govuk-frontend changed \
         how it declares fonts; update xtask/src/govuk_styles.rs"
    );

    let mut written = vec![STYLESHEET.to_string()];
    std::fs::write(dist.join(STYLESHEET), css.as_bytes())
        .with_context(|| format!("writing {}", dist.join(STYLESHEET).display()))?;
    for asset in asset_paths(&css) {
        let from = package.join(&asset);
        let to = dist.join(&asset);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::copy(&from, &to).with_context(|| {
            format!(
                "copying {} (referenced by {STYLESHEET}) to {}",
                from.display(),
                to.display()
            )
        })?;
        written.push(asset);
    }
    Ok(written)
}

/// The published stylesheet with relative asset URLs and without the restricted typeface.
fn rewrite_stylesheet(css: &str) -> String {
    let css = remove_blocks(css, "/*!", "*/", |comment| comment.contains("gov.uk"));
    let css = remove_blocks(&css, "@font-face{", "}", |rule| {
        rule.contains(RESTRICTED_FONT)
    });
    css.replace(&format!("\"{RESTRICTED_FONT}\","), "")
        .replace(&format!("{RESTRICTED_FONT},"), "")
        .replace("url(/assets/", "url(assets/")
        .replace("url(\"/assets/", "url(\"assets/")
}

/// `css` without each `start ... end` span for which `remove` is true (spans do not nest: the
/// rules and comments this is used on contain no `end` before their own).
fn remove_blocks(css: &str, start: &str, end: &str, remove: impl Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(at) = rest.find(start) {
        let Some(len) = rest[at + start.len()..].find(end) else {
            break;
        };
        let block_end = at + start.len() + len + end.len();
        out.push_str(&rest[..at]);
        if !remove(&rest[at..block_end]) {
            out.push_str(&rest[at..block_end]);
        }
        rest = &rest[block_end..];
    }
    out.push_str(rest);
    out
}

/// The distinct `assets/...` files a (rewritten) stylesheet references, sorted, without any
/// `?query` or `#fragment`.
fn asset_paths(css: &str) -> Vec<String> {
    let mut paths: Vec<String> = css
        .match_indices("url(")
        .filter_map(|(at, _)| {
            let inner = &css[at + "url(".len()..];
            let inner = &inner[..inner.find(')')?];
            let url = inner.trim().trim_matches(['"', '\'']);
            let url = url.split(['?', '#']).next().unwrap_or(url);
            url.starts_with("assets/").then(|| url.to_string())
        })
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of the published file, in miniature.
    const PUBLISHED: &str = concat!(
        "@charset \"UTF-8\";:root{--govuk-brand-colour:#1d70b8}",
        ".govuk-link{font-family:GDS Transport,arial,sans-serif}",
        "/*! Copyright (c) 2011 by Margaret Calvert & Henrik Kubel. All rights reserved. ",
        "The font has been customised for exclusive use on gov.uk. */",
        "@font-face{font-family:GDS Transport;font-weight:400;",
        "src:url(/assets/fonts/light-94a07e06a1-v2.woff2) format(\"woff2\")}",
        "@font-face{font-family:Other;src:url(/assets/fonts/other.woff2)}",
        ".govuk-body{font-family:\"GDS Transport\",arial,sans-serif}",
        "@media print{.govuk-body{font-family:sans-serif}}",
        ".govuk-footer__copyright-logo:before{background-image:url(/assets/images/govuk-crest.svg)}",
        ".x{mask-image:url(\"/assets/images/govuk-crest.svg?v=2\")}",
        "/*# sourceMappingURL=govuk-frontend.min.css.map */",
    );

    #[test]
    fn the_gov_uk_only_typeface_is_left_out_and_arial_takes_its_place() {
        let css = rewrite_stylesheet(PUBLISHED);
        assert!(!css.contains(RESTRICTED_FONT), "{css}");
        assert!(
            !css.contains("exclusive use"),
            "the font's licence comment goes with it"
        );
        assert!(css.contains(".govuk-link{font-family:arial,sans-serif}"));
        assert!(css.contains(".govuk-body{font-family:arial,sans-serif}"));
        assert!(
            css.contains("@font-face{font-family:Other;src:url(assets/fonts/other.woff2)}"),
            "other font faces are kept: {css}"
        );
    }

    #[test]
    fn asset_urls_become_relative_so_they_resolve_wherever_the_client_is_served() {
        let css = rewrite_stylesheet(PUBLISHED);
        assert!(!css.contains("url(/"), "{css}");
        assert!(!css.contains("url(\"/"), "{css}");
        assert!(css.contains("url(assets/images/govuk-crest.svg)"));
        assert!(css.ends_with("/*# sourceMappingURL=govuk-frontend.min.css.map */"));
    }

    #[test]
    fn only_the_assets_the_shipped_stylesheet_references_are_copied() {
        let css = rewrite_stylesheet(PUBLISHED);
        assert_eq!(
            asset_paths(&css),
            ["assets/fonts/other.woff2", "assets/images/govuk-crest.svg"],
            "deduplicated, query dropped, GDS Transport's files not among them"
        );
        assert!(asset_paths("a{background:url(data:image/png;base64,AAAA)}").is_empty());
    }

    #[test]
    fn an_unterminated_block_is_kept_rather_than_eating_the_rest_of_the_file() {
        assert_eq!(
            remove_blocks("a/*! gov.uk", "/*!", "*/", |_| true),
            "a/*! gov.uk"
        );
    }

    #[test]
    fn the_published_stylesheet_rewrites_cleanly_when_installed() {
        // Runs against the real package once `cargo xtask build` has installed it; the
        // synthetic tests above cover the logic on a fresh checkout.
        let package = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../client/node_modules/govuk-frontend/dist/govuk");
        let Ok(published) = std::fs::read_to_string(package.join(STYLESHEET)) else {
            eprintln!("govuk-frontend is not installed in client/node_modules; skipping");
            return;
        };
        let css = rewrite_stylesheet(&published);
        assert!(!css.contains(RESTRICTED_FONT));
        assert!(!css.contains("url(/"));
        for asset in asset_paths(&css) {
            assert!(package.join(&asset).is_file(), "{asset} is in the package");
        }
    }
}
