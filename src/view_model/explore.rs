//! What the scatter's exploring controls decide, without a browser: the
//! components on each axis (selects **X axis** and **Y axis**), colouring
//! by a feature (select **Colour by**) on a sequential scale, and the
//! accounts inside a box drawn on the plot (table **Selected accounts**).

use crate::analysis::preprocess::{quantile_sorted, signed_log1p, skewness};
use crate::analysis::Segmentation;
use crate::features::FeatureTable;
use ndarray::Array2;
use std::cmp::Ordering;

/// The principal components on the scatter's axes, as column indices of
/// [`Segmentation::projection`] (0 = PC1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Axes {
    pub x: usize,
    pub y: usize,
}

impl Default for Axes {
    /// PC1 across, PC2 up.
    fn default() -> Self {
        Axes { x: 0, y: 1 }
    }
}

impl Axes {
    /// These axes if both are columns of a projection with `m` columns, else PC1 x PC2.
    pub fn within(self, m: usize) -> Axes {
        if self.x < m && self.y < m {
            self
        } else {
            Axes::default()
        }
    }
}

/// The value of an axis select option for component `c` (0-based): `pc1`, `pc2`, ...
pub fn axis_value(c: usize) -> String {
    format!("pc{}", c + 1)
}

/// The component (0-based) of an axis select value (`pc3` gives 2), `None`
/// for anything else.
pub fn parse_axis(value: &str) -> Option<usize> {
    value.strip_prefix("pc")?.parse::<usize>().ok()?.checked_sub(1)
}

/// What colours the scatter's points.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum ColourBy {
    /// Each account's segment, from [`super::colours::PALETTE`].
    #[default]
    Segment,
    /// A feature, by its key: a sequential scale ([`ColourScale`]).
    Feature(String),
}

impl ColourBy {
    /// The select **Colour by** value: `segment` or the feature's key.
    pub fn value(&self) -> &str {
        match self {
            ColourBy::Segment => "segment",
            ColourBy::Feature(k) => k,
        }
    }

    /// From the select's value: `segment`, or a key of `ft` (anything else: by segment).
    pub fn parse(value: &str, ft: &FeatureTable) -> ColourBy {
        match ft.defs.iter().any(|d| d.key == value) && value != "segment" {
            true => ColourBy::Feature(value.to_string()),
            false => ColourBy::Segment,
        }
    }
}

/// A sequential colour scale for one feature's values: values are clipped
/// to their 2nd and 98th percentiles (so one outlier does not turn every
/// other point the same colour) and, when the feature is heavy-tailed
/// (|skewness| over 1, the preprocessor's rule for a log transform),
/// spaced by `sign(x) ln(1 + |x|)`; the colours are viridis (perceptually
/// uniform and readable by colour-blind users; van der Walt and Smith,
/// matplotlib's default colormap).
#[derive(Clone, Debug, PartialEq)]
pub struct ColourScale {
    /// The values at the scale's ends (2nd and 98th percentiles), in the feature's units.
    pub lo: f64,
    pub hi: f64,
    /// Spaced by `signed_log1p` rather than linearly.
    pub log: bool,
    /// Accounts whose value is missing (NaN), drawn in the noise grey.
    pub missing: usize,
}

