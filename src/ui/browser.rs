//! Thin wrappers over browser APIs: chunked file reading, downloads, the
//! Content-Security-Policy lock, timers. No segmentation logic here.

use crate::ingest::csv::MAX_TEXT_BYTES;
use crate::ingest::{Dialect, IngestError, Table, TableReader};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

/// Bytes per Blob slice read from the file.
pub const CHUNK_BYTES: f64 = 4.0 * 1024.0 * 1024.0;

fn js_err(e: JsValue) -> IngestError {
    IngestError::Read(
        e.as_string()
            .or_else(|| js_sys::JSON::stringify(&e).ok().and_then(|s| s.as_string()))
            .unwrap_or_else(|| "unknown error".into()),
    )
}

/// Bytes `start..end` of `blob`.
///
/// Errors: the browser's read error.
pub async fn read_slice(blob: &Blob, start: f64, end: f64) -> Result<Vec<u8>, IngestError> {
    bytes_of(start_slice(blob, start, end)?).await
}

/// Starts reading bytes `start..end` of `blob`: the browser reads them
/// while this thread does other work.
fn start_slice(blob: &Blob, start: f64, end: f64) -> Result<JsFuture, IngestError> {
    let part = blob.slice_with_f64_and_f64(start, end).map_err(js_err)?;
    Ok(JsFuture::from(part.array_buffer()))
}

/// The bytes of a slice started with [`start_slice`].
async fn bytes_of(read: JsFuture) -> Result<Vec<u8>, IngestError> {
    let buf = read.await.map_err(js_err)?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}

/// Reads `blob` in [`CHUNK_BYTES`] slices, feeding each to `reader` (gzip,
/// text encoding, CSV), and calls `progress(bytes_read)` after each slice.
/// Yields to the event loop between slices.
///
/// Errors: the browser's read error, or the reader's.
pub async fn read_table(
    blob: &Blob,
    mut reader: TableReader,
    progress: impl FnMut(f64),
) -> Result<(Dialect, Table), IngestError> {
    read_chunks(blob, |b| reader.feed(b), progress).await?;
    reader.finish()
}

/// Reads `blob` in [`CHUNK_BYTES`] slices, passing each to `feed`, and
/// calls `progress(bytes_read)` after each; yields to the event loop
/// between slices. Plain text over [`MAX_TEXT_BYTES`] is refused before
/// any of it is read.
///
/// Errors: the browser's read error, [`IngestError::TooLarge`], or `feed`'s.
pub async fn read_chunks(
    blob: &Blob,
    mut feed: impl FnMut(&[u8]) -> Result<(), IngestError>,
    progress: impl FnMut(f64),
) -> Result<(), IngestError> {
    check_size(blob).await?;
    read_range(blob, 0.0, blob.size(), |_, b| feed(b).map(|_| Flow::More), progress).await
}

/// The first line of `blob` (its header), line end included, if it ends
/// within the first 64 KiB; else empty.
///
/// Errors: the browser's read error.
pub async fn first_line(blob: &Blob) -> Result<Vec<u8>, IngestError> {
    let head = read_slice(blob, 0.0, blob.size().min(65_536.0)).await?;
    Ok(head.iter().position(|&b| b == b'\n').map_or_else(Vec::new, |i| head[..=i].to_vec()))
}

/// Refuses plain text over [`MAX_TEXT_BYTES`] before any of it is read
/// (gzip is checked as it unpacks).
///
/// Errors: [`IngestError::TooLarge`], or the browser's read error.
pub async fn check_size(blob: &Blob) -> Result<(), IngestError> {
    let size = blob.size();
    let head = read_slice(blob, 0.0, size.min(2.0)).await?;
    if size > MAX_TEXT_BYTES as f64 && !head.starts_with(&[0x1f, 0x8b]) {
        return Err(IngestError::TooLarge { bytes: size as u64, max: MAX_TEXT_BYTES });
    }
    Ok(())
}

/// Whether [`read_range`] goes on after a slice.
pub enum Flow {
    More,
    Stop,
}

/// Reads bytes `start..end` of `blob` in [`CHUNK_BYTES`] slices, passing
/// each to `feed` with its offset in the blob, and calls `progress(offset
/// read to)` after each; yields to the event loop between slices. Stops
/// early when `feed` says [`Flow::Stop`].
///
/// Errors: the browser's read error, or `feed`'s.
pub async fn read_range(
    blob: &Blob,
    start: f64,
    end: f64,
    mut feed: impl FnMut(f64, &[u8]) -> Result<Flow, IngestError>,
    mut progress: impl FnMut(f64),
) -> Result<(), IngestError> {
    // The next slice is read by the browser while this one is parsed.
    let mut offset = start;
    let mut next = (end > start).then(|| start_slice(blob, start, (start + CHUNK_BYTES).min(end))).transpose()?;
    while let Some(read) = next.take() {
        let bytes = bytes_of(read).await?;
        let to = (offset + CHUNK_BYTES).min(end);
        if to < end {
            next = Some(start_slice(blob, to, (to + CHUNK_BYTES).min(end))?);
        }
        let flow = feed(offset, &bytes)?;
        offset = to;
        progress(offset);
        if let Flow::Stop = flow {
            break;
        }
        yield_now().await;
    }
    Ok(())
}

