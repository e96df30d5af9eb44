//! A streamed read of a large file ([`Streaming`]): the columns are decided
//! on its first [`HEAD_ROWS`] rows, then every parsed chunk goes into the
//! features and is dropped, while [`HeadChecks`] confirms on the rest what
//! detection concluded from the head.

use super::parts::{header_parser, PARTS_NOTE};
use super::{MappingEdit, PartResult, PartSpec, Request, TableSummary};
use crate::features::{FeatureBuilder, FeatureError, FeatureTable};
use crate::ingest::limits;
use crate::ingest::parquet::{self, ParquetRows};
use crate::ingest::roles::{detect_mapping_with_unique, is_row_index, MAX_FEATURE_COLUMNS};
use crate::ingest::{
    is_missing, parse_number, DataKind, Dialect, IngestError, Mapping, RaggedRows, Role, Table, TableReader,
};

/// Largest table the worker keeps once its features are computed, bytes of
/// cells ([`Table::heap_bytes`]). Above it the table is dropped before the
/// analysis, so that it does not sit in memory beside the features, the
/// scaled copy and the result. Files over [`STREAM_ABOVE`] are streamed and
/// never make a table, so this applies to the ones read whole: a file that
/// unpacks to more (gzip), slash dates, or a stream read again. The cost is
/// a second read when the mapping changes.
pub const KEEP_TABLE_UP_TO: usize = 32 << 20;

/// Files larger than this (bytes) are read in a stream, their features
/// computed as they are parsed ([`Streaming`]), so that their rows are never
/// all in memory at once. Smaller files are kept whole: a change of mapping
/// then needs no second read.
pub const STREAM_ABOVE: u64 = KEEP_TABLE_UP_TO as u64;

/// Data rows of a streamed file that detection looks at: the first 50,000
/// (a tenth of them, 5,000, are sampled, as for a whole file).
pub const HEAD_ROWS: usize = 50_000;

/// What a streamed read ([`Streaming`]) gave.
// One value per file read: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
pub enum Streamed {
    /// The features, computed while reading: the rows were not kept.
    /// `ft` is the feature stage's result (its error, if any, as [`crate::features::extract`]'s).
    Features { summary: TableSummary, mapping: Mapping, ft: Result<FeatureTable, FeatureError> },
    /// The whole table: the file had no more than the head's rows, or its
    /// mapping needs every row (slash dates, whose day and month are told
    /// apart on the whole column; a mapping the features cannot use).
    Table { dialect: Dialect, table: Table },
    /// The rows after the head contradicted what detection saw in it (an id
    /// seen twice, a row index that stops counting): the file must be read
    /// again whole.
    ReadAgain { why: String },
}

/// Reads a file and computes its features in one pass: the first
/// [`HEAD_ROWS`] rows are kept for detecting the mapping (or applying the
/// page's mapping and edits), then every chunk of parsed rows goes to a
/// [`FeatureBuilder`] and is dropped. Memory grows with the number of
/// accounts, not of rows (but for what [`FeatureBuilder`] keeps per trade:
/// its notional, for the median). Feed it the raw chunks of the file in order
/// ([`Streaming::feed`]), then call [`Streaming::finish`].
///
/// What detection concluded from the head is checked on the rest: a column
/// whose values all differed (the account id of a customer table) must go on
/// differing, and a row-index column must go on counting; otherwise the
/// result is [`Streamed::ReadAgain`]. Features equal those of
/// [`features`](super::features) on the whole table under the same mapping.
pub struct Streaming {
    reader: TableReader,
    head_rows: usize,
    mapping: Option<Mapping>,
    /// The job's model, whose mapping is applied after detection (as [`super::mapping_for`]).
    model: Option<crate::model::Model>,
    edits: Vec<MappingEdit>,
    state: State,
    /// Data rows taken from the reader so far.
    rows: usize,
    /// A later part of the file was read by a [`PartReader`](super::PartReader) and merged.
    merged_part: bool,
    /// Limit on the memory the read may need; 0 means [`limits::MAX_MEMORY_BYTES`].
    max_memory: u64,
    /// The file was refused once its columns were decided (too large for memory).
    refused: Option<IngestError>,
    /// A Parquet file being decoded ([`Streaming::finish`]): its rows and
    /// file size, and the rows held whole when the mapping needs every row.
    parquet: Option<ParquetState>,
    /// Rows of a Parquet file decoded at a time ([`parquet::CHUNK_ROWS`]).
    parquet_chunk_rows: usize,
}

/// What [`Streaming`] keeps while it decodes a Parquet file's rows.
struct ParquetState {
    rows_total: u64,
    rows_read: u64,
    file_bytes: u64,
    held: Option<Table>,
}

// One value per file read: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
enum State {
    Head(Option<Table>),
    /// `pending`: rows parsed before the columns were decided, not yet
    /// added to `builder` (added at the next feed, merge or finish), so that
    /// a caller can hand a later part to a second reader first.
    Stream {
        mapping: Mapping,
        builder: FeatureBuilder,
        checks: HeadChecks,
        headers: Vec<String>,
        pending: Vec<Table>,
    },
    Whole,
}

