//! The Distributions view without a browser: per feature, a box plot of
//! each segment's values and of all accounts (Tukey's box: quartiles,
//! median, whiskers to the most extreme value within 1.5 IQR of the box,
//! as matplotlib's `boxplot` draws by default), on a log axis when the
//! feature is heavy-tailed; and each segment's median and interquartile
//! range next to the overall (table **Medians by segment**).

use crate::analysis::preprocess::{quantile_sorted, skewness};
use crate::analysis::Segmentation;
use crate::features::FeatureTable;

/// Tukey's box of some values (missing ones left out). Quartiles are
/// `numpy.percentile(v, [25, 50, 75])` (linear interpolation).
#[derive(Clone, Debug, PartialEq)]
pub struct BoxStats {
    /// Values counted (finite).
    pub n: usize,
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    /// The lowest value at or above `q1 - 1.5 IQR`, and the highest at or below `q3 + 1.5 IQR`.
    pub whisker_lo: f64,
    pub whisker_hi: f64,
    /// Values beyond the whiskers.
    pub outliers: usize,
}

impl BoxStats {
    /// The box of `values` (NaN and infinities left out); `None` when none is finite.
    pub fn of(values: impl Iterator<Item = f64>) -> Option<BoxStats> {
        let mut v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let (q1, median, q3) = (quantile_sorted(&v, 0.25), quantile_sorted(&v, 0.5), quantile_sorted(&v, 0.75));
        let iqr = q3 - q1;
        let (lo, hi) = (q1 - 1.5 * iqr, q3 + 1.5 * iqr);
        let whisker_lo = v.iter().copied().find(|&x| x >= lo).unwrap_or(q1);
        let whisker_hi = v.iter().rev().copied().find(|&x| x <= hi).unwrap_or(q3);
        let outliers = v.iter().filter(|&&x| x < lo || x > hi).count();
        Some(BoxStats { n: v.len(), q1, median, q3, whisker_lo, whisker_hi, outliers })
    }

    /// The interquartile range, `q3 - q1`.
    pub fn iqr(&self) -> f64 {
        self.q3 - self.q1
    }
}

/// One feature's distribution overall and per segment.
#[derive(Clone, Debug, PartialEq)]
pub struct Distribution {
    /// Index of the feature in the table's defs.
    pub feature: usize,
    /// All accounts (noise included).
    pub overall: Option<BoxStats>,
    /// Per segment `1..=k` (index `s - 1`): `None` when the segment has no value.
    pub by_segment: Vec<Option<BoxStats>>,
    /// Draw on a `ln(1 + x)` axis: the feature is heavy-tailed (|skewness|
    /// over 1, the preprocessor's rule for a log transform) and never negative.
    pub log: bool,
}

/// Feature `j`'s distribution over the accounts of `ft`, by the segments of `seg`.
pub fn distribution(ft: &FeatureTable, seg: &Segmentation, j: usize) -> Distribution {
    let column = ft.values.column(j);
    let mut per: Vec<Vec<f64>> = vec![Vec::new(); seg.k];
    for (i, &s) in seg.segments.iter().enumerate() {
        if s >= 1 && s <= seg.k && i < column.len() {
            per[s - 1].push(column[i]);
        }
    }
    let finite: Vec<f64> = column.iter().copied().filter(|x| x.is_finite()).collect();
    let log = !finite.is_empty() && finite.iter().all(|&x| x >= 0.0) && skewness(&finite).abs() > 1.0;
    Distribution {
        feature: j,
        overall: BoxStats::of(finite.into_iter()),
        by_segment: per.into_iter().map(|v| BoxStats::of(v.into_iter())).collect(),
        log,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_box_matches_numpy_and_matplotlib() {
        // numpy.percentile([1,2,2,3,4,5,8,13,21,100], [25, 50, 75]) = 2.25, 4.5, 11.75;
        // whiskers (matplotlib, whis=1.5) 1 and 21, one outlier (100).
        let b = BoxStats::of([1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 8.0, 13.0, 21.0, 100.0, f64::NAN].into_iter()).unwrap();
        assert_eq!((b.n, b.q1, b.median, b.q3), (10, 2.25, 4.5, 11.75));
        assert_eq!((b.whisker_lo, b.whisker_hi, b.outliers), (1.0, 21.0, 1));
        assert_eq!(b.iqr(), 9.5);
        assert!(BoxStats::of([f64::NAN].into_iter()).is_none());
        let one = BoxStats::of([7.0].into_iter()).unwrap();
        assert_eq!((one.q1, one.median, one.q3, one.whisker_lo, one.whisker_hi), (7.0, 7.0, 7.0, 7.0, 7.0));
    }
}
