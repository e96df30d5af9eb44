//! Timestamps: format detection over a whole column, then allocation-free
//! parsing of each cell to milliseconds since the Unix epoch (UTC).
//!
//! Calendar arithmetic is chrono's; this module only splits the text.
//! Times without an offset are taken as UTC (exchange exports are).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// How a timestamp column is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub enum TimeFormat {
    /// ISO 8601 / RFC 3339 and the common `YYYY-MM-DD HH:MM[:SS[.fff]]`,
    /// also with `/` between date parts; optional `Z` or `±HH[:MM]` offset.
    Iso,
    /// `DD/MM/YYYY[ HH:MM[:SS]]` (also with `-` or `.` between date parts).
    DayFirst,
    /// `MM/DD/YYYY[ HH:MM[:SS]]`.
    MonthFirst,
    /// Unix time in seconds (decimals allowed).
    EpochSeconds,
    /// Unix time in milliseconds.
    EpochMillis,
    /// Unix time in microseconds.
    EpochMicros,
    /// Unix time in nanoseconds.
    EpochNanos,
    /// A block height (blockchain data): an ordering clock, not a time.
    /// Recency and tenure are then measured in blocks, and per-day features
    /// are not computed.
    Block,
}

impl TimeFormat {
    /// Every format, in the order the mapping panel lists them.
    pub const ALL: [TimeFormat; 8] = [
        TimeFormat::Iso,
        TimeFormat::DayFirst,
        TimeFormat::MonthFirst,
        TimeFormat::EpochSeconds,
        TimeFormat::EpochMillis,
        TimeFormat::EpochMicros,
        TimeFormat::EpochNanos,
        TimeFormat::Block,
    ];

    /// Short description shown in the mapping panel.
    pub fn describe(self) -> &'static str {
        match self {
            TimeFormat::Iso => "ISO 8601 (YYYY-MM-DD hh:mm:ss)",
            TimeFormat::DayFirst => "day-first (DD/MM/YYYY)",
            TimeFormat::MonthFirst => "month-first (MM/DD/YYYY)",
            TimeFormat::EpochSeconds => "Unix seconds",
            TimeFormat::EpochMillis => "Unix milliseconds",
            TimeFormat::EpochMicros => "Unix microseconds",
            TimeFormat::EpochNanos => "Unix nanoseconds",
            TimeFormat::Block => "block number (ordering clock, not a time)",
        }
    }
    /// True when values are real times (milliseconds); false for [`TimeFormat::Block`].
    pub fn is_time(self) -> bool {
        self != TimeFormat::Block
    }
}

/// The outcome of [`detect`]: the format and what was decided.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TimeDetection {
    pub format: TimeFormat,
    /// Share of non-missing values that parse with `format` (0..=1).
    pub parsed_share: f64,
    /// A sentence for the user explaining a non-obvious choice (empty if none).
    pub note: String,
}

