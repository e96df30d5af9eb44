//! HDBSCAN: hierarchical density-based clustering with noise.
//!
//! The algorithm of Campello, Moulavi & Sander (2013, "Density-based
//! clustering based on hierarchical density estimates", PAKDD) in the form of
//! McInnes, Healy & Astels (2017, "hdbscan: Hierarchical density based
//! clustering", JOSS), step for step as scikit-learn 1.9's `HDBSCAN` with
//! `metric="euclidean"`, `cluster_selection_method="eom"`,
//! `allow_single_cluster=False`, `cluster_selection_epsilon=0`, `alpha=1`
//! (`sklearn/cluster/_hdbscan/hdbscan.py`, `_linkage.pyx`, `_tree.pyx`):
//!
//! 1. core distance of a point: Euclidean distance to its `min_samples`-th
//!    nearest neighbour, the point itself counting as the first (so
//!    `min_samples = 1` gives 0);
//! 2. mutual reachability distance `max(core_i, core_j, d_ij)`;
//! 3. its minimum spanning tree by Prim's algorithm on the dense graph,
//!    distances computed on the fly (O(n²) time, O(n) memory), with
//!    scikit-learn's choice of edge at every step (`mst_from_data_matrix`);
//! 4. edges sorted by weight, single-linkage tree by union-find
//!    (`make_single_linkage`);
//! 5. tree condensed with `min_cluster_size` (`_condense_tree`), cluster
//!    stabilities (`_compute_stability`), excess-of-mass selection, labels
//!    and membership probabilities (`_get_clusters`, `_do_labelling`,
//!    `get_probabilities`, including its `max_lambdas` bookkeeping).
//!
//! One deliberate difference: edges of equal weight are sorted stably (in
//! Prim order), where scikit-learn calls numpy's default `argsort`, whose
//! order for ties depends on the CPU (AVX-512, AVX2 or scalar code). Equal
//! weights are common here (an edge's weight is often a core distance) and
//! their order can move a few points between a cluster and noise, so on such
//! data scikit-learn's own answer varies between machines. With a stable sort
//! in scikit-learn's pipeline the two agree exactly
//! (`tests/golden_hdbscan.rs`).

use super::params::ParamError;
use super::AnalysisError;
use ndarray::ArrayView2;

/// HDBSCAN parameters (Campello, Moulavi & Sander 2013; McInnes, Healy &
/// Astels 2017), as scikit-learn's `HDBSCAN` with `metric="euclidean"`,
/// `cluster_selection_method="eom"`, `allow_single_cluster=false`,
/// `cluster_selection_epsilon=0`, `alpha=1`.
///
/// Rules ([`Hdbscan::check`], run first by [`Hdbscan::fit`]):
/// `min_cluster_size >= 2`, `min_samples` is `None` or at least 1.
///
/// Shapes: `fit` takes `x` as `n_samples x n_features` and labels each
/// sample (`None` = noise).
///
/// ```
/// use ndarray::array;
/// use segscope::analysis::Hdbscan;
///
/// // Two tight groups of three and one far point: 7 x 2.
/// let x = array![[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [9.0, 9.0], [9.1, 9.0], [9.0, 9.1], [50.0, -40.0]];
/// let fitted = Hdbscan::new(3).min_samples(2).fit(x.view()).unwrap();
/// assert_eq!(fitted.n_clusters, 2);
/// assert_eq!(fitted.labels.len(), 7);
/// assert_eq!(fitted.labels[0], fitted.labels[2]);
/// assert_ne!(fitted.labels[0], fitted.labels[3]);
/// assert_eq!(fitted.labels[6], None); // noise
/// assert!(Hdbscan::new(1).fit(x.view()).is_err());
/// ```
#[derive(Clone, Debug)]
pub struct Hdbscan {
    /// Smallest group of samples that counts as a cluster (at least 2; default 5).
    pub min_cluster_size: usize,
    /// Neighbourhood size of the core distance, the sample itself included
    /// (at least 1); `None` uses `min_cluster_size`, as scikit-learn does.
    pub min_samples: Option<usize>,
    /// Largest number of samples `fit` accepts (default 20 000): the method
    /// is exact and takes O(n²) time.
    pub max_samples: usize,
}

impl Default for Hdbscan {
    /// `min_cluster_size = 5`, `min_samples = None`, `max_samples = 20_000`.
    fn default() -> Self {
        Hdbscan { min_cluster_size: 5, min_samples: None, max_samples: 20_000 }
    }
}

