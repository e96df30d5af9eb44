//! The analysis worker: reading, features and segmentation run in a Web
//! Worker so that the page stays responsive, a job can be cancelled, and a
//! crash (a panic, or running out of memory) kills only the worker: the page
//! says what happened and starts a fresh worker for the next job.
//!
//! One wasm binary serves both sides. At start-up, before the page locks its
//! Content-Security-Policy, [`prepare`] takes the wasm-bindgen JS glue
//! (the sealed page's inline copy, written by scripts/seal.mjs) and the
//! already compiled `WebAssembly.Module`. A
//! worker is then a `blob:` URL of that glue plus a two-line bootstrap that
//! instantiates the module it is sent: no network request, and nothing to
//! compile, so the locked policy needs only `worker-src blob:`. In the
//! worker, `main` finds no `window` and calls [`serve`]. The worker is a
//! classic script, not a module (Chromium starts no module worker from a
//! `blob:` URL in a `file://` page), so [`bootstrap::classic_script`]
//! rewrites the glue's few ES-module lines.
//!
//! Messages are [`crate::job`] types encoded with postcard; the file itself
//! travels as a `Blob` (a handle, not a copy). If no worker can be made, jobs
//! run on the page's own thread ([`serve::handle`] serves both), without Cancel.
//!
//! - `bootstrap.rs`: the worker's script, made from the page's glue;
//! - `page.rs`: the page's side (start, submit, cancel, the responses);
//! - `serve.rs`: the worker's side (a job: read, features, analysis);
//! - `helper.rs`: the second worker that reads a later part of a large file;
//! - `transport.rs`: how the worker sends its responses to the page.

mod bootstrap;
mod helper;
mod page;
mod serve;
mod transport;

pub use page::{available, cancel, listen, prepare, start, submit};
pub use serve::serve;
