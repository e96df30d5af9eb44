//! How a feature's distribution moved between two periods: the population
//! stability index ([`psi`]) and the two-sample Kolmogorov-Smirnov
//! statistic ([`ks_statistic`]).

use super::preprocess::quantile_sorted;

/// PSI at or above this: a moderate shift (the usual credit-scoring rule of
/// thumb, e.g. Siddiqi, *Credit Risk Scorecards*, 2006).
pub const PSI_MODERATE: f64 = 0.1;
/// PSI at or above this: a major shift.
pub const PSI_MAJOR: f64 = 0.25;
/// A bin share of 0 is replaced by this before the logarithm (the shares are
/// not renormalised): an empty bin then adds a large but finite term.
pub const PSI_EMPTY_SHARE: f64 = 1e-4;
/// At least this share of zeros in the reference gives zero a bin of its own.
pub const PSI_ZERO_BIN_SHARE: f64 = 0.1;

/// Population stability index of `current` against `reference`:
/// `sum_i (c_i - r_i) ln(c_i / r_i)` over bins `i`, with `r_i` and `c_i` each
/// period's share of accounts in the bin.
///
/// Bins: at the reference's deciles (numpy's `quantile`, linear, at 0.1 to
/// 0.9; repeated edges merged), a value `v` in the bin of the first edge
/// `>= v` (numpy's `searchsorted(side="left")`), above the last edge in the
/// last bin. When at least [`PSI_ZERO_BIN_SHARE`] of the reference is zero
/// (`reference_zero[i]`: the raw value is 0, as a share or a count often
/// is), zeros get a bin of their own and the deciles are those of the
/// non-zero values. Shares are of all accounts of the period; an empty bin's
/// share is [`PSI_EMPTY_SHARE`].
///
/// The values should be the transformed feature (any increasing transform
/// gives the same bins). `reference` must be non-empty; both slices of
/// flags are as long as their values; NaN values are left out (NaN if the
/// reference has none left). Checked against a numpy
/// implementation of the same definition in the tests.
pub fn psi(reference: &[f64], reference_zero: &[bool], current: &[f64], current_zero: &[bool]) -> f64 {
    // NaN (not expected: values are imputed) is left out rather than binned.
    let keep = |v: &[f64], z: &[bool]| -> (Vec<f64>, Vec<bool>) {
        v.iter().zip(z).filter(|(x, _)| !x.is_nan()).map(|(&x, &z)| (x, z)).unzip()
    };
    let ((reference, reference_zero), (current, current_zero)) =
        (keep(reference, reference_zero), keep(current, current_zero));
    let (reference, reference_zero, current, current_zero) =
        (&reference[..], &reference_zero[..], &current[..], &current_zero[..]);
    if reference.is_empty() {
        return f64::NAN;
    }
    let zeros = reference_zero.iter().filter(|&&z| z).count();
    let zero_bin = zeros as f64 >= PSI_ZERO_BIN_SHARE * reference.len() as f64;
    let mut sorted: Vec<f64> =
        reference.iter().zip(reference_zero).filter(|(_, &z)| !(zero_bin && z)).map(|(&v, _)| v).collect();
    sorted.sort_by(f64::total_cmp);
    let mut edges: Vec<f64> = if sorted.is_empty() {
        Vec::new()
    } else {
        (1..10).map(|q| quantile_sorted(&sorted, q as f64 / 10.0)).collect()
    };
    edges.dedup();
    let shares = |values: &[f64], zero: &[bool]| {
        let mut counts = vec![0usize; edges.len() + 1 + zero_bin as usize];
        for (&v, &z) in values.iter().zip(zero) {
            let bin = if zero_bin && z { edges.len() + 1 } else { edges.partition_point(|&e| e < v) };
            counts[bin] += 1;
        }
        let n = values.len().max(1) as f64;
        counts.into_iter().map(|c| if c == 0 { PSI_EMPTY_SHARE } else { c as f64 / n }).collect::<Vec<f64>>()
    };
    let (r, c) = (shares(reference, reference_zero), shares(current, current_zero));
    r.iter().zip(&c).map(|(r, c)| (c - r) * (c / r).ln()).sum()
}

