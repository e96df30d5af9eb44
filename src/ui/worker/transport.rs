//! How a worker sends its responses: encoded with postcard straight into a
//! transferred JS `Uint8Array` ([`post_to_page`]), a large result in several
//! messages.

use crate::job::{self, Response};
use wasm_bindgen::JsCast;
use web_sys::DedicatedWorkerGlobalScope;

pub(super) fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Sends a response to the page. It is encoded straight into a JS
/// `Uint8Array` of its exact size (see [`JsBytes`]), which is transferred,
/// not copied: a result (130 MB for 1M accounts x 12 features) never
/// takes room in the worker's wasm memory, which would keep it for good.
pub(super) fn post_to_page(r: Response) {
    // A large result goes in parts, so that the page decodes it in short tasks.
    let (first, rest) = job::split_result(r, job::ROWS_PER_MESSAGE);
    post_one(first);
    rest.for_each(post_one);
}

/// Encodes and transfers one message (see [`post_to_page`]).
fn post_one(r: Response) {
    let encoded = job::encoded_size(&r)
        .and_then(|size| postcard::serialize_with_flavor(&r, JsBytes::new(size)).map_err(job::encode_error));
    let arr = match encoded {
        Ok(a) => a,
        Err(e) => {
            let message = e.to_string();
            js_sys::Uint8Array::from(&job::encode(&Response::Panicked { message }).unwrap_or_default()[..])
        }
    };
    let _ = scope().post_message_with_transfer(&arr, &js_sys::Array::of1(&arr.buffer()));
}

/// A postcard output that fills a JS `Uint8Array` of a known size through a
/// 64 kB buffer in wasm memory.
struct JsBytes {
    arr: js_sys::Uint8Array,
    at: u32,
    buf: Vec<u8>,
}

impl JsBytes {
    const FLUSH: usize = 64 << 10;

    fn new(size: usize) -> Self {
        JsBytes { arr: js_sys::Uint8Array::new_with_length(size as u32), at: 0, buf: Vec::with_capacity(Self::FLUSH) }
    }

    fn flush(&mut self) -> postcard::Result<()> {
        let end = self.at as usize + self.buf.len();
        if end > self.arr.length() as usize {
            return Err(postcard::Error::SerializeBufferFull);
        }
        self.arr.subarray(self.at, end as u32).copy_from(&self.buf);
        self.at = end as u32;
        self.buf.clear();
        Ok(())
    }
}

impl postcard::ser_flavors::Flavor for JsBytes {
    type Output = js_sys::Uint8Array;

    fn try_push(&mut self, b: u8) -> postcard::Result<()> {
        self.buf.push(b);
        if self.buf.len() >= Self::FLUSH {
            self.flush()?;
        }
        Ok(())
    }

    fn try_extend(&mut self, b: &[u8]) -> postcard::Result<()> {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= Self::FLUSH {
            self.flush()?;
        }
        Ok(())
    }

    fn finalize(mut self) -> postcard::Result<Self::Output> {
        self.flush()?;
        Ok(self.arr.subarray(0, self.at))
    }
}
