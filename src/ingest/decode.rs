//! Raw file bytes -> UTF-8 text for the CSV parser, streamed chunk by chunk:
//! gzip is decompressed (flate2, pure-Rust backend), and the text encoding is
//! detected from the first bytes and converted.
//!
//! Encodings: UTF-8 (with or without BOM); UTF-16 LE/BE when the file starts
//! with its byte-order mark (decoded with `char::decode_utf16`); otherwise
//! Windows-1252 (Latin-1 plus the WHATWG mapping of 0x80-0x9F) when the first
//! [`DETECT_BYTES`] are not valid UTF-8. A file that starts as valid UTF-8 is
//! read as UTF-8 to the end; later invalid bytes show as U+FFFD and are
//! counted ([`crate::ingest::Table::invalid_utf8_cells`]).

use super::IngestError;
use flate2::write::MultiGzDecoder;
use std::io::Write;

/// Decoded bytes looked at before the encoding is decided.
pub const DETECT_BYTES: usize = 64 * 1024;

/// Compressed bytes unpacked at a time ([`crate::ingest::TableReader::feed`]):
/// deflate expands at most about 1032:1, so a piece unpacks to at most about
/// 17 MB, and the text limit stops a file that unpacks to far more (a "gzip
/// bomb") before its text is held in memory.
pub const GZIP_PIECE: usize = 16 * 1024;

/// A text encoding segscope reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Windows1252,
}

impl Encoding {
    /// Name for notes.
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf16Le => "UTF-16 (little-endian)",
            Encoding::Utf16Be => "UTF-16 (big-endian)",
            Encoding::Windows1252 => "Windows-1252 (Latin-1)",
        }
    }
}

/// Windows-1252 code points of bytes 0x80..=0x9F (WHATWG encoding index);
/// 0x81, 0x8D, 0x8F, 0x90 and 0x9D map to the C1 control of the same value.
const CP1252_HIGH: [u16; 32] = [
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D,
    0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
    0x0153, 0x009D, 0x017E, 0x0178,
];

/// Streaming decoder: feed raw chunks, get UTF-8 bytes.
#[derive(Default)]
pub struct InputDecoder {
    gzip: Option<MultiGzDecoder<Vec<u8>>>,
    started: bool,
    encoding: Option<Encoding>,
    /// Decoded-from-gzip but not yet converted bytes (before the encoding is known, or a split UTF-16 unit).
    pending: Vec<u8>,
    /// Compressed and decompressed byte counts, if gzip.
    gz_in: u64,
    gz_out: u64,
}

impl InputDecoder {
    /// A decoder that has seen nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The encoding, once decided.
    pub fn encoding(&self) -> Option<Encoding> {
        self.encoding
    }

    /// Whether the file is gzip-compressed, or would be if `first` were its
    /// first bytes (nothing fed yet).
    pub fn is_gzip(&self, first: &[u8]) -> bool {
        self.gzip.is_some() || (!self.started && first.starts_with(&[0x1f, 0x8b]))
    }

    /// Compressed bytes fed so far (gzip only; 0 otherwise).
    pub fn packed_bytes(&self) -> u64 {
        self.gz_in
    }

    /// Whether the bytes pass through unchanged (UTF-8, not gzip), so that
    /// the file's size is the text's size.
    pub fn is_plain(&self) -> bool {
        self.gzip.is_none() && self.encoding == Some(Encoding::Utf8)
    }

    /// Notes for the user about what was done (gzip, non-UTF-8 encodings).
    pub fn notes(&self) -> Vec<String> {
        let mut n = Vec::new();
        if self.gzip.is_some() {
            n.push(format!(
                "gzip-compressed: {:.1} MB unpacked from {:.1} MB, in this browser.",
                self.gz_out as f64 / 1e6,
                self.gz_in as f64 / 1e6
            ));
        }
        match self.encoding {
            Some(Encoding::Windows1252) => n.push(
                "The file is not UTF-8, so it was read as Windows-1252 (Latin-1). If accented names look wrong, save the file as UTF-8 and load it again."
                    .into(),
            ),
            Some(e @ (Encoding::Utf16Le | Encoding::Utf16Be)) => n.push(format!("Read as {} (byte-order mark).", e.label())),
            _ => {}
        }
        n
    }