/// What detection concluded from the head and the rest of the file must confirm.
pub(super) struct HeadChecks {
    /// Columns with no value in the head (detection could not map or use
    /// them) and the number of head rows: a value later means reading again.
    empty: Vec<usize>,
    head_rows: usize,
    /// A column whose values all differed in the head, and hashes of the values seen.
    unique: Option<(usize, crate::hashing::HashSet<u64>)>,
    /// Row-index columns (left out of a customer table's features) and their first value.
    index: Vec<(usize, f64)>,
    /// Data rows checked so far.
    rows: usize,
    /// The first contradiction found.
    broken: Option<String>,
    /// Hashes the unique column's values, seeded from the platform's random
    /// source ([`crate::hashing`]): a file cannot be built so that two
    /// different ids share a hash and read as a repeat.
    hasher: foldhash::quality::SeedableRandomState,
}

impl HeadChecks {
    /// The checks a later part of the file can make alone: that the columns
    /// `empty` (no value in the head) stay empty.
    pub(super) fn for_part(empty: Vec<usize>) -> Self {
        HeadChecks {
            empty,
            head_rows: 0,
            unique: None,
            index: Vec::new(),
            rows: 0,
            broken: None,
            hasher: crate::hashing::quality_state(),
        }
    }

    /// Whether a check has failed.
    pub(super) fn is_broken(&self) -> bool {
        self.broken.is_some()
    }

    fn push(&mut self, t: &Table) {
        use std::hash::BuildHasher;
        if self.broken.is_none() {
            for r in 0..t.n_rows() {
                if let Some((c, seen)) = &mut self.unique {
                    if !seen.insert(self.hasher.hash_one(t.cell(r, *c))) {
                        self.broken = Some(format!(
                            "\"{}\" repeats a value on row {}, so the file is not one row per id",
                            t.headers[*c],
                            t.record_no(r)
                        ));
                        break;
                    }
                }
                if let Some(&c) = self.empty.iter().find(|&&c| !is_missing(t.cell(r, c))) {
                    self.broken = Some(format!(
                        "\"{}\" has no value in the first {} rows, where the columns were detected, and has one on row {}",
                        t.headers[c],
                        crate::ingest::thousands(self.head_rows as u64),
                        t.record_no(r)
                    ));
                    break;
                }
                let i = (self.rows + r) as f64;
                if let Some(&(c, _)) =
                    self.index.iter().find(|&&(c, first)| parse_number(t.cell(r, c)) != Some(first + i))
                {
                    self.broken = Some(format!("\"{}\" stops counting rows on row {}", t.headers[c], t.record_no(r)));
                    break;
                }
            }
        }
        self.rows += t.n_rows();
    }
}

/// Checks the rows of `t` and, while no check has failed, adds them to
/// `builder` (after a contradiction the file is read again: no use
/// computing more).
pub(super) fn push_checked(builder: &mut FeatureBuilder, checks: &mut HeadChecks, rows: &mut usize, t: &Table) {
    *rows += t.n_rows();
    checks.push(t);
    if checks.broken.is_none() {
        builder.push(t);
    }
}

/// Appends the rows of `b` (same columns) to `a`.
fn append(a: Option<Table>, b: Table) -> Table {
    match a {
        None => b,
        Some(mut a) => {
            a.append(b);
            a
        }
    }
}

impl Streaming {
    /// A streamed read of a file of `size` bytes for job `req` (its
    /// mapping, or detection if `None`, then its edits), detecting on the
    /// first `head_rows` data rows ([`HEAD_ROWS`] in the app).
    pub fn new(req: &Request, size: u64, head_rows: usize) -> Self {
        Streaming {
            reader: TableReader::new()
                .ragged(req.ragged)
                .quoting(req.quoting)
                .sheet(req.sheet.clone())
                .size_hint(size)
                .streamed(),
            head_rows: head_rows.max(1),
            mapping: req.mapping.clone(),
            model: if req.mapping.is_none() { req.model().ok().flatten() } else { None },
            edits: req.edits.clone(),
            state: State::Head(None),
            rows: 0,
            merged_part: false,
            max_memory: 0,
            refused: None,
            parquet: None,
            parquet_chunk_rows: parquet::CHUNK_ROWS,
        }
    }

    /// Sets the most memory (bytes) the read may need; 0 means
    /// [`limits::MAX_MEMORY_BYTES`]. A customer table is checked once its
    /// columns are decided, on its rows estimated from the file size
    /// ([`limits::check_features`]); a table held whole as it is read
    /// ([`TableReader::memory_limit`]). Tests lower it.
    pub fn memory_limit(mut self, bytes: u64) -> Self {
        self.max_memory = bytes;
        self.reader = self.reader.memory_limit(bytes);
        self
    }

    /// Sets how many rows of a Parquet file are decoded at a time
    /// ([`parquet::CHUNK_ROWS`] by default; tests lower it).
    pub fn parquet_chunk_rows(mut self, rows: usize) -> Self {
        self.parquet_chunk_rows = rows.max(1);
        self
    }

    /// Feeds the next raw chunk of the file.
    ///
    /// Errors: the reader's ([`TableReader::feed`]), or
    /// [`IngestError::TooManyCells`] once the columns are decided if the
    /// file is a customer table whose features would not fit in memory
    /// ([`Streaming::memory_limit`]).
    pub fn feed(&mut self, raw: &[u8]) -> Result<(), IngestError> {
        if let Some(e) = &self.refused {
            return Err(e.clone());
        }
        self.reader.feed(raw)?;
        self.advance();
        self.refused.clone().map_or(Ok(()), Err)
    }

