//! One analysis job as the page hands it to the analysis worker: the
//! messages between page and worker ([`Request`], [`Response`], encoded with
//! postcard) and the work after reading ([`analyse`]). Plain Rust, no web
//! dependency: the worker (`ui::worker`) only moves bytes and Blobs.
//!
//! The worker keeps the parsed [`Table`] of the last file it read (or, for
//! a large file, only the last job's features: see `ui::worker`); the page
//! keeps the [`Mapping`] and a [`TableSummary`], and sends the mapping (with
//! the [`MappingEdit`]s made since) and the [`Settings`] with every job. A fresh worker
//! (after a crash or a Cancel) reads the file again from the Blob the page
//! still holds, so a job never depends on what a worker remembers.

use crate::analysis::{segment_timed, Method, Preprocessor, Scaling, SegmentOptions, Segmentation, TransformChoice};
use crate::features::{extract_with_progress, FeatureBuilder, FeatureError, FeatureTable, PartialAccounts};
use crate::ingest::roles::{detect_mapping_with_unique, is_row_index};
use crate::ingest::time::TimeFormat;
use crate::ingest::{
    detect_mapping, is_missing, parse_number, DataKind, Dialect, IngestError, Mapping, RaggedRows, Role, StreamParser,
    Table, TableReader,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

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
/// [`features`] on the whole table under the same mapping.
pub struct Streaming {
    reader: TableReader,
    head_rows: usize,
    mapping: Option<Mapping>,
    edits: Vec<MappingEdit>,
    state: State,
    /// Data rows taken from the reader so far.
    rows: usize,
    /// A later part of the file was read by a [`PartReader`] and merged.
    merged_part: bool,
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
struct HeadChecks {
    /// Columns with no value in the head (detection could not map or use
    /// them) and the number of head rows: a value later means reading again.
    empty: Vec<usize>,
    head_rows: usize,
    /// A column whose values all differed in the head, and hashes of the values seen.
    unique: Option<(usize, std::collections::HashSet<u64, foldhash::fast::RandomState>)>,
    /// Row-index columns (left out of a customer table's features) and their first value.
    index: Vec<(usize, f64)>,
    /// Data rows checked so far.
    rows: usize,
    /// The first contradiction found.
    broken: Option<String>,
    hasher: foldhash::quality::RandomState,
}

impl HeadChecks {
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
                        thousands(self.head_rows),
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

/// `50000` -> `"50,000"`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
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
            reader: TableReader::new().ragged(req.ragged).size_hint(size).streamed(),
            head_rows: head_rows.max(1),
            mapping: req.mapping.clone(),
            edits: req.edits.clone(),
            state: State::Head(None),
            rows: 0,
            merged_part: false,
        }
    }

    /// Feeds the next raw chunk of the file.
    ///
    /// Errors: the reader's ([`TableReader::feed`]).
    pub fn feed(&mut self, raw: &[u8]) -> Result<(), IngestError> {
        self.reader.feed(raw)?;
        self.advance();
        Ok(())
    }

    fn advance(&mut self) {
        if matches!(self.state, State::Whole) {
            return;
        }
        let Some(chunk) = self.reader.take_rows() else { return };
        self.push_pending();
        match &mut self.state {
            State::Stream { builder, checks, .. } => push_checked(builder, checks, &mut self.rows, &chunk),
            State::Head(acc) => {
                let head = append(acc.take(), chunk);
                if head.n_rows() > self.head_rows {
                    self.start(head);
                } else {
                    self.state = State::Head(Some(head));
                }
            }
            State::Whole => {}
        }
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
                    thousands(head.n_rows())
                );
                m.add_detect_note(note);
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
            self.reader.put_back(all);
            self.state = State::Whole;
            return;
        };
        let index = if m.kind == DataKind::CustomerTable {
            (0..head.n_cols())
                .filter(|&c| {
                    Some(c) != m.get(Role::Account) && !m.feature_columns.contains(&c) && is_row_index(&head, c)
                })
                .filter_map(|c| parse_number(head.cell(0, c)).map(|first| (c, first)))
                .collect()
        } else {
            Vec::new()
        };
        let checks = HeadChecks {
            empty: (0..head.n_cols()).filter(|&c| (0..head.n_rows()).all(|r| is_missing(head.cell(r, c)))).collect(),
            head_rows: head.n_rows(),
            unique: unique.map(|c| (c, Default::default())),
            index,
            rows: 0,
            broken: None,
            hasher: Default::default(),
        };
        let seen = head.n_rows() + rest.n_rows();
        if let Some(f) = self.reader.fraction_read().filter(|f| *f > 0.0) {
            builder.reserve(((seen as f64 / f.min(1.0) - seen as f64) * 1.02) as usize + seen);
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

    /// What a second reader ([`PartReader`]) needs to read a later part of
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
        let usable = header.ends_with(b"\n") && !header.contains(&dialect.quote) && self.reader.is_plain();
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

    /// Adds the features of the rest of the file, read by a [`PartReader`]
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
    /// Errors: the reader's ([`TableReader::finish`]).
    pub fn finish(mut self) -> Result<Streamed, IngestError> {
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

/// The data note of a file read in two parts at once.
pub const PARTS_NOTE: &str = "Read in two parts at once, by two workers, and the per-account totals of the parts added: a total can differ from a one-pass read by the rounding of one addition (about 1e-16 of the larger part).";

/// What a [`PartReader`] needs: see [`Streaming::part_spec`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PartSpec {
    pub dialect: Dialect,
    /// The file's first line (its header), line end included.
    pub header: Vec<u8>,
    /// The column names the first reader took from it.
    pub headers: Vec<String>,
    pub mapping: Mapping,
    pub ragged: RaggedRows,
    /// Columns with no value in the head: a value in the part makes it unclean.
    pub empty: Vec<usize>,
}

/// A part for a second worker to read: from the first record that starts
/// after byte `start`'s line end, to the end of the file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PartJob {
    pub spec: PartSpec,
    pub start: f64,
}