/// A Blob holding `text` (UTF-8).
pub fn text_blob(text: &str, mime: &str) -> Result<Blob, JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = BlobPropertyBag::new();
    opts.set_type(mime);
    Blob::new_with_str_sequence_and_options(&parts, &opts)
}

/// The text of `blob` (UTF-8), e.g. a model file the user chose.
pub async fn blob_text(blob: &Blob) -> Result<String, JsValue> {
    JsFuture::from(blob.text()).await?.as_string().ok_or_else(|| JsValue::from_str("not text"))
}

/// Saves `text` as a file named `name` (JSON for a `.json` name, HTML for
/// `.html`, SVG for `.svg`, else CSV), built in the page (Blob + object URL): nothing is sent anywhere.
pub fn download_text(name: &str, text: &str) -> Result<(), JsValue> {
    let mime = if name.ends_with(".json") {
        "application/json"
    } else if name.ends_with(".html") {
        "text/html;charset=utf-8"
    } else if name.ends_with(".svg") {
        "image/svg+xml"
    } else {
        "text/csv;charset=utf-8"
    };
    download_blob(name, &text_blob(text, mime)?)
}

/// Saves `blob` as a file named `name`. In the sealed page's frame, the
/// shell page saves it: `{segscope: "download", name, blob}` goes to it by
/// `postMessage` (it takes that only from its own frame, see
/// scripts/seal.mjs), because Firefox saves nothing that a sandboxed frame's
/// link downloads, whatever its `allow-downloads` (found by
/// tests/e2e/firefox.test.mjs). Outside a frame: an object URL and a
/// download link, revoked after a minute.
pub fn download_blob(name: &str, blob: &Blob) -> Result<(), JsValue> {
    let w = web_sys::window().ok_or("no window")?;
    if let Ok(Some(parent)) = w.parent() {
        if !js_sys::Object::is(&parent, &w) {
            let msg = js_sys::Object::new();
            js_sys::Reflect::set(&msg, &"segscope".into(), &"download".into())?;
            js_sys::Reflect::set(&msg, &"name".into(), &name.into())?;
            js_sys::Reflect::set(&msg, &"blob".into(), blob)?;
            return parent.post_message(&msg, "*");
        }
    }
    let url = Url::create_object_url_with_blob(blob)?;
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: HtmlAnchorElement = doc.create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    // Revoke later: revoking at once can cancel the download in some browsers.
    let revoke = Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    }
    Ok(())
}

/// A canvas `width x height` not in the document (to draw a download on).
pub fn new_canvas(width: u32, height: u32) -> Option<web_sys::HtmlCanvasElement> {
    let doc = web_sys::window()?.document()?;
    let c: web_sys::HtmlCanvasElement = doc.create_element("canvas").ok()?.dyn_into().ok()?;
    c.set_width(width);
    c.set_height(height);
    Some(c)
}

/// Saves the picture on `canvas` as a PNG file named `name` (encoded by
/// the browser, `canvas.toBlob`; saved when the encoding is done).
pub fn download_canvas_png(canvas: &web_sys::HtmlCanvasElement, name: &str) -> Result<(), JsValue> {
    let name = name.to_string();
    let done = Closure::once_into_js(move |blob: JsValue| {
        if let Ok(blob) = blob.dyn_into::<Blob>() {
            let _ = download_blob(&name, &blob);
        }
    });
    canvas.to_blob(done.unchecked_ref())
}

/// The picture on the canvas with accessible name `label`, as a PNG
/// `data:` URL; `None` if there is no such canvas (or it cannot be read).
pub fn canvas_png(label: &str) -> Option<String> {
    let doc = web_sys::window()?.document()?;
    let c: web_sys::HtmlCanvasElement =
        doc.query_selector(&format!("canvas[aria-label=\"{label}\"]")).ok()??.dyn_into().ok()?;
    (c.width() > 0 && c.height() > 0).then(|| c.to_data_url().ok()).flatten()
}

/// The policy added once the app has loaded: every fetch directive falls
/// back to `'none'`, so no request of any kind (fetch, XHR, WebSocket,
/// image, font, script, style, frame, beacon) can leave the page. The one
/// exception, `worker-src blob:`, lets the page start its analysis worker
/// from a `blob:` URL it built in memory (see `ui::worker`); the worker
/// inherits this policy, so it cannot make requests either, nor run new
/// script. `script-src 'wasm-unsafe-eval'` loads no script (no source is
/// listed) and only lets WebAssembly be instantiated: Firefox checks it when
/// the worker instantiates the module the page sends it (without it, Firefox
/// 153 refused, the worker did not start and every job ran on the page's
/// thread after a 10 s wait); it opens no exit. It adds to the one in
/// index.html; browsers enforce both.
pub const LOCKED_CSP: &str =
    "default-src 'none'; script-src 'wasm-unsafe-eval'; worker-src blob:; img-src data:; base-uri 'none'; form-action 'none'";