impl Hdbscan {
    /// `min_cluster_size` as given, the other parameters as [`Hdbscan::default`].
    pub fn new(min_cluster_size: usize) -> Self {
        Hdbscan { min_cluster_size, ..Hdbscan::default() }
    }
    /// Sets the neighbourhood size of the core distance (`Some(n)`).
    pub fn min_samples(mut self, n: usize) -> Self {
        self.min_samples = Some(n);
        self
    }
    /// Sets the largest number of samples `fit` accepts.
    pub fn max_samples(mut self, n: usize) -> Self {
        self.max_samples = n;
        self
    }

    /// Checks the rules of [`Hdbscan`], in the order listed there.
    ///
    /// Errors: [`ParamError::MinClusterSize`], [`ParamError::MinSamples`].
    pub fn check(&self) -> Result<(), ParamError> {
        if self.min_cluster_size < 2 {
            return Err(ParamError::MinClusterSize { value: self.min_cluster_size });
        }
        if self.min_samples == Some(0) {
            return Err(ParamError::MinSamples);
        }
        Ok(())
    }
}

/// A fitted HDBSCAN clustering of the training samples.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedHdbscan {
    /// Cluster of each sample, `Some(0..n_clusters)`, or `None` for noise
    /// (scikit-learn's -1). Numbered as scikit-learn numbers them: in the
    /// order of the clusters' ids in the condensed tree.
    pub labels: Vec<Option<usize>>,
    /// scikit-learn's `probabilities_`: strength of membership in the sample's
    /// cluster, in `[0, 1]`; 0 for noise.
    pub probabilities: Vec<f64>,
    /// Number of clusters found (0 if every sample is noise).
    pub n_clusters: usize,
}

impl Hdbscan {
    /// Clusters the rows of `x` (`n_samples x n_features`, any units;
    /// standardise first if the features are on different scales).
    ///
    /// Errors: [`AnalysisError::Param`] if [`Hdbscan::check`] fails
    /// (`min_cluster_size < 2` or `min_samples == Some(0)`); [`AnalysisError::TooFewSamples`] if there
    /// are fewer samples than `min_cluster_size`, `min_samples` or 2;
    /// [`AnalysisError::TooManySamples`] above `max_samples`;
    /// [`AnalysisError::NonFinite`] for NaN or infinite input.
    pub fn fit(&self, x: ArrayView2<f64>) -> Result<FittedHdbscan, AnalysisError> {
        self.check()?;
        let (n, mcs) = (x.nrows(), self.min_cluster_size);
        let min_samples = self.min_samples.unwrap_or(mcs);
        let needed = mcs.max(min_samples);
        if n < needed {
            return Err(AnalysisError::TooFewSamples { n, needed, what: "HDBSCAN" });
        }
        if n > self.max_samples {
            return Err(AnalysisError::TooManySamples { n, max: self.max_samples, what: "HDBSCAN" });
        }
        if let Some(((row, col), _)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(AnalysisError::NonFinite { row, col });
        }
        let points = Points { data: x.iter().copied().collect(), n, d: x.ncols() };
        let core = core_distances(&points, min_samples);
        let mut mst = prim_mst(&points, &core);
        mst.sort_by(|a, b| a.2.total_cmp(&b.2)); // stable: ties stay in Prim order
        let tree = condense(&single_linkage(n, &mst), mcs);
        Ok(select_clusters(&tree, n))
    }
}

/// The samples, row-major and contiguous.
struct Points {
    data: Vec<f64>,
    n: usize,
    d: usize,
}

impl Points {
    /// Squared Euclidean distance, summed in feature order as scikit-learn's `EuclideanDistance64.rdist`.
    fn rdist(&self, i: usize, j: usize) -> f64 {
        let (a, b) = (&self.data[i * self.d..(i + 1) * self.d], &self.data[j * self.d..(j + 1) * self.d]);
        a.iter().zip(b).fold(0.0, |s, (p, q)| s + (p - q) * (p - q))
    }
    fn dist(&self, i: usize, j: usize) -> f64 {
        self.rdist(i, j).sqrt()
    }
}

/// Distance of each sample to its `k`-th nearest sample, itself included (sklearn's `kneighbors(X, k)[:, -1]`).
fn core_distances(x: &Points, k: usize) -> Vec<f64> {
    let n = x.n;
    let mut row = vec![0.0; n];
    (0..n)
        .map(|i| {
            row.iter_mut().enumerate().for_each(|(j, r)| *r = x.rdist(i, j));
            row.select_nth_unstable_by(k - 1, f64::total_cmp).1.sqrt() // sqrt is monotone: same k-th value
        })
        .collect()
}