/// Detects how a column's timestamps are written, from all its non-missing
/// values (`header` helps recognise block numbers).
///
/// Day-first versus month-first is decided by the values: a first field above
/// 12 means day-first, a second field above 12 month-first. If every date is
/// ambiguous (both fields at most 12), the reading whose dates are more often
/// in file order wins (exports are usually sorted), day-first on a tie, and the
/// note says so. Returns `None` when fewer than 90 % of the values parse in any
/// one format.
pub fn detect<'a>(values: impl Iterator<Item = &'a str>, header: &str) -> Option<TimeDetection> {
    let vals: Vec<&str> = values.filter(|v| !super::is_missing(v)).collect();
    if vals.is_empty() {
        return None;
    }
    let share = |f: TimeFormat| vals.iter().filter(|v| parse(f, v).is_some()).count() as f64 / vals.len() as f64;
    let numeric: Vec<f64> = vals.iter().filter_map(|v| super::parse_number(v)).collect();
    if numeric.len() == vals.len() {
        let h = header.to_ascii_lowercase();
        if h.contains("block") && !h.contains("time") && numeric.iter().all(|&v| v >= 0.0 && v.fract() == 0.0) {
            return Some(TimeDetection { format: TimeFormat::Block, parsed_share: 1.0, note: String::new() });
        }
        let mut sorted = numeric.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2].abs();
        let format = match median {
            m if (1e8..1e11).contains(&m) => TimeFormat::EpochSeconds,
            m if (1e11..1e14).contains(&m) => TimeFormat::EpochMillis,
            m if (1e14..1e17).contains(&m) => TimeFormat::EpochMicros,
            m if (1e17..1e20).contains(&m) => TimeFormat::EpochNanos,
            _ => return None,
        };
        return Some(TimeDetection { format, parsed_share: share(format), note: String::new() });
    }
    let iso = share(TimeFormat::Iso);
    if iso >= 0.9 {
        return Some(TimeDetection { format: TimeFormat::Iso, parsed_share: iso, note: String::new() });
    }
    // Slash dates: which field is the day?
    let (mut day_first_evidence, mut month_first_evidence) = (0usize, 0usize);
    for v in &vals {
        if let Some((a, b, _)) = split_dmy(v) {
            if a > 12 && b <= 12 {
                day_first_evidence += 1;
            } else if b > 12 && a <= 12 {
                month_first_evidence += 1;
            }
        }
    }
    let (format, note) = match (day_first_evidence > 0, month_first_evidence > 0) {
        (true, false) => (
            TimeFormat::DayFirst,
            format!("dates read day-first (DD/MM/YYYY): {day_first_evidence} values have a first field above 12"),
        ),
        (false, true) => (
            TimeFormat::MonthFirst,
            format!("dates read month-first (MM/DD/YYYY): {month_first_evidence} values have a second field above 12"),
        ),
        (true, true) => return None,
        (false, false) => {
            let back = |f: TimeFormat| {
                let ts: Vec<i64> = vals.iter().filter_map(|v| parse(f, v)).collect();
                ts.windows(2).filter(|w| w[1] < w[0]).count()
            };
            let (d, m) = (back(TimeFormat::DayFirst), back(TimeFormat::MonthFirst));
            let f = if m < d { TimeFormat::MonthFirst } else { TimeFormat::DayFirst };
            (
                f,
                format!(
                    "dates are ambiguous (no day above 12); read {} because that keeps more rows in time order ({} vs {} steps back in time); change it in the mapping if wrong",
                    if f == TimeFormat::DayFirst { "day-first" } else { "month-first" },
                    d.min(m),
                    d.max(m)
                ),
            )
        }
    };
    let s = share(format);
    (s >= 0.9).then_some(TimeDetection { format, parsed_share: s, note })
}

/// Parses one cell in format `f` to milliseconds since the epoch (UTC), or to
/// the block number for [`TimeFormat::Block`]. `None` if it does not parse.
pub fn parse(f: TimeFormat, s: &str) -> Option<i64> {
    let s = super::trim(s);
    match f {
        TimeFormat::Iso => parse_iso(s),
        TimeFormat::DayFirst | TimeFormat::MonthFirst => {
            let (a, b, y) = split_dmy(s)?;
            let (d, m) = if f == TimeFormat::DayFirst { (a, b) } else { (b, a) };
            let date = NaiveDate::from_ymd_opt(y, m, d)?;
            let rest = s.split_once([' ', 'T']).map(|(_, r)| r.trim()).unwrap_or("");
            let time = if rest.is_empty() {
                NaiveTime::MIN
            } else {
                let (t, tail) = parse_hms(rest)?;
                if !tail.trim().is_empty() {
                    return None;
                }
                t
            };
            Some(NaiveDateTime::new(date, time).and_utc().timestamp_millis())
        }
        TimeFormat::EpochSeconds => epoch(s, 1e3),
        TimeFormat::EpochMillis => epoch(s, 1.0),
        TimeFormat::EpochMicros => epoch(s, 1e-3),
        TimeFormat::EpochNanos => epoch(s, 1e-6),
        TimeFormat::Block => {
            let v = super::parse_number(s)?;
            (v >= 0.0 && v.fract() == 0.0 && v < 9e15).then_some(v as i64)
        }
    }
}

/// `ms` (milliseconds since the epoch, UTC) as `2026-03-01 12:00:05 UTC`,
/// with `.mmm` when the milliseconds are not 0; the number itself if it is
/// out of chrono's range.
pub fn format_utc(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) if ms.rem_euclid(1000) == 0 => t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        Some(t) => t.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string(),
        None => ms.to_string(),
    }
}

fn epoch(s: &str, to_ms: f64) -> Option<i64> {
    let v = super::parse_number(s)? * to_ms;
    // Years 1970..2200 only: anything else is not a timestamp.
    (0.0..7.3e12).contains(&v).then_some(v.round() as i64)
}

/// Splits `a/b/yyyy` (or with `-` / `.`) at the start of `s`.
fn split_dmy(s: &str) -> Option<(u32, u32, i32)> {
    let date = s.split([' ', 'T']).next()?;
    let sep = date.chars().find(|c| matches!(c, '/' | '-' | '.'))?;
    let mut it = date.split(sep);
    let (a, b, y) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 || a.len() > 2 || b.len() > 2 {
        return None;
    }
    Some((a.parse().ok()?, b.parse().ok()?, y.parse().ok()?))
}