    /// Decodes the next chunk of the file; returns UTF-8 bytes (possibly
    /// empty while the encoding is being detected).
    ///
    /// Errors: [`IngestError::Corrupt`] for a broken gzip stream.
    pub fn feed(&mut self, raw: &[u8]) -> Result<Vec<u8>, IngestError> {
        if !self.started {
            self.started = true;
            if raw.starts_with(&[0x1f, 0x8b]) {
                self.gzip = Some(MultiGzDecoder::new(Vec::new()));
            }
        }
        let plain = match &mut self.gzip {
            Some(gz) => {
                self.gz_in += raw.len() as u64;
                gz.write_all(raw).map_err(|e| IngestError::Corrupt(format!("gzip: {e}")))?;
                let out = std::mem::take(gz.get_mut());
                self.gz_out += out.len() as u64;
                out
            }
            None => raw.to_vec(),
        };
        self.convert(plain, false)
    }

    /// Flushes what is left at the end of the file.
    ///
    /// Errors: [`IngestError::Corrupt`] for a truncated gzip stream.
    pub fn finish(&mut self) -> Result<Vec<u8>, IngestError> {
        let rest = match &mut self.gzip {
            Some(gz) => {
                gz.try_finish().map_err(|e| IngestError::Corrupt(format!("gzip: {e} (is the file complete?)")))?;
                let out = std::mem::take(gz.get_mut());
                self.gz_out += out.len() as u64;
                out
            }
            None => Vec::new(),
        };
        self.convert(rest, true)
    }

    fn convert(&mut self, bytes: Vec<u8>, last: bool) -> Result<Vec<u8>, IngestError> {
        self.pending.extend_from_slice(&bytes);
        if self.encoding.is_none() {
            if self.pending.len() < DETECT_BYTES && !last {
                return Ok(Vec::new());
            }
            self.encoding = Some(detect(&self.pending, last));
        }
        let buf = std::mem::take(&mut self.pending);
        Ok(match self.encoding.unwrap_or(Encoding::Utf8) {
            Encoding::Utf8 => buf,
            Encoding::Windows1252 => {
                let mut s = String::with_capacity(buf.len() + buf.len() / 8);
                for &b in &buf {
                    s.push(match b {
                        0x80..=0x9F => char::from_u32(CP1252_HIGH[(b - 0x80) as usize] as u32).unwrap_or('\u{fffd}'),
                        _ => b as char,
                    });
                }
                s.into_bytes()
            }
            e @ (Encoding::Utf16Le | Encoding::Utf16Be) => {
                // Keep an odd trailing byte, and a trailing high surrogate, for the next chunk.
                let mut even = buf.len() & !1;
                let unit = |i: usize| {
                    let p = [buf[i], buf[i + 1]];
                    if e == Encoding::Utf16Le {
                        u16::from_le_bytes(p)
                    } else {
                        u16::from_be_bytes(p)
                    }
                };
                if !last && even >= 2 && (0xD800..0xDC00).contains(&unit(even - 2)) {
                    even -= 2;
                }
                let units = (0..even).step_by(2).map(unit);
                let s: String = char::decode_utf16(units).map(|c| c.unwrap_or('\u{fffd}')).collect();
                self.pending = buf[even..].to_vec();
                if last && !self.pending.is_empty() {
                    self.pending.clear();
                    return Ok((s + "\u{fffd}").into_bytes());
                }
                s.into_bytes()
            }
        })
    }
}

/// Encoding of a file from its first bytes (`complete`: these are all of it).
fn detect(head: &[u8], complete: bool) -> Encoding {
    if head.starts_with(&[0xFF, 0xFE]) {
        return Encoding::Utf16Le;
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Encoding::Utf16Be;
    }
    match std::str::from_utf8(head) {
        Ok(_) => Encoding::Utf8,
        // An incomplete sequence cut at the end of the sample is not evidence against UTF-8.
        Err(e) if e.error_len().is_none() && !complete => Encoding::Utf8,
        Err(_) => Encoding::Windows1252,
    }
}

/// Decodes a whole file in memory (see [`InputDecoder`]); returns UTF-8 bytes and notes.
///
/// Errors: as [`InputDecoder::feed`] and [`InputDecoder::finish`].
pub fn decode_all(raw: &[u8]) -> Result<(Vec<u8>, Vec<String>), IngestError> {
    let mut d = InputDecoder::new();
    let mut out = d.feed(raw)?;
    out.extend(d.finish()?);
    Ok((out, d.notes()))
}

