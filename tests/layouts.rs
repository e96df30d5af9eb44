//! Exchange export layouts: the same fills written as a plain CSV and in an
//! exchange's own layout (Binance's, units attached to amounts; Kraken's
//! trades.csv, its own column names) give the same features,
//! bit for bit, and a fee column that mixes units is never summed.
//! The committed fixtures in tests/fixtures/ are kept equal to their
//! generator (`SEGSCOPE_WRITE_FIXTURES=1 cargo test --test layouts` rewrites them).

use segscope::features::{extract, FeatureTable};
use segscope::ingest::{detect_mapping, parse_bytes, Mapping, Role};
use segscope::sample::{binance_spot_layouts, kraken_trades_layout, LAYOUT_FIXTURE_ROWS};

fn read(csv: &str) -> (FeatureTable, Mapping, Vec<String>) {
    let (_, t) = parse_bytes(csv.as_bytes()).unwrap();
    let m = detect_mapping(&t);
    (extract(&t, &m).unwrap(), m, t.headers.clone())
}

fn col<'a>(m: &Mapping, headers: &'a [String], r: Role) -> Option<&'a str> {
    m.get(r).map(|c| headers[c].as_str())
}

#[test]
fn binance_spot_export_reads_as_its_plain_equivalent() {
    let (plain, binance) = binance_spot_layouts(false, usize::MAX);
    let (a, _, _) = read(&plain);
    let (b, m, h) = read(&binance);
    assert_eq!(col(&m, &h, Role::Account), Some("User ID"));
    assert_eq!(col(&m, &h, Role::Timestamp), Some("Date(UTC)"));
    assert_eq!(col(&m, &h, Role::Instrument), Some("Pair"));
    assert_eq!(col(&m, &h, Role::Quantity), Some("Executed"));
    assert_eq!(col(&m, &h, Role::Price), Some("Price"));
    assert_eq!(col(&m, &h, Role::Notional), Some("Amount"));
    assert_eq!(col(&m, &h, Role::Fee), Some("Fee"));
    let unit = |r: Role| m.unit_label(m.get(r).unwrap());
    assert_eq!(unit(Role::Fee).as_deref(), Some("USDT"));
    assert_eq!(unit(Role::Notional).as_deref(), Some("USDT"));
    assert_eq!(unit(Role::Quantity).as_deref(), Some("BTC, ETH and 1 more"));
    assert!(m.notes.iter().any(|n| n.contains("\"Fee\"") && n.contains("USDT")), "{:?}", m.notes);
    let keys = |ft: &FeatureTable| ft.defs.iter().map(|d| d.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&a), keys(&b));
    for k in ["total_notional", "total_fees", "median_notional"] {
        assert!(keys(&b).iter().any(|x| x == k), "{k} computed from the Binance layout: {:?}", b.not_computed);
    }
    assert_eq!(a.ids, b.ids);
    assert_eq!(a.rows_used, b.rows_used);
    let bits = |ft: &FeatureTable| ft.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert!(bits(&a) == bits(&b), "the same features, bit for bit");
}

#[test]
fn krakens_trade_history_export_reads_as_its_plain_equivalent() {
    let (plain, _) = binance_spot_layouts(false, usize::MAX);
    let kraken = kraken_trades_layout(&plain);
    let (a, _, _) = read(&plain);
    let (b, m, h) = read(&kraken);
    for (role, name) in [
        (Role::Account, "User ID"),
        (Role::Timestamp, "time"),
        (Role::Instrument, "pair"),
        (Role::Side, "type"),
        (Role::Quantity, "vol"),
        (Role::Price, "price"),
        (Role::Notional, "cost"),
        (Role::Fee, "fee"),
        (Role::Order, "ordertxid"),
    ] {
        assert_eq!(col(&m, &h, role), Some(name), "{role:?}");
    }
    let keys = |ft: &FeatureTable| ft.defs.iter().map(|d| d.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&a), keys(&b), "the same features: {:?}", b.not_computed);
    assert_eq!(a.ids, b.ids);
    assert_eq!(a.rows_used, b.rows_used);
    let bits = |ft: &FeatureTable| ft.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert!(bits(&a) == bits(&b), "the same features, bit for bit");
}

#[test]
fn a_fee_column_mixing_units_is_not_summed() {
    let (_, binance) = binance_spot_layouts(true, usize::MAX);
    let (b, m, _) = read(&binance);
    let fee = m.get(Role::Fee).expect("Fee still mapped: the user sees which column it is");
    assert_eq!(m.units(fee).iter().map(|(u, _)| u.as_str()).collect::<Vec<_>>(), ["USDT", "BNB"]);
    assert!(m.summable(Role::Fee).is_none());
    assert!(!b.defs.iter().any(|d| d.key == "total_fees"));
    let why = b.not_computed.iter().find(|(k, _)| k == "total_fees").map(|(_, w)| w.as_str());
    assert!(why.is_some_and(|w| w.contains("mixes units")), "{why:?}");
    let note = m.notes.iter().find(|n| n.contains("mixes units")).expect("a note on the fee column");
    assert!(note.contains("\"Fee\"") && note.contains("BNB in") && note.contains("USDT in"), "{note}");
    // The other amounts are still read.
    assert!(b.defs.iter().any(|d| d.key == "total_notional"));
}

/// `csv` (a plain file, no quoted fields) as JSON: an array of objects, or
/// one object per line, every value a string (as Binance's API writes
/// numbers) or, with `numbers`, numbers as JSON numbers.
fn as_json(csv: &str, lines: bool, numbers: bool) -> String {
    let mut it = csv.lines();
    let head: Vec<&str> = it.next().unwrap().split(',').collect();
    let objects: Vec<String> = it
        .map(|l| {
            let fields: Vec<String> = head
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| match (numbers, v.parse::<f64>()) {
                    (true, Ok(_)) if !v.is_empty() => format!("\"{h}\": {v}"),
                    _ => format!("\"{h}\": \"{v}\""),
                })
                .collect();
            format!("{{{}}}", fields.join(", "))
        })
        .collect();
    if lines {
        objects.join("\n") + "\n"
    } else {
        format!("[\n{}\n]\n", objects.join(",\n"))
    }
}

#[test]
fn the_sample_as_json_reads_as_its_csv() {
    let csv = segscope::sample::sample_csv();
    let (a, ma, _) = read(&csv);
    let bits = |ft: &FeatureTable| ft.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    for (lines, numbers) in [(false, false), (true, false), (false, true)] {
        let json = as_json(&csv, lines, numbers);
        let (b, mb, _) = read(&json);
        assert_eq!((mb.kind, mb.get(Role::Fee)), (ma.kind, ma.get(Role::Fee)), "lines {lines}, numbers {numbers}");
        assert_eq!(a.ids, b.ids);
        assert!(bits(&a) == bits(&b), "the same features, bit for bit (lines {lines}, numbers {numbers})");
    }
}

#[test]
fn committed_fixtures_equal_their_generator() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let (plain, binance) = binance_spot_layouts(false, LAYOUT_FIXTURE_ROWS);
    let kraken = kraken_trades_layout(&plain);
    for (name, want) in
        [("binance_spot_plain.csv", plain), ("binance_spot.csv", binance), ("kraken_trades.csv", kraken)]
    {
        let path = dir.join(name);
        if std::env::var_os("SEGSCOPE_WRITE_FIXTURES").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let got = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(got == want, "{name} differs from binance_spot_layouts(): rerun with SEGSCOPE_WRITE_FIXTURES=1");
    }
}
