//! The data of canvas **Segment profile heatmap**: each segment's centre on
//! each clustering feature, in scaled units (standard deviations, or IQRs
//! with robust scaling, from the overall centre, after the feature's
//! transform: the profiles' `z_means`), features ordered by how much they
//! separate the segments (the standard deviation of their centres across
//! segments, largest first).

use crate::analysis::Segmentation;
use crate::features::FeatureTable;

/// Rows (segments) x columns (features) of scaled centres.
#[derive(Clone, Debug, PartialEq)]
pub struct Heatmap {
    /// Segment numbers, in order (`1..=k`).
    pub segments: Vec<usize>,
    /// Feature keys, the most separating first.
    pub features: Vec<String>,
    /// `values[row][col]`: segment `segments[row]`'s centre on `features[col]`.
    pub values: Vec<Vec<f64>>,
}

impl Heatmap {
    /// The heatmap of `seg` (clustering features only).
    pub fn of(ft: &FeatureTable, seg: &Segmentation) -> Heatmap {
        let kept = &seg.preprocessor.kept;
        // Columns of z_means (positions in `kept`) of the features used for clustering.
        let cols: Vec<(usize, usize)> =
            seg.used.iter().filter_map(|&j| kept.iter().position(|&c| c == j).map(|p| (j, p))).collect();
        let spread = |p: usize| {
            let v: Vec<f64> = seg.profiles.iter().map(|s| s.z_means.get(p).copied().unwrap_or(f64::NAN)).collect();
            let v: Vec<f64> = v.into_iter().filter(|x| x.is_finite()).collect();
            if v.len() < 2 {
                return 0.0;
            }
            let m = v.iter().sum::<f64>() / v.len() as f64;
            (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
        };
        let mut order: Vec<(usize, usize, f64)> = cols.into_iter().map(|(j, p)| (j, p, spread(p))).collect();
        order.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
        Heatmap {
            segments: seg.profiles.iter().map(|p| p.id).collect(),
            features: order.iter().map(|&(j, _, _)| ft.defs[j].key.clone()).collect(),
            values: seg
                .profiles
                .iter()
                .map(|s| order.iter().map(|&(_, p, _)| s.z_means.get(p).copied().unwrap_or(f64::NAN)).collect())
                .collect(),
        }
    }

    /// The largest `|value|`, at least 1: the colour scale runs from minus it to plus it.
    pub fn extent(&self) -> f64 {
        self.values.iter().flatten().filter(|v| v.is_finite()).fold(1.0_f64, |m, v| m.max(v.abs()))
    }
}

/// A diverging colour for `v` on a scale from `-extent` (blue, #4e79a7)
/// through white (0) to `+extent` (red, #e15759); light grey for NaN.
pub fn diverging(v: f64, extent: f64) -> (u8, u8, u8) {
    if !v.is_finite() {
        return (220, 220, 220);
    }
    let t = (v / extent).clamp(-1.0, 1.0);
    let (end, t) = if t < 0.0 { ((78.0, 121.0, 167.0), -t) } else { ((225.0, 87.0, 89.0), t) };
    let mix = |e: f64| (255.0 + (e - 255.0) * t).round() as u8;
    (mix(end.0), mix(end.1), mix(end.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_s_heatmap_puts_the_most_separating_feature_first() {
        let (_, t) = crate::ingest::parse_bytes(crate::sample::sample_csv().as_bytes()).unwrap();
        let ft = crate::features::extract(&t, &crate::ingest::detect_mapping(&t)).unwrap();
        let seg = crate::analysis::segment(&ft, &crate::job::Settings::default().options(&ft)).unwrap();
        let h = Heatmap::of(&ft, &seg);
        assert_eq!(h.segments, (1..=seg.k).collect::<Vec<_>>());
        assert_eq!(h.features.len(), seg.used.len());
        assert!(h.values.iter().all(|r| r.len() == h.features.len()));
        let sd = |c: usize| {
            let v: Vec<f64> = h.values.iter().map(|r| r[c]).collect();
            let m = v.iter().sum::<f64>() / v.len() as f64;
            v.iter().map(|x| (x - m).powi(2)).sum::<f64>()
        };
        assert!((1..h.features.len()).all(|c| sd(c - 1) >= sd(c) - 1e-12), "ordered by separation");
        assert!(h.extent() >= 1.0);
        assert_eq!(diverging(0.0, 2.0), (255, 255, 255));
        assert_eq!(diverging(5.0, 2.0), (225, 87, 89));
        assert_eq!(diverging(-2.0, 2.0), (78, 121, 167));
        assert_eq!(diverging(f64::NAN, 2.0), (220, 220, 220));
    }
}
