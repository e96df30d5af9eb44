//! The k-means assignment kernel: nearest centre for four rows at a time, in
//! f32, on WebAssembly SIMD128 lanes, with a scalar fallback that gives the
//! same bits.
//!
//! Layout ([`PackedRows`]): rows go in blocks of four, and within a block
//! feature `j` of the four rows is one 16-byte vector. A block's squared
//! distance to a centre is then `d` subtract/multiply/add steps on whole
//! vectors, one lane per row, with no horizontal sums. This is the layout
//! scikit-learn's Lloyd kernel gets from BLAS (`_kmeans_lloyd.pyx`, chunks of
//! rows against all centres), written for 128-bit lanes.
//!
//! Precision: distances are summed in f32, feature by feature, from the rows
//! rounded to f32 (k-means centres them first: [`PackedRows::pack_shifted`]).
//! Centre sums (the update step) are kept in f64. Rounding moves a squared
//! distance by about 1e-7 x (|x|^2 + |c|^2), so a row whose two nearest
//! centres are closer than that to a tie can get the other label than an
//! f64 computation would give it; the golden tests (`tests/golden.rs`,
//! `tests/pipeline.rs`) and the sample's segments are unchanged by it.
//!
//! Determinism: every lane does IEEE-754 subtract, multiply and add in the
//! same order, with no fused multiply-add, in [`Simd4`] and [`Scalar4`].
//! The two give the same bits, so the browser's labels are the native
//! tests' labels. `tests/e2e` checks this in Chromium (`kernels_wasm.wasm`,
//! built from `examples/kernels_wasm.rs`).

/// Four f32 lanes: what the kernel needs of a 128-bit vector.
pub trait F32x4: Copy {
    /// All lanes `v`.
    fn splat(v: f32) -> Self;
    /// Lanes from `s`.
    fn load(s: &[f32; 4]) -> Self;
    /// Lane-wise `(self - c)^2 + acc`, rounded after each operation.
    fn sq_diff_add(self, c: Self, acc: Self) -> Self;
    /// Lane-wise: where `self < best`, `best` takes `self` and `label` takes
    /// `c` (the first of equal distances keeps its label, as `<` in scalar code).
    fn keep_less(self, best: &mut Self, label: &mut Self, c: Self);
    /// The lanes, first row first.
    fn to_array(self) -> [f32; 4];
    /// Writes the lanes to `out`.
    fn store(self, out: &mut [f32; 4]);
    /// Whether every lane has the same bits as `other`'s.
    fn same_bits(self, other: &[f32; 4]) -> bool;
}

/// Plain `[f32; 4]`: the fallback where SIMD128 is not compiled in (native code).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scalar4([f32; 4]);

impl F32x4 for Scalar4 {
    #[inline(always)]
    fn splat(v: f32) -> Self {
        Scalar4([v; 4])
    }
    #[inline(always)]
    fn load(s: &[f32; 4]) -> Self {
        Scalar4(*s)
    }
    #[inline(always)]
    fn sq_diff_add(self, c: Self, acc: Self) -> Self {
        Scalar4(std::array::from_fn(|l| {
            let t = self.0[l] - c.0[l];
            t * t + acc.0[l]
        }))
    }
    #[inline(always)]
    fn keep_less(self, best: &mut Self, label: &mut Self, c: Self) {
        for l in 0..4 {
            if self.0[l] < best.0[l] {
                best.0[l] = self.0[l];
                label.0[l] = c.0[l];
            }
        }
    }
    #[inline(always)]
    fn to_array(self) -> [f32; 4] {
        self.0
    }
    #[inline(always)]
    fn store(self, out: &mut [f32; 4]) {
        *out = self.0;
    }
    #[inline(always)]
    fn same_bits(self, other: &[f32; 4]) -> bool {
        self.0.map(f32::to_bits) == other.map(f32::to_bits)
    }
}

