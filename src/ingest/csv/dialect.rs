//! Dialect sniffing: which delimiter and quote character a file uses, decided
//! on its first records, and how much of the file's start to look at.

use crate::ingest::IngestError;
use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

/// Delimiters tried by [`detect_dialect`], in order of preference on ties.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];
/// Quote characters tried by [`detect_dialect`], in order of preference on ties.
pub const QUOTES: [u8; 2] = [b'"', b'\''];

/// The CSV dialect of a file: field delimiter and quote character.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Dialect {
    /// Field delimiter byte (detection picks one of [`DELIMITERS`]).
    pub delimiter: u8,
    /// Quote byte (detection picks one of [`QUOTES`]); `None` when the file
    /// is read with quoting off ([`Quoting::Off`]): quote characters are
    /// then ordinary text, and every line break ends a record.
    pub quote: Option<u8>,
}

/// Whether quote characters are special when a file is read (select
/// **Quoting** in the page; button **Read with quoting off** next to a
/// quote that does not close).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Quoting {
    /// Detect the quote character ([`QUOTES`]): a quoted field may hold the
    /// delimiter and line breaks.
    #[default]
    Auto,
    /// No quote character: `"` and `'` are ordinary characters, a field ends
    /// at the next delimiter and a record at the next line break. For a file
    /// whose stray quote would otherwise swallow the rows after it
    /// ([`IngestError::OpenQuote`]).
    Off,
}

impl Quoting {
    /// Both choices, in the order offered to the user.
    pub const ALL: [Quoting; 2] = [Quoting::Auto, Quoting::Off];

    /// The choice as offered to the user.
    pub fn label(self) -> &'static str {
        match self {
            Quoting::Auto => "Detect quotes (\" or ')",
            Quoting::Off => "Quoting off (quotes are ordinary characters)",
        }
    }
}

/// The data note of a file read with [`Quoting::Off`].
pub const QUOTING_OFF_NOTE: &str = "Read with quoting off: quote characters were read as ordinary text, so every line break ends a row and every delimiter ends a field (a field that was meant to be quoted around a delimiter splits, and its row is counted with the wrong number of fields). Choose \"Detect quotes\" under Quoting to read quotes again.";

impl Dialect {
    /// Human-readable name of the delimiter, for notices (`comma`, `semicolon`, `tab`, `pipe`).
    pub fn delimiter_name(&self) -> &'static str {
        match self.delimiter {
            0 => "JSON",
            1 => "workbook",
            2 => "Parquet",
            b',' => "comma",
            b';' => "semicolon",
            b'\t' => "tab",
            b'|' => "pipe",
            _ => "other",
        }
    }
}

impl Dialect {
    /// The "dialect" of a JSON file ([`crate::ingest::json`]): no delimiter.
    pub const JSON: Dialect = Dialect { delimiter: 0, quote: None };

    /// Whether the file was read as JSON.
    pub fn is_json(&self) -> bool {
        self.delimiter == 0
    }

    /// The "dialect" of a spreadsheet workbook ([`crate::ingest::workbook`]): cells, no delimiter.
    pub const WORKBOOK: Dialect = Dialect { delimiter: 1, quote: None };

    /// Whether the file was read as a workbook.
    pub fn is_workbook(&self) -> bool {
        self.delimiter == 1
    }

    /// The "dialect" of a Parquet file ([`crate::ingest::parquet`]): typed columns, no delimiter.
    pub const PARQUET: Dialect = Dialect { delimiter: 2, quote: None };

    /// Whether the file was read as Parquet.
    pub fn is_parquet(&self) -> bool {
        self.delimiter == 2
    }
}

/// csv-core's reader for dialect `d` (csv-core's default terminator: `\r`, `\n`
/// or `\r\n` ends a record).
pub(super) fn reader_for(d: Dialect) -> Reader {
    ReaderBuilder::new().delimiter(d.delimiter).quote(d.quote.unwrap_or(b'"')).quoting(d.quote.is_some()).build()
}

