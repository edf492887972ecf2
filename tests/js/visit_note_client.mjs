#!/usr/bin/env node
// A real automerge-repo client for Hearth end-to-end tests.
//
// Logs in over HTTP, gets a single-use sync ticket, connects to the sync
// server with automerge-repo's own WebSocketClientAdapter, creates one
// synthetic visit note with repo.create(), and waits until the server has
// acknowledged every change (the server's heads, as tracked by automerge-repo
// under the server's storageId, equal our heads). Then it prints one line of
// JSON to stdout and exits 0.
//
// Environment:
//   HEARTH_URL         http://127.0.0.1:PORT (required)
//   HEARTH_USER        username (required)
//   HEARTH_PASSWORD    password (required)
//   HEARTH_HOME_ID     homeId to put in the note (required)
//   HEARTH_TIMEOUT_MS  overall deadline in ms (optional, default 20000)
//   HEARTH_DEBUG       if non-empty, trace every protocol message to stderr
//
// Output (stdout, one line):
//   {"url":"automerge:...","documentId":"...","heads":["<hex>",...],
//    "urlHeads":["<base58check>",...],"storageId":"...","peerId":"..."}
//   `heads` are Automerge change hashes as lowercase hex (what the Rust
//   `automerge` crate prints for ChangeHash); `urlHeads` are the same heads in
//   automerge-repo 2.x's own encoding (bs58check), as returned by handle.heads().
//
// Any failure (HTTP error, websocket error or close, `error` or
// `doc-unavailable` from the server, timeout) prints a message on stderr and
// exits 1. No sleeps are used for synchronisation: only events and promises,
// bounded by one overall deadline.

// Importing the full ("fullfat") entry point of automerge-repo also imports
// "@automerge/automerge", whose "node" export condition loads the
// wasm-bindgen nodejs build and instantiates the WASM synchronously. Nothing
// else is needed under Node 20 ESM.
import { Repo, cbor } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"
import * as Automerge from "@automerge/automerge"

const PROG = "visit_note_client"
let finished = false

function fail(message) {
  if (finished) return
  finished = true
  process.stderr.write(`${PROG}: ERROR: ${message}\n`)
  process.exit(1)
}

function debugLog(message) {
  if (process.env.HEARTH_DEBUG) process.stderr.write(`${PROG}: ${message}\n`)
}

process.on("uncaughtException", err => {
  fail(`uncaught exception: ${err?.stack ?? err}`)
})
process.on("unhandledRejection", err => {
  fail(`unhandled rejection: ${err?.stack ?? err}`)
})

function requireEnv(name) {
  const value = process.env[name]
  if (value === undefined || value === "") fail(`environment variable ${name} is not set`)
  return value
}

const HEARTH_URL = requireEnv("HEARTH_URL")
const HEARTH_USER = requireEnv("HEARTH_USER")
const HEARTH_PASSWORD = requireEnv("HEARTH_PASSWORD")
const HEARTH_HOME_ID = requireEnv("HEARTH_HOME_ID")
const TIMEOUT_MS = Number(process.env.HEARTH_TIMEOUT_MS ?? 20000)
if (!Number.isFinite(TIMEOUT_MS) || TIMEOUT_MS <= 0) {
  fail(`HEARTH_TIMEOUT_MS must be a positive number, got ${process.env.HEARTH_TIMEOUT_MS}`)
}

// Which step we are in, so that a timeout says what it was waiting for.
let step = "starting"
const deadline = setTimeout(() => {
  fail(`timed out after ${TIMEOUT_MS} ms while ${step}`)
}, TIMEOUT_MS)

let baseUrl
try {
  baseUrl = new URL(HEARTH_URL)
} catch (e) {
  fail(`HEARTH_URL is not a URL: ${HEARTH_URL}`)
}

async function readBody(res) {
  const text = await res.text()
  return text.length > 500 ? text.slice(0, 500) + "..." : text
}

