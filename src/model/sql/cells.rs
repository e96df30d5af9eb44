//! SQL expressions that read one cell as the app's readers do
//! (`crate::ingest`): missing values, plain numbers, times in each
//! [`TimeFormat`], sides, maker/taker flags, instrument types and option
//! kinds (given, or inferred from the instrument name as
//! [`crate::ingest::instrument::infer`] does). Each takes the cell as an
//! SQL expression of type string, already trimmed, and gives `NULL` where
//! the app reads no value.
//!
//! Regular expressions use only what RE2 (DuckDB) and `java.util.regex`
//! (Spark) read alike, and no backslash (the dialects escape it
//! differently).

use super::{num, Dialect};
use crate::ingest::time::{TimeFormat, MS_PER_DAY};

/// The cell `c` of a column as a trimmed string (from a text or typed column).
pub(super) fn text(d: Dialect, column: &str) -> String {
    format!("trim(CAST({} AS STRING))", d.ident(column))
}

/// True where the app reads "no value" ([`crate::ingest::is_missing`]):
/// `NULL`, empty, `-`, `NaN`, `null`, `NA`, `N/A`, `None`, `nil`, `#N/A`.
pub(super) fn missing(c: &str) -> String {
    format!("({c} IS NULL OR lower({c}) IN ('', '-', 'nan', 'null', 'na', 'n/a', 'none', 'nil', '#n/a'))")
}

/// A plain decimal as [`crate::ingest::number::parse_number`] reads it: sign,
/// digits, decimals, exponent and a trailing `%` (kept as the number).
/// `NULL` for anything else, as for a missing cell.
pub(super) fn number(d: Dialect, c: &str) -> String {
    let body = format!("trim(regexp_replace({c}, '%$', ''))");
    let v = format!("TRY_CAST({body} AS DOUBLE)");
    // The usual cell (no exponent, no `%`) is read at once; the others have a `%` stripped, and
    // an overflow (`1e400`) is no value, as in the app (Spark reads it as infinity).
    format!(
        "CASE WHEN {plain} THEN TRY_CAST({c} AS DOUBLE) WHEN {m} THEN CASE WHEN abs({v}) <= {max} THEN {v} END END",
        plain = d.matches(c, "^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$"),
        m = d.matches(&body, "^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"),
        max = num(f64::MAX),
    )
}

/// Days from 1970-01-01 to the date `y-m-d` (H. Hinnant's
/// `days_from_civil`, as `crate::ingest::time`), in doubles with `floor`
/// for the integer divisions (exact at these magnitudes).
fn days_from_civil(y: &str, m: &str, day: &str) -> String {
    let yy = format!("({y} - CASE WHEN {m} <= 2 THEN 1 ELSE 0 END)");
    let era = format!("floor({yy} / 400.0)");
    let yoe = format!("({yy} - {era} * 400)");
    let doy = format!("(floor((153 * ({m} + CASE WHEN {m} > 2 THEN -3 ELSE 9 END) + 2) / 5.0) + {day} - 1)");
    let doe = format!("({yoe} * 365 + floor({yoe} / 4.0) - floor({yoe} / 100.0) + {doy})");
    format!("({era} * 146097 + {doe} - 719468)")
}

/// Whether `day` is a real day of month `m` of year `y`.
fn valid_date(y: &str, m: &str, day: &str) -> String {
    let leap = format!("(({y}) % 4 = 0 AND (({y}) % 100 <> 0 OR ({y}) % 400 = 0))");
    format!(
        "({m} BETWEEN 1 AND 12 AND {day} >= 1 AND {day} <= CASE WHEN {m} IN (4, 6, 9, 11) THEN 30 \
         WHEN {m} = 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END ELSE 31 END)"
    )
}

/// Group `i` of `re` in `c` as a number (`NULL` when the group is empty).
fn group_num(c: &str, re: &str, i: usize) -> String {
    format!("TRY_CAST(NULLIF(regexp_extract({c}, '{re}', {i}), '') AS DOUBLE)")
}

fn group(c: &str, re: &str, i: usize) -> String {
    format!("NULLIF(regexp_extract({c}, '{re}', {i}), '')")
}

