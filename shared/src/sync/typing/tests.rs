//! The fast path against automerge itself: for the same messages, the sync state and reply
//! bytes the server computes without applying a change equal those automerge computes on the
//! applied document, and the document the pending changes settle into equals automerge's.

use super::*;
use automerge::transaction::Transactable as _;
use automerge::{AutoCommit, sync::SyncDoc as _};

const FIELDS: &[&str] = &["premises", "childrenViews"];

/// The server as the hub runs it: typing checked and acknowledged without applying, anything
/// else applied by automerge after the pending changes are settled.
struct FastServer {
    doc: Automerge,
    typing: Typing,
    fast: usize,
    slow: usize,
}

impl FastServer {
    fn new(doc: Automerge) -> Self {
        let typing = Typing::new(&doc, FIELDS);
        Self {
            doc,
            typing,
            fast: 0,
            slow: 0,
        }
    }

    fn receive(&mut self, state: &mut sync::State, message: sync::Message) -> Option<Vec<u8>> {
        if let Some(accepted) = self.typing.check(&self.doc, FIELDS, state, &message) {
            self.fast += 1;
            state.clone_from(&accepted.state);
            let reply = accepted.reply.clone();
            self.typing.adopt(accepted);
            return reply;
        }
        self.slow += 1;
        self.typing.settle(&mut self.doc).unwrap();
        self.doc.receive_sync_message(state, message).unwrap();
        self.typing = Typing::new(&self.doc, FIELDS);
        self.doc
            .generate_sync_message(state)
            .map(sync::Message::encode)
    }

    fn generate(&mut self, state: &mut sync::State) -> Option<Vec<u8>> {
        self.typing.settle(&mut self.doc).unwrap();
        self.doc
            .generate_sync_message(state)
            .map(sync::Message::encode)
    }
}

/// One device, with the server's sync state for it on both servers.
struct Device {
    doc: AutoCommit,
    state: sync::State,
    on_fast: sync::State,
    on_reference: sync::State,
}

impl Device {
    fn new(doc: AutoCommit) -> Self {
        Self {
            doc,
            state: sync::State::new(),
            on_fast: sync::State::new(),
            on_reference: sync::State::new(),
        }
    }

    fn text(&self, field: &str) -> ObjId {
        match self.doc.get(ROOT, field).unwrap() {
            Some((Value::Object(ObjType::Text), id)) => id,
            other => panic!("{field} is not a text: {other:?}"),
        }
    }

    fn splice(&mut self, field: &str, at: usize, delete: isize, insert: &str) {
        let text = self.text(field);
        self.doc.splice_text(&text, at, delete, insert).unwrap();
        self.doc.commit();
    }

    fn len(&self, field: &str) -> usize {
        self.doc.length(self.text(field))
    }
}

/// Runs the sync protocol between `device` and both servers until it settles, asserting at
/// every message that the fast server's reply and state equal the reference's.
fn sync_both(device: &mut Device, fast: &mut FastServer, reference: &mut Automerge) {
    for _ in 0..10 {
        let Some(message) = device.doc.sync().generate_sync_message(&mut device.state) else {
            return;
        };
        reference
            .receive_sync_message(&mut device.on_reference, message.clone())
            .unwrap();
        let expected = reference
            .generate_sync_message(&mut device.on_reference)
            .map(sync::Message::encode);
        let reply = fast.receive(&mut device.on_fast, message);
        assert_eq!(reply, expected, "the reply automerge would send");
        assert_eq!(
            device.on_fast, device.on_reference,
            "automerge's sync state"
        );
        if let Some(reply) = reply {
            let reply = sync::Message::decode(&reply).unwrap();
            device
                .doc
                .sync()
                .receive_sync_message(&mut device.state, reply)
                .unwrap();
        }
    }
    panic!("sync did not settle");
}

/// Passes what the servers have on to `device` (as the hub does for other connections).
fn push_both(device: &mut Device, fast: &mut FastServer, reference: &mut Automerge) {
    let expected = reference
        .generate_sync_message(&mut device.on_reference)
        .map(sync::Message::encode);
    let push = fast.generate(&mut device.on_fast);
    assert_eq!(push, expected);
    assert_eq!(device.on_fast, device.on_reference);
    if let Some(push) = push {
        let push = sync::Message::decode(&push).unwrap();
        device
            .doc
            .sync()
            .receive_sync_message(&mut device.state, push)
            .unwrap();
    }
    sync_both(device, fast, reference);
}

fn record_doc() -> AutoCommit {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "title", "Visit").unwrap();
    let premises = doc.put_object(ROOT, "premises", ObjType::Text).unwrap();
    doc.splice_text(&premises, 0, 0, "Tidy.").unwrap();
    doc.put_object(ROOT, "childrenViews", ObjType::Text)
        .unwrap();
    doc.commit();
    // Some history, as a record being typed into has: automerge sends a whole document instead
    // of changes that are more than a third of its history, and that is not typing.
    for n in 0..8 {
        doc.splice_text(&premises, 0, 0, &n.to_string()).unwrap();
        doc.commit();
    }
    doc
}

