//! The page's side: prepares and starts the analysis worker ([`prepare`],
//! [`start`]), sends it jobs ([`submit`]), stops it ([`cancel`]) and passes
//! its responses to the app ([`listen`]); without a worker, runs jobs on the
//! page's own thread.

use super::bootstrap::{classic_script, glue_text};
use super::serve::handle;
use crate::job::{self, Request, Response};
use crate::ui::browser;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Blob, MessageEvent, Worker};

/// How to start a worker: the blob URL of glue + bootstrap, and the module.
struct Source {
    url: String,
    module: JsValue,
}

/// The page's side: at most one worker, replaced after a crash or Cancel.
#[derive(Default)]
struct Host {
    /// How to start workers, once the first one has said it is ready.
    source: Option<Source>,
    /// Prepared before the policy lock, not yet proven to start.
    untested: Option<Source>,
    /// The current worker and its serial number: events of an older worker
    /// (an error event that trails its panic report) are ignored.
    worker: Option<(u64, Worker)>,
    serial: u64,
    /// A job was sent and has not finished.
    busy: bool,
    listener: Option<Rc<dyn Fn(Response)>>,
    /// Resolves [`prepare`]'s wait for the first worker's `Ready` (true) or error (false).
    on_ready: Option<js_sys::Function>,
}

thread_local! {
    static HOST: RefCell<Host> = RefCell::new(Host::default());
    /// Puts results sent in parts ([`job::split_result`]) together again.
    static ASSEMBLER: RefCell<job::Assembler> = RefCell::new(job::Assembler::default());
}

/// How long [`prepare`] waits for the first worker to say it is ready.
const READY_TIMEOUT_MS: i32 = 10_000;

/// Builds the worker's script; call before the CSP is locked (it may fetch
/// the glue). Then lock, then [`start`]: a worker inherits the policies in
/// force when it is created, and must get the locked one.
///
/// Errors: the glue could not be had or rewritten (jobs then run on the page's thread).
pub fn prepare() -> Result<(), String> {
    let script = classic_script(&glue_text()?)?;
    let blob = browser::text_blob(&script, "text/javascript").map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    HOST.with_borrow_mut(|h| h.untested = Some(Source { url, module: wasm_bindgen::module() }));
    Ok(())
}

/// Starts the first worker from what [`prepare`] built and waits (at most
/// [`READY_TIMEOUT_MS`]) for it to say it is ready; call after the CSP lock.
///
/// Errors: nothing prepared, or a worker that failed to start or did not
/// answer in time: jobs then run on the page's thread.
pub async fn start() -> Result<(), String> {
    let source = HOST.with_borrow_mut(|h| h.untested.take()).ok_or("no worker script was prepared")?;
    let ready = js_sys::Promise::new(&mut |resolve, _| {
        let timeout = resolve.clone();
        HOST.with_borrow_mut(|h| h.on_ready = Some(resolve));
        let give_up = Closure::once_into_js(move || {
            let _ = timeout.call1(&JsValue::NULL, &JsValue::FALSE);
        });
        browser::set_timeout(give_up.unchecked_ref(), READY_TIMEOUT_MS);
    });
    let serial = HOST.with_borrow_mut(|h| {
        h.serial += 1;
        h.serial
    });
    let w = spawn_worker(&source, serial).map_err(|e| format!("{e:?}"))?;
    HOST.with_borrow_mut(|h| h.worker = Some((serial, w)));
    let answer = JsFuture::from(ready).await.unwrap_or(JsValue::FALSE);
    HOST.with_borrow_mut(|h| {
        h.on_ready = None;
        if answer.as_bool() == Some(true) {
            h.source = Some(source);
            Ok(())
        } else {
            if let Some((_, w)) = h.worker.take() {
                w.terminate();
            }
            Err("the analysis worker did not start".to_string())
        }
    })
}

/// Starts worker number `serial` and sends it the module. Borrows nothing
/// (callers hold `HOST` while they call it).
fn spawn_worker(src: &Source, serial: u64) -> Result<Worker, JsValue> {
    let opts = web_sys::WorkerOptions::new();
    opts.set_name("segscope analysis");
    let w = Worker::new_with_options(&src.url, &opts)?;
    w.post_message(&src.module)?;
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let bytes = js_sys::Uint8Array::new(&ev.data()).to_vec();
        let r = job::decode::<Response>(&bytes).unwrap_or_else(|e| Response::Panicked { message: e.to_string() });
        // A result sent in parts is passed on once its last part has come.
        if let Some(r) = ASSEMBLER.with_borrow_mut(|a| a.push(r)) {
            deliver(serial, r);
        }
    });
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        ev.prevent_default();
        // An ErrorEvent for an uncaught error (a trap after a panic, out of
        // memory); a plain Event if the worker's script did not start.
        let message = js_sys::Reflect::get(&ev, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| "the analysis worker could not start".into());
        deliver(serial, Response::Panicked { message });
    });
    w.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    w.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // The handlers live as long as the page: a few hundred bytes per worker started.
    on_message.forget();
    on_error.forget();
    Ok(w)
}

