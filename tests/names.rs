//! Segment names on the sample (src/analysis/segmentation/names.rs; README
//! "Segment names"): each of its six trader types, taken as a segment, gets
//! the name its rules predict; and the page's own segmentation names every
//! segment after the type most of its accounts are, never twice the same.

use ndarray::Axis;
use segscope::analysis::segment;
use segscope::analysis::segmentation::{actions_for, default_actions, playbook_rules, segment_names, SegmentProfile};
use segscope::features::{extract, FeatureTable};
use segscope::ingest::{detect_mapping, parse_bytes};
use segscope::job::Settings;
use segscope::sample::{generate_population, Archetype, Generated, Population, SAMPLE_ACCOUNTS, SAMPLE_SEED};

fn want(a: Archetype) -> &'static str {
    match a {
        Archetype::Retail => "High-leverage perpetual traders",
        Archetype::SpotHolder => "Spot holders",
        Archetype::MarketMaker => "Market makers",
        Archetype::Hedger => "Put-heavy options hedgers",
        Archetype::Whale => "Futures traders",
        Archetype::Lapsed => "Lapsed accounts",
        _ => unreachable!("not in the sample"),
    }
}

fn sample() -> (Generated, FeatureTable) {
    let g = generate_population(SAMPLE_SEED, SAMPLE_ACCOUNTS, &Population::sample());
    let (_, t) = parse_bytes(g.csv.as_bytes()).unwrap();
    let ft = extract(&t, &detect_mapping(&t)).unwrap();
    (g, ft)
}

/// The type of account `id` (`ACC00001` is account 0).
fn type_of(g: &Generated, id: &str) -> Archetype {
    Archetype::ALL[g.types[id.trim_start_matches("ACC").parse::<usize>().unwrap() - 1]]
}

fn nan_mean<'a>(v: impl Iterator<Item = &'a f64>) -> f64 {
    let (s, n) = v.filter(|x| x.is_finite()).fold((0.0, 0), |(s, n), x| (s + x, n + 1));
    if n == 0 {
        f64::NAN
    } else {
        s / n as f64
    }
}

#[test]
fn each_of_the_samples_six_trader_types_gets_the_name_its_rules_predict() {
    let (g, ft) = sample();
    // The page's preprocessing (transforms, scaling), fitted on the sample.
    let seg = segment(&ft, &Settings::default().options(&ft)).unwrap();
    let z = seg.preprocessor.transform(ft.values.view());
    let overall: Vec<f64> = ft.values.axis_iter(Axis(1)).map(|c| nan_mean(c.iter())).collect();
    let types = &Archetype::ALL[..6];
    let profiles: Vec<SegmentProfile> = types
        .iter()
        .enumerate()
        .map(|(s, &a)| {
            let rows: Vec<usize> = (0..ft.ids.len()).filter(|&i| type_of(&g, &ft.ids[i]) == a).collect();
            let col = |m: &ndarray::Array2<f64>, j: usize| nan_mean(rows.iter().map(|&i| &m[[i, j]]));
            SegmentProfile {
                id: s + 1,
                size: rows.len(),
                share: rows.len() as f64 / ft.ids.len() as f64,
                means: (0..ft.defs.len()).map(|j| col(&ft.values, j)).collect(),
                z_means: (0..z.ncols()).map(|j| col(&z, j)).collect(),
                distinguishing: vec![],
                flags: vec![],
                anomalies: 0,
                name: String::new(),
                actions: vec![],
                playbook: vec![],
            }
        })
        .collect();
    let names = segment_names(&ft, &profiles, &overall, &seg.preprocessor.kept);
    let report: Vec<String> = types.iter().zip(&names).map(|(a, n)| format!("{a:?}: {n}")).collect();
    println!("{}", report.join("\n"));
    for (a, n) in types.iter().zip(&names) {
        assert!(n.starts_with(want(*a)), "{}", report.join("\n"));
    }
    // The playbook's first action for each type.
    let texts = default_actions();
    let actions: Vec<Vec<String>> = playbook_rules(&ft, &profiles, &overall, &seg.preprocessor.kept)
        .iter()
        .map(|r| actions_for(r, &texts))
        .collect();
    let first = |a: Archetype| match a {
        Archetype::Retail => "Leverage education and a margin review",
        Archetype::SpotHolder => "Savings or staking for idle balances",
        Archetype::MarketMaker => "Maker rebate tier",
        Archetype::Hedger => "Options tooling (strategy builder, Greeks and payoff views)",
        Archetype::Whale => "Basis and calendar-spread tools",
        Archetype::Lapsed => "Re-activation offer",
        _ => unreachable!(),
    };
    for (a, act) in types.iter().zip(&actions) {
        println!("{a:?}: {act:?}");
        assert_eq!(act.first().map(String::as_str), Some(first(*a)), "{a:?}: {act:?}");
    }
    assert!(
        actions[4].iter().any(|x| x.starts_with("Account manager")),
        "whales: large tickets get an account manager"
    );
}

#[test]
fn the_pages_segments_are_named_after_their_main_type_and_never_twice() {
    let (g, ft) = sample();
    for k in [6, 7] {
        let settings = Settings { k: Some(k), ..Settings::default() };
        let seg = segment(&ft, &settings.options(&ft)).unwrap();
        let mut report = Vec::new();
        for p in &seg.profiles {
            let mut counts = [0usize; 9];
            for (i, id) in ft.ids.iter().enumerate() {
                if seg.segments[i] == p.id {
                    counts[type_of(&g, id) as usize] += 1;
                }
            }
            let (top, n) = counts.iter().enumerate().max_by_key(|&(_, n)| *n).unwrap();
            let a = Archetype::ALL[top];
            report.push(format!("k={k} segment {} ({} accounts, {n} {a:?}): {}", p.id, p.size, p.name));
            // A hedger segment may be the options traders whose puts and calls are even.
            let ok = p.name.starts_with(want(a)) || (a == Archetype::Hedger && p.name.starts_with("Options traders"));
            assert!(ok, "{}", report.join("\n"));
        }
        println!("{}", report.join("\n"));
        let mut names: Vec<&str> = seg.profiles.iter().map(|p| p.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), k, "no two segments share a name");
    }
}