/// Adds [`LOCKED_CSP`] as a `<meta http-equiv>` policy to the document head.
pub fn lock_down_csp() -> Result<(), JsValue> {
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let meta = doc.create_element("meta")?;
    meta.set_attribute("http-equiv", "Content-Security-Policy")?;
    meta.set_attribute("content", LOCKED_CSP)?;
    meta.set_attribute("data-segscope", "locked")?;
    doc.head().ok_or("no head")?.append_child(&meta)?;
    Ok(())
}

/// Network requests the page has made so far: its Resource Timing entries,
/// less `blob:` ones (the analysis worker's script, built in memory).
pub fn resource_count() -> u32 {
    let Some(entries) = web_sys::window().and_then(|w| w.performance()).map(|p| p.get_entries_by_type("resource"))
    else {
        return 0;
    };
    entries
        .iter()
        .filter(|e| {
            let name = js_sys::Reflect::get(e, &"name".into()).ok().and_then(|n| n.as_string()).unwrap_or_default();
            !name.starts_with("blob:")
        })
        .count() as u32
}

/// The settings fragment of the address, with its `#` (empty if none): the
/// frame's own (set by [`set_fragment`] or a test hook), else the one the
/// shell page handed over as `data-fragment` on `<html>` (scripts/seal.mjs:
/// the app runs in a sandboxed `srcdoc` frame whose address is `about:srcdoc`).
pub fn fragment() -> String {
    let Some(w) = web_sys::window() else { return String::new() };
    let own = w.location().hash().unwrap_or_default();
    if !own.is_empty() {
        return own;
    }
    w.document()
        .and_then(|d| d.document_element())
        .and_then(|e| e.get_attribute("data-fragment"))
        .filter(|f| !f.is_empty())
        .map(|f| format!("#{f}"))
        .unwrap_or_default()
}

/// Replaces the address' fragment with `#fragment` without a new history
/// entry or any request (`history.replaceState`; allowed under the locked
/// policy: it loads nothing), in the frame and, by a `postMessage` of
/// `{segscope: "fragment", value}` to the shell page, in the address bar (the
/// shell accepts fragment characters only, from its own frame only). The
/// fragment holds settings, never data. Does nothing if the browser refuses.
pub fn set_fragment(fragment: &str) {
    let Some(w) = web_sys::window() else { return };
    if w.location().hash().ok().as_deref() != Some(&format!("#{fragment}")) {
        // The whole address: a bare "#..." would resolve against the shell's
        // address (a srcdoc document's base URL), which this frame may not take.
        let here = w.location().href().unwrap_or_default();
        let base = here.split('#').next().unwrap_or_default();
        if let Ok(h) = w.history() {
            let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&format!("{base}#{fragment}")));
        }
    }
    if let Ok(Some(parent)) = w.parent() {
        if !js_sys::Object::is(&parent, &w) {
            let msg = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&msg, &"segscope".into(), &"fragment".into());
            let _ = js_sys::Reflect::set(&msg, &"value".into(), &fragment.into());
            let _ = parent.post_message(&msg, "*");
        }
    }
}

/// Milliseconds since the page (or worker) started: `performance.now()`.
pub fn now_ms() -> f64 {
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

#[wasm_bindgen]
extern "C" {
    /// The global `setTimeout`, in a window or a worker.
    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(f: &js_sys::Function, ms: i32) -> JsValue;
}

/// Lets the browser paint and handle input (or a worker its messages)
/// before more synchronous work.
pub async fn yield_now() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, 0);
    });
    let _ = JsFuture::from(p).await;
}

/// Waits `ms` milliseconds (a timer: the event loop runs meanwhile).
pub async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms);
    });
    let _ = JsFuture::from(p).await;
}

/// Runs `f` once, `ms` milliseconds from now.
pub fn after(ms: i32, f: impl FnOnce() + 'static) {
    let cb = Closure::once_into_js(f);
    set_timeout(cb.unchecked_ref(), ms);
}

/// Runs `f` every `ms` milliseconds for the life of the page.
pub fn every(ms: i32, f: impl FnMut() + 'static) {
    let cb = Closure::<dyn FnMut()>::new(f);
    if let Some(w) = web_sys::window() {
        let _ = w.set_interval_with_callback_and_timeout_and_arguments_0(cb.as_ref().unchecked_ref(), ms);
    }
    cb.forget();
}

/// Shows a panic in the page (as an alert) instead of failing silently,
/// then logs it to the console.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = format!(
            "segscope hit an internal error and stopped: {info}. Your data was not sent anywhere. Reload the page to start again, and please report this message."
        );
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            if let (Ok(div), Some(body)) = (doc.create_element("div"), doc.body()) {
                let _ = div.set_attribute("role", "alert");
                let _ = div.set_attribute("class", "error panic");
                div.set_text_content(Some(&msg));
                let _ = body.prepend_with_node_1(&div);
            }
        }
        web_sys::console::error_1(&msg.into());
    }));
}