/// Prim's minimum spanning tree of the mutual-reachability graph as
/// scikit-learn's `mst_from_data_matrix`: edges `(source, target, weight)` in
/// the order they are added, ties broken as there.
fn prim_mst(x: &Points, core: &[f64]) -> Vec<(usize, usize, f64)> {
    let n = core.len();
    let mut in_tree = vec![false; n];
    let mut min_reach = vec![f64::INFINITY; n];
    let mut source = vec![1usize; n]; // sklearn initialises `current_sources` with ones
    let mut current = 0;
    let mut mst = Vec::with_capacity(n - 1);
    for _ in 1..n {
        in_tree[current] = true;
        let (mut best, mut best_src, mut best_node) = (f64::MAX, 0, usize::MAX);
        for j in (0..n).filter(|&j| !in_tree[j]) {
            let mr = core[current].max(core[j]).max(x.dist(current, j));
            if mr < min_reach[j] {
                min_reach[j] = mr;
                source[j] = current;
                if mr < best {
                    (best, best_src, best_node) = (mr, current, j);
                }
            } else if min_reach[j] < best {
                (best, best_src, best_node) = (min_reach[j], source[j], j);
            }
        }
        if best_node == usize::MAX {
            // Every remaining weight is infinite (coordinates near f64::MAX): sklearn would emit a
            // self-loop here; join the first remaining sample instead.
            best_node = in_tree.iter().position(|&t| !t).unwrap_or(0);
            (best, best_src) = (f64::INFINITY, current);
        }
        mst.push((best_src, best_node, best));
        current = best_node;
    }
    mst
}

/// One merge of the single-linkage tree (scipy/sklearn format): nodes `0..n`
/// are samples, node `n + i` is the merge in row `i`.
struct Merge {
    left: usize,
    right: usize,
    distance: f64,
    size: usize,
}

/// Single-linkage tree from MST edges sorted by weight (sklearn's `make_single_linkage`).
fn single_linkage(n: usize, mst: &[(usize, usize, f64)]) -> Vec<Merge> {
    let mut parent: Vec<usize> = (0..2 * n - 1).collect();
    let mut size = vec![1usize; 2 * n - 1];
    let find = |parent: &mut Vec<usize>, mut a: usize| {
        let mut root = a;
        while parent[root] != root {
            root = parent[root];
        }
        while parent[a] != root {
            let next = parent[a];
            parent[a] = root;
            a = next;
        }
        root
    };
    mst.iter()
        .enumerate()
        .map(|(i, &(a, b, distance))| {
            let (left, right) = (find(&mut parent, a), find(&mut parent, b));
            let new = n + i;
            (parent[left], parent[right], size[new]) = (new, new, size[left] + size[right]);
            Merge { left, right, distance, size: size[new] }
        })
        .collect()
}

/// A row of the condensed tree: `child` (a sample `< n`, or a cluster id
/// `> n`; the root cluster is `n`) of `size` samples leaves `parent` at
/// `lambda = 1 / distance`.
struct Condensed {
    parent: usize,
    child: usize,
    lambda: f64,
    size: usize,
}

/// Breadth-first node order of the subtree of `root` (sklearn's `bfs_from_hierarchy`).
fn bfs(tree: &[Merge], root: usize) -> Vec<usize> {
    let n = tree.len() + 1;
    let mut out = vec![root];
    let mut start = 0;
    while start < out.len() {
        let end = out.len();
        for k in start..end {
            if out[k] >= n {
                let m = &tree[out[k] - n];
                out.extend([m.left, m.right]);
            }
        }
        start = end;
    }
    out
}

