//! The second reader of a large file ([`PartReader`]): a later part, read
//! from a record boundary by another worker into per-account aggregates
//! that the first reader merges ([`super::Streaming::merge_part`]).

use super::streaming::{push_checked, HeadChecks};
use super::{JobError, PartResult, PartSpec};
use crate::features::FeatureBuilder;
use crate::ingest::{IngestError, StreamParser};

/// The data note of a file read in two parts at once.
pub const PARTS_NOTE: &str = "Read in two parts at once, by two workers, and the per-account totals of the parts added: a total can differ from a one-pass read by the rounding of one addition (about 1e-16 of the larger part).";

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
    /// Errors: [`JobError::Part`] if the header line or the mapping cannot be used.
    pub fn new(spec: &PartSpec) -> Result<Self, JobError> {
        let parser = header_parser(spec)?;
        let builder = FeatureBuilder::new(&spec.headers, &spec.mapping).map_err(JobError::part)?;
        let checks = HeadChecks::for_part(spec.empty.clone());
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
        let clean = irregular == 0 && !checks.is_broken();
        let accounts = builder.into_partial().ok_or(IngestError::Empty)?;
        Ok(PartResult { accounts, rows, clean })
    }
}

/// A parser that has read `spec.header` and nothing else: errors unless
/// that line is one whole record, the header row, whose column names are
/// `spec.headers` (a file that starts with a blank line, say, is refused:
/// [`JobError::Part`]).
pub(super) fn header_parser(spec: &PartSpec) -> Result<StreamParser, JobError> {
    let mut parser = StreamParser::new(spec.dialect).ragged(spec.ragged);
    parser.feed(&spec.header).map_err(JobError::part)?;
    let head = parser.take_rows();
    if parser.records() != 1 || !parser.at_record_start() || head.n_rows() != 0 || head.headers != spec.headers {
        return Err(JobError::part("the file's first line is not its header row"));
    }
    Ok(parser)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::extract_with_progress;
    use crate::ingest::csv::SNIFF_BYTES;
    use crate::ingest::{parse_bytes, DataKind, RaggedRows};
    use crate::job::test_util::{assert_same_risk, close, request, with_stray_quote};
    use crate::job::{decode, encode, Streamed, Streaming};
    use crate::sample::generate;

    /// Streams `bytes[..split]` and reads the rest with a [`PartReader`], as
    /// two workers do: the merged result, or `None` if the parts were refused.
    fn read_in_two_parts(bytes: &[u8], split: usize, head_rows: usize) -> Option<Streamed> {
        read_in_two_parts_fed(bytes, split, head_rows, 997)
    }

    /// [`read_in_two_parts`], the first part fed in chunks of `chunk` bytes.
    fn read_in_two_parts_fed(bytes: &[u8], split: usize, head_rows: usize, chunk: usize) -> Option<Streamed> {
        read_in_two_parts_with(&request(None, vec![]), bytes, split, head_rows, chunk)
    }

    /// [`read_in_two_parts_fed`] for job `req` (its reading choices).
    fn read_in_two_parts_with(
        req: &crate::job::Request,
        bytes: &[u8],
        split: usize,
        head_rows: usize,
        chunk: usize,
    ) -> Option<Streamed> {
        let mut s = Streaming::new(req, bytes.len() as u64, head_rows);
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
    fn with_quoting_off_a_file_with_stray_quotes_is_read_in_two_parts() {
        use crate::ingest::csv::QUOTING_OFF_NOTE;
        use crate::ingest::{Quoting, TableReader};
        let sample = generate(11, 400);
        let n = sample.lines().count();
        // One stray quote in each part.
        let csv = with_stray_quote(&with_stray_quote(&sample, 41), n * 4 / 5);
        let bytes = csv.as_bytes();
        let mut req = request(None, vec![]);
        req.quoting = Quoting::Off;
        let mut r = TableReader::new().quoting(Quoting::Off);
        r.feed(bytes).unwrap();
        let (_, whole) = r.finish().unwrap();
        let at = bytes.len() / 2;
        let split = at + bytes[at..].iter().position(|&b| b == b'\n').unwrap() + 1;
        let Some(Streamed::Features { summary, mapping, ft }) = read_in_two_parts_with(&req, bytes, split, 500, 997)
        else {
            panic!("not read in two parts")
        };
        assert_eq!((summary.n_rows, summary.dialect.quote), (whole.n_rows(), None));
        assert!(summary.source_notes.iter().any(|n| n == QUOTING_OFF_NOTE));
        let (ft, b) = (ft.unwrap(), extract_with_progress(&whole, &mapping, &mut |_, _| {}).unwrap());
        assert_eq!(
            (&ft.ids, ft.values.dim(), ft.rows_used, &ft.skipped),
            (&b.ids, b.values.dim(), b.rows_used, &b.skipped)
        );
        // Sums over two parts are added: the last bits may differ.
        assert!(ft.values.iter().zip(&b.values).all(|(x, y)| close(*x, *y)));
        assert_eq!(ft.rows_used, n - 3, "all rows but the two with a stray quote");
        assert_eq!(ft.skipped[0].examples, [42, n as u32 * 4 / 5 + 1]);
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
            assert_same_risk(&a, &b);
            // Sums over two parts are added: the last bits may differ.
            for (x, y) in a.values.iter().zip(b.values.iter()) {
                assert!(close(*x, *y), "{frac}: {x} vs {y}");
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
            assert!(close(*x, *y), "{x} vs {y}");
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
}