    fn advance(&mut self) {
        if matches!(self.state, State::Whole) {
            return;
        }
        let Some(chunk) = self.reader.take_rows() else { return };
        self.accept(chunk);
    }

    /// Takes a chunk of rows: into the head until the columns are decided,
    /// then into the features (or, once the file is read whole, into the
    /// table held for a Parquet file; the reader holds a text file's).
    fn accept(&mut self, chunk: Table) {
        self.push_pending();
        match &mut self.state {
            State::Stream { builder, checks, .. } => push_checked(builder, checks, &mut self.rows, &chunk),
            State::Head(acc) => {
                let head = append(acc.take(), chunk);
                // The head is held whole: a file of few, very wide rows may never get past it.
                if let Err(e) = self.check_head(&head) {
                    self.refused = Some(e);
                    self.state = State::Whole;
                    return;
                }
                if head.n_rows() > self.head_rows {
                    self.start(head);
                } else {
                    self.state = State::Head(Some(head));
                }
            }
            State::Whole => {
                if let Some(p) = &mut self.parquet {
                    p.held = Some(append(p.held.take(), chunk));
                }
            }
        }
    }

    /// The share of the file read so far, if known: of a Parquet file's rows
    /// while they are decoded, else of a plain text file's bytes.
    fn fraction_read(&self) -> Option<f64> {
        match &self.parquet {
            Some(p) => Some(p.rows_read as f64 / p.rows_total.max(1) as f64),
            None => self.reader.fraction_read(),
        }
    }

    /// Gives back the rows taken so far, to be read whole: to the reader,
    /// or held here for a Parquet file, checked against the memory limit
    /// for all the file's rows.
    fn put_back(&mut self, all: Table) {
        match &mut self.parquet {
            Some(p) => {
                let cols = all.n_cols() as u64;
                if let Err(e) = limits::check_table(p.file_bytes, p.rows_total, cols, self.max_memory) {
                    self.refused = Some(e);
                }
                p.held = Some(all);
            }
            None => self.reader.put_back(all),
        }
    }

    /// Refuses a head that would not fit in memory ([`limits::check_table`])
    /// once it holds the rows it will hold: up to `head_rows`, or all of a
    /// shorter file (projected from the share read, when the file's size is
    /// known). The rows after the head are not held, so a long file is not
    /// refused for them here.
    ///
    /// Errors: [`IngestError::TooManyCells`].
    fn check_head(&self, head: &Table) -> Result<(), IngestError> {
        let (rows, cols) = (head.n_rows().max(1) as f64, head.n_cols() as u64);
        let offsets = head.n_rows() * head.n_cols() * std::mem::size_of::<usize>();
        let held = head.heap_bytes().saturating_sub(offsets) as f64;
        let f = self.fraction_read().filter(|f| *f > 0.0).map_or(1.0, |f| f.min(1.0));
        let will_hold = (rows / f).min((self.head_rows as f64).max(rows));
        let text = held * will_hold / rows;
        limits::check_table(text as u64, will_hold.ceil() as u64, cols, self.max_memory)
    }

    /// Decides the mapping on the head (`head_rows` of `rows`) and starts streaming.
    fn start(&mut self, rows: Table) {
        let (head, rest) = rows.split_at(self.head_rows);
        let (mut m, unique) = match &self.mapping {
            Some(m) => (m.clone(), None),
            None => {
                let (mut m, unique) = detect_mapping_with_unique(&head);
                let note = format!(
                    "The file is large, so its columns were detected on its first {} rows, and its features computed while reading it, without keeping its rows in memory (a change of mapping reads it again).",
                    crate::ingest::thousands(head.n_rows() as u64)
                );
                m.add_detect_note(note);
                if let Some(model) = &self.model {
                    model.apply_mapping(&mut m, &head);
                }
                (m, unique)
            }
        };
        for e in &self.edits {
            e.apply(&mut m, &head);
        }
        // A mapping decided on every row (slash dates), or one the features cannot use, reads the file whole.
        let builder = (!m.needs_every_row()).then(|| FeatureBuilder::new(&head.headers, &m).ok()).flatten();
        let Some(mut builder) = builder else {
            let mut all = head;
            all.append(rest);
            self.put_back(all);
            self.state = State::Whole;
            return;
        };
        let index = if m.kind == DataKind::CustomerTable {
            // A mask, not a search of the feature columns for each column: a file can have a million.
            let mut feature = vec![false; head.n_cols()];
            for &c in &m.feature_columns {
                if let Some(f) = feature.get_mut(c) {
                    *f = true;
                }
            }
            (0..head.n_cols())
                .filter(|&c| Some(c) != m.get(Role::Account) && !feature[c] && is_row_index(&head, c))
                .filter_map(|c| parse_number(head.cell(0, c)).map(|first| (c, first)))
                .collect()
        } else {
            Vec::new()
        };
        let checks = HeadChecks {
            empty: (0..head.n_cols()).filter(|&c| (0..head.n_rows()).all(|r| is_missing(head.cell(r, c)))).collect(),
            head_rows: head.n_rows(),
            unique: unique.map(|c| (c, crate::hashing::HashSet::with_hasher(crate::hashing::state()))),
            index,
            rows: 0,
            broken: None,
            hasher: crate::hashing::quality_state(),
        };
        let seen = head.n_rows() + rest.n_rows();
        let fraction = self.fraction_read().filter(|f| *f > 0.0).map(|f| f.min(1.0));
        if m.kind == DataKind::CustomerTable {
            // Refused before the rest is read if its features would not fit (rows estimated from the size).
            let rows = fraction.map_or(seen as f64, |f| seen as f64 / f).ceil() as u64;
            let cols = m.feature_columns.len().min(MAX_FEATURE_COLUMNS) as u64;
            if let Err(e) = limits::check_features(rows, cols, self.max_memory) {
                self.refused = Some(e);
                self.state = State::Whole;
                return;
            }
            builder.memory_limit(self.max_memory);
        }
        if let Some(f) = fraction {
            builder.reserve(((seen as f64 / f - seen as f64) * 1.02) as usize + seen);
        }
        let headers = head.headers.clone();
        self.state = State::Stream { mapping: m, builder, checks, headers, pending: vec![head, rest] };
    }

