//! The mapping of columns to roles ([`Mapping`]) and the user's changes to it:
//! each change re-derives the time format, the feature columns and the notes.

use super::detect::{is_row_index, sample_rows};
use super::{DataKind, Role};
use crate::ingest::instrument::{self, InstrumentType};
use crate::ingest::number::NumberFormat;
use crate::ingest::time::{self, TimeDetection};
use crate::ingest::{is_missing, Table};

/// Which column plays which role, and what was decided along the way.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Mapping {
    /// What the file is: detected, or the user's choice ([`Mapping::set_kind`]).
    pub kind: DataKind,
    pub(super) cols: [Option<usize>; 14],
    /// How the timestamp column is written (None if no timestamp column).
    pub time: Option<TimeDetection>,
    /// The user's choice of timestamp format, if any (cleared when the timestamp column changes).
    pub(super) time_override: Option<time::TimeFormat>,
    /// For [`DataKind::CustomerTable`]: the numeric columns used as features.
    pub feature_columns: Vec<usize>,
    /// Sentences for the user about choices made (delimiter, date order, ...).
    pub notes: Vec<String>,
    /// Notes from detection itself, kept when the user changes the mapping.
    pub(super) detect_notes: Vec<String>,
    /// How each column writes numbers (plain unless it consistently uses decimal commas or thousands separators).
    pub number_formats: Vec<NumberFormat>,
    /// The units each column's numbers carry (`USDT`, `$`), with how many of
    /// the rows looked at carry each, most frequent first; empty for plain
    /// numbers ([`crate::ingest::number::units`]).
    #[serde(default)]
    pub number_units: Vec<Vec<(String, usize)>>,
}

/// Most numeric columns of a [`DataKind::CustomerTable`] used as features:
/// the first 200 in file order; the rest are left out, with a note in
/// [`Mapping::notes`] that says how many and how to choose others.
///
/// Why 200: the analysis cost grows with the number of features `d`: PCA
/// forms the `d x d` covariance (`O(n d^2)`) and eigen-decomposes it
/// (`O(d^3)`), k-means and the silhouette's pairwise distances are `O(d)` per
/// distance, and a full-covariance mixture is `O(k d^3)` per EM step. At
/// `d = 200` these stay fast enough for a few thousand customers (figures:
/// BENCHMARKS.md); at `d = 10,000` the covariance alone is 800 MB and its
/// eigen-decomposition (10^12 operations) would not finish in a browser
/// tab. Beyond a few hundred dimensions distances between customers also
/// become nearly equal, so more columns would not give better segments.
pub const MAX_FEATURE_COLUMNS: usize = 200;

/// (non-missing cells, cells that read as numbers in `format`) of column `c` over `rows`.
fn numeric_count(t: &Table, c: usize, rows: &[usize], format: NumberFormat) -> (usize, usize) {
    rows.iter()
        .map(|&r| t.cell(r, c))
        .filter(|v| !is_missing(v))
        .fold((0, 0), |(present, numeric), v| (present + 1, numeric + format.parse(v).is_some() as usize))
}

/// Quoted column names, the first `max` of them, then how many more:
/// `"a", "b" and 3 more`.
fn name_list(headers: &[String], cols: &[usize], max: usize) -> String {
    let names: Vec<String> = cols.iter().take(max).map(|&c| format!("\"{}\"", headers[c])).collect();
    match cols.len().saturating_sub(max) {
        0 => names.join(", "),
        more => format!("{} and {more} more", names.join(", ")),
    }
}

/// The note for a customer table with more than [`MAX_FEATURE_COLUMNS`]
/// numeric columns: `used` are the features, `left_out` the others.
pub(crate) fn too_many_numeric_columns(headers: &[String], used: &[usize], left_out: &[usize]) -> String {
    let (first, last) = (used.first().copied().unwrap_or(0), used.last().copied().unwrap_or(0));
    format!(
        "One row per customer: {} numeric columns found; only the first {} (\"{}\" to \"{}\") are used as features and the other {} ({}) are left out, because segmenting on more than {} columns is too slow for a browser tab. To segment on other columns, remove the columns you do not need from the file (or move the ones you want to the front) and load it again.",
        used.len() + left_out.len(),
        used.len(),
        headers[first],
        headers[last],
        left_out.len(),
        name_list(headers, left_out, 5),
        MAX_FEATURE_COLUMNS
    )
}

impl Mapping {
    /// How column `c` writes numbers.
    pub fn number_format(&self, c: usize) -> NumberFormat {
        self.number_formats.get(c).copied().unwrap_or_default()
    }

    /// The column mapped to `role`, if any.
    pub fn get(&self, role: Role) -> Option<usize> {
        self.cols[role as usize]
    }

