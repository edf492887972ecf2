//! The bulk download's wire format: a new device's first sync gets every record it may read in
//! one HTTP reply instead of one sync exchange per document.
//!
//! The body is a sequence of frames, each a 4-byte big-endian length `N` followed by `N` bytes of
//! CBOR ([`SnapshotEntry`]), ended by one frame of length 0. Frames let the server stream a large
//! caseload a page at a time and the client store entries as they arrive; the end frame tells a
//! complete reply from one cut short (whatever arrived is still good: sync brings the rest).
//!
//! Pure: the server encodes, the client and the tests decode, nothing here does IO.

use std::collections::BTreeSet;

use automerge::{Automerge, ChangeHash};
use ciborium::Value;
use serde::{Deserialize, Serialize};

use crate::ids::DocumentId;
use crate::model::{DocMeta, RecordKind, WorkflowState};

/// The media type of a bulk download's body.
pub const CONTENT_TYPE: &str = "application/vnd.hearth.snapshot";

/// The frame that ends a complete reply.
pub const END: [u8; 4] = [0; 4];

/// Largest frame a reader accepts: far above any record, small enough that a corrupt length
/// cannot make a reader wait for (or allocate) gigabytes.
pub const MAX_FRAME: usize = 64 * 1024 * 1024;

/// Why a bulk download could not be built or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// The stored chunks of a document do not load (the server leaves it out, sync decides).
    #[error("stored document does not load: {0}")]
    CorruptDocument(String),
    /// A frame is not the CBOR of a [`SnapshotEntry`], or its length is impossible.
    #[error("malformed snapshot frame: {0}")]
    Malformed(String),
}

/// One document of a bulk download: enough to store it on the device and to tell the sync
/// engine what the server already has, without loading it first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotEntry {
    /// The document.
    pub id: DocumentId,
    /// The heads of `doc`, hex (as the client stores acknowledged heads).
    pub heads: Vec<String>,
    /// The document's current state as one Automerge save (compacted): `Automerge::load` gives
    /// the document with exactly `heads`.
    #[serde(with = "serde_bytes")]
    pub doc: Vec<u8>,
    /// Its metadata as last committed (for the device's records list).
    pub meta: DocMeta,
    /// Unix milliseconds of its last committed change.
    pub updated_at: i64,
}

impl SnapshotEntry {
    /// An entry from a document's stored chunks (snapshot then incremental changes), sent as
    /// they are stored, concatenated (they load as one document).
    ///
    /// The heads come from the chunks themselves, so they always match the bytes sent. Loading
    /// a document to learn its heads cost about 1.4 ms per small record (a bulk download of
    /// 1,000 records spent most of its time there), so they are read from the chunks' headers
    /// where the chunks allow it ([`stored_heads`]) and the document is loaded only otherwise.
    pub fn from_chunks(
        id: DocumentId,
        meta: DocMeta,
        updated_at: i64,
        chunks: &[Vec<u8>],
    ) -> Result<SnapshotEntry, SnapshotError> {
        let bytes = chunks.concat();
        let heads = match stored_heads(&bytes) {
            Some(heads) => heads,
            None => {
                let doc = crate::sync::load_chunks(chunks)
                    .map_err(|e| SnapshotError::CorruptDocument(e.to_string()))?;
                doc.get_heads()
            }
        };
        Ok(SnapshotEntry {
            id,
            heads: heads.iter().map(|h| h.to_string()).collect(),
            doc: bytes,
            meta,
            updated_at,
        })
    }

    /// The entry as one frame (length prefix included).
    pub fn to_frame(&self) -> Vec<u8> {
        let mut out = vec![0; 4];
        ciborium::into_writer(self, &mut out).expect("writing CBOR to a Vec cannot fail");
        let len = u32::try_from(out.len() - 4).expect("a record is far below 4 GiB");
        out[..4].copy_from_slice(&len.to_be_bytes());
        out
    }
}

