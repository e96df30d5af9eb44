//! The whole native pipeline (ingest -> features -> segmentation -> export)
//! on the built-in sample and on the real files in ../shared/data (skipped,
//! with a printed reason, when that folder is absent).

use segscope::analysis::{segment, SegmentOptions};
use segscope::export::assignments_csv;
use segscope::features::extract;
use segscope::ingest::{detect_mapping, parse_bytes, DataKind, Role, TableReader};
use segscope::job::Settings;
use std::path::PathBuf;

fn shared(name: &str) -> Option<Vec<u8>> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(name);
    match std::fs::read(&p) {
        Ok(b) => Some(b),
        Err(e) => {
            println!("SKIP {name}: {} not readable ({e})", p.display());
            None
        }
    }
}

struct Outcome {
    accounts: usize,
    k: usize,
    csv: String,
    mapping: segscope::ingest::Mapping,
    headers: Vec<String>,
}

fn run(bytes: &[u8]) -> Outcome {
    // Parse in 64 KiB chunks, as the browser does.
    let mut r = TableReader::new();
    for c in bytes.chunks(65536) {
        r.feed(c).unwrap();
    }
    let (_, t) = r.finish().unwrap();
    let m = detect_mapping(&t);
    let ft = extract(&t, &m).unwrap();
    // The page's default settings (behaviour features, k by the Calinski-Harabasz index).
    let s = segment(&ft, &Settings::default().options(&ft)).unwrap();
    assert_eq!(s.profiles.len(), s.k);
    assert_eq!(s.profiles.iter().map(|p| p.size).sum::<usize>(), ft.ids.len());
    Outcome {
        accounts: ft.ids.len(),
        k: s.k,
        csv: assignments_csv(&ft, &s, None, None),
        mapping: m,
        headers: t.headers.clone(),
    }
}

fn col(o: &Outcome, r: Role) -> Option<&str> {
    o.mapping.get(r).map(|c| o.headers[c].as_str())
}

#[test]
fn sample_trades() {
    let o = run(segscope::sample::sample_csv().as_bytes());
    assert_eq!(o.accounts, 3000);
    assert_eq!(o.mapping.kind, DataKind::Trades);
    assert_eq!(o.csv.lines().count(), 3001);
    assert!(o.csv.starts_with("account_id,segment,pc1,pc2,anomaly_score,top_anomaly,anomaly_features,trade_count,"));
    println!("sample: k = {}", o.k);
    // The same seed gives the same segments natively and in wasm: the e2e test
    // compares the page's download with this committed file.
    let segments: String =
        o.csv.lines().map(|l| l.splitn(3, ',').take(2).collect::<Vec<_>>().join(",") + "\n").collect();
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/sample_segments.csv");
    if std::env::var_os("SEGSCOPE_BLESS").is_some() {
        std::fs::write(&fixture, &segments).unwrap();
    }
    let expected =
        std::fs::read_to_string(&fixture).expect("tests/golden/sample_segments.csv (SEGSCOPE_BLESS=1 writes it)");
    assert!(segments == expected, "sample segments differ from tests/golden/sample_segments.csv");
}

#[test]
fn gzip_and_utf16_give_the_same_table() {
    use std::io::Write;
    let text = segscope::sample::sample_csv();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    let plain = run(text.as_bytes());
    for (what, bytes) in [("gzip", gz), ("UTF-16", utf16)] {
        let o = run(&bytes);
        assert_eq!(o.csv, plain.csv, "{what}: same export as the plain file");
    }
}

