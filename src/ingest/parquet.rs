//! Parquet files read into the same [`Table`] as a CSV file, so that column
//! detection, mapping, features and views do not change. The format is read
//! by arrow-rs's [`parquet`] crate (its column and row APIs, without Arrow); this module
//! turns each value into the text a CSV file would hold:
//!
//! - columns are the schema's leaf fields in schema order; a nested group's
//!   fields get dotted names (`fee.amount`), a list or map column stays one
//!   column holding its values as text (`[1, 2]`);
//! - integers as digits; `double` in Rust's shortest round-trip form (the same
//!   `f64`, bit for bit), `float` in the shortest form of its `f32`; decimals
//!   with their scale (`123.45`); booleans as `true` / `false`;
//! - timestamps (milliseconds, microseconds, nanoseconds to the microsecond
//!   as pandas writes them; Parquet's `INT96` too) as
//!   `YYYY-MM-DD HH:MM:SS[.fff[fff]]` in UTC; a column whose schema says its
//!   timestamps are not adjusted to UTC (local times with no zone) is read as
//!   UTC too, and a note says so; dates as `YYYY-MM-DD`; times of day as
//!   `HH:MM:SS.fff`;
//! - `null` as an empty cell; bytes that are not UTF-8 with U+FFFD;
//! - a column of a type the crate does not convert (an `INTERVAL`, say) is
//!   refused when the file is opened, naming it.
//!
//! A flat file (no nested or repeated column: what pandas, polars, DuckDB and
//! Spark write from a table) is decoded column by column, a chunk of rows at
//! a time; another through the crate's row API, which names every cell's
//! field and is several times slower. Both give the same text.
//!
//! Compression: uncompressed, Snappy, gzip, LZ4, LZ4_RAW and zstd pages are
//! read (zstd through the reference C library, which builds for wasm32 with
//! clang and the `zstd-sys` crate's own libc shim; the others in pure Rust).
//! A file with pages in another codec (Brotli, LZO) is refused with a message
//! naming the codec and column and saying how to re-save the file with Snappy.
//!
//! Limits: the file is held whole (Parquet's metadata is at its end) up to
//! [`MAX_PARQUET_BYTES`]. Its rows are decoded row group by row group, a
//! chunk at a time ([`ParquetRows`]): into one table held to the same memory
//! limit as a CSV file read whole ([`read_parquet`]), or, for a large file,
//! straight into the features ([`crate::job::Streaming`]).

use super::csv::{Dialect, Table};
use super::IngestError;
use parquet::basic::{Compression, ConvertedType, LogicalType, TimeUnit, Type as Physical};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::DataType;
use parquet::errors::ParquetError;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::reader::RowIter;
use parquet::record::Field;
use parquet::schema::types::{ColumnDescPtr, Type};

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
            | Compression::ZSTD(_)
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

/// Rows of a Parquet file in a chunk ([`ParquetRows::next_chunk`]) when the
/// caller has no reason to choose: about as many as a 4 MB slice of CSV holds.
pub const CHUNK_ROWS: usize = 32_768;

/// A Parquet file opened for reading its rows a chunk at a time, each chunk
/// a [`Table`] with the file's columns (see the module docs for the cells),
/// so that a large file can go into the features as it is decoded, as a
/// large CSV file does ([`crate::job::Streaming`]), without its rows ever
/// all being in memory: what is held is the file's bytes (compressed, as
/// stored) and the pages being decoded, row group by row group.
pub struct ParquetRows {
    rows: Source,
    headers: Vec<String>,
    /// Column of each dotted leaf name; `None` when the schema is flat (no
    /// group other than lists and maps), where a row's fields come in column order.
    index: Option<crate::hashing::HashMap<String, usize>>,
    total: u64,
    read: u64,
    file_bytes: u64,
    note: String,
}