/// The features of a part of a file, for [`Streaming::merge_part`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PartResult {
    pub accounts: PartialAccounts,
    /// Data rows of the part.
    pub rows: usize,
    /// No ragged row, invalid UTF-8 cell or value in a head-empty column:
    /// otherwise the part is read again in sequence, where such rows are
    /// counted and reported with their file row numbers.
    pub clean: bool,
}

/// Reads a later part of a streamed file, from a record boundary, into
/// per-account aggregates: the second worker's half of a large trades file.
/// Feed it the part's bytes in order, then [`PartReader::finish`].
pub struct PartReader {
    parser: StreamParser,
    builder: FeatureBuilder,
    checks: HeadChecks,
    rows: usize,
}

impl PartReader {
    /// Errors: a message if the header line or the mapping cannot be used.
    pub fn new(spec: &PartSpec) -> Result<Self, String> {
        let parser = header_parser(spec)?;
        let builder = FeatureBuilder::new(&spec.headers, &spec.mapping).map_err(|e| e.to_string())?;
        let checks = HeadChecks {
            empty: spec.empty.clone(),
            head_rows: 0,
            unique: None,
            index: Vec::new(),
            rows: 0,
            broken: None,
            hasher: Default::default(),
        };
        Ok(PartReader { parser, builder, checks, rows: 0 })
    }

    /// Reads the next bytes of the part.
    ///
    /// Errors: the parser's ([`StreamParser::feed`]).
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), IngestError> {
        self.parser.feed(bytes)?;
        let t = self.parser.take_rows();
        push_checked(&mut self.builder, &mut self.checks, &mut self.rows, &t);
        Ok(())
    }

    /// Ends the part. Errors: the parser's ([`StreamParser::finish`]), but
    /// a part with no data rows gives an empty result.
    pub fn finish(self) -> Result<PartResult, IngestError> {
        let PartReader { parser, mut builder, mut checks, mut rows } = self;
        let last = match parser.finish() {
            Ok(t) => Some(t),
            Err(IngestError::NoData { ragged: 0 }) => None,
            Err(e) => return Err(e),
        };
        let irregular = last.as_ref().map_or(0, |t| t.ragged_count + t.invalid_utf8_cells);
        if let Some(t) = &last {
            push_checked(&mut builder, &mut checks, &mut rows, t);
        }
        let clean = irregular == 0 && checks.broken.is_none();
        let accounts = builder.into_partial().ok_or(IngestError::Empty)?;
        Ok(PartResult { accounts, rows, clean })
    }
}

/// A parser that has read `spec.header` and nothing else: errors unless
/// that line is one whole record, the header row, whose column names are
/// `spec.headers` (a file that starts with a blank line, say, is refused).
fn header_parser(spec: &PartSpec) -> Result<StreamParser, String> {
    let mut parser = StreamParser::new(spec.dialect).ragged(spec.ragged);
    parser.feed(&spec.header).map_err(|e| e.to_string())?;
    let head = parser.take_rows();
    if parser.records() != 1 || !parser.at_record_start() || head.n_rows() != 0 || head.headers != spec.headers {
        return Err("the file's first line is not its header row".into());
    }
    Ok(parser)
}

/// Checks the rows of `t` and, while no check has failed, adds them to
/// `builder` (after a contradiction the file is read again: no use
/// computing more).
fn push_checked(builder: &mut FeatureBuilder, checks: &mut HeadChecks, rows: &mut usize, t: &Table) {
    *rows += t.n_rows();
    checks.push(t);
    if checks.broken.is_none() {
        builder.push(t);
    }
}