/// Condenses the single-linkage tree: a split into two parts of at least
/// `mcs` samples makes two new clusters; a smaller part falls out of its
/// parent cluster sample by sample (sklearn's `_condense_tree`, same row order).
fn condense(tree: &[Merge], mcs: usize) -> Vec<Condensed> {
    let n = tree.len() + 1;
    let root = 2 * n - 2;
    let mut relabel = vec![0; root + 1];
    relabel[root] = n;
    let mut next_label = n + 1;
    let mut ignore = vec![false; root + 1];
    let mut rows = Vec::with_capacity(2 * n);
    let count = |c: usize| if c >= n { tree[c - n].size } else { 1 };
    for node in bfs(tree, root) {
        if ignore[node] || node < n {
            continue;
        }
        let Merge { left, right, distance, .. } = tree[node - n];
        let lambda = if distance > 0.0 { 1.0 / distance } else { f64::INFINITY };
        let (parent, big_left, big_right) = (relabel[node], count(left) >= mcs, count(right) >= mcs);
        let mut fall_out = |sub: usize, rows: &mut Vec<Condensed>| {
            for s in bfs(tree, sub) {
                if s < n {
                    rows.push(Condensed { parent, child: s, lambda, size: 1 });
                }
                ignore[s] = true;
            }
        };
        match (big_left, big_right) {
            (true, true) => {
                for c in [left, right] {
                    relabel[c] = next_label;
                    next_label += 1;
                    rows.push(Condensed { parent, child: relabel[c], lambda, size: count(c) });
                }
            }
            (false, false) => {
                fall_out(left, &mut rows);
                fall_out(right, &mut rows);
            }
            (false, true) => {
                relabel[right] = parent;
                fall_out(left, &mut rows);
            }
            (true, false) => {
                relabel[left] = parent;
                fall_out(right, &mut rows);
            }
        }
    }
    rows
}

