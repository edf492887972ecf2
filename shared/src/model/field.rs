//! How single fields are read from (and, where autosurgeon's default is not enough, written to)
//! a document.
//!
//! Two reasons this exists instead of autosurgeon's stock `Hydrate` impls:
//!
//! 1. JavaScript clients. In `@automerge/automerge` 2.x/3.x a plain string assignment creates a
//!    collaborative **Text** object, and a scalar string needs `new ImmutableString(..)`. Numbers
//!    may arrive as `int`, `uint` or `f64`. So every string field here accepts a scalar string or
//!    Text, and every integer field accepts any whole number.
//! 2. Errors that say *where*. Each function prefixes failures with the field's path
//!    (`spokeWith.children.entries[2].initials: expected a string, found a map`), built from
//!    field names and list indices only, never from the values in the document.
//!
//! The functions have the shape autosurgeon's `#[autosurgeon(hydrate = "...")]` expects.

use automerge::{ObjId, ObjType, ScalarValue, Value};
use autosurgeon::hydrate::Unexpected;
use autosurgeon::{Hydrate, HydrateError, Prop, ReadDoc, Reconciler, Text};

/// Joins `prop` in front of a (possibly already pathed) error, so nested failures read as one path.
fn at(prop: &Prop<'_>, err: HydrateError) -> HydrateError {
    let head = match prop {
        Prop::Key(k) => k.to_string(),
        Prop::Index(i) => format!("[{i}]"),
    };
    match err {
        HydrateError::Unexpected(Unexpected::Other { expected, found }) => {
            // An `Other` built by `fail_at` already starts with a path ("a.b: what"): glue ours
            // in front. One without a path (an enum's unknown value) gets ours as its path.
            let expected = if !expected.contains(": ") {
                format!("{head}: {expected}")
            } else if expected.starts_with('[') {
                format!("{head}{expected}")
            } else {
                format!("{head}.{expected}")
            };
            HydrateError::Unexpected(Unexpected::Other { expected, found })
        }
        HydrateError::Unexpected(kind) => {
            fail_at(prop, "a value of the right type", &kind.to_string())
        }
        // Document-level failures (a broken object id) carry no path worth adding.
        other => other,
    }
}

/// A path-carrying error for `prop`: "`prop`: expected `expected`, found `found`".
fn fail_at(prop: &Prop<'_>, expected: &str, found: &str) -> HydrateError {
    let head = match prop {
        Prop::Key(k) => k.to_string(),
        Prop::Index(i) => format!("[{i}]"),
    };
    HydrateError::Unexpected(Unexpected::Other {
        expected: format!("{head}: {expected}"),
        found: found.to_string(),
    })
}

/// Renders a hydrate error as a short message: the path and what was wrong, no document content.
pub(crate) fn describe(err: &HydrateError) -> String {
    match err {
        HydrateError::Unexpected(Unexpected::Other { expected, found }) => {
            match expected.split_once(": ") {
                Some((path, what)) => format!("{path}: expected {what}, found {found}"),
                None => format!("expected {expected}, found {found}"),
            }
        }
        HydrateError::Unexpected(kind) => format!("unexpected {kind}"),
        HydrateError::Automerge(_) => "the document could not be read".to_string(),
        HydrateError::ParseMapKey(_) => "a map key could not be read".to_string(),
    }
}

/// A word for what sits at a property, for error messages (types only, never values).
fn found_word(value: &Value<'_>) -> &'static str {
    match value {
        Value::Object(ObjType::Map) | Value::Object(ObjType::Table) => "a map",
        Value::Object(ObjType::List) => "a list",
        Value::Object(ObjType::Text) => "a text",
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Null => "null",
            ScalarValue::Boolean(_) => "a boolean",
            ScalarValue::Bytes(_) => "bytes",
            ScalarValue::Counter(_) => "a counter",
            ScalarValue::F64(_) => "a float",
            ScalarValue::Int(_) | ScalarValue::Uint(_) => "an integer",
            ScalarValue::Str(_) => "a string",
            ScalarValue::Timestamp(_) => "a timestamp",
            ScalarValue::Unknown { .. } => "an unknown value",
        },
    }
}

/// Reads the string at `prop` whether it was written as a scalar or as Text (what JS writes).
fn read_str<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    prop: &Prop<'_>,
) -> Result<Option<String>, HydrateError> {
    match doc.get(obj, prop)? {
        None => Ok(None),
        Some((Value::Object(ObjType::Text), id)) => Ok(Some(doc.text(&id)?)),
        Some((value, _)) => match &value {
            Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Str(s) => Ok(Some(s.to_string())),
                _ => Err(fail_at(prop, "a string", found_word(&value))),
            },
            Value::Object(_) => Err(fail_at(prop, "a string", found_word(&value))),
        },
    }
}

