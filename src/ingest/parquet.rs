//! Parquet files read into the same [`Table`] as a CSV file, so that column
//! detection, mapping, features and views do not change. The format is read
//! by arrow-rs's [`parquet`] crate (its row API, without Arrow); this module
//! turns each value into the text a CSV file would hold:
//!
//! - columns are the schema's leaf fields in schema order; a nested group's
//!   fields get dotted names (`fee.amount`), a list or map column stays one
//!   column holding its values as text (`[1, 2]`);
//! - integers as digits; `double` in Rust's shortest round-trip form (the same
//!   `f64`, bit for bit), `float` in the shortest form of its `f32`; decimals
//!   with their scale (`123.45`); booleans as `true` / `false`;
//! - timestamps (milliseconds or microseconds; Parquet's `INT96` too) as
//!   `YYYY-MM-DD HH:MM:SS[.fff[fff]]` in UTC; a column whose schema says its
//!   timestamps are not adjusted to UTC (local times with no zone) is read as
//!   UTC too, and a note says so; dates as `YYYY-MM-DD`; times of day as
//!   `HH:MM:SS.fff`;
//! - `null` as an empty cell; bytes that are not UTF-8 with U+FFFD.
//!
//! Compression: uncompressed, Snappy, gzip, LZ4 and LZ4_RAW pages are read
//! (the codecs that build for wasm32 in pure Rust). A file with pages in
//! another codec (zstd, Brotli, LZO) is refused with a message naming the
//! codec and column and saying how to re-save the file with Snappy.
//!
//! Limits: the file is held whole (Parquet's metadata is at its end) up to
//! [`MAX_PARQUET_BYTES`], and read row group by row group into one table held
//! to the same memory limit as a CSV file read whole.

use super::csv::{Dialect, Table};
use super::IngestError;
use parquet::basic::{Compression, LogicalType};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use parquet::schema::types::Type;

/// Most bytes of Parquet file read (512 MiB): the file is held whole while
/// its rows are read, next to the table they make.
pub const MAX_PARQUET_BYTES: u64 = 512 << 20;

/// Whether raw file bytes `head` start as Parquet (`PAR1`).
pub fn looks_like_parquet(head: &[u8]) -> bool {
    head.starts_with(b"PAR1")
}

/// The message for a Parquet file over [`MAX_PARQUET_BYTES`].
pub fn too_large() -> String {
    format!(
        "it is larger than {} MB, the most segscope reads as Parquet (the file is held whole while it is read); split it, or export the rows as CSV, which is read as it streams",
        MAX_PARQUET_BYTES >> 20
    )
}

/// Whether pages in codec `c` can be read here.
fn supported(c: Compression) -> bool {
    matches!(
        c,
        Compression::UNCOMPRESSED
            | Compression::SNAPPY
            | Compression::GZIP(_)
            | Compression::LZ4
            | Compression::LZ4_RAW
    )
}

/// A codec's name as tools write it (`ZSTD`, not `ZSTD(ZstdLevel(1))`).
fn codec_name(c: Compression) -> String {
    let s = format!("{c:?}");
    s.split('(').next().unwrap_or(&s).to_string()
}

