//! Applying one peer sync message to a document, checked before it is kept.