/// Whether a gzip file of `stored` bytes whose last four bytes are
/// `trailer` unpacks to more than `limit` bytes, or may: its trailer's ISIZE
/// (RFC 1952, section 2.3.1: the last member's unpacked size modulo 2^32,
/// little-endian) is over `limit`, or is smaller than the stored file, which
/// a single member holding text does not do (ISIZE wrapped past 4 GiB,
/// several members, a truncated file). Decides whether a small gzip is read
/// as a stream, as a large file is: a 23 MB gzip can hold 83 MB of CSV.
/// `false` for a `trailer` of fewer than four bytes.
pub fn gzip_may_unpack_over(stored: u64, trailer: &[u8], limit: u64) -> bool {
    let Some(last4) = trailer.get(trailer.len().wrapping_sub(4)..).and_then(|t| <[u8; 4]>::try_from(t).ok()) else {
        return false;
    };
    let unpacked = u32::from_le_bytes(last4) as u64;
    unpacked > limit || unpacked < stored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gzip_trailer_says_how_large_the_text_is() {
        use flate2::{write::GzEncoder, Compression};
        let gz = |text: &[u8]| {
            let mut e = GzEncoder::new(Vec::new(), Compression::default());
            e.write_all(text).unwrap();
            e.finish().unwrap()
        };
        let text = "account,side,qty\n".repeat(10_000);
        let one = gz(text.as_bytes());
        let size = one.len() as u64;
        assert!(size < text.len() as u64 / 10);
        // Over the limit by its unpacked size, not its stored size.
        assert!(gzip_may_unpack_over(size, &one, text.len() as u64 - 1));
        assert!(!gzip_may_unpack_over(size, &one, text.len() as u64));
        // Two members: the trailer gives only the second's (small) size: may be more.
        let mut two = one.clone();
        two.extend(gz(b"x"));
        assert!(gzip_may_unpack_over(two.len() as u64, &two, text.len() as u64 * 2));
        // Too short to have a trailer.
        assert!(!gzip_may_unpack_over(3, &one[..3], 0));
    }

    fn chunked(raw: &[u8], size: usize) -> (String, Option<Encoding>) {
        let mut d = InputDecoder::new();
        let mut out = Vec::new();
        for c in raw.chunks(size) {
            out.extend(d.feed(c).unwrap());
        }
        out.extend(d.finish().unwrap());
        (String::from_utf8(out).unwrap(), d.encoding())
    }

    #[test]
    fn utf16_with_bom_in_any_chunking() {
        let text = "account,name\n1,Zoë 😀\n";
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(|u| u.to_be_bytes()));
        for size in [1, 3, 7, 1000] {
            assert_eq!(chunked(&le, size), (format!("\u{feff}{text}"), Some(Encoding::Utf16Le)), "chunk {size}");
            assert_eq!(chunked(&be, size).0, format!("\u{feff}{text}"));
        }
    }

    #[test]
    fn windows_1252_when_not_utf8_and_utf8_kept() {
        let latin = b"id,city,price\n1,M\xfcnchen,5\x80\n";
        assert_eq!(chunked(latin, 4), ("id,city,price\n1,München,5€\n".into(), Some(Encoding::Windows1252)));
        let utf8 = "id,city\n1,München\n".as_bytes();
        assert_eq!(chunked(utf8, 3), (String::from_utf8(utf8.to_vec()).unwrap(), Some(Encoding::Utf8)));
    }

    #[test]
    fn gzip_is_unpacked_and_a_broken_one_is_an_error() {
        use flate2::{write::GzEncoder, Compression};
        let text = "a,b\n".to_string() + &"1,2\n".repeat(50_000);
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(text.as_bytes()).unwrap();
        let gz = e.finish().unwrap();
        assert_eq!(chunked(&gz, 4096).0, text);
        let (out, notes) = decode_all(&gz).unwrap();
        assert_eq!(out.len(), text.len());
        assert!(notes[0].starts_with("gzip-compressed: 0.2 MB"), "{notes:?}");
        let cut = &gz[..gz.len() / 2];
        assert!(matches!(decode_all(cut), Err(IngestError::Corrupt(_))));
    }
}
