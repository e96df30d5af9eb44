//! The segscope web app's entry point (built for wasm32 by Trunk).

#[cfg(target_arch = "wasm32")]
fn main() {
    segscope::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("segscope is a web app: build and serve it with `bash scripts/serve.sh` (see README.md).");
}
