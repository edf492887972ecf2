//! The app's screens. Each page is a Yew component with its own state; record editors are pure
//! views of a typed record that emit the edited record (`on_change`), so they never touch the
//! sync engine, IndexedDB or the socket directly.

pub mod consultation;
pub mod inspection;
pub mod kiosk;
