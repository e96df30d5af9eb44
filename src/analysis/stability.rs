//! Stability of a segmentation: would the segments come back on other data
//! from the same population?
//!
//! Subsample-pair stability (Ben-Hur, Elisseeff & Guyon, "A stability based
//! method for discovering structure in clustered data", PSB 2002; Lange et
//! al., *Neural Computation* 16(6), 2004): draw two random subsamples of a
//! `fraction` of the rows, cluster each with its own seed, and compare the
//! two labelings on the rows they share with the adjusted Rand index. The
//! mean over `runs` pairs is near 1 for structure the data really has, and
//! falls towards 0 when segments are an artefact of the sample or the seed.
//!
//! Per segment, the clusterwise Jaccard stability (Hennig, "Cluster-wise
//! assessment of cluster stability", *Computational Statistics & Data
//! Analysis* 52(1), 2007; R's `fpc::clusterboot` with subsetting): for each
//! subsample's clustering, a segment's accounts in the subsample are
//! compared with each of its clusters by the Jaccard coefficient
//! `|C ∩ D| / |C ∪ D|`, the best match kept; the mean over the subsamples
//! says how often the segment's accounts come back together. Hennig reads
//! 0.85 and above as highly stable, 0.6 to 0.75 as a pattern with doubts,
//! and 0.5 or below as dissolved.

