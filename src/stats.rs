//! Statistics helpers shared by the feature stage and the analysis (no
//! dependency of their own, so neither layer points back at the other).

/// Median of a slice (mean of the two middle values for even length); NaN if empty.
///
/// The middle values are found by selection (`select_nth_unstable_by`,
/// O(n)), not by sorting: the median of a million values, once per feature
/// in the analysis' imputation, took most of its "scale" step. Under
/// `f64::total_cmp` equal values have equal bits, so the result is the
/// sorted slice's `s[m]` (and `s[m - 1]`) exactly.
pub fn median(v: &[f64]) -> f64 {
    median_in_place(&mut v.to_vec())
}

/// [`median`], reordering `s` instead of copying it.
pub fn median_in_place(s: &mut [f64]) -> f64 {
    if s.is_empty() {
        return f64::NAN;
    }
    let m = s.len() / 2;
    let odd = s.len() % 2 == 1;
    let (left, &mut mid, _) = s.select_nth_unstable_by(m, f64::total_cmp);
    if odd {
        mid
    } else {
        let below = left.iter().copied().max_by(f64::total_cmp).unwrap_or(mid);
        (below + mid) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_by_selection_is_the_sorted_ones() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for n in [1, 2, 3, 4, 5, 10, 11, 1000, 1001] {
            for _ in 0..50 {
                // Repeated values, signed zeros and both signs.
                let v: Vec<f64> =
                    (0..n).map(|_| [0.0, -0.0, 1.5, -2.25, rng.random::<f64>()][rng.random_range(0..5)]).collect();
                let mut s = v.clone();
                s.sort_by(f64::total_cmp);
                let m = n / 2;
                let want = if n % 2 == 1 { s[m] } else { (s[m - 1] + s[m]) / 2.0 };
                assert_eq!(median(&v).to_bits(), want.to_bits(), "{v:?}");
            }
        }
        assert!(median(&[]).is_nan());
    }
}