#[test]
fn decimal_commas_and_thousands_separators_are_read_when_consistent() {
    let eu = "account;time;qty;price;fee\n".to_string()
        + &(0..60)
            .map(|i| {
                format!(
                    "k{};0{}.02.2024 1{}:00;{},5;{}.{:03},25;0,{}\n",
                    i % 6,
                    1 + i % 9,
                    i % 10,
                    i + 1,
                    1 + i % 3,
                    i * 7,
                    i % 9
                )
            })
            .collect::<String>();
    let o = run(eu.as_bytes());
    assert_eq!(o.accounts, 6);
    assert!(o.mapping.notes.iter().any(|n| n.contains("\"price\" writes numbers as 1.234,5")), "{:?}", o.mapping.notes);
    // Every row read: k0 has the fills i = 0, 6, ..., 54, none skipped as "not a number".
    let k0: Vec<&str> = o.csv.lines().find(|l| l.starts_with("k0,")).unwrap().split(',').collect();
    assert_eq!(k0[7], "10", "trade_count of k0");
    let us = "customer_id,spend,visits\n".to_string()
        + &(0..30).map(|i| format!("c{i},\"{},{:03}.5\",{}\n", 1 + i % 4, i * 31, i % 5)).collect::<String>();
    let o = run(us.as_bytes());
    assert_eq!(o.mapping.kind, DataKind::CustomerTable);
    assert!(o.mapping.notes.iter().any(|n| n.contains("thousands commas")), "{:?}", o.mapping.notes);
    let c1 = o.csv.lines().find(|l| l.starts_with("c1,")).unwrap();
    assert!(c1.contains(",2031.5,1,"), "{c1}: the features, then segment_name");
}

#[test]
fn sample_with_every_method() {
    use segscope::analysis::{CovarianceType, Method};
    let (_, t) = parse_bytes(segscope::sample::sample_csv().as_bytes()).unwrap();
    let ft = extract(&t, &detect_mapping(&t)).unwrap();
    for method in [
        Method::GaussianMixture { covariance: CovarianceType::Full },
        Method::GaussianMixture { covariance: CovarianceType::Diag },
        Method::Hdbscan { min_cluster_size: 20 },
    ] {
        let t = std::time::Instant::now();
        let s = segment(&ft, &SegmentOptions { method, ..Default::default() }).unwrap();
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let st = s.stability.as_ref().unwrap().as_ref().unwrap();
        println!(
            "sample, {}: k = {}, noise {}, silhouette {:.3}, stability {:.3} (min {:.3}), top anomaly score {:.2}, {ms:.0} ms",
            s.algorithm, s.k, s.noise, s.silhouette, st.mean_ari, st.min_ari, s.anomaly_score[s.anomalies[0]]
        );
        assert!(s.k >= 2, "{}", s.algorithm);
        assert_eq!(s.profiles.iter().map(|p| p.size).sum::<usize>() + s.noise, 3000);
        assert_eq!(s.anomalies.len(), 30);
        let csv = assignments_csv(&ft, &s, None, None);
        let header = csv.lines().next().unwrap();
        match method {
            Method::Hdbscan { .. } => assert!(header.contains(",membership_probability,")),
            _ => assert!(header.contains(&format!(",p_segment_{},", s.k))),
        }
    }
}

#[test]
fn online_retail_maps_customer_date_and_amount() {
    let Some(b) = shared("online_retail_2010-12.csv") else {
        return;
    };
    let o = run(&b);
    assert_eq!(o.mapping.kind, DataKind::Transactions);
    assert_eq!(col(&o, Role::Account), Some("CustomerID"));
    assert_eq!(col(&o, Role::Timestamp), Some("InvoiceDate"));
    assert_eq!(o.mapping.time.as_ref().unwrap().format, segscope::ingest::time::TimeFormat::DayFirst);
    assert_eq!(col(&o, Role::Quantity), Some("Quantity"));
    assert_eq!(col(&o, Role::Price), Some("UnitPrice"));
    assert!(o.mapping.notional_from_quantity_price());
    assert_eq!(o.accounts, 922, "README: 922 customers");
    println!("retail: k = {}", o.k);
}

#[test]
fn dex_swaps_use_wallets_and_blocks() {
    let Some(b) = shared("dex_swaps_2021-06.csv") else {
        return;
    };
    let o = run(&b);
    assert_eq!(col(&o, Role::Account), Some("from_address"));
    assert_eq!(col(&o, Role::Timestamp), Some("block_number"));
    assert_eq!(o.accounts, 2628, "README: 2,628 sending addresses");
    println!("dex: k = {}", o.k);
}

#[test]
fn mall_customers_is_a_customer_table() {
    let Some(b) = shared("mall_customers.csv") else {
        return;
    };
    let o = run(&b);
    assert_eq!(o.mapping.kind, DataKind::CustomerTable);
    assert_eq!(o.accounts, 200);
    assert!(o.csv.lines().nth(1).unwrap().starts_with("0001,"), "ids keep leading zeros");
    println!("mall: k = {}", o.k);
}