impl ParquetRows {
    /// Opens a Parquet file's bytes: reads its metadata and schema and
    /// checks every column chunk's codec, before any row is decoded.
    ///
    /// Errors: [`IngestError::Parquet`] for a file the crate cannot read
    /// (damaged, cut off, encrypted), pages in a codec not read here, or no row.
    pub fn open(bytes: Vec<u8>) -> Result<ParquetRows, IngestError> {
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
                        "column \"{}\" is compressed with {}, which segscope does not read (it reads uncompressed, Snappy, gzip, LZ4 and zstd Parquet); save the file again with Snappy compression (pandas: df.to_parquet(path, compression=\"snappy\"); polars: df.write_parquet(path, compression=\"snappy\"); DuckDB: COPY ... TO 'file.parquet' (FORMAT parquet, COMPRESSION snappy)) or as CSV",
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
        let total = meta.file_metadata().num_rows().max(0) as u64;
        let (mut headers, mut local_times) = (Vec::new(), Vec::new());
        columns(schema.root_schema(), "", &mut headers, &mut local_times);
        if total == 0 {
            return Err(IngestError::Parquet("it holds no rows".into()));
        }
        let top = schema.root_schema().get_fields();
        let flat = top.len() == headers.len() && top.iter().zip(&headers).all(|(f, h)| f.name() == h);
        let index = (!flat).then(|| {
            let mut m = crate::hashing::HashMap::with_hasher(crate::hashing::state());
            for (i, h) in headers.iter().enumerate() {
                m.entry(h.clone()).or_insert(i);
            }
            m
        });
        let mut note = format!(
            "Read as Parquet: {} rows in {} of {} columns; {} compression.",
            super::thousands(total),
            super::count_of(meta.num_row_groups(), "row group", "row groups"),
            headers.len(),
            codecs.join(", "),
        );
        if !local_times.is_empty() {
            note.push_str(&format!(
                " Timestamps of {} have no time zone in the file (not adjusted to UTC): read as UTC.",
                local_times.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
            ));
        }
        let leaves = schema.columns();
        if let Some(c) = leaves.iter().find(|c| !convertible(c)) {
            return Err(IngestError::Parquet(format!(
                "column \"{}\" holds {} values typed as {:?}, which segscope does not read; cast the column to a number, a string or a timestamp, or export the rows as CSV",
                c.path().string(),
                c.physical_type(),
                c.converted_type()
            )));
        }
        // Flat columns of single values are read column by column (several times faster than
        // the row API, which builds a named field for every cell); nested or repeated ones by row.
        let by_column = flat
            && leaves.len() == headers.len()
            && leaves.iter().all(|c| c.max_rep_level() == 0 && c.physical_type() != Physical::FIXED_LEN_BYTE_ARRAY);
        let rows = if by_column {
            Source::Columns(Columns { descr: leaves.to_vec(), file: reader, group: 0, left: 0, readers: Vec::new() })
        } else {
            Source::Rows(RowIter::from_file_into(Box::new(reader)))
        };
        Ok(ParquetRows { rows, headers, index, total, read: 0, file_bytes, note })
    }

    /// The columns' names, in schema order (nested fields dotted).
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Rows in the file, from its metadata.
    pub fn total_rows(&self) -> u64 {
        self.total
    }

    /// Rows decoded so far.
    pub fn rows_read(&self) -> u64 {
        self.read
    }

    /// The file's size in bytes.
    pub fn file_bytes(&self) -> u64 {
        self.file_bytes
    }

    /// The note saying how the file was read (rows, row groups, columns,
    /// codecs, timestamps without a zone), for [`Table::source_notes`].
    pub fn note(&self) -> &str {
        &self.note
    }

    /// A table with the file's columns and no row, carrying [`ParquetRows::note`].
    pub fn empty_table(&self) -> Table {
        let mut t = Table::from_records(self.headers.clone(), std::iter::empty());
        t.source_notes.push(self.note.clone());
        t
    }

