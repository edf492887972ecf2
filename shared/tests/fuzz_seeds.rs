//! The fuzz targets' seed corpora (`fuzz/seeds/<target>/`) are real frames: what a device and
//! the server say to each other, including frames written by automerge-repo's own encoder.
//!
//! `HEARTH_WRITE_FUZZ_SEEDS=1 cargo test -p hearth-shared --test fuzz_seeds` writes them afresh
//! (from real records, real Automerge sync exchanges and Hearth's encoder). Without it, the test
//! checks that every committed seed is still what its target expects, so a protocol change that
//! makes the seeds stale fails here rather than quietly weakening the fuzzing.

use std::path::{Path, PathBuf};

use automerge::sync::{self, SyncDoc};
use automerge::{AutoCommit, Automerge};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{
    Answer, ConsultationResponse, Inspection, Record, VisitNote, WorkflowState,
};
use hearth_shared::protocol::{
    ClientHandshake, HandshakeEvent, Message, PeerMetadata, ServerHandshake,
};
use hearth_shared::rules;

/// 2026-11-03T10:00:00Z.
const NOW: i64 = 1_793_700_000_000;

/// Frames written by automerge-repo 2.5 (as in `protocol::message`'s tests, produced by
/// `shared/tests/fixtures/automerge_repo_frames.cjs`).
const REPO_FRAMES: [(&str, &str); 4] = [
    (
        "repo_join",
        "b900046474797065646a6f696e6873656e646572496468636c69656e742d616c706565724d65746164617461b900026973746f726167654964782436623563393034312d356466312d343136612d393965612d3664313033343433646434626b6973457068656d6572616cf47819737570706f7274656450726f746f636f6c56657273696f6e73816131",
    ),
    (
        "repo_request",
        "b90005647479706567726571756573746874617267657449646b7365727665722d706565726a646f63756d656e744964781c326155335864627a48376979667669383343467277754c514a43397364646174614a420000010000000202846873656e646572496468636c69656e742d62",
    ),
    (
        "repo_ephemeral",
        "b90007647479706569657068656d6572616c6874617267657449646b7365727665722d706565726a646f63756d656e744964781c326155335864627a48376979667669383343467277754c514a43397364646174614bb9000166637572736f720165636f756e74016973657373696f6e49646b6a636f67637a32747433386873656e646572496468636c69656e742d62",
    ),
    (
        "repo_remote_subscription_change",
        "b900046474797065781a72656d6f74652d737562736372697074696f6e2d6368616e67656874617267657449646b7365727665722d706565726361646481782434363936613465312d626161652d346361342d613339332d6361313637383132333336616873656e646572496468636c69656e742d61",
    ),
];

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

fn seeds_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/seeds")
        .join(target)
}

/// A device's document holding `record`.
fn device_doc(record: &Record) -> AutoCommit {
    let mut doc = AutoCommit::new();
    record
        .write_to(&mut doc)
        .expect("a model record reconciles");
    doc.commit();
    doc
}

/// The message a device sends once the server (holding `stored`) has told it what it has: the
/// one that carries the device's changes. Found by running the real exchange.
fn message_with_changes(device: &mut AutoCommit, stored: &Automerge) -> Vec<u8> {
    let mut server = stored.clone();
    let (mut device_state, mut server_state) = (sync::State::new(), sync::State::new());
    for _ in 0..8 {
        let Some(message) = device.sync().generate_sync_message(&mut device_state) else {
            break;
        };
        if !message.changes.is_empty() {
            return message.encode();
        }
        server
            .receive_sync_message(&mut server_state, message)
            .expect("the server reads the device's message");
        if let Some(reply) = server.generate_sync_message(&mut server_state) {
            device
                .sync()
                .receive_sync_message(&mut device_state, reply)
                .expect("the device reads the reply");
        }
    }
    panic!("the device never sent its changes");
}

/// A change_ingestion input: who (see the target's `actor`), the stored document, the message.
fn ingestion_input(who: u8, stored: &[u8], message: &[u8]) -> Vec<u8> {
    let length = u16::try_from(stored.len()).expect("seed documents are small");
    let mut input = vec![who];
    input.extend_from_slice(&length.to_be_bytes());
    input.extend_from_slice(stored);
    input.extend_from_slice(message);
    input
}

