//! Segments of a refit matched to the segments before ([`match_segments`]):
//! a minimum-cost assignment ([`linear_sum_assignment`], the Hungarian
//! method) on centre distance and member overlap, then each segment's fate
//! in MONIC's terms (Spiliopoulou et al., "MONIC: modeling and monitoring
//! cluster transitions", KDD 2006): survived, split, merged into, or
//! disappeared; new segments that match nothing emerged.

/// Minimum-cost assignment of rows to columns of `cost` (`n` rows of `m`
/// finite values each): each row of the smaller side gets a distinct partner
/// and the total cost is least. Returns (row, column) pairs in row order,
/// `min(n, m)` of them, as scipy's `linear_sum_assignment` (the same optimum;
/// on ties the pairs may differ).
///
/// The Hungarian method with potentials (Kuhn 1955, Munkres 1957; the
/// O(n^2 m) shortest-augmenting-path form), on the transpose when there are
/// more rows than columns.
pub fn linear_sum_assignment(cost: &[Vec<f64>]) -> Vec<(usize, usize)> {
    let n = cost.len();
    let m = cost.first().map_or(0, |r| r.len());
    if n == 0 || m == 0 {
        return Vec::new();
    }
    if n > m {
        let t: Vec<Vec<f64>> = (0..m).map(|j| (0..n).map(|i| cost[i][j]).collect()).collect();
        let mut pairs: Vec<(usize, usize)> = linear_sum_assignment(&t).into_iter().map(|(j, i)| (i, j)).collect();
        pairs.sort_unstable();
        return pairs;
    }
    // 1-based arrays; column 0 is the virtual start.
    let (mut u, mut v) = (vec![0.0; n + 1], vec![0.0; m + 1]);
    let (mut p, mut way) = (vec![0usize; m + 1], vec![0usize; m + 1]);
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0;
        let mut minv = vec![f64::INFINITY; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let (i0, mut delta, mut j1) = (p[j0], f64::INFINITY, 0);
            for j in 1..=m {
                if !used[j] {
                    let cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=m {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut pairs: Vec<(usize, usize)> = (1..=m).filter(|&j| p[j] > 0).map(|j| (p[j] - 1, j - 1)).collect();
    pairs.sort_unstable();
    pairs
}

/// A matched pair is a survival when their shared accounts are at least this
/// share of each (MONIC's tau).
pub const SURVIVAL_OVERLAP: f64 = 0.5;
/// A segment contributes to a split or a merge with at least this share.
pub const PART_OVERLAP: f64 = 0.25;

/// What became of a segment of the first fit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    /// It lives on as this segment of the refit (numbered as before where it can be).
    Survived { now: usize },
    /// Its accounts went to these refit segments (each at least [`PART_OVERLAP`]).
    Split { into: Vec<usize> },
    /// Its accounts went, with another segment's, into this refit segment.
    Merged { into: usize },
    /// None of the above.
    Disappeared,
}

/// What [`match_segments`] returns.
#[derive(Clone, Debug, PartialEq)]
pub struct Matching {
    /// Per first-fit segment `1..=k_before` (index `s - 1`): its fate.
    pub fates: Vec<Fate>,
    /// Refit segments that match no earlier one (numbers after renumbering).
    pub emerged: Vec<usize>,
    /// The number each refit segment takes (index `s - 1` for refit segment
    /// `s`): a survivor takes its earlier number when that is at most the
    /// refit's k; every other takes the lowest number left, in size order.
    pub renumber: Vec<usize>,
}

/// Matches the segments of a refit (`after`, `1..=k_after`, 0 = noise) to
/// those of the first fit (`before`, `1..=k_before`).
///
/// - `overlap[i][j]`: accounts in both periods that were in first-fit segment
///   `i + 1` and are in refit segment `j + 1`;
/// - `size_before[i]`, `size_after[j]`: the segments' accounts (churned and
///   new ones included: a segment whose accounts left does not survive);
/// - `distance[i][j]`: distance between their centres in the first fit's
///   clustering space;
///
/// Cost of pairing `i` and `j`: `(1 - J) / 2 + min(1, D / D_mean) / 2`, with
/// `J` the Jaccard index of their accounts
/// (`overlap / (size_before + size_after - overlap)`) and `D_mean`
/// the mean of `distance` (1 if 0). A pair from [`linear_sum_assignment`]
/// survives when their shared accounts are at least [`SURVIVAL_OVERLAP`] of
/// each; other fates as [`Fate`] says.
pub fn match_segments(
    overlap: &[Vec<usize>],
    size_before: &[usize],
    size_after: &[usize],
    distance: &[Vec<f64>],
) -> Matching {
    let k0 = overlap.len();
    let k1 = size_after.len();
    let (row, col) = (size_before, size_after);
    let n_d = (k0 * k1).max(1) as f64;
    let d_mean = distance.iter().flatten().sum::<f64>() / n_d;
    let d_mean = if d_mean > 0.0 { d_mean } else { 1.0 };
    let cost: Vec<Vec<f64>> = (0..k0)
        .map(|i| {
            (0..k1)
                .map(|j| {
                    let o = overlap[i][j] as f64;
                    let union = (row[i] + col[j]) as f64 - o;
                    let jaccard = if union > 0.0 { o / union } else { 0.0 };
                    0.5 * (1.0 - jaccard) + 0.5 * (distance[i][j] / d_mean).min(1.0)
                })
                .collect()
        })
        .collect();
    let share_of_before = |i: usize, j: usize| overlap[i][j] as f64 / row[i].max(1) as f64;
    let share_of_after = |i: usize, j: usize| overlap[i][j] as f64 / col[j].max(1) as f64;
    let survivors: Vec<(usize, usize)> = linear_sum_assignment(&cost)
        .into_iter()
        .filter(|&(i, j)| share_of_before(i, j) >= SURVIVAL_OVERLAP && share_of_after(i, j) >= SURVIVAL_OVERLAP)
        .collect();
    // Renumbering: survivors keep their number where it exists in the refit.
    let mut renumber = vec![0usize; k1];
    let mut taken = vec![false; k1 + 1];
    for &(i, j) in &survivors {
        if i < k1 && !taken[i + 1] {
            renumber[j] = i + 1;
            taken[i + 1] = true;
        }
    }
    let mut free = (1..=k1).filter(|&s| !taken[s]);
    for r in renumber.iter_mut().filter(|r| **r == 0) {
        *r = free.next().expect("one number per segment");
    }
    let fates = (0..k0)
        .map(|i| {
            if let Some(&(_, j)) = survivors.iter().find(|(a, _)| *a == i) {
                return Fate::Survived { now: renumber[j] };
            }
            let parts: Vec<usize> = (0..k1).filter(|&j| share_of_before(i, j) >= PART_OVERLAP).collect();
            let held: f64 = parts.iter().map(|&j| share_of_before(i, j)).sum();
            if parts.len() >= 2 && held >= SURVIVAL_OVERLAP {
                return Fate::Split { into: parts.iter().map(|&j| renumber[j]).collect() };
            }
            let into = (0..k1).find(|&j| {
                share_of_before(i, j) >= SURVIVAL_OVERLAP
                    && (0..k0).filter(|&a| share_of_after(a, j) >= PART_OVERLAP).count() >= 2
            });
            match into {
                Some(j) => Fate::Merged { into: renumber[j] },
                None => Fate::Disappeared,
            }
        })
        .collect();
    let emerged = (0..k1)
        .filter(|&j| !survivors.iter().any(|&(_, b)| b == j) && (0..k0).all(|i| share_of_after(i, j) < PART_OVERLAP))
        .map(|j| renumber[j])
        .collect();
    Matching { fates, emerged, renumber }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_assignment_is_scipys() {
        // tests/golden/matching.py: scipy 1.17.1 linear_sum_assignment on these matrices.
        let c: Vec<Vec<f64>> = (0..4)
            .map(|i| (0..5).map(|j| ((i * 7 + j * 13) % 17) as f64 / 4.0 + if i == j { 0.5 } else { 0.0 }).collect())
            .collect();
        let pairs = linear_sum_assignment(&c);
        assert_eq!(pairs, vec![(0, 4), (1, 0), (2, 3), (3, 1)]);
        assert_eq!(pairs.iter().map(|&(i, j)| c[i][j]).sum::<f64>(), 2.5);
        let c2: Vec<Vec<f64>> = (0..5).map(|i| (0..3).map(|j| ((i * 5 + j * 3) % 11) as f64).collect()).collect();
        assert_eq!(linear_sum_assignment(&c2), vec![(0, 0), (1, 2), (4, 1)]);
    }

    #[test]
    fn permuted_segments_all_survive_under_their_old_numbers() {
        // The refit found the same three segments, numbered 3, 1, 2.
        let overlap = vec![vec![0, 0, 500], vec![300, 0, 0], vec![0, 120, 0]];
        let distance = vec![vec![2.0, 3.0, 0.1], vec![0.05, 2.5, 2.0], vec![3.0, 0.2, 2.5]];
        let m = match_segments(&overlap, &[510, 305, 125], &[300, 125, 505], &distance);
        assert_eq!(m.renumber, vec![2, 3, 1]);
        assert_eq!(m.fates, vec![Fate::Survived { now: 1 }, Fate::Survived { now: 2 }, Fate::Survived { now: 3 }]);
        assert!(m.emerged.is_empty());
    }

    #[test]
    fn a_split_a_merge_a_disappearance_and_an_emergence() {
        // Before 1 splits into after 1 and 2; before 2 and 3 merge into after 3;
        // before 4 scatters; after 4 is mostly new accounts.
        let overlap = vec![vec![200, 180, 10, 5], vec![5, 5, 300, 0], vec![0, 5, 250, 0], vec![30, 30, 30, 20]];
        let distance = vec![vec![1.0; 4]; 4];
        let m = match_segments(&overlap, &[420, 320, 260, 200], &[240, 220, 620, 400], &distance);
        assert_eq!(m.fates[0], Fate::Split { into: vec![m.renumber[0], m.renumber[1]] });
        // The assignment pairs after-3 with one of the merged pair, which survives only if it
        // holds half of after-3's accounts: neither does (300 and 250 of 620).
        assert_eq!(m.fates[1], Fate::Merged { into: m.renumber[2] });
        assert_eq!(m.fates[2], Fate::Merged { into: m.renumber[2] });
        assert_eq!(m.fates[3], Fate::Disappeared);
        assert_eq!(m.emerged, vec![m.renumber[3]]);
    }
}
