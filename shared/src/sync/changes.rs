//! What a run of accepted changes did, in the terms Hearth keeps about them: which Automerge
//! actors made them (the server maps each actor to the signed-in user who sent its first change,
//! for the record's history) and which top-level fields of the record they touched (for the
//! audit row of an accepted change, which names fields, never content).

use std::collections::{BTreeSet, HashMap};

use automerge::{ActorId, Automerge, Change, Prop, ReadDoc, legacy};

/// The distinct actors of `changes`, in the order they first appear.
pub fn actors(changes: &[Change]) -> Vec<ActorId> {
    let mut seen = Vec::new();
    for change in changes {
        if !seen.contains(change.actor_id()) {
            seen.push(change.actor_id().clone());
        }
    }
    seen
}

/// The root keys (record fields) under which `changes` made any op, sorted. `doc` must hold
/// the changes (their objects are looked up in it). An op on a nested object counts for the
/// root key the object hangs under; one on an object `doc` cannot place (deleted since) counts
/// for nothing: the field that held it was itself replaced by another op, which counts.
pub fn touched_fields(doc: &Automerge, changes: &[Change]) -> Vec<String> {
    let mut fields = BTreeSet::new();
    // Typing makes thousands of ops on one text: place each object once.
    let mut placed: HashMap<legacy::OpId, Option<String>> = HashMap::new();
    for change in changes {
        for op in change.decode().operations {
            let field = match (&op.obj, &op.key) {
                (legacy::ObjectId::Root, legacy::Key::Map(key)) => Some(key.to_string()),
                (legacy::ObjectId::Root, legacy::Key::Seq(_)) => None,
                (legacy::ObjectId::Id(obj), _) => placed
                    .entry(obj.clone())
                    .or_insert_with(|| root_key_of(doc, obj))
                    .clone(),
            };
            fields.extend(field);
        }
    }
    fields.into_iter().collect()
}

/// The root key object `obj` hangs under, if `doc` can place it.
fn root_key_of(doc: &Automerge, obj: &legacy::OpId) -> Option<String> {
    let exid = doc.import_obj(&obj.to_string()).ok()?;
    match doc.parents(&exid).ok()?.last()?.prop {
        Prop::Map(key) => Some(key),
        Prop::Seq(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{ObjType, ROOT};

    fn changes_since(doc: &Automerge, heads: &[automerge::ChangeHash]) -> Vec<Change> {
        doc.get_changes(heads)
    }

    #[test]
    fn fields_are_the_root_keys_touched_directly_or_through_nested_objects() {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        let text = tx.put_object(ROOT, "premises", ObjType::Text).unwrap();
        let list = tx
            .put_object(ROOT, "recommendations", ObjType::List)
            .unwrap();
        let item = tx.insert_object(&list, 0, ObjType::Map).unwrap();
        tx.put(&item, "text", "first").unwrap();
        tx.put(ROOT, "state", "draft").unwrap();
        tx.commit();
        let heads = doc.get_heads();

        let mut tx = doc.transaction();
        tx.splice_text(&text, 0, 0, "Tidy").unwrap();
        tx.put(&item, "done", true).unwrap();
        tx.commit();

        let changes = changes_since(&doc, &heads);
        assert_eq!(
            touched_fields(&doc, &changes),
            vec!["premises".to_string(), "recommendations".to_string()]
        );
        assert_eq!(
            touched_fields(&doc, &changes_since(&doc, &[])),
            vec![
                "premises".to_string(),
                "recommendations".to_string(),
                "state".to_string()
            ]
        );
    }

    #[test]
    fn actors_are_listed_once_each_in_order() {
        let put = |doc: &mut Automerge, value: i64| {
            let mut tx = doc.transaction();
            tx.put(ROOT, "x", value).unwrap();
            tx.commit();
        };
        let mut a = Automerge::new().with_actor(ActorId::from(vec![1; 16]));
        put(&mut a, 1);
        let mut b = a.fork().with_actor(ActorId::from(vec![2; 16]));
        put(&mut b, 2);
        a.merge(&mut b).unwrap();
        put(&mut a, 3);
        let changes = a.get_changes(&[]);
        assert_eq!(changes.len(), 3);
        assert_eq!(
            actors(&changes),
            vec![ActorId::from(vec![1; 16]), ActorId::from(vec![2; 16])]
        );
    }
}
