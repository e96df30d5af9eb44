//! Red-flag evidence from the fills themselves: per account, what the
//! rules of [`crate::analysis::risk`] need, gathered while reading.
//!
//! Each fill with a readable real time is kept as one compact [`Fill`]
//! (24 bytes, plus the 4-byte account index of its [`super::lists::ByAccount`]
//! list) until the end of the read, where [`evidence`] reduces each
//! account's fills to one [`FlagEvidence`] and the list is freed. The
//! windows below are fixed when the file is read; the thresholds applied to
//! the evidence (how many fills make a burst, what share of round trips
//! flags an account, how long a dormancy) are the user's, in the page,
//! applied without reading the file again.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// Two fills form a round trip only when at most this far apart (ms): 60 s.
pub const ROUND_TRIP_WINDOW_MS: i64 = 60_000;
/// ... and when their quantities differ by at most this share of the larger: 0.1 %.
pub const ROUND_TRIP_QTY_TOLERANCE: f64 = 0.001;
/// A burst counts fills in windows of this length (ms, half-open: `t <= u < t + 1000`): one second.
pub const BURST_WINDOW_MS: i64 = 1_000;
/// "Last days" of the dormant-then-active rule: the account's final 7 days,
/// `(last - 7 d, last]`, where `last` is the time of its latest fill.
pub const ACTIVE_WINDOW_MS: i64 = 7 * 86_400_000;

/// One fill as the rules see it. `instrument` is the interned instrument
/// id (`u32::MAX`: no instrument column); `side` is `1` buy, `-1` sell, `0`
/// unknown; `quantity` and `notional` are absolute (`NaN` when unknown).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Fill {
    /// Milliseconds since the Unix epoch (UTC).
    pub t: i64,
    pub instrument: u32,
    pub side: i8,
    pub quantity: f32,
    pub notional: f32,
}

/// What one account's fills show, before any threshold is applied.
/// Times are milliseconds since the Unix epoch, UTC; `i64::MIN` means none.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlagEvidence {
    /// Fills with a readable time.
    pub fills: u32,
    /// Fills that are half of a round trip: a buy and a sell of the same
    /// instrument, at most [`ROUND_TRIP_WINDOW_MS`] apart, quantities within
    /// [`ROUND_TRIP_QTY_TOLERANCE`] of the larger; each fill in at most one
    /// trip, matched greedily in time order to the earliest open fill that
    /// qualifies (so each trip adds 2).
    pub round_trip_fills: u32,
    /// Time of the first fill of the first round trip.
    pub round_trip_first: i64,
    /// The most fills in any window of [`BURST_WINDOW_MS`].
    pub burst_max: u32,
    /// Start (first fill) of the first window holding `burst_max` fills.
    pub burst_first: i64,
    /// The longest time between two consecutive fills, in days (0 with fewer than two fills).
    pub longest_gap_days: f64,
    /// Time of the fill that ended the longest gap.
    pub gap_end: i64,
    /// Share (0-1) of the account's notional in its final
    /// [`ACTIVE_WINDOW_MS`]; of its fills when no fill has a notional.
    pub last_days_share: f64,
    /// Time of the first fill of that final window.
    pub last_days_first: i64,
}

impl Default for FlagEvidence {
    fn default() -> Self {
        FlagEvidence {
            fills: 0,
            round_trip_fills: 0,
            round_trip_first: i64::MIN,
            burst_max: 0,
            burst_first: i64::MIN,
            longest_gap_days: 0.0,
            gap_end: i64::MIN,
            last_days_share: f64::NAN,
            last_days_first: i64::MIN,
        }
    }
}

