//! Two periods under one model, on the sample generator: the sample's next
//! period (known churn, new accounts and type changes) and a second draw of
//! the same population (nothing changed but chance).

use segscope::analysis::compare::compare;
use segscope::analysis::{segment, Segmentation};
use segscope::features::{extract, FeatureTable};
use segscope::ingest::{detect_mapping, parse_bytes};
use segscope::job::Settings;
use segscope::model::Model;
use segscope::sample::{self, NEXT_PERIOD_GROWING, NEXT_PERIOD_NEW};

fn fit(csv: &str) -> (Model, FeatureTable, Segmentation) {
    let (_, t) = parse_bytes(csv.as_bytes()).unwrap();
    let m = detect_mapping(&t);
    let ft = extract(&t, &m).unwrap();
    let seg = segment(&ft, &Settings::default().options(&ft)).unwrap();
    (Model::of("sample.csv", &t.headers, &m, &ft, &seg, None), ft, seg)
}

fn score(model: &Model, csv: &str) -> (FeatureTable, Segmentation) {
    let (_, t) = parse_bytes(csv.as_bytes()).unwrap();
    let mut m = detect_mapping(&t);
    model.apply_mapping(&mut m, &t);
    let ft = extract(&t, &m).unwrap();
    model.score(&ft, &m, &|| 0.0, &mut |_| {}).unwrap()
}

#[test]
fn the_next_period_shows_its_churn_new_accounts_and_moves() {
    let (model, ft0, s0) = fit(&sample::sample_csv());
    let next = sample::sample_next_period();
    let (ft1, s1) = score(&model, &next.csv);
    let c = compare((&ft0, &s0), (&ft1, &s1));
    let m = &c.migration;
    // The whole matrix, which the browser test (tests/e2e) also expects: rows noise,
    // segments 1-3, New; columns noise, segments 1-3, Churned.
    assert_eq!(
        m.counts,
        vec![
            vec![0, 0, 0, 0, 0],
            vec![0, 1076, 78, 60, 55],
            vec![0, 166, 1012, 0, 32],
            vec![0, 0, 0, 508, 13],
            vec![0, 45, 45, 30, 0],
        ]
    );
    // Known by construction: segment 1 holds the spot holders and segment 3 the whales, and
    // exactly the spot holders who became whales moved from 1 to 3.
    assert_eq!(m.counts[1][3], NEXT_PERIOD_GROWING);
    let churned: usize = m.counts.iter().map(|r| r[m.k_after + 1]).sum();
    assert_eq!(churned, 100, "every 30th of 3,000 accounts");
    assert_eq!(m.row_total(m.k_before + 1), NEXT_PERIOD_NEW);
    let total: usize = m.counts.iter().map(|r| r.iter().sum::<usize>()).sum();
    assert_eq!(total, 3000 + NEXT_PERIOD_NEW);
    // About 7 % of the accounts changed type: no feature drifts much, and the segments hold.
    assert!(c.drift.iter().all(|d| d.psi < 0.1));
    assert!(!c.verdict.refit, "{:?}", c.verdict.reasons);
}

#[test]
fn a_second_draw_of_the_same_population_holds() {
    let (model, ft0, s0) = fit(&sample::sample_csv());
    let (ft1, s1) = score(&model, &sample::sample_second_draw());
    let c = compare((&ft0, &s0), (&ft1, &s1));
    for d in &c.drift {
        eprintln!("{:24} psi {:.3} ks {:.3}", ft0.defs[d.feature].key, d.psi, d.ks);
    }
    eprintln!(
        "reconstruction {} -> {}; near tie {} -> {}",
        c.reconstruction_before, c.reconstruction_after, c.near_tie_before, c.near_tie_after
    );
    let worst = c.drift.iter().map(|d| d.psi).fold(0.0, f64::max);
    assert!(worst < 0.1, "largest PSI {worst}");
    assert!(!c.verdict.refit, "{:?}", c.verdict.reasons);
    assert_eq!(c.verdict.headline(), "Segments still hold");
}

#[test]
fn a_population_of_other_traders_calls_for_a_refit() {
    let (model, ft0, s0) = fit(&sample::sample_csv());
    // Scalpers, option sellers and basis traders, none of whom the model saw.
    let pop = sample::Population::new(&sample::Archetype::ALL[6..], &[1.0, 1.0, 1.0], 0.0);
    let (ft1, s1) = score(&model, &sample::generate_population(7, 1500, &pop).csv);
    let c = compare((&ft0, &s0), (&ft1, &s1));
    assert!(c.verdict.refit);
    assert_eq!(c.verdict.headline(), "Refit recommended");
    assert!(c.verdict.reasons.iter().any(|r| r.starts_with("major drift")), "{:?}", c.verdict.reasons);
    assert_eq!(c.migration.row_total(c.migration.k_before + 1), 0, "ids ACC00001.. are the sample's: none is new");
}