/// A handshake input: frames, each after its 2-byte big-endian length.
fn handshake_input(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut input = Vec::new();
    for frame in frames {
        let length = u16::try_from(frame.len()).expect("seed frames are small");
        input.extend_from_slice(&length.to_be_bytes());
        input.extend_from_slice(frame);
    }
    input
}

struct Seeds {
    wire: Vec<(String, Vec<u8>)>,
    handshake: Vec<(String, Vec<u8>)>,
    ingestion: Vec<(String, Vec<u8>)>,
}

/// Real exchanges: a member creating a visit note, editing and submitting a Regulation 33
/// record, a young person submitting a response, as the frames that carry them.
fn make_seeds() -> Seeds {
    // Role bytes as the change_ingestion target reads them: 0 member m1, 4 young person yp1.
    const MEMBER: u8 = 0;
    const YOUNG_PERSON: u8 = 4;
    let mut wire: Vec<(String, Vec<u8>)> = REPO_FRAMES
        .iter()
        .map(|(name, hex)| (name.to_string(), unhex(hex)))
        .collect();
    let mut ingestion = Vec::new();

    // A new visit note, sent to a server that has none.
    let mut note = VisitNote::new("m1", "home-1", NOW);
    note.attendees = vec!["Cllr Test Member".into()];
    let mut device = device_doc(&Record::VisitNote(note));
    let create_note = message_with_changes(&mut device, &Automerge::new());
    ingestion.push((
        "create_visit_note".to_string(),
        ingestion_input(MEMBER, &[], &create_note),
    ));

    // A draft inspection the server holds; the member writes premises and submits it.
    let mut inspection = Inspection::new("m1", "home-1", NOW);
    inspection.time_in = "10:00".into();
    inspection.time_out = "11:30".into();
    let mut device = device_doc(&Record::Inspection(inspection));
    let stored = device.document().clone();
    let mut record = Record::from_doc(device.document()).expect("reads");
    if let Record::Inspection(i) = &mut record {
        i.premises = autosurgeon::Text::with_value("Clean and warm; the garden gate sticks.");
    }
    record.write_to(&mut device).expect("edit");
    device.commit();
    let typed = message_with_changes(&mut device, &stored);
    ingestion.push((
        "edit_inspection".to_string(),
        ingestion_input(MEMBER, &stored.save(), &typed),
    ));
    let stored = device.document().clone();
    let mut record = rules::validate(device.document()).expect("a valid draft");
    if let Record::Inspection(i) = &mut record {
        i.state = WorkflowState::Submitted;
    }
    record.write_to(&mut device).expect("submit");
    device.commit();
    let submit = message_with_changes(&mut device, &stored);
    ingestion.push((
        "submit_inspection".to_string(),
        ingestion_input(MEMBER, &stored.save(), &submit),
    ));

    // A young person's response, submitted.
    let consultation = DocumentId::random().to_url();
    let mut response = ConsultationResponse::new("yp1", &consultation, NOW);
    response.answers = vec![Answer::scale("q1", 4)];
    response.consent_given = true;
    response.submitted_at = Some(NOW + 60_000);
    response.state = WorkflowState::Submitted;
    let mut device = device_doc(&Record::ConsultationResponse(response));
    let respond = message_with_changes(&mut device, &Automerge::new());
    ingestion.push((
        "submit_response".to_string(),
        ingestion_input(YOUNG_PERSON, &[], &respond),
    ));

    // The same exchanges as protocol frames, from Hearth's encoder.
    let id = DocumentId::random();
    let mut client = ClientHandshake::new(
        "device-1".into(),
        PeerMetadata {
            storage_id: None,
            is_ephemeral: true,
        },
    );
    let mut server = ServerHandshake::new("server-peer".into(), "storage-1".into());
    let join = client.join();
    let HandshakeEvent::Joined { reply: peer, .. } = server.on_message(join.clone()) else {
        panic!("the server accepts the join");
    };
    client.on_message(peer.clone());
    let request = client
        .request(id, create_note.clone())
        .expect("joined: may request");
    let sync = client.sync(id, typed.clone()).expect("joined: may sync");
    let refused = server.error_with_code(
        "record_locked",
        "That record is locked.",
        Some(&id.to_string()),
    );
    let unavailable = server.doc_unavailable(id).expect("joined");
    let reply = server.sync(id, submit.clone()).expect("joined");
    for (name, message) in [
        ("join", &join),
        ("peer", &peer),
        ("request", &request),
        ("sync", &sync),
        ("error", &refused),
        ("doc_unavailable", &unavailable),
        ("server_sync", &reply),
    ] {
        wire.push((name.to_string(), message.encode()));
    }
    let handshake = vec![
        (
            "join_request_sync".to_string(),
            handshake_input(&[join.encode(), request.encode(), sync.encode()]),
        ),
        (
            "sync_before_join".to_string(),
            handshake_input(&[sync.encode(), join.encode()]),
        ),
        (
            "repo_join_then_frames".to_string(),
            handshake_input(
                &REPO_FRAMES
                    .iter()
                    .map(|(_, hex)| unhex(hex))
                    .collect::<Vec<_>>(),
            ),
        ),
    ];
    Seeds {
        wire,
        handshake,
        ingestion,
    }
}