/// One account's evidence from its fills (any order: they are sorted here).
/// `round_trips`: whether side, quantity and instrument are all known for
/// the file (else `round_trip_fills` stays 0). O(n log n) in the account's fills.
pub(super) fn evidence(fills: &mut [Fill], round_trips: bool) -> FlagEvidence {
    let mut e = FlagEvidence { fills: fills.len() as u32, ..Default::default() };
    if fills.is_empty() {
        return e;
    }
    // Usually in time order already (exports are).
    if !fills.is_sorted_by_key(|f| f.t) {
        fills.sort_by_key(|f| f.t);
    }
    // Bursts: the largest window [t_i, t_i + 1 s), by two pointers.
    let mut i = 0;
    for j in 0..fills.len() {
        while fills[j].t - fills[i].t >= BURST_WINDOW_MS {
            i += 1;
        }
        if (j - i + 1) as u32 > e.burst_max {
            e.burst_max = (j - i + 1) as u32;
            e.burst_first = fills[i].t;
        }
    }
    // Dormancy: the longest gap between consecutive fills.
    for w in fills.windows(2) {
        let gap = (w[1].t - w[0].t) as f64 / 86_400_000.0;
        if gap > e.longest_gap_days {
            e.longest_gap_days = gap;
            e.gap_end = w[1].t;
        }
    }
    let last = fills[fills.len() - 1].t;
    let from = fills.partition_point(|f| f.t <= last - ACTIVE_WINDOW_MS);
    e.last_days_first = fills[from].t;
    let notional = |s: &[Fill]| s.iter().filter(|f| f.notional.is_finite()).map(|f| f.notional as f64).sum::<f64>();
    let total = notional(fills);
    e.last_days_share =
        if total > 0.0 { notional(&fills[from..]) / total } else { (fills.len() - from) as f64 / fills.len() as f64 };
    if round_trips {
        let (n, first) = round_trip_fills(fills);
        e.round_trip_fills = n;
        e.round_trip_first = first;
    }
    e
}

/// Open fills a group may hold before [`round_trip_group`] leaves its
/// linear scan for the map by quantity (a scan of a few open fills is
/// faster than a map, and almost every account stays under this).
const LINEAR_OPEN_FILLS: usize = 32;

/// Fills in round trips among `fills` (sorted by time) and the time of the
/// first trip's opening fill. Per instrument, in time order, each fill is
/// matched to the earliest still-open fill of the other side within the
/// window whose quantity is within the tolerance ([`round_trip_group`]).
fn round_trip_fills(fills: &[Fill]) -> (u32, i64) {
    let (matched, first) = if fills.iter().all(|f| f.instrument == fills[0].instrument) {
        // One instrument (most accounts): no index to sort.
        trips(fills.iter().copied())
    } else {
        let mut by_instrument: Vec<u32> = (0..fills.len() as u32).collect();
        // Stable: each instrument's fills stay in time order.
        by_instrument.sort_by_key(|&i| fills[i as usize].instrument);
        by_instrument
            .chunk_by(|&a, &b| fills[a as usize].instrument == fills[b as usize].instrument)
            .map(|g| trips(g.iter().map(|&i| fills[i as usize])))
            .fold((0, i64::MAX), |(n, t), (m, u)| (n + m, t.min(u)))
    };
    (matched, if matched > 0 { first } else { i64::MIN })
}

/// One instrument's round-trip fills and first trip time: by the linear
/// scan, or by the map when the scan gives up.
fn trips(group: impl Iterator<Item = Fill> + Clone) -> (u32, i64) {
    round_trip_linear(group.clone()).unwrap_or_else(|| round_trip_group(group))
}

/// The side (0 buys, 1 sells) and absolute quantity of a fill that can be
/// in a round trip; `None` without a side or a positive quantity.
fn side_and_quantity(f: &Fill) -> Option<(usize, f32)> {
    let q = f.quantity.abs();
    (f.side != 0 && q.is_finite() && q > 0.0).then_some((usize::from(f.side < 0), q))
}

/// Whether quantities `a` and `b` differ by at most the tolerance of the larger.
fn within(a: f32, b: f32) -> bool {
    (a as f64 - b as f64).abs() <= ROUND_TRIP_QTY_TOLERANCE * a.max(b) as f64
}