/// A required string: scalar or Text.
pub(crate) fn string<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    prop: Prop<'_>,
) -> Result<String, HydrateError> {
    read_str(doc, obj, &prop)?.ok_or_else(|| fail_at(&prop, "a string", "nothing"))
}

/// An optional string: absent or `null` is `None`.
pub(crate) fn opt_string<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    prop: Prop<'_>,
) -> Result<Option<String>, HydrateError> {
    if is_null_or_absent(doc, obj, &prop)? {
        return Ok(None);
    }
    read_str(doc, obj, &prop)
}

/// A required list of strings, each scalar or Text.
pub(crate) fn string_list<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    prop: Prop<'_>,
) -> Result<Vec<String>, HydrateError> {
    let list = list_id(doc, obj, &prop)?;
    (0..doc.length(&list))
        .map(|i| {
            let item = Prop::Index(i as u32);
            string(doc, &list, item).map_err(|e| at(&prop, e))
        })
        .collect()
}

/// An optional list of strings: absent or `null` is `None`.
pub(crate) fn opt_string_list<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    prop: Prop<'_>,
) -> Result<Option<Vec<String>>, HydrateError> {
    if is_null_or_absent(doc, obj, &prop)? {
        return Ok(None);
    }
    string_list(doc, obj, prop).map(Some)
}

/// A required list of records (maps), each read with its own derived `Hydrate`.
pub(crate) fn list<D: ReadDoc, T: Hydrate>(
    doc: &D,
    obj: &ObjId,
    prop: Prop<'_>,
) -> Result<Vec<T>, HydrateError> {
    let list = list_id(doc, obj, &prop)?;
    (0..doc.length(&list))
        .map(|i| {
            let item = Prop::Index(i as u32);
            T::hydrate(doc, &list, item.clone()).map_err(|e| at(&prop, at(&item, e)))
        })
        .collect()
}

/// A required nested map (or enum value), read with its own `Hydrate`, errors prefixed with `prop`.
pub(crate) fn nested<D: ReadDoc, T: Hydrate>(
    doc: &D,
    obj: &ObjId,
    prop: Prop<'_>,
) -> Result<T, HydrateError> {
    if doc.get(obj, &prop)?.is_none() {
        return Err(fail_at(&prop, "a value", "nothing"));
    }
    T::hydrate(doc, obj, prop.clone()).map_err(|e| at(&prop, e))
}

/// An optional nested map: absent or `null` is `None`.
pub(crate) fn opt_nested<D: ReadDoc, T: Hydrate>(
    doc: &D,
    obj: &ObjId,
    prop: Prop<'_>,
) -> Result<Option<T>, HydrateError> {
    if is_null_or_absent(doc, obj, &prop)? {
        return Ok(None);
    }
    nested(doc, obj, prop).map(Some)
}

/// A required collaborative text. A scalar string is accepted too (and becomes Text when the
/// record is next written), so a client that used `ImmutableString` is not locked out.
pub(crate) fn text<D: ReadDoc>(doc: &D, obj: &ObjId, prop: Prop<'_>) -> Result<Text, HydrateError> {
    match doc.get(obj, &prop)? {
        None => Err(fail_at(&prop, "a text", "nothing")),
        Some((Value::Object(ObjType::Text), _)) => Text::hydrate(doc, obj, prop),
        Some((value, _)) => match &value {
            Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Str(s) => Ok(Text::with_value(s.as_str())),
                _ => Err(fail_at(&prop, "a text", found_word(&value))),
            },
            Value::Object(_) => Err(fail_at(&prop, "a text", found_word(&value))),
        },
    }
}

/// An optional collaborative text: absent or `null` is `None`.
pub(crate) fn opt_text<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    prop: Prop<'_>,
) -> Result<Option<Text>, HydrateError> {
    if is_null_or_absent(doc, obj, &prop)? {
        return Ok(None);
    }
    text(doc, obj, prop).map(Some)
}

/// A required boolean.
pub(crate) fn boolean<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    prop: Prop<'_>,
) -> Result<bool, HydrateError> {
    match doc.get(obj, &prop)? {
        Some((value, _)) => match &value {
            Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Boolean(b) => Ok(*b),
                _ => Err(fail_at(&prop, "a boolean", found_word(&value))),
            },
            Value::Object(_) => Err(fail_at(&prop, "a boolean", found_word(&value))),
        },
        None => Err(fail_at(&prop, "a boolean", "nothing")),
    }
}