/// Viridis at nine evenly spaced points (matplotlib's `viridis` colormap at
/// 0, 1/8, ..., 1), interpolated linearly between them.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// The viridis colour at `t` in `[0, 1]` (clamped; NaN gives the low end).
pub fn viridis(t: f64) -> (u8, u8, u8) {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let pos = t * (VIRIDIS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    let f = pos - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

impl ColourScale {
    /// The scale for `values` (one per account; NaN for missing). `None`
    /// when no value is finite.
    pub fn of(values: impl Iterator<Item = f64>) -> Option<ColourScale> {
        let mut missing = 0;
        let mut v: Vec<f64> = values
            .filter(|x| {
                missing += usize::from(!x.is_finite());
                x.is_finite()
            })
            .collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let (lo, hi) = (quantile_sorted(&v, 0.02), quantile_sorted(&v, 0.98));
        Some(ColourScale { lo, hi, log: skewness(&v).abs() > 1.0, missing })
    }

    /// Where `x` falls on the scale, 0 (at or below `lo`) to 1 (at or above
    /// `hi`); NaN for a missing value; 0.5 when the ends are equal.
    pub fn position(&self, x: f64) -> f64 {
        if !x.is_finite() {
            return f64::NAN;
        }
        let f = |v: f64| if self.log { signed_log1p(v) } else { v };
        let (a, b) = (f(self.lo), f(self.hi));
        if b <= a {
            return 0.5;
        }
        ((f(x) - a) / (b - a)).clamp(0.0, 1.0)
    }

    /// The value at position `t` in `[0, 1]` of the scale, the inverse of
    /// [`ColourScale::position`] between the ends (for a legend's stops).
    pub fn value_at(&self, t: f64) -> f64 {
        let f = |v: f64| if self.log { signed_log1p(v) } else { v };
        let v = f(self.lo) + t * (f(self.hi) - f(self.lo));
        if self.log {
            v.signum() * v.abs().exp_m1()
        } else {
            v
        }
    }

    /// The colour of value `x`; the noise grey for a missing value.
    pub fn colour(&self, x: f64) -> (u8, u8, u8) {
        let t = self.position(x);
        if t.is_nan() {
            super::colours::NOISE
        } else {
            viridis(t)
        }
    }
}

/// The accounts (row indices, ascending) whose point on `axes` lies inside
/// the box `x` by `y` (data units, both ends included; the ends in either
/// order).
pub fn accounts_in_box(projection: &Array2<f64>, axes: Axes, x: (f64, f64), y: (f64, f64)) -> Vec<usize> {
    let axes = axes.within(projection.ncols());
    let (x0, x1) = (x.0.min(x.1), x.0.max(x.1));
    let (y0, y1) = (y.0.min(y.1), y.0.max(y.1));
    (0..projection.nrows())
        .filter(|&i| {
            let (px, py) = (projection[[i, axes.x]], projection[[i, axes.y]]);
            px >= x0 && px <= x1 && py >= y0 && py <= y1
        })
        .collect()
}

/// The scatter's choices that outlive a result: the axes and what colours
/// the points.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PlotChoice {
    pub axes: Axes,
    pub colour_by: ColourBy,
    /// Draw the loadings as biplot arrows (checkbox **Biplot arrows**).
    pub biplot: bool,
}

/// A box drawn on the scatter of result `job`: its corners in data units
/// on `axes`, and the accounts inside it ([`accounts_in_box`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Selection {
    pub job: u64,
    pub axes: Axes,
    pub x: (f64, f64),
    pub y: (f64, f64),
    pub rows: std::sync::Arc<Vec<usize>>,
}

/// The order the scatter draws accounts in (later on top): noise first,
/// then the segments' accounts in table order; with a `highlight`ed segment,
/// its accounts last, over the others (which the page fades).
pub fn draw_order(segments: &[usize], highlight: Option<usize>) -> Vec<usize> {
    let rank = |s: usize| match (s, highlight) {
        (0, _) => 0,
        (s, Some(h)) if s == h => 2,
        _ => 1,
    };
    let mut order: Vec<usize> = (0..segments.len()).collect();
    order.sort_by_key(|&i| rank(segments[i])); // stable: account order within a rank
    order
}

/// How each account is painted on the scatter (canvas and SVG alike): its
/// colour (its segment's, or its value of a feature on a [`ColourScale`])
/// and its opacity in tenths (7; 2 when another segment is highlighted),
/// and the order accounts are drawn in ([`draw_order`]).
pub struct Colouring<'a> {
    ft: &'a FeatureTable,
    seg: &'a Segmentation,
    /// The feature coloured by (index into `ft.defs`) and its scale.
    pub scale: Option<(usize, ColourScale)>,
    pub highlight: Option<usize>,
    pub order: Vec<usize>,
}

impl<'a> Colouring<'a> {
    /// The colouring of result (`ft`, `seg`) by `colour_by` (a key not in
    /// `ft`, or a feature with no value: by segment), with `highlight`.
    pub fn new(ft: &'a FeatureTable, seg: &'a Segmentation, colour_by: &ColourBy, highlight: Option<usize>) -> Self {
        let feature = match colour_by {
            ColourBy::Feature(key) => ft.defs.iter().position(|d| &d.key == key),
            ColourBy::Segment => None,
        };
        let scale = feature.and_then(|j| ColourScale::of(ft.values.column(j).iter().copied()).map(|s| (j, s)));
        Colouring { ft, seg, scale, highlight, order: draw_order(&seg.segments, highlight) }
    }