/// The analysis choices made in the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Number of segments; `None` = chosen by the method's sweep.
    pub k: Option<usize>,
    pub seed: u64,
    pub method: Method,
    pub scaling: Scaling,
    /// Per-feature transform overrides, keyed by feature name (a new mapping
    /// can change which features exist and their order).
    pub overrides: Vec<(String, TransformChoice)>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            k: None,
            seed: SegmentOptions::default().seed,
            method: Method::KMeans,
            scaling: Scaling::Standard,
            overrides: Vec::new(),
        }
    }
}

impl Settings {
    /// The [`SegmentOptions`] for these settings on `ft` (overrides of
    /// features `ft` does not have are ignored).
    pub fn options(&self, ft: &FeatureTable) -> SegmentOptions {
        let overrides = self
            .overrides
            .iter()
            .filter_map(|(key, c)| ft.defs.iter().position(|d| &d.key == key).map(|j| (j, *c)))
            .collect();
        SegmentOptions {
            k: self.k,
            seed: self.seed,
            method: self.method,
            preprocessor: Preprocessor { scaling: self.scaling, overrides, ..Default::default() },
            ..Default::default()
        }
    }
}

/// A change the user made in the Column mapping panel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum MappingEdit {
    Kind(DataKind),
    Role(Role, Option<usize>),
    TimeFormat(TimeFormat),
}

impl MappingEdit {
    /// Applies the edit to `m`, re-deriving what depends on it from `t`.
    pub fn apply(&self, m: &mut Mapping, t: &Table) {
        match *self {
            MappingEdit::Kind(k) => m.set_kind(t, k),
            MappingEdit::Role(r, c) => m.set(t, r, c),
            MappingEdit::TimeFormat(f) => m.set_time_format(t, f),
        }
    }
}

/// What the page shows of a file that was read; the cells stay in the worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableSummary {
    pub dialect: Dialect,
    pub headers: Vec<String>,
    pub n_rows: usize,
    /// As [`Table::ragged_count`] and [`Table::ragged_rows`].
    pub ragged_count: usize,
    pub ragged_rows: Vec<(u32, usize)>,
    pub source_notes: Vec<String>,
    pub renamed_headers: Vec<(usize, String, String)>,
    pub invalid_utf8_cells: usize,
    pub unnamed_columns: usize,
}

impl TableSummary {
    /// The summary of `t`, read with dialect `d`.
    pub fn of(t: &Table, d: Dialect) -> Self {
        TableSummary {
            dialect: d,
            headers: t.headers.clone(),
            n_rows: t.n_rows(),
            ragged_count: t.ragged_count,
            ragged_rows: t.ragged_rows.clone(),
            source_notes: t.source_notes.clone(),
            renamed_headers: t.renamed_headers.clone(),
            invalid_utf8_cells: t.invalid_utf8_cells,
            unnamed_columns: t.unnamed_columns,
        }
    }
}

/// The stages of a job, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// Reading, decoding and parsing the file (progress in bytes).
    Read,
    /// Reading a large file and computing its features as it is parsed
    /// ([`Streaming`]; progress in bytes).
    ReadFeatures,
    /// Detecting column roles and computing per-account features.
    Features,
    /// Transforms, scaling, clustering, the k sweep, stability and PCA.
    Analysis,
}

impl Stage {
    /// What the progress bar says.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Read => "Reading file",
            Stage::ReadFeatures => "Reading file and extracting features",
            Stage::Features => "Extracting features",
            Stage::Analysis => "Scaling, clustering and PCA",
        }
    }
}

/// A job: read the file (unless the worker already holds it), apply the
/// mapping, compute features and segment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Increases with every job the page starts; responses carry it.
    pub job: u64,
    /// Identifies the file (and how it is read): a new id means read the Blob again.
    pub file: u64,
    pub name: String,
    /// What reading does with rows whose field count differs from the header's.
    pub ragged: RaggedRows,
    /// The page's mapping; `None` = detect it from the file.
    pub mapping: Option<Mapping>,
    /// Changes to apply to the mapping first, in order: every change made
    /// since the page last received a mapping (a job can be superseded
    /// before its mapping comes back).
    pub edits: Vec<MappingEdit>,
    pub settings: Settings,
    /// Test hook (`#crash-test` in the page URL): panic at the start of the
    /// job, to prove a crash is contained and the page recovers.
    pub crash_test: bool,
}

/// Features and segments of a finished job.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Outcome {
    /// Shared with the worker's cache (reused when only the settings change).
    pub ft: Arc<FeatureTable>,
    pub seg: Segmentation,
    /// Wall time of each stage, milliseconds.
    pub features_ms: f64,
    /// Where the features came from.
    pub features_from: FeatureSource,
    pub analysis_ms: f64,
    /// Size of the worker's wasm memory after the job, bytes: its peak, as
    /// wasm memory never shrinks (0 where not measured, e.g. natively).
    pub memory_bytes: f64,
    /// Accounts whose ids and features follow in [`Response::Rows`]
    /// messages ([`split_result`]); 0 when `ft` holds them all.
    pub rows_to_come: usize,
}

