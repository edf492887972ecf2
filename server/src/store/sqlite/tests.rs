//! Tests against real SQLite files in temporary folders. All names are synthetic.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hearth_shared::ids::DocumentId;
use hearth_shared::model::{DocMeta, RecordKind, WorkflowState};
use hearth_shared::permissions::Role;
use rusqlite::Connection;
use tempfile::TempDir;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::writer::{self, commit_group};
use super::{SqliteOptions, SqliteStore, accounts, audit, configure_writer, homes, schema};
use crate::store::{AuditEvent, NewSession, NewUser, Store, StoreError, Ticket};

// --- builders ---

fn db_path(dir: &TempDir) -> PathBuf {
    // A folder that does not exist yet: `open` must create it.
    dir.path().join("data").join("hearth.sqlite")
}

fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path, SqliteOptions::default()).expect("open the store")
}

fn fresh() -> (TempDir, PathBuf, SqliteStore) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = db_path(&dir);
    let store = open(&path);
    (dir, path, store)
}

fn visit_note(state: WorkflowState) -> DocMeta {
    DocMeta {
        kind: RecordKind::VisitNote,
        home_id: Some("home-test-1".into()),
        created_by: "user-test-1".into(),
        state,
        title: "Visit note (test)".into(),
        consultation_id: None,
    }
}

fn new_user(username: &str, role: Role) -> NewUser {
    NewUser {
        must_change_password: false,
        username: username.into(),
        display_name: format!("Test {username}"),
        role,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$dGVzdHNhbHQ$dGVzdGhhc2g".into(),
    }
}

fn event(action: &str, document_id: Option<DocumentId>, at_ms: i64) -> AuditEvent {
    AuditEvent {
        at_ms,
        user_id: Some("user-test-1".into()),
        action: action.into(),
        document_id,
        subject: None,
        detail: "test".into(),
    }
}

/// A write connection on an existing store file, for driving the writer's pieces directly.
fn write_connection(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("open write connection");
    configure_writer(&conn, std::time::Duration::from_secs(5)).expect("configure");
    conn
}

// --- documents ---

#[tokio::test]
async fn appended_chunks_load_in_order_with_the_latest_meta() {
    let (_dir, _path, store) = fresh();
    let id = DocumentId::random();
    assert!(store.load_document(id).await.unwrap().is_none());
    assert!(store.document_meta(id).await.unwrap().is_none());

    store
        .append_chunk(
            id,
            visit_note(WorkflowState::Draft),
            None,
            b"one".to_vec(),
            1_000,
        )
        .await
        .unwrap();
    store
        .append_chunk(
            id,
            visit_note(WorkflowState::Draft),
            None,
            b"two".to_vec(),
            2_000,
        )
        .await
        .unwrap();
    store
        .append_chunk(
            id,
            visit_note(WorkflowState::Submitted),
            None,
            b"three".to_vec(),
            3_000,
        )
        .await
        .unwrap();

    let doc = store.load_document(id).await.unwrap().expect("stored");
    assert_eq!(
        doc.chunks,
        vec![b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]
    );
    assert_eq!(doc.meta, visit_note(WorkflowState::Submitted));
    assert_eq!(
        store.document_meta(id).await.unwrap(),
        Some(visit_note(WorkflowState::Submitted))
    );

    let other = DocumentId::random();
    store
        .append_chunk(
            other,
            visit_note(WorkflowState::Draft),
            None,
            b"x".to_vec(),
            5_000,
        )
        .await
        .unwrap();
    let list = store.list_documents().await.unwrap();
    assert_eq!(list.len(), 2);
    // Most recently changed first.
    assert_eq!(list[0].id, other);
    assert_eq!(list[1].id, id);
    assert_eq!(list[1].updated_at_ms, 3_000);
    assert_eq!(list[1].meta.state, WorkflowState::Submitted);
}