/// The two-sample Kolmogorov-Smirnov statistic: the largest distance
/// between the empirical distribution functions of `a` and `b`,
/// `sup_x |F_a(x) - F_b(x)|`, in `[0, 1]` (scipy's
/// `ks_2samp(a, b).statistic`; NaN values are left out). 0 if either is empty.
pub fn ks_statistic(a: &[f64], b: &[f64]) -> f64 {
    // NaN is left out: it would stop the walk below (NaN.min(NaN) advances neither side).
    let (mut a, mut b): (Vec<f64>, Vec<f64>) =
        (a.iter().copied().filter(|x| !x.is_nan()).collect(), b.iter().copied().filter(|x| !x.is_nan()).collect());
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        // Step past every copy of the smaller value in both samples, then compare.
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / nb).abs());
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values: tests/golden/drift.py on these sequences, with scipy
    // 1.17.1 (`ks_2samp`) and numpy 2.4.6 running the definition of `psi`
    // above (quantile, unique, searchsorted, 1e-4 for an empty bin's share).
    fn a() -> Vec<f64> {
        (0..200).map(|i| ((i * 37) % 101) as f64 / 10.0).collect()
    }
    fn b() -> Vec<f64> {
        (0..150).map(|i| (((i * 53) % 97) as f64 / 9.0).powf(1.1)).collect()
    }
    fn zero_every(v: &[f64], m: usize) -> Vec<f64> {
        v.iter().enumerate().map(|(i, &x)| if i % m == 0 { 0.0 } else { x }).collect()
    }
    fn zero(v: &[f64]) -> Vec<bool> {
        v.iter().map(|&x| x == 0.0).collect()
    }

    #[test]
    fn psi_and_ks_match_numpy_and_scipy() {
        let (a, b) = (a(), b());
        let no = |v: &[f64]| vec![false; v.len()];
        assert!((psi(&a, &no(&a), &b, &no(&b)) - 0.2643940775542247).abs() < 1e-12);
        assert!((ks_statistic(&a, &b) - 0.23333333333333334).abs() < 1e-15);
        // 25 % zeros in the reference: zero has a bin of its own.
        let (a2, b2) = (zero_every(&a, 4), zero_every(&b, 3));
        assert!((psi(&a2, &zero(&a2), &b2, &zero(&b2)) - 0.2386108572172327).abs() < 1e-12);
        assert!((ks_statistic(&a2, &b2) - 0.15833333333333333).abs() < 1e-15);
        // Shifted by 5: the upper bins are nearly all empty in the reference's terms.
        let c: Vec<f64> = a.iter().map(|v| v + 5.0).collect();
        assert!((psi(&a, &no(&a), &c, &no(&c)) - 3.8905201190918675).abs() < 1e-12);
        assert!((ks_statistic(&a, &c) - 0.495).abs() < 1e-15);
    }

    #[test]
    fn nan_is_left_out_rather_than_stopping_the_walk() {
        let (a, b) = ([1.0, f64::NAN, 3.0], [f64::NAN, 2.0, 4.0]);
        assert_eq!(ks_statistic(&a, &b), ks_statistic(&[1.0, 3.0], &[2.0, 4.0]));
        assert_eq!(psi(&a, &[false; 3], &b, &[false; 3]), psi(&[1.0, 3.0], &[false; 2], &[2.0, 4.0], &[false; 2]));
        assert!(psi(&[f64::NAN], &[false], &b, &[false; 3]).is_nan());
    }

    #[test]
    fn the_same_sample_has_no_drift() {
        let a = a();
        assert_eq!(psi(&a, &vec![false; a.len()], &a, &vec![false; a.len()]), 0.0);
        assert_eq!(ks_statistic(&a, &a), 0.0);
        assert_eq!(ks_statistic(&a, &[]), 0.0);
    }
}
