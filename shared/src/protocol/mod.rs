//! The automerge-repo sync protocol v1 (filled in by the protocol work).