#[tokio::test]
async fn compaction_replaces_the_first_chunks_and_keeps_later_ones() {
    let (_dir, _path, store) = fresh();
    let id = DocumentId::random();
    for (i, chunk) in ["c1", "c2", "c3", "c4", "c5"].iter().enumerate() {
        store
            .append_chunk(
                id,
                visit_note(WorkflowState::Draft),
                None,
                chunk.as_bytes().to_vec(),
                i as i64,
            )
            .await
            .unwrap();
    }

    store.compact(id, b"snap-1..3".to_vec(), 3).await.unwrap();
    let chunks = store.load_document(id).await.unwrap().unwrap().chunks;
    assert_eq!(
        chunks,
        vec![b"snap-1..3".to_vec(), b"c4".to_vec(), b"c5".to_vec()]
    );

    // Later appends go after everything, and a second compaction can absorb the first snapshot.
    store
        .append_chunk(
            id,
            visit_note(WorkflowState::Draft),
            None,
            b"c6".to_vec(),
            9,
        )
        .await
        .unwrap();
    store.compact(id, b"snap-1..4".to_vec(), 4).await.unwrap();
    let chunks = store.load_document(id).await.unwrap().unwrap().chunks;
    assert_eq!(
        chunks,
        vec![b"snap-1..4".to_vec(), b"c5".to_vec(), b"c6".to_vec()]
    );
    assert_eq!(store.check().await.unwrap(), Vec::<String>::new());
}

#[tokio::test]
async fn compaction_that_does_not_match_the_stored_chunks_changes_nothing() {
    let (_dir, _path, store) = fresh();
    let id = DocumentId::random();
    store
        .append_chunk(
            id,
            visit_note(WorkflowState::Draft),
            None,
            b"c1".to_vec(),
            1,
        )
        .await
        .unwrap();

    let too_many = store.compact(id, b"snap".to_vec(), 2).await;
    assert!(matches!(
        too_many,
        Err(StoreError::NotFound("chunks to compact"))
    ));
    let none = store.compact(id, b"snap".to_vec(), 0).await;
    assert!(matches!(
        none,
        Err(StoreError::NotFound("chunks to compact"))
    ));
    let unknown = store
        .compact(DocumentId::random(), b"snap".to_vec(), 1)
        .await;
    assert!(matches!(unknown, Err(StoreError::NotFound("document"))));

    let chunks = store.load_document(id).await.unwrap().unwrap().chunks;
    assert_eq!(chunks, vec![b"c1".to_vec()]);
}

// --- users, sessions, tickets ---

#[tokio::test]
async fn users_round_trip_and_usernames_are_unique_ignoring_case() {
    let (_dir, _path, store) = fresh();
    let zed = store
        .create_user(new_user("zed.member", Role::Member))
        .await
        .unwrap();
    let amy = store
        .create_user(new_user("amy.manager", Role::Manager))
        .await
        .unwrap();
    assert!(!zed.disabled);
    assert_ne!(zed.id, amy.id);

    let found = store.user_by_username("zed.member").await.unwrap().unwrap();
    assert_eq!(found.id, zed.id);
    assert_eq!(found.display_name, "Test zed.member");
    assert_eq!(found.role, Role::Member);
    assert_eq!(found.password_hash, zed.password_hash);
    let by_other_case = store.user_by_username("ZED.Member").await.unwrap().unwrap();
    assert_eq!(by_other_case.id, zed.id);
    assert_eq!(
        store.user(&amy.id).await.unwrap().unwrap().username,
        "amy.manager"
    );
    assert!(store.user("no-such-user").await.unwrap().is_none());
    assert!(store.user_by_username("nobody").await.unwrap().is_none());

    let conflict = store.create_user(new_user("Zed.Member", Role::Admin)).await;
    assert!(matches!(conflict, Err(StoreError::Conflict("username"))));

    let names: Vec<_> = store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["amy.manager", "zed.member"]);

    store
        .set_password_hash(&zed.id, "$argon2id$new", None)
        .await
        .unwrap();
    assert_eq!(
        store.user(&zed.id).await.unwrap().unwrap().password_hash,
        "$argon2id$new"
    );
    assert!(matches!(
        store.set_password_hash("no-such-user", "x", None).await,
        Err(StoreError::NotFound("user"))
    ));
}