/// Parses `H:MM` or `HH:MM[:SS[.fff]]`, optionally followed by `AM`/`PM`,
/// and returns the time and the rest of the string.
fn parse_hms(s: &str) -> Option<(NaiveTime, &str)> {
    let b = s.as_bytes();
    let digit = |i: usize| b.get(i).filter(|c| c.is_ascii_digit()).map(|c| (c - b'0') as u32);
    let two = |i: usize| Some(digit(i)? * 10 + digit(i + 1)?);
    let (mut h, mut i) = match (digit(0), digit(1)) {
        (Some(a), Some(b)) => (a * 10 + b, 2),
        (Some(a), None) => (a, 1),
        _ => return None,
    };
    if b.get(i) != Some(&b':') {
        return None;
    }
    let mi = two(i + 1)?;
    i += 3;
    let mut sec = 0;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b':') {
        sec = two(i + 1)?;
        i += 3;
        if matches!(b.get(i), Some(b'.') | Some(b',')) {
            i += 1;
            let mut scale = 100_000_000u32;
            while let Some(d) = digit(i) {
                nanos += d * scale;
                scale /= 10;
                i += 1;
            }
        }
    }
    let mut rest = &s[i..];
    let meridiem = rest.trim_start().get(..2).map(|m| m.to_ascii_uppercase());
    if let Some(m) = meridiem.filter(|m| m == "AM" || m == "PM") {
        if !(1..=12).contains(&h) {
            return None;
        }
        h = (h % 12) + if m == "PM" { 12 } else { 0 };
        rest = &rest.trim_start()[2..];
    }
    Some((NaiveTime::from_hms_nano_opt(h, mi, sec.min(59), nanos)?, rest))
}