/// Both servers start from the device's first sync, stored the ordinary way.
fn start() -> (Device, FastServer, Automerge) {
    let mut device = Device::new(record_doc());
    let mut reference = Automerge::new();
    let mut fast = FastServer::new(Automerge::new());
    sync_both(&mut device, &mut fast, &mut reference);
    assert_eq!(fast.doc.get_heads(), device.doc.get_heads());
    (device, fast, reference)
}

fn settled_equal(fast: &mut FastServer, reference: &Automerge) {
    fast.typing.settle(&mut fast.doc).unwrap();
    assert_eq!(fast.doc.get_heads(), reference.get_heads());
    assert_eq!(fast.doc.save(), reference.save());
}

#[test]
fn typing_is_acknowledged_exactly_as_automerge_would_without_applying_it() {
    let (mut device, mut fast, mut reference) = start();
    let slow_before = fast.slow;
    for n in 0..120 {
        let end = device.len("premises");
        match n % 6 {
            // Backspace, a word pasted, typing in the middle, the other field.
            3 => device.splice("premises", end - 1, 1, ""),
            4 => device.splice("premises", end, 0, " – ok 🏠"),
            5 => device.splice("premises", end / 2, 0, "x"),
            2 => device.splice("childrenViews", 0, 0, "y"),
            _ => device.splice("premises", end, 0, "a"),
        }
        if n % 10 == 9 {
            // Two changes in one message.
            device.splice("premises", 0, 1, "Z");
        }
        sync_both(&mut device, &mut fast, &mut reference);
        assert_eq!(fast.typing.heads(), &device.doc.get_heads()[..]);
    }
    assert_eq!(fast.slow, slow_before, "every keystroke took the fast path");
    assert!(fast.typing.pending() >= 120);
    settled_equal(&mut fast, &reference);
    assert_eq!(
        fast.doc.text(device.text("premises")).unwrap(),
        device.doc.text(device.text("premises")).unwrap()
    );
}

#[test]
fn two_devices_mixing_typing_and_other_edits_converge_with_automerge() {
    let (mut laptop, mut fast, mut reference) = start();
    let mut phone = Device::new(AutoCommit::new());
    sync_both(&mut phone, &mut fast, &mut reference);
    for n in 0..40 {
        let end = laptop.len("premises");
        laptop.splice("premises", end, 0, "l");
        sync_both(&mut laptop, &mut fast, &mut reference);
        push_both(&mut phone, &mut fast, &mut reference);
        if n % 3 == 0 {
            // Not typing: the ordinary path.
            phone.doc.put(ROOT, "title", format!("Visit {n}")).unwrap();
            phone.doc.commit();
        } else {
            phone.splice("childrenViews", 0, 0, "p");
        }
        sync_both(&mut phone, &mut fast, &mut reference);
        push_both(&mut laptop, &mut fast, &mut reference);
    }
    assert!(
        fast.fast > 40 && fast.slow > 10,
        "both paths were taken: {} fast, {} slow",
        fast.fast,
        fast.slow
    );
    settled_equal(&mut fast, &reference);
    assert_eq!(laptop.doc.get_heads(), phone.doc.get_heads());
    assert_eq!(laptop.doc.get_heads(), reference.get_heads());
}

/// A message carrying `changes` as a device on top of the server's heads would send it.
fn message_with(device: &Device, changes: &[Change], shared: &[ChangeHash]) -> sync::Message {
    let hashes: Vec<ChangeHash> = changes.iter().map(Change::hash).collect();
    sync::Message {
        heads: vec![*hashes.last().unwrap()],
        need: vec![],
        have: vec![Have {
            last_sync: shared.to_vec(),
            bloom: BloomFilter::from_hashes(hashes.iter()),
        }],
        changes: changes
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect::<Vec<_>>()
            .into(),
        flags: device.state.their_capabilities.as_ref().map(|_| {
            let mut f = MessageFlags::new();
            f.set(MessageFlags::SUPPORTS_SYNC_RESET);
            f
        }),
        version: MessageVersion::V1,
    }
}

/// The device's last change, rewritten by `edit` (a forged or damaged change).
fn forged(device: &mut Device, edit: impl FnOnce(&mut automerge::ExpandedChange)) -> Change {
    let mut expanded = device.doc.get_last_local_change().unwrap().decode();
    edit(&mut expanded);
    expanded.hash = None;
    Change::from(expanded)
}

