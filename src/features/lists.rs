//! Per-account lists: values of many accounts in one flat list
//! ([`ByAccount`]), and lists of values that count once per account
//! ([`DistinctByAccount`]: days, products, invoices).

/// Values of many accounts in one list, as (account, value) pairs in the
/// order they were added, grouped by account once, at the end
/// ([`ByAccount::grouped`]). A growing vector per account cost more: each
/// row touched its own, and merging two parts and ending the read
/// allocated, copied and freed them one by one.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct ByAccount<T> {
    pub(super) account: Vec<u32>,
    pub(super) value: Vec<T>,
}

impl<T> Default for ByAccount<T> {
    fn default() -> Self {
        ByAccount { account: Vec::new(), value: Vec::new() }
    }
}

impl<T: Copy + Default> ByAccount<T> {
    pub(super) fn push(&mut self, account: u32, value: T) {
        self.account.push(account);
        self.value.push(value);
    }

    /// Appends `other`, whose account `i` is account `accounts[i]` here,
    /// its values mapped by `f`. Reserves exactly what it adds (the usual
    /// doubling would leave up to half a large list unused).
    pub(super) fn append(&mut self, other: ByAccount<T>, accounts: &[u32], f: impl Fn(T) -> T) {
        self.account.reserve_exact(other.account.len());
        self.value.reserve_exact(other.value.len());
        self.account.extend(other.account.iter().map(|&a| accounts[a as usize]));
        self.value.extend(other.value.into_iter().map(f));
    }

    /// The values grouped by account, by a stable counting sort: account
    /// `a`'s are `values[starts[a]..starts[a + 1]]`, in the order added.
    /// `n` is the number of accounts (every account index is below it).
    pub(super) fn grouped(self, n: usize) -> (Vec<usize>, Vec<T>) {
        let mut starts = vec![0usize; n + 1];
        for &a in &self.account {
            starts[a as usize + 1] += 1;
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        let mut next = starts.clone();
        let mut values = vec![T::default(); self.value.len()];
        for (&a, v) in self.account.iter().zip(self.value) {
            let at = &mut next[a as usize];
            values[*at] = v;
            *at += 1;
        }
        (starts, values)
    }
}

/// The entries of several [`ByAccount`] lists, taken as one list (the
/// first's, then the second's, ...), grouped by account without copying a
/// value: account `a`'s entries are `order[starts[a]..starts[a + 1]]`, in
/// the order added, as indices into that concatenation (a stable counting
/// sort of 4-byte indices; [`ByAccount::grouped`] copies the values). `n`
/// is the number of accounts (every account index is below it).
pub(super) fn grouped_order<T>(lists: &[&ByAccount<T>], n: usize) -> (Vec<usize>, Vec<u32>) {
    let mut starts = vec![0usize; n + 1];
    for &a in lists.iter().flat_map(|l| &l.account) {
        starts[a as usize + 1] += 1;
    }
    for i in 0..n {
        starts[i + 1] += starts[i];
    }
    let mut next = starts.clone();
    let mut order = vec![0u32; lists.iter().map(|l| l.account.len()).sum()];
    for (i, &a) in lists.iter().flat_map(|l| &l.account).enumerate() {
        let at = &mut next[a as usize];
        order[*at] = i as u32;
        *at += 1;
    }
    (starts, order)
}

impl<T: Copy + Default + Ord> ByAccount<T> {
    /// Each of `n` accounts' values, sorted, without repeats: `values[starts[a]..starts[a + 1]]`.
    pub(super) fn distinct(self, n: usize) -> (Vec<usize>, Vec<T>) {
        let (starts, mut values) = self.grouped(n);
        let mut kept = vec![0usize; n + 1];
        let mut at = 0;
        for a in 0..n {
            let v = &mut values[starts[a]..starts[a + 1]];
            // Usually in order already (rows in time order, days added once each).
            if !v.is_sorted() {
                v.sort_unstable();
            }
            for i in starts[a]..starts[a + 1] {
                if i == starts[a] || values[i] != values[i - 1] {
                    values[at] = values[i];
                    at += 1;
                }
            }
            kept[a + 1] = at;
        }
        values.truncate(at);
        (kept, values)
    }
}

/// A [`ByAccount`] list of values that count only once per account
/// (days, products, invoices). Rows in time order add each day once, but
/// in another order (newest first, or none) one per row: so whenever the
/// list has doubled since it was last checked, each account's repeats
/// are removed, unless at most half of what was added since could be a
/// repeat (a value its caller knew to be new, such as a day after the
/// account's last, cannot). It then holds at most about three times the
/// distinct (account, value) pairs (it at most doubles between checks, and
/// a check that does not compact found at least half of the latest half
/// new), plus [`DistinctByAccount::FLOOR`].
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct DistinctByAccount<T> {
    pub(super) list: ByAccount<T>,
    /// The list's length after the last check: the next is due above
    /// twice that ([`DistinctByAccount::FLOOR`] at least).
    checked: usize,
    /// Entries added since the last check that could be repeats.
    unsure: usize,
    /// Accounts that may have a value twice on the list (indexed by
    /// account; shorter if the last ones may not): only these are grouped
    /// and deduplicated to count.
    repeats: Vec<bool>,
}

impl<T> Default for DistinctByAccount<T> {
    fn default() -> Self {
        DistinctByAccount { list: ByAccount::default(), checked: 0, unsure: 0, repeats: Vec::new() }
    }
}

impl<T> DistinctByAccount<T> {
    /// Entries below which the list is never compacted.
    const FLOOR: usize = 1 << 16;
}

impl<T: Copy + Default + Ord> DistinctByAccount<T> {
    /// Adds `value` to `account`; `new`: the caller knows the account does not have it yet.
    pub(super) fn push(&mut self, account: u32, value: T, new: bool) {
        self.list.push(account, value);
        if !new {
            self.unsure += 1;
            self.may_repeat(account);
        }
        self.check();
    }

