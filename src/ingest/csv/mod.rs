//! Incremental CSV parsing: the file arrives in chunks (Blob slices in the
//! browser, any `&[u8]` natively) and is parsed without ever holding it as
//! one string.
//!
//! Tokenising is done by [`csv_core`] (BurntSushi's RFC 4180 state machine);
//! this module adds dialect detection, header handling, a compact row-major
//! cell store, and error reporting with row numbers:
//!
//! - `dialect.rs`: [`Dialect`] and [`detect_dialect`], [`Quoting`] (quotes detected or off), and
//!   how much of the start to sniff;
//! - `table.rs`: [`Table`], the cell store, and [`RaggedRows`], what reading does with rows
//!   of the wrong width;
//! - `parser.rs`: [`StreamParser`], decoded text to a [`Table`];
//! - `reader.rs`: [`TableReader`] (and [`parse_bytes`]), raw bytes through decoding and
//!   sniffing to the parser.

mod dialect;
mod parser;
mod reader;
mod table;

pub use dialect::{
    detect_dialect, detect_dialect_with, strip_bom, Dialect, Quoting, DELIMITERS, MAX_SNIFF_BYTES, QUOTES,
    QUOTING_OFF_NOTE, SNIFF_BYTES,
};
pub use parser::StreamParser;
pub use reader::{parse_bytes, TableReader, MAX_TEXT_BYTES};
pub use table::{RaggedRows, Table, RAGGED_ROWS_LISTED};