impl SnapshotEntry {
    /// Reads one frame's CBOR (without the length prefix).
    ///
    /// Through a generic CBOR [`Value`], read field by field, not through the derived
    /// `Deserialize`: the client already decodes every sync message into a `Value`, and a second,
    /// derived CBOR decoder for this one type cost the client's wasm about 15 KB.
    fn from_frame(mut frame: &[u8]) -> Result<SnapshotEntry, SnapshotError> {
        let value: Value = ciborium::from_reader(&mut frame).map_err(malformed)?;
        if !frame.is_empty() {
            return Err(malformed("bytes after the entry"));
        }
        let mut fields = Fields::of(value, "entry")?;
        let id = fields.text("id")?;
        let heads = match fields.take("heads")? {
            Value::Array(heads) => heads
                .into_iter()
                .map(|h| match h {
                    Value::Text(h) => Ok(h),
                    _ => Err(malformed("heads: not text")),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(malformed("heads: not a list")),
        };
        let doc = match fields.take("doc")? {
            Value::Bytes(doc) => doc,
            _ => return Err(malformed("doc: not bytes")),
        };
        let updated_at = match fields.take("updatedAt")? {
            Value::Integer(n) => i64::try_from(n).map_err(|_| malformed("updatedAt: too large"))?,
            _ => return Err(malformed("updatedAt: not a number")),
        };
        let mut meta = Fields::of(fields.take("meta")?, "meta")?;
        let meta = DocMeta {
            kind: RecordKind::parse(&meta.text("kind")?).ok_or_else(|| malformed("meta.kind"))?,
            home_id: meta.optional_text("homeId")?,
            created_by: meta.text("createdBy")?,
            state: WorkflowState::parse(&meta.text("state")?)
                .ok_or_else(|| malformed("meta.state"))?,
            title: meta.text("title")?,
            consultation_id: meta.optional_text("consultationId")?,
        };
        Ok(SnapshotEntry {
            id: id.parse().map_err(|_| malformed("id: not a document id"))?,
            heads,
            doc,
            meta,
            updated_at,
        })
    }
}

/// The fields of a CBOR map with text keys, taken out by name.
struct Fields {
    map: Vec<(Value, Value)>,
    what: &'static str,
}

impl Fields {
    fn of(value: Value, what: &'static str) -> Result<Fields, SnapshotError> {
        match value {
            Value::Map(map) => Ok(Fields { map, what }),
            _ => Err(malformed(format!("{what}: not a map"))),
        }
    }

    fn optional(&mut self, name: &str) -> Option<Value> {
        let at = self
            .map
            .iter()
            .position(|(key, _)| key.as_text() == Some(name))?;
        Some(self.map.swap_remove(at).1)
    }

    fn take(&mut self, name: &str) -> Result<Value, SnapshotError> {
        self.optional(name)
            .ok_or_else(|| malformed(format!("{}: no {name}", self.what)))
    }

    fn text(&mut self, name: &str) -> Result<String, SnapshotError> {
        match self.take(name)? {
            Value::Text(text) => Ok(text),
            _ => Err(malformed(format!("{}.{name}: not text", self.what))),
        }
    }

    /// Absent or null is `None` (serde writes `None` as null).
    fn optional_text(&mut self, name: &str) -> Result<Option<String>, SnapshotError> {
        match self.optional(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Text(text)) => Ok(Some(text)),
            Some(_) => Err(malformed(format!("{}.{name}: not text", self.what))),
        }
    }
}

fn malformed(why: impl std::fmt::Display) -> SnapshotError {
    SnapshotError::Malformed(why.to_string())
}

/// The first bytes of every Automerge chunk.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// The heads of concatenated storage chunks without building the document: a document chunk
/// names its heads in its header; a change chunk (plain or compressed) is parsed alone by
/// automerge, which gives its hash and dependencies. The heads are every named head and change
/// not depended on by a change. `None` for anything else (a bundle, an unexpected byte, a
/// dependency the chunks do not name): the caller loads the document instead.
pub fn stored_heads(bytes: &[u8]) -> Option<Vec<ChangeHash>> {
    let mut heads = BTreeSet::new();
    let mut deps = BTreeSet::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (chunk, after) = next_chunk(rest)?;
        match chunk {
            StorageChunk::Document(body) => heads.extend(document_heads(body)?),
            StorageChunk::Change(chunk) => {
                let change = automerge::Change::try_from(chunk).ok()?;
                deps.extend(change.deps().iter().copied());
                heads.insert(change.hash());
            }
            StorageChunk::Other => return None,
        }
        rest = after;
    }
    // A dependency the chunks do not name (missing, or inside a document chunk's history) is
    // the loader's to judge: it refuses a document with missing changes.
    if !deps.is_subset(&heads) {
        return None;
    }
    let heads: Vec<ChangeHash> = heads.difference(&deps).copied().collect();
    (!heads.is_empty()).then_some(heads)
}

