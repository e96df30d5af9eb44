//! The risk view's figures on the built-in sample, against a computation by
//! hand from the CSV's own cells (no feature code): each account's
//! notional-weighted leverage on perpetuals and futures and its net bias,
//! then the stress scenario for one segment.

use segscope::analysis::risk::{flagged, liquidated, risk_by_segment, FlagRules, RiskParams, StressParams};
use segscope::analysis::segment;
use segscope::features::extract;
use segscope::ingest::instrument::{infer, InstrumentType};
use segscope::ingest::{detect_mapping, parse_bytes};
use segscope::job::Settings;
use std::collections::HashMap;

#[test]
fn the_sample_stress_figures_of_segment_1_by_hand() {
    let csv = segscope::sample::sample_csv();
    let (_, t) = parse_bytes(csv.as_bytes()).unwrap();
    let ft = extract(&t, &detect_mapping(&t)).unwrap();
    let seg = segment(&ft, &Settings::default().options(&ft)).unwrap();
    let risk = ft.risk.as_ref().expect("a trades file has risk inputs");
    assert_eq!(risk.rows.len(), ft.ids.len());
    assert!(risk.has_leverage && risk.has_time && risk.has_round_trips && risk.has_pnl);

    // By hand: account_id,timestamp,instrument,side,quantity,price,leverage,fee,realized_pnl,liquidity.
    #[derive(Default)]
    struct Acc {
        notional: f64,
        lev_x_notional: f64,
        lev_notional: f64,
        buy: f64,
        sell: f64,
    }
    let mut by_hand: HashMap<&str, Acc> = HashMap::new();
    for line in csv.lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        let notional = c[4].parse::<f64>().unwrap().abs() * c[5].parse::<f64>().unwrap().abs();
        let a = by_hand.entry(c[0]).or_default();
        a.notional += notional;
        if c[3] == "buy" {
            a.buy += notional;
        } else {
            a.sell += notional;
        }
        if matches!(infer(c[2]).map(|x| x.0), Some(InstrumentType::Perpetual | InstrumentType::Future)) {
            a.lev_x_notional += c[6].parse::<f64>().unwrap() * notional;
            a.lev_notional += notional;
        }
    }
    let p = StressParams::default();
    let (mut n, mut liq, mut total, mut liq_notional, mut at_risk) = (0usize, 0usize, 0.0, 0.0, 0.0);
    for (i, id) in ft.ids.iter().enumerate().filter(|(i, _)| seg.segments[*i] == 1) {
        let a = &by_hand[id.as_str()];
        let lev = if a.lev_notional > 0.0 { a.lev_x_notional / a.lev_notional } else { f64::NAN };
        let bias = (a.buy - a.sell) / (a.buy + a.sell);
        assert!(
            (risk.rows[i].leverage - lev).abs() <= 1e-9 * lev.abs().max(1.0)
                || (lev.is_nan() && risk.rows[i].leverage.is_nan())
        );
        // 100 / L - m against the shock, written out.
        let out = lev > 0.0 && bias != 0.0 && p.shock_pct >= 100.0 / lev - p.maintenance_pct;
        assert_eq!(out, liquidated(risk.rows[i].leverage, risk.rows[i].bias, &p), "{id}");
        n += 1;
        total += a.notional;
        if out {
            liq += 1;
            liq_notional += a.notional;
            at_risk += a.lev_notional;
        }
    }
    let flags: Vec<bool> = vec![false; ft.ids.len()];
    let s = &risk_by_segment(&risk.rows, &seg.segments, seg.k, &flags, (true, true), &RiskParams::default())[0];
    println!("segment 1: {n} accounts, {liq} liquidated by a 10 % shock, {at_risk:.0} leveraged notional at risk");
    assert_eq!(s.accounts, n);
    assert!((s.liquidated_share - liq as f64 / n as f64).abs() < 1e-12);
    assert!((s.liquidated_notional_share - liq_notional / total).abs() < 1e-9);
    assert!((s.notional_at_risk - at_risk).abs() <= 1e-9 * at_risk.max(1.0));
}

#[test]
fn the_sample_red_flags_under_the_default_rules() {
    let csv = segscope::sample::sample_csv();
    let (_, t) = parse_bytes(csv.as_bytes()).unwrap();
    let ft = extract(&t, &detect_mapping(&t)).unwrap();
    let rows = &ft.risk.as_ref().unwrap().rows;
    let hits = flagged(rows, &FlagRules::default());
    let count = |k: &str| hits.iter().filter(|f| f.rules.iter().any(|r| r.key() == k)).count();
    println!(
        "sample: {} accounts flagged (round_trips {}, burst {}, dormant_then_active {}); most fills within 1 s: {}; most round-trip fills: {}",
        hits.len(),
        count("round_trips"),
        count("burst"),
        count("dormant_then_active"),
        rows.iter().map(|r| r.flags.burst_max).max().unwrap(),
        rows.iter().map(|r| r.flags.round_trip_fills).max().unwrap(),
    );
    assert!(hits.len() < ft.ids.len() / 10, "the rules flag a minority of the sample");
}