/// The whole number at `prop`, whichever numeric type a client used to store it.
fn read_whole<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    prop: &Prop<'_>,
) -> Result<Option<i128>, HydrateError> {
    let value = match doc.get(obj, prop)? {
        None => return Ok(None),
        Some((value, _)) => value,
    };
    let whole = match &value {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Int(i) => Some(i128::from(*i)),
            ScalarValue::Uint(u) => Some(i128::from(*u)),
            // JS numbers are doubles; accept them when they hold an exact whole number.
            ScalarValue::F64(f) if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 => {
                Some(*f as i128)
            }
            _ => None,
        },
        Value::Object(_) => None,
    };
    match whole {
        Some(n) => Ok(Some(n)),
        None => Err(fail_at(prop, "a whole number", found_word(&value))),
    }
}

/// A required signed integer (e.g. unix milliseconds).
pub(crate) fn int<D: ReadDoc>(doc: &D, obj: &ObjId, prop: Prop<'_>) -> Result<i64, HydrateError> {
    let n = read_whole(doc, obj, &prop)?.ok_or_else(|| fail_at(&prop, "a number", "nothing"))?;
    i64::try_from(n).map_err(|_| fail_at(&prop, "a number in range", "one out of range"))
}

/// An optional signed integer: absent or `null` is `None`.
pub(crate) fn opt_int<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    prop: Prop<'_>,
) -> Result<Option<i64>, HydrateError> {
    if is_null_or_absent(doc, obj, &prop)? {
        return Ok(None);
    }
    int(doc, obj, prop).map(Some)
}

/// A required unsigned integer (a count, a version).
pub(crate) fn uint<D: ReadDoc>(doc: &D, obj: &ObjId, prop: Prop<'_>) -> Result<u64, HydrateError> {
    let n = read_whole(doc, obj, &prop)?.ok_or_else(|| fail_at(&prop, "a number", "nothing"))?;
    u64::try_from(n).map_err(|_| fail_at(&prop, "a non-negative number", "a negative one"))
}

/// A required small unsigned integer (a percentage).
pub(crate) fn uint32<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    prop: Prop<'_>,
) -> Result<u32, HydrateError> {
    let n = read_whole(doc, obj, &prop)?.ok_or_else(|| fail_at(&prop, "a number", "nothing"))?;
    u32::try_from(n).map_err(|_| fail_at(&prop, "a small non-negative number", "one out of range"))
}

/// Writes a `u32` as a signed `int`, like [`uint_as_int`].
pub(crate) fn uint32_as_int<R: Reconciler>(value: &u32, mut reconciler: R) -> Result<(), R::Error> {
    reconciler.i64(i64::from(*value))
}

/// Writes an unsigned integer as a signed `int`, which is what a JS client writes for a whole
/// number; writing `uint` would make every Rust save rewrite an unchanged JS value.
pub(crate) fn uint_as_int<R: Reconciler>(value: &u64, mut reconciler: R) -> Result<(), R::Error> {
    reconciler.i64(i64::try_from(*value).unwrap_or(i64::MAX))
}

/// Whether `prop` is missing or explicitly `null` (how optional fields may be left unset).
fn is_null_or_absent<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    prop: &Prop<'_>,
) -> Result<bool, HydrateError> {
    Ok(match doc.get(obj, prop)? {
        None => true,
        Some((Value::Scalar(s), _)) => matches!(s.as_ref(), ScalarValue::Null),
        Some(_) => false,
    })
}

/// The list object at `prop`, or a pathed error.
fn list_id<D: ReadDoc>(doc: &D, obj: &ObjId, prop: &Prop<'_>) -> Result<ObjId, HydrateError> {
    match doc.get(obj, prop)? {
        Some((Value::Object(ObjType::List), id)) => Ok(id),
        Some((other, _)) => Err(fail_at(prop, "a list", found_word(&other))),
        None => Err(fail_at(prop, "a list", "nothing")),
    }
}

/// Defines a closed set of string values stored as scalar strings (read from Text too).
///
/// Unknown values fail hydration with a message naming the field, not the value.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in the order the schema lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value stored in the document.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $value ),+
                }
            }

            /// The variant stored as `s`, if `s` is one of the allowed values.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $( $value => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl autosurgeon::Reconcile for $name {
            type Key<'a> = autosurgeon::reconcile::NoKey;

            fn reconcile<R: autosurgeon::Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
                reconciler.str(self.as_str())
            }
        }

        impl autosurgeon::Hydrate for $name {
            fn hydrate_string(s: &str) -> Result<Self, autosurgeon::HydrateError> {
                $name::parse(s).ok_or_else(|| {
                    autosurgeon::HydrateError::unexpected(
                        concat!("one of the ", stringify!($name), " values"),
                        "a value outside the list".to_string(),
                    )
                })
            }

            fn hydrate_text<D: autosurgeon::ReadDoc>(
                doc: &D,
                obj: &automerge::ObjId,
            ) -> Result<Self, autosurgeon::HydrateError> {
                Self::hydrate_string(&doc.text(obj)?)
            }
        }
    };
}

pub(crate) use string_enum;