/// Where a job's features came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeatureSource {
    /// Computed from the table in this job (`features_ms` is their time).
    Computed,
    /// The previous job's (only the settings changed), not computed again.
    Reused,
    /// Computed while the file was read ([`Streaming`]): their time is in
    /// the read time, and `features_ms` is 0.
    WhileReading,
}

/// What the worker tells the page.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Response {
    /// A stage started or advanced: `done` of `total` bytes while reading,
    /// rows while computing features, else 0 of 0; `step` names the
    /// analysis step that started (one of [`crate::analysis::STAGES`]),
    /// empty otherwise.
    Progress { job: u64, stage: Stage, step: String, done: f64, total: f64 },
    /// The file was read.
    Read { job: u64, file: u64, summary: TableSummary, read_ms: f64 },
    /// The job finished.
    Done { job: u64, mapping: Mapping, outcome: Box<Outcome> },
    /// The next accounts of a result sent in parts ([`split_result`]): their
    /// ids and their features, row-major.
    Rows { job: u64, ids: Vec<String>, values: Vec<f64> },
    /// The job failed with a message for the user (what, where, what to do);
    /// `mapping` is the mapping in force, if the file could be read.
    Failed { job: u64, mapping: Option<Mapping>, message: String },
    /// The worker panicked: it is unusable and the page replaces it.
    Panicked { message: String },
    /// A new worker is running and listening for jobs.
    Ready,
    /// From a worker reading a part ([`PartJob`]) to the worker that asked:
    /// bytes of the part read so far.
    PartProgress { done: f64 },
    /// The part's features, or why it could not be read.
    Part { result: Result<PartResult, String> },
}

/// Accounts per [`Response::Rows`] message. A result for a million
/// accounts was one message whose decoding blocked the page for 0.4-1.0 s;
/// in parts of 32,768 accounts (4 MB with 16 features) each is a short task.
pub const ROWS_PER_MESSAGE: usize = 32_768;

/// Splits a finished job's response whose features have more than `per`
/// accounts into a `Done` without their rows (`rows_to_come` says how
/// many follow) and the [`Response::Rows`] messages that carry them, made
/// one at a time as the iterator is read. Any other response comes back
/// whole, with nothing to follow. [`Assembler`] puts them together again.
pub fn split_result(r: Response, per: usize) -> (Response, Box<dyn Iterator<Item = Response>>) {
    match r {
        Response::Done { job, mapping, mut outcome } if outcome.ft.ids.len() > per.max(1) => {
            let ft = outcome.ft.clone();
            let n = ft.ids.len();
            outcome.ft = Arc::new(ft.without_rows());
            outcome.rows_to_come = n;
            let rows = (0..n).step_by(per.max(1)).map(move |a| {
                let b = (a + per.max(1)).min(n);
                let values = ft.values.slice(ndarray::s![a..b, ..]).iter().copied().collect();
                Response::Rows { job, ids: ft.ids[a..b].to_vec(), values }
            });
            (Response::Done { job, mapping, outcome }, Box::new(rows))
        }
        other => (other, Box::new(std::iter::empty())),
    }
}

/// Puts a result split by [`split_result`] together again: feed it every
/// response in order; it returns each one that is complete (a split `Done`
/// once its last rows have come, whole; any other response at once).
#[derive(Default)]
pub struct Assembler {
    pending: Option<Pending>,
}

/// A split result's `Done` (job, mapping, outcome) and the ids and features that have come.
type Pending = (u64, Mapping, Box<Outcome>, Vec<String>, Vec<f64>);

impl Assembler {
    /// The response to pass on, if any. Rows of a job other than the one
    /// pending are dropped (a job replaced mid-way).
    pub fn push(&mut self, r: Response) -> Option<Response> {
        match r {
            Response::Done { job, mapping, outcome } if outcome.rows_to_come > 0 => {
                self.pending = None; // an unfinished result is freed before the next one is allocated
                let (n, d) = (outcome.rows_to_come, outcome.ft.defs.len());
                self.pending = Some((job, mapping, outcome, Vec::with_capacity(n), Vec::with_capacity(n * d)));
                None
            }
            Response::Rows { job, ids, values } => {
                let (pjob, _, outcome, all_ids, all_values) = self.pending.as_mut()?;
                if *pjob != job {
                    return None;
                }
                all_ids.extend(ids);
                all_values.extend(values);
                if all_ids.len() < outcome.rows_to_come {
                    return None;
                }
                let (job, mapping, mut outcome, ids, values) = self.pending.take()?;
                let d = outcome.ft.defs.len();
                let mut ft = outcome.ft.without_rows();
                ft.values = match ndarray::Array2::from_shape_vec((ids.len(), d), values) {
                    Ok(v) => v,
                    Err(e) => {
                        let message = format!("the result arrived damaged ({e}); run the analysis again");
                        return Some(Response::Failed { job, mapping: Some(mapping), message });
                    }
                };
                ft.ids = ids;
                outcome.ft = Arc::new(ft);
                outcome.rows_to_come = 0;
                Some(Response::Done { job, mapping, outcome })
            }
            other => {
                if matches!(other, Response::Panicked { .. }) {
                    self.pending = None;
                }
                Some(other)
            }
        }
    }
}