/// A WebAssembly SIMD128 `v128` holding four f32.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[derive(Clone, Copy, Debug)]
pub struct Simd4(core::arch::wasm32::v128);

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
impl F32x4 for Simd4 {
    #[inline(always)]
    fn splat(v: f32) -> Self {
        Simd4(core::arch::wasm32::f32x4_splat(v))
    }
    #[inline(always)]
    fn load(s: &[f32; 4]) -> Self {
        // SAFETY: `s` is 4 f32 (16 bytes), and wasm's v128.load needs no alignment.
        Simd4(unsafe { core::arch::wasm32::v128_load(s.as_ptr().cast()) })
    }
    #[inline(always)]
    fn sq_diff_add(self, c: Self, acc: Self) -> Self {
        use core::arch::wasm32::{f32x4_add, f32x4_mul, f32x4_sub};
        let t = f32x4_sub(self.0, c.0);
        Simd4(f32x4_add(f32x4_mul(t, t), acc.0))
    }
    #[inline(always)]
    fn keep_less(self, best: &mut Self, label: &mut Self, c: Self) {
        use core::arch::wasm32::{f32x4_lt, v128_bitselect};
        let m = f32x4_lt(self.0, best.0);
        best.0 = v128_bitselect(self.0, best.0, m);
        label.0 = v128_bitselect(c.0, label.0, m);
    }
    #[inline(always)]
    fn to_array(self) -> [f32; 4] {
        use core::arch::wasm32::f32x4_extract_lane;
        [
            f32x4_extract_lane::<0>(self.0),
            f32x4_extract_lane::<1>(self.0),
            f32x4_extract_lane::<2>(self.0),
            f32x4_extract_lane::<3>(self.0),
        ]
    }
    #[inline(always)]
    fn store(self, out: &mut [f32; 4]) {
        // SAFETY: `out` is 4 f32 (16 bytes), and wasm's v128.store needs no alignment.
        unsafe { core::arch::wasm32::v128_store(out.as_mut_ptr().cast(), self.0) }
    }
    #[inline(always)]
    fn same_bits(self, other: &[f32; 4]) -> bool {
        use core::arch::wasm32::{i32x4_all_true, i32x4_eq};
        i32x4_all_true(i32x4_eq(self.0, Self::load(other).0))
    }
}

/// The lanes this build uses: [`Simd4`] in a SIMD128 wasm build, else [`Scalar4`].
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub type Lanes = Simd4;
/// The lanes this build uses: [`Simd4`] in a SIMD128 wasm build, else [`Scalar4`].
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub type Lanes = Scalar4;

/// `n x d` rows rounded to f32, in blocks of four rows, feature-major within
/// a block: feature `j` of row `4b + l` is `data[(b * d + j) * 4 + l]`. The
/// last block is padded with copies of the last row, whose results are
/// never read. Size: `4 * d * ceil(n / 4)` f32, i.e. half of the f64 rows.
#[derive(Clone, Debug)]
pub struct PackedRows {
    n: usize,
    d: usize,
    data: Vec<f32>,
}

impl PackedRows {
    /// Packs `rows` (`n x d` row-major f64). Panics if `d == 0` or there is
    /// no row; a trailing partial row (`rows.len()` not a multiple of `d`) is ignored.
    pub fn pack(rows: &[f64], d: usize) -> Self {
        Self::pack_shifted(rows, d, 1.0, &vec![0.0; d])
    }

    /// Packs `rows / scale - shift` (`shift`: one value per feature, `d`),
    /// computed in f64 and then rounded: k-means labels do not change under
    /// this map, and centring keeps f32 precision for data far from the
    /// origin. Panics as [`PackedRows::pack`], or if `shift.len() != d`.
    pub fn pack_shifted(rows: &[f64], d: usize, scale: f64, shift: &[f64]) -> Self {
        assert!(d > 0 && rows.len() >= d && shift.len() == d, "pack: {} values, d = {d}", rows.len());
        let n = rows.len() / d;
        let blocks = n.div_ceil(4);
        let mut data = vec![0.0f32; blocks * d * 4];
        for b in 0..blocks {
            for l in 0..4 {
                let i = (4 * b + l).min(n - 1);
                for j in 0..d {
                    data[(b * d + j) * 4 + l] = (rows[i * d + j] / scale - shift[j]) as f32;
                }
            }
        }
        PackedRows { n, d, data }
    }
    /// Number of rows.
    pub fn n(&self) -> usize {
        self.n
    }
}

/// Lloyd's running state over [`PackedRows`]: each row's label and squared
/// distance (kept as lanes, one `[f32; 4]` per block) and each cluster's row
/// sums and counts. Sums are updated only for rows whose label changed, so
/// an iteration in which few rows move costs little more than the distances.
#[derive(Clone, Debug)]
pub struct LloydState {
    d: usize,
    n: usize,
    /// Label of each lane as f32 (`NaN` before the first step).
    labels: Vec<[f32; 4]>,
    dist: Vec<[f32; 4]>,
    /// Sum of each cluster's rows (`k x d` row-major), f64 sums of the f32 rows.
    pub sums: Vec<f64>,
    /// Rows in each cluster (`k`).
    pub counts: Vec<usize>,
}

