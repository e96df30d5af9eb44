//! How much memory a file will need, estimated from its shape (rows x
//! columns), and the limit it must fit: a browser tab runs segscope in one
//! wasm32 instance, whose memory is at most 4 GiB, and a single buffer of it
//! at most 2 GiB. A file that would not fit is refused early with
//! [`IngestError::TooManyCells`], which names the estimate, the limit and
//! what to do, instead of failing half-way with an allocation error.
//!
//! Where the memory goes:
//! - a table read whole ([`Table`](super::Table)): its text, plus one offset
//!   per cell ([`CELL_BYTES`], 8 bytes counted, 4 in wasm32), the offsets in
//!   one buffer of at most [`MAX_OFFSET_BYTES`]; a streamed read holds only
//!   its first rows (the head) that way;
//! - a customer table's features: one `f64` per row and feature column,
//!   held [`FEATURE_COPIES`] times at the peak (the feature matrix and its
//!   scaled copy; calibrated, see [`MAX_MEMORY_BYTES`]), plus [`ROW_BYTES`] a row (its id, label,
//!   projection and scores). Trades and transactions are aggregated per
//!   account while reading, so their rows are not held.

use super::roles::MAX_FEATURE_COLUMNS;
use super::IngestError;

/// The most memory a file may need (3.75 GiB): wasm32 gives at most 4 GiB,
/// and the rest holds the code, the Blob slices being read, the result
/// messages and what the estimates leave out. Calibrated with
/// [`FEATURE_COPIES`] on the shapes probed in Chromium (issue 20): a 400 MB
/// customer table of 200 single-digit columns (about 1M rows) was analysed
/// (44 s), 600 MB (about 1.5M rows) ran out of memory; the estimate accepts
/// the first (3.0 GiB) and refuses the second (4.6 GiB).
pub const MAX_MEMORY_BYTES: u64 = 15 << 28;

/// Bytes counted per cell of a table read whole (its end offset).
pub const CELL_BYTES: u64 = 8;

/// Bytes of one cell's end offset in wasm32 (a `usize`).
pub const OFFSET_BYTES: u64 = 4;

/// Most bytes of cell offsets a table read whole may have (896 MiB, so at
/// most 234,881,024 cells): they are one buffer, which wasm32 caps just
/// under 2 GiB and which grows by doubling (text whose size is not known in
/// advance, e.g. gzip); past 1 GiB of capacity (268,435,456 cells) the next
/// doubling cannot be had. The limit is checked after each piece read (a
/// 16 KiB gzip piece unpacks to at most about 16 MiB, 8M cells), so it
/// stays that margin below the doubling that would fail: a 4.4 MiB gzip
/// file of one short line repeated (3.2 GB unpacked) ended in "capacity
/// overflow" with the limit at 1 GiB.
pub const MAX_OFFSET_BYTES: u64 = 7 << 27;

/// Bytes of one feature value (`f64`).
pub const VALUE_BYTES: u64 = 8;

/// Copies of the feature matrix at the analysis' peak (see the module doc
/// and [`MAX_MEMORY_BYTES`]): the matrix and its scaled copy; the working
/// set beyond them is per sample or per k, not per cell.
pub const FEATURE_COPIES: u64 = 2;

/// Bytes counted per customer beside its feature values.
pub const ROW_BYTES: u64 = 64;

/// What an estimate is of, for the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    /// The cells of a table read whole.
    Table,
    /// A customer table's feature values.
    Features,
    /// The cell offsets of a table read whole, [`OFFSET_BYTES`] each: one buffer ([`MAX_OFFSET_BYTES`]).
    Offsets,
}

/// Bytes a table read whole needs: `text_bytes` of text plus [`CELL_BYTES`]
/// per cell (`rows` x `columns`). Saturates instead of overflowing.
pub fn table_bytes(text_bytes: u64, rows: u64, columns: u64) -> u64 {
    text_bytes.saturating_add(rows.saturating_mul(columns).saturating_mul(CELL_BYTES))
}

/// Bytes a customer table of `rows` rows and `columns` feature columns
/// needs at the analysis' peak (see the module doc). Saturates.
pub fn features_bytes(rows: u64, columns: u64) -> u64 {
    let per_row = columns.saturating_mul(VALUE_BYTES * FEATURE_COPIES).saturating_add(ROW_BYTES);
    rows.saturating_mul(per_row)
}

/// Feature columns a customer table of `columns` columns can have at most
/// (every column but the id, up to [`MAX_FEATURE_COLUMNS`]).
pub fn feature_columns_of(columns: u64) -> u64 {
    columns.saturating_sub(1).clamp(1, MAX_FEATURE_COLUMNS as u64)
}