/// Encodes a message (postcard), into a buffer of exactly its size: sized
/// first, then written, so a large result (130 MB for 1M accounts) is not
/// copied through doubling buffers.
pub fn encode<T: Serialize>(msg: &T) -> Result<Vec<u8>, String> {
    let buf = vec![0u8; encoded_size(msg)?];
    write(msg, buf)
}

/// The message for a failed encoding.
pub fn encode_error(e: postcard::Error) -> String {
    format!("could not encode a message for the worker: {e}")
}

/// The size of a message's encoding, bytes (nothing is allocated).
pub fn encoded_size<T: Serialize>(msg: &T) -> Result<usize, String> {
    postcard::serialize_with_flavor(msg, postcard::ser_flavors::Size::default()).map_err(encode_error)
}

fn write<T: Serialize>(msg: &T, mut buf: Vec<u8>) -> Result<Vec<u8>, String> {
    let used = postcard::to_slice(msg, &mut buf).map_err(encode_error)?.len();
    buf.truncate(used);
    Ok(buf)
}

/// Decodes a message written by [`encode`].
pub fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, String> {
    postcard::from_bytes(bytes).map_err(|e| format!("could not decode a message from the worker: {e}"))
}

/// The mapping a job uses: the page's (or detected), with the edits applied.
pub fn mapping_for(req: &Request, t: &Table) -> Mapping {
    let mut m = req.mapping.clone().unwrap_or_else(|| detect_mapping(t));
    for e in &req.edits {
        e.apply(&mut m, t);
    }
    m
}

/// Features then segmentation of `t` under `m`, reporting each stage to
/// `progress(stage, step, done, total)` (the analysis steps by name, rows
/// done while computing features) and timing it with `clock` (milliseconds):
/// [`features`] then [`segment_features`].
///
/// Errors: the feature stage's or the analysis' message, prefixed with the file name.
pub fn analyse(
    t: &Table,
    m: &Mapping,
    req: &Request,
    clock: &dyn Fn() -> f64,
    progress: &mut dyn FnMut(Stage, &str, f64, f64),
) -> Result<Outcome, String> {
    let t0 = clock();
    let ft = features(t, m, req, progress)?;
    let features_ms = clock() - t0;
    let mut out = segment_features(Arc::new(ft), req, clock, progress)?;
    out.features_ms = features_ms;
    Ok(out)
}

/// The feature stage of a job: per-account features of `t` under `m`,
/// reporting rows done to `progress` as [`Stage::Features`].
///
/// Errors: the feature stage's message, prefixed with the file name.
pub fn features(
    t: &Table,
    m: &Mapping,
    req: &Request,
    progress: &mut dyn FnMut(Stage, &str, f64, f64),
) -> Result<FeatureTable, String> {
    extract_with_progress(t, m, &mut |done, total| progress(Stage::Features, "", done as f64, total as f64))
        .map_err(|e| format!("{}: {e}", req.name))
}

