//! The worker's script: the wasm-bindgen glue, taken from the sealed page's
//! inline copy before the page locks its policy, rewritten as a
//! classic script with a bootstrap that instantiates the module it is sent.

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

/// The wasm-bindgen glue's source text: the sealed page's inline copy
/// (`<script type="module" id="segscope-glue">`, written by scripts/seal.mjs).
///
/// Errors: no such script (an unsealed build): the page then runs jobs on its
/// own thread and says so in the console.
pub(super) fn glue_text() -> Result<String, String> {
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let el = doc.get_element_by_id("segscope-glue").ok_or("no inline glue (is the build sealed? scripts/seal.mjs)")?;
    el.text_content().filter(|t| !t.is_empty()).ok_or_else(|| "empty inline glue".to_string())
}
