//! What a result left out of the file, counted against the file's total:
//! rows with the wrong number of fields (dropped while reading), rows the
//! features could not use (no account id, no readable time, a required
//! number unreadable), and accounts whose every row was left out. Above
//! [`LEFT_OUT_SHARE`] of the rows or of the accounts, the page says so
//! before the results (status **Rows left out**), not only in the Data notes.

use crate::features::FeatureTable;
use crate::ingest::thousands;
use crate::job::TableSummary;

/// The share of rows, or of accounts, left out above which the page warns
/// before the results (1 %: exactly 1 % is not warned about).
pub const LEFT_OUT_SHARE: f64 = 0.01;

/// One reason rows were left out: how many, why (as the Data notes say it,
/// e.g. `no account_id`, `"timestamp" not a readable time`) and the file
/// row (header = 1) of the first.
#[derive(Clone, Debug, PartialEq)]
pub struct LeftOutRows {
    pub count: usize,
    pub reason: String,
    pub first_row: Option<u32>,
}

/// What a result left out of its file.
#[derive(Clone, Debug, PartialEq)]
pub struct LeftOut {
    /// Data rows of the file (blank lines are not rows): used plus left out.
    pub rows_total: usize,
    /// Per reason, rows with the wrong number of fields first.
    pub rows: Vec<LeftOutRows>,
    /// Accounts met in the file: segmented plus left out.
    pub accounts_total: usize,
    /// Accounts whose every row was left out ([`FeatureTable::accounts_left_out`]).
    pub accounts_left_out: usize,
}

/// The reason text of rows with the wrong number of fields.
pub const WRONG_FIELDS: &str = "the wrong number of fields";

impl LeftOut {
    /// What `ft` (a result's features) and `table` (the file's summary, if
    /// known: it holds the rows dropped while reading) left out. Accounts
    /// are not dropped by the analysis (missing values are imputed,
    /// HDBSCAN's noise is still listed), so `ft`'s accounts are the
    /// segmented ones.
    pub fn of(ft: &FeatureTable, table: Option<&TableSummary>) -> Self {
        let mut rows = Vec::new();
        if let Some(t) = table.filter(|t| t.ragged_count > 0) {
            rows.push(LeftOutRows {
                count: t.ragged_count,
                reason: WRONG_FIELDS.into(),
                first_row: t.ragged_rows.first().map(|r| r.0),
            });
        }
        rows.extend(ft.skipped.iter().map(|s| LeftOutRows {
            count: s.count,
            reason: s.reason.clone(),
            first_row: s.examples.first().copied(),
        }));
        let left: usize = rows.iter().map(|r| r.count).sum();
        LeftOut {
            rows_total: ft.rows_used + left,
            rows,
            accounts_total: ft.ids.len() + ft.accounts_left_out,
            accounts_left_out: ft.accounts_left_out,
        }
    }

    /// Rows left out, all reasons.
    pub fn rows_left_out(&self) -> usize {
        self.rows.iter().map(|r| r.count).sum()
    }

    /// Whether more than [`LEFT_OUT_SHARE`] of the rows were left out.
    pub fn too_many_rows(&self) -> bool {
        over_share(self.rows_left_out(), self.rows_total)
    }

    /// Whether more than [`LEFT_OUT_SHARE`] of the accounts were left out.
    pub fn too_many_accounts(&self) -> bool {
        over_share(self.accounts_left_out, self.accounts_total)
    }

    /// The page's warning before the results when too many rows or
    /// accounts were left out, else `None`, e.g. "1,234 of 100,580 rows
    /// (1.2 %) were left out: 1,200 with the wrong number of fields (from
    /// row 42), 34 with no account_id (from row 7). See Data notes."
    pub fn warning(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.too_many_rows() {
            let why: Vec<String> = self
                .rows
                .iter()
                .map(|r| {
                    let from = r.first_row.map(|f| format!(" (from row {f})")).unwrap_or_default();
                    format!("{} with {}{from}", thousands(r.count as u64), r.reason)
                })
                .collect();
            parts.push(format!(
                "{} of {} rows ({}) {} left out: {}.",
                thousands(self.rows_left_out() as u64),
                thousands(self.rows_total as u64),
                percent(self.rows_left_out(), self.rows_total),
                if self.rows_left_out() == 1 { "was" } else { "were" },
                why.join(", ")
            ));
        }
        if self.too_many_accounts() {
            parts.push(format!(
                "{} of {} accounts ({}) {} left out: every row of theirs was left out, so {} no segment.",
                thousands(self.accounts_left_out as u64),
                thousands(self.accounts_total as u64),
                percent(self.accounts_left_out, self.accounts_total),
                if self.accounts_left_out == 1 { "was" } else { "were" },
                if self.accounts_left_out == 1 { "it has" } else { "they have" }
            ));
        }
        (!parts.is_empty()).then(|| format!("{} See Data notes.", parts.join(" ")))
    }
}

/// `part` is more than [`LEFT_OUT_SHARE`] of `whole` (exactly, in integers).
fn over_share(part: usize, whole: usize) -> bool {
    whole > 0 && (part as u128) * 100 > whole as u128
}