    /// Adds the rows parsed before the columns were decided to the builder.
    fn push_pending(&mut self) {
        if let State::Stream { builder, checks, pending, .. } = &mut self.state {
            for t in pending.drain(..) {
                push_checked(builder, checks, &mut self.rows, &t);
            }
        }
    }

    /// What a second reader ([`PartReader`](super::PartReader)) needs to read a later part of
    /// the file, given the file's first line `header`. `None` when the rest
    /// must be read in one sequence: columns not decided yet, a customer
    /// table (its rows fill one matrix in order), a check only one reader
    /// can make (ids that must stay unique, a row index that must go on
    /// counting), text that is not the file's own bytes (gzip, another
    /// encoding), or a header with a quote or without its line end.
    ///
    /// The head's rows are checked after the spec is given (they are added
    /// at the next feed): if they break a check, [`Streaming::can_merge_part`]
    /// refuses the part and the caller reads it here instead.
    pub fn part_spec(&self, header: &[u8], ragged: RaggedRows) -> Option<PartSpec> {
        let State::Stream { mapping, checks, headers, .. } = &self.state else { return None };
        let dialect = self.reader.dialect()?;
        let single = checks.unique.is_some() || !checks.index.is_empty() || checks.broken.is_some();
        let usable =
            header.ends_with(b"\n") && dialect.quote.is_none_or(|q| !header.contains(&q)) && self.reader.is_plain();
        let spec = (mapping.kind != DataKind::CustomerTable && !single && usable).then(|| PartSpec {
            dialect,
            header: header.to_vec(),
            headers: headers.clone(),
            mapping: mapping.clone(),
            ragged,
            empty: checks.empty.clone(),
        })?;
        // The line must be the header row exactly (not, say, a blank line before it).
        header_parser(&spec).is_ok().then_some(spec)
    }

    /// Whether [`Streaming::merge_part`] can merge a clean part now: what
    /// was fed ends at a record boundary and no check has failed. If not,
    /// the caller need not wait for the part.
    pub fn can_merge_part(&mut self) -> bool {
        self.push_pending();
        matches!(&self.state, State::Stream { checks, .. } if checks.broken.is_none())
            && self.reader.at_record_start().is_some()
    }

    /// Adds the features of the rest of the file, read by a [`PartReader`](super::PartReader)
    /// from the byte after the last one fed here. Returns `false`, and
    /// changes nothing, unless what was fed ends at a record boundary (no
    /// quoted field open) and the part was clean: the caller then feeds the
    /// rest here itself.
    pub fn merge_part(&mut self, part: PartResult) -> bool {
        let Some(records) = self.reader.at_record_start() else { return false };
        self.push_pending();
        let State::Stream { builder, checks, .. } = &mut self.state else { return false };
        if !part.clean || checks.broken.is_some() || !builder.merge(part.accounts, records.saturating_sub(1)) {
            return false;
        }
        self.rows += part.rows;
        checks.rows += part.rows;
        self.merged_part |= part.rows > 0;
        true
    }

    /// Ends the file.
    ///
    /// Errors: the reader's ([`TableReader::finish`]), or, for a Parquet
    /// file, [`Streaming::finish_with_progress`]'s.
    pub fn finish(self) -> Result<Streamed, IngestError> {
        self.finish_with_progress(&mut |_, _| {})
    }