use super::metrics::adjusted_rand_index;
use super::AnalysisError;
use ndarray::{ArrayView2, Axis};
use rand::seq::index::sample;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Result of [`subsample_stability`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Stability {
    /// Mean ARI over the pairs, in `[-0.5, 1]` (1 = identical segments every time).
    pub mean_ari: f64,
    /// Lowest ARI of any pair.
    pub min_ari: f64,
    /// Pairs compared.
    pub runs: usize,
    /// Rows per subsample.
    pub subsample: usize,
    /// Per segment `1..=k` (index `s - 1`): the mean clusterwise Jaccard
    /// over the `2 runs` subsample clusterings ([`clusterwise_jaccard`]);
    /// NaN for a segment with no account in any subsample. Empty when no
    /// reference segments were given.
    #[serde(default)]
    pub by_segment: Vec<f64>,
}

/// Clusterwise Jaccard of each reference segment `1..=k` against one
/// clustering of a subsample: `reference[i]` is row `i`'s segment (0 = noise,
/// not scored), `rows[p]` the row at subsample position `p` and `labels[p]`
/// its label in the subsample's clustering (any values; a noise label counts
/// as one more cluster). For segment `s`, with `C` its rows in the subsample,
/// the highest `|C ∩ D| / |C ∪ D|` over the clusters `D`; NaN when `C` is
/// empty. Hennig (2007), as `fpc::clusterboot`.
pub fn clusterwise_jaccard(reference: &[usize], rows: &[usize], labels: &[usize], k: usize) -> Vec<f64> {
    use std::collections::HashMap;
    // Counts: |C| per segment, |D| per label, |C ∩ D| per pair.
    let mut c_size = vec![0usize; k + 1];
    let mut d_size: HashMap<usize, usize> = HashMap::new();
    let mut both: HashMap<(usize, usize), usize> = HashMap::new();
    for (&i, &l) in rows.iter().zip(labels) {
        let s = reference.get(i).copied().unwrap_or(0).min(k + 1);
        *d_size.entry(l).or_default() += 1;
        if (1..=k).contains(&s) {
            c_size[s] += 1;
            *both.entry((s, l)).or_default() += 1;
        }
    }
    (1..=k)
        .map(|s| {
            if c_size[s] == 0 {
                return f64::NAN;
            }
            both.iter()
                .filter(|((cs, _), _)| *cs == s)
                .map(|((_, l), &inter)| inter as f64 / (c_size[s] + d_size[l] - inter) as f64)
                .fold(0.0, f64::max)
        })
        .collect()
}

/// Mean ARI between clusterings of `runs` pairs of random subsamples of `x`
/// (`n x d`), each of `ceil(fraction n)` rows, compared on their shared rows.
///
/// `fit(rows, seed)` clusters a subsample and returns one label per row;
/// label values need not agree between calls (ARI ignores names). Noise can
/// be given its own label. With `reference` (each row's segment `1..=k`, 0
/// for noise, and `k`), each segment's mean clusterwise Jaccard over the
/// `2 runs` subsample clusterings is in [`Stability::by_segment`].
/// Errors: whatever `fit` returns.
pub fn subsample_stability(
    x: ArrayView2<f64>,
    runs: usize,
    fraction: f64,
    seed: u64,
    reference: Option<(&[usize], usize)>,
    fit: impl Fn(ArrayView2<f64>, u64) -> Result<Vec<usize>, AnalysisError>,
) -> Result<Stability, AnalysisError> {
    let n = x.nrows();
    let m = ((fraction * n as f64).ceil() as usize).clamp(2.min(n), n);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut aris = Vec::with_capacity(runs);
    let k = reference.map_or(0, |(_, k)| k);
    // Per segment: sum of the Jaccards and how many subsamples held the segment.
    let mut jaccard = vec![(0.0, 0usize); k];
    for r in 0..runs as u64 {
        let a = sample(&mut rng, n, m).into_vec();
        let b = sample(&mut rng, n, m).into_vec();
        let la = fit(x.select(Axis(0), &a).view(), seed.wrapping_add(2 * r + 1))?;
        let lb = fit(x.select(Axis(0), &b).view(), seed.wrapping_add(2 * r + 2))?;
        if let Some((segments, k)) = reference {
            for (rows, labels) in [(&a, &la), (&b, &lb)] {
                for (acc, j) in jaccard.iter_mut().zip(clusterwise_jaccard(segments, rows, labels, k)) {
                    if j.is_finite() {
                        *acc = (acc.0 + j, acc.1 + 1);
                    }
                }
            }
        }
        let mut in_b = vec![usize::MAX; n];
        for (pos, &i) in b.iter().enumerate() {
            in_b[i] = pos;
        }
        let (mut sa, mut sb) = (Vec::new(), Vec::new());
        for (pos, &i) in a.iter().enumerate() {
            if in_b[i] != usize::MAX {
                sa.push(la[pos]);
                sb.push(lb[in_b[i]]);
            }
        }
        aris.push(adjusted_rand_index(&sa, &sb));
    }
    let mean_ari = aris.iter().sum::<f64>() / aris.len().max(1) as f64;
    let min_ari = aris.iter().copied().fold(f64::INFINITY, f64::min);
    let by_segment = jaccard.iter().map(|&(sum, c)| if c > 0 { sum / c as f64 } else { f64::NAN }).collect();
    Ok(Stability { mean_ari, min_ari, runs, subsample: m, by_segment })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::KMeans;
    use ndarray::Array2;
    use rand::Rng;

    #[test]
    fn real_clusters_are_stable_and_noise_is_not() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let blobs = Array2::from_shape_fn((300, 2), |(i, _)| (i % 3) as f64 * 10.0 + rng.random::<f64>());
        let uniform = Array2::from_shape_fn((300, 2), |_| rng.random::<f64>());
        let km = |x: ArrayView2<f64>, s: u64| KMeans::new(3).n_init(1).seed(s).fit(x).map(|f| f.labels);
        let truth: Vec<usize> = (0..300).map(|i| i % 3 + 1).collect();
        let stable = subsample_stability(blobs.view(), 5, 0.8, 1, Some((&truth, 3)), km).unwrap();
        assert!(stable.mean_ari > 0.99, "{stable:?}");
        assert!(stable.by_segment.len() == 3 && stable.by_segment.iter().all(|&j| j > 0.99), "{stable:?}");
        let km6 = |x: ArrayView2<f64>, s: u64| KMeans::new(6).n_init(1).seed(s).fit(x).map(|f| f.labels);
        let whole: Vec<usize> = km6(uniform.view(), 9).unwrap().iter().map(|l| l + 1).collect();
        let artefact = subsample_stability(uniform.view(), 5, 0.8, 1, Some((&whole, 6)), km6).unwrap();
        assert!(artefact.mean_ari < stable.mean_ari - 0.2, "{artefact:?}");
        assert_eq!(artefact.subsample, 240);
        let mean_jaccard = artefact.by_segment.iter().sum::<f64>() / 6.0;
        assert!(mean_jaccard < 0.9, "segments cut out of uniform noise come back less often: {artefact:?}");
        assert!(subsample_stability(blobs.view(), 2, 0.8, 1, None, km).unwrap().by_segment.is_empty());
    }

    #[test]
    fn clusterwise_jaccard_by_hand() {
        // Rows 0..6 in segments 1,1,1,2,2,0; a subsample of rows 0,1,3,4,5 clustered a,a,b,a,c.
        let reference = [1, 1, 1, 2, 2, 0];
        let j = clusterwise_jaccard(&reference, &[0, 1, 3, 4, 5], &[7, 7, 8, 7, 9], 3);
        // Segment 1: C = {0,1}; D(7) = {0,1,4}: 2/3. Segment 2: C = {3,4}; D(8) = {3}: 1/2, D(7): 1/4.
        assert_eq!(j[0], 2.0 / 3.0);
        assert_eq!(j[1], 0.5);
        assert!(j[2].is_nan(), "segment 3 has no account in the subsample");
    }
}
