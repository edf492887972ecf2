//! Property: any interleaving of edits, syncs, disconnects and refusals across three devices and
//! the server's receive path converges, and every change the server acknowledged is on every
//! device after a final sync.
//!
//! The server here is the shared core exactly as `server/src/sync/connection.rs` drives it,
//! without sockets or SQLite: `sync::decode` + `sync::receive_in_place` on the document itself,
//! `rules::validate` + `rules::check_change` as the author, then either a commit (the chunk is
//! appended to the "store") or a discard (the document is loaded again from the store), an
//! `error` to the device and no more syncing of that document on that connection. A refused
//! device does what the protocol asks of it: it drops its copy and loads the server's.

use std::collections::BTreeSet;

use automerge::sync::{self, SyncDoc};
use automerge::transaction::CommitOptions;
use automerge::{ActorId, AutoCommit, Automerge, ChangeHash, ReadDoc};
use hearth_shared::model::{Inspection, Record};
use hearth_shared::permissions::{Actor, Role};
use hearth_shared::rules;
use hearth_shared::sync as hsync;
use proptest::prelude::*;

/// 2026-11-03T10:00:00Z.
const NOW: i64 = 1_793_700_000_000;

fn member(id: &str) -> Actor {
    Actor {
        user_id: id.into(),
        role: Role::Member,
        homes: vec!["home-1".into()],
    }
}

/// What a device does to its copy of the record.
#[derive(Debug, Clone)]
enum Edit {
    /// Types at the end of the premises text (a freely edited text).
    Type(String),
    /// Sets the time out to a valid `HH:MM`.
    TimeOut(u8, u8),
    /// Turns "announced" on or off.
    Announced(bool),
    /// Sets the time in to something that is not a time: the server refuses it.
    BadTimeIn,
}

#[derive(Debug, Clone)]
enum Step {
    Edit(usize, Edit),
    Sync(usize),
    Disconnect(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => "[a-z ]{1,6}".prop_map(Edit::Type),
        2 => (0u8..24, 0u8..60).prop_map(|(h, m)| Edit::TimeOut(h, m)),
        1 => any::<bool>().prop_map(Edit::Announced),
        1 => Just(Edit::BadTimeIn),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0usize..3, edit()).prop_map(|(d, e)| Step::Edit(d, e)),
        3 => (0usize..3).prop_map(Step::Sync),
        1 => (0usize..3).prop_map(Step::Disconnect),
    ]
}

/// The server's side: the committed chunks (its store), the document in memory, and each
/// device's connection (sync state, and whether a change of it was refused on it).
struct Server {
    stored: Vec<Vec<u8>>,
    doc: Automerge,
    record: Record,
    peers: [(sync::State, bool); 3],
    acknowledged: BTreeSet<ChangeHash>,
}

struct Device {
    doc: AutoCommit,
    state: sync::State,
    author: Actor,
}

enum Handled {
    Reply(Option<Vec<u8>>),
    Refused,
}

impl Server {
    fn new(initial: &Automerge) -> Server {
        let stored = vec![initial.save()];
        let doc = hsync::load_chunks(&stored).expect("the initial record loads");
        let record = rules::validate(&doc).expect("the initial record is valid");
        Server {
            stored,
            doc,
            record,
            peers: std::array::from_fn(|_| (sync::State::new(), false)),
            acknowledged: initial.get_heads().into_iter().collect(),
        }
    }

    /// `connection.rs`'s `apply`, on one message from device `d` written by `author`.
    fn handle(&mut self, d: usize, author: &Actor, bytes: &[u8]) -> Handled {
        if self.peers[d].1 {
            return Handled::Refused;
        }
        let Ok(message) = hsync::decode(bytes) else {
            return Handled::Refused;
        };
        let received = match hsync::receive_in_place(&mut self.doc, &self.peers[d].0, message) {
            Ok(received) => received,
            Err(_) => {
                self.discard();
                return Handled::Refused;
            }
        };
        if let Some(chunk) = received.new_chunk {
            let checked = rules::validate(&self.doc).and_then(|after| {
                rules::check_change(Some(&self.record), &after, author).map(|()| after)
            });
            match checked {
                Ok(after) => {
                    self.stored.push(chunk);
                    self.record = after;
                    self.acknowledged.extend(self.doc.get_heads());
                    for change in self.doc.get_changes(&[]) {
                        self.acknowledged.insert(change.hash());
                    }
                    let reloaded = hsync::load_chunks(&self.stored).expect("the store loads");
                    assert_eq!(
                        reloaded.get_heads(),
                        self.doc.get_heads(),
                        "memory holds exactly what is stored"
                    );
                }
                Err(_) => {
                    self.discard();
                    self.peers[d].1 = true;
                    return Handled::Refused;
                }
            }
        }
        self.peers[d].0 = received.state;
        if received.waiting {
            // Changes left waiting for dependencies are dropped, committed or not, and the
            // device is asked for them again with what they lack.
            self.discard();
            return Handled::Reply(hsync::outgoing_after_dropping(
                &self.doc,
                &mut self.peers[d].0,
                &received.missing,
            ));
        }
        Handled::Reply(hsync::outgoing(&self.doc, &mut self.peers[d].0))
    }

    /// Throws the in-memory document away and loads it again from the store.
    fn discard(&mut self) {
        self.doc = hsync::load_chunks(&self.stored).expect("the store loads");
    }

    /// A device reconnects: a new connection, with no sync state and no refusal.
    fn reconnect(&mut self, d: usize) {
        self.peers[d] = (sync::State::new(), false);
    }
}