    /// Ends the file, as [`Streaming::finish`]. A Parquet file is held
    /// whole as it is fed (its metadata is at its end) and its rows are
    /// decoded here, a chunk at a time, through the same head, detection,
    /// checks and features as a text file's rows: `progress(rows decoded,
    /// rows in the file)` after each chunk.
    ///
    /// Errors: the reader's ([`TableReader::finish`]); for a Parquet file,
    /// [`ParquetRows::open`]'s and [`ParquetRows::next_chunk`]'s, or
    /// [`IngestError::TooManyCells`] if its rows must be held whole and
    /// would not fit in memory.
    pub fn finish_with_progress(mut self, progress: &mut dyn FnMut(u64, u64)) -> Result<Streamed, IngestError> {
        if let Some(bytes) = self.reader.take_parquet() {
            return self.finish_parquet(bytes, progress);
        }
        self.push_pending();
        let Streaming { mut reader, state, rows, merged_part, .. } = self;
        match state {
            State::Stream { mapping, mut builder, mut checks, .. } => {
                let (dialect, last) = reader.finish()?;
                checks.push(&last);
                builder.push(&last);
                if let Some(why) = checks.broken {
                    return Ok(Streamed::ReadAgain { why });
                }
                let mut summary = TableSummary::of(&last, dialect);
                summary.n_rows = rows + last.n_rows();
                if merged_part {
                    summary.source_notes.push(PARTS_NOTE.into());
                }
                drop(last);
                Ok(Streamed::Features { summary, mapping, ft: builder.finish() })
            }
            head_or_whole => {
                if let State::Head(Some(head)) = head_or_whole {
                    reader.put_back(head);
                }
                let (dialect, table) = reader.finish()?;
                Ok(Streamed::Table { dialect, table })
            }
        }
    }
}

