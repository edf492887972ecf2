//! The app's screens. Each page is a Yew component with its own state; record editors are pure
//! views of a typed record ([`Shown`]) that emit each edit ([`Edit`]) through `on_change`, so they
//! never touch the sync engine, IndexedDB or the socket directly.

pub mod consultation;
pub mod inspection;
pub mod kiosk;

use std::ops::Deref;
use std::rc::Rc;

use automerge::ChangeHash;

/// The document version a record was read at (its automerge heads). Opaque to the editors:
/// they only hand it back with each edit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Version(Rc<[ChangeHash]>);

impl Version {
    /// The version at `heads`.
    pub fn new(heads: Vec<ChangeHash>) -> Self {
        Version(heads.into())
    }

    /// The heads, for writing an edit relative to them.
    pub fn heads(&self) -> &[ChangeHash] {
        &self.0
    }
}

/// A record as an editor was given it, and the version it was read at.
///
/// Why editors carry the version: Yew may hand the browser an input event between rendering a
/// page and rendering the forms inside it (its scheduler yields every 16 ms), so a form's
/// callback can still hold an older record than the page last read. An edit is only correct
/// relative to the record it was made from, so it carries that record's version with it
/// ([`Edit`]) instead of the host assuming its latest read.
#[derive(Clone, Debug, PartialEq)]
pub struct Shown<T> {
    record: Rc<T>,
    version: Version,
}

impl<T> Shown<T> {
    /// `record` as read at `version`.
    pub fn new(record: T, version: Version) -> Self {
        Shown {
            record: Rc::new(record),
            version,
        }
    }

    /// The record, shared.
    pub fn rc(&self) -> &Rc<T> {
        &self.record
    }

    /// The version it was read at.
    pub fn version(&self) -> &Version {
        &self.version
    }
}

impl<T: Clone + PartialEq> Shown<T> {
    /// `apply` to a copy of the record: the edit, or `None` when it changes nothing.
    pub fn edit(&self, apply: impl FnOnce(&mut T)) -> Option<Edit<T>> {
        let mut to = (*self.record).clone();
        apply(&mut to);
        (to != *self.record).then(|| self.edit_to(to))
    }

    /// The edit from this record to `to` (a workflow move built from it).
    pub fn edit_to(&self, to: T) -> Edit<T> {
        Edit {
            from: self.clone(),
            to,
        }
    }
}

impl<T> Deref for Shown<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.record
    }
}

/// One edit an editor emits: the record it was made from (with its version) and the result.
#[derive(Clone, Debug, PartialEq)]
pub struct Edit<T> {
    /// What the editor showed when the person made the change.
    pub from: Shown<T>,
    /// The whole record after the change.
    pub to: T,
}
