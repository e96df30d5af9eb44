//! Which columns the **Column mapping** panel offers in each role's select.
//! A file of up to [`WIDE_COLUMNS`] columns offers every column, as always;
//! a wider one (a header can have a million) offers a bounded list: the
//! column chosen, the first [`FIRST_COLUMNS`] and the ones the user found with
//! the **Find a column** input ([`find_columns`]), so that no select holds
//! one option per column and the page's thread never builds that many.

use crate::ingest::thousands;

/// Files with more columns than this get bounded selects and **Find a column**.
pub const WIDE_COLUMNS: usize = 200;

/// Leading columns every select of a wide file offers.
pub const FIRST_COLUMNS: usize = 50;

/// Most columns **Find a column** suggests at once (the first matches in file order).
pub const FOUND_LISTED: usize = 50;

/// Whether a file of `n_cols` columns gets bounded selects.
pub fn is_wide(n_cols: usize) -> bool {
    n_cols > WIDE_COLUMNS
}

/// The column indices a role's select offers, in file order, without
/// repeats: every column of an ordinary file; for a wide one, `current`
/// (the column the role has), the first [`FIRST_COLUMNS`] and `picked`
/// (columns found with **Find a column**), those in range only.
pub fn choices(n_cols: usize, current: Option<usize>, picked: &[usize]) -> Vec<usize> {
    if !is_wide(n_cols) {
        return (0..n_cols).collect();
    }
    let mut out: Vec<usize> = (0..FIRST_COLUMNS.min(n_cols)).chain(current).chain(picked.iter().copied()).collect();
    out.retain(|&c| c < n_cols);
    out.sort_unstable();
    out.dedup();
    out
}

/// Up to `max` columns whose name contains `query` (ASCII letters in any
/// case; surrounding spaces ignored), in file order; an exact name first.
/// Empty for an empty query. One pass over the names, with no allocation
/// per name: a million names take milliseconds.
pub fn find_columns(headers: &[String], query: &str, max: usize) -> Vec<usize> {
    let q = query.trim().as_bytes();
    if q.is_empty() || max == 0 {
        return Vec::new();
    }
    let mut out: Vec<usize> = column_named(headers, query).into_iter().collect();
    for (i, h) in headers.iter().enumerate() {
        if out.len() >= max {
            break;
        }
        if h.as_bytes().windows(q.len()).any(|w| w.eq_ignore_ascii_case(q)) && out.first() != Some(&i) {
            out.push(i);
        }
    }
    out
}

/// The column named exactly `name` (surrounding spaces ignored), the first if repeated.
pub fn column_named(headers: &[String], name: &str) -> Option<usize> {
    let name = name.trim();
    headers.iter().position(|h| h == name)
}

/// The note under a wide file's selects: how many columns there are and how
/// to reach those not listed.
pub fn wide_note(n_cols: usize) -> String {
    format!(
        "This file has {} columns: each select lists the column chosen, the first {FIRST_COLUMNS} and the ones you find with \"Find a column\" ({} more not shown). Type part of a column's name there and pick it (or press Enter) to add it to every select.",
        thousands(n_cols as u64),
        thousands(n_cols.saturating_sub(FIRST_COLUMNS) as u64)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("Col{i}")).collect()
    }

    #[test]
    fn ordinary_files_offer_every_column() {
        assert_eq!(choices(3, None, &[7]), vec![0, 1, 2]);
        assert_eq!(choices(WIDE_COLUMNS, Some(5), &[]).len(), WIDE_COLUMNS);
    }

    #[test]
    fn wide_files_offer_a_bounded_list_with_the_choice_and_what_was_found() {
        let c = choices(1_000_000, Some(999_999), &[70, 3, 2_000_000, 70]);
        assert_eq!(c.len(), FIRST_COLUMNS + 2);
        assert_eq!((c[0], c[FIRST_COLUMNS - 1]), (0, FIRST_COLUMNS - 1));
        assert_eq!(c[FIRST_COLUMNS..], [70, 999_999]);
        assert!(wide_note(1_000_000).contains("1,000,000 columns") && wide_note(1_000_000).contains("999,950 more"));
    }

    #[test]
    fn find_is_bounded_case_blind_and_puts_an_exact_name_first() {
        let h = names(1_000_000);
        let t = std::time::Instant::now();
        assert_eq!(find_columns(&h, "nothing like it", 50), Vec::<usize>::new());
        assert!(t.elapsed().as_secs() < 5, "one pass: {:?}", t.elapsed());
        let found = find_columns(&h, " col99999 ", FOUND_LISTED);
        assert_eq!(found.len(), 11, "col99999 and col999990..col999999: {found:?}");
        assert_eq!(found[..3], [99_999, 999_990, 999_991]);
        let found = find_columns(&h, "Col12", FOUND_LISTED);
        assert_eq!((found.len(), found[0], found[1]), (FOUND_LISTED, 12, 120));
        assert_eq!(column_named(&h, "Col999999 "), Some(999_999));
        assert_eq!((column_named(&h, "col1"), find_columns(&h, "  ", 5)), (None, vec![]));
    }
}