    /// Account `i`'s colour and opacity in tenths.
    pub fn paint(&self, i: usize) -> ((u8, u8, u8), u16) {
        use super::colours::{NOISE, PALETTE};
        let s = self.seg.segments[i];
        let c = match &self.scale {
            Some((j, sc)) => sc.colour(self.ft.values[[i, *j]]),
            None if s == 0 => NOISE,
            None => PALETTE[(s - 1) % PALETTE.len()],
        };
        let alpha = match self.highlight {
            Some(h) if h != s => 2,
            _ => 7,
        };
        (c, alpha)
    }
}

/// Biplot arrows (Gabriel, "The biplot graphic display of matrices",
/// *Biometrika* 58(3), 1971): for the features of the clustering space
/// (`seg.used`), their loadings on the plotted components, as (index into
/// the feature table's defs, x, y) in the plot's data units, the longest
/// `max` first. All arrows share one scale, chosen so that the longest
/// reaches 80 % of the way from the origin to the nearest edge of the view
/// `x` by `y` (so their lengths compare; an origin outside the view: the
/// view's half-size). Empty when no loading is nonzero.
pub fn biplot_arrows(
    seg: &Segmentation,
    axes: Axes,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    max: usize,
) -> Vec<(usize, f64, f64)> {
    let comps = &seg.pca.components;
    if axes.x >= comps.nrows() || axes.y >= comps.nrows() {
        return Vec::new();
    }
    let mut arrows: Vec<(usize, f64, f64)> =
        seg.used.iter().enumerate().map(|(o, &j)| (j, comps[[axes.x, o]], comps[[axes.y, o]])).collect();
    arrows.sort_by(|a, b| (b.1.hypot(b.2)).total_cmp(&a.1.hypot(a.2)));
    arrows.truncate(max);
    let longest = arrows.first().map_or(0.0, |a| a.1.hypot(a.2));
    if longest <= 0.0 || !longest.is_finite() {
        return Vec::new();
    }
    let room = |r: &std::ops::Range<f64>| {
        if r.start < 0.0 && r.end > 0.0 {
            (-r.start).min(r.end)
        } else {
            (r.end - r.start) / 2.0
        }
    };
    let reach = 0.8 * room(&x).min(room(&y));
    let k = reach / longest;
    arrows.into_iter().map(|(j, a, b)| (j, a * k, b * k)).collect()
}

/// A column the table **Selected accounts** can be sorted by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SortKey {
    Account,
    Segment,
    /// A feature, by index into the feature table's defs.
    Feature(usize),
}

/// The rows of the table **Selected accounts**: the accounts of `selected`
/// whose id contains `search` (case-insensitively; empty: all), sorted by
/// `key` (ascending, or descending when `descending`; ties and missing
/// values after the rest, in account order).
pub fn selected_rows(
    ft: &FeatureTable,
    seg: &Segmentation,
    selected: &[usize],
    search: &str,
    key: &SortKey,
    descending: bool,
) -> Vec<usize> {
    let needle = search.trim().to_lowercase();
    let mut rows: Vec<usize> = selected
        .iter()
        .copied()
        .filter(|&i| i < ft.ids.len() && (needle.is_empty() || ft.ids[i].to_lowercase().contains(&needle)))
        .collect();
    let directed = |o: Ordering| if descending { o.reverse() } else { o };
    match key {
        SortKey::Account => rows.sort_by(|&a, &b| directed(ft.ids[a].cmp(&ft.ids[b])).then(a.cmp(&b))),
        SortKey::Segment => rows.sort_by(|&a, &b| directed(seg.segments[a].cmp(&seg.segments[b])).then(a.cmp(&b))),
        SortKey::Feature(j) => {
            let j = *j;
            rows.sort_by(|&a, &b| {
                let (va, vb) = (ft.values[[a, j]], ft.values[[b, j]]);
                match (va.is_nan(), vb.is_nan()) {
                    (false, false) => directed(va.total_cmp(&vb)),
                    (a_nan, b_nan) => a_nan.cmp(&b_nan),
                }
                .then(a.cmp(&b))
            });
        }
    }
    rows
}