async function login() {
  step = "logging in (POST /api/session)"
  const res = await fetch(new URL("/api/session", baseUrl), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ username: HEARTH_USER, password: HEARTH_PASSWORD }),
  })
  if (!res.ok) {
    fail(`POST /api/session returned HTTP ${res.status}: ${await readBody(res)}`)
  }
  const setCookies = res.headers.getSetCookie()
  const sessionCookie = setCookies
    .map(c => c.split(";")[0].trim())
    .find(c => c.startsWith("hearth_session="))
  if (!sessionCookie || sessionCookie === "hearth_session=") {
    fail(`POST /api/session did not set a hearth_session cookie (Set-Cookie: ${JSON.stringify(setCookies)})`)
  }
  let json
  try {
    json = await res.json()
  } catch (e) {
    fail(`POST /api/session did not return JSON: ${e}`)
  }
  const user = json?.user
  if (!user || typeof user.id !== "string" || user.id === "") {
    fail(`POST /api/session returned no user.id: ${JSON.stringify(json)}`)
  }
  debugLog(`logged in as ${user.username} (${user.id}, ${user.role})`)
  return { cookie: sessionCookie, user }
}

async function getTicket(cookie) {
  step = "getting a sync ticket (POST /api/sync-tickets)"
  const res = await fetch(new URL("/api/sync-tickets", baseUrl), {
    method: "POST",
    headers: { cookie, accept: "application/json" },
  })
  if (!res.ok) {
    fail(`POST /api/sync-tickets returned HTTP ${res.status}: ${await readBody(res)}`)
  }
  let json
  try {
    json = await res.json()
  } catch (e) {
    fail(`POST /api/sync-tickets did not return JSON: ${e}`)
  }
  if (typeof json?.ticket !== "string" || json.ticket === "") {
    fail(`POST /api/sync-tickets returned no ticket: ${JSON.stringify(json)}`)
  }
  return json.ticket
}

function syncUrl(ticket) {
  const u = new URL("/sync", baseUrl)
  u.protocol = baseUrl.protocol === "https:" ? "wss:" : "ws:"
  u.search = "?ticket=" + encodeURIComponent(ticket)
  return u.toString()
}

function describeMessage(m) {
  const parts = [`type=${m?.type}`]
  for (const k of ["senderId", "targetId", "documentId", "selectedProtocolVersion", "message"]) {
    if (m?.[k] !== undefined) parts.push(`${k}=${m[k]}`)
  }
  if (m?.peerMetadata !== undefined) parts.push(`peerMetadata=${JSON.stringify(m.peerMetadata)}`)
  if (m?.data instanceof Uint8Array) parts.push(`data=${m.data.byteLength}B`)
  return parts.join(" ")
}

/**
 * automerge-repo's WebSocketClientAdapter, made strict for a one-shot test:
 * - the stock adapter only logs a server `error` message; we fail.
 * - the stock adapter throws on a non-ECONNREFUSED socket error and silently
 *   retries forever on ECONNREFUSED and on close; a sync ticket is single-use,
 *   so any error or close before we are done is a failure.
 * - it records the server's `peer` message (storageId, isEphemeral, version).
 * onOpen/onClose/onError/onMessage are instance arrow functions in the stock
 * adapter (2.5.x), so replacing them in the constructor is what connect()
 * subscribes and disconnect() unsubscribes.
 */
class StrictWebSocketClientAdapter extends WebSocketClientAdapter {
  constructor(url, hooks) {
    super(url)
    this.hooks = hooks
    const originalClose = this.onClose
    this.onClose = event => {
      hooks.onClose(event)
      originalClose(event)
    }
    this.onError = event => {
      const err = event?.error ?? event
      hooks.onError(err)
    }
  }

  receiveMessage(messageBytes) {
    let message
    try {
      message = cbor.decode(new Uint8Array(messageBytes))
    } catch (e) {
      fail(`could not decode a CBOR message from the server: ${e}`)
      return
    }
    debugLog(`<- ${describeMessage(message)}`)
    this.hooks.onServerMessage(message)
    super.receiveMessage(messageBytes)
  }

  send(message) {
    debugLog(`-> ${describeMessage(message)}`)
    super.send(message)
  }
}

function headsEqual(a, b) {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
  const sa = [...a].sort()
  const sb = [...b].sort()
  return sa.every((h, i) => h === sb[i])
}

