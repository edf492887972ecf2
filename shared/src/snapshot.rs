//! The bulk download's wire format: a new device's first sync gets every record it may read in
//! one HTTP reply instead of one sync exchange per document.
//!
//! The body is a sequence of frames, each a 4-byte big-endian length `N` followed by `N` bytes of
//! CBOR ([`SnapshotEntry`]), ended by one frame of length 0. Frames let the server stream a large
//! caseload a page at a time and the client store entries as they arrive; the end frame tells a
//! complete reply from one cut short (whatever arrived is still good: sync brings the rest).
//!
//! Pure: the server encodes, the client and the tests decode, nothing here does IO.

use automerge::Automerge;
use serde::{Deserialize, Serialize};

use crate::ids::DocumentId;
use crate::model::DocMeta;

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
    /// An entry from a document's stored chunks (snapshot then incremental changes). The heads
    /// are read from the loaded chunks themselves, so they always match the bytes sent; several
    /// chunks are saved again as one, so the device loads one compact chunk.
    pub fn from_chunks(
        id: DocumentId,
        meta: DocMeta,
        updated_at: i64,
        chunks: &[Vec<u8>],
    ) -> Result<SnapshotEntry, SnapshotError> {
        let doc = crate::sync::load_chunks(chunks)
            .map_err(|e| SnapshotError::CorruptDocument(e.to_string()))?;
        let bytes = match chunks {
            [only] => only.clone(),
            _ => doc.save(),
        };
        Ok(SnapshotEntry {
            id,
            heads: heads_hex(&doc),
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
        let entry = ciborium::from_reader::<SnapshotEntry, _>(frame)
            .map_err(|e| SnapshotError::Malformed(e.to_string()));
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
    fn several_chunks_arrive_as_one_save_with_the_documents_heads() {
        let (mut doc, chunks) = two_chunks();
        let id = DocumentId::random();
        let entry = SnapshotEntry::from_chunks(id, meta(), 7, &chunks).unwrap();
        let loaded = Automerge::load(&entry.doc).unwrap();
        assert_eq!(loaded.get_heads(), doc.get_heads());
        let expected: Vec<String> = doc.get_heads().iter().map(|h| h.to_string()).collect();
        assert_eq!(entry.heads, expected);
        assert_eq!(entry.doc, doc.save(), "compacted into one save");
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