#[test]
fn anything_but_plain_typing_into_an_editable_text_goes_the_ordinary_way() {
    let (mut device, fast, _) = start();
    let heads = fast.doc.get_heads();
    let check = |device: &Device, change: &Change, fields: &[&str]| {
        let message = message_with(device, std::slice::from_ref(change), &heads);
        fast.typing
            .check(&fast.doc, fields, &device.on_fast, &message)
            .is_some()
    };
    let end = device.len("premises");
    device.splice("premises", end, 0, "a");
    let typed = device.doc.get_last_local_change().unwrap();
    assert!(check(&device, &typed, FIELDS), "plain typing is accepted");
    assert!(
        !check(&device, &typed, &["childrenViews"]),
        "a field the author may not edit"
    );

    let bogus = OpId(9_999, ActorId::random());
    let cases: Vec<(&str, Change)> = vec![
        (
            "insert after an unknown element",
            forged(&mut device, |c| {
                c.operations[0].key = Key::Seq(ElementId::Id(bogus.clone()));
            }),
        ),
        (
            "a delete whose pred is not the element",
            forged(&mut device, |c| {
                let target = c.operations[0].key.clone();
                c.operations[0] = automerge::legacy::Op {
                    action: OpType::Delete,
                    insert: false,
                    key: target,
                    pred: vec![bogus.clone()].into(),
                    obj: c.operations[0].obj.clone(),
                };
            }),
        ),
        (
            "a seq that is not the actor's next",
            forged(&mut device, |c| c.seq += 1),
        ),
        (
            "ops numbered below the document's",
            forged(&mut device, |c| {
                c.start_op = std::num::NonZeroU64::new(1).unwrap();
            }),
        ),
        (
            "not on the server's heads",
            forged(&mut device, |c| c.deps = vec![]),
        ),
        (
            "a put into the root map",
            forged(&mut device, |c| {
                c.operations[0].obj = ObjectId::Root;
                c.operations[0].key = Key::Map("title".into());
                c.operations[0].insert = false;
            }),
        ),
        (
            "a number into the text",
            forged(&mut device, |c| {
                c.operations[0].action = OpType::Put(ScalarValue::Int(7));
            }),
        ),
    ];
    for (why, change) in cases {
        assert!(!check(&device, &change, FIELDS), "{why}");
    }
    // The untouched change is still fine: nothing was adopted on the way.
    assert!(check(&device, &typed, FIELDS));
}

#[test]
fn a_text_at_its_length_limit_takes_no_more_typing_but_takes_deletes() {
    let mut doc = record_doc();
    let premises = match doc.get(ROOT, "premises").unwrap() {
        Some((_, id)) => id,
        None => unreachable!(),
    };
    let len = doc.length(&premises);
    doc.splice_text(&premises, len, 0, &"x".repeat(MAX_TEXT_CHARS - len))
        .unwrap();
    doc.commit();
    let mut device = Device::new(doc);
    let mut reference = Automerge::new();
    let mut fast = FastServer::new(Automerge::new());
    sync_both(&mut device, &mut fast, &mut reference);
    let heads = fast.doc.get_heads();

    device.splice("premises", 0, 0, "y");
    let over = device.doc.get_last_local_change().unwrap();
    let message = message_with(&device, &[over], &heads);
    assert!(
        fast.typing
            .check(&fast.doc, FIELDS, &device.on_fast, &message)
            .is_none()
    );

    let mut trimmed = Device::new(AutoCommit::load(&fast.doc.save()).unwrap());
    trimmed.splice("premises", 0, 1, "");
    let delete = trimmed.doc.get_last_local_change().unwrap();
    let message = message_with(&trimmed, &[delete], &heads);
    assert!(
        fast.typing
            .check(&fast.doc, FIELDS, &sync::State::new(), &message)
            .is_some()
    );
}

/// A small deterministic generator, so a failing sequence repeats exactly.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

#[test]
fn random_edits_from_two_devices_get_automerges_own_replies() {
    for seed in 1..=6 {
        let mut random = Lcg(seed);
        let (laptop, mut fast, mut reference) = start();
        let mut phone = Device::new(AutoCommit::new());
        sync_both(&mut phone, &mut fast, &mut reference);
        let mut devices = [laptop, phone];
        for _ in 0..60 {
            let who = random.below(2);
            let device = &mut devices[who];
            // One to three edits before the device syncs.
            for _ in 0..=random.below(3) {
                let field = ["premises", "childrenViews"][random.below(2)];
                let len = device.len(field);
                match random.below(6) {
                    0 if len > 0 => device.splice(field, random.below(len), 1, ""),
                    1 => device.splice(field, random.below(len + 1), 0, "pasted words "),
                    2 => {
                        device
                            .doc
                            .put(ROOT, "title", format!("t{}", random.below(99)))
                            .unwrap();
                        device.doc.commit();
                    }
                    _ => device.splice(field, random.below(len + 1), 0, "k"),
                }
            }
            sync_both(device, &mut fast, &mut reference);
            // Sometimes the other device hears of it at once, sometimes later.
            if random.below(2) == 0 {
                push_both(&mut devices[1 - who], &mut fast, &mut reference);
            }
        }
        for device in &mut devices {
            push_both(device, &mut fast, &mut reference);
        }
        assert!(fast.fast > 10, "seed {seed}: typing took the fast path");
        settled_equal(&mut fast, &reference);
        assert_eq!(devices[0].doc.get_heads(), reference.get_heads());
        assert_eq!(devices[1].doc.get_heads(), reference.get_heads());
    }
}
