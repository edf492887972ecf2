//! Schema validation and workflow rules (filled in by the model work).
