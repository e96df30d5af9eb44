//! **Refit on next period** without the page: the refit's segments matched
//! to the first period's ([`refit_matching`]) and table **Segment
//! matching** ([`matching_rows`]).

use crate::analysis::matching::{match_segments, Fate, Matching};
use crate::analysis::segmentation::segment_centres as centres;
use crate::analysis::{clustering_space, Segmentation};
use crate::features::FeatureTable;
use crate::hashing::HashMap;
use crate::view_model::compare::NextPeriod;

/// Matches the segments of `refit` (a fresh fit of the next period's file)
/// to those of `first` (the first period), with `next` the same file scored
/// with the first period's model (its accounts in the first fit's clustering
/// space). Overlaps count accounts by id; centres are compared in the first
/// fit's clustering space. See [`match_segments`].
pub fn refit_matching(
    first: (&FeatureTable, &Segmentation),
    next: &NextPeriod,
    refit: (&FeatureTable, &Segmentation),
) -> Matching {
    let ((ft0, s0), (ft1, s1)) = (first, refit);
    let (k0, k1) = (s0.k, s1.k);
    let refit_of: HashMap<&str, usize> = ft1.ids.iter().map(|s| s.as_str()).zip(s1.segments.iter().copied()).collect();
    let mut overlap = vec![vec![0usize; k1]; k0];
    for (id, &s) in ft0.ids.iter().zip(&s0.segments) {
        if let (true, Some(&t)) = (s > 0, refit_of.get(id.as_str())) {
            if t > 0 {
                overlap[s - 1][t - 1] += 1;
            }
        }
    }
    let size = |seg: &Segmentation, k: usize| {
        (1..=k).map(|s| seg.segments.iter().filter(|&&g| g == s).count()).collect::<Vec<_>>()
    };
    let c0 = centres(clustering_space(s0, ft0).view(), &s0.segments, k0);
    // The next period's accounts in the first fit's space, grouped by their refit segment.
    let in_refit: Vec<usize> = next.ft.ids.iter().map(|id| refit_of.get(id.as_str()).copied().unwrap_or(0)).collect();
    let c1 = centres(clustering_space(s0, &next.ft).view(), &in_refit, k1);
    let distance: Vec<Vec<f64>> = (0..k0)
        .map(|i| {
            (0..k1)
                .map(|j| c0.row(i).iter().zip(c1.row(j)).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt())
                .collect()
        })
        .collect();
    match_segments(&overlap, &size(s0, k0), &size(s1, k1), &distance)
}

/// Table **Segment matching**: per first-period segment, (its number and
/// its name before the refit, `before[s - 1]`, as
/// [`super::compare::segment_name`] writes them; its fate); then a row per
/// emerged segment.
pub fn matching_rows(m: &Matching, before: &[String]) -> Vec<[String; 2]> {
    let names = |v: &[usize]| {
        let mut v: Vec<usize> = v.to_vec();
        v.sort_unstable();
        v.iter().map(|s| format!("Segment {s}")).collect::<Vec<_>>().join(" and ")
    };
    let mut rows: Vec<[String; 2]> = m
        .fates
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let fate = match f {
                Fate::Survived { now } => format!("survived as Segment {now}"),
                Fate::Split { into } => format!("split into {}", names(into)),
                Fate::Merged { into } => format!("merged into Segment {into}"),
                Fate::Disappeared => "disappeared".into(),
            };
            [super::compare::segment_name(i + 1, before), fate]
        })
        .collect();
    rows.extend(m.emerged.iter().map(|&s| ["(none)".to_string(), format!("Segment {s} emerged")]));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::segment;
    use crate::features::extract;
    use crate::ingest::{detect_mapping, parse_bytes};
    use crate::job::Settings;
    use crate::model::Model;
    use std::sync::Arc;

    #[test]
    fn a_refit_of_the_same_file_with_another_seed_keeps_every_segment_and_its_number() {
        let csv = crate::sample::generate(4, 500);
        let (_, t) = parse_bytes(csv.as_bytes()).unwrap();
        let m = detect_mapping(&t);
        let ft = extract(&t, &m).unwrap();
        let first = segment(&ft, &Settings { k: Some(3), ..Default::default() }.options(&ft)).unwrap();
        let model = Model::of("a.csv", &t.headers, &m, &ft, &first, None);
        let (ft2, seg2) = model.score(&ft, &m, &|| 0.0, &mut |_| {}).unwrap();
        let next = NextPeriod::of((&ft, &first), "a.csv".into(), Arc::new(ft2), Arc::new(seg2));
        let mut refit = segment(&ft, &Settings { k: Some(3), seed: 7, ..Default::default() }.options(&ft)).unwrap();
        // Numbered the other way round: the matching must undo it.
        refit.renumber(&[3, 2, 1]);
        let matching = refit_matching((&ft, &first), &next, (&ft, &refit));
        assert!(matching.fates.iter().all(|f| matches!(f, Fate::Survived { .. })), "{:?}", matching.fates);
        refit.renumber(&matching.renumber);
        let agree = first.segments.iter().zip(&refit.segments).filter(|(a, b)| a == b).count();
        assert!(agree as f64 >= 0.95 * ft.ids.len() as f64, "{agree} of {} keep their number", ft.ids.len());
        assert_eq!(matching_rows(&matching, &[])[0], ["Segment 1".to_string(), "survived as Segment 1".to_string()]);
        let names = ["Spot holders".to_string()];
        assert_eq!(matching_rows(&matching, &names)[0][0], "Segment 1 · Spot holders");
        assert_eq!(refit.profiles.iter().map(|p| p.id).collect::<Vec<_>>(), vec![1, 2, 3]);
    }
}
