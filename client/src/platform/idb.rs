//! A thin IndexedDB layer over web-sys: open with an upgrade step, and transactions whose
//! completion is awaited.
//!
//! Why not `rexie`/`idb`: Hearth needs one thing they do not expose, `durability: "strict"`,
//! which makes the browser flush to disk before a write transaction reports `complete` (Chrome's
//! default, "relaxed", may lose the last writes on power loss). The rest is a few dozen lines.
//!
//! Requests are not awaited one by one: a caller queues them on a transaction, awaits the
//! transaction's `complete` event (one pair of callbacks per transaction), and then reads each
//! request's `result`, which IndexedDB guarantees is set by then.

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Event, IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransaction};

#[wasm_bindgen]
extern "C" {
    /// An `IDBDatabase`, seen through the one method bound here.
    type DatabaseWithOptions;

    /// `IDBDatabase.transaction(stores, mode, { durability })`: web-sys marks the options
    /// argument unstable, so it is bound here directly.
    #[wasm_bindgen(method, catch, js_name = transaction)]
    fn transaction_with_options(
        this: &DatabaseWithOptions,
        stores: &JsValue,
        mode: &str,
        options: &JsValue,
    ) -> Result<IdbTransaction, JsValue>;
}

/// An open database.
#[derive(Clone)]
pub struct Db {
    db: IdbDatabase,
}

/// Event handlers kept alive until the awaited event fires.
type Handlers = Vec<Closure<dyn FnMut(Event)>>;

/// Waits for one of `ok_events` (resolve) or `err_events` (reject) on `target`.
async fn wait_for(
    target: &web_sys::EventTarget,
    ok_events: &[&str],
    err_events: &[&str],
) -> Result<(), JsValue> {
    let mut handlers: Handlers = Vec::new();
    let mut attach = |resolve: Function, reject: Function| {
        for name in ok_events {
            let resolve = resolve.clone();
            let handler = Closure::<dyn FnMut(Event)>::new(move |_event: Event| {
                let _ = resolve.call0(&JsValue::NULL);
            });
            let _ = target.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
            handlers.push(handler);
        }
        for name in err_events {
            let reject = reject.clone();
            let handler = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
                let _ = reject.call1(&JsValue::NULL, &event);
            });
            let _ = target.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
            handlers.push(handler);
        }
    };
    let promise = Promise::new(&mut attach);
    let result = JsFuture::from(promise).await.map(drop);
    for (handler, name) in handlers.iter().zip(ok_events.iter().chain(err_events)) {
        let _ = target.remove_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
    }
    result
}

impl Db {
    /// Opens (creating or upgrading) database `name` at `version`; `upgrade` creates the stores.
    pub async fn open(
        name: &str,
        version: u32,
        upgrade: impl Fn(&IdbDatabase) -> Result<(), JsValue> + 'static,
    ) -> Result<Db, JsValue> {
        let factory = web_sys::window()
            .ok_or("no window")?
            .indexed_db()?
            .ok_or("IndexedDB is not available in this browser")?;
        let request: IdbOpenDbRequest = factory.open_with_u32(name, version)?;
        let for_upgrade = request.clone();
        let on_upgrade = Closure::<dyn FnMut(Event)>::new(move |_event: Event| {
            if let Ok(result) = for_upgrade.result() {
                let _ = upgrade(result.unchecked_ref());
            }
        });
        request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
        let waited = wait_for(request.as_ref(), &["success"], &["error", "blocked"]).await;
        request.set_onupgradeneeded(None);
        drop(on_upgrade);
        waited.map_err(|_| {
            request
                .error()
                .ok()
                .flatten()
                .map_or(JsValue::NULL, Into::into)
        })?;
        Ok(Db {
            db: request.result()?.unchecked_into(),
        })
    }

    fn bound(&self) -> &DatabaseWithOptions {
        self.db.unchecked_ref()
    }

    /// A read-only transaction over `stores`.
    pub fn read(&self, stores: &[&str]) -> Result<IdbTransaction, JsValue> {
        self.bound()
            .transaction_with_options(&names(stores), "readonly", &JsValue::UNDEFINED)
    }

    /// A read-write transaction over `stores` that completes only once on disk.
    pub fn write(&self, stores: &[&str]) -> Result<IdbTransaction, JsValue> {
        let options = Object::new();
        Reflect::set(&options, &"durability".into(), &"strict".into())?;
        self.bound()
            .transaction_with_options(&names(stores), "readwrite", &options)
    }
}

fn names(stores: &[&str]) -> JsValue {
    stores
        .iter()
        .map(|s| JsValue::from_str(s))
        .collect::<Array>()
        .into()
}

/// Waits until `tx` has committed (for a write: durably), or fails with why it aborted.
pub async fn done(tx: &IdbTransaction) -> Result<(), JsValue> {
    wait_for(tx.as_ref(), &["complete"], &["error", "abort"])
        .await
        .map_err(|_| tx.error().map_or(JsValue::NULL, Into::into))
}

/// The result of a request whose transaction has completed.
pub fn result(request: &IdbRequest) -> Result<JsValue, JsValue> {
    request.result()
}