/// `part / whole` as a percentage with one decimal ("1.2 %"), or two when
/// one would not show that it is over 1 % ("1.01 %"), or under it.
fn percent(part: usize, whole: usize) -> String {
    let p = 100.0 * part as f64 / whole.max(1) as f64;
    let one = format!("{p:.1}");
    if one == "1.0" && part * 100 != whole {
        format!("{p:.2} %")
    } else {
        format!("{one} %")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::SkippedRows;
    use crate::view_model::response::testing::run;

    /// A result's features with `used` rows in `accounts` accounts, and a
    /// file summary with `ragged` rows of the wrong width (first at row 42).
    fn case(used: usize, accounts: usize, skipped: &[(&str, usize)], left_accounts: usize, ragged: usize) -> LeftOut {
        let (_, mut o, mut summary) = run(&customers(accounts), 1);
        let ft = std::sync::Arc::make_mut(&mut o.ft);
        ft.rows_used = used;
        ft.skipped = skipped
            .iter()
            .enumerate()
            .map(|(i, (reason, count))| SkippedRows {
                reason: reason.to_string(),
                count: *count,
                examples: vec![7 + i as u32],
            })
            .collect();
        ft.accounts_left_out = left_accounts;
        summary.ragged_count = ragged;
        summary.ragged_rows = if ragged > 0 { vec![(42, 3), (50, 1)] } else { vec![] };
        LeftOut::of(&o.ft, Some(&summary))
    }

    fn customers(n: usize) -> String {
        (0..n).fold("customer_id,spend,visits\n".to_string(), |c, i| c + &format!("c{i},{},{}\n", i * 37 % 91, i % 7))
    }

    #[test]
    fn rows_are_warned_about_just_over_one_percent_not_at_it() {
        // 10,000 rows: 100 left out is exactly 1 %, 101 is over.
        let at = case(9_900, 40, &[("no account_id", 60)], 0, 40);
        assert_eq!((at.rows_total, at.rows_left_out()), (10_000, 100));
        assert!(!at.too_many_rows() && !at.too_many_accounts());
        assert_eq!(at.warning(), None);
        let over = case(9_899, 40, &[("no account_id", 61)], 0, 40);
        assert!(over.too_many_rows() && !over.too_many_accounts());
        assert_eq!(
            over.warning().unwrap(),
            "101 of 10,000 rows (1.01 %) were left out: 40 with the wrong number of fields (from row 42), 61 with no account_id (from row 7). See Data notes."
        );
        // The issue's example.
        let issue = case(99_346, 40, &[("no account_id", 34)], 0, 1_200);
        assert_eq!(
            issue.warning().unwrap(),
            "1,234 of 100,580 rows (1.2 %) were left out: 1,200 with the wrong number of fields (from row 42), 34 with no account_id (from row 7). See Data notes."
        );
    }

    #[test]
    fn accounts_are_warned_about_on_their_own() {
        // 200 accounts met: 2 left out is exactly 1 %, 3 of 300 too; 3 of 200 is over.
        for (segmented, left, warned) in
            [(198, 2, false), (297, 3, false), (197, 3, true), (99, 1, false), (98, 2, true)]
        {
            let l = case(100_000, segmented, &[("\"timestamp\" not a readable time", 5)], left, 0);
            assert_eq!(l.accounts_total, segmented + left);
            assert!(!l.too_many_rows(), "5 of 100,005 rows");
            assert_eq!(l.too_many_accounts(), warned, "{left} of {}", segmented + left);
            assert_eq!(l.warning().is_some(), warned);
        }
        let l = case(100_000, 197, &[("\"timestamp\" not a readable time", 5)], 3, 0);
        assert_eq!(
            l.warning().unwrap(),
            "3 of 200 accounts (1.5 %) were left out: every row of theirs was left out, so they have no segment. See Data notes."
        );
        // Both at once, in one status.
        let both = case(90, 49, &[("\"qty\" not a number", 10)], 1, 0);
        assert_eq!(
            both.warning().unwrap(),
            "10 of 100 rows (10.0 %) were left out: 10 with \"qty\" not a number (from row 7). 1 of 50 accounts (2.0 %) was left out: every row of theirs was left out, so it has no segment. See Data notes."
        );
    }

    #[test]
    fn a_clean_file_and_a_file_summary_not_known() {
        let (_, o, summary) = run(&customers(30), 1);
        let l = LeftOut::of(&o.ft, Some(&summary));
        assert_eq!((l.rows_total, l.rows_left_out(), l.accounts_total, l.warning()), (30, 0, 30, None));
        let mut ft = (*o.ft).clone();
        ft.skipped.push(SkippedRows { reason: "no customer_id".into(), count: 1, examples: vec![3] });
        let l = LeftOut::of(&ft, None);
        assert_eq!(
            l.warning().unwrap(),
            "1 of 31 rows (3.2 %) was left out: 1 with no customer_id (from row 3). See Data notes."
        );
    }
}