    /// The next `max_rows` rows at most (at least one; a flat file's chunk
    /// ends at its row group's end) as a table, numbered as file records
    /// from 2 on across chunks; `None` after the last row.
    ///
    /// Errors: [`IngestError::Parquet`] for a row the crate cannot decode
    /// (a damaged page), saying after how many rows.
    pub fn next_chunk(&mut self, max_rows: usize) -> Result<Option<Table>, IngestError> {
        let n = self.headers.len();
        let mut failed: Option<String> = None;
        let index = &self.index;
        let t = match &mut self.rows {
            Source::Columns(cols) => match cols.next(max_rows.max(1)) {
                Ok(Some(columns)) => {
                    let mut columns: Vec<_> = columns.into_iter().map(Vec::into_iter).collect();
                    let rows = columns.first().map_or(0, |c| c.len());
                    let records = (0..rows).map(|_| {
                        columns.iter_mut().enumerate().filter_map(|(c, v)| v.next().map(|t| (c, t))).collect()
                    });
                    Table::from_records(self.headers.clone(), records)
                }
                Ok(None) => Table::from_records(self.headers.clone(), std::iter::empty()),
                Err(e) => {
                    failed = Some(e.to_string());
                    Table::from_records(self.headers.clone(), std::iter::empty())
                }
            },
            Source::Rows(rows) => {
                let records = rows.by_ref().take(max_rows.max(1)).map_while(|row| match row {
                    Ok(row) => Some(match index {
                        None => row.get_column_iter().enumerate().map(|(c, (_, f))| (c, text(f))).take(n).collect(),
                        Some(index) => {
                            let mut pairs = Vec::with_capacity(index.len());
                            flatten("", &row, &mut pairs);
                            let mut cells: Vec<(usize, String)> =
                                pairs.into_iter().filter_map(|(n, t)| index.get(&n).map(|&c| (c, t))).collect();
                            cells.sort_by_key(|(c, _)| *c);
                            cells.dedup_by_key(|(c, _)| *c);
                            cells
                        }
                    }),
                    Err(e) => {
                        failed = Some(e.to_string());
                        None
                    }
                });
                Table::from_records(self.headers.clone(), records)
            }
        };
        let first = self.read;
        self.read += t.n_rows() as u64;
        if let Some(e) = failed {
            return Err(IngestError::Parquet(format!("after {} rows: {e}", super::thousands(self.read))));
        }
        if t.n_rows() == 0 {
            return Ok(None);
        }
        let numbers = (0..t.n_rows() as u64).map(|r| u32::try_from(first + r + 2).unwrap_or(u32::MAX)).collect();
        Ok(Some(t.with_record_numbers(numbers)))
    }
}