/// Field counts of the first records of `sample` under dialect `d` (at most
/// `max_records`). Records may have any number of fields (the buffers grow).
fn field_counts(sample: &[u8], d: Dialect, max_records: usize) -> Vec<usize> {
    let mut rdr = reader_for(d);
    let mut out = vec![0u8; sample.len().max(64)];
    let mut ends = vec![0usize; 256];
    let (mut out_len, mut ends_len) = (0, 0);
    let mut input = sample;
    let mut counts = Vec::new();
    while counts.len() < max_records {
        let (res, nin, nout, nend) = rdr.read_record(input, &mut out[out_len..], &mut ends[ends_len..]);
        input = &input[nin..];
        out_len += nout;
        ends_len += nend;
        match res {
            ReadRecordResult::Record => {
                counts.push(ends_len);
                (out_len, ends_len) = (0, 0);
            }
            // The sample is a prefix of the file: its last record may be cut,
            // so only complete records count.
            ReadRecordResult::InputEmpty | ReadRecordResult::End => break,
            ReadRecordResult::OutputFull => out.resize(out.len() * 2, 0),
            ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
        }
    }
    counts
}

/// Detects delimiter and quote character from the start of a file.
///
/// For each candidate dialect the first 100 complete records are split; the
/// winner is the dialect whose records most often have the header's field
/// count, then the one with more fields (a file with no delimiter at all is
/// one column, which is valid CSV). `sample` should hold at least the header
/// and one data row, complete ([`TableReader`](super::TableReader) passes the first
/// [`SNIFF_BYTES`], more when a row is longer: see [`MAX_SNIFF_BYTES`]).
///
/// Errors: [`IngestError::Empty`] if `sample` holds no bytes but a BOM and
/// whitespace; [`IngestError::Binary`] if it contains NUL bytes or is mostly
/// control characters.
pub fn detect_dialect(sample: &[u8]) -> Result<Dialect, IngestError> {
    detect_dialect_with(sample, Quoting::Auto)
}

/// As [`detect_dialect`], with quoting `quoting`: under [`Quoting::Off`]
/// only the delimiter is detected, and the dialect has no quote.
///
/// Errors: as [`detect_dialect`].
pub fn detect_dialect_with(sample: &[u8], quoting: Quoting) -> Result<Dialect, IngestError> {
    let sample = strip_bom(sample);
    if sample.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(IngestError::Empty);
    }
    check_not_binary(sample)?;
    let quotes: &[Option<u8>] = match quoting {
        Quoting::Auto => &[Some(QUOTES[0]), Some(QUOTES[1])],
        Quoting::Off => &[None],
    };
    let mut best = (Dialect { delimiter: b',', quote: quotes[0] }, -1.0f64, 0usize);
    for &quote in quotes {
        for &delimiter in &DELIMITERS {
            let d = Dialect { delimiter, quote };
            let counts = field_counts(sample, d, 100);
            let Some(&header) = counts.first() else { continue };
            let consistent = counts.iter().filter(|&&c| c == header).count() as f64 / counts.len() as f64;
            // A single column is consistent by definition; only prefer it when nothing splits.
            let score = if header > 1 { consistent } else { consistent * 0.5 };
            if score > best.1 + 1e-9 || ((score - best.1).abs() <= 1e-9 && header > best.2) {
                best = (d, score, header);
            }
        }
    }
    Ok(best.0)
}

/// Removes a UTF-8 byte-order mark.
pub fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(b)
}

/// Rejects input that is clearly not text: any NUL byte, or more than 10 %
/// control characters other than tab, CR and LF.
fn check_not_binary(sample: &[u8]) -> Result<(), IngestError> {
    let head = &sample[..sample.len().min(64 * 1024)];
    if head.contains(&0) {
        return Err(IngestError::Binary);
    }
    let controls = head.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n')).count();
    if controls * 10 > head.len() {
        return Err(IngestError::Binary);
    }
    Ok(())
}

