//! The second reader of a large file: the analysis worker starts a helper
//! worker ([`Helper`]) that reads a later part of the file ([`read_part`],
//! on the helper's side) and sends back its per-account aggregates.

use super::transport::post_to_page;
use crate::job::{self, JobError, Response};
use crate::ui::browser;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, MessageEvent, Worker};

/// How long the helper may go without reading a byte before its part is
/// read here instead (it reports every 4 MB slice, a small fraction of this;
/// figures: BENCHMARKS.md).
const HELPER_SILENT_MS: f64 = 15_000.0;

/// A second worker that reads a later part of a file ([`job::PartJob`]),
/// started by the analysis worker from its own script and module, and
/// ended when dropped. Its messages (progress, then the part's result)
/// land in `state`.
pub(super) struct Helper {
    worker: Worker,
    state: Rc<RefCell<HelperState>>,
}

#[derive(Default)]
struct HelperState {
    /// Bytes of its part read so far.
    done: f64,
    result: Option<Result<job::PartResult, JobError>>,
    /// Resolves [`Helper::result`]'s wait.
    wake: Option<js_sys::Function>,
}

impl Helper {
    /// Starts a worker from this worker's own script (a `blob:` URL) and module.
    ///
    /// Errors: the browser's, if a worker cannot be started here.
    pub(super) fn spawn() -> Result<Helper, JsValue> {
        let location = js_sys::Reflect::get(&js_sys::global(), &"location".into())?;
        let href = js_sys::Reflect::get(&location, &"href".into())?.as_string().ok_or("no script address")?;
        let opts = web_sys::WorkerOptions::new();
        opts.set_name("segscope part reader");
        let worker = Worker::new_with_options(&href, &opts)?;
        worker.post_message(&wasm_bindgen::module())?;
        let state: Rc<RefCell<HelperState>> = Rc::default();
        let finish = |state: &Rc<RefCell<HelperState>>, result: Result<job::PartResult, JobError>| {
            let wake = {
                let mut st = state.borrow_mut();
                st.result = Some(result);
                st.wake.take()
            };
            if let Some(f) = wake {
                let _ = f.call0(&JsValue::UNDEFINED);
            }
        };
        let st = state.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let bytes = js_sys::Uint8Array::new(&ev.data()).to_vec();
            match job::decode::<Response>(&bytes) {
                Ok(Response::PartProgress { done }) => st.borrow_mut().done = done,
                Ok(Response::Part { result }) => finish(&st, result),
                Ok(Response::Panicked { message }) => finish(&st, Err(JobError::part(message))),
                Err(e) => finish(&st, Err(e)),
                Ok(_) => {}
            }
        });
        let st = state.clone();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            ev.prevent_default();
            finish(&st, Err(JobError::part("the part reader stopped")));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        // The handlers outlive the helper: an error event can trail its
        // panic report, after it was ended, and must still be handled
        // (prevent_default) or it would count as this worker's crash. A
        // few hundred bytes per large file read.
        on_message.forget();
        on_error.forget();
        Ok(Helper { worker, state })
    }

    /// Bytes of its part the helper has read so far.
    pub(super) fn done(&self) -> f64 {
        self.state.borrow().done
    }

    /// Asks the helper to read `part` of `blob`.
    pub(super) fn send(&self, part: &job::PartJob, blob: &Blob) -> Result<(), JsValue> {
        let bytes = job::encode(part).map_err(|e| JsValue::from_str(&e.to_string()))?;
        let msg = js_sys::Object::new();
        js_sys::Reflect::set(&msg, &"part".into(), &js_sys::Uint8Array::from(&bytes[..]))?;
        js_sys::Reflect::set(&msg, &"blob".into(), blob)?;
        self.worker.post_message(&msg)
    }

    /// The part's features, once the helper has sent them; meanwhile
    /// `progress(bytes the helper has read)` every 50 ms. Gives up if the
    /// helper reads nothing for [`HELPER_SILENT_MS`].
    pub(super) async fn result(&self, progress: impl Fn(f64)) -> Result<job::PartResult, JobError> {
        let (mut last, mut since) = (-1.0, browser::now_ms());
        while self.state.borrow().result.is_none() {
            let done = self.state.borrow().done;
            if done != last {
                (last, since) = (done, browser::now_ms());
            } else if browser::now_ms() - since > HELPER_SILENT_MS {
                return Err(JobError::part("the part reader stopped answering"));
            }
            let state = self.state.clone();
            let p = js_sys::Promise::new(&mut |resolve, _| {
                state.borrow_mut().wake = Some(resolve.clone());
                browser::set_timeout(&resolve, 50);
            });
            let _ = JsFuture::from(p).await;
            progress(self.state.borrow().done);
        }
        self.state.borrow_mut().result.take().unwrap_or_else(|| Err(JobError::part("no result from the part reader")))
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

/// The helper's side of [`read_streamed`](super::serve::read_streamed): reads `part` of `blob` and
/// sends its features (or why it could not) to the worker that asked.
pub(super) async fn read_part(part: job::PartJob, blob: Blob) {
    let result = async {
        let mut reader = job::PartReader::new(&part.spec)?;
        let mut started = false;
        browser::read_range(
            &blob,
            part.start,
            blob.size(),
            |_, bytes| {
                // The part begins after the first line end at or past its start.
                let bytes = if started {
                    bytes
                } else {
                    match bytes.iter().position(|&b| b == b'\n') {
                        Some(i) => {
                            started = true;
                            &bytes[i + 1..]
                        }
                        None => return Ok(browser::Flow::More),
                    }
                };
                reader.feed(bytes)?;
                Ok(browser::Flow::More)
            },
            |done| post_to_page(Response::PartProgress { done: done - part.start }),
        )
        .await
        .map_err(JobError::part)?;
        reader.finish().map_err(JobError::part)
    }
    .await;
    post_to_page(Response::Part { result });
}
