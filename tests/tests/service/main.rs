//! Hearth's end-to-end tests that need no browser: the real server binary on loopback with a
//! temporary data folder, driven over HTTP and WebSockets by real clients. One test binary, with
//! one module per former file, rather than one binary per file: every binary links the whole
//! server, and linking ~35 of them was much of a cold CI run's test build.
//!
//! `cargo xtask test` runs this binary twice: once as part of `cargo test --workspace` (the
//! SQLite store, plus the PostgreSQL store's own tests), and once more with
//! `HEARTH_E2E_STORE=postgres`, every test server then on its own fresh PostgreSQL database.

mod access;
mod accountability;
mod admin_api;
mod api;
mod bad_input;
mod cluster;
mod crash_loop;
mod demo;
mod devices_api;
mod durability;
mod http_hardening;
mod js_client;
mod kiosk_setup_api;
mod migrate;
mod operations;
mod postgres_store;
mod reporting_api;
mod snapshot_api;
mod sync_merge;
mod tls;
