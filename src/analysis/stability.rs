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
}

/// Mean ARI between clusterings of `runs` pairs of random subsamples of `x`
/// (`n x d`), each of `ceil(fraction n)` rows, compared on their shared rows.
///
/// `fit(rows, seed)` clusters a subsample and returns one label per row;
/// label values need not agree between calls (ARI ignores names). Noise can
/// be given its own label. Errors: whatever `fit` returns.
pub fn subsample_stability(
    x: ArrayView2<f64>,
    runs: usize,
    fraction: f64,
    seed: u64,
    fit: impl Fn(ArrayView2<f64>, u64) -> Result<Vec<usize>, AnalysisError>,
) -> Result<Stability, AnalysisError> {
    let n = x.nrows();
    let m = ((fraction * n as f64).ceil() as usize).clamp(2.min(n), n);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut aris = Vec::with_capacity(runs);
    for r in 0..runs as u64 {
        let a = sample(&mut rng, n, m).into_vec();
        let b = sample(&mut rng, n, m).into_vec();
        let la = fit(x.select(Axis(0), &a).view(), seed.wrapping_add(2 * r + 1))?;
        let lb = fit(x.select(Axis(0), &b).view(), seed.wrapping_add(2 * r + 2))?;
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
    Ok(Stability { mean_ari, min_ari, runs, subsample: m })
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
        let stable = subsample_stability(blobs.view(), 5, 0.8, 1, km).unwrap();
        assert!(stable.mean_ari > 0.99, "{stable:?}");
        let km6 = |x: ArrayView2<f64>, s: u64| KMeans::new(6).n_init(1).seed(s).fit(x).map(|f| f.labels);
        let artefact = subsample_stability(uniform.view(), 5, 0.8, 1, km6).unwrap();
        assert!(artefact.mean_ari < stable.mean_ari - 0.2, "{artefact:?}");
        assert_eq!(artefact.subsample, 240);
    }
}
