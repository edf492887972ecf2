//! The state every request handler shares, apart from the wiring that builds it (`app`):
//! handlers depend on this, and `app` depends on the handlers, never the other way round.

use crate::auth::throttle::Throttle;
use crate::clock::Clock;
use crate::config::ServeConfig;
use crate::store::Store;
use crate::sync::hub::Hub;
use crate::sync::registry::Connections;
use std::sync::Arc;

/// Everything a request handler may need, shared by all requests.
pub struct App {
    /// Durable storage.
    pub store: Arc<dyn Store>,
    /// Loaded documents and the fan-out between sync connections.
    pub hub: Arc<Hub>,
    /// The serve configuration.
    pub config: ServeConfig,
    /// Failed sign-ins per client address (shared by every server of a shared store).
    pub ip_failures: Throttle,
    /// Failed sign-ins per account name.
    pub account_failures: Throttle,
    /// Failed tablet set-up codes per client address (throttled like sign-in).
    pub setup_failures: Throttle,
    /// Open sync connections, so that signing a device or user out closes them at once.
    pub connections: Arc<Connections>,
    /// "Now" for calendar rules (the overview's today, distribution dates, reporting audit
    /// times): the system clock, or a fixed one in end-to-end tests.
    pub clock: Arc<dyn Clock>,
}
