//! One tab per workspace: the tab that runs a workspace holds the Web Lock named after
//! its IndexedDB database (`navigator.locks.request(name, {ifAvailable: true}, cb)`), and
//! only the holder opens the database. A second tab on the same workspace is refused the
//! lock, starts nothing (it never opens, deletes or writes the database) and waits for
//! the lock; the browser grants it when the holder's tab closes (or drops the lock), so
//! two runs never write one workspace.
//!
//! Invariant: a [`WorkspaceLock`] exists only while the browser holds the lock for this
//! tab; dropping it releases the lock. web-sys gates `LockManager` behind
//! `web_sys_unstable_apis`, so the two calls used are bound here directly.

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// The page's `navigator.locks` (the Web Locks API's `LockManager`).
    type LockManager;

    #[wasm_bindgen(method, catch, js_name = request)]
    fn request_with_options(
        this: &LockManager,
        name: &str,
        options: &JsValue,
        callback: &JsValue,
    ) -> Result<Promise, JsValue>;
}

/// The lock a tab holds on a workspace; dropping it lets the next tab in.
pub struct WorkspaceLock {
    /// Resolves the promise the lock callback returned: the browser then releases it.
    release: Function,
}

impl Drop for WorkspaceLock {
    fn drop(&mut self) {
        let _ = self.release.call0(&JsValue::NULL);
    }
}

/// The lock's name: the workspace's database name, so one lock guards one database.
pub fn lock_name(workspace: &str) -> String {
    crate::storage::idb::database_name(workspace)
}

/// Whether this browser has the Web Locks API (it lacks it on an insecure origin).
pub fn supported() -> bool {
    lock_manager().is_ok()
}

fn lock_manager() -> Result<LockManager, String> {
    let window = web_sys::window().ok_or("no window: the page must run in a browser tab")?;
    let locks = Reflect::get(&window.navigator(), &JsValue::from_str("locks"))
        .map_err(|e| format!("navigator.locks: {e:?}"))?;
    if locks.is_undefined() || locks.is_null() {
        return Err("this browser has no Web Locks API (navigator.locks): two tabs could write one \
                    workspace"
            .into());
    }
    Ok(locks.unchecked_into())
}

/// Asks for the lock: with `wait == false` answers at once (`None`: another tab holds
/// it); with `wait == true` resolves when the browser grants it.
pub async fn acquire(workspace: &str, wait: bool) -> Result<Option<WorkspaceLock>, String> {
    let manager = lock_manager()?;
    // The callback hands [lock, release] out through `granted`, and keeps the lock for
    // as long as the promise it returns is pending (until `release` is called).
    let mut hand_out: Option<(Function, Function)> = None;
    let granted = Promise::new(&mut |resolve, reject| hand_out = Some((resolve, reject)));
    let (hand_out, refuse) = hand_out.ok_or("Promise::new did not call its executor")?;
    let callback = Closure::once_into_js(move |lock: JsValue| -> Promise {
        if lock.is_null() {
            let _ = hand_out.call1(&JsValue::NULL, &JsValue::NULL);
            return Promise::resolve(&JsValue::UNDEFINED);
        }
        let mut release: Option<Function> = None;
        let held = Promise::new(&mut |resolve, _reject| release = Some(resolve));
        let release = release.map_or(JsValue::NULL, JsValue::from);
        let _ = hand_out.call1(&JsValue::NULL, &Array::of2(&lock, &release));
        held
    });
    let options = js_sys::Object::new();
    Reflect::set(&options, &JsValue::from_str("ifAvailable"), &JsValue::from_bool(!wait))
        .map_err(|e| format!("lock options: {e:?}"))?;
    let name = lock_name(workspace);
    let done = manager
        .request_with_options(&name, &options, &callback)
        .map_err(|e| format!("navigator.locks.request({name}): {e:?}"))?;
    // A refused request (a SecurityError, say) rejects `done` without calling back: that
    // refusal ends the wait. (`done` resolves when the lock is released: nothing to do.)
    let then: Function = Reflect::get(&done, &JsValue::from_str("then"))
        .and_then(|f| f.dyn_into())
        .map_err(|e| format!("Promise.then: {e:?}"))?;
    let _ = then.call2(&done, &JsValue::UNDEFINED, &refuse);
    let answer = JsFuture::from(granted).await.map_err(|e| {
        format!("navigator.locks.request({name}) failed: {}", e.as_string().unwrap_or(format!("{e:?}")))
    })?;
    if answer.is_null() {
        return Ok(None);
    }
    let release: Function = Array::from(&answer)
        .get(1)
        .dyn_into()
        .map_err(|_| format!("the lock {name} came without its release"))?;
    Ok(Some(WorkspaceLock { release }))
}
