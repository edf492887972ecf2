//! Hearth's server as a library, so that end-to-end tests and the bench can start it in-process
//! or as the `hearth` binary.

pub mod store;
