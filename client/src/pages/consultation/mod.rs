//! The consultation builder for participation workers, and the results view.
