//! Hearth's server as a library: the `hearth` binary, the end-to-end tests and the bench all
//! start it through [`app::start`] or [`cli::run`].
//!
//! Map: [`store`] (the `Store` trait and SQLite), [`auth`] (passwords, sessions, tickets,
//! throttling), [`clock`] (the one injectable "now" for dates), [`http`] (routes and the error
//! mapping), [`sync`] (the document hub and the per-connection protocol logic), [`app`] (wiring
//! and the accept loop), [`cli`] (commands).

pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod demo;
pub mod error;
pub mod http;
pub mod report;
pub mod retention;
pub mod state;
pub mod store;
pub mod sync;
pub mod tls;