/// The column names of schema `t` (a group): leaves by dotted path, a list
/// or map as one column; with the names of timestamp columns not adjusted to UTC.
fn columns(t: &Type, prefix: &str, out: &mut Vec<String>, local_times: &mut Vec<String>) {
    for f in t.get_fields() {
        let name = if prefix.is_empty() { f.name().to_string() } else { format!("{prefix}.{}", f.name()) };
        let info = f.get_basic_info();
        let collection = matches!(info.logical_type_ref(), Some(LogicalType::List | LogicalType::Map))
            || matches!(
                info.converted_type(),
                parquet::basic::ConvertedType::LIST
                    | parquet::basic::ConvertedType::MAP
                    | parquet::basic::ConvertedType::MAP_KEY_VALUE
            );
        if f.is_group() && !collection {
            columns(f, &name, out, local_times);
        } else {
            if let Some(LogicalType::Timestamp(ts)) = info.logical_type_ref() {
                if !ts.is_adjusted_to_u_t_c {
                    local_times.push(name.clone());
                }
            }
            out.push(name);
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS[.fraction]` of `micros` since 1970 UTC, with `digits` of fraction (0, 3 or 6).
fn timestamp_text(micros: i64, digits: usize) -> String {
    let Some(t) = chrono::DateTime::from_timestamp_micros(micros) else { return micros.to_string() };
    let base = t.format("%Y-%m-%d %H:%M:%S").to_string();
    let frac = micros.rem_euclid(1_000_000);
    match digits {
        _ if frac == 0 => base,
        3 => format!("{base}.{:03}", frac / 1000),
        _ => format!("{base}.{frac:06}"),
    }
}

/// A value as CSV text (see the module docs).
fn text(f: &Field) -> String {
    match f {
        Field::Null => String::new(),
        Field::Bool(b) => b.to_string(),
        Field::Byte(v) => v.to_string(),
        Field::Short(v) => v.to_string(),
        Field::Int(v) => v.to_string(),
        Field::Long(v) => v.to_string(),
        Field::UByte(v) => v.to_string(),
        Field::UShort(v) => v.to_string(),
        Field::UInt(v) => v.to_string(),
        Field::ULong(v) => v.to_string(),
        Field::Float16(v) => f32::from(*v).to_string(),
        Field::Float(v) => v.to_string(),
        Field::Double(v) => v.to_string(),
        Field::Str(s) => s.clone(),
        Field::Bytes(b) => String::from_utf8_lossy(b.data()).into_owned(),
        Field::Date(days) => chrono::DateTime::from_timestamp(i64::from(*days) * 86_400, 0)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| days.to_string()),
        Field::TimestampMillis(ms) => timestamp_text(ms.saturating_mul(1000), 3),
        Field::TimestampMicros(us) => timestamp_text(*us, 6),
        // Decimals, times of day, lists and maps: the crate's own text.
        other => other.to_string(),
    }
}

/// Flattens a row's fields into (dotted name, text) pairs, groups by their fields.
fn flatten(prefix: &str, row: &parquet::record::Row, out: &mut Vec<(String, String)>) {
    for (name, f) in row.get_column_iter() {
        let name = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
        match f {
            Field::Group(g) => flatten(&name, g, out),
            f => out.push((name, text(f))),
        }
    }
}

/// Reads a Parquet file into a [`Table`] with a note saying how it was read.
/// Row numbers in messages count rows from 2 (the first row is row 2, as the
/// first data row of a CSV file).
///
/// Errors: [`IngestError::Parquet`] for a file the crate cannot read
/// (damaged, cut off, encrypted), pages in a codec not read here, or no row;
/// [`IngestError::TooManyCells`] for a table over the memory limit.
pub fn read_parquet(bytes: Vec<u8>) -> Result<(Dialect, Table), IngestError> {
    let file_bytes = bytes.len() as u64;
    let reader =
        SerializedFileReader::new(bytes::Bytes::from(bytes)).map_err(|e| IngestError::Parquet(e.to_string()))?;
    let meta = reader.metadata();
    let schema = meta.file_metadata().schema_descr();
    let mut codecs: Vec<String> = Vec::new();
    for rg in meta.row_groups() {
        for c in rg.columns() {
            let codec = c.compression();
            if !supported(codec) {
                return Err(IngestError::Parquet(format!(
                    "column \"{}\" is compressed with {}, which segscope does not read (it reads uncompressed, Snappy, gzip and LZ4 Parquet); save the file again with Snappy compression (pandas: df.to_parquet(path, compression=\"snappy\"); polars: df.write_parquet(path, compression=\"snappy\"); DuckDB: COPY ... TO 'file.parquet' (FORMAT parquet, COMPRESSION snappy)) or as CSV",
                    c.column_path().string(),
                    codec_name(codec)
                )));
            }
            let name = codec_name(codec);
            if !codecs.contains(&name) {
                codecs.push(name);
            }
        }
    }
    let rows = meta.file_metadata().num_rows().max(0) as u64;
    let (mut headers, mut local_times) = (Vec::new(), Vec::new());
    columns(schema.root_schema(), "", &mut headers, &mut local_times);
    if rows == 0 {
        return Err(IngestError::Parquet("it holds no rows".into()));
    }
    super::limits::check_table(file_bytes, rows, headers.len() as u64, 0)?;
    let index: crate::hashing::HashMap<String, usize> = {
        let mut m = crate::hashing::HashMap::with_hasher(crate::hashing::state());
        for (i, h) in headers.iter().enumerate() {
            m.entry(h.clone()).or_insert(i);
        }
        m
    };
    let iter = reader.get_row_iter(None).map_err(|e| IngestError::Parquet(e.to_string()))?;
    let mut failed: Option<String> = None;
    let records = iter.map_while(|row| match row {
        Ok(row) => {
            let mut pairs = Vec::with_capacity(index.len());
            flatten("", &row, &mut pairs);
            let mut cells: Vec<(usize, String)> =
                pairs.into_iter().filter_map(|(n, t)| index.get(&n).map(|&c| (c, t))).collect();
            cells.sort_by_key(|(c, _)| *c);
            cells.dedup_by_key(|(c, _)| *c);
            Some(cells)
        }
        Err(e) => {
            failed = Some(e.to_string());
            None
        }
    });
    let mut t = Table::from_records(headers, records);
    if let Some(e) = failed {
        return Err(IngestError::Parquet(format!("after {} rows: {e}", super::thousands(t.n_rows() as u64))));
    }
    let mut note = format!(
        "Read as Parquet: {} rows in {} of {} columns; {} compression.",
        super::thousands(t.n_rows() as u64),
        super::count_of(meta.num_row_groups(), "row group", "row groups"),
        t.n_cols(),
        codecs.join(", "),
    );
    if !local_times.is_empty() {
        note.push_str(&format!(
            " Timestamps of {} have no time zone in the file (not adjusted to UTC): read as UTC.",
            local_times.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
        ));
    }
    t.source_notes.push(note);
    Ok((Dialect::PARQUET, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_as_utc_text_with_their_precision() {
        assert_eq!(timestamp_text(0, 3), "1970-01-01 00:00:00");
        assert_eq!(timestamp_text(1_767_225_600_123_000, 3), "2026-01-01 00:00:00.123");
        assert_eq!(timestamp_text(1_767_225_600_000_456, 6), "2026-01-01 00:00:00.000456");
        assert_eq!(timestamp_text(-1, 6), "1969-12-31 23:59:59.999999");
    }

    #[test]
    fn files_that_are_not_parquet_get_a_message() {
        assert!(looks_like_parquet(b"PAR1\x15\x04"));
        assert!(!looks_like_parquet(b"account,qty\n"));
        let e = read_parquet(b"PAR1 this is not really parquet PAR1".to_vec()).unwrap_err().to_string();
        assert!(e.starts_with("This file is Parquet but cannot be read as rows"), "{e}");
    }
}