/// The scatter's text alternative, read by screen readers with the plot
/// (the canvas's `aria-describedby`): what is plotted, then each segment's
/// size, share and centre on the plotted components (the mean of its
/// accounts' coordinates), then noise. `names[s - 1]` is segment `s`'s name
/// (empty: none; shown with hidden characters spelled out and cut to 80
/// characters, as [`crate::view_model::display::escaped_short`]). With `view` (the x and y ranges shown, data units) when
/// zoomed, it ends with how many accounts the view holds.
///
/// Example: `PCA scatter plot of 600 accounts, PC1 (31.2% of variance)
/// across, PC2 (18.0%) up. Segment 1 · Scalpers: 180 accounts (30.0%),
/// centred at PC1 1.52, PC2 -0.31. ...`
pub fn scatter_description(
    seg: &Segmentation,
    axes: Axes,
    names: &[String],
    view: Option<((f64, f64), (f64, f64))>,
) -> String {
    let p = &seg.projection;
    let axes = axes.within(p.ncols());
    let n = seg.segments.len().min(p.nrows());
    let evr = |c: usize| seg.pca.explained_variance_ratio.get(c).copied().unwrap_or(0.0) * 100.0;
    let mut out = format!(
        "PCA scatter plot of {n} accounts, PC{} ({:.1}% of variance) across, PC{} ({:.1}%) up.",
        axes.x + 1,
        evr(axes.x),
        axes.y + 1,
        evr(axes.y)
    );
    // Sums of each segment's coordinates (index = segment number; 0 = noise).
    let mut sums = vec![(0.0, 0.0, 0usize); seg.profiles.iter().map(|p| p.id).max().unwrap_or(0) + 1];
    for i in 0..n {
        if let Some(s) = sums.get_mut(seg.segments[i]) {
            *s = (s.0 + p[[i, axes.x]], s.1 + p[[i, axes.y]], s.2 + 1);
        }
    }
    for prof in &seg.profiles {
        let (sx, sy, c) = sums[prof.id];
        // A name may hold a column's name from the file: hidden characters spelled out, cut to 80.
        let name = names
            .get(prof.id - 1)
            .filter(|s| !s.is_empty())
            .map(|s| format!(" · {}", crate::view_model::display::escaped_short(s, 80)))
            .unwrap_or_default();
        out.push_str(&format!(" Segment {}{name}: {} accounts ({:.1}%)", prof.id, prof.size, prof.share * 100.0));
        if c > 0 {
            let (cx, cy) = (sx / c as f64, sy / c as f64);
            out.push_str(&format!(", centred at PC{} {cx:.2}, PC{} {cy:.2}", axes.x + 1, axes.y + 1));
        }
        out.push('.');
    }
    if seg.noise > 0 {
        out.push_str(&format!(" Noise: {} accounts.", seg.noise));
    }
    if let Some((x, y)) = view {
        let inside = accounts_in_box(p, axes, x, y).len();
        out.push_str(&format!(
            " Zoomed: {inside} of {n} accounts in view, PC{} {:.2} to {:.2}, PC{} {:.2} to {:.2}.",
            axes.x + 1,
            x.0,
            x.1,
            axes.y + 1,
            y.0,
            y.1
        ));
    }
    out
}