/// Bytes of decoded text looked at to detect the CSV dialect (more when the
/// header and the first data row are longer, up to [`MAX_SNIFF_BYTES`]).
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Most decoded text looked at to detect the dialect (4 MiB, one browser
/// slice): enough for the header and a first row of tens of thousands of
/// columns. A file whose first two lines are longer is sniffed on this prefix.
pub const MAX_SNIFF_BYTES: usize = 4 << 20;

/// Finds where the second line of the file ends (header and one data row),
/// scanning each byte of the growing head once.
#[derive(Default)]
pub(super) struct LineScan {
    /// Bytes of the head scanned so far.
    pos: usize,
    /// Line ends ("\r\n", "\n" or "\r") seen so far.
    lines: usize,
}

impl LineScan {
    /// How much of `head` to sniff the dialect on: [`SNIFF_BYTES`], extended
    /// to the end of the second line up to [`MAX_SNIFF_BYTES`]. `None` while
    /// more text is needed and may come (`last` = the file has ended).
    pub(super) fn sniff_len(&mut self, head: &[u8], last: bool) -> Option<usize> {
        let limit = head.len().min(MAX_SNIFF_BYTES);
        while self.pos < limit && self.lines < 2 {
            match head[self.pos] {
                b'\n' => self.lines += 1,
                // A CR is a line end unless an LF follows; wait for the next byte.
                b'\r' if self.pos + 1 == head.len() && !last => break,
                b'\r' if head.get(self.pos + 1) != Some(&b'\n') => self.lines += 1,
                _ => {}
            }
            self.pos += 1;
        }
        if self.lines == 2 {
            Some(self.pos.max(SNIFF_BYTES).min(head.len()))
        } else if head.len() >= MAX_SNIFF_BYTES {
            Some(MAX_SNIFF_BYTES)
        } else if last {
            Some(head.len())
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::csv::TableReader;

    #[test]
    fn detects_delimiters_and_quotes() {
        assert_eq!(detect_dialect(b"a;b;c\n1;2;3\n").unwrap().delimiter, b';');
        assert_eq!(detect_dialect(b"a\tb\n1\t2\n").unwrap().delimiter, b'\t');
        assert_eq!(detect_dialect(b"a,b\n\"1,5\",2\n").unwrap(), Dialect { delimiter: b',', quote: Some(b'"') });
        // Semicolon file whose cells contain commas (decimal commas).
        assert_eq!(detect_dialect(b"a;b\n1,5;2,5\n3,1;4,0\n").unwrap().delimiter, b';');
        assert_eq!(detect_dialect(b"a,b\n'x,y',2\n'z,w',3\n").unwrap().quote, Some(b'\''));
        // Quoting off: the delimiter only, quotes are text.
        let off = detect_dialect_with(b"a;b\n\"x;y\";2\n", Quoting::Off).unwrap();
        assert_eq!(off, Dialect { delimiter: b';', quote: None });
    }

    #[test]
    fn headers_wider_than_the_sniffed_bytes_are_detected() {
        // 10,000 semicolon-separated columns: the header alone is ~110 KB,
        // more than SNIFF_BYTES, and a record has more than 4,096 fields.
        let header: Vec<String> = (0..10_000).map(|j| format!("col_{j:05}")).collect();
        let row: Vec<String> = (0..10_000).map(|j| format!("{},5", j % 7)).collect();
        let f = format!("{}\n{}\n{}\n", header.join(";"), row.join(";"), row.join(";"));
        assert!(header.join(";").len() > SNIFF_BYTES);
        assert_eq!(detect_dialect(f.as_bytes()).unwrap().delimiter, b';');
        for chunk in [4096, 1 << 20] {
            let (d, t) = {
                let mut r = TableReader::new();
                f.as_bytes().chunks(chunk).try_for_each(|c| r.feed(c)).unwrap();
                r.finish().unwrap()
            };
            assert_eq!(d.delimiter, b';', "chunk {chunk}");
            assert_eq!((t.n_cols(), t.n_rows(), t.ragged_count), (10_000, 2, 0));
            assert_eq!(t.cell(1, 9_999), "3,5");
        }
        // The sniffed prefix ends after the first data row, and is cut at MAX_SNIFF_BYTES.
        let mut scan = LineScan::default();
        assert_eq!(scan.sniff_len(&f.as_bytes()[..100], false), None, "waits for more");
        let two_lines = header.join(";").len() + row.join(";").len() + 2;
        assert_eq!(scan.sniff_len(f.as_bytes(), false), Some(two_lines));
        assert_eq!(LineScan::default().sniff_len(b"a,b\r\n1,2\r\n3,4\r\n", true), Some(15), "whole short file");
        assert_eq!(LineScan::default().sniff_len(&vec![b'x'; MAX_SNIFF_BYTES + 5], false), Some(MAX_SNIFF_BYTES));
    }
}