#[tokio::test]
async fn only_enabled_admins_are_counted() {
    let (_dir, _path, store) = fresh();
    assert_eq!(store.count_admins().await.unwrap(), 0);
    let first = store
        .create_user(new_user("admin.one", Role::Admin))
        .await
        .unwrap();
    store
        .create_user(new_user("admin.two", Role::Admin))
        .await
        .unwrap();
    store
        .create_user(new_user("officer.one", Role::Officer))
        .await
        .unwrap();
    assert_eq!(store.count_admins().await.unwrap(), 2);
    store.set_user_disabled(&first.id, true).await.unwrap();
    assert_eq!(store.count_admins().await.unwrap(), 1);
    store.set_user_disabled(&first.id, false).await.unwrap();
    assert_eq!(store.count_admins().await.unwrap(), 2);
}

/// Two member accounts, for tests about one user's sessions next to someone else's.
async fn two_members(store: &SqliteStore) -> (crate::store::User, crate::store::User) {
    let mut made = Vec::new();
    for name in ["member.one", "member.two"] {
        made.push(
            store
                .create_user(new_user(name, Role::Member))
                .await
                .unwrap(),
        );
    }
    let other = made.pop().unwrap();
    (made.pop().unwrap(), other)
}

/// A session for `user_id`, valid until 10 s after the epoch.
fn session(user_id: &str) -> NewSession {
    session_until(user_id, 10_000)
}