/// `H:MM` or `HH:MM[:SS[.fff]]`, then optional spaces and `AM`/`PM`, as
/// five groups (hour, minute, second, fraction, meridiem).
const HMS: &str = "([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]*))?)?[ ]*([AaPp][Mm])?";

/// [`HMS`] without capturing groups, for the patterns that only validate
/// (DuckDB extracts groups 1 to 9 only, so validation and extraction are
/// separate patterns).
const HMS_NC: &str = "[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]*)?)?[ ]*(?:[AaPp][Mm])?";

/// A UTC offset as the app reads it: `Z`, `UTC`, `+HH`, `+HH:MM`, `+HHMM`.
const OFFSET_NC: &str = "(?:Z|z|UTC|[+-][0-9]{2}:?(?:[0-9]{2})?)";

/// Milliseconds since midnight from the five [`HMS`] groups starting at
/// group `g` of `re`, `NULL` for an hour or minute out of range (seconds
/// above 59 are read as 59, as the app does).
fn time_of_day(c: &str, re: &str, g: usize) -> String {
    let h = format!("COALESCE({}, 0)", group_num(c, re, g));
    let mi = format!("COALESCE({}, 0)", group_num(c, re, g + 1));
    let s = format!("least(COALESCE({}, 0), 59)", group_num(c, re, g + 2));
    let frac =
        format!("COALESCE(TRY_CAST(substr(rpad(COALESCE({}, ''), 3, '0'), 1, 3) AS DOUBLE), 0)", group(c, re, g + 3));
    let ampm = format!("upper(COALESCE({}, ''))", group(c, re, g + 4));
    let hour = format!(
        "CASE WHEN {ampm} = '' THEN {h} WHEN {h} BETWEEN 1 AND 12 THEN ({h} % 12) + CASE WHEN {ampm} = 'PM' THEN 12 ELSE 0 END END"
    );
    format!("CASE WHEN {hour} <= 23 AND {mi} <= 59 THEN (({hour} * 60 + {mi}) * 60 + {s}) * 1000 + {frac} END")
}

