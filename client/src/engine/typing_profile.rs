//! Where a keystroke's time goes in a Regulation 33 record with a long history: the steps the
//! browser runs per keystroke, timed natively (`cargo test -p hearth-client --release
//! typing_profile -- --ignored --nocapture`). Prints figures; asserts nothing about speed.

use std::time::Instant;

use hearth_shared::model::Inspection;
use hearth_shared::permissions::{Actor, Role};
use hearth_shared::rules;

use super::*;

const NOW: i64 = 1_780_000_000_000;

/// An inspection whose premises text went through `edits` changes, as the client bench makes it.
fn long_history(engine: &mut Engine, edits: usize) -> DocumentId {
    let inspection = Inspection::new("u-member", "home-1", NOW);
    let id = engine.create(&Record::Inspection(inspection)).unwrap().0;
    engine
        .edit(id, |doc| {
            let premises = match doc.get(ROOT, "premises").unwrap() {
                Some((Value::Object(ObjType::Text), obj)) => obj,
                _ => doc.put_object(ROOT, "premises", ObjType::Text).unwrap(),
            };
            for n in 0..edits {
                let len = doc.length(&premises);
                match n % 10 {
                    9 if len > 0 => doc.splice_text(&premises, len - 1, 1, "").unwrap(),
                    4 => doc.splice_text(&premises, len / 2, 0, "tidy ").unwrap(),
                    _ => doc
                        .splice_text(&premises, len, 0, &format!("room{n} "))
                        .unwrap(),
                }
                doc.commit();
            }
            Ok(())
        })
        .unwrap();
    id
}

fn time<R>(label: &str, f: impl FnOnce() -> R) -> R {
    let start = Instant::now();
    let r = f();
    eprintln!(
        "{label:>40}: {:>8.3} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    r
}

#[test]
#[ignore = "a profile, not a test: run with --ignored --nocapture"]
fn typing_profile() {
    let actor = Actor {
        user_id: "u-member".into(),
        role: Role::Member,
        homes: vec!["home-1".into()],
    };
    let mut engine = Engine::new("device".into());
    let id = time("build 10,000 edits", || long_history(&mut engine, 10_000));
    let stored = time("snapshot (save)", || engine.snapshot(id).unwrap());
    eprintln!("saved bytes: {}", stored.bytes.len());
    let mut engine = Engine::new("device".into());
    time("load", || engine.load(stored).unwrap());
    for key in 0..3 {
        eprintln!("--- keystroke {key}");
        let heads = time("heads", || engine.heads(id));
        let Ok(Record::Inspection(shown)) = time("record (hydrate)", || engine.record(id).unwrap())
        else {
            panic!()
        };
        let typed = format!("{}x", shown.premises.as_str());
        let mut edited = time("clone", || shown.clone());
        let mut updated = shown.clone();
        time("Text::update (before)", || updated.premises.update(&typed));
        time("text::replace", || {
            text::replace(&mut edited.premises, &typed)
        });
        time("compare", || edited == shown);
        let after = Record::Inspection(edited);
        time("validate_record", || {
            rules::validate_record(&after).unwrap()
        });
        let before = Record::Inspection(shown);
        time("check_change", || {
            rules::check_change(Some(&before), &after, &actor).unwrap()
        });
        {
            let doc = &mut engine.docs.get_mut(&id).unwrap().doc;
            time("get_changes(heads)", || doc.get_changes(&heads).len());
            time("get_changes_meta(heads)", || {
                doc.get_changes_meta(&heads).len()
            });
            let mut fork = time("fork", || doc.fork());
            time("write_to (fork)", || after.write_to(&mut fork).unwrap());
            time("commit (fork)", || fork.commit());
            time("hydrate (fork)", || {
                Record::from_doc(fork.document()).unwrap()
            });
        }
        time("write_record", || {
            engine.write_record(id, &after, &heads).unwrap()
        });
        time("text (premises only)", || engine.text(id, "premises"));
        let local = engine.docs.get_mut(&id).unwrap();
        time("record through the text cache", || {
            local.texts.record(&mut local.doc).unwrap()
        });
        time("record, full hydrate", || {
            Record::from_doc(local.doc.document()).unwrap()
        });
    }
    // The keystroke path since: one splice from what the box showed, sent after the frame.
    let mut shown = engine.text(id, "premises").unwrap();
    let mut from = engine.heads(id);
    for key in 0..3 {
        eprintln!("--- type_text keystroke {key}");
        let typed = format!("{shown}k");
        let (heads, _) = time("type_text", || {
            engine
                .type_text(id, "premises", &from, &shown, &typed)
                .unwrap()
        });
        time("send_document", || engine.send_document(id));
        (from, shown) = (heads, typed);
    }
    time("snapshot (save)", || engine.snapshot(id).unwrap());

    // The sync message a keystroke sends, to a peer that has everything but that keystroke.
    let doc = &mut engine.docs.get_mut(&id).unwrap().doc;
    let mut peer = doc.fork();
    let (mut ours, mut theirs) = (sync::State::new(), sync::State::new());
    for _ in 0..10 {
        if let Some(m) = doc.sync().generate_sync_message(&mut ours) {
            peer.sync().receive_sync_message(&mut theirs, m).unwrap();
        }
        if let Some(m) = peer.sync().generate_sync_message(&mut theirs) {
            doc.sync().receive_sync_message(&mut ours, m).unwrap();
        }
    }
    let premises = doc.get(ROOT, "premises").unwrap().unwrap().1;
    let len = doc.length(&premises);
    doc.splice_text(&premises, len, 0, "y").unwrap();
    doc.commit();
    let message = time("generate_sync_message (1 change)", || {
        doc.sync().generate_sync_message(&mut ours).unwrap()
    });
    time("receive_sync_message (peer)", || {
        peer.sync()
            .receive_sync_message(&mut theirs, message)
            .unwrap()
    });
    let reply = peer.sync().generate_sync_message(&mut theirs).unwrap();
    time("receive_sync_message (ack)", || {
        doc.sync().receive_sync_message(&mut ours, reply).unwrap()
    });
    time("save_nocompress", || doc.save_nocompress().len());
    let mut fresh = doc.fork();
    time("save_incremental (after fork)", || {
        fresh.save_incremental().len()
    });
    fresh.splice_text(&premises, len, 0, "z").unwrap();
    fresh.commit();
    let chunk = time("save_incremental (1 change)", || fresh.save_incremental());
    eprintln!("incremental bytes: {}", chunk.len());
}