    /// Appends `other` as [`ByAccount::append`] does. `new[i]`: every value
    /// of `other`'s account `i` is known to be new here (as days after the
    /// account's last here are); the others, and `other`'s own possible
    /// repeats, count as possible repeats.
    pub(super) fn append(&mut self, other: DistinctByAccount<T>, accounts: &[u32], f: impl Fn(T) -> T, new: &[bool]) {
        let n = other.list.account.len();
        let unsure = other.unsure + other.list.account.iter().filter(|&&a| !new[a as usize]).count();
        for (i, &a) in accounts.iter().enumerate() {
            if !new[i] || other.repeats.get(i).copied().unwrap_or(false) {
                self.may_repeat(a);
            }
        }
        self.list.append(other.list, accounts, f);
        self.unsure += unsure.min(n);
        self.check();
    }

    /// If the list has doubled since the last check: compacts it if enough
    /// of what was added since could be repeats.
    fn check(&mut self) {
        let len = self.list.account.len();
        if len <= (2 * self.checked).max(Self::FLOOR) {
            return;
        }
        if 2 * self.unsure > len - self.checked {
            self.compact();
        }
        (self.checked, self.unsure) = (self.list.account.len(), 0);
    }

    /// Removes each account's repeats.
    fn compact(&mut self) {
        let n = self.list.account.iter().max().map_or(0, |&a| a as usize + 1);
        let (starts, value) = std::mem::take(&mut self.list).distinct(n);
        let account = (0..n).flat_map(|a| std::iter::repeat_n(a as u32, starts[a + 1] - starts[a])).collect();
        self.list = ByAccount { account, value };
        self.repeats.clear();
    }

    fn may_repeat(&mut self, account: u32) {
        let a = account as usize;
        if a >= self.repeats.len() {
            self.repeats.resize(a + 1, false);
        }
        self.repeats[a] = true;
    }

