//! The worker's script: the wasm-bindgen glue, fetched (or taken from the
//! single-file build) before the page locks its policy, rewritten as a
//! classic script with a bootstrap that instantiates the module it is sent.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Appended to the glue: instantiate the module the page sends first; the
/// glue's start function then runs `main`, which installs [`serve`](super::serve)'s handler.
const BOOTSTRAP: &str = "\n;self.onmessage = (e) => { self.onmessage = null; initSync({ module: e.data }); };\n";

/// The wasm-bindgen glue (`--target web`, an ES module) as a classic worker
/// script: `export` dropped from declarations, the export list removed,
/// `import.meta.url` replaced by the worker's own address.
///
/// Errors: a line this does not know how to rewrite (an `import`, another
/// form of `export`), so that a new wasm-bindgen cannot break the worker
/// silently: the page then runs jobs on its own thread and says so.
pub(super) fn classic_script(glue: &str) -> Result<String, String> {
    let mut out = String::with_capacity(glue.len() + BOOTSTRAP.len());
    for line in glue.lines() {
        let t = line.trim_start();
        let line = if let Some(rest) = t.strip_prefix("export ") {
            if rest.starts_with('{') {
                continue;
            }
            if !["class ", "function ", "const ", "let ", "async function "].iter().any(|k| rest.starts_with(k)) {
                return Err(format!("the glue has an export this page cannot rewrite: {t}"));
            }
            rest
        } else if t.starts_with("import ") || t.starts_with("import{") {
            return Err(format!("the glue imports another file: {t}"));
        } else {
            line
        };
        out.push_str(&line.replace("import.meta.url", "self.location.href"));
        out.push('\n');
    }
    out.push_str(BOOTSTRAP);
    Ok(out)
}

/// The wasm-bindgen glue's source text: the single-file build's inline copy
/// (`<script type="text/plain" id="segscope-glue">`), or fetched from the
/// `modulepreload` link Trunk wrote, checked against its integrity hash.
pub(super) async fn glue_text() -> Result<String, String> {
    let err = |e: JsValue| format!("{e:?}");
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    if let Some(el) = doc.get_element_by_id("segscope-glue") {
        return el.text_content().ok_or_else(|| "empty inline glue".to_string());
    }
    let link: web_sys::HtmlLinkElement = doc
        .query_selector("link[rel=modulepreload]")
        .map_err(err)?
        .ok_or("no modulepreload link in the page")?
        .unchecked_into();
    let init = web_sys::RequestInit::new();
    if !link.integrity().is_empty() {
        init.set_integrity(&link.integrity());
    }
    let window = web_sys::window().ok_or("no window")?;
    let resp: web_sys::Response =
        JsFuture::from(window.fetch_with_str_and_init(&link.href(), &init)).await.map_err(err)?.unchecked_into();
    if !resp.ok() {
        return Err(format!("the app's script answered HTTP {}", resp.status()));
    }
    let text = JsFuture::from(resp.text().map_err(err)?).await.map_err(err)?;
    text.as_string().ok_or_else(|| "the app's script is not text".to_string())
}