/// One of the Automerge storage chunks that stored bytes are a concatenation of.
pub(crate) enum StorageChunk<'a> {
    /// A document chunk (a whole document, as `save()` writes it): its body.
    Document(&'a [u8]),
    /// A change chunk, plain or compressed, whole (header included): one change.
    Change(&'a [u8]),
    /// A bundle or a kind this build does not know.
    Other,
}

/// The first storage chunk of `bytes` (by its header: magic, checksum, kind, length) and what
/// follows it; `None` if `bytes` does not start with a whole chunk. The checksum is automerge's
/// to check.
pub(crate) fn next_chunk(bytes: &[u8]) -> Option<(StorageChunk<'_>, &[u8])> {
    if bytes.get(..4)? != MAGIC {
        return None;
    }
    let kind = *bytes.get(8)?;
    let (len, used) = uleb(bytes.get(9..)?)?;
    let body_start = 9 + used;
    let end = body_start.checked_add(usize::try_from(len).ok()?)?;
    let chunk = bytes.get(..end)?;
    let chunk = match kind {
        0 => StorageChunk::Document(&chunk[body_start..]),
        1 | 2 => StorageChunk::Change(chunk),
        _ => StorageChunk::Other,
    };
    Some((chunk, &bytes[end..]))
}

/// A document chunk's heads: its body starts with the actors (a count, then each as a length
/// and bytes) and then the heads (a count, then 32 bytes each).
fn document_heads(body: &[u8]) -> Option<Vec<ChangeHash>> {
    let (actors, mut at) = uleb(body)?;
    for _ in 0..actors {
        let (len, used) = uleb(body.get(at..)?)?;
        at = at
            .checked_add(used)?
            .checked_add(usize::try_from(len).ok()?)?;
    }
    let (count, used) = uleb(body.get(at..)?)?;
    at += used;
    let mut heads = Vec::new();
    for _ in 0..count {
        let hash: [u8; 32] = body.get(at..at + 32)?.try_into().ok()?;
        heads.push(ChangeHash(hash));
        at += 32;
    }
    Some(heads)
}

/// An unsigned LEB128 number and how many bytes it took.
fn uleb(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// A document's heads as hex strings.
pub fn heads_hex(doc: &Automerge) -> Vec<String> {
    doc.get_heads().iter().map(|h| h.to_string()).collect()
}

/// Reads frames from a body that arrives in pieces: push bytes as they come, take entries out.
#[derive(Debug, Default)]
pub struct Reader {
    buffer: Vec<u8>,
    /// Where the next unread frame starts in `buffer`.
    start: usize,
    ended: bool,
}

impl Reader {
    /// A reader at the start of a body.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next piece of the body.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start == self.buffer.len() {
            self.buffer.clear();
            self.start = 0;
        }
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete entry, `None` until more bytes arrive (or after the end frame).
    pub fn next_entry(&mut self) -> Option<Result<SnapshotEntry, SnapshotError>> {
        if self.ended {
            return None;
        }
        let rest = &self.buffer[self.start..];
        let header: [u8; 4] = rest.get(..4)?.try_into().expect("four bytes");
        let len = u32::from_be_bytes(header) as usize;
        if len == 0 {
            self.ended = true;
            self.start += 4;
            return None;
        }
        if len > MAX_FRAME {
            self.ended = true;
            return Some(Err(SnapshotError::Malformed(format!(
                "a frame of {len} bytes"
            ))));
        }
        let frame = rest.get(4..4 + len)?;
        let entry = SnapshotEntry::from_frame(frame);
        self.start += 4 + len;
        if self.start == self.buffer.len() {
            self.buffer.clear();
            self.start = 0;
        }
        Some(entry)
    }

    /// Whether the end frame has been read: the reply was complete.
    pub fn is_complete(&self) -> bool {
        self.ended
    }
}

/// Every entry of a whole body, and whether it ended with the end frame.
pub fn decode_all(body: &[u8]) -> Result<(Vec<SnapshotEntry>, bool), SnapshotError> {
    let mut reader = Reader::new();
    reader.push(body);
    let mut entries = Vec::new();
    while let Some(entry) = reader.next_entry() {
        entries.push(entry?);
    }
    Ok((entries, reader.is_complete()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RecordKind, WorkflowState};
    use automerge::transaction::Transactable as _;
    use automerge::{AutoCommit, ROOT};

    fn meta() -> DocMeta {
        DocMeta {
            kind: RecordKind::VisitNote,
            home_id: Some("home-1".into()),
            created_by: "user-1".into(),
            state: WorkflowState::Draft,
            title: "Visit note".into(),
            consultation_id: None,
        }
    }

    /// A document stored as a first chunk and an incremental one, as the server appends them.
    fn two_chunks() -> (AutoCommit, Vec<Vec<u8>>) {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "a", 1).unwrap();
        let first = doc.save();
        let heads = doc.get_heads();
        doc.put(ROOT, "b", 2).unwrap();
        let second = doc.save_after(&heads);
        (doc, vec![first, second])
    }

    #[test]
    fn several_chunks_arrive_whole_with_the_documents_heads() {
        let (mut doc, chunks) = two_chunks();
        let id = DocumentId::random();
        let entry = SnapshotEntry::from_chunks(id, meta(), 7, &chunks).unwrap();
        let loaded = Automerge::load(&entry.doc).unwrap();
        assert_eq!(loaded.get_heads(), doc.get_heads());
        let expected: Vec<String> = doc.get_heads().iter().map(|h| h.to_string()).collect();
        assert_eq!(entry.heads, expected);
    }

    /// Heads read from chunk headers are the heads automerge finds by loading, for every shape
    /// the server stores: a first chunk of changes, a compacted save, a save followed by
    /// changes, concurrent changes from two devices, and large (compressed) changes.
    #[test]
    fn heads_read_from_the_chunks_are_the_loaded_documents_heads() {
        let (mut doc, chunks) = two_chunks();
        let mut other = doc.fork();
        doc.put(ROOT, "c", "from one device").unwrap();
        other.put(ROOT, "d", "x".repeat(5_000)).unwrap();
        let before = chunks.concat();
        let before_heads = Automerge::load(&before).unwrap().get_heads();
        doc.merge(&mut other).unwrap();
        let shapes = [
            chunks[0].clone(),
            before.clone(),
            doc.save(),
            [before.clone(), doc.save_after(&before_heads)].concat(),
            [doc.save(), other.save_after(&doc.get_heads())].concat(),
            doc.save_after(&[]),
        ];
        for (n, bytes) in shapes.iter().enumerate() {
            let loaded = Automerge::load(bytes).unwrap().get_heads();
            assert_eq!(stored_heads(bytes), Some(loaded), "shape {n}");
        }
        assert_eq!(stored_heads(b"not a chunk"), None);
        assert_eq!(stored_heads(&before[..before.len() - 1]), None);
    }

    #[test]
    fn corrupt_chunks_are_refused_not_sent_half_loaded() {
        let (_, mut chunks) = two_chunks();
        chunks.remove(0);
        let err = SnapshotEntry::from_chunks(DocumentId::random(), meta(), 0, &chunks);
        assert!(matches!(err, Err(SnapshotError::CorruptDocument(_))));
    }

    #[test]
    fn frames_read_back_whatever_the_pieces_they_arrive_in() {
        let (_, chunks) = two_chunks();
        let entries: Vec<SnapshotEntry> = (0..3)
            .map(|i| SnapshotEntry::from_chunks(DocumentId::random(), meta(), i, &chunks).unwrap())
            .collect();
        let mut body: Vec<u8> = entries.iter().flat_map(|e| e.to_frame()).collect();
        body.extend_from_slice(&END);
        for piece in [1, 3, 7, body.len()] {
            let mut reader = Reader::new();
            let mut got = Vec::new();
            for bytes in body.chunks(piece) {
                reader.push(bytes);
                while let Some(entry) = reader.next_entry() {
                    got.push(entry.unwrap());
                }
            }
            assert_eq!(got, entries, "pieces of {piece} bytes");
            assert!(reader.is_complete());
        }
    }

    #[test]
    fn a_body_cut_short_is_not_complete_but_keeps_whole_entries() {
        let (_, chunks) = two_chunks();
        let entry = SnapshotEntry::from_chunks(DocumentId::random(), meta(), 1, &chunks).unwrap();
        let mut body = entry.to_frame();
        body.extend_from_slice(&entry.to_frame()[..10]);
        let (entries, complete) = decode_all(&body).unwrap();
        assert_eq!(entries, vec![entry]);
        assert!(!complete);
        assert_eq!(decode_all(&END).unwrap(), (Vec::new(), true));
    }

    #[test]
    fn every_field_reads_back_as_the_server_wrote_it() {
        let response = DocMeta {
            kind: RecordKind::ConsultationResponse,
            home_id: None,
            created_by: "young-1".into(),
            state: WorkflowState::Submitted,
            title: "Response".into(),
            consultation_id: Some("automerge:2Ptm3fZ1".into()),
        };
        for meta in [meta(), response] {
            let entry = SnapshotEntry {
                id: DocumentId::random(),
                heads: vec!["ab".repeat(32), "cd".repeat(32)],
                doc: vec![0x85, 0, 1, 2],
                meta,
                updated_at: 1_764_000_000_123,
            };
            let frame = entry.to_frame();
            assert_eq!(SnapshotEntry::from_frame(&frame[4..]), Ok(entry));
        }
    }

    #[test]
    fn a_field_of_the_wrong_shape_is_malformed() {
        let mut frame = Vec::new();
        ciborium::into_writer(
            &Value::Map(vec![(Value::Text("id".into()), Value::Integer(7.into()))]),
            &mut frame,
        )
        .unwrap();
        assert!(matches!(
            SnapshotEntry::from_frame(&frame),
            Err(SnapshotError::Malformed(_))
        ));
        let whole = SnapshotEntry {
            id: DocumentId::random(),
            heads: vec![],
            doc: vec![],
            meta: meta(),
            updated_at: 0,
        }
        .to_frame();
        let mut trailing = whole[4..].to_vec();
        trailing.push(0);
        assert!(matches!(
            SnapshotEntry::from_frame(&trailing),
            Err(SnapshotError::Malformed(_))
        ));
    }

    #[test]
    fn an_impossible_length_is_malformed() {
        let mut body = u32::MAX.to_be_bytes().to_vec();
        body.extend_from_slice(&[0; 16]);
        assert!(matches!(
            decode_all(&body),
            Err(SnapshotError::Malformed(_))
        ));
        let mut body = 3u32.to_be_bytes().to_vec();
        body.extend_from_slice(&[0xff, 0xff, 0xff]);
        assert!(matches!(
            decode_all(&body),
            Err(SnapshotError::Malformed(_))
        ));
    }
}