/// Days from 1970-01-01 to `y-m-d` in the proleptic Gregorian calendar
/// (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms",
/// `days_from_civil`). `m` in 1..=12; the day is not checked.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DDTHH:MM:SS` with `T` or a space and an optional `Z`, the form
/// of most trade exports, read without chrono; `None` for anything else
/// (which [`parse_iso`] then reads the general way, to the same value).
fn parse_iso_simple(b: &[u8]) -> Option<i64> {
    if !(b.len() == 19 || (b.len() == 20 && b[19] == b'Z')) {
        return None;
    }
    let sep = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if !(b[10] == b'T' || b[10] == b' ') || sep.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let num = |i: usize, n: usize| -> Option<i64> {
        b[i..i + n].iter().try_fold(0i64, |v, &c| c.is_ascii_digit().then(|| v * 10 + (c - b'0') as i64))
    };
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (h, mi, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days_in_month = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d < 1 || d > days_in_month || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    Some(((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + sec * 1000)
}

fn parse_iso(s: &str) -> Option<i64> {
    parse_iso_simple(s.as_bytes()).or_else(|| parse_iso_general(s))
}

/// ISO 8601 dates and times in the forms [`TimeFormat::Iso`] lists, with chrono.
fn parse_iso_general(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 10 || !(b[4] == b'-' || b[4] == b'/') || b[7] != b[4] {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let t = s.get(r)?;
        t.bytes().all(|c| c.is_ascii_digit()).then(|| t.parse().ok())?
    };
    let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(date.and_time(NaiveTime::MIN).and_utc().timestamp_millis());
    }
    let rest = rest.strip_prefix(['T', ' '])?;
    let (time, tail) = parse_hms(rest)?;
    let offset_min: i64 = match tail.trim() {
        "" | "Z" | "z" | "UTC" => 0,
        t => {
            let sign = match t.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = t[1..].chars().filter(|c| *c != ':').collect();
            if (digits.len() != 2 && digits.len() != 4) || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let h: i64 = digits[..2].parse().ok()?;
            let m: i64 = if digits.len() == 4 { digits[2..].parse().ok()? } else { 0 };
            sign * (h * 60 + m)
        }
    };
    Some(NaiveDateTime::new(date, time).and_utc().timestamp_millis() - offset_min * 60_000)
}

/// Milliseconds in a day.
pub const MS_PER_DAY: f64 = 86_400_000.0;

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_733_052_360_000; // 2024-12-01T11:26:00Z

    #[test]
    fn the_simple_iso_path_gives_the_general_paths_value() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let mut fast = 0;
        for i in 0..100_000 {
            let (y, mo, d) = (rng.random_range(0..10_000), rng.random_range(0..14), rng.random_range(0..33));
            let (h, mi, sec) = (rng.random_range(0..26), rng.random_range(0..62), rng.random_range(0..62));
            let sep = ["T", " "][i % 2];
            let z = ["Z", ""][i / 2 % 2];
            let s = format!("{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{sec:02}{z}");
            let general = parse_iso_general(&s);
            if let Some(v) = parse_iso_simple(s.as_bytes()) {
                fast += 1;
                assert_eq!(Some(v), general, "{s}");
            } else {
                assert!(general.is_none() || sec > 59, "{s}: the general path reads it, the simple one must too");
            }
        }
        assert!(fast > 20_000, "{fast}");
        for s in [
            "2024-12-01T11:26:00+01:00",
            "2024-12-01T11:26",
            "2024/12/01 11:26:00",
            "2024-12-01T11:26:00.5Z",
            "2024-12-01x11:26:00",
        ] {
            assert_eq!(parse_iso_simple(s.as_bytes()), None, "{s}");
        }
    }

    #[test]
    fn format_utc_is_parse_iso_backwards() {
        for s in ["2026-03-01 12:00:05 UTC", "1999-12-31 23:59:59.120 UTC"] {
            let ms = parse(TimeFormat::Iso, s.trim_end_matches(" UTC")).unwrap();
            assert_eq!(format_utc(ms), s);
        }
    }

    #[test]
    fn parses_the_common_formats() {
        assert_eq!(parse(TimeFormat::Iso, "2024-12-01T11:26:00Z"), Some(T0));
        assert_eq!(parse(TimeFormat::Iso, "2024-12-01 11:26"), Some(T0));
        assert_eq!(parse(TimeFormat::Iso, "2024-12-01 12:26:00+01:00"), Some(T0));
        assert_eq!(parse(TimeFormat::Iso, "2024/12/01 11:26:00.500"), Some(T0 + 500));
        assert_eq!(parse(TimeFormat::DayFirst, "01/12/2024 11:26"), Some(T0));
        assert_eq!(parse(TimeFormat::MonthFirst, "12/01/2024 11:26:00"), Some(T0));
        assert_eq!(parse(TimeFormat::EpochSeconds, "1733052360"), Some(T0));
        assert_eq!(parse(TimeFormat::EpochMillis, "1733052360000"), Some(T0));
        assert_eq!(parse(TimeFormat::Iso, "2024-13-01"), None);
        assert_eq!(parse(TimeFormat::DayFirst, "31/02/2024"), None);
        // Unpadded hours and AM/PM, as in many spreadsheet exports.
        assert_eq!(parse(TimeFormat::MonthFirst, "12/1/2024 11:26"), Some(T0));
        assert_eq!(parse(TimeFormat::MonthFirst, "12/1/2024 11:26 AM"), Some(T0));
        assert_eq!(parse(TimeFormat::DayFirst, "1/12/2024 9:26 pm"), Some(T0 + 10 * 3_600_000));
        assert_eq!(parse(TimeFormat::DayFirst, "1/12/2024 12:05 AM"), Some(T0 - 11 * 3_600_000 - 21 * 60_000));
        assert_eq!(parse(TimeFormat::DayFirst, "1/12/2024 13:05 PM"), None);
        assert_eq!(parse(TimeFormat::DayFirst, "1/12/2024 11:26 junk"), None);
        // Non-ASCII offsets are rejected, not sliced.
        assert_eq!(parse(TimeFormat::Iso, "2024-12-01T11:26:00+1\u{e9}2"), None);
    }

    #[test]
    fn detects_day_first_month_first_and_epochs() {
        let d = detect(["01/12/2010 08:26", "13/12/2010 09:00"].into_iter(), "InvoiceDate").unwrap();
        assert_eq!(d.format, TimeFormat::DayFirst);
        let d = detect(["12/01/2010 08:26", "12/13/2010 09:00"].into_iter(), "date").unwrap();
        assert_eq!(d.format, TimeFormat::MonthFirst);
        // Ambiguous, but only month-first keeps the rows in order: 12 Jan, 1 Feb, 1 Mar
        // (day-first would read 1 Dec, 2 Jan, 3 Jan: a step back).
        let d = detect(["01/12/2020", "02/01/2020", "03/01/2020"].into_iter(), "date").unwrap();
        assert_eq!(d.format, TimeFormat::MonthFirst);
        assert!(d.note.contains("ambiguous"));
        assert_eq!(detect(["1733052360000"].into_iter(), "time").unwrap().format, TimeFormat::EpochMillis);
        assert_eq!(detect(["1733052360"].into_iter(), "time").unwrap().format, TimeFormat::EpochSeconds);
        assert_eq!(detect(["12634825.0"].into_iter(), "block_number").unwrap().format, TimeFormat::Block);
        assert_eq!(detect(["1733052360"].into_iter(), "blockTime").unwrap().format, TimeFormat::EpochSeconds);
        assert_eq!(detect(["hello", "world"].into_iter(), "time"), None);
        assert_eq!(detect(["3", "4"].into_iter(), "qty"), None);
    }
}
