#!/usr/bin/env node
// Prints, as JSON on stdout, one CBOR-encoded example of every message type of
// the automerge-repo WebSocket protocol v1, encoded by automerge-repo's own CBOR
// helper (`cbor` export = helpers/cbor.ts: cbor-x Encoder with
// {tagUint8Array: false, useRecords: false}). Everything is deterministic
// (fixed peer ids, storage ids, document id, actor id and change time), so the
// output is stable for a given set of package versions and can serve as golden
// fixtures for the Rust server's codec.
//
// For each message:
//   hex        - the exact bytes as the JS client/server would put in one
//                binary WebSocket frame
//   diagnostic - the same bytes in CBOR diagnostic notation, with the encodings
//                that matter for a strict decoder spelled out (map16 headers,
//                undefined, float64)
//   value      - the JS value that was encoded (bytes shown as {"$bytes": hex},
//                undefined as {"$undefined": true})
//   note       - where the message comes from and what is unusual about it
//
// Usage: node tests/js/protocol_fixtures.mjs > fixtures.json

import { readFileSync } from "node:fs"
import {
  cbor,
  documentIdToBinary,
  encodeHeads,
  stringifyAutomergeUrl,
} from "@automerge/automerge-repo"
import * as A from "@automerge/automerge"

// (automerge-repo's "exports" map hides package.json, so read it from node_modules/.)
const versionOf = name =>
  JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), "utf8")).version

// ---- fixed, synthetic identities -------------------------------------------
const CLIENT_PEER_ID = "peer-hearthjsclient"
const SERVER_PEER_ID = "hearth-server-5f3c"
// automerge-repo storage ids are uuid v4 strings
const SERVER_STORAGE_ID = "3760df37-a4c6-4f66-9ecd-732039a9dd8f"
const CLIENT_STORAGE_ID = "b1d8c0a2-7e44-4b8e-9f5e-0c2b6a1d9e70"
// a document id is bs58check(16 random bytes); use fixed bytes
const DOC_BYTES = Uint8Array.from([
  0x6d, 0x1a, 0x4e, 0x2b, 0x90, 0x33, 0x47, 0x51, 0xa2, 0x0c, 0x5e, 0x77, 0x19, 0xc4, 0x08, 0xfe,
])
const DOCUMENT_ID = stringifyAutomergeUrl(DOC_BYTES).slice("automerge:".length)
const ACTOR = "48656172746820666978747572652121" // hex of "Hearth fixture!!"
const CHANGE_TIME = 1793664000 // fixed change timestamp (seconds)
const REMOTE_HEADS_TIMESTAMP = 1793664000123 // Date.now()-style milliseconds

const note = {
  kind: "visitNote",
  schemaVersion: 1,
  homeId: "home-42",
  createdBy: "user-123",
  createdAt: REMOTE_HEADS_TIMESTAMP,
  state: "draft",
  visitDate: "2026-11-03",
  attendees: ["Cllr Test Member"],
  body: "Synthetic test note written by the JS client.",
  actions: [{ text: "Check the fire log", owner: "Test Manager", dueDate: "2026-11-30", done: false }],
}

// ---- real Automerge sync messages for the document ------------------------
let clientDoc = A.change(A.init({ actor: ACTOR }), { time: CHANGE_TIME }, d => {
  Object.assign(d, note)
})
const heads = A.getHeads(clientDoc)
// What the client sends first after repo.create(): heads + bloom "have", no changes.
const [clientState1, firstSync] = A.generateSyncMessage(clientDoc, A.initSyncState())
// What a server with no copy of the document answers after receiving that:
// no heads, need = the client's heads.
const [serverDoc1, serverState0] = A.receiveSyncMessage(
  A.init({ actor: "00000000000000000000000000000001" }),
  A.initSyncState(),
  firstSync,
)
const [, serverReply] = A.generateSyncMessage(serverDoc1, serverState0)
// The client's second message: now carries the change.
const [clientDoc2, clientState2] = A.receiveSyncMessage(clientDoc, clientState1, serverReply)
const [, syncWithChanges] = A.generateSyncMessage(clientDoc2, clientState2)
// What repo.find(url) sends for a document it does not have: an empty doc's first message.
const [, requestData] = A.generateSyncMessage(A.init(), A.initSyncState())