#[test]
fn chunked_parse_equals_whole_file_parse() {
    let s = segscope::sample::generate(5, 40);
    let (_, whole) = parse_bytes(s.as_bytes()).unwrap();
    assert_eq!(whole.n_rows(), s.lines().count() - 1);
    for chunk in [1, 7, 4096] {
        let mut r = TableReader::new();
        for c in s.as_bytes().chunks(chunk) {
            r.feed(c).unwrap();
        }
        let (_, t) = r.finish().unwrap();
        assert_eq!(t.headers, whole.headers);
        assert_eq!(t.n_rows(), whole.n_rows());
        for r in 0..t.n_rows() {
            for c in 0..t.n_cols() {
                assert_eq!(t.cell(r, c), whole.cell(r, c), "chunk {chunk}, row {r}, col {c}");
            }
        }
    }
}

/// A small deterministic generator for the wide files (no dependency on rand's stream).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// Runs TableReader -> detect_mapping -> extract -> segment on `bytes`, printing each stage's time.
fn timed_run(what: &str, bytes: &[u8]) -> (segscope::ingest::Mapping, segscope::features::FeatureTable, usize) {
    use std::time::Instant;
    let secs = |t: Instant| t.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let mut r = TableReader::new();
    for c in bytes.chunks(4 << 20) {
        r.feed(c).unwrap();
    }
    let (_, t) = r.finish().unwrap();
    eprintln!(
        "{what}: read {} rows x {} columns ({} MB) in {:.2} s",
        t.n_rows(),
        t.n_cols(),
        bytes.len() >> 20,
        secs(t0)
    );
    let t1 = Instant::now();
    let m = detect_mapping(&t);
    eprintln!("{what}: detect_mapping {:.2} s ({:?}, {} feature columns)", secs(t1), m.kind, m.feature_columns.len());
    let t2 = Instant::now();
    let ft = extract(&t, &m).unwrap();
    eprintln!("{what}: extract {:.2} s ({} accounts x {} features)", secs(t2), ft.ids.len(), ft.defs.len());
    let t3 = Instant::now();
    let s = segment(&ft, &Settings::default().options(&ft)).unwrap();
    eprintln!("{what}: segment {:.2} s (k = {}); total {:.2} s", secs(t3), s.k, secs(t0));
    assert_eq!(s.profiles.iter().map(|p| p.size).sum::<usize>(), ft.ids.len());
    (m, ft, s.k)
}

const WIDE_COLS: usize = 10_000;
const WIDE_ROWS: usize = 2_000;

#[test]
fn customer_table_with_ten_thousand_numeric_columns() {
    use std::fmt::Write;
    const COLS: usize = WIDE_COLS;
    const ROWS: usize = WIDE_ROWS;
    let mut rng = Lcg(11);
    // (a) One row per customer: an id and 10,000 numeric columns.
    let mut csv = String::with_capacity(ROWS * COLS * 6);
    csv.push_str("customer_id");
    for j in 0..COLS {
        write!(csv, ",m{j}").unwrap();
    }
    csv.push('\n');
    for r in 0..ROWS {
        write!(csv, "c{r}").unwrap();
        let group = r % 3;
        for j in 0..COLS {
            let v = (rng.next() % 100) as f64 / 10.0 + if j % 3 == group { 20.0 } else { 0.0 };
            write!(csv, ",{v}").unwrap();
        }
        csv.push('\n');
    }
    let (m, ft, _) = timed_run("customer table", csv.as_bytes());
    assert_eq!(m.kind, DataKind::CustomerTable);
    assert_eq!(ft.ids.len(), ROWS);
    let cap = segscope::ingest::roles::MAX_FEATURE_COLUMNS;
    assert_eq!(cap, 200, "the README and the note promise 200");
    assert_eq!(ft.defs.len(), cap);
    assert_eq!(m.feature_columns, (1..=cap).collect::<Vec<_>>(), "the first 200 numeric columns, in file order");
    let note = m.notes.iter().find(|n| n.contains("numeric columns found")).expect("a note on the left-out columns");
    for part in [
        "10000 numeric columns found",
        "only the first 200 (\"m0\" to \"m199\") are used",
        "the other 9800 (\"m200\", \"m201\", \"m202\", \"m203\", \"m204\" and 9795 more) are left out",
        "remove the columns you do not need from the file",
    ] {
        assert!(note.contains(part), "{part:?} not in {note:?}");
    }
}

