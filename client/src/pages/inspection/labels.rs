//! The words shown for the model's enum values (the model stores camelCase codes).

pub use hearth_shared::labels::{area, opinion, outcome, priority, status};
use yew::AttrValue;

/// `(value, label)` pairs for a radio group or select, from an enum's `ALL` and a label fn.
pub fn options<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<(AttrValue, AttrValue)> {
    all.iter()
        .map(|&v| (AttrValue::Static(code(v)), AttrValue::Static(label(v))))
        .collect()
}
