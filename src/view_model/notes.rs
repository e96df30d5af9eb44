//! The **Data notes** list: what was used, left out, ignored, not computed,
//! imputed or dropped, and what reading the file noticed, in that order.

use super::format::fmt_num;
use super::left_out::{LeftOut, WRONG_FIELDS};
use crate::analysis::Segmentation;
use crate::features::{count_of, FeatureTable, SkippedRows};
use crate::job::TableSummary;

/// Repeated header names listed one by one in the notes; the others are counted.
pub const RENAMED_LISTED: usize = 10;

/// The notes on a result: rows used (of the file's rows, when some were
/// left out); rows left out (the wrong number of fields, then each reason
/// the features gave), accounts left out and cells ignored (with example
/// row numbers); what reading `table` noticed (encoding, repeated
/// or missing header names); features not computed and the features'
/// own notes; per feature, whether it was left out as constant or how many
/// accounts had no value (filled with the median). One sentence each.
pub fn data_notes(ft: &FeatureTable, seg: &Segmentation, table: Option<&TableSummary>) -> Vec<String> {
    let rows = |s: &SkippedRows| {
        format!(
            "{}{}",
            s.examples.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", "),
            if s.count > s.examples.len() { ", …" } else { "" }
        )
    };
    let mut notes: Vec<String> = Vec::new();
    let left = LeftOut::of(ft, table);
    if left.rows_left_out() > 0 {
        notes.push(format!("{} of {} rows used.", ft.rows_used, left.rows_total));
    } else {
        notes.push(format!("{} used.", count_of(ft.rows_used, "row", "rows")));
    }
    if let Some(t) = table.filter(|t| t.ragged_count > 0) {
        let listed = t.ragged_rows.iter().map(|r| r.0.to_string()).collect::<Vec<_>>().join(", ");
        let more = if t.ragged_count > t.ragged_rows.len() { ", …" } else { "" };
        notes.push(format!(
            "Left out {}: {WRONG_FIELDS} (rows {listed}{more}).",
            count_of(t.ragged_count, "row", "rows")
        ));
    }
    for s in &ft.skipped {
        notes.push(format!("Left out {}: {} (rows {}).", count_of(s.count, "row", "rows"), s.reason, rows(s)));
    }
    if ft.accounts_left_out > 0 {
        notes.push(format!(
            "Left out {} of {}: every row of theirs was left out.",
            count_of(ft.accounts_left_out, "account", "accounts"),
            left.accounts_total
        ));
    }
    for s in &ft.ignored_cells {
        notes.push(format!(
            "Ignored {}, rows kept: {} (rows {}).",
            count_of(s.count, "cell", "cells"),
            s.reason,
            rows(s)
        ));
    }
    if let Some(t) = table {
        notes.extend(t.source_notes.iter().cloned());
        for (i, file, given) in t.renamed_headers.iter().take(RENAMED_LISTED) {
            notes.push(format!("Column {} repeats the name \"{file}\"; it is called \"{given}\" here.", i + 1));
        }
        if let Some(more) = t.renamed_headers.len().checked_sub(RENAMED_LISTED).filter(|&m| m > 0) {
            notes.push(format!(
                "{} more {} repeat an earlier name and are told apart the same way (not listed).",
                crate::ingest::thousands(more as u64),
                if more == 1 { "column" } else { "columns" }
            ));
        }
        if t.invalid_utf8_cells > 0 {
            notes.push(format!(
                "{} not valid UTF-8 (the file may be Latin-1 or Windows-1252); odd characters show as \u{fffd}, so ids that differ only there are merged. Save the file as UTF-8 for exact ids.",
                count_of(t.invalid_utf8_cells, "cell is", "cells are")
            ));
        }
        if t.unnamed_columns > 0 {
            notes.push(format!(
                "{} no name in the header and {} called column_N.",
                count_of(t.unnamed_columns, "column had", "columns had"),
                if t.unnamed_columns == 1 { "is" } else { "are" }
            ));
        }
    }
    for (key, why) in &ft.not_computed {
        notes.push(format!("Not computed: {key} ({why})."));
    }
    notes.extend(ft.notes.iter().cloned());
    for (j, st) in seg.preprocessor.steps.iter().enumerate() {
        let key = &ft.defs[j].key;
        if st.dropped {
            notes.push(format!("{key} is the same for every account, so it was left out of the clustering."));
        } else if st.imputed > 0 {
            notes.push(format!(
                "{key}: {} no value ({}); filled with the median {} for clustering, shown as – in the table and empty in the export.",
                count_of(st.imputed, "account has", "accounts have"),
                why_no_value(key),
                fmt_num(st.median)
            ));
        }
    }
    notes
}

