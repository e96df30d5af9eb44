//! How long a very wide file takes natively, stage by stage, as the worker
//! runs it: reading (a [`TableReader`] fed in 4 MiB slices, as the page's Blob
//! slices), the mapping (detection), the features and the summary sent to
//! the page (encoded as postcard), what the page's thread does with them
//! (decoding, the mapping sent with each job, a search of the column names). The file is generated: `COLUMNS` columns
//! (`c1`, `c2`, ...) of one-digit values over `ROWS` rows, the first column
//! an id. Prints one line per stage, in milliseconds.
//!
//! Then, as the case, a customer table of 200 one-digit columns
//! declared as 1,073,741,823 bytes, streamed as the worker streams it
//! (its slices generated as they are fed, so nothing that large is held):
//! where it is refused, and the message.
//!
//! Usage: `cargo run --release --example wide_header -- [COLUMNS [ROWS]]`
//! (defaults: 1,000,000 columns, 3 rows).

use segscope::features::extract;
use segscope::ingest::{detect_mapping, TableReader};
use segscope::job::{decode, encode, Request, Response, Settings, Streaming, TableSummary, HEAD_ROWS};
use std::time::Instant;

/// Streams a customer table of 200 one-digit columns declared as `size`
/// bytes, 4 MiB at a time, until it is refused or `size` bytes were fed.
fn refuse_large_customer_table(size: u64) -> Result<(), Box<dyn std::error::Error>> {
    let req = Request {
        job: 1,
        file: 1,
        name: "customers.csv".into(),
        ragged: Default::default(),
        quoting: Default::default(),
        sheet: None,
        mapping: None,
        edits: vec![],
        settings: Settings::default(),
        crash_test: false,
        model: None,
    };
    let t = Instant::now();
    let mut s = Streaming::new(&req, size, HEAD_ROWS);
    let mut text = String::from("customer_id");
    (1..200).for_each(|c| text.push_str(&format!(",x{c}")));
    text.push('\n');
    let (mut fed, mut row) = (0u64, 0u64);
    while fed < size {
        while text.len() < 4 << 20 {
            text.push_str(&format!("C{row:09}"));
            (1..200).for_each(|c| text.push_str(if (row as usize * 7 + c).is_multiple_of(3) { ",1" } else { ",2" }));
            text.push('\n');
            row += 1;
        }
        fed += text.len() as u64;
        if let Err(e) = s.feed(text.as_bytes()) {
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            println!("customer table of {size} bytes, 200 columns: refused after {fed} bytes, {ms:.0} ms: {e}");
            return Ok(());
        }
        text.clear();
    }
    println!("customer table of {size} bytes: not refused");
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse()).collect::<Result<_, _>>()?;
    let cols = args.first().copied().unwrap_or(1_000_000);
    let rows = args.get(1).copied().unwrap_or(3);
    let mut csv = String::from("id");
    (1..cols).for_each(|c| csv.push_str(&format!(",c{c}")));
    for r in 0..rows {
        csv.push_str(&format!("\nC{:05}", r + 1));
        (1..cols).for_each(|c| csv.push_str(if (r + c).is_multiple_of(2) { ",1" } else { ",2" }));
    }
    csv.push('\n');
    println!("{cols} columns x {rows} rows: {} bytes", csv.len());
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1000.0;

    let t = Instant::now();
    let mut reader = TableReader::new().size_hint(csv.len() as u64);
    let read = csv.as_bytes().chunks(4 << 20).try_for_each(|c| reader.feed(c)).and_then(|_| reader.finish());
    println!("read: {:.0} ms", ms(t));
    let (dialect, table) = match read {
        Ok(r) => r,
        Err(e) => {
            println!("refused: {e}");
            return refuse_large_customer_table(1_073_741_823);
        }
    };
    let t = Instant::now();
    let mapping = detect_mapping(&table);
    println!("mapping: {:.0} ms ({:?}, {} feature columns)", ms(t), mapping.kind, mapping.feature_columns.len());
    let t = Instant::now();
    let ft = extract(&table, &mapping);
    println!("features: {:.0} ms ({})", ms(t), ft.map_or_else(|e| e.to_string(), |f| format!("{:?}", f.values.dim())));
    let t = Instant::now();
    let bytes = encode(&Response::Read { job: 1, file: 1, summary: TableSummary::of(&table, dialect), read_ms: 0.0 })?;
    println!("summary message, encode: {:.0} ms ({} bytes)", ms(t), bytes.len());
    // What the page's thread does with it: decode the summary, and encode the mapping with each job.
    let t = Instant::now();
    let _: Response = decode(&bytes)?;
    println!("summary message, decode (page): {:.0} ms", ms(t));
    let t = Instant::now();
    let req = Request {
        job: 2,
        file: 1,
        name: "wide.csv".into(),
        ragged: Default::default(),
        quoting: Default::default(),
        sheet: None,
        mapping: Some(mapping),
        edits: vec![],
        settings: Settings::default(),
        crash_test: false,
        model: None,
    };
    let bytes = encode(&req)?;
    println!("request with the mapping, encode (page): {:.0} ms ({} bytes)", ms(t), bytes.len());
    // "Find a column" on the page: a query that matches nothing scans every name.
    let t = Instant::now();
    let found = segscope::view_model::columns::find_columns(&table.headers, "no such column", 50);
    println!("find a column, no match (page): {:.1} ms ({} found)", ms(t), found.len());
    refuse_large_customer_table(1_073_741_823)?;
    refuse_large_customer_table(600_000_000)
}