    /// The units column `c`'s numbers carry, most frequent first (empty for plain numbers).
    pub fn units(&self, c: usize) -> &[(String, usize)] {
        self.number_units.get(c).map_or(&[], Vec::as_slice)
    }

    /// The column of a role whose values are added up across rows, unless it
    /// writes them in several units (`BNB` and `USDT` fees): amounts in
    /// different units are never summed. Notional and price are left out
    /// together when either mixes units (quantity x price would mix the same
    /// quote assets). Quantity may mix units: each instrument's quantity is in
    /// its own asset, and no feature adds quantities of different instruments.
    pub fn summable(&self, role: Role) -> Option<usize> {
        let c = self.get(role)?;
        let mixed = |r: Role| self.get(r).is_some_and(|c| self.units(c).len() > 1);
        let out = match role {
            Role::Notional | Role::Price => mixed(Role::Notional) || mixed(Role::Price),
            Role::Fee | Role::Pnl => mixed(role),
            _ => false,
        };
        (!out).then_some(c)
    }

    /// How the page shows column `c`'s unit: `USDT`, or `BTC, SOL and 3 more`
    /// when it has several; `None` for plain numbers.
    pub fn unit_label(&self, c: usize) -> Option<String> {
        let u = self.units(c);
        match u.len() {
            0 => None,
            1 => Some(u[0].0.clone()),
            2 => Some(format!("{} and {}", u[0].0, u[1].0)),
            n => Some(format!("{}, {} and {} more", u[0].0, u[1].0, n - 2)),
        }
    }

    /// Maps `role` to column `col` (or unmaps it), un-mapping any other role
    /// that used `col`, and re-derives the time format and notes.
    pub fn set(&mut self, t: &Table, role: Role, col: Option<usize>) {
        if let Some(c) = col {
            for slot in self.cols.iter_mut() {
                if *slot == Some(c) {
                    *slot = None;
                }
            }
        }
        if role == Role::Timestamp {
            self.time_override = None;
        }
        self.cols[role as usize] = col;
        self.refresh(t);
    }

    /// Reads the timestamp column in format `f` (the user's override of
    /// detection, e.g. month-first instead of day-first) and re-derives.
    pub fn set_time_format(&mut self, t: &Table, f: time::TimeFormat) {
        self.time_override = Some(f);
        self.refresh(t);
    }

    /// Changes the kind of data (the user's override) and re-derives.
    pub fn set_kind(&mut self, t: &Table, kind: DataKind) {
        self.kind = kind;
        self.refresh(t);
    }

    /// Adds a note about how the mapping was detected; kept through later changes.
    pub fn add_detect_note(&mut self, note: String) {
        self.detect_notes.push(note.clone());
        self.notes.push(note);
    }

    /// True if the mapping was decided on every row of the table, so that
    /// it cannot be decided on the first rows of a file: slash dates
    /// (DD/MM or MM/DD), detected rather than chosen by the user, whose
    /// reading one row anywhere in the file can decide or refuse.
    pub fn needs_every_row(&self) -> bool {
        self.time_override.is_none()
            && self
                .time
                .as_ref()
                .is_some_and(|d| matches!(d.format, time::TimeFormat::DayFirst | time::TimeFormat::MonthFirst))
    }

    /// True if notional is computed as |quantity x price| (no notional column).
    pub fn notional_from_quantity_price(&self) -> bool {
        self.get(Role::Notional).is_none() && self.get(Role::Quantity).is_some() && self.get(Role::Price).is_some()
    }

    /// The note on the units of column `c`, mapped to a numeric `role`, if it
    /// has any: the unit read, or, when it mixes units, what is not computed.
    fn unit_note(&self, t: &Table, role: Role, c: usize) -> Option<String> {
        let units = self.units(c);
        let label = self.unit_label(c)?;
        let name = &t.headers[c];
        let seen: usize = units.iter().map(|(_, n)| n).sum();
        if units.len() == 1 {
            return Some(format!(
                "Column \"{name}\" ({}) writes numbers with a unit ({label}); read as numbers in {label}.",
                role.label()
            ));
        }
        if self.summable(role).is_some() {
            return Some(format!(
                "Column \"{name}\" ({}) writes numbers in several units ({label}): each in its instrument's own asset, read as numbers.",
                role.label()
            ));
        }
        let counts: Vec<String> = units.iter().take(5).map(|(u, n)| format!("{u} in {n}")).collect();
        let what = match role {
            Role::Fee => "total_fees is",
            Role::Pnl => "realized_pnl and win_rate are",
            _ => "total_notional and the other notional features are",
        };
        Some(format!(
            "Column \"{name}\" mixes units ({}{} of {seen} rows looked at): amounts in different units are not added up, so {what} not computed from it. Convert the column to one unit (or split the file by unit) and load it again.",
            counts.join(", "),
            if units.len() > 5 { ", ..." } else { "" },
        ))
    }