// ---- the messages, with keys in the order automerge-repo builds them -------
const messages = {
  join: {
    note:
      "client -> server, first frame after the socket opens (WebSocketClientAdapter.join). " +
      "A Repo without storage sends peerMetadata {storageId: undefined, isEphemeral: true}: " +
      "the storageId key IS PRESENT with CBOR `undefined` (0xf7), not omitted and not null.",
    value: {
      type: "join",
      senderId: CLIENT_PEER_ID,
      peerMetadata: { storageId: undefined, isEphemeral: true },
      supportedProtocolVersions: ["1"],
    },
  },
  "join (client with storage)": {
    note: "client -> server, from a Repo that has a storage adapter (e.g. a browser with IndexedDB).",
    value: {
      type: "join",
      senderId: CLIENT_PEER_ID,
      peerMetadata: { storageId: CLIENT_STORAGE_ID, isEphemeral: false },
      supportedProtocolVersions: ["1"],
    },
  },
  peer: {
    note:
      "server -> client, reply to join (WebSocketServerAdapter). A durable server must send a " +
      "storageId and isEphemeral:false, or clients cannot track the server's heads (getSyncInfo).",
    value: {
      type: "peer",
      senderId: SERVER_PEER_ID,
      peerMetadata: { storageId: SERVER_STORAGE_ID, isEphemeral: false },
      selectedProtocolVersion: "1",
      targetId: CLIENT_PEER_ID,
    },
  },
  request: {
    note:
      "client -> server, repo.find(url) for a document the client does not have. data is the " +
      "first Automerge sync message of an empty document.",
    value: {
      type: "request",
      targetId: SERVER_PEER_ID,
      documentId: DOCUMENT_ID,
      data: requestData,
      senderId: CLIENT_PEER_ID,
    },
  },
  sync: {
    note:
      "client -> server, first message after repo.create(): type is `sync` (not `request`) " +
      "because the client has the document. data = Automerge sync message with heads and a " +
      "bloom filter, but no changes yet; the server must treat a sync for an unknown document " +
      "as a new document (after authorising it).",
    value: {
      type: "sync",
      targetId: SERVER_PEER_ID,
      data: firstSync,
      documentId: DOCUMENT_ID,
      senderId: CLIENT_PEER_ID,
    },
  },
  "sync (server reply, needs changes)": {
    note: "server -> client, what automerge-repo's own server answers to the first sync of a new document.",
    value: {
      type: "sync",
      targetId: CLIENT_PEER_ID,
      data: serverReply,
      documentId: DOCUMENT_ID,
      senderId: SERVER_PEER_ID,
    },
  },
  "sync (with changes)": {
    note: "client -> server, the client's answer to the reply above: carries the document's change.",
    value: {
      type: "sync",
      targetId: SERVER_PEER_ID,
      data: syncWithChanges,
      documentId: DOCUMENT_ID,
      senderId: CLIENT_PEER_ID,
    },
  },
  "doc-unavailable": {
    note: "server -> client, answer to a request for a document the server does not have (or will not share).",
    value: {
      type: "doc-unavailable",
      documentId: DOCUMENT_ID,
      targetId: CLIENT_PEER_ID,
      senderId: SERVER_PEER_ID,
    },
  },
  error: {
    note:
      "server -> client (WebSocketServerAdapter sends it for an unsupported protocol version), then " +
      "the server closes the socket. The stock client only logs it.",
    value: {
      type: "error",
      senderId: SERVER_PEER_ID,
      message: "unsupported protocol version",
      targetId: CLIENT_PEER_ID,
    },
  },
  ephemeral: {
    note:
      "either direction, handle.broadcast(msg): data = cbor.encode(msg) (application-defined). " +
      "count increases per sender session; sessionId is Math.random().toString(36).slice(2). " +
      "Relayed verbatim (same senderId/count/sessionId) to other peers with only targetId changed.",
    value: {
      type: "ephemeral",
      targetId: SERVER_PEER_ID,
      documentId: DOCUMENT_ID,
      data: new Uint8Array(cbor.encode({ userId: "user-123", typing: true })),
      count: 1,
      sessionId: "k2j4h5g6f7d8",
      senderId: CLIENT_PEER_ID,
    },
  },
  "remote-heads-changed": {
    note:
      "only with enableRemoteHeadsGossiping: true. heads are automerge-repo UrlHeads " +
      "(bs58check of the 32-byte change hash), NOT hex. timestamp is Date.now() milliseconds, " +
      "which cbor-x encodes as float64 (0xfb) because it exceeds 2^32-1.",
    value: {
      type: "remote-heads-changed",
      targetId: CLIENT_PEER_ID,
      documentId: DOCUMENT_ID,
      newHeads: {
        [SERVER_STORAGE_ID]: { heads: encodeHeads(heads), timestamp: REMOTE_HEADS_TIMESTAMP },
      },
      senderId: SERVER_PEER_ID,
    },
  },
  "remote-subscription-change": {
    note:
      "only with enableRemoteHeadsGossiping: true, after repo.subscribeToRemotes([...]). " +
      "add/remove are each optional; the JS repo sends the key with `undefined` when absent.",
    value: {
      type: "remote-subscription-change",
      targetId: SERVER_PEER_ID,
      add: [SERVER_STORAGE_ID],
      remove: undefined,
      senderId: CLIENT_PEER_ID,
    },
  },
}