impl Device {
    fn edit(&mut self, edit: &Edit) {
        let mut record = Record::from_doc(&self.doc).expect("the device's copy reads");
        let Record::Inspection(inspection) = &mut record else {
            panic!("an inspection");
        };
        match edit {
            Edit::Type(text) => {
                let end = inspection.premises.as_str().len();
                inspection.premises.splice(end, 0, text);
            }
            Edit::TimeOut(h, m) => inspection.time_out = format!("{h:02}:{m:02}"),
            Edit::Announced(on) => inspection.announced = *on,
            Edit::BadTimeIn => inspection.time_in = "half past ten".into(),
        }
        record.write_to(&mut self.doc).expect("the edit is written");
        // A fixed time and fixed actors: the same steps give the same change hashes, so a
        // failure replays exactly.
        self.doc.commit_with(CommitOptions::default().with_time(0));
    }

    /// Drops this copy and takes the server's (what a device does after a refusal).
    fn reload_from(&mut self, server: &Server) {
        let actor = self.doc.get_actor().clone();
        self.doc = AutoCommit::load(&server.doc.save())
            .expect("the server's document loads")
            .with_actor(actor);
        self.state = sync::State::new();
    }
}

/// One connection's worth of syncing: messages back and forth until neither side has anything
/// to say, or the server refuses (then the device reloads, on a new connection).
fn sync_device(server: &mut Server, devices: &mut [Device], d: usize) {
    for _ in 0..32 {
        let device = &mut devices[d];
        let Some(message) = device.doc.sync().generate_sync_message(&mut device.state) else {
            return;
        };
        let author = device.author.clone();
        match server.handle(d, &author, &message.encode()) {
            Handled::Refused => {
                devices[d].reload_from(server);
                server.reconnect(d);
                return;
            }
            Handled::Reply(None) => {}
            Handled::Reply(Some(reply)) => {
                let reply = sync::Message::decode(&reply).expect("the server's reply decodes");
                let device = &mut devices[d];
                device
                    .doc
                    .sync()
                    .receive_sync_message(&mut device.state, reply)
                    .expect("the device applies the server's reply");
            }
        }
    }
    panic!("syncing device {d} did not settle");
}

fn run(steps: &[Step]) {
    let mut initial = AutoCommit::new().with_actor(ActorId::from([0xee; 16]));
    let mut inspection = Inspection::new("m1", "home-1", NOW);
    inspection.time_in = "10:00".into();
    inspection.time_out = "11:30".into();
    Record::Inspection(inspection)
        .write_to(&mut initial)
        .expect("written");
    initial.commit_with(CommitOptions::default().with_time(0));
    let initial = initial.document().clone();
    let mut server = Server::new(&initial);
    // Two devices of the creator and one of another member of the home.
    let mut devices: Vec<Device> = ["m1", "m1", "m2"]
        .iter()
        .enumerate()
        .map(|(d, who)| Device {
            doc: AutoCommit::load(&initial.save())
                .expect("loads")
                .with_actor(ActorId::from([d as u8 + 1; 16])),
            state: sync::State::new(),
            author: member(who),
        })
        .collect();

    for step in steps {
        match step {
            Step::Edit(d, edit) => devices[*d].edit(edit),
            Step::Sync(d) => sync_device(&mut server, &mut devices, *d),
            Step::Disconnect(d) => {
                devices[*d].state = sync::State::new();
                server.reconnect(*d);
            }
        }
    }

    // The final sync: every device reconnects and syncs, twice round, so each also receives
    // what the others sent.
    for _ in 0..2 {
        for d in 0..devices.len() {
            devices[d].state = sync::State::new();
            server.reconnect(d);
            sync_device(&mut server, &mut devices, d);
        }
    }

    let heads = server.doc.get_heads();
    rules::validate(&server.doc).expect("the server's record is valid");
    for (d, device) in devices.iter_mut().enumerate() {
        assert_eq!(
            device.doc.get_heads(),
            heads,
            "device {d} converged with the server"
        );
        for hash in &server.acknowledged {
            assert!(
                device.doc.get_change_by_hash(hash).is_some(),
                "device {d} holds acknowledged change {hash}"
            );
        }
        assert_eq!(
            Record::from_doc(&device.doc).expect("reads"),
            server.record,
            "device {d} shows the server's record"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// It found connections whose sync never settled (three devices only typing: about one
    /// case in a few hundred), because the server dropped changes left waiting for a dependency
    /// that the device's bloom filter had wrongly said the server held, while the device counted
    /// them as sent. `sync::outgoing_after_dropping` now asks the device to send them again.
    #[test]
    fn any_interleaving_of_edits_syncs_disconnects_and_refusals_converges(
        steps in proptest::collection::vec(step(), 1..40)
    ) {
        run(&steps);
    }
}

/// A fixed interleaving with a refusal in the middle of other devices' work, so the property's
/// hardest case is always exercised whatever the random cases draw.
#[test]
fn a_refused_device_reloads_and_everyone_converges() {
    run(&[
        Step::Edit(0, Edit::Type("warm ".into())),
        Step::Edit(2, Edit::TimeOut(12, 15)),
        Step::Sync(2),
        Step::Edit(1, Edit::BadTimeIn),
        Step::Edit(1, Edit::Type("lost with the refusal ".into())),
        Step::Sync(1),
        Step::Sync(0),
        Step::Disconnect(2),
        Step::Edit(2, Edit::Announced(true)),
    ]);
}