/// The cell `c` (trimmed string) as the app's [`crate::ingest::time::parse`]
/// reads it in format `f`: milliseconds since the epoch (UTC), or the block
/// number for [`TimeFormat::Block`]; `NULL` where the app reads no time.
pub(super) fn time(d: Dialect, f: TimeFormat, c: &str) -> String {
    match f {
        TimeFormat::Iso => {
            // Date with - or / (the same twice), then optionally [T ]time and an offset.
            let valid_re = format!(
                "^[0-9]{{4}}(?:-[0-9]{{2}}-[0-9]{{2}}|/[0-9]{{2}}/[0-9]{{2}})(?:[T ]{HMS_NC}[ ]*{OFFSET_NC}?[ ]*)?$"
            );
            let time_re = format!("^.{{10}}[T ]{HMS}[ ]*(Z|z|UTC|([+-])([0-9]{{2}}):?([0-9]{{2}})?)?");
            let part = |from: usize, len: usize| format!("TRY_CAST(substr({c}, {from}, {len}) AS DOUBLE)");
            let (y, m, day) = (part(1, 4), part(6, 2), part(9, 2));
            let sign = format!("CASE WHEN {} = '-' THEN -1 ELSE 1 END", group(c, &time_re, 7));
            let offset = format!(
                "COALESCE({sign} * ({} * 60 + COALESCE({}, 0)), 0)",
                group_num(c, &time_re, 8),
                group_num(c, &time_re, 9)
            );
            let general = format!(
                "CASE WHEN {matched} AND {valid} THEN {days} * {MS} + CASE WHEN length({c}) > 10 THEN {tod} - {offset} * 60000 ELSE 0 END END",
                matched = d.matches(c, &valid_re),
                valid = valid_date(&y, &m, &day),
                days = days_from_civil(&y, &m, &day),
                MS = num(MS_PER_DAY),
                tod = time_of_day(c, &time_re, 1),
            );
            // Most exports write `YYYY-MM-DD[T ]HH:MM:SS[Z]`: read by position after one match (as the
            // app's own fast path), the general reading for the rest (a tenth of the work per row).
            let simple = "^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}[Zz.,]?$";
            let (h, mi, sec) = (part(12, 2), part(15, 2), format!("least({}, 59)", part(18, 2)));
            format!(
                "CASE WHEN {is_simple} THEN CASE WHEN {valid} AND {h} <= 23 AND {mi} <= 59 THEN {days} * {MS} + (({h} * 60 + {mi}) * 60 + {sec}) * 1000 END ELSE {general} END",
                is_simple = d.matches(c, simple),
                valid = valid_date(&y, &m, &day),
                days = days_from_civil(&y, &m, &day),
                MS = num(MS_PER_DAY),
            )
        }
        TimeFormat::DayFirst | TimeFormat::MonthFirst => {
            let valid_re = format!(
                "^[0-9]{{1,2}}(?:/[0-9]{{1,2}}/|-[0-9]{{1,2}}-|[.][0-9]{{1,2}}[.])[0-9]{{4}}(?:[ T][ ]*{HMS_NC}[ ]*)?$"
            );
            let date_re = "^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})";
            let time_re = format!("^[^ T]*[ T][ ]*{HMS}");
            let a = group_num(c, date_re, 1);
            let b = group_num(c, date_re, 2);
            let y = group_num(c, date_re, 3);
            let (day, m) = if f == TimeFormat::DayFirst { (a, b) } else { (b, a) };
            format!(
                "CASE WHEN {matched} AND {valid} THEN {days} * {MS} + CASE WHEN {has_time} THEN {tod} ELSE 0 END END",
                matched = d.matches(c, &valid_re),
                valid = valid_date(&y, &m, &day),
                days = days_from_civil(&y, &m, &day),
                MS = num(MS_PER_DAY),
                has_time = d.matches(c, "[ T]"),
                tod = time_of_day(c, &time_re, 1),
            )
        }
        TimeFormat::EpochSeconds | TimeFormat::EpochMillis | TimeFormat::EpochMicros | TimeFormat::EpochNanos => {
            let to_ms = match f {
                TimeFormat::EpochSeconds => 1e3,
                TimeFormat::EpochMillis => 1.0,
                TimeFormat::EpochMicros => 1e-3,
                _ => 1e-6,
            };
            let v = format!("({} * {})", number(d, c), num(to_ms));
            format!("CASE WHEN {v} >= 0 AND {v} < 7.3E12 THEN round({v}) END")
        }
        TimeFormat::Block => {
            let v = number(d, c);
            format!("CASE WHEN {v} >= 0 AND {v} = floor({v}) AND {v} < 9E15 THEN {v} END")
        }
    }
}

/// A side cell as [`crate::ingest::parse_side`] reads it: 1 buy, -1 sell,
/// `NULL` unknown. `boolean_is_buy`: the column holds booleans meaning "is
/// buyer" (Binance's `isBuyer`).
pub(super) fn side(c: &str, boolean_is_buy: bool) -> String {
    let l = format!("lower({c})");
    if boolean_is_buy {
        return format!("CASE WHEN {l} IN ('true', '1') THEN 1 WHEN {l} IN ('false', '0') THEN -1 END");
    }
    format!(
        "CASE WHEN {l} LIKE '%close long%' THEN -1 WHEN {l} LIKE '%close short%' THEN 1 \
         WHEN {l} LIKE '%buy%' OR {l} LIKE '%long%' OR {l} IN ('b', 'bid') THEN 1 \
         WHEN {l} LIKE '%sell%' OR {l} LIKE '%short%' OR {l} IN ('s', 'a', 'ask') THEN -1 END"
    )
}

/// A maker/taker cell as [`crate::ingest::parse_liquidity`] reads it: 1
/// maker, 0 taker, `NULL` unknown; `true_is_taker` as the app decided from
/// the header.
pub(super) fn liquidity(c: &str, true_is_taker: bool) -> String {
    let l = format!("lower({c})");
    let (t, f) = if true_is_taker { (0, 1) } else { (1, 0) };
    format!(
        "CASE WHEN {l} IN ('maker', 'm', 'make', 'add', 'added', 'adding', 'passive') THEN 1 \
         WHEN {l} IN ('taker', 't', 'take', 'remove', 'removed', 'removing', 'aggressive') THEN 0 \
         WHEN {l} IN ('true', '1', 'yes', 'y') THEN {t} WHEN {l} IN ('false', '0', 'no', 'n') THEN {f} END"
    )
}