// ---- minimal CBOR diagnostic printer (definite-length items only) ---------
function diagnostic(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let pos = 0
  const widths = { 24: 1, 25: 2, 26: 4, 27: 8 }
  function readArg(info) {
    if (info < 24) return { n: info, enc: "" }
    const w = widths[info]
    if (!w) throw new Error(`unsupported additional info ${info} at ${pos}`)
    let n
    if (w === 1) n = view.getUint8(pos)
    else if (w === 2) n = view.getUint16(pos)
    else if (w === 4) n = view.getUint32(pos)
    else n = Number(view.getBigUint64(pos))
    pos += w
    return { n, enc: `_${Math.log2(w)}` }
  }
  function item() {
    const ib = view.getUint8(pos++)
    const major = ib >> 5
    const info = ib & 0x1f
    if (major === 7) {
      if (info === 20) return "false"
      if (info === 21) return "true"
      if (info === 22) return "null"
      if (info === 23) return "undefined"
      if (info === 25) { const v = view.getUint16(pos); pos += 2; return `half(0x${v.toString(16)})` }
      if (info === 26) { const v = view.getFloat32(pos); pos += 4; return `${v}_2 (float32)` }
      if (info === 27) { const v = view.getFloat64(pos); pos += 8; return `${v}_3 (float64)` }
      return `simple(${info})`
    }
    const { n, enc } = readArg(info)
    switch (major) {
      case 0: return `${n}${enc}`
      case 1: return `${-1 - n}${enc}`
      case 2: {
        const b = bytes.subarray(pos, pos + n); pos += n
        return `h'${Buffer.from(b).toString("hex")}'`
      }
      case 3: {
        const s = Buffer.from(bytes.subarray(pos, pos + n)).toString("utf8"); pos += n
        return JSON.stringify(s)
      }
      case 4: {
        const xs = []
        for (let i = 0; i < n; i++) xs.push(item())
        return `[${enc ? enc + " " : ""}${xs.join(", ")}]`
      }
      case 5: {
        const xs = []
        for (let i = 0; i < n; i++) { const k = item(); xs.push(`${k}: ${item()}`) }
        return `{${enc ? enc + " " : ""}${xs.join(", ")}}`
      }
      case 6: return `${n}(${item()})`
    }
  }
  const out = item()
  if (pos !== bytes.byteLength) throw new Error(`trailing bytes at ${pos}`)
  return out
}

function jsonable(v) {
  if (v === undefined) return { $undefined: true }
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString("hex") }
  if (Array.isArray(v)) return v.map(jsonable)
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonable(x)]))
  }
  return v
}

const out = {
  generatedBy: {
    "@automerge/automerge-repo": versionOf("@automerge/automerge-repo"),
    "@automerge/automerge-repo-network-websocket": versionOf("@automerge/automerge-repo-network-websocket"),
    "@automerge/automerge": versionOf("@automerge/automerge"),
    "cbor-x": versionOf("cbor-x"),
    encoder: "automerge-repo `cbor.encode` = new cbor-x Encoder({ tagUint8Array: false, useRecords: false })",
  },
  identities: {
    clientPeerId: CLIENT_PEER_ID,
    serverPeerId: SERVER_PEER_ID,
    serverStorageId: SERVER_STORAGE_ID,
    documentId: DOCUMENT_ID,
    documentIdBytesHex: Buffer.from(documentIdToBinary(DOCUMENT_ID)).toString("hex"),
    url: stringifyAutomergeUrl(DOCUMENT_ID),
    headsHex: heads,
    urlHeads: encodeHeads(heads),
  },
  messages: {},
}

for (const [name, { note: why, value }] of Object.entries(messages)) {
  const bytes = new Uint8Array(cbor.encode(value))
  // Round-trip through automerge-repo's decoder as a self-check.
  const back = cbor.decode(bytes)
  if (back.type !== value.type) throw new Error(`round trip failed for ${name}`)
  out.messages[name] = {
    hex: Buffer.from(bytes).toString("hex"),
    diagnostic: diagnostic(bytes),
    value: jsonable(value),
    note: why,
  }
}

process.stdout.write(JSON.stringify(out, null, 2) + "\n")