fn read_seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut seeds: Vec<_> = std::fs::read_dir(seeds_dir(target))
        .unwrap_or_else(|e| panic!("fuzz/seeds/{target} is readable: {e}"))
        .map(|entry| {
            let path = entry.expect("a directory entry").path();
            let name = path.file_name().expect("a name").to_string_lossy().into();
            (name, std::fs::read(&path).expect("a seed reads"))
        })
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "fuzz/seeds/{target} has seeds");
    seeds
}

#[test]
fn fuzz_seeds_are_real_frames_each_target_accepts() {
    if std::env::var_os("HEARTH_WRITE_FUZZ_SEEDS").is_some() {
        let seeds = make_seeds();
        for (target, set) in [
            ("wire_decode", &seeds.wire),
            ("handshake", &seeds.handshake),
            ("change_ingestion", &seeds.ingestion),
        ] {
            let dir = seeds_dir(target);
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("the seeds folder can be made");
            for (name, bytes) in set {
                std::fs::write(dir.join(name), bytes).expect("a seed is written");
            }
        }
    }

    for (name, frame) in read_seeds("wire_decode") {
        Message::decode(&frame).unwrap_or_else(|e| panic!("wire_decode/{name} decodes: {e}"));
    }
    for (name, input) in read_seeds("handshake") {
        let mut frames = Vec::new();
        let mut rest = &input[..];
        while rest.len() >= 2 {
            let length = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
            frames.push(&rest[2..2 + length]);
            rest = &rest[2 + length..];
        }
        assert!(rest.is_empty(), "handshake/{name} is whole frames");
        let mut server = ServerHandshake::new("server-peer".into(), "storage-1".into());
        let joined = frames
            .iter()
            .any(|frame| matches!(server.on_frame(frame), HandshakeEvent::Joined { .. }));
        assert!(joined, "handshake/{name} joins");
    }
    for (name, input) in read_seeds("change_ingestion") {
        let length = usize::from(u16::from_be_bytes([input[1], input[2]]));
        let (stored, message) = input[3..].split_at(length);
        let doc = hearth_shared::sync::load_chunks(&[stored.to_vec()])
            .unwrap_or_else(|e| panic!("change_ingestion/{name}: the stored document loads: {e}"));
        let proposal = hearth_shared::sync::receive(&doc, &sync::State::new(), message)
            .unwrap_or_else(|e| panic!("change_ingestion/{name}: the message applies: {e}"));
        assert!(
            proposal.changed(),
            "change_ingestion/{name} carries a change"
        );
        rules::validate(&proposal.doc)
            .unwrap_or_else(|e| panic!("change_ingestion/{name}: the result is a record: {e}"));
    }
}