#[test]
fn trades_with_ten_thousand_junk_columns() {
    use std::fmt::Write;
    const COLS: usize = WIDE_COLS;
    const ROWS: usize = WIDE_ROWS;
    let mut rng = Lcg(12);
    // Trades with 10,000 junk columns beside the six that matter.
    let mut csv = String::with_capacity(ROWS * COLS * 4);
    csv.push_str("account,timestamp,symbol,side,qty,price");
    for j in 0..COLS {
        write!(csv, ",junk{j}").unwrap();
    }
    csv.push('\n');
    for r in 0..ROWS {
        let side = if rng.next().is_multiple_of(2) { "buy" } else { "sell" };
        let sym = ["BTC-PERPETUAL", "ETH-USDT-SWAP", "BTC/USDT"][r % 3];
        write!(
            csv,
            "a{},{},{sym},{side},{},{}",
            r % 250,
            1_700_000_000 + r as u64 * 60,
            1 + rng.next() % 10,
            100 + rng.next() % 50
        )
        .unwrap();
        for j in 0..COLS {
            match (j + r) % 4 {
                0 => csv.push_str(",x"),
                1 => write!(csv, ",{}", rng.next() % 1000).unwrap(),
                2 => csv.push(','),
                _ => csv.push_str(",n/a"),
            }
        }
        csv.push('\n');
    }
    let (m, ft, _) = timed_run("trades + junk", csv.as_bytes());
    assert_eq!(m.kind, DataKind::Trades);
    assert_eq!(ft.ids.len(), 250);
    assert_eq!(ft.rows_used, ROWS);
}

/// Each real file read in a stream (detection on its first 500 rows, 64 KiB
/// chunks) gives the features of its whole table under the mapping the
/// stream used, or is read whole, saying why.
#[test]
fn real_files_streamed_give_the_whole_tables_features() {
    use segscope::job::{Request, Settings, Streamed, Streaming};
    for name in ["dex_swaps_2021-06.csv", "mall_customers.csv", "online_retail_2010-12.csv"] {
        let Some(bytes) = shared(name) else { continue };
        let req = Request {
            job: 1,
            file: 1,
            name: name.into(),
            ragged: Default::default(),
            quoting: Default::default(),
            sheet: None,
            mapping: None,
            edits: vec![],
            settings: Settings::default(),
            crash_test: false,
            model: None,
        };
        let mut s = Streaming::new(&req, bytes.len() as u64, 500);
        for c in bytes.chunks(65536) {
            s.feed(c).unwrap();
        }
        let (_, whole) = parse_bytes(&bytes).unwrap();
        match s.finish().unwrap() {
            Streamed::Features { summary, mapping, ft } => {
                let ft = ft.unwrap();
                let expected = extract(&whole, &mapping).unwrap();
                assert_eq!(summary.n_rows, whole.n_rows(), "{name}");
                assert_eq!(
                    (&ft.ids, &ft.defs, ft.rows_used),
                    (&expected.ids, &expected.defs, expected.rows_used),
                    "{name}"
                );
                assert!(
                    ft.values.iter().zip(expected.values.iter()).all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{name}"
                );
                assert_eq!(
                    (&ft.skipped, &ft.ignored_cells, &ft.notes),
                    (&expected.skipped, &expected.ignored_cells, &expected.notes),
                    "{name}"
                );
                println!("{name}: streamed, {} accounts x {} features", ft.ids.len(), ft.defs.len());
            }
            Streamed::Table { table, .. } => {
                assert_eq!(table.n_rows(), whole.n_rows(), "{name}");
                assert!(
                    detect_mapping(&table).needs_every_row() || whole.n_rows() <= 500,
                    "{name}: read whole without a reason"
                );
                println!("{name}: read whole ({} rows)", table.n_rows());
            }
            Streamed::ReadAgain { why } => println!("{name}: read again: {why}"),
        }
    }
}