/// Where [`ParquetRows`] takes its rows from.
enum Source {
    /// Flat columns of single values: column by column ([`Columns`]).
    Columns(Columns),
    /// Nested or repeated columns: the crate's row API.
    Rows(RowIter<'static>),
}

/// A flat file's column readers over its open row group.
struct Columns {
    file: SerializedFileReader<bytes::Bytes>,
    descr: Vec<ColumnDescPtr>,
    /// The next row group to open, and the rows left in the open one.
    group: usize,
    left: usize,
    readers: Vec<ColumnReader>,
}

impl Columns {
    /// The next `max` rows at most (none past a row group's end), each
    /// column's cells as text; `None` after the last row group.
    fn next(&mut self, max: usize) -> Result<Option<Vec<Vec<String>>>, ParquetError> {
        while self.left == 0 {
            if self.group >= self.file.num_row_groups() {
                return Ok(None);
            }
            let rg = self.file.get_row_group(self.group)?;
            self.left = usize::try_from(rg.metadata().num_rows()).unwrap_or(0);
            self.readers = (0..self.descr.len()).map(|c| rg.get_column_reader(c)).collect::<Result<_, _>>()?;
            self.group += 1;
        }
        let n = max.min(self.left);
        let mut out = Vec::with_capacity(self.descr.len());
        for (r, d) in self.readers.iter_mut().zip(&self.descr) {
            out.push(match r {
                ColumnReader::BoolColumnReader(r) => texts(r, d, n, |d, v| Ok(Field::convert_bool(d, v)))?,
                ColumnReader::Int32ColumnReader(r) => texts(r, d, n, |d, v| Ok(Field::convert_int32(d, v)))?,
                ColumnReader::Int64ColumnReader(r) => {
                    let nanos =
                        matches!(d.logical_type_ref(), Some(LogicalType::Timestamp(t)) if t.unit == TimeUnit::NANOS);
                    texts(r, d, n, |d, v| {
                        Ok(if nanos { Field::TimestampMicros(v.div_euclid(1000)) } else { Field::convert_int64(d, v) })
                    })?
                }
                ColumnReader::Int96ColumnReader(r) => texts(r, d, n, |d, v| Ok(Field::convert_int96(d, v)))?,
                ColumnReader::FloatColumnReader(r) => texts(r, d, n, |d, v| Ok(Field::convert_float(d, v)))?,
                ColumnReader::DoubleColumnReader(r) => texts(r, d, n, |d, v| Ok(Field::convert_double(d, v)))?,
                ColumnReader::ByteArrayColumnReader(r) => texts(r, d, n, Field::convert_byte_array)?,
                ColumnReader::FixedLenByteArrayColumnReader(_) => {
                    return Err(ParquetError::General("fixed-length byte arrays are read by row".into()))
                }
            });
        }
        self.left -= n;
        Ok(Some(out))
    }
}

/// The next `n` cells of column `d` from reader `r` as text (see the
/// module docs), an empty cell for a null: `convert` makes each value the
/// field the row API would give.
fn texts<T: DataType>(
    r: &mut ColumnReaderImpl<T>,
    d: &ColumnDescPtr,
    n: usize,
    convert: impl Fn(&ColumnDescPtr, T::T) -> Result<Field, ParquetError>,
) -> Result<Vec<String>, ParquetError> {
    let nullable = d.max_def_level() > 0;
    let (mut levels, mut values) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut records = 0;
    while records < n {
        let (read, _, _) = r.read_records(n - records, nullable.then_some(&mut levels), None, &mut values)?;
        if read == 0 {
            return Err(ParquetError::General(format!(
                "column \"{}\" ends before its row group's rows",
                d.path().string()
            )));
        }
        records += read;
    }
    let mut values = values.into_iter();
    let cell = |v: Option<T::T>| -> Result<String, ParquetError> {
        let v = v.ok_or_else(|| {
            ParquetError::General(format!("column \"{}\" has fewer values than its levels say", d.path().string()))
        })?;
        Ok(text(&convert(d, v)?))
    };
    if !nullable {
        return (0..n).map(|_| cell(values.next())).collect();
    }
    let max = d.max_def_level();
    levels.iter().map(|&l| if l == max { cell(values.next()) } else { Ok(String::new()) }).collect()
}

/// Whether the crate converts column `c`'s values to fields (its row API
/// stops the program on the others, such as an `INTERVAL`).
fn convertible(c: &ColumnDescPtr) -> bool {
    use ConvertedType as C;
    match c.physical_type() {
        Physical::BOOLEAN | Physical::INT96 | Physical::FLOAT | Physical::DOUBLE => true,
        Physical::INT32 => matches!(
            c.converted_type(),
            C::INT_8
                | C::INT_16
                | C::INT_32
                | C::NONE
                | C::UINT_8
                | C::UINT_16
                | C::UINT_32
                | C::DATE
                | C::TIME_MILLIS
                | C::DECIMAL
        ),
        Physical::INT64 => matches!(
            c.converted_type(),
            C::INT_64 | C::NONE | C::UINT_64 | C::TIME_MICROS | C::TIMESTAMP_MILLIS | C::TIMESTAMP_MICROS | C::DECIMAL
        ),
        Physical::BYTE_ARRAY => {
            matches!(c.converted_type(), C::UTF8 | C::ENUM | C::JSON | C::BSON | C::NONE | C::DECIMAL)
        }
        Physical::FIXED_LEN_BYTE_ARRAY => matches!(c.converted_type(), C::DECIMAL | C::NONE),
    }
}

/// Reads a Parquet file whole into a [`Table`] with a note saying how it was
/// read. Row numbers in messages count rows from 2 (the first row is row 2,
/// as the first data row of a CSV file).
///
/// Errors: [`ParquetRows::open`]'s and [`ParquetRows::next_chunk`]'s;
/// [`IngestError::TooManyCells`] for a table over the memory limit.
pub fn read_parquet(bytes: Vec<u8>) -> Result<(Dialect, Table), IngestError> {
    let mut rows = ParquetRows::open(bytes)?;
    super::limits::check_table(rows.file_bytes(), rows.total_rows(), rows.headers().len() as u64, 0)?;
    let mut t = rows.empty_table();
    while let Some(chunk) = rows.next_chunk(CHUNK_ROWS)? {
        t.append(chunk);
    }
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