/// The analysis stage of a job on features already computed, under the
/// job's settings, reporting each step to `progress` as [`Stage::Analysis`].
/// `features_ms` of the result is 0 (the caller times the features).
///
/// Errors: the analysis' message, prefixed with the file name.
pub fn segment_features(
    ft: Arc<FeatureTable>,
    req: &Request,
    clock: &dyn Fn() -> f64,
    progress: &mut dyn FnMut(Stage, &str, f64, f64),
) -> Result<Outcome, String> {
    let t1 = clock();
    let opts = req.settings.options(&ft);
    let seg = segment_timed(&ft, &opts, clock, &mut |step| progress(Stage::Analysis, step, 0.0, 0.0))
        .map_err(|e| format!("{}: {e}", req.name))?;
    let t2 = clock();
    Ok(Outcome {
        ft,
        seg,
        features_ms: 0.0,
        features_from: FeatureSource::Computed,
        analysis_ms: t2 - t1,
        memory_bytes: 0.0,
        rows_to_come: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::csv::SNIFF_BYTES;
    use crate::ingest::parse_bytes;
    use crate::sample::generate;

    #[test]
    fn a_job_survives_encoding_and_gives_the_same_segments() {
        let csv = generate(7, 300);
        let (d, t) = parse_bytes(csv.as_bytes()).unwrap();
        let req = Request {
            job: 3,
            file: 1,
            name: "s.csv".into(),
            ragged: RaggedRows::Skip,
            mapping: None,
            edits: vec![MappingEdit::Role(Role::Leverage, None), MappingEdit::Role(Role::Fee, None)],
            settings: Settings { k: Some(4), ..Default::default() },
            crash_test: false,
        };
        let req: Request = decode(&encode(&req).unwrap()).unwrap();
        let m = mapping_for(&req, &t);
        assert_eq!((m.get(Role::Leverage), m.get(Role::Fee)), (None, None), "both edits were applied");
        let mut stages = Vec::new();
        let ticks = std::cell::Cell::new(0.0);
        let clock = || {
            ticks.set(ticks.get() + 1.0);
            ticks.get()
        };
        let out = analyse(&t, &m, &req, &clock, &mut |s, step, done, total| {
            if s == Stage::Features {
                assert_eq!((done, total), (0.0, t.n_rows() as f64), "rows: first call at 0 of all");
            }
            stages.push((s, step.to_string()))
        })
        .unwrap();
        let mut expected = vec![(Stage::Features, String::new())];
        expected.extend(crate::analysis::STAGES.map(|s| (Stage::Analysis, s.to_string())));
        assert_eq!(stages, expected, "every stage and analysis step reported once, in order");
        let names: Vec<&str> = out.seg.stage_ms.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(names, ["scale", "k sweep", "cluster", "silhouette and stability", "PCA", "profiles and anomalies"]);
        assert!(out.seg.stage_ms.iter().all(|(_, ms)| *ms == 1.0), "each stage timed once: {:?}", out.seg.stage_ms);
        assert_eq!(out.seg.k, 4);
        assert!(out.ft.defs.iter().all(|d| !d.key.contains("leverage")));
        let resp = Response::Done { job: 3, mapping: m.clone(), outcome: Box::new(out.clone()) };
        let Response::Done { job, mapping, outcome } = decode(&encode(&resp).unwrap()).unwrap() else {
            panic!("wrong variant")
        };
        assert_eq!((job, &mapping), (3, &m));
        assert_eq!(outcome.seg.segments, out.seg.segments);
        assert_eq!(outcome.ft.ids, out.ft.ids);
        // NaN (undefined features) must survive: postcard writes f64 bits.
        let nan_in = out.ft.values.iter().filter(|v| v.is_nan()).count();
        assert_eq!(outcome.ft.values.iter().filter(|v| v.is_nan()).count(), nan_in);
        assert_eq!(TableSummary::of(&t, d).n_rows, t.n_rows());
    }

    /// The features of `ft` and `other` are the same, NaN included.
    fn assert_same_features(a: &FeatureTable, b: &FeatureTable) {
        assert_eq!(a.ids, b.ids);
        assert_eq!(a.defs, b.defs);
        assert_eq!(a.values.dim(), b.values.dim());
        assert!(a.values.iter().zip(b.values.iter()).all(|(x, y)| x.to_bits() == y.to_bits()), "values differ");
        assert_eq!((a.rows_used, &a.skipped, &a.ignored_cells), (b.rows_used, &b.skipped, &b.ignored_cells));
        assert_eq!((&a.notes, &a.not_computed), (&b.notes, &b.not_computed));
    }

    fn describe(s: Streamed) -> String {
        match s {
            Streamed::Features { .. } => "features".into(),
            Streamed::Table { .. } => "table".into(),
            Streamed::ReadAgain { why } => format!("read again: {why}"),
        }
    }

    fn request(mapping: Option<Mapping>, edits: Vec<MappingEdit>) -> Request {
        Request {
            job: 1,
            file: 1,
            name: "f.csv".into(),
            ragged: RaggedRows::Skip,
            mapping,
            edits,
            settings: Settings::default(),
            crash_test: false,
        }
    }

    fn stream(bytes: &[u8], req: &Request, chunk: usize, head_rows: usize) -> Streamed {
        let mut s = Streaming::new(req, bytes.len() as u64, head_rows);
        for c in bytes.chunks(chunk) {
            s.feed(c).unwrap();
        }
        s.finish().unwrap()
    }

    /// Streams `bytes[..split]` and reads the rest with a [`PartReader`], as
    /// two workers do: the merged result, or `None` if the parts were refused.
    fn read_in_two_parts(bytes: &[u8], split: usize, head_rows: usize) -> Option<Streamed> {
        read_in_two_parts_fed(bytes, split, head_rows, 997)
    }

    /// [`read_in_two_parts`], the first part fed in chunks of `chunk` bytes.
    fn read_in_two_parts_fed(bytes: &[u8], split: usize, head_rows: usize, chunk: usize) -> Option<Streamed> {
        let mut s = Streaming::new(&request(None, vec![]), bytes.len() as u64, head_rows);
        for c in bytes[..split].chunks(chunk) {
            s.feed(c).unwrap();
        }
        let header = &bytes[..bytes.iter().position(|&b| b == b'\n').unwrap() + 1];
        let spec = s.part_spec(header, RaggedRows::Skip).expect("a part can be read");
        // The spec travels between workers.
        let spec: PartSpec = decode(&encode(&spec).unwrap()).unwrap();
        let mut part = PartReader::new(&spec).unwrap();
        for c in bytes[split..].chunks(4096) {
            part.feed(c).unwrap();
        }
        let result: PartResult = decode(&encode(&part.finish().unwrap()).unwrap()).unwrap();
        if !s.merge_part(result) {
            return None;
        }
        Some(s.finish().unwrap())
    }

    #[test]
    fn a_file_read_in_two_parts_gives_the_features_of_one_read() {
        let mut trades = generate(11, 400);
        // Rows skipped in the second part keep their file row numbers.
        let at = trades.len() * 3 / 4;
        let line = at + trades[at..].find('\n').unwrap() + 1;
        let (_, end) = trades[line..].split_once('\n').unwrap();
        let bad = "ACC00001,not a time,BTC-PERPETUAL,buy,1,100,1,0,0,maker\n".to_string();
        trades = format!("{}{bad}{end}", &trades[..line]);
        let bytes = trades.as_bytes();
        let (_, whole) = parse_bytes(bytes).unwrap();
        // The last case: the columns are decided by the one feed before the
        // cut, so the head's rows are still pending when the part is merged.
        let after_head = SNIFF_BYTES + bytes[SNIFF_BYTES..].iter().position(|&b| b == b'\n').unwrap() + 1;
        let line_after = |frac: f64| {
            let at = (bytes.len() as f64 * frac) as usize;
            at + bytes[at..].iter().position(|&b| b == b'\n').unwrap() + 1
        };
        for (frac, split, chunk) in [
            (0.3, line_after(0.3), 997),
            (0.5, line_after(0.5), 997),
            (0.9, line_after(0.9), 997),
            (0.0, after_head, after_head),
        ] {
            let Some(Streamed::Features { summary, mapping, ft }) = read_in_two_parts_fed(bytes, split, 500, chunk)
            else {
                panic!("{frac}: parts refused or not streamed")
            };
            let (a, b) = (ft.unwrap(), extract_with_progress(&whole, &mapping, &mut |_, _| {}).unwrap());
            assert_eq!(summary.n_rows, whole.n_rows(), "{frac}");
            assert_eq!((&a.ids, &a.defs, a.values.dim()), (&b.ids, &b.defs, b.values.dim()), "{frac}");
            // Sums over two parts are added: the last bits may differ.
            for (x, y) in a.values.iter().zip(b.values.iter()) {
                assert!(x.to_bits() == y.to_bits() || (x - y).abs() <= 1e-12 * y.abs().max(1.0), "{frac}: {x} vs {y}");
            }
            assert!(a.skipped.iter().any(|s| s.count == 1), "{frac}: {:?}", a.skipped);
            assert_eq!(
                (a.rows_used, &a.skipped, &a.ignored_cells),
                (b.rows_used, &b.skipped, &b.ignored_cells),
                "{frac}"
            );
            assert_eq!((&a.notes, &a.not_computed), (&b.notes, &b.not_computed), "{frac}");
            assert!(summary.source_notes.iter().any(|n| n == PARTS_NOTE), "{frac}");
        }
        // Not at a record boundary (the middle of a line): refused.
        let mid = bytes.len() / 2;
        let mid = mid + bytes[mid..].iter().position(|&b| b == b',').unwrap();
        assert!(read_in_two_parts(bytes, mid, 500).is_none());
    }

    #[test]
    fn transactions_read_in_two_parts_merge_orders_and_products_first_seen_in_the_second() {
        // Invoices (order ids) and products keep appearing for the first time all through the file.
        let tx: String = std::iter::once("invoice,customer,product,quantity,price,date\n".to_string())
            .chain((0..6000).map(|i| {
                let qty = if i % 41 == 0 { -1 } else { 1 + i % 5 };
                format!(
                    "INV{},C{},P{},{qty},{}.25,2026-0{}-1{}T10:00:00Z\n",
                    i / 3,
                    i % 53,
                    i / 40,
                    3 + i % 17,
                    1 + i % 9,
                    i % 10
                )
            }))
            .collect();
        let bytes = tx.as_bytes();
        let (_, whole) = parse_bytes(bytes).unwrap();
        let at = bytes.len() / 2;
        let split = at + bytes[at..].iter().position(|&b| b == b'\n').unwrap() + 1;
        let Some(Streamed::Features { mapping, ft, .. }) = read_in_two_parts(bytes, split, 500) else {
            panic!("parts refused or not streamed")
        };
        assert_eq!(mapping.kind, DataKind::Transactions);
        let (a, b) = (ft.unwrap(), extract_with_progress(&whole, &mapping, &mut |_, _| {}).unwrap());
        assert_eq!((&a.ids, &a.defs, &a.notes, &a.skipped), (&b.ids, &b.defs, &b.notes, &b.skipped));
        for (x, y) in a.values.iter().zip(b.values.iter()) {
            assert!(x.to_bits() == y.to_bits() || (x - y).abs() <= 1e-12 * y.abs().max(1.0), "{x} vs {y}");
        }
    }

    #[test]
    fn a_part_is_refused_inside_a_quoted_field_or_with_irregular_rows() {
        let head: String = std::iter::once("account,time,instrument,side,qty,price\n".to_string())
            .chain(
                (0..3000)
                    .map(|i| format!("a{},2026-01-0{}T00:00:00Z,BTC-USD,buy,1,{}\n", i % 7, 1 + i % 9, 100 + i % 13)),
            )
            .collect();
        // The split falls after a line end inside quotes, where the rest
        // would read as a clean part of six fields (a price of `7"`): only
        // the boundary check refuses it.
        let quoted =
            format!("{head}a1,2026-01-02T00:00:00Z,BTC-USD,buy,1,\"5\na2,2026-01-02T00:00:00Z,ETH-USD,buy,1,7\"\n");
        let split = quoted.find("\"5\n").unwrap() + 3;
        assert!(read_in_two_parts(quoted.as_bytes(), split, 50).is_none());
        // A file whose first line is blank: the header is not its first line.
        let blank = format!("\n{head}a2,2026-01-02T00:00:00Z,ETH-USD,buy,2,3\n");
        let mut s = Streaming::new(&request(None, vec![]), blank.len() as u64, 50);
        s.feed(blank.as_bytes()).unwrap();
        assert!(s.part_spec(b"\n", RaggedRows::Skip).is_none());
        // A ragged row in the part: read in sequence, where it is reported.
        let ragged = format!("{head}a1,2026-01-02T00:00:00Z,BTC-USD\na2,2026-01-02T00:00:00Z,ETH-USD,buy,2,3\n");
        assert!(read_in_two_parts(ragged.as_bytes(), head.len(), 50).is_none());
        let plain = format!("{head}a2,2026-01-02T00:00:00Z,ETH-USD,buy,2,3\n");
        assert!(read_in_two_parts(plain.as_bytes(), head.len(), 50).is_some());
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
                    mapping.notes.iter().any(|n| n.contains(&format!("first {} rows", thousands(head_rows)))),
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
    fn a_large_result_sent_in_parts_arrives_whole() {
        let (_, t) = parse_bytes(generate(3, 200).as_bytes()).unwrap();
        let req = request(None, vec![]);
        let m = mapping_for(&req, &t);
        let out = analyse(&t, &m, &req, &|| 0.0, &mut |_, _, _, _| {}).unwrap();
        let n = out.ft.ids.len();
        let done = Response::Done { job: 4, mapping: m.clone(), outcome: Box::new(out.clone()) };
        let (first, rest) = split_result(done, 64);
        let mut messages = vec![first];
        messages.extend(rest);
        assert_eq!(messages.len(), 1 + n.div_ceil(64));
        let mut a = Assembler::default();
        let mut delivered = Vec::new();
        for msg in messages {
            // Each part goes through encoding, as between worker and page.
            let msg: Response = decode(&encode(&msg).unwrap()).unwrap();
            if let Response::Rows { ids, .. } = &msg {
                assert!(ids.len() <= 64);
            }
            delivered.extend(a.push(msg));
        }
        let [Response::Done { job: 4, mapping, outcome }] = &delivered[..] else { panic!("one whole Done") };
        assert_eq!(mapping, &m);
        assert_eq!(outcome.rows_to_come, 0);
        assert_same_features(&outcome.ft, &out.ft);
        assert_eq!(outcome.seg.segments, out.seg.segments);
        // A small result is not split; other responses pass at once.
        let small = Response::Done { job: 5, mapping: m, outcome: Box::new(out) };
        let (first, mut rest) = split_result(small, n);
        assert!(rest.next().is_none());
        assert!(matches!(a.push(first), Some(Response::Done { job: 5, .. })));
        assert!(matches!(a.push(Response::Ready), Some(Response::Ready)));
    }

    #[test]
    fn errors_name_the_file() {
        let (_, t) = parse_bytes(b"customer_id,spend\n1,10\n2,20\n").unwrap();
        let req = Request {
            job: 1,
            file: 1,
            name: "two.csv".into(),
            ragged: RaggedRows::Skip,
            mapping: None,
            edits: vec![],
            settings: Settings { k: Some(5), ..Default::default() },
            crash_test: false,
        };
        let m = mapping_for(&req, &t);
        let err = analyse(&t, &m, &req, &|| 0.0, &mut |_, _, _, _| {}).unwrap_err();
        assert!(err.starts_with("two.csv: "), "{err}");
    }
}