async function main() {
  const { cookie, user } = await login()
  const ticket = await getTicket(cookie)
  const url = syncUrl(ticket)
  debugLog(`connecting to ${url.replace(/ticket=[^&]*/, "ticket=<redacted>")}`)

  let resolvePeer
  const peerPromise = new Promise(resolve => (resolvePeer = resolve))
  let documentId // set once the note exists, to match doc-unavailable
  let syncDone = false

  const adapter = new StrictWebSocketClientAdapter(url, {
    onServerMessage(message) {
      switch (message?.type) {
        case "peer": {
          const meta = message.peerMetadata ?? {}
          if (message.selectedProtocolVersion !== "1") {
            fail(`server selected protocol version ${JSON.stringify(message.selectedProtocolVersion)}, expected "1"`)
          }
          if (typeof message.senderId !== "string" || message.senderId === "") {
            fail(`server peer message has no senderId: ${describeMessage(message)}`)
          }
          if (typeof meta.storageId !== "string" || meta.storageId === "") {
            fail(`server peer message has no peerMetadata.storageId, so durable sync cannot be confirmed: ${describeMessage(message)}`)
          }
          if (meta.isEphemeral !== false) {
            fail(`server peer message has peerMetadata.isEphemeral=${JSON.stringify(meta.isEphemeral)}, expected false`)
          }
          resolvePeer({ peerId: message.senderId, storageId: meta.storageId })
          break
        }
        case "error":
          fail(`server sent an error message: ${JSON.stringify(message.message)}`)
          break
        case "doc-unavailable":
          if (documentId !== undefined && message.documentId === documentId) {
            fail(`server answered doc-unavailable for the new note ${documentId}`)
          }
          break
      }
    },
    onClose(event) {
      if (!syncDone) {
        fail(`websocket closed before the note was synced (code ${event?.code}${event?.reason ? `, reason ${JSON.stringify(String(event.reason))}` : ""})`)
      }
    },
    onError(err) {
      if (!syncDone) fail(`websocket error: ${err?.message ?? err}`)
    },
  })

  step = "connecting the websocket and waiting for the server's peer message"
  const repo = new Repo({ network: [adapter] })
  const server = await peerPromise
  debugLog(`server peer ${server.peerId}, storageId ${server.storageId}; our peer ${repo.peerId}`)

  step = "creating the visit note"
  const note = {
    kind: "visitNote",
    schemaVersion: 1,
    homeId: HEARTH_HOME_ID,
    createdBy: user.id,
    createdAt: Date.now(),
    state: "draft",
    visitDate: "2026-11-03",
    attendees: ["Cllr Test Member"],
    body: "Synthetic test note written by the JS client.",
    actions: [
      {
        text: "Check the fire log",
        owner: "Test Manager",
        dueDate: "2026-11-30",
        done: false,
      },
    ],
  }
  const handle = repo.create(note)
  documentId = handle.documentId

  // automerge-repo records the server's heads for this document under the
  // server's storageId (Repo's "sync-state" listener calls
  // handle.setSyncInfo(storageId, {lastHeads: theirHeads, ...}), which emits
  // "remote-heads") whenever a sync message from a peer with a storageId
  // carries new heads. No remote-heads gossiping is needed for a directly
  // connected server.
  step = `waiting for the server (storageId ${server.storageId}) to report heads equal to ours for ${handle.url}`
  await new Promise(resolve => {
    const check = () => {
      const ours = handle.heads()
      const theirs = handle.getSyncInfo(server.storageId)?.lastHeads
      debugLog(`heads: ours ${JSON.stringify(ours)} server ${JSON.stringify(theirs ?? null)}`)
      if (headsEqual(ours, theirs)) {
        handle.off("remote-heads", onRemoteHeads)
        resolve()
      }
    }
    const onRemoteHeads = ({ storageId }) => {
      if (storageId === server.storageId) check()
    }
    handle.on("remote-heads", onRemoteHeads)
    check()
  })
  syncDone = true

  const result = {
    url: handle.url,
    documentId: handle.documentId,
    heads: Automerge.getHeads(handle.doc()),
    urlHeads: handle.heads(),
    storageId: server.storageId,
    peerId: server.peerId,
  }

  step = "shutting down"
  clearTimeout(deadline)
  await repo.shutdown()
  finished = true
  process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(0))
}

main().catch(err => {
  // fetch() reports "fetch failed" and puts the reason (e.g. ECONNREFUSED) in err.cause.
  const cause = err?.cause ? ` (cause: ${err.cause?.message ?? err.cause})` : ""
  fail(`${err?.message ?? err}${cause} while ${step}\n${err?.stack ?? ""}`)
})