/// Refuses a shape whose estimate is over `max` bytes (0 = [`MAX_MEMORY_BYTES`]):
/// `need` is the estimate for `rows` x `columns`, and `row_bytes` what one
/// row adds to it (to say how many rows would fit).
///
/// Errors: [`IngestError::TooManyCells`].
pub fn check(held: Held, rows: u64, columns: u64, need: u64, row_bytes: u64, max: u64) -> Result<(), IngestError> {
    let max = if max == 0 { MAX_MEMORY_BYTES } else { max };
    if need <= max {
        return Ok(());
    }
    let fit_rows = max / row_bytes.max(1);
    Err(IngestError::TooManyCells { held, rows, columns, need, max, fit_rows })
}

/// Refuses a table read whole of about `rows` x `columns` cells, with
/// `text_bytes` of text in all, that would need more than `max` bytes (0 =
/// [`MAX_MEMORY_BYTES`]), or whose cell offsets would need more than
/// [`MAX_OFFSET_BYTES`].
///
/// Errors: [`IngestError::TooManyCells`] (with [`Held::Table`] or [`Held::Offsets`]).
pub fn check_table(text_bytes: u64, rows: u64, columns: u64, max: u64) -> Result<(), IngestError> {
    let row_bytes = table_bytes(text_bytes / rows.max(1), 1, columns);
    check(Held::Table, rows, columns, table_bytes(text_bytes, rows, columns), row_bytes, max)?;
    let offsets = rows.saturating_mul(columns).saturating_mul(OFFSET_BYTES);
    check(Held::Offsets, rows, columns, offsets, columns.saturating_mul(OFFSET_BYTES), MAX_OFFSET_BYTES)
}

/// Refuses a customer table of about `rows` rows and `columns` feature
/// columns whose features would need more than `max` bytes (0 = [`MAX_MEMORY_BYTES`]).
///
/// Errors: [`IngestError::TooManyCells`] (with [`Held::Features`]).
pub fn check_features(rows: u64, columns: u64, max: u64) -> Result<(), IngestError> {
    let row_bytes = features_bytes(1, columns);
    check(Held::Features, rows, columns, features_bytes(rows, columns), row_bytes, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shape_over_the_limit_is_refused_and_one_under_it_accepted() {
        // 1,000 rows x 10 features: 1,000 x (10 x 16 + 64) = 224,000 bytes.
        assert_eq!(features_bytes(1_000, 10), 224_000);
        assert!(check_features(1_000, 10, 224_000).is_ok());
        let e = check_features(1_001, 10, 224_000).unwrap_err();
        assert_eq!(
            e,
            IngestError::TooManyCells {
                held: Held::Features,
                rows: 1_001,
                columns: 10,
                need: 224_224,
                max: 224_000,
                fit_rows: 1_000
            }
        );
        let msg = e.to_string();
        assert!(msg.contains("about 1,001 rows x 10 columns"), "{msg}");
        assert!(msg.contains("about 224,224 bytes") && msg.contains("at most 224,000 bytes"), "{msg}");
        assert!(msg.contains("keep fewer columns, or a sample of the rows (about 1,000 rows"), "{msg}");
        // The real limit, in GiB (the shapes probed in issue 20): 1.5 million customers x 200
        // columns (a 600 MB file) do not fit, 1 million (400 MB, analysed in Chromium) do.
        let e = check_features(1_500_000, 200, 0).unwrap_err().to_string();
        assert!(e.contains("4.56 GiB") && e.contains("at most 3.75 GiB"), "{e}");
        assert!(check_features(1_000_000, 200, 0).is_ok());
        // Shapes that would overflow u64 saturate and are refused, not wrapped.
        assert!(check_features(u64::MAX, u64::MAX, 0).is_err());
        assert_eq!(table_bytes(u64::MAX, 2, 2), u64::MAX);
    }

    #[test]
    fn a_table_estimate_counts_the_text_and_eight_bytes_a_cell() {
        assert_eq!(table_bytes(1_000, 10, 5), 1_400);
        let e = check(Held::Table, 10, 5, 1_400, 140, 1_000).unwrap_err().to_string();
        assert!(e.contains("8 bytes a cell"), "{e}");
        assert!(check_table(1_000, 10, 5, 1_400).is_ok());
        assert!(matches!(check_table(1_000, 10, 5, 1_399), Err(IngestError::TooManyCells { held: Held::Table, .. })));
        // 300 million one-byte cells: 600 MB of text and 2.4 GB counted, within 3.75 GiB, but
        // 1.2 GB of offsets in wasm32, more than one buffer can take.
        let e = check_table(600_000_000, 1_500_000, 200, 0).unwrap_err();
        assert!(matches!(e, IngestError::TooManyCells { held: Held::Offsets, fit_rows: 1_174_405, .. }), "{e:?}");
        assert!(e.to_string().contains("at most 896.00 MiB"), "{e}");
        assert_eq!(feature_columns_of(1_000_000), MAX_FEATURE_COLUMNS as u64);
        assert_eq!((feature_columns_of(1), feature_columns_of(5)), (1, 4));
    }
}