fn session_until(user_id: &str, expires_at_ms: i64) -> NewSession {
    NewSession {
        user_id: user_id.into(),
        label: "Firefox on Windows".into(),
        created_at_ms: 0,
        expires_at_ms,
    }
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_and_tickets() {
    let (_dir, _path, store) = fresh();
    let (user, other) = two_members(&store).await;
    let device = store
        .create_session([1; 32], session(&user.id))
        .await
        .unwrap()
        .device_id;
    store
        .create_session([2; 32], session(&other.id))
        .await
        .unwrap();
    store.create_ticket([3; 32], &device, 10_000).await.unwrap();

    store.set_user_disabled(&user.id, true).await.unwrap();
    assert!(store.user(&user.id).await.unwrap().unwrap().disabled);
    assert!(store.session([1; 32]).await.unwrap().is_none());
    assert!(store.take_ticket([3; 32]).await.unwrap().is_none());
    assert!(store.session([2; 32]).await.unwrap().is_some());
    assert!(matches!(
        store.set_user_disabled("no-such-user", true).await,
        Err(StoreError::NotFound("user"))
    ));
}

#[tokio::test]
async fn sessions_round_trip_and_expire() {
    let (_dir, _path, store) = fresh();
    let user = store
        .create_user(new_user("member.one", Role::Member))
        .await
        .unwrap();
    let session = |expires_at_ms| session_until(&user.id, expires_at_ms);
    store.create_session([1; 32], session(1_000)).await.unwrap();
    let kept = store.create_session([2; 32], session(5_000)).await.unwrap();
    let found = store.session([1; 32]).await.unwrap().unwrap();
    assert_eq!(
        (found.user_id.as_str(), found.expires_at_ms),
        (user.id.as_str(), 1_000)
    );

    store.delete_session([1; 32]).await.unwrap();
    assert!(store.session([1; 32]).await.unwrap().is_none());
    // Signing out twice is fine.
    store.delete_session([1; 32]).await.unwrap();

    let unknown_user = store
        .create_session([9; 32], session_until("no-such-user", 1))
        .await;
    assert!(matches!(unknown_user, Err(StoreError::NotFound("user"))));

    store
        .create_ticket([3; 32], &kept.device_id, 1_000)
        .await
        .unwrap();
    store
        .create_ticket([4; 32], &kept.device_id, 5_000)
        .await
        .unwrap();
    store.purge_expired(2_000).await.unwrap();
    assert!(store.session([2; 32]).await.unwrap().is_some());
    assert!(store.take_ticket([3; 32]).await.unwrap().is_none());
    assert_eq!(
        store.take_ticket([4; 32]).await.unwrap(),
        Some(Ticket {
            user_id: user.id.clone(),
            device_id: kept.device_id.clone(),
            expires_at_ms: 5_000
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_ticket_works_exactly_once_even_when_raced() {
    let (_dir, _path, store) = fresh();
    let store = Arc::new(store);
    let user = store
        .create_user(new_user("member.one", Role::Member))
        .await
        .unwrap();
    let device = store
        .create_session([8; 32], session(&user.id))
        .await
        .unwrap()
        .device_id;
    store.create_ticket([7; 32], &device, 60_000).await.unwrap();

    let mut racers = JoinSet::new();
    for _ in 0..16 {
        let store = Arc::clone(&store);
        racers.spawn(async move { store.take_ticket([7; 32]).await.unwrap() });
    }
    let winners: Vec<_> = racers.join_all().await.into_iter().flatten().collect();
    assert_eq!(
        winners,
        vec![Ticket {
            user_id: user.id.clone(),
            device_id: device.clone(),
            expires_at_ms: 60_000
        }]
    );
    assert!(store.take_ticket([7; 32]).await.unwrap().is_none());
}

// --- homes ---

#[tokio::test]
async fn homes_and_assignments_round_trip() {
    let (_dir, _path, store) = fresh();
    let oak = store.create_home("Oak House (test)").await.unwrap();
    let elm = store.create_home("Elm House (test)").await.unwrap();
    assert!(matches!(
        store.create_home("oak house (TEST)").await,
        Err(StoreError::Conflict("home name"))
    ));
    assert_eq!(
        store.list_homes().await.unwrap(),
        vec![elm.clone(), oak.clone()]
    );

    let user = store
        .create_user(new_user("manager.one", Role::Manager))
        .await
        .unwrap();
    assert!(store.homes_of(&user.id).await.unwrap().is_empty());
    store.assign(&user.id, &oak.id).await.unwrap();
    store.assign(&user.id, &oak.id).await.unwrap();
    store.assign(&user.id, &elm.id).await.unwrap();
    assert_eq!(
        store.homes_of(&user.id).await.unwrap(),
        vec![elm.id.clone(), oak.id.clone()]
    );

    assert!(matches!(
        store.assign("no-such-user", &oak.id).await,
        Err(StoreError::NotFound("user"))
    ));
    assert!(matches!(
        store.assign(&user.id, "no-such-home").await,
        Err(StoreError::NotFound("home"))
    ));
}

// --- audit ---

#[tokio::test]
async fn recent_audit_is_newest_first_and_limited() {
    let (_dir, _path, store) = fresh();
    let doc = DocumentId::random();
    store.audit(event("login_failed", None, 1)).await.unwrap();
    store
        .audit(event("change_rejected", Some(doc), 2))
        .await
        .unwrap();
    store.audit(event("user_created", None, 3)).await.unwrap();

    let recent = store.recent_audit(2).await.unwrap();
    let actions: Vec<_> = recent.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["user_created", "change_rejected"]);
    assert_eq!(recent[1].document_id, Some(doc));
    assert_eq!(recent[1].at_ms, 2);
    assert_eq!(recent[1].user_id.as_deref(), Some("user-test-1"));
    assert_eq!(recent[1].detail, "test");
    assert_eq!(store.recent_audit(100).await.unwrap().len(), 3);
}

// --- group commit and durability ---

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_all_land_and_survive_reopening() {
    const TASKS: usize = 24;
    const APPENDS: usize = 20;
    let (_dir, path, store) = fresh();
    let store = Arc::new(store);
    let docs: Vec<DocumentId> = (0..4).map(|_| DocumentId::random()).collect();

    let mut writers = JoinSet::new();
    for task in 0..TASKS {
        let store = Arc::clone(&store);
        let doc = docs[task % docs.len()];
        writers.spawn(async move {
            for i in 0..APPENDS {
                let chunk = format!("{task}:{i}").into_bytes();
                store
                    .append_chunk(doc, visit_note(WorkflowState::Draft), None, chunk, i as i64)
                    .await
                    .expect("append");
            }
        });
    }
    writers.join_all().await;
    Arc::into_inner(store).expect("only owner").close().await;

    let store = open(&path);
    for doc in &docs {
        let chunks = store.load_document(*doc).await.unwrap().unwrap().chunks;
        assert_eq!(chunks.len(), TASKS / docs.len() * APPENDS);
        // Each task's appends are in the order it made them.
        let mut next = std::collections::HashMap::new();
        for chunk in chunks {
            let text = String::from_utf8(chunk).unwrap();
            let (task, i) = text.split_once(':').unwrap();
            let expected = next.entry(task.to_owned()).or_insert(0);
            assert_eq!(i.parse::<usize>().unwrap(), *expected);
            *expected += 1;
        }
    }
    assert!(store.check().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_conflicting_write_does_not_fail_the_rest_of_its_group() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    open(&path).close().await;
    let conn = write_connection(&path);

    // Driven directly so that all four are certainly in one group.
    let mut group = Vec::new();
    let mut replies = Vec::new();
    for name in [
        "first.member",
        "second.member",
        "FIRST.MEMBER",
        "third.member",
    ] {
        let (command, reply) =
            writer::command(move |c| accounts::create_user(c, new_user(name, Role::Member)));
        group.push(command);
        replies.push(reply);
    }
    // A command that fails after writing something: its savepoint must undo that write.
    let (half_done, half_done_reply) = writer::command(|c| -> Result<(), StoreError> {
        homes::create_home(c, "Half House (test)")?;
        Err(StoreError::NotFound("something after the first write"))
    });
    group.insert(1, half_done);
    commit_group(&conn, &mut group);
    assert!(half_done_reply.await.unwrap().is_err());
    let results: Vec<_> = futures_util::future::join_all(replies).await;
    assert!(results[0].as_ref().unwrap().is_ok());
    assert!(results[1].as_ref().unwrap().is_ok());
    assert!(matches!(
        results[2].as_ref().unwrap(),
        Err(StoreError::Conflict("username"))
    ));
    assert!(results[3].as_ref().unwrap().is_ok());
    drop(conn);

    let names: Vec<_> = open(&path)
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["first.member", "second.member", "third.member"]);
    assert!(open(&path).list_homes().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_group_whose_transaction_is_lost_reports_failure_to_every_waiter() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    open(&path).close().await;
    let conn = write_connection(&path);

    let mut group = Vec::new();
    let (before, before_reply) =
        writer::command(|c| accounts::create_user(c, new_user("before.member", Role::Member)));
    group.push(before);
    // Stands in for an IO error or full disk, after which SQLite has rolled everything back.
    let (breaker, breaker_reply) = writer::command(|c| -> Result<(), StoreError> {
        c.execute_batch("ROLLBACK")?;
        Err(StoreError::NotFound("disk space"))
    });
    group.push(breaker);
    let (after, after_reply) =
        writer::command(|c| accounts::create_user(c, new_user("after.member", Role::Member)));
    group.push(after);
    commit_group(&conn, &mut group);

    assert!(matches!(
        before_reply.await.unwrap(),
        Err(StoreError::Sqlite(_))
    ));
    assert!(matches!(
        breaker_reply.await.unwrap(),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        after_reply.await.unwrap(),
        Err(StoreError::Sqlite(_))
    ));
    drop(conn);
    assert!(open(&path).list_users().await.unwrap().is_empty());
}

#[tokio::test]
async fn queued_writes_finish_when_the_writer_is_told_to_stop() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    open(&path).close().await;

    // Everything is queued before the writer starts and the sender is gone before it runs,
    // which is the state a dropped store leaves behind.
    let (sender, queue) = mpsc::channel(100);
    let mut replies = Vec::new();
    for i in 0..50 {
        let (command, reply) =
            writer::command(move |c| audit::append(c, &event("queued", None, i)));
        sender.send(command).await.unwrap();
        replies.push(reply);
    }
    drop(sender);
    let counters = Arc::new(writer::Counters::default());
    let thread = writer::spawn(
        write_connection(&path),
        queue,
        8,
        SqliteOptions::default().group_wait,
        Arc::clone(&counters),
        super::checkpointer::Checkpointer::spawn(write_connection(&path)).unwrap(),
    )
    .unwrap();
    tokio::task::spawn_blocking(move || thread.join().unwrap())
        .await
        .unwrap();

    for reply in replies {
        reply.await.unwrap().unwrap();
    }
    assert_eq!(open(&path).recent_audit(100).await.unwrap().len(), 50);
    // 50 queued commands, at most 8 per group.
    assert_eq!(
        counters.groups.load(std::sync::atomic::Ordering::Relaxed),
        7
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_that_queue_during_a_commit_share_the_next_one() {
    let (_dir, _path, store) = fresh();
    let store = Arc::new(store);
    // Holds the writer inside its first group until the other writes are queued.
    let (open_gate, gate) = std::sync::mpsc::channel::<()>();
    let held = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            store
                .write(move |_| {
                    gate.recv().expect("gate opened");
                    Ok(())
                })
                .await
        })
    };
    while store.write_stats().groups == 0 {
        tokio::task::yield_now().await;
    }

    let mut writers = JoinSet::new();
    for i in 0..10 {
        let store = Arc::clone(&store);
        writers.spawn(async move { store.audit(event("queued", None, i)).await });
    }
    while queued(&store) < 10 {
        tokio::task::yield_now().await;
    }
    open_gate.send(()).unwrap();
    held.await.unwrap().unwrap();
    for result in writers.join_all().await {
        result.unwrap();
    }

    let stats = store.write_stats();
    assert_eq!(stats.commands, 11);
    assert_eq!(
        stats.groups, 2,
        "one for the held write, one for the ten queued behind it"
    );
}

/// Queues an audit write straight onto the writer's queue; returns once it is queued.
async fn queue_audit(
    store: &SqliteStore,
    i: i64,
) -> tokio::sync::oneshot::Receiver<Result<(), StoreError>> {
    let (command, reply) = writer::command(move |c| audit::append(c, &event("queued", None, i)));
    let sender = store.writer.as_ref().expect("open");
    assert!(sender.send(command).await.is_ok(), "the writer is running");
    reply
}

/// Holds the writer inside a group until two more writes are queued, so that the next group
/// forms by itself: the writer now knows other writers are in flight.
async fn make_writer_busy(store: &Arc<SqliteStore>) {
    let (open_gate, gate) = std::sync::mpsc::channel::<()>();
    let held = {
        let store = Arc::clone(store);
        tokio::spawn(async move {
            store
                .write(move |_| {
                    gate.recv().expect("gate opened");
                    Ok(())
                })
                .await
        })
    };
    while store.write_stats().groups == 0 {
        tokio::task::yield_now().await;
    }
    let queued_behind = [queue_audit(store, 1).await, queue_audit(store, 2).await];
    open_gate.send(()).unwrap();
    held.await.unwrap().unwrap();
    for reply in queued_behind {
        reply.await.unwrap().unwrap();
    }
    assert_eq!(
        store.write_stats().groups,
        2,
        "the two queued writes shared a group"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_load_a_lone_write_waits_for_the_writes_behind_it_and_shares_their_commit() {
    let dir = tempfile::tempdir().unwrap();
    // A wait far longer than any test: only a full group (`max_batch`) ends it, so the group's
    // size shows the writer waited.
    let options = SqliteOptions {
        max_batch: 4,
        group_wait: std::time::Duration::from_secs(600),
        ..SqliteOptions::default()
    };
    let store = Arc::new(SqliteStore::open(&db_path(&dir), options).unwrap());
    make_writer_busy(&store).await;

    let first = queue_audit(&store, 10).await;
    // Taken alone: the writer now waits for company instead of committing it.
    while queued(&store) > 0 {
        tokio::task::yield_now().await;
    }
    let mut replies = vec![first];
    for i in 11..14 {
        replies.push(queue_audit(&store, i).await);
    }
    for reply in replies {
        reply.await.unwrap().unwrap();
    }
    let stats = store.write_stats();
    assert_eq!(
        (stats.groups, stats.commands),
        (3, 7),
        "the lone write and the three behind it: one commit"
    );
    assert_eq!(store.recent_audit(100).await.unwrap().len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_waiting_for_company_is_committed_when_the_store_closes() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let options = SqliteOptions {
        group_wait: std::time::Duration::from_secs(600),
        ..SqliteOptions::default()
    };
    let store = Arc::new(SqliteStore::open(&path, options).unwrap());
    make_writer_busy(&store).await;

    let lone = queue_audit(&store, 10).await;
    while queued(&store) > 0 {
        tokio::task::yield_now().await;
    }
    let store = Arc::into_inner(store).expect("no other handle");
    store.close().await;
    lone.await.unwrap().unwrap();
    assert_eq!(open(&path).recent_audit(100).await.unwrap().len(), 3);
}

/// Commands waiting for the writer.
fn queued(store: &SqliteStore) -> usize {
    let sender = store.writer.as_ref().expect("open");
    sender.max_capacity() - sender.capacity()
}

#[tokio::test]
async fn everything_survives_dropping_and_reopening_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let doc = DocumentId::random();
    let user_id = {
        let store = open(&path);
        let user = store
            .create_user(new_user("member.one", Role::Member))
            .await
            .unwrap();
        let home = store.create_home("Oak House (test)").await.unwrap();
        store.assign(&user.id, &home.id).await.unwrap();
        store
            .append_chunk(
                doc,
                visit_note(WorkflowState::Draft),
                None,
                b"c1".to_vec(),
                1,
            )
            .await
            .unwrap();
        store.audit(event("user_created", None, 1)).await.unwrap();
        user.id
        // Dropped here, not closed.
    };

    let store = open(&path);
    assert_eq!(store.homes_of(&user_id).await.unwrap().len(), 1);
    assert_eq!(
        store.load_document(doc).await.unwrap().unwrap().chunks,
        vec![b"c1".to_vec()]
    );
    assert_eq!(store.recent_audit(10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn reopening_does_not_migrate_twice_and_a_newer_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let store = open(&path);
    store.create_home("Oak House (test)").await.unwrap();
    store.close().await;

    // A second open must not re-run the CREATE TABLEs (it would fail) nor lose data.
    let store = open(&path);
    assert_eq!(store.list_homes().await.unwrap().len(), 1);
    store.close().await;
    let version: i64 = Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, schema::CURRENT_VERSION as i64);

    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", schema::CURRENT_VERSION as i64 + 1)
        .unwrap();
    assert!(matches!(
        SqliteStore::open(&path, SqliteOptions::default()),
        Err(StoreError::Sqlite(_))
    ));
}

#[tokio::test]
async fn a_closed_or_dropped_store_leaves_one_complete_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let wal = path.with_file_name("hearth.sqlite-wal");
    let store = open(&path);
    store.create_home("Oak House (test)").await.unwrap();
    assert!(store.list_homes().await.unwrap().len() == 1);
    assert!(wal.exists());
    store.close().await;
    assert!(!wal.exists(), "the WAL was checkpointed into the main file");

    let store = open(&path);
    store.create_home("Elm House (test)").await.unwrap();
    drop(store);
    assert!(!wal.exists());
    assert_eq!(open(&path).list_homes().await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_store_uses_wal_and_full_sync() {
    let (_dir, path, store) = fresh();
    store.close().await;
    let conn = Connection::open(&path).unwrap();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    // synchronous is per connection: check the writer's own setting function.
    configure_writer(&conn, std::time::Duration::from_secs(1)).unwrap();
    let sync: i64 = conn
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap();
    assert_eq!(sync, 2, "FULL");
    // One plan per statement: without it STAT4 re-prepared the cached statements every write.
    assert!(
        conn.db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG)
            .unwrap()
    );
}

// --- backup and check ---

#[tokio::test]
async fn a_backup_opens_with_the_same_data_and_never_overwrites() {
    let (dir, _path, store) = fresh();
    let doc = DocumentId::random();
    let user = store
        .create_user(new_user("member.one", Role::Member))
        .await
        .unwrap();
    store
        .append_chunk(
            doc,
            visit_note(WorkflowState::Draft),
            None,
            b"c1".to_vec(),
            1,
        )
        .await
        .unwrap();

    let target = dir.path().join("backup.sqlite");
    store.backup(target.clone()).await.unwrap();
    // Written after the backup: must not appear in it.
    store.create_home("Oak House (test)").await.unwrap();

    let copy = open(&target);
    assert_eq!(
        copy.user(&user.id).await.unwrap().unwrap().username,
        "member.one"
    );
    assert_eq!(
        copy.load_document(doc).await.unwrap().unwrap().chunks,
        vec![b"c1".to_vec()]
    );
    assert!(copy.list_homes().await.unwrap().is_empty());
    assert!(copy.check().await.unwrap().is_empty());
    copy.close().await;

    let before = std::fs::metadata(&target).unwrap().len();
    let again = store.backup(target.clone()).await;
    assert!(
        matches!(again, Err(StoreError::Io(ref e)) if e.kind() == std::io::ErrorKind::AlreadyExists)
    );
    assert_eq!(std::fs::metadata(&target).unwrap().len(), before);
}

#[tokio::test]
async fn check_reports_a_document_without_chunks() {
    let (_dir, path, store) = fresh();
    let doc = DocumentId::random();
    store
        .append_chunk(
            doc,
            visit_note(WorkflowState::Draft),
            None,
            b"c1".to_vec(),
            1,
        )
        .await
        .unwrap();
    assert!(store.check().await.unwrap().is_empty());

    Connection::open(&path)
        .unwrap()
        .execute("DELETE FROM document_chunks", [])
        .unwrap();
    let problems = store.check().await.unwrap();
    assert_eq!(problems, vec![format!("document {doc} has no chunks")]);
}

#[test]
fn fsync_commit_rate_is_measured_and_the_scratch_file_removed() {
    let dir = tempfile::tempdir().unwrap();
    let rate = super::measure_fsync_commit_rate(dir.path(), 20).unwrap();
    assert!(rate > 0.0);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn a_new_password_ends_every_other_session_and_ticket_of_that_user() {
    let (_dir, _path, store) = fresh();
    let (user, other) = two_members(&store).await;
    let mut devices = Vec::new();
    for (hash, who) in [([1; 32], &user), ([2; 32], &user), ([3; 32], &other)] {
        devices.push(store.create_session(hash, session(&who.id)).await.unwrap());
    }
    store
        .create_ticket([4; 32], &devices[0].device_id, 10_000)
        .await
        .unwrap();

    store
        .set_password_hash(&user.id, "$argon2id$new", Some([1; 32]))
        .await
        .unwrap();
    assert!(store.session([1; 32]).await.unwrap().is_some(), "kept");
    assert!(store.session([2; 32]).await.unwrap().is_none(), "ended");
    assert!(store.take_ticket([4; 32]).await.unwrap().is_none());
    assert!(
        store.session([3; 32]).await.unwrap().is_some(),
        "someone else's"
    );

    store
        .set_password_hash(&user.id, "$argon2id$newer", None)
        .await
        .unwrap();
    assert!(store.session([1; 32]).await.unwrap().is_none());
}
