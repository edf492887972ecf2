//! Hearth's browser tests: the built client in headless Chromium against the real server. One
//! test binary, with one module per screen or flow, for the same reason as `tests/service`:
//! each binary links the whole server.

mod account;
mod accountability;
mod admin;
mod demo;
mod devices;
mod first_sync;
mod flows;
mod index;
mod kiosk_setup;
mod password_reset;
mod reporting;
mod screens;
mod shell;
mod typing;
mod zoom;