impl LloydState {
    /// No row assigned yet, `k` empty clusters.
    pub fn new(x: &PackedRows, k: usize) -> Self {
        let blocks = x.n.div_ceil(4);
        LloydState {
            d: x.d,
            n: x.n,
            labels: vec![[f32::NAN; 4]; blocks],
            dist: vec![[0.0; 4]; blocks],
            sums: vec![0.0; k * x.d],
            counts: vec![0; k],
        }
    }

    /// One assignment step: moves every row of `x` to its nearest of
    /// `centers` (`k x d` row-major, the `k` of [`LloydState::new`]) and
    /// updates the sums and counts of the clusters rows left and joined.
    /// `V` picks the lanes ([`Lanes`] for this build); the results are the
    /// same bits for every `V`. Returns how many rows changed label.
    /// Panics if `centers` is not `k x d`.
    pub fn step<V: F32x4>(&mut self, x: &PackedRows, centers: &[f64]) -> usize {
        let (n, d) = (self.n, self.d);
        let k = self.counts.len();
        assert_eq!(centers.len(), k * d, "LloydState::step: {k} centres of {d} features expected");
        // Centres in groups of four (then two, then one), each group feature-major:
        // feature `j` of the group's centre `g` at `start + j * G + g`.
        let mut groups = Vec::new();
        let mut cs: Vec<V> = Vec::with_capacity(k * d);
        let mut c0 = 0;
        while c0 < k {
            let g = match k - c0 {
                1 => 1,
                2 | 3 => 2,
                _ => 4,
            };
            groups.push((c0, g, cs.len()));
            for j in 0..d {
                cs.extend((c0..c0 + g).map(|c| V::splat(centers[c * d + j] as f32)));
            }
            c0 += g;
        }
        let ids: Vec<V> = (0..k).map(|c| V::splat(c as f32)).collect();
        let mut changed = 0;
        for (b, block) in x.data.chunks_exact(4 * d).enumerate() {
            let block = block.as_chunks::<4>().0;
            let mut best = V::splat(f32::INFINITY);
            let mut label = V::splat(0.0);
            for &(c0, g, at) in &groups {
                let cs = &cs[at..at + g * d];
                match g {
                    1 => nearest_of::<V, 1>(block, cs, &ids[c0..c0 + 1], &mut best, &mut label),
                    2 => nearest_of::<V, 2>(block, cs, &ids[c0..c0 + 2], &mut best, &mut label),
                    _ => nearest_of::<V, 4>(block, cs, &ids[c0..c0 + 4], &mut best, &mut label),
                }
            }
            best.store(&mut self.dist[b]);
            if label.same_bits(&self.labels[b]) {
                continue;
            }
            let (new, old) = (label.to_array(), self.labels[b]);
            self.labels[b] = new;
            for l in 0..4.min(n - 4 * b) {
                if new[l].to_bits() == old[l].to_bits() {
                    continue;
                }
                changed += 1;
                let to = new[l] as usize;
                self.counts[to] += 1;
                for (j, s) in self.sums[to * d..(to + 1) * d].iter_mut().enumerate() {
                    *s += block[j][l] as f64;
                }
                if !old[l].is_nan() {
                    let from = old[l] as usize;
                    self.counts[from] -= 1;
                    for (j, s) in self.sums[from * d..(from + 1) * d].iter_mut().enumerate() {
                        *s -= block[j][l] as f64;
                    }
                }
            }
        }
        changed
    }

    /// Each row's label (`n`; 0 before the first step).
    pub fn labels(&self) -> Vec<usize> {
        let all = self.labels.iter().flatten().map(|&c| if c.is_nan() { 0 } else { c as usize });
        all.take(self.n).collect()
    }

    /// Each row's squared distance to its centre at the last step (`n`, computed in f32).
    pub fn distances(&self) -> Vec<f64> {
        self.dist.iter().flatten().map(|&v| v as f64).take(self.n).collect()
    }
}