/// [`round_trip_group`] by a linear scan of the open fills, which are few
/// for almost every account; `None` as soon as more than
/// [`LINEAR_OPEN_FILLS`] are open at once (the caller then uses the map).
fn round_trip_linear(group: impl Iterator<Item = Fill>) -> Option<(u32, i64)> {
    // Open fills in time order: (time, side, quantity); `from` skips the expired ones.
    let mut open: Vec<(i64, usize, f32)> = Vec::new();
    let (mut from, mut matched, mut first) = (0, 0u32, i64::MAX);
    for f in group {
        let Some((side, q)) = side_and_quantity(&f) else { continue };
        while from < open.len() && f.t - open[from].0 > ROUND_TRIP_WINDOW_MS {
            from += 1;
        }
        match open[from..].iter().position(|&(_, s, oq)| s == 1 - side && within(oq, q)) {
            Some(p) => {
                let (t, _, _) = open.remove(from + p);
                matched += 2;
                first = first.min(t);
            }
            None if open.len() - from >= LINEAR_OPEN_FILLS => return None,
            None => open.push((f.t, side, q)),
        }
    }
    Some((matched, first))
}

/// Round-trip fills of one instrument's `group` (in time order) and the
/// time of the first trip's opening fill (`i64::MAX`: none). Open fills are
/// kept per side in a map by quantity, so a fill looks only at the
/// quantities that can match it: O(n log n), whatever the account's size.
fn round_trip_group(group: impl Iterator<Item = Fill>) -> (u32, i64) {
    let (mut matched, mut first) = (0u32, i64::MAX);
    // Open fills per side (0: buys, 1: sells): quantity bits -> (time, arrival), oldest first.
    let mut open: [BTreeMap<u32, VecDeque<(i64, u32)>>; 2] = Default::default();
    // Every open fill in arrival order, for expiry: (time, arrival, side, quantity bits).
    let mut queue: VecDeque<(i64, u32, usize, u32)> = VecDeque::new();
    for (arrival, f) in group.enumerate() {
        let Some((side, q)) = side_and_quantity(&f) else { continue };
        // Expire what is too old to match this fill (or any later one).
        while let Some(&(t, a, s, key)) = queue.front() {
            if f.t - t <= ROUND_TRIP_WINDOW_MS {
                break;
            }
            queue.pop_front();
            if let Some(times) = open[s].get_mut(&key) {
                if times.front() == Some(&(t, a)) {
                    times.pop_front();
                }
                if times.is_empty() {
                    open[s].remove(&key);
                }
            }
        }
        // |q - q'| <= tol * max(q, q')  <=>  q (1 - tol) <= q' <= q / (1 - tol); positive f32s order as their bits.
        let tol = ROUND_TRIP_QTY_TOLERANCE as f32;
        let (lo, hi) = (q * (1.0 - tol), q / (1.0 - tol));
        // The earliest to arrive among those that qualify, as the linear scan takes.
        let candidate = open[1 - side]
            .range(lo.to_bits().saturating_sub(1)..=hi.to_bits().saturating_add(1))
            .filter(|(k, _)| within(f32::from_bits(**k), q))
            .filter_map(|(k, times)| times.front().map(|&(t, a)| (a, t, *k)))
            .min();
        match candidate {
            Some((_, t, key)) => {
                if let Some(times) = open[1 - side].get_mut(&key) {
                    times.pop_front();
                    if times.is_empty() {
                        open[1 - side].remove(&key);
                    }
                }
                matched += 2;
                first = first.min(t);
            }
            None => {
                open[side].entry(q.to_bits()).or_default().push_back((f.t, arrival as u32));
                queue.push_back((f.t, arrival as u32, side, q.to_bits()));
            }
        }
    }
    (matched, first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(t_s: f64, side: i8, q: f32) -> Fill {
        Fill { t: (t_s * 1000.0) as i64, instrument: 0, side, quantity: q, notional: q }
    }

    #[test]
    fn a_round_trip_is_at_most_60_s_apart_and_within_0_1_percent() {
        let ev = |f: &mut [Fill]| evidence(f, true).round_trip_fills;
        assert_eq!(ev(&mut [fill(0.0, 1, 100.0), fill(59.0, -1, 100.0)]), 2, "59 s apart");
        assert_eq!(ev(&mut [fill(0.0, 1, 100.0), fill(60.0, -1, 100.0)]), 2, "exactly 60 s");
        assert_eq!(ev(&mut [fill(0.0, 1, 100.0), fill(61.0, -1, 100.0)]), 0, "61 s apart");
        assert_eq!(ev(&mut [fill(0.0, 1, 1000.0), fill(10.0, -1, 1000.9)]), 2, "0.09 % apart");
        assert_eq!(ev(&mut [fill(0.0, 1, 1000.0), fill(10.0, -1, 1001.1)]), 0, "0.11 % apart");
        assert_eq!(ev(&mut [fill(0.0, -1, 1000.9), fill(10.0, 1, 1000.0)]), 2, "sell first, smaller second");
        assert_eq!(ev(&mut [fill(0.0, 1, 100.0), fill(10.0, 1, 100.0)]), 0, "two buys");
        let mut other = [fill(0.0, 1, 100.0), fill(10.0, -1, 100.0)];
        other[1].instrument = 1;
        assert_eq!(ev(&mut other), 0, "two instruments");
        assert_eq!(evidence(&mut [fill(0.0, 1, 100.0), fill(10.0, -1, 100.0)], false).round_trip_fills, 0);
        // Each fill in one trip only; the earliest open fill is taken, and the order of the rows does not matter.
        let mut three = [fill(30.0, -1, 100.0), fill(0.0, 1, 100.0), fill(5.0, 1, 100.0), fill(70.0, -1, 100.0)];
        let e = evidence(&mut three, true);
        assert_eq!(
            (e.round_trip_fills, e.round_trip_first),
            (2, 0),
            "buy@0 with sell@30; buy@5 is 65 s before sell@70"
        );
    }

    #[test]
    fn a_burst_is_the_most_fills_within_one_second() {
        let burst =
            |n: usize| (0..n).map(|i| Fill { t: 5_000 + i as i64 * 20, ..fill(0.0, 1, 1.0) }).collect::<Vec<_>>();
        let e = evidence(&mut burst(49), true);
        assert_eq!((e.burst_max, e.burst_first), (49, 5_000));
        assert_eq!(evidence(&mut burst(50), true).burst_max, 50, "50 fills 20 ms apart span 980 ms");
        // 51 fills 20 ms apart span 1,000 ms: the window is half-open, so at most 50 of them.
        assert_eq!(evidence(&mut burst(51), true).burst_max, 50);
    }

    #[test]
    fn the_longest_gap_and_the_last_seven_days_share() {
        let day = 86_400.0;
        let mut f = [fill(0.0, 1, 10.0), fill(day, 1, 10.0), fill(62.0 * day, 1, 30.0), fill(65.0 * day, -1, 50.0)];
        let e = evidence(&mut f, true);
        assert_eq!(e.longest_gap_days, 61.0);
        assert_eq!(e.gap_end, (62.0 * day * 1000.0) as i64);
        assert_eq!(e.last_days_share, 0.8, "30 + 50 of 100 in (58 d, 65 d]");
        assert_eq!(e.last_days_first, (62.0 * day * 1000.0) as i64);
        let e = evidence(&mut [fill(0.0, 1, 10.0)], true);
        assert_eq!((e.longest_gap_days, e.last_days_share), (0.0, 1.0));
    }

    #[test]
    fn the_linear_scan_and_the_map_agree() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
        for case in 0..300 {
            let n = rng.random_range(1..400);
            let spread = [5_000, 60_000, 600_000][case % 3];
            let mut t = 0i64;
            let fills: Vec<Fill> = (0..n)
                .map(|_| {
                    t += rng.random_range(0..spread / 10 + 1);
                    let q = [1.0f32, 1.0005, 1.002, 2.0, 0.0][rng.random_range(0..5)];
                    Fill { t, side: [1, -1, 0][rng.random_range(0..3)], ..fill(0.0, 1, q) }
                })
                .collect();
            let group = || fills.iter().copied();
            let map = round_trip_group(group());
            if let Some(linear) = round_trip_linear(group()) {
                assert_eq!(linear, map, "case {case}");
            }
        }
    }

    #[test]
    fn many_equal_fills_are_matched_in_n_log_n() {
        // 200,000 alternating fills a millisecond apart: every pair is a trip; a scan of the window would take minutes.
        let mut f: Vec<Fill> =
            (0..200_000).map(|i| Fill { t: i, side: if i % 2 == 0 { 1 } else { -1 }, ..fill(0.0, 1, 5.0) }).collect();
        assert_eq!(evidence(&mut f, true).round_trip_fills, 200_000);
    }
}