/// An instrument-type cell as [`crate::ingest::instrument::parse_type`]
/// reads it: `'spot'`, `'perpetual'`, `'future'`, `'option'` or `NULL`.
pub(super) fn instrument_type(c: &str) -> String {
    let l = format!("lower({c})");
    format!(
        "CASE WHEN {l} LIKE '%option%' THEN 'option' WHEN {l} LIKE '%perp%' OR {l} LIKE '%swap%' THEN 'perpetual' \
         WHEN {l} LIKE '%future%' OR {l} LIKE '%delivery%' THEN 'future' \
         WHEN {l} LIKE '%spot%' OR {l} IN ('cash', 'margin') THEN 'spot' END"
    )
}

/// An option-type cell as [`crate::ingest::instrument::parse_option_kind`]
/// reads it: `'call'`, `'put'` or `NULL`.
pub(super) fn option_kind(c: &str) -> String {
    let l = format!("lower({c})");
    format!("CASE WHEN {l} IN ('c', 'call', 'calls') THEN 'call' WHEN {l} IN ('p', 'put', 'puts') THEN 'put' END")
}

/// An expiry part (`27DEC24`, `7JUN25` or `241227`), a whole part between
/// `-`/`_` separators or the ends, as `is_date_part` in
/// [`crate::ingest::instrument`].
const DATE_PART: &str = "((0?[1-9]|[12][0-9]|3[01])(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[0-9]{2}|[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01]))";

/// Quote currencies, in the order [`crate::ingest::instrument::infer`]
/// tries them as the end of a bare pair.
const QUOTES: [&str; 10] = ["USDT", "USDC", "FDUSD", "BUSD", "TUSD", "USD", "EUR", "BTC", "ETH", "DAI"];

/// Type and option kind inferred from an instrument name by
/// [`crate::ingest::instrument::infer`]'s rules, as two expressions
/// (`'spot'`/`'perpetual'`/`'future'`/`'option'` or `NULL`; `'call'`/`'put'`
/// or `NULL`). `u` is the upper-cased trimmed name.
pub(super) fn inferred(d: Dialect, u: &str) -> (String, String) {
    let strike = "([+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)(E[+-]?[0-9]+)?|[+]?(INF|INFINITY|NAN))";
    let option = format!(
        "({} AND {})",
        d.matches(u, &format!("^.*[-_]{strike}[-_][CP]$")),
        d.matches(u, &format!("(^|[-_]){DATE_PART}([-_]|$)"))
    );
    let perpetual = format!("({u} LIKE '%PERP%' OR {})", d.matches(u, "(^|[-_])SWAP$"));
    let future = d.matches(u, &format!("[-_]{DATE_PART}([-_]|$)"));
    let pair = d.matches(u, &format!("^[A-Z0-9]+[-_]({})$", QUOTES.join("|")));
    // A bare name: the first quote it ends with decides, and needs two characters before it.
    let bare_quote = QUOTES
        .iter()
        .map(|q| format!("WHEN {u} LIKE '%{q}' THEN length({u}) > {}", q.len() + 1))
        .collect::<Vec<_>>()
        .join(" ");
    let bare = format!("({} AND CASE {bare_quote} ELSE false END)", d.matches(u, "^[A-Z0-9]+$"));
    let ty = format!(
        "CASE WHEN {u} = '' THEN NULL WHEN {option} THEN 'option' WHEN {perpetual} THEN 'perpetual' \
         WHEN {future} THEN 'future' WHEN {u} LIKE '%/%' OR {pair} OR {bare} THEN 'spot' END"
    );
    let kind = format!("CASE WHEN {option} THEN CASE WHEN {u} LIKE '%C' THEN 'call' ELSE 'put' END END");
    (ty, kind)
}