/// Passes a response of worker `serial` to the listener, unless that worker
/// has been replaced. A crash or a finished job frees the worker.
fn deliver(serial: u64, r: Response) {
    let listener = HOST.with_borrow_mut(|h| {
        if h.worker.as_ref().map(|(s, _)| *s) != Some(serial) {
            return None; // a terminated worker's late event
        }
        match &r {
            Response::Ready => {
                if let Some(f) = h.on_ready.take() {
                    let _ = f.call1(&JsValue::NULL, &JsValue::TRUE);
                }
                return None;
            }
            Response::Panicked { .. } => {
                if let Some(f) = h.on_ready.take() {
                    let _ = f.call1(&JsValue::NULL, &JsValue::FALSE);
                }
                if let Some((_, w)) = h.worker.take() {
                    w.terminate();
                }
                h.busy = false;
                drop_partial_result();
            }
            Response::Done { .. } | Response::Failed { .. } => h.busy = false,
            _ => {}
        }
        h.listener.clone()
    });
    if let Some(f) = listener {
        f(r);
    }
}

/// Sets the function that receives every response.
pub fn listen(f: impl Fn(Response) + 'static) {
    HOST.with_borrow_mut(|h| h.listener = Some(Rc::new(f)));
}

/// Starts a job. A job still running is abandoned (its worker is stopped),
/// since the page would discard its result anyway.
pub fn submit(req: Request, blob: &Blob) {
    let sent = HOST.with_borrow_mut(|h| -> Result<bool, JsValue> {
        let Some(src) = &h.source else { return Ok(false) };
        if h.busy {
            if let Some((_, w)) = h.worker.take() {
                w.terminate();
            }
            drop_partial_result();
        }
        let (serial, w) = match h.worker.take() {
            Some(w) => w,
            None => {
                h.serial += 1;
                (h.serial, spawn_worker(src, h.serial)?)
            }
        };
        let post = || -> Result<(), JsValue> {
            let msg = js_sys::Object::new();
            let bytes = job::encode(&req).map_err(|e| JsValue::from_str(&e.to_string()))?;
            js_sys::Reflect::set(&msg, &"req".into(), &js_sys::Uint8Array::from(&bytes[..]))?;
            js_sys::Reflect::set(&msg, &"blob".into(), blob)?;
            w.post_message(&msg)
        };
        if let Err(e) = post() {
            w.terminate();
            return Err(e);
        }
        h.worker = Some((serial, w));
        h.busy = true;
        Ok(true)
    });
    let listener = HOST.with_borrow(|h| h.listener.clone());
    match sent {
        Ok(true) => {}
        Ok(false) => {
            // No worker in this browser: run here (no Cancel, and a crash stops the page).
            let post: Rc<dyn Fn(Response)> = Rc::new(move |r| {
                if let Some(f) = &listener {
                    f(r)
                }
            });
            let blob = blob.clone();
            spawn_local(async move {
                // Let the page paint its progress bar first.
                browser::yield_now().await;
                handle(req, Some(blob), post).await
            });
        }
        Err(e) => {
            // Straight to the page: no worker is left whose events could report it.
            if let Some(f) = listener {
                f(Response::Panicked { message: format!("could not start the analysis worker: {e:?}") });
            }
        }
    }
}

/// Stops the running job, if any: its worker is terminated at once and the
/// next job starts a fresh one. Returns whether a job was stopped.
pub fn cancel() -> bool {
    HOST.with_borrow_mut(|h| {
        if !h.busy {
            return false;
        }
        h.busy = false;
        if let Some((_, w)) = h.worker.take() {
            w.terminate();
        }
        drop_partial_result();
        true
    })
}

/// Forgets the parts of a result received from a worker that is being
/// stopped: the rest will never come (up to 130 MB for a million accounts).
fn drop_partial_result() {
    ASSEMBLER.with_borrow_mut(|a| *a = job::Assembler::default());
}

/// Whether jobs run in a worker (false: on the page's thread, without Cancel).
pub fn available() -> bool {
    HOST.with_borrow(|h| h.source.is_some())
}