impl Streaming {
    /// [`Streaming::finish_with_progress`] for a Parquet file's `bytes`.
    fn finish_parquet(mut self, bytes: Vec<u8>, progress: &mut dyn FnMut(u64, u64)) -> Result<Streamed, IngestError> {
        let mut rows = ParquetRows::open(bytes)?;
        self.parquet = Some(ParquetState {
            rows_total: rows.total_rows(),
            rows_read: 0,
            file_bytes: rows.file_bytes(),
            held: None,
        });
        while let Some(chunk) = rows.next_chunk(self.parquet_chunk_rows)? {
            if let Some(p) = &mut self.parquet {
                p.rows_read += chunk.n_rows() as u64;
            }
            self.accept(chunk);
            if let Some(e) = self.refused.take() {
                return Err(e);
            }
            progress(rows.rows_read(), rows.total_rows());
        }
        self.push_pending();
        let held = self.parquet.take().and_then(|p| p.held);
        let with_note = |mut t: Table| {
            t.source_notes.push(rows.note().to_string());
            t
        };
        match self.state {
            State::Stream { mapping, builder, checks, .. } => {
                if let Some(why) = checks.broken {
                    return Ok(Streamed::ReadAgain { why });
                }
                let mut summary = TableSummary::of(&rows.empty_table(), Dialect::PARQUET);
                summary.n_rows = self.rows;
                Ok(Streamed::Features { summary, mapping, ft: builder.finish() })
            }
            State::Head(head) => {
                let table = head.map_or_else(|| rows.empty_table(), with_note);
                Ok(Streamed::Table { dialect: Dialect::PARQUET, table })
            }
            State::Whole => {
                let table = held.map_or_else(|| rows.empty_table(), with_note);
                Ok(Streamed::Table { dialect: Dialect::PARQUET, table })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::extract_with_progress;
    use crate::ingest::{detect_mapping, parse_bytes};
    use crate::job::mapping_for;
    use crate::job::test_util::{assert_same_features, request, with_stray_quote};
    use crate::sample::generate;

    fn describe(s: Streamed) -> String {
        match s {
            Streamed::Features { .. } => "features".into(),
            Streamed::Table { .. } => "table".into(),
            Streamed::ReadAgain { why } => format!("read again: {why}"),
        }
    }

    fn stream(bytes: &[u8], req: &Request, chunk: usize, head_rows: usize) -> Streamed {
        let mut s = Streaming::new(req, bytes.len() as u64, head_rows);
        for c in bytes.chunks(chunk) {
            s.feed(c).unwrap();
        }
        s.finish().unwrap()
    }

    #[test]
    fn a_workbook_large_enough_to_stream_is_read_whole_as_its_table() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let bytes = std::fs::read(dir.join("binance_spot.xlsx")).unwrap();
        let mut req = request(None, vec![]);
        req.sheet = Some("Plain".into());
        let Streamed::Table { dialect, table } = stream(&bytes, &req, 4096, 100) else {
            panic!("a workbook has no rows before its end: read whole");
        };
        assert!(dialect.is_workbook());
        assert_eq!(table.n_rows(), 1500);
        assert_eq!(table.sheet.as_deref(), Some("Plain"));
    }

    #[test]
    fn a_parquet_file_streams_into_the_features_of_its_whole_table_row_group_by_row_group() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        // Three row groups of 500 rows, decoded 200 rows at a time (a chunk ends with its row group).
        let bytes = std::fs::read(dir.join("binance_spot.parquet")).unwrap();
        let (_, whole) = crate::ingest::parquet::read_parquet(bytes.clone()).unwrap();
        let parquet_stream = |req: &Request| {
            let mut s = Streaming::new(req, bytes.len() as u64, 300).parquet_chunk_rows(200);
            for c in bytes.chunks(4096) {
                s.feed(c).unwrap();
            }
            let mut seen = Vec::new();
            let out = s.finish_with_progress(&mut |done, total| seen.push((done, total))).unwrap();
            (out, seen)
        };
        let (out, seen) = parquet_stream(&request(None, vec![]));
        assert_eq!(seen, [200, 400, 500, 700, 900, 1000, 1200, 1400, 1500].map(|d| (d, 1500)));
        let Streamed::Features { summary, mapping, ft } = out else { panic!("{}", describe(out)) };
        assert!(summary.dialect.is_parquet());
        assert_eq!((summary.n_rows, &summary.headers), (1500, &whole.headers));
        assert!(summary.source_notes.iter().any(|n| n.starts_with("Read as Parquet: 1,500 rows in 3 row groups")));
        assert!(mapping.notes.iter().any(|n| n.contains("first 300 rows")), "{:?}", mapping.notes);
        let expected = extract_with_progress(&whole, &mapping, &mut |_, _| {}).unwrap();
        assert_same_features(&ft.unwrap(), &expected);
        // A mapping the features cannot use (no account) holds every row, as a whole read does.
        let req = request(Some(detect_mapping(&whole)), vec![MappingEdit::Role(Role::Account, None)]);
        let Streamed::Table { dialect, table } = parquet_stream(&req).0 else { panic!("not whole") };
        assert!(dialect.is_parquet());
        assert_eq!((table.n_rows(), table.record_no(1499)), (1500, 1501));
        assert!((0..1500).step_by(97).all(|r| (0..table.n_cols()).all(|c| table.cell(r, c) == whole.cell(r, c))));
        assert_eq!(table.source_notes, whole.source_notes);
        // A file shorter than the head is its table.
        let (out, _) = {
            let mut s = Streaming::new(&request(None, vec![]), bytes.len() as u64, 5000).parquet_chunk_rows(200);
            s.feed(&bytes).unwrap();
            (s.finish().unwrap(), ())
        };
        let Streamed::Table { table, .. } = out else { panic!("not whole") };
        assert_eq!((table.n_rows(), &table.source_notes), (1500, &whole.source_notes));
    }

    #[test]
    fn a_streamed_read_gives_the_features_of_the_whole_table() {
        let customers: String =
            std::iter::once("customer_id,age,spend,visits\n".to_string())
                .chain((0..8000).map(|i| {
                    format!("c{i},{},{}.5,{}\n", 20 + i % 50, i * 7 % 1000, if i % 97 == 0 { "" } else { "3" })
                }))
                .collect();
        let trades = generate(11, 400);
        for (what, csv) in [("trades", trades.as_str()), ("customers", customers.as_str())] {
            let (_, whole) = parse_bytes(csv.as_bytes()).unwrap();
            for (chunk, head_rows) in [(997, 1000), (65536, 1000), (4096, 2500)] {
                let Streamed::Features { summary, mapping, ft } =
                    stream(csv.as_bytes(), &request(None, vec![]), chunk, head_rows)
                else {
                    panic!(
                        "{what} {chunk} {head_rows}: not streamed: {}",
                        describe(stream(csv.as_bytes(), &request(None, vec![]), chunk, head_rows))
                    )
                };
                assert_eq!(summary.n_rows, whole.n_rows(), "{what}");
                assert_eq!(summary.headers, whole.headers, "{what}");
                assert!(
                    mapping
                        .notes
                        .iter()
                        .any(|n| n.contains(&format!("first {} rows", crate::ingest::thousands(head_rows as u64)))),
                    "{what}: {:?}",
                    mapping.notes
                );
                let expected = extract_with_progress(&whole, &mapping, &mut |_, _| {}).unwrap();
                assert_same_features(&ft.unwrap(), &expected);
                // The head's detection is the whole file's here, but for the note.
                let full = detect_mapping(&whole);
                assert_eq!(
                    (mapping.kind, Role::ALL.map(|r| mapping.get(r)), &mapping.feature_columns),
                    (full.kind, Role::ALL.map(|r| full.get(r)), &full.feature_columns),
                    "{what}"
                );
            }
        }
        // The page's mapping and edits are applied to the head, as to a whole table.
        let (_, whole) = parse_bytes(trades.as_bytes()).unwrap();
        let req = request(Some(detect_mapping(&whole)), vec![MappingEdit::Role(Role::Leverage, None)]);
        let Streamed::Features { mapping, ft, .. } = stream(trades.as_bytes(), &req, 8192, 1000) else {
            panic!("not streamed")
        };
        assert_eq!(mapping, mapping_for(&req, &whole));
        assert_same_features(&ft.unwrap(), &extract_with_progress(&whole, &mapping, &mut |_, _| {}).unwrap());
    }

    #[test]
    fn a_stray_quote_stops_a_stream_and_quoting_off_reads_every_row() {
        use crate::ingest::csv::QUOTING_OFF_NOTE;
        use crate::ingest::{IngestError, Quoting};
        let csv = with_stray_quote(&generate(11, 400), 41);
        let mut req = request(None, vec![]);
        let mut s = Streaming::new(&req, csv.len() as u64, 1000);
        let e = csv.as_bytes().chunks(4096).try_for_each(|c| s.feed(c)).and_then(|()| s.finish().map(|_| ()));
        assert!(matches!(e, Err(IngestError::OpenQuote { row: 42, .. })), "{e:?}");
        req.quoting = Quoting::Off;
        let mut r = TableReader::new().quoting(Quoting::Off);
        r.feed(csv.as_bytes()).unwrap();
        let (_, whole) = r.finish().unwrap();
        assert_eq!(whole.n_rows(), csv.lines().count() - 1, "every row read");
        for chunk in [997, 65536] {
            let Streamed::Features { summary, mapping, ft } = stream(csv.as_bytes(), &req, chunk, 1000) else {
                panic!("not streamed")
            };
            assert_eq!(summary.n_rows, whole.n_rows());
            assert_eq!(summary.dialect.quote, None);
            assert!(summary.source_notes.iter().any(|n| n == QUOTING_OFF_NOTE), "{:?}", summary.source_notes);
            let ft = ft.unwrap();
            assert_same_features(&ft, &extract_with_progress(&whole, &mapping, &mut |_, _| {}).unwrap());
            // The row with the stray quote has no readable time: left out, and said so.
            assert_eq!(ft.rows_used, whole.n_rows() - 1);
            assert_eq!(ft.skipped.iter().map(|s| (s.count, s.examples.clone())).collect::<Vec<_>>(), [(1, vec![42])]);
        }
    }

    #[test]
    fn small_files_and_slash_dates_are_read_whole() {
        let trades = generate(5, 50);
        let (_, whole) = parse_bytes(trades.as_bytes()).unwrap();
        let Streamed::Table { table, .. } = stream(trades.as_bytes(), &request(None, vec![]), 1000, whole.n_rows())
        else {
            panic!("a file of no more than the head's rows is kept whole")
        };
        assert_eq!((table.n_rows(), table.cell(7, 1)), (whole.n_rows(), whole.cell(7, 1)));
        let retail: String = std::iter::once("InvoiceNo,Quantity,InvoiceDate,UnitPrice,CustomerID\n".to_string())
            .chain(
                (0..500).map(|i| format!("{},{},{:02}/12/2010 08:00,2.5,c{}\n", i / 3, 1 + i % 4, 1 + i % 28, i % 40)),
            )
            .collect();
        let (_, whole) = parse_bytes(retail.as_bytes()).unwrap();
        assert!(detect_mapping(&whole).needs_every_row());
        let Streamed::Table { table, .. } = stream(retail.as_bytes(), &request(None, vec![]), 700, 100) else {
            panic!("slash dates need every row")
        };
        assert_eq!(table.n_rows(), 500);
        assert_eq!(table.cell(499, 4), "c19");
        assert_eq!(table.record_no(499), 501);
    }

    #[test]
    fn a_head_the_rest_contradicts_means_reading_again() {
        let rows = |dup: usize, index_break: usize| -> String {
            std::iter::once(",customer_id,age,spend\n".to_string())
                .chain((0..6000).map(|i| {
                    let id = if i == dup { 3 } else { i };
                    let idx = if i >= index_break { i + 1 } else { i };
                    format!("{idx},c{id},{},{}\n", 20 + i % 50, i * 7 % 100)
                }))
                .collect()
        };
        let ok = rows(usize::MAX, usize::MAX);
        assert!(ok.len() > crate::ingest::csv::SNIFF_BYTES, "more than the reader holds back for the dialect");
        let Streamed::Features { mapping, ft, .. } = stream(ok.as_bytes(), &request(None, vec![]), 512, 100) else {
            panic!(
                "unique ids and a counting index stream: {}",
                describe(stream(ok.as_bytes(), &request(None, vec![]), 512, 100))
            )
        };
        assert_eq!(mapping.kind, DataKind::CustomerTable);
        assert_eq!(ft.unwrap().defs.iter().map(|d| d.key.as_str()).collect::<Vec<_>>(), ["age", "spend"]);
        let Streamed::ReadAgain { why } = stream(rows(5000, usize::MAX).as_bytes(), &request(None, vec![]), 512, 100)
        else {
            panic!("an id repeated after the head")
        };
        assert!(why.contains("\"customer_id\" repeats a value on row 5002"), "{why}");
        let Streamed::ReadAgain { why } = stream(rows(usize::MAX, 3000).as_bytes(), &request(None, vec![]), 512, 100)
        else {
            panic!("an index that stops counting after the head")
        };
        assert!(why.contains("\"column_1\" stops counting rows on row 3002"), "{why}");
    }

    #[test]
    fn a_column_empty_in_the_head_that_fills_later_means_reading_again() {
        let trades = |ids_repeat: bool, leverage_from: usize| -> String {
            std::iter::once("account_id,timestamp,side,qty,price,leverage\n".to_string())
                .chain((0..6000).map(|i| {
                    let id = if ids_repeat { i % 40 } else { i };
                    let lev = if i >= leverage_from { "5" } else { "" };
                    format!("a{id},2024-01-01T00:{:02}:{:02}Z,buy,1,{},{lev}\n", i / 60 % 60, i % 60, 100 + i % 7)
                }))
                .collect()
        };
        let Streamed::ReadAgain { why } = stream(trades(true, 4000).as_bytes(), &request(None, vec![]), 4096, 1000)
        else {
            panic!("a column the head had no value in")
        };
        assert!(why.contains("\"leverage\" has no value in the first 1,000 rows") && why.contains("row 4002"), "{why}");
        // Ids that all differ in the head decide nothing for trades with a well-named
        // account column: a repeat later needs no second read.
        let mut csv = trades(false, 0);
        csv.push_str("a3,2024-01-01T02:00:00Z,sell,1,100,5\n");
        let Streamed::Features { mapping, ft, .. } = stream(csv.as_bytes(), &request(None, vec![]), 4096, 1000) else {
            panic!("{}", describe(stream(csv.as_bytes(), &request(None, vec![]), 4096, 1000)))
        };
        assert_eq!(mapping.kind, DataKind::Trades);
        assert_eq!(ft.unwrap().ids.len(), 6000);
    }

    #[test]
    fn a_streamed_one_column_file_with_a_blank_header_is_not_empty() {
        let csv: String =
            std::iter::once("\"\"\n".to_string()).chain((0..9000).map(|i| format!("{}\n", i % 97))).collect();
        let (_, whole) = parse_bytes(csv.as_bytes()).unwrap();
        match stream(csv.as_bytes(), &request(None, vec![]), 4096, 1000) {
            Streamed::Features { summary, .. } => {
                assert_eq!((summary.n_rows, &summary.headers), (whole.n_rows(), &whole.headers))
            }
            Streamed::Table { table, .. } => assert_eq!(table.n_rows(), whole.n_rows()),
            Streamed::ReadAgain { why } => panic!("{why}"),
        }
    }

    #[test]
    fn a_customer_table_too_large_for_memory_is_refused_once_its_columns_are_decided() {
        // 20,000 customers x 10 numeric columns: 20,000 x (10 x 16 + 64) = 4,480,000 bytes estimated.
        let mut csv = String::from("customer_id,a,b,c,d,e,f,g,h,i,j\n");
        for r in 0..20_000 {
            csv.push_str(&format!("C{r:05}"));
            (0..10).for_each(|c| csv.push_str(&format!(",{}", (r * 7 + c * 3) % 11)));
            csv.push('\n');
        }
        let req = request(None, vec![]);
        let run = |limit: u64| {
            let mut s = Streaming::new(&req, csv.len() as u64, 1_000).memory_limit(limit);
            let mut fed = 0;
            for c in csv.as_bytes().chunks(16 * 1024) {
                fed += c.len();
                s.feed(c)?;
            }
            s.finish().map(|r| (r, fed))
        };
        let Err(e) = run(4_000_000) else { panic!("not refused") };
        let IngestError::TooManyCells { held: limits::Held::Features, rows, columns: 10, max: 4_000_000, .. } = e
        else {
            panic!("{e:?}")
        };
        assert!((19_000..=21_000).contains(&rows), "estimated from the size: {rows}");
        let msg = e.to_string();
        assert!(msg.contains("x 10 columns need about 4.27 MiB") && msg.contains("a sample of the rows"), "{msg}");
        // Refused after the head (1,000 rows, about 30 kB), not at the end of the file.
        let mut s = Streaming::new(&req, csv.len() as u64, 1_000).memory_limit(4_000_000);
        let fed_before = csv.as_bytes().chunks(16 * 1024).take_while(|c| s.feed(c).is_ok()).count();
        assert!(fed_before < 5, "{fed_before} slices read");
        // Under the limit it is read as before.
        let (Streamed::Features { ft, .. }, _) = run(5_000_000).unwrap() else { panic!("not streamed") };
        assert_eq!(ft.unwrap().values.dim(), (20_000, 10));
    }

    #[test]
    fn a_file_of_few_very_wide_rows_is_refused_while_its_head_is_read() {
        // 300 rows x 2,000 columns (1.2 MB): all of it is the head, held whole.
        let mut csv = (0..2_000).map(|c| format!("c{c}")).collect::<Vec<_>>().join(",") + "\n";
        for r in 0..300 {
            csv.push_str(&(0..2_000).map(|c| ((r + c) % 10).to_string()).collect::<Vec<_>>().join(","));
            csv.push('\n');
        }
        let req = request(None, vec![]);
        let mut s = Streaming::new(&req, csv.len() as u64, 50_000).memory_limit(4_000_000);
        let mut slices = 0;
        let e = csv.as_bytes().chunks(256 * 1024).find_map(|c| {
            slices += 1;
            s.feed(c).err()
        });
        let Some(IngestError::TooManyCells { held: limits::Held::Table, columns: 2_000, .. }) = e else {
            panic!("{e:?}")
        };
        assert!(slices <= 2, "refused after {slices} slices");
        // With room, it is the whole table.
        let Streamed::Table { table, .. } = stream(csv.as_bytes(), &req, 256 * 1024, 50_000) else { panic!() };
        assert_eq!((table.n_rows(), table.n_cols()), (300, 2_000));
        // A long trades file whose rows would not fit held whole is streamed: only its head is held.
        let trades = generate(11, 400);
        let whole = parse_bytes(trades.as_bytes()).unwrap().1;
        assert!(whole.n_rows() > 4_000, "{}", whole.n_rows());
        let limit = (trades.len() + whole.n_rows() * whole.n_cols() * 8) as u64 / 4;
        let mut s = Streaming::new(&req, trades.len() as u64, 500).memory_limit(limit);
        trades.as_bytes().chunks(64 * 1024).for_each(|c| s.feed(c).unwrap());
        assert_eq!(describe(s.finish().unwrap()), "features");
    }
}