    /// The number of distinct values of each of `n` accounts: the entries
    /// of an account that cannot have a value twice, and the distinct
    /// values of the others.
    pub(super) fn counts(self, n: usize) -> Vec<usize> {
        let repeats = |a: u32| self.repeats.get(a as usize).copied().unwrap_or(false);
        let mut counts = vec![0usize; n];
        let mut unsure = ByAccount::default();
        for (&a, &v) in self.list.account.iter().zip(&self.list.value) {
            if repeats(a) {
                unsure.push(a, v);
            } else {
                counts[a as usize] += 1;
            }
        }
        let (starts, _) = unsure.distinct(n);
        for (a, c) in counts.iter_mut().enumerate() {
            *c += starts[a + 1] - starts[a];
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grouped_order_indexes_what_grouped_copies() {
        let mut l = ByAccount::default();
        for (a, v) in [(2u32, 10i64), (0, 11), (2, 12), (1, 13), (0, 14)] {
            l.push(a, v);
        }
        // The same list in two pieces: indices run on from the first into the second.
        let (a, b) = (
            ByAccount { account: l.account[..2].to_vec(), value: l.value[..2].to_vec() },
            ByAccount { account: l.account[2..].to_vec(), value: l.value[2..].to_vec() },
        );
        let (starts, order) = grouped_order(&[&a, &b], 3);
        let by_index: Vec<i64> = order.iter().map(|&i| l.value[i as usize]).collect();
        let (starts2, values) = l.grouped(3);
        assert_eq!((starts, by_index), (starts2, values));
    }

    #[test]
    fn per_account_lists_group_in_order_and_count_like_hash_sets() {
        let mut rng = 0x9e37_79b9_u32;
        let mut next = |m: u32| {
            rng = rng.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (rng >> 8) % m
        };
        let n = 7;
        let (mut list, mut later) = (ByAccount::default(), ByAccount::default());
        let mut want: Vec<Vec<u32>> = vec![Vec::new(); n];
        for _ in 0..600 {
            let (a, x) = (next(n as u32 - 1), next(40)); // the last account gets nothing
            list.push(a, x);
            want[a as usize].push(x);
        }
        // A later part: its account i is account map[i] here, its values shifted.
        let map = [3u32, 0, 5];
        for _ in 0..200 {
            let (a, x) = (next(3), next(40));
            later.push(a, x);
            want[map[a as usize] as usize].push(x + 1000);
        }
        list.append(later, &map, |x| x + 1000);
        let (starts, values) = list.clone().grouped(n);
        for (a, w) in want.iter().enumerate() {
            assert_eq!(&values[starts[a]..starts[a + 1]], &w[..], "account {a}");
        }
        let mut distinct = DistinctByAccount::default();
        list.account.iter().zip(&list.value).for_each(|(&a, &x)| distinct.push(a, x, false));
        let counts = distinct.counts(n);
        for (a, w) in want.iter().enumerate() {
            assert_eq!(counts[a], w.iter().collect::<std::collections::HashSet<_>>().len(), "account {a}");
        }
        assert_eq!(counts[n - 1], 0);
    }

    #[test]
    fn newest_first_days_stay_within_twice_their_distinct_pairs() {
        // Newest first: every row of an account on a day it already has.
        let mut days = DistinctByAccount::default();
        let mut later = DistinctByAccount::default();
        let (accounts, span) = (50u32, 400i64);
        for r in 0..1_000_000i64 {
            let (a, day) = ((r % accounts as i64) as u32, span - 1 - (r / accounts as i64) % span);
            days.push(a, day, false);
            later.push(a, day + span / 2, false); // overlaps half of the first list's days
            let pairs = (accounts as i64 * span) as usize;
            assert!(days.list.account.len() <= 2 * pairs + DistinctByAccount::<i64>::FLOOR, "row {r}");
        }
        days.append(later, &(0..accounts).collect::<Vec<_>>(), |d| d, &[false; 50]);
        let counts = days.counts(accounts as usize + 1);
        assert_eq!(&counts[..accounts as usize], &vec![(span + span / 2) as usize; accounts as usize][..]);
        assert_eq!(counts[accounts as usize], 0);
        // Oldest first, every day new to its account: nothing to remove, never compacted.
        let mut days = DistinctByAccount::default();
        for r in 0..200_000i64 {
            days.push((r % 7) as u32, r, true);
        }
        assert_eq!(days.list.value, (0..200_000).collect::<Vec<i64>>());
        // A later part whose days all come after: appended as new, not compacted;
        // the same part, not known to be new, makes the doubled list compact.
        for (known, compacted) in [(true, false), (false, true)] {
            let mut first = days.clone();
            let mut later = DistinctByAccount::default();
            for r in 200_000..400_000i64 {
                later.push((r % 7) as u32, r, true);
            }
            first.append(later, &[0, 1, 2, 3, 4, 5, 6], |d| d, &[known; 7]);
            assert_eq!(first.list.value.is_sorted(), !compacted, "known new: {known}");
            assert_eq!(first.counts(7).iter().sum::<usize>(), 400_000);
        }
        // A later part known to start after, with a repeat of its own: still counted once.
        let (mut first, mut later) = (DistinctByAccount::default(), DistinctByAccount::default());
        (0..10).for_each(|d| first.push(0, d, true));
        [20, 20, 21].into_iter().for_each(|d| later.push(0, d, d != 20));
        first.append(later, &[0], |d| d, &[true]);
        assert_eq!(first.counts(1), vec![12]);
    }
}
