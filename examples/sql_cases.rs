//! Writes, for each CSV file given and each method, what `tests/sql/check.py`
//! compares: the app's features and segments (the same code the page runs),
//! the saved model, and the model's scoring scripts for DuckDB and Spark.
//!
//! Usage: `cargo run --release --example sql_cases -- OUT_DIR FILE.csv ...`
//! (`sample` stands for the built-in sample, written to `OUT_DIR/sample.csv`;
//! `edge` for three small files written here whose every row tries a corner
//! of the app's cell readers: instrument names, times in ISO, day-first and
//! epoch forms, sides, maker/taker words, numbers with `%` or exponents,
//! unreadable and missing cells, invalid dates).
//! For each file `F` and method `M` (`kmeans`, `gmm`; for the sample also
//! `gmm-diag` and `hdbscan`), writes into
//! `OUT_DIR/F-M/`: `features.csv` (account id, then each feature, full
//! precision, empty where the app has no value), `segments.csv` (account id,
//! segment, pc1, pc2, margin), `model.json`, `duckdb.sql`, `spark.sql`,
//! `model.pmml` (k-means only),
//! and a link or copy of the input as `F`. Prints one line per case.

use segscope::analysis::{segment, CovarianceType, Method};
use segscope::features::extract;
use segscope::ingest::{detect_mapping, parse_bytes};
use segscope::job::Settings;
use segscope::model::pmml::pmml;
use segscope::model::sql::{script, Dialect, SelfCheck};
use segscope::model::Model;
use std::fmt::Write as _;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (out, files) = args.split_first().ok_or("usage: sql_cases OUT_DIR FILE.csv ...")?;
    let out = Path::new(out);
    std::fs::create_dir_all(out)?;
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for file in files {
        if file == "sample" {
            inputs.push(("sample.csv".to_string(), segscope::sample::sample_csv().into_bytes()));
        } else if file == "edge" {
            inputs.push(("edge_iso.csv".into(), edge_iso().into_bytes()));
            inputs.push(("edge_dayfirst.csv".into(), edge_dayfirst().into_bytes()));
            inputs.push(("edge_epoch.csv".into(), edge_epoch().into_bytes()));
        } else {
            let p = Path::new(file);
            inputs.push((p.file_name().ok_or("no file name")?.to_string_lossy().into_owned(), std::fs::read(p)?));
        }
    }
    for (name, bytes) in inputs {
        let (_, t) = parse_bytes(&bytes)?;
        let m = detect_mapping(&t);
        let ft = extract(&t, &m)?;
        let mut methods =
            vec![("kmeans", Method::KMeans), ("gmm", Method::GaussianMixture { covariance: CovarianceType::Full })];
        if name == "sample.csv" {
            // The other clusterings, on the sample only (HDBSCAN's script joins every account to every exemplar).
            methods.push(("gmm-diag", Method::GaussianMixture { covariance: CovarianceType::Diag }));
            methods.push(("hdbscan", Method::Hdbscan { min_cluster_size: 30 }));
        }
        for (label, method) in methods {
            let settings = Settings { method, ..Default::default() };
            let seg = segment(&ft, &settings.options(&ft))?;
            let model = Model::of(&name, &t.headers, &m, &ft, &seg, None);
            let dir = out.join(format!("{}-{label}", name.trim_end_matches(".csv")));
            std::fs::create_dir_all(&dir)?;
            std::fs::write(dir.join(&name), &bytes)?;
            std::fs::write(dir.join("model.json"), model.to_json())?;
            if let Method::KMeans = method {
                std::fs::write(dir.join("model.pmml"), pmml(&model)?)?;
            }
            for d in Dialect::ALL {
                std::fs::write(
                    dir.join(format!("{}.sql", d.key())),
                    script(&model, d, &name, Some(&SelfCheck { ft: &ft, seg: &seg }))?,
                )?;
            }
            let mut features = String::from("account_id");
            for def in &ft.defs {
                write!(features, ",{}", def.key)?;
            }
            features.push('\n');
            for (i, id) in ft.ids.iter().enumerate() {
                features.push_str(&csv_field(id));
                for v in ft.values.row(i) {
                    if v.is_finite() {
                        write!(features, ",{v:E}")?;
                    } else {
                        features.push(',');
                    }
                }
                features.push('\n');
            }
            std::fs::write(dir.join("features.csv"), features)?;
            let mut segments = String::from("account_id,segment,pc1,pc2,margin\n");
            for (i, id) in ft.ids.iter().enumerate() {
                writeln!(
                    segments,
                    "{},{},{:E},{:E},{:E}",
                    csv_field(id),
                    seg.segments[i],
                    seg.projection[[i, 0]],
                    seg.projection[[i, 1]],
                    seg.margin.get(i).copied().unwrap_or(f64::NAN)
                )?;
            }
            std::fs::write(dir.join("segments.csv"), segments)?;
            println!("{} {} accounts, {} features, k = {}", dir.display(), ft.ids.len(), ft.defs.len(), seg.k);
        }
    }
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Instrument names around every rule of `ingest::instrument::infer`.
const NAMES: [&str; 40] = [
    "BTC-PERPETUAL",
    "ETH-USDT-SWAP",
    "BTC-27DEC24",
    "BTCUSD_241227",
    "BTC-USD-241227",
    "BTC-27DEC24-60000-C",
    "BTC-USD-241227-60000-P",
    "BTCUSDT",
    "BTC/USDT",
    "BTC-USDT",
    "BTC",
    "85123A",
    "PRD-100234",
    "SKU-27XYZ24",
    "eth-perp",
    "XBUSD",
    "XYBUSD",
    "BTC-7JUN25-1.5-P",
    "BTC-00JAN25-100-C",
    "BTC-241332-100-C",
    "BTC_241227_100_C",
    "sol-usdc",
    "BTC-27DEC24-INF-C",
    "BTC-27DEC24-1E5-C",
    "BTC-27DEC24-.5-P",
    "BTC-27DEC24-5.-P",
    "",
    "BTC-31FEB25",
    "ETH-32JAN25",
    "BTCEUR",
    "BTC-SWAP-X",
    "PERPX",
    "BTC-241227-C",
    "ab/cd",
    "ETH-USD-SWAP",
    "BTC-27dec24-60000-c",
    "BTCFDUSD",
    "DOGE_USDT",
    "BTC-27DEC24-60000-X",
    "1INCHUSDT",
];