/// Distances of one block (`d` vectors) to a group of `G` centres (`cs`:
/// `d x G`, feature-major), each summed over the features in order, then
/// compared with `best` in centre order (`ids`: the centres' labels). Four
/// independent sums per loaded feature, not one chain of dependent adds.
#[inline(always)]
fn nearest_of<V: F32x4, const G: usize>(block: &[[f32; 4]], cs: &[V], ids: &[V], best: &mut V, label: &mut V) {
    let mut acc = [V::splat(0.0); G];
    for (x, c) in block.iter().zip(cs.as_chunks::<G>().0) {
        let x = V::load(x);
        for g in 0..G {
            acc[g] = x.sq_diff_add(c[g], acc[g]);
        }
    }
    for (a, id) in acc.iter().zip(ids) {
        a.keep_less(best, label, *id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize, d: usize, seed: u64) -> Vec<f64> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..n * d).map(|i| rng.random_range(-3.0..3.0) + (i / d % 5) as f64).collect()
    }

    #[test]
    fn packing_keeps_every_value_and_pads_the_last_block() {
        let r = rows(7, 3, 1);
        let p = PackedRows::pack(&r, 3);
        assert_eq!((p.n(), p.data.len()), (7, 2 * 3 * 4));
        for i in 0..7 {
            for j in 0..3 {
                assert_eq!(p.data[(i / 4 * 3 + j) * 4 + i % 4], r[i * 3 + j] as f32, "row {i} feature {j}");
            }
        }
        assert_eq!(p.data[(3 + 2) * 4 + 3], r[6 * 3 + 2] as f32, "padding repeats the last row");
    }

    #[test]
    fn labels_distances_and_sums_match_a_plain_loop() {
        for (n, d, k) in [(1, 1, 1), (5, 2, 3), (103, 12, 6), (64, 17, 9), (33, 3, 4), (40, 5, 7)] {
            let r = rows(n, d, n as u64);
            let x = PackedRows::pack(&r, d);
            let mut state = LloydState::new(&x, k);
            let mut prev: Option<Vec<usize>> = None;
            // Two steps from different centres: the second moves only some rows.
            for (step, shift) in [0.25, -0.5].into_iter().enumerate() {
                let centers: Vec<f64> = r[..k * d].iter().map(|v| v + shift).collect();
                let moved = state.step::<Scalar4>(&x, &centers);
                let mut sums = vec![0.0; k * d];
                let mut counts = vec![0; k];
                let mut labels = vec![0; n];
                for i in 0..n {
                    let dist = |c: usize| {
                        (0..d).fold(0.0f32, |acc, j| {
                            let t = r[i * d + j] as f32 - centers[c * d + j] as f32;
                            t * t + acc
                        })
                    };
                    let best = (0..k).fold(0, |b, c| if dist(c) < dist(b) { c } else { b });
                    labels[i] = best;
                    assert_eq!(state.distances()[i], dist(best) as f64, "n {n} row {i}");
                    counts[best] += 1;
                    for j in 0..d {
                        sums[best * d + j] += r[i * d + j] as f32 as f64;
                    }
                }
                assert_eq!(state.labels(), labels, "n {n} step {step}");
                assert_eq!(state.counts, counts, "n {n} step {step}");
                for (a, b) in state.sums.iter().zip(&sums) {
                    assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "n {n} step {step}: sum {a} vs {b}");
                }
                let expect_moved = prev.map_or(n, |p| p.iter().zip(&labels).filter(|(a, b)| a != b).count());
                assert_eq!(moved, expect_moved, "n {n} step {step}: rows that changed label");
                prev = Some(labels);
            }
        }
    }

    #[test]
    fn a_step_from_the_same_centres_moves_nothing() {
        let r = rows(50, 4, 3);
        let x = PackedRows::pack(&r, 4);
        let mut state = LloydState::new(&x, 3);
        let centers = r[..12].to_vec();
        assert_eq!(state.step::<Scalar4>(&x, &centers), 50);
        let sums = state.sums.clone();
        assert_eq!(state.step::<Scalar4>(&x, &centers), 0);
        assert_eq!(state.sums, sums, "sums untouched when no row moves");
    }

    #[test]
    fn ties_keep_the_first_centre() {
        let r = vec![0.0, 0.0, 2.0, 2.0];
        let x = PackedRows::pack(&r, 2);
        let mut state = LloydState::new(&x, 2);
        state.step::<Scalar4>(&x, &[1.0, 1.0, 1.0, 1.0]);
        assert_eq!(state.labels(), [0, 0]);
        assert_eq!(state.counts, [2, 0]);
    }
}
