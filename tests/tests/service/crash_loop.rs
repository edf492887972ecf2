//! Crash loop: three members keep writing to their records over real WebSockets while the real
//! server process is SIGKILLed twenty times, each at a moment drawn at random (after a random
//! number of acknowledgements in that round, so other writes are in flight). After every
//! restart, every change any client saw acknowledged is on the server, and SQLite's
//! `PRAGMA integrity_check` says `ok`.
//!
//! No sleeps: each round ends on the acknowledgements it waits for, and each writer stops on
//! the connection error the kill causes.

use std::sync::{Arc, Mutex};

use automerge::{AutoCommit, ChangeHash, ReadDoc};
use hearth_e2e::{Api, SyncClient, TestServer, now_ms, server_bin};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{Record, VisitNote};
use hearth_shared::permissions::Role;
use tokio::sync::watch;

const KILLS: usize = 20;

/// What the writers saw acknowledged: (document, the heads the server acknowledged).
type Acknowledged = Arc<Mutex<Vec<(DocumentId, Vec<ChangeHash>)>>>;

/// A small xorshift, seeded from the clock and printed, so a failing run can be replayed by
/// setting `HEARTH_CRASH_SEED`.
struct Draw(u64);

impl Draw {
    fn seeded() -> Draw {
        let seed = std::env::var("HEARTH_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(now_ms() as u64 | 1);
        eprintln!("crash loop seed: HEARTH_CRASH_SEED={seed}");
        Draw(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// One member's device: their session (re-pointed at each restart's port; the cookie is the
/// same) and their copy of their own visit note, carried from connection to connection.
struct Writer {
    api: Api,
    id: DocumentId,
    doc: AutoCommit,
    tag: usize,
    edits: usize,
}

/// Edits and syncs until the connection fails (the server was killed); returns the writer with
/// its copy as it was, unacknowledged edits included, to carry on after the restart.
async fn write_until_cut(
    mut writer: Writer,
    mut client: SyncClient,
    acknowledged: Acknowledged,
    count: watch::Sender<usize>,
) -> Writer {
    client.insert(writer.id, writer.doc.clone());
    loop {
        // What the device has is first brought to the server (edits left unacknowledged by the
        // last kill included), then one more edit at a time: typing into the body (the typing
        // fast path) and, every fifth, the attendees (the ordinary path).
        let result = client.sync_doc(writer.id).await;
        writer.doc = client.doc(writer.id).clone();
        if result.is_err() {
            return writer;
        }
        acknowledged
            .lock()
            .expect("not poisoned")
            .push((writer.id, client.heads(writer.id)));
        count.send_modify(|n| *n += 1);
        writer.edits += 1;
        let (tag, n) = (writer.tag, writer.edits);
        client.edit(writer.id, |record| {
            let Record::VisitNote(note) = record else {
                panic!("a visit note")
            };
            if n % 5 == 0 {
                note.attendees = vec![format!("Cllr Test Member {tag}"), format!("Guest {n}")];
            } else {
                let end = note.body.as_str().len();
                note.body.splice(end, 0, format!("{tag}.{n} "));
            }
        });
    }
}

fn integrity_check(server: &TestServer) -> String {
    let db = rusqlite::Connection::open(server.data_dir().join("hearth.sqlite3"))
        .expect("the database opens");
    db.query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("integrity_check runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_changes_survive_twenty_sigkills_at_random_moments() {
    let mut server = TestServer::start(server_bin!()).await;
    let home = server.home("Synthetic House Crash").await;
    let mut writers = Vec::new();
    for tag in 0..3 {
        let (api, member) = server.user(Role::Member, &[&home]).await;
        let mut client = api.sync().await;
        let id = client.create(&Record::VisitNote(VisitNote::new(
            &member.id,
            &home,
            now_ms(),
        )));
        client.sync_doc(id).await.expect("the note is stored");
        let doc = client.doc(id).clone();
        client.close().await;
        writers.push(Writer {
            api,
            id,
            doc,
            tag,
            edits: 0,
        });
    }
    let acknowledged: Acknowledged = Arc::default();
    let mut draw = Draw::seeded();

    for kill in 1..=KILLS {
        let (count, mut counted) = watch::channel(0usize);
        // Connected before the round starts, while the server is surely up.
        let mut tasks = Vec::new();
        for writer in writers.drain(..) {
            let client = writer.api.sync().await;
            tasks.push(tokio::spawn(write_until_cut(
                writer,
                client,
                acknowledged.clone(),
                count.clone(),
            )));
        }
        // The moment: after 1 to 12 acknowledgements in this round, whoever they came from.
        let moment = 1 + draw.below(12) as usize;
        tokio::time::timeout(hearth_e2e::WAIT, counted.wait_for(|n| *n >= moment))
            .await
            .unwrap_or_else(|_| panic!("round {kill}: {moment} acknowledgements in time"))
            .expect("the writers are running");
        server.kill9().await;
        for task in tasks {
            writers.push(task.await.expect("a writer task ends"));
        }

        server.start_again().await;
        assert_eq!(integrity_check(&server), "ok", "after kill {kill}");
        for writer in &mut writers {
            writer.api.base = server.base.clone();
        }
        // Every acknowledged change so far is on the server, read by a fresh connection.
        for writer in &writers {
            let mut fresh = writer.api.sync().await;
            fresh
                .fetch(writer.id)
                .await
                .unwrap_or_else(|e| panic!("after kill {kill}: the note reads: {e}"));
            let stored = fresh.doc(writer.id).clone();
            for (id, heads) in acknowledged.lock().expect("not poisoned").iter() {
                if *id != writer.id {
                    continue;
                }
                for hash in heads {
                    assert!(
                        stored.get_change_by_hash(hash).is_some(),
                        "after kill {kill}: acknowledged change {hash} of {id} is stored"
                    );
                }
            }
            fresh.close().await;
        }
    }
    let total = acknowledged.lock().expect("not poisoned").len();
    eprintln!("crash loop: {KILLS} kills, {total} acknowledged syncs checked after each");
    assert!(total >= KILLS, "every round saw acknowledgements");
}