    /// Re-derives what depends on the roles, the kind and the time format: the
    /// timestamp format, the feature columns of a customer table, and the notes.
    pub(super) fn refresh(&mut self, t: &Table) {
        self.notes = self.detect_notes.clone();
        let over = self.time_override;
        // On the detection sample, as the roles (the feature stage parses the
        // whole column and counts what does not parse), except slash dates: below.
        let rows = sample_rows(t);
        self.time = self.get(Role::Timestamp).and_then(|c| match over {
            Some(format) => {
                let present: Vec<&str> = rows.iter().map(|&r| t.cell(r, c)).filter(|v| !is_missing(v)).collect();
                let ok = present.iter().filter(|v| time::parse(format, v).is_some()).count();
                let parsed_share = ok as f64 / present.len().max(1) as f64;
                let note = format!(
                    "read as {} by your choice; {} of {} sampled values parse",
                    format.describe(),
                    ok,
                    present.len()
                );
                Some(TimeDetection { format, parsed_share, note })
            }
            // Slash dates are checked on every row: one row that only one
            // reading allows (a first field above 12) decides, or refuses, the format.
            None => match time::detect(rows.iter().map(|&r| t.cell(r, c)), &t.headers[c]) {
                Some(d) if matches!(d.format, time::TimeFormat::DayFirst | time::TimeFormat::MonthFirst) => {
                    time::detect((0..t.n_rows()).map(|r| t.cell(r, c)), &t.headers[c])
                }
                sampled => sampled,
            },
        });
        if let (Some(c), None) = (self.get(Role::Timestamp), &self.time) {
            self.notes.push(format!(
                "Column \"{}\" does not hold timestamps in a format segscope reads (ISO 8601, DD/MM/YYYY, MM/DD/YYYY, Unix seconds or milliseconds); time features are not computed.",
                t.headers[c]
            ));
        }
        if let Some(d) = &self.time {
            if !d.note.is_empty() {
                self.notes.push(format!("Timestamp: {}.", d.note));
            }
        }
        if self.notional_from_quantity_price() && self.kind != DataKind::CustomerTable {
            let (q, p) = (self.get(Role::Quantity).unwrap_or(0), self.get(Role::Price).unwrap_or(0));
            self.notes.push(format!("Notional computed as |{} x {}|.", t.headers[q], t.headers[p]));
        }
        self.feature_columns.clear();
        let mut formats_noted = vec![false; t.n_cols()];
        let mut note_format = |notes: &mut Vec<String>, c: usize| {
            let f = self.number_formats.get(c).copied().unwrap_or_default();
            if f.with_affixes(false) != NumberFormat::PLAIN && !formats_noted[c] {
                formats_noted[c] = true;
                notes.push(format!("Column \"{}\" writes numbers as {}; read that way.", t.headers[c], f.example()));
            }
        };
        for role in Role::ALL.into_iter().filter(|r| r.is_numeric()) {
            if let Some(c) = self.get(role) {
                note_format(&mut self.notes, c);
                if let Some(note) = self.unit_note(t, role, c) {
                    self.notes.push(note);
                }
            }
        }
        if self.kind == DataKind::CustomerTable {
            let mut ignored = Vec::new();
            let mut numeric = Vec::new();
            let mut index = Vec::new();
            for c in 0..t.n_cols() {
                if Some(c) == self.get(Role::Account) {
                    continue;
                }
                let (present, readable) = numeric_count(t, c, &rows, self.number_format(c));
                if is_row_index(t, c) {
                    index.push(c);
                } else if present > 0 && readable as f64 >= 0.9 * present as f64 {
                    numeric.push(c);
                } else {
                    ignored.push(c);
                }
            }
            match index.len() {
                0 => {}
                1 => self.notes.push(format!(
                    "Column \"{}\" counts rows (0, 1, 2, ... or 1, 2, 3, ...), like a saved table index; it is not used as a feature.",
                    t.headers[index[0]]
                )),
                _ => self.notes.push(format!(
                    "Columns {} count rows (0, 1, 2, ... or 1, 2, 3, ...), like a saved table index; they are not used as features.",
                    name_list(&t.headers, &index, 20)
                )),
            }
            if numeric.len() > MAX_FEATURE_COLUMNS {
                let left_out = numeric.split_off(MAX_FEATURE_COLUMNS);
                self.notes.push(too_many_numeric_columns(&t.headers, &numeric, &left_out));
            }
            for &c in &numeric {
                note_format(&mut self.notes, c);
                if let Some(u) = self.unit_label(c) {
                    self.notes.push(format!(
                        "Column \"{}\" writes its numbers with a unit ({u}, e.g. 12.5 {}); read as numbers, the unit left off{}.",
                        t.headers[c],
                        self.units(c)[0].0,
                        if self.units(c).len() > 1 { ": it mixes units, so compare its values with care" } else { "" }
                    ));
                }
            }
            self.feature_columns = numeric;
            if !ignored.is_empty() {
                self.notes.push(format!(
                    "One row per customer: non-numeric {} {} {} not used as features.",
                    if ignored.len() == 1 { "column" } else { "columns" },
                    name_list(&t.headers, &ignored, 20),
                    if ignored.len() == 1 { "is" } else { "are" }
                ));
            }
            if self.get(Role::Account).is_none() {
                self.notes.push("No id column found: customers are named by their row number.".into());
            }
        }
        if self.kind == DataKind::Trades {
            if let (Some(c), None) = (self.get(Role::Instrument), self.get(Role::InstrumentType)) {
                // On the sample: scanning every row was slow on a million trades with no bare pair
                // (figures: BENCHMARKS.md).
                let names = rows.iter().map(|&r| t.cell(r, c));
                let bare_pairs = names
                    .filter(|n| {
                        matches!(instrument::infer(n), Some((InstrumentType::Spot, _))) && !n.contains(['/', '-', '_'])
                    })
                    .take(1)
                    .count();
                if bare_pairs > 0 {
                    self.notes.push(format!(
                        "Instrument types inferred from \"{}\": names like BTCUSDT are read as spot (Binance and Bybit use the same name for perpetuals; map an instrument type column if the file mixes them).",
                        t.headers[c]
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::detect_mapping;

    fn table(csv: &str) -> Table {
        crate::ingest::parse_bytes(csv.as_bytes()).unwrap().1
    }

    #[test]
    fn time_format_override_and_reset() {
        let t = table("user_id,date,qty,price,side\nu,01/02/2024,1,2,buy\nv,03/04/2024,1,2,sell\n");
        let mut m = detect_mapping(&t);
        assert_eq!(m.time.as_ref().unwrap().format, time::TimeFormat::DayFirst);
        m.set_time_format(&t, time::TimeFormat::MonthFirst);
        assert_eq!(m.time.as_ref().unwrap().format, time::TimeFormat::MonthFirst);
        assert!(m.time.as_ref().unwrap().note.contains("your choice"));
        m.set(&t, Role::Timestamp, Some(1));
        assert_eq!(
            m.time.as_ref().unwrap().format,
            time::TimeFormat::DayFirst,
            "a new timestamp column is detected afresh"
        );
        m.set_time_format(&t, time::TimeFormat::EpochSeconds);
        assert_eq!(m.time.as_ref().unwrap().parsed_share, 0.0);
    }

    #[test]
    fn a_customer_table_uses_at_most_max_feature_columns_and_says_so() {
        let n = MAX_FEATURE_COLUMNS + 50;
        let mut csv = String::from("customer_id");
        (0..n).for_each(|j| csv.push_str(&format!(",v{j}")));
        (0..30).for_each(|j| csv.push_str(&format!(",text{j}")));
        csv.push('\n');
        for r in 0..5 {
            csv.push_str(&format!("c{r}"));
            (0..n).for_each(|j| csv.push_str(&format!(",{}", (r * 7 + j) % 11 + 2)));
            (0..30).for_each(|_| csv.push_str(",x"));
            csv.push('\n');
        }
        let t = table(&csv);
        let mut m = detect_mapping(&t);
        assert_eq!(m.kind, DataKind::CustomerTable);
        assert_eq!(m.feature_columns, (1..=MAX_FEATURE_COLUMNS).collect::<Vec<_>>());
        let note = m.notes.iter().find(|n| n.contains("numeric columns found")).expect("a note").clone();
        assert!(note.starts_with("One row per customer: 250 numeric columns found; only the first 200 (\"v0\" to \"v199\") are used as features and the other 50 (\"v200\", \"v201\", \"v202\", \"v203\", \"v204\" and 45 more) are left out"), "{note}");
        assert!(note.contains("remove the columns you do not need from the file"), "{note}");
        let text = m.notes.iter().find(|n| n.contains("non-numeric")).expect("text columns listed");
        assert!(text.ends_with("\"text19\" and 10 more are not used as features."), "{text}");
        // The note survives a change of the mapping (it is re-derived).
        m.set(&t, Role::Account, Some(0));
        assert!(m.notes.contains(&note));
    }
}