/// Excess-of-mass cluster selection, labels and probabilities on the
/// condensed tree of `n` samples (sklearn's `_compute_stability`,
/// `_get_clusters`, `_do_labelling`, `get_probabilities`), root never selected.
fn select_clusters(rows: &[Condensed], n: usize) -> FittedHdbscan {
    // Cluster ids run n..=last; a child's id is larger than its parent's.
    let last = rows.iter().map(|r| r.parent).max().unwrap_or(n);
    let m = last - n + 1;
    let mut birth = vec![0.0; m];
    let mut parent_of = vec![usize::MAX; m];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); m];
    for r in rows.iter().filter(|r| r.child >= n) {
        birth[r.child - n] = r.lambda;
        parent_of[r.child - n] = r.parent - n;
        children[r.parent - n].push(r.child - n);
    }
    let mut stability = vec![0.0; m];
    for r in rows {
        stability[r.parent - n] += (r.lambda - birth[r.parent - n]) * r.size as f64;
    }

    let mut selected = vec![false; m];
    for c in (1..m).rev() {
        let subtree = children[c].iter().fold(0.0, |s, &k| s + stability[k]);
        if subtree > stability[c] {
            stability[c] = subtree;
        } else {
            selected[c] = true;
            let mut stack = children[c].clone();
            while let Some(k) = stack.pop() {
                selected[k] = false;
                stack.extend(&children[k]);
            }
        }
    }
    // Label of each cluster: its own if selected, else its nearest selected ancestor's (ids are topological).
    let mut label = vec![None; m];
    let mut n_clusters = 0;
    for c in 1..m {
        label[c] = if selected[c] {
            n_clusters += 1;
            Some(n_clusters - 1)
        } else {
            label[parent_of[c]]
        };
    }
    let cluster_of_label: Vec<usize> = (0..m).filter(|&c| selected[c]).collect();

    // sklearn's `max_lambdas`: largest lambda of each run of consecutive rows with the same parent; a later run
    // of a parent overwrites an earlier one.
    let mut deaths = vec![0.0; m];
    if let Some(first) = rows.first() {
        let (mut cur, mut max) = (first.parent, first.lambda);
        for r in &rows[1..] {
            if r.parent == cur {
                max = if r.lambda > max { r.lambda } else { max };
            } else {
                deaths[cur - n] = max;
                (cur, max) = (r.parent, r.lambda);
            }
        }
        deaths[cur - n] = max;
    }

    let mut labels = vec![None; n];
    let mut probabilities = vec![0.0; n];
    for r in rows.iter().filter(|r| r.child < n) {
        labels[r.child] = label[r.parent - n];
        if let Some(l) = labels[r.child] {
            let max = deaths[cluster_of_label[l]];
            probabilities[r.child] = if max == 0.0 || r.lambda.is_infinite() {
                1.0
            } else {
                (if r.lambda < max { r.lambda } else { max }) / max
            };
        }
    }
    FittedHdbscan { labels, probabilities, n_clusters }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    /// Two tight 3x3 grids far apart and one far outlier.
    fn two_blobs() -> Array2<f64> {
        let mut rows = Vec::new();
        for (cx, cy) in [(0.0, 0.0), (10.0, 10.0)] {
            for i in 0..3 {
                for j in 0..3 {
                    rows.extend([cx + 0.1 * i as f64, cy + 0.1 * j as f64 + 0.01 * i as f64]);
                }
            }
        }
        rows.extend([50.0, -40.0]);
        Array2::from_shape_vec((19, 2), rows).unwrap()
    }

    /// Expected values from scikit-learn 1.9.1 `HDBSCAN(copy=True).fit(X)` on the same points.
    #[test]
    fn two_blobs_and_an_outlier() {
        let f = Hdbscan::default().fit(two_blobs().view()).unwrap();
        let mut expected = vec![Some(0); 9];
        expected.extend([Some(1); 9]);
        expected.push(None);
        assert_eq!((f.n_clusters, &f.labels), (2, &expected));
        let (a, b) = (0.6726812023536856, 0.6726812023536861);
        let p = [a, 1.0, a, 1.0, 1.0, 1.0, a, 1.0, a, b, 1.0, b, 1.0, 1.0, 1.0, b, 1.0, b, 0.0];
        assert!(f.probabilities.iter().zip(p).all(|(x, y)| (x - y).abs() < 1e-12), "{:?}", f.probabilities);
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let same = Array2::from_elem((12, 3), 2.5);
        let f = Hdbscan::default().fit(same.view()).unwrap(); // all noise, as sklearn
        assert_eq!((f.n_clusters, f.labels, f.probabilities), (0, vec![None; 12], vec![0.0; 12]));
        let two = array![[0.0], [1.0]];
        let f = Hdbscan { min_cluster_size: 2, ..Hdbscan::default() }.fit(two.view()).unwrap();
        assert_eq!(f.labels, vec![None, None]);
        let huge = array![[-1e300, 0.0], [1e300, 0.0], [1e300, 1.0], [-1e300, 1.0]];
        let f = Hdbscan { min_cluster_size: 2, min_samples: Some(1), ..Hdbscan::default() }.fit(huge.view()).unwrap();
        assert_eq!(f.labels.len(), 4);
        let no_features = Array2::<f64>::zeros((6, 0));
        assert_eq!(Hdbscan::default().fit(no_features.view()).unwrap().n_clusters, 0);
    }

    #[test]
    fn errors() {
        let x = two_blobs();
        let h = Hdbscan::default();
        let few = Array2::<f64>::zeros((4, 2));
        assert_eq!(h.fit(few.view()), Err(AnalysisError::TooFewSamples { n: 4, needed: 5, what: "HDBSCAN" }));
        let empty = Array2::<f64>::zeros((0, 2));
        assert!(matches!(h.fit(empty.view()), Err(AnalysisError::TooFewSamples { n: 0, .. })));
        let ms = Hdbscan { min_samples: Some(20), ..Hdbscan::default() };
        assert_eq!(ms.fit(x.view()), Err(AnalysisError::TooFewSamples { n: 19, needed: 20, what: "HDBSCAN" }));
        let cap = Hdbscan { max_samples: 10, ..Hdbscan::default() };
        assert_eq!(cap.fit(x.view()), Err(AnalysisError::TooManySamples { n: 19, max: 10, what: "HDBSCAN" }));
        let mut bad = x.clone();
        bad[[7, 1]] = f64::NAN;
        assert_eq!(h.fit(bad.view()), Err(AnalysisError::NonFinite { row: 7, col: 1 }));
    }

    #[test]
    fn rule_min_cluster_size_at_least_2() {
        let x = two_blobs();
        let e = Hdbscan::new(1).fit(x.view()).unwrap_err();
        assert_eq!(e, AnalysisError::Param(ParamError::MinClusterSize { value: 1 }));
        assert_eq!(e.to_string(), "Internal: HDBSCAN min_cluster_size must be at least 2, not 1.");
        assert!(Hdbscan::new(2).check().is_ok());
    }

    #[test]
    fn rule_min_samples_at_least_1() {
        let x = two_blobs();
        let e = Hdbscan::default().min_samples(0).fit(x.view()).unwrap_err();
        assert_eq!(e, AnalysisError::Param(ParamError::MinSamples));
        assert_eq!(e.to_string(), "Internal: HDBSCAN min_samples must be at least 1.");
        assert!(Hdbscan::default().min_samples(1).check().is_ok());
        // Checked before the data: an empty input still gets the parameter error.
        let empty = Array2::<f64>::zeros((0, 2));
        assert_eq!(
            Hdbscan::new(0).fit(empty.view()),
            Err(AnalysisError::Param(ParamError::MinClusterSize { value: 0 }))
        );
    }
}