/// Trades in ISO times: 25 accounts, 100 rows.
fn edge_iso() -> String {
    let times = [
        "2024-12-01T11:26:00Z",
        "2024-12-01 11:26:00",
        "2024/12/01 11:26",
        "2024-12-01T11:26:00.5+02:00",
        "2024-12-01T11:26:00-0530",
        "2024-12-01",
        "2024-12-01 1:05 PM",
        "2024-12-01T11:26:00.123456Z",
        "2024-12-01 12:00 am",
        "2024-12-01T23:59:60Z",
        "2024-02-29T10:00:00Z",
        "2024-12-01T11:26:00 UTC",
        "2024-12-01T11:26:00+05",
        "2024-12-03T08:00:00Z",
        "2024-11-30T08:00:00z",
        "2024-12-02T00:00:00+00:30",
    ];
    let sides = ["buy", "SELL", "close long", "Open Short", "b", "a", "x", "Long", "bid", "ASK", ""];
    let liquidity = ["maker", "T", "yes", "no", "maybe", "", "ADD", "Passive"];
    let quantities = ["1.5", "2%", " +3", "1e2", ".5", "-2", "0.25", "7", "12 %", "4."];
    let prices = ["100", "-50", "1E3", "12.5"];
    let leverage = ["10", "", "-3", "2.5", "0.5"];
    let fees = ["0.1", "-0.05", "", "n/a", "1e-3"];
    let pnl = ["5", "-2", "0", "", "12.75", "-0.5"];
    let mut out =
        String::from("account_id,timestamp,instrument,side,quantity,price,leverage,fee,realized_pnl,liquidity\n");
    for i in 0..100 {
        // A few rows the app leaves out: an invalid date, an hour 13 PM, an unreadable and a missing quantity.
        let time = match i {
            17 => "2023-02-29T10:00:00Z",
            41 => "2024-12-01 13:05 PM",
            _ => times[i % times.len()],
        };
        let qty = match i {
            23 => "abc",
            59 => "",
            _ => quantities[i % quantities.len()],
        };
        // Rare cells an optional column may hold: unreadable (ignored, the row kept), overflowing, NaN.
        let lev = if i == 11 { "x" } else { leverage[i % leverage.len()] };
        let fee = match i {
            37 => "1e400",
            53 => "NaN",
            _ => fees[i % fees.len()],
        };
        let name = NAMES[i % NAMES.len()];
        let name = if i % 7 == 3 { format!("\"  {name} \"") } else { name.to_string() };
        out.push_str(&format!(
            "E{:02},{time},{name},{},{qty},{},{},{},{},{}\n",
            i % 25,
            sides[i % sides.len()],
            prices[i % prices.len()],
            lev,
            fee,
            pnl[i % pnl.len()],
            liquidity[i % liquidity.len()],
        ));
    }
    out
}

/// Invoice lines with day-first dates: returns, cancelled invoices, 20 customers.
fn edge_dayfirst() -> String {
    let dates = [
        "01/12/2010 08:26",
        "1.12.2010 8:26:59",
        "13-12-2010",
        "02/12/2010 08:26:61",
        "05/12/2010T10:00",
        "05/12/2010  10:00",
        "05/12/2010 10:00 PM",
        "05/12/2010 10:00:00.250",
        "25/12/2010",
        "9/1/2011 7:05",
    ];
    let quantities = ["6", "-2", "12", "1", "-1", "3.5", "24"];
    let prices = ["2.55", "3.39", "0.85", "1e1", "4.25%"];
    let mut out = String::from("InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n");
    for i in 0..90 {
        let date = if i == 31 { "31/11/2010 10:00" } else { dates[i % dates.len()] };
        let q = quantities[i % quantities.len()];
        let invoice = if q.starts_with('-') { format!("C{}", 500 + i / 3) } else { format!("{}", 500 + i / 3) };
        out.push_str(&format!("{invoice},SKU{},{q},{date},{},C{:03}\n", i % 11, prices[i % prices.len()], i % 20));
    }
    out
}

/// Trades with Unix-millisecond times, no side column (the quantity's sign is the side).
fn edge_epoch() -> String {
    let mut out = String::from("user,time,symbol,qty,price,is_maker\n");
    for i in 0..60 {
        let t = 1_733_052_360_000u64 + (i as u64 * 7_919_333) % 900_000_000;
        let t = if i % 5 == 0 { format!("{t}.6") } else { t.to_string() };
        let q = if i % 3 == 0 { format!("-{}", 1 + i % 4) } else { format!("{}", 0.5 * (1 + i % 6) as f64) };
        let q = if i % 13 == 0 { "0".to_string() } else { q };
        let maker = ["true", "false", "1", "0", "TRUE", ""][i % 6];
        out.push_str(&format!("U{},{t},{},{q},{},{maker}\n", i % 12, NAMES[(i * 7) % NAMES.len()], 10 + i % 9));
    }
    out
}