/// The account `step` places after `current` (before it for a negative
/// `step`) among those inside the view `x` by `y` (data units), ordered
/// left to right on `axes` (then bottom to top, then by row): the order the
/// scatter's keyboard cursor visits points in (keys `n` and `p`). From no
/// current account (or one outside the view) a forward step starts at the
/// leftmost and a backward one at the rightmost; the order wraps round.
/// Returns the account (row index) and its place (0-based) among the
/// `count` in view; `None` when the view holds no account.
pub fn step_in_view(
    projection: &Array2<f64>,
    axes: Axes,
    x: (f64, f64),
    y: (f64, f64),
    current: Option<usize>,
    step: isize,
) -> Option<(usize, usize, usize)> {
    let axes = axes.within(projection.ncols());
    let mut rows = accounts_in_box(projection, axes, x, y);
    if rows.is_empty() {
        return None;
    }
    let key = |i: usize| (projection[[i, axes.x]], projection[[i, axes.y]]);
    rows.sort_by(|&a, &b| {
        let ((ax, ay), (bx, by)) = (key(a), key(b));
        ax.total_cmp(&bx).then(ay.total_cmp(&by)).then(a.cmp(&b))
    });
    let n = rows.len() as isize;
    let at = match current.and_then(|c| rows.iter().position(|&r| r == c)) {
        Some(pos) => (pos as isize + step).rem_euclid(n),
        None if step >= 0 => 0,
        None => n - 1,
    } as usize;
    Some((rows[at], at, rows.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn axis_values_round_trip() {
        for c in 0..12 {
            assert_eq!(parse_axis(&axis_value(c)), Some(c));
        }
        for bad in ["pc0", "pc", "PC1", "x", "pc-1", ""] {
            assert_eq!(parse_axis(bad), None, "{bad}");
        }
        assert_eq!(Axes { x: 2, y: 4 }.within(5), Axes { x: 2, y: 4 });
        assert_eq!(Axes { x: 2, y: 5 }.within(5), Axes::default());
    }

    #[test]
    fn the_box_holds_exactly_the_points_inside_it_on_the_chosen_axes() {
        let p = array![[0.0, 0.0, 5.0], [1.0, 1.0, -5.0], [2.0, -1.0, 0.5], [1.0, 3.0, 0.0]];
        // PC1 x PC2, ends in either order, ends included.
        assert_eq!(accounts_in_box(&p, Axes::default(), (2.0, 0.5), (-1.0, 1.0)), vec![1, 2]);
        // PC3 across, PC1 up.
        assert_eq!(accounts_in_box(&p, Axes { x: 2, y: 0 }, (-1.0, 1.0), (0.5, 3.0)), vec![2, 3]);
        assert!(accounts_in_box(&p, Axes::default(), (10.0, 11.0), (0.0, 1.0)).is_empty());
    }

    #[test]
    fn the_colour_scale_clips_at_the_percentiles_and_goes_log_when_skewed() {
        // 1..=100: not skewed, linear; ends at numpy.percentile([1..100], [2, 98]).
        let s = ColourScale::of((1..=100).map(f64::from)).unwrap();
        assert!((s.lo - 2.98).abs() < 1e-12 && (s.hi - 98.02).abs() < 1e-12, "{s:?}");
        assert!(!s.log);
        assert_eq!(s.position(0.0), 0.0);
        assert_eq!(s.position(1e9), 1.0);
        assert!((s.position(50.5) - 0.5).abs() < 1e-12);
        assert_eq!(s.colour(1e9), (253, 231, 37));
        assert_eq!(s.colour(f64::NAN), crate::view_model::colours::NOISE);
        // Heavy-tailed (powers of two) with a missing value: log spacing.
        let s = ColourScale::of((0..30).map(|e| 2f64.powi(e)).chain([f64::NAN])).unwrap();
        assert!(s.log && s.missing == 1, "{s:?}");
        assert!(s.position(2f64.powi(15)) > 0.4, "log spacing puts the middle power near the middle");
        assert!(ColourScale::of([f64::NAN].into_iter()).is_none());
        // value_at inverts position between the ends.
        assert!((s.value_at(s.position(2f64.powi(15))) - 2f64.powi(15)).abs() < 1e-6);
        assert_eq!(s.value_at(0.0), s.lo);
        // Constant: every point mid-scale.
        assert_eq!(ColourScale::of([3.0, 3.0].into_iter()).unwrap().position(3.0), 0.5);
    }

    #[test]
    fn noise_is_drawn_first_and_a_highlighted_segment_last() {
        let segments = [1, 0, 2, 1, 0, 2];
        assert_eq!(draw_order(&segments, None), vec![1, 4, 0, 2, 3, 5]);
        assert_eq!(draw_order(&segments, Some(1)), vec![1, 4, 2, 5, 0, 3]);
    }

    #[test]
    fn viridis_runs_from_purple_to_yellow() {
        assert_eq!(viridis(0.0), (68, 1, 84));
        assert_eq!(viridis(1.0), (253, 231, 37));
        assert_eq!(viridis(0.5), (33, 144, 141));
        assert_eq!(viridis(-3.0), viridis(0.0));
    }
}