/// Why an account can have no value of feature `key`: the catalogue's
/// ratios are undefined without what they divide by; any other feature (a
/// customer table's column) had an empty or unreadable cell.
fn why_no_value(key: &str) -> &'static str {
    match key {
        "put_share" => "no option trade with a known call or put",
        "win_rate" => "no fill with a non-zero PnL",
        "mean_leverage" | "max_leverage" => "no fill states its leverage",
        "spot_share" | "perpetual_share" | "future_share" | "option_share" => "no fill of a known instrument type",
        "long_short_bias" => "no fill with a known side",
        "maker_share" => "no fill with a known maker/taker flag",
        "median_notional" => "no fill with a notional",
        _ => "an empty or unreadable cell",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view_model::response::testing::{run, sample_run};

    #[test]
    fn a_missing_value_note_says_why_for_its_own_feature() {
        // In the sample, accounts without options have no put_share, and accounts whose fills all
        // closed at zero PnL have no win_rate: each note gives its own reason.
        let (_, o, summary) = sample_run();
        let notes = data_notes(&o.ft, &o.seg, Some(&summary));
        let note = |key: &str| notes.iter().find(|n| n.starts_with(&format!("{key}: "))).cloned().unwrap_or_default();
        assert!(note("put_share").contains("(no option trade with a known call or put)"), "{notes:?}");
        assert!(note("win_rate").contains("(no fill with a non-zero PnL)"), "{notes:?}");
    }

    #[test]
    fn notes_on_a_messy_customer_table() {
        // One row per customer: a missing spend, a constant column, a repeated
        // header name and an unnamed column.
        let mut csv = String::from("customer_id,spend,visits,region,visits,\n");
        for i in 0..30 {
            let spend = if i == 4 { String::new() } else { format!("{}", 10 + (i * 37) % 91) };
            csv.push_str(&format!("C{i:03},{spend},{},1,{},{}\n", 1 + (i * 7) % 13, i % 5, (i * 3) % 11));
        }
        let (_, mut o, mut summary) = run(&csv, 1);
        // What other files give: rows left out, cells ignored, features not computed, invalid UTF-8.
        let ft = std::sync::Arc::make_mut(&mut o.ft);
        ft.skipped.push(SkippedRows { reason: "no account id".into(), count: 12, examples: vec![3, 5] });
        ft.ignored_cells.push(SkippedRows { reason: "fee is not a number".into(), count: 1, examples: vec![7] });
        ft.not_computed.push(("win_rate".into(), "no realized PnL column".into()));
        ft.accounts_left_out = 2;
        summary.invalid_utf8_cells = 2;
        summary.ragged_count = 3;
        summary.ragged_rows = vec![(4, 2), (9, 5), (11, 1)];
        let notes = data_notes(&o.ft, &o.seg, Some(&summary));
        let spend = o.ft.defs.iter().position(|d| d.key == "spend").unwrap();
        let median = fmt_num(o.seg.preprocessor.steps[spend].median);
        let mut expected = vec![
            "30 of 45 rows used.".to_string(),
            "Left out 3 rows: the wrong number of fields (rows 4, 9, 11).".into(),
            "Left out 12 rows: no account id (rows 3, 5, …).".into(),
            "Left out 2 accounts of 32: every row of theirs was left out.".into(),
            "Ignored 1 cell, rows kept: fee is not a number (rows 7).".into(),
        ];
        expected.extend(summary.source_notes.iter().cloned());
        expected.extend([
            "Column 5 repeats the name \"visits\"; it is called \"visits (2)\" here.".to_string(),
            "2 cells are not valid UTF-8 (the file may be Latin-1 or Windows-1252); odd characters show as \u{fffd}, so ids that differ only there are merged. Save the file as UTF-8 for exact ids.".into(),
            "1 column had no name in the header and is called column_N.".into(),
            "Not computed: win_rate (no realized PnL column).".into(),
        ]);
        expected.extend(o.ft.notes.iter().cloned());
        let dropped_or_imputed: Vec<String> = o
            .seg
            .preprocessor
            .steps
            .iter()
            .enumerate()
            .filter(|(_, st)| st.dropped || st.imputed > 0)
            .map(|(j, _)| o.ft.defs[j].key.clone())
            .collect();
        assert_eq!(dropped_or_imputed, ["spend", "region"]);
        expected.push(format!("spend: 1 account has no value (an empty or unreadable cell); filled with the median {median} for clustering, shown as – in the table and empty in the export."));
        expected.push("region is the same for every account, so it was left out of the clustering.".into());
        assert_eq!(notes, expected);
        // Without the table's summary, nothing about reading the file.
        let without = data_notes(&o.ft, &o.seg, None);
        assert_eq!(without.len(), notes.len() - 4 - summary.source_notes.len());
        // A million repeated names: the first RENAMED_LISTED listed, the rest counted.
        summary.renamed_headers = (1..1_000_000).map(|i| (i, "x".to_string(), format!("x ({})", i + 1))).collect();
        let wide = data_notes(&o.ft, &o.seg, Some(&summary));
        assert_eq!(wide.len(), notes.len() + RENAMED_LISTED);
        assert!(wide.contains(
            &"999,989 more columns repeat an earlier name and are told apart the same way (not listed).".to_string()
        ));
    }

    #[test]
    fn a_clean_sample_says_how_many_rows() {
        let (_, o, summary) = crate::view_model::response::testing::sample_run();
        let notes = data_notes(&o.ft, &o.seg, Some(&summary));
        assert_eq!(notes[0], format!("{} rows used.", o.ft.rows_used));
        assert!(o.ft.rows_used > 1000);
        assert!(!notes.iter().any(|n| n.starts_with("Left out") || n.starts_with("Column ")), "{notes:?}");
    }
}
