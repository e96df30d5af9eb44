//! Reading numbers from cells: [`parse_number`] for plain numbers, with
//! [`is_missing`] and [`trim`] (which every cell reader uses), and the number
//! formats of a column: decimal point or decimal comma, with or without
//! thousands separators, detected from the column's values and used only when
//! the column uses them consistently.
//!
//! - `1234.5`, `1e3`: plain ([`NumberFormat::PLAIN`], what [`parse_number`] reads);
//! - `1,234.5`: thousands commas ([`NumberFormat::THOUSANDS_COMMA`]);
//! - `1.234,5` or `12,5`: decimal comma with dot thousands ([`NumberFormat::DECIMAL_COMMA`]).
//!
//! A column is given a non-plain format only if some of its values need it
//! and every numeric-looking value reads under it; `1,234` alone (a decimal
//! comma, or a thousands comma?) stays unread and is reported, never guessed.
//!
//! Exports also attach a unit: an asset or currency code or symbol before or
//! after the number (`18.2932110000BTC`, `19.80 USDT`, `USDT 19.80`,
//! `$1,234.50`, `1.234,50 €`), or write a negative in accounting parentheses
//! (`(12.50)`). A column whose values need it is read with
//! [`NumberFormat::affixes`] set ([`split_unit`] says what is stripped); its
//! units are counted by [`units`] so that the page shows them and amounts in
//! different units are never added up (see `Mapping::summable`).

/// `s.trim()` (Unicode whitespace at both ends), without decoding
/// characters when `s` starts and ends with a visible ASCII byte, as almost
/// every cell does (cells are stored trimmed): `str::trim` was a visible share
/// of reading and feature extraction (figures: BENCHMARKS.md). Every byte
/// above 0x20 and below 0x80 is a character that is not whitespace, so the
/// result is the same.
#[inline]
pub fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&a), Some(&b)) if (0x21..0x80).contains(&a) && (0x21..0x80).contains(&b) => s,
        _ => s.trim(),
    }
}

/// Parses a number as found in exports: optional sign, decimals, exponent,
/// surrounding whitespace, a leading `+`, and a trailing `%` (kept as the
/// plain number). Returns `None` for empty cells and the usual missing-value
/// markers (`NaN`, `null`, `NA`, `-`), and for infinities: a missing value is
/// never turned into a number.
pub fn parse_number(s: &str) -> Option<f64> {
    let s = trim(s);
    if let Some(v) = parse_simple_decimal(s.as_bytes()) {
        return Some(v);
    }
    let s = s.strip_suffix('%').unwrap_or(s).trim_end();
    if s.is_empty() || s == "-" {
        return None;
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        _ => None,
    }
}

/// True for cells that mean "no value": empty, `NaN`, `null`, `NA`, `N/A`, `None`, `-`.
pub fn is_missing(s: &str) -> bool {
    let s = trim(s);
    s.is_empty()
        || s == "-"
        || ["nan", "null", "na", "n/a", "none", "nil", "#n/a"].iter().any(|m| s.eq_ignore_ascii_case(m))
}

/// How one column writes numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NumberFormat {
    /// Decimal separator: `b'.'` or `b','`.
    pub decimal: u8,
    /// Thousands separator, if any: `b','` or `b'.'`.
    pub group: Option<u8>,
    /// Values may carry a unit before or after the number, or accounting
    /// parentheses for a negative ([`split_unit`]).
    #[serde(default)]
    pub affixes: bool,
}

impl Default for NumberFormat {
    fn default() -> Self {
        NumberFormat::PLAIN
    }
}

/// 10^0 ..= 10^15, each exactly an f64.
const POW10: [f64; 16] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/// The value of a plain decimal, `[+-]digits[.digits]` with at most 15
/// digits in all and at least one, or `None` for anything else (which the
/// caller then reads the general way). Bit for bit what `str::parse::<f64>`
/// gives: the digits make an integer below 2^53 and the divisor a power of
/// ten below 10^16, both exact in f64, and one division rounds correctly
/// (Clinger's fast path: W. D. Clinger, "How to read floating point numbers
/// accurately", PLDI 1990; Rust's own parser takes it first too). Most cells
/// of trade exports are such numbers; this skips the general parser's setup.
pub fn parse_simple_decimal(b: &[u8]) -> Option<f64> {
    let (neg, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let (mut m, mut n, mut frac, mut dot) = (0u64, 0usize, 0usize, false);
    for &c in digits {
        match c {
            b'0'..=b'9' => {
                m = m * 10 + (c - b'0') as u64;
                n += 1;
                frac += dot as usize;
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if n == 0 || n > 15 {
        return None;
    }
    let v = m as f64 / POW10[frac];
    Some(if neg { -v } else { v })
}

impl NumberFormat {
    /// `1234.5`.
    pub const PLAIN: NumberFormat = NumberFormat { decimal: b'.', group: None, affixes: false };
    /// `1,234.5`.
    pub const THOUSANDS_COMMA: NumberFormat = NumberFormat { decimal: b'.', group: Some(b','), affixes: false };
    /// `1.234,5`.
    pub const DECIMAL_COMMA: NumberFormat = NumberFormat { decimal: b',', group: Some(b'.'), affixes: false };

    /// This format with units and accounting parentheses allowed (or not).
    pub const fn with_affixes(self, affixes: bool) -> NumberFormat {
        NumberFormat { affixes, ..self }
    }

    /// Reads `s` in this format (missing markers and non-numbers give `None`, as [`parse_number`]).
    pub fn parse(self, s: &str) -> Option<f64> {
        if self == NumberFormat::PLAIN {
            return parse_number(s);
        }
        if self.affixes {
            return self.parse_with_unit(s).map(|(v, _)| v);
        }
        let t = trim(s);
        let t = t.strip_suffix('%').unwrap_or(t).trim_end();
        let (sign, digits) = match t.as_bytes().first() {
            Some(b'-') | Some(b'+') => t.split_at(1),
            _ => ("", t),
        };
        let (int, frac) = match digits.rfind(self.decimal as char) {
            Some(i) => (&digits[..i], Some(&digits[i + 1..])),
            None => (digits, None),
        };
        if int.is_empty() || frac.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        let int = match self.group {
            Some(g) if int.contains(g as char) => {
                let groups: Vec<&str> = int.split(g as char).collect();
                let ok = (1..=3).contains(&groups[0].len())
                    && groups.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
                    && groups[1..].iter().all(|p| p.len() == 3);
                if !ok {
                    return None;
                }
                groups.concat()
            }
            _ => int.to_string(),
        };
        if !int.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let plain = match frac {
            Some(f) => format!("{sign}{int}.{f}"),
            None => format!("{sign}{int}"),
        };
        parse_number(&plain)
    }

    /// Reads `s` as a number with an optional unit ([`split_unit`]), giving
    /// the value and the unit (empty when there is none). A negative written
    /// twice (`(-5)`, `-$-5`) is no number.
    pub fn parse_with_unit(self, s: &str) -> Option<(f64, &str)> {
        if is_missing(s) {
            return None;
        }
        let a = split_unit(s)?;
        let v = self.with_affixes(false).parse(a.number)?;
        match a.negative {
            false => Some((v, a.unit)),
            true if a.number.starts_with(['-', '+']) => None,
            true => Some((-v, a.unit)),
        }
    }

    /// An example for notes, e.g. `1.234,5`.
    pub fn example(self) -> &'static str {
        match (self.decimal, self.group) {
            (b',', _) => "1.234,5 (decimal comma)",
            (_, Some(b',')) => "1,234.5 (thousands commas)",
            _ => "1234.5",
        }
    }
}

/// The format of a column from its non-missing values: plain unless some
/// values need another format and all numeric-looking values read under it.
/// Units ([`split_unit`]) are allowed when some values carry one (or
/// accounting parentheses) and at least 99 % of the values with a digit
/// then read, with at most [`MAX_UNITS`] distinct units; the separators are
/// then decided on the numbers without their units.
pub fn detect<'a>(values: impl Iterator<Item = &'a str>) -> NumberFormat {
    let values: Vec<&str> = values.map(str::trim).filter(|v| v.bytes().any(|b| b.is_ascii_digit())).collect();
    // Cheap for a plain column: split_unit runs only on a value no other format reads.
    let needs_affix = values.iter().any(|v| parse_number(v).is_none() && !looks_numeric(v) && split_unit(v).is_some());
    if needs_affix {
        let split: Vec<Affixed> = values.iter().filter_map(|v| split_unit(v)).collect();
        let mut distinct: Vec<&str> = split.iter().map(|a| a.unit).filter(|u| !u.is_empty()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        if split.len() * 100 >= values.len() * 99 && distinct.len() <= MAX_UNITS {
            let format = detect_separators(split.iter().map(|a| a.number)).with_affixes(true);
            // The separators chosen must read the numbers too (`1,5 USDT` and `2.25 USDT` mixed: no).
            let read = values.iter().filter(|v| format.parse(v).is_some()).count();
            if read * 100 >= values.len() * 99 {
                return format;
            }
        }
    }
    detect_separators(values.into_iter())
}

/// Most distinct units a column may carry and still be read as numbers with
/// units: past it the "units" are more likely words (a free-text column).
pub const MAX_UNITS: usize = 64;

/// The units of a column's values read in `format` (none unless
/// `format.affixes`), each with how many values carry it, most frequent first
/// (ties by name). Values without a unit are not counted.
pub fn units<'a>(format: NumberFormat, values: impl Iterator<Item = &'a str>) -> Vec<(String, usize)> {
    if !format.affixes {
        return Vec::new();
    }
    let mut counts: Vec<(String, usize)> = Vec::new();
    for v in values {
        if let Some((_, u)) = format.parse_with_unit(v).filter(|(_, u)| !u.is_empty()) {
            match counts.iter_mut().find(|(k, _)| k == u) {
                Some((_, n)) => *n += 1,
                None => counts.push((u.to_string(), 1)),
            }
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
}

/// A cell split into its number and its unit by [`split_unit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Affixed<'a> {
    /// The number as written, with its own sign and separators (`1,234.50`).
    pub number: &'a str,
    /// The unit before or after it (`USDT`, `$`, `€`), or empty.
    pub unit: &'a str,
    /// Written as a negative outside the number: accounting parentheses
    /// `(12.50)`, or a sign before a leading unit (`-$5.00`).
    pub negative: bool,
}

/// A currency sign, as exports put before or after amounts.
fn is_currency_symbol(c: char) -> bool {
    matches!(
        c,
        '$' | '€'
            | '£'
            | '¥'
            | '₩'
            | '₹'
            | '₽'
            | '₺'
            | '₿'
            | '₮'
            | '¢'
            | '฿'
            | '₫'
            | '₴'
            | '₦'
            | '₱'
            | '₪'
    )
}

/// Words that scale a number rather than name its unit (`1.5k`, `2M`,
/// `3 bn`): such cells are not read, as `1.5` would be wrong.
const MAGNITUDES: [&str; 8] = ["k", "m", "b", "bn", "mn", "mm", "thousand", "million"];

/// A unit: a currency sign, or a code of 2 to 12 letters and digits that
/// starts with a letter (`USDT`, `BTC`, `USD`, `1000SHIB` is not one), or a
/// few signs with a code (`US$`); never a magnitude word.
fn is_unit(u: &str) -> bool {
    let mut chars = u.chars();
    let Some(first) = chars.next() else { return false };
    let n = u.chars().count();
    if n == 1 {
        return is_currency_symbol(first);
    }
    n <= 12
        && (first.is_alphabetic() || is_currency_symbol(first))
        && u.chars().all(|c| c.is_alphanumeric() || is_currency_symbol(c))
        && !MAGNITUDES.iter().any(|m| u.eq_ignore_ascii_case(m))
}

/// Splits a cell into a number and a unit written before or after it, and
/// accounting parentheses (a code of letters before the number must be
/// followed by a space, as `ACC00488` is an id): `18.29BTC`, `19.80
/// USDT`, `USDT 19.80`, `$1,234.50`, `-$5.00`, `1.234,50 €`, `(12.50)`,
/// `12%`. `None` when the cell is not such a number (no digit, two units,
/// text around the number, a magnitude such as `1.5k`). The number keeps
/// its separators: the column's [`NumberFormat`] reads it.
pub fn split_unit(s: &str) -> Option<Affixed<'_>> {
    let mut t = trim(s);
    let mut negative = false;
    if t.len() >= 2 && t.starts_with('(') && t.ends_with(')') {
        negative = true;
        t = t[1..t.len() - 1].trim();
    }
    // A sign before a leading unit: `-$5.00`, `- USDT 5`.
    if let Some(rest) = t.strip_prefix(['-', '+']) {
        let rest = rest.trim_start();
        if rest.chars().next().is_some_and(|c| c.is_alphabetic() || is_currency_symbol(c)) {
            if t.starts_with('-') {
                if negative {
                    return None;
                }
                negative = true;
            }
            t = rest;
        }
    }
    // A leading unit is letters and currency signs, up to the number (`USDT19.8`, `US$ 5`).
    let lead_end =
        t.char_indices().find(|&(_, c)| !(c.is_alphabetic() || is_currency_symbol(c))).map_or(t.len(), |(i, _)| i);
    let (prefix, rest) = t.split_at(lead_end);
    let spaced = rest.starts_with(char::is_whitespace);
    let rest = rest.trim_start();
    // A code of letters is written apart from the number (`USDT 19.80`); joined to it, it is
    // more likely an id (`ACC00488`). A currency sign may touch the number (`$5`, `US$5`).
    if !prefix.is_empty() && !spaced && !prefix.chars().any(is_currency_symbol) {
        return None;
    }
    let core = number_end(rest);
    if core == 0 {
        return None;
    }
    let (number, after) = rest.split_at(core);
    let suffix = after.trim_start();
    let unit = match (prefix.is_empty(), suffix.is_empty()) {
        (true, true) => "",
        (false, true) if is_unit(prefix) => prefix,
        (true, false) if is_unit(suffix) => suffix,
        _ => return None,
    };
    if negative && unit.is_empty() && number.starts_with(['-', '+']) {
        return None;
    }
    Some(Affixed { number, unit, negative })
}

/// Length of the number at the start of `s`: an optional sign, digits with
/// `.` and `,`, an optional exponent, an optional `%` (after spaces); 0 when
/// it has no digit.
fn number_end(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let start = i;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.' || b[i] == b',') {
        i += 1;
    }
    if !b[start..i].iter().any(u8::is_ascii_digit) {
        return 0;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'-' || b[j] == b'+') {
            j += 1;
        }
        let digits = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j > digits {
            i = j;
        }
    }
    let after_space = i + s[i..].len() - s[i..].trim_start().len();
    if s[after_space..].starts_with('%') {
        i = after_space + 1;
    }
    i
}

/// [`detect`] without units: thousands separators or a decimal comma.
fn detect_separators<'a>(values: impl Iterator<Item = &'a str>) -> NumberFormat {
    let mut fits = [true, true]; // THOUSANDS_COMMA, DECIMAL_COMMA
    let mut needs = [0usize, 0usize];
    for v in values {
        let v = v.trim();
        if v.is_empty() || !v.bytes().any(|b| b.is_ascii_digit()) {
            continue;
        }
        let p = parse_number(v).is_some();
        for (i, f) in [NumberFormat::THOUSANDS_COMMA, NumberFormat::DECIMAL_COMMA].into_iter().enumerate() {
            match f.parse(v) {
                Some(_) if !p => needs[i] += 1,
                Some(x) if p && parse_number(v) != Some(x) => fits[i] = false, // e.g. 1.5 is not 15
                Some(_) => {}
                None if p || looks_numeric(v) => fits[i] = false,
                None => {}
            }
        }
    }
    match (needs[0] > 0 && fits[0], needs[1] > 0 && fits[1]) {
        (true, false) => NumberFormat::THOUSANDS_COMMA,
        (false, true) => NumberFormat::DECIMAL_COMMA,
        _ => NumberFormat::PLAIN, // none needed, or ambiguous (1,234 fits both)
    }
}

/// Digits with separators and an optional sign: a value some number format should read.
fn looks_numeric(v: &str) -> bool {
    let v = v.strip_prefix(['-', '+']).unwrap_or(v);
    v.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && v.bytes().all(|b| b.is_ascii_digit() || b == b',' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_decimals_read_fast_give_the_bits_of_the_general_parser() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut checked = 0;
        for i in 0..200_000 {
            let digits: String =
                (0..rng.random_range(1..=17)).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect();
            let at = rng.random_range(0..=digits.len());
            let sign = ["", "-", "+"][i % 3];
            let s = match i % 4 {
                0 => format!("{sign}{digits}"),
                1 => format!("{sign}{}.{}", &digits[..at], &digits[at..]),
                2 => format!("{sign}.{digits}"),
                _ => format!("{sign}{digits}."),
            };
            if let Some(v) = parse_simple_decimal(s.as_bytes()) {
                let want: f64 = s.parse().unwrap();
                assert_eq!(v.to_bits(), want.to_bits(), "{s}");
                checked += 1;
            }
        }
        assert!(checked > 100_000, "the fast path took {checked} of 200,000");
        for s in ["", ".", "-", "+", "-.", "1e5", "1.2.3", "1,5", " 1", "12345678901234567", "0x1", "1%", "inf"] {
            assert_eq!(parse_simple_decimal(s.as_bytes()), None, "{s:?}");
        }
        assert_eq!(parse_simple_decimal(b"-0").map(f64::to_bits), Some((-0.0f64).to_bits()));
        assert_eq!(parse_number("  -12.50 "), Some(-12.5));
    }

    #[test]
    fn reads_each_format_and_rejects_bad_grouping() {
        let eu = NumberFormat::DECIMAL_COMMA;
        assert_eq!(eu.parse("1.234,56"), Some(1234.56));
        assert_eq!(eu.parse("-12,5"), Some(-12.5));
        assert_eq!(eu.parse("1.234"), Some(1234.0));
        assert_eq!(eu.parse("12.34"), None, "dot groups must have three digits");
        let us = NumberFormat::THOUSANDS_COMMA;
        assert_eq!(us.parse("1,234,567.5"), Some(1234567.5));
        assert_eq!(us.parse("12,5"), None);
        assert_eq!(us.parse("NaN"), None);
        assert_eq!(NumberFormat::PLAIN.parse("1,5"), None);
    }

    #[test]
    fn detects_a_consistent_format_and_refuses_to_guess() {
        assert_eq!(detect(["1,5", "2,25", "3"].into_iter()), NumberFormat::DECIMAL_COMMA);
        assert_eq!(detect(["1.234,5", "7,0", "12"].into_iter()), NumberFormat::DECIMAL_COMMA);
        assert_eq!(detect(["1,234.5", "7.25", "12"].into_iter()), NumberFormat::THOUSANDS_COMMA);
        assert_eq!(detect(["1.5", "2.25"].into_iter()), NumberFormat::PLAIN);
        // 1,234 alone: a decimal comma or a thousands comma? Not guessed.
        assert_eq!(detect(["1,234", "5,678"].into_iter()), NumberFormat::PLAIN);
        // Mixed: 1,5 needs a decimal comma but 2.25 contradicts it.
        assert_eq!(detect(["1,5", "2.25"].into_iter()), NumberFormat::PLAIN);
        assert_eq!(detect(["abc", "", "-"].into_iter()), NumberFormat::PLAIN);
    }

    #[test]
    fn numbers_and_missing_values() {
        assert_eq!(parse_number(" 1.5e3 "), Some(1500.0));
        assert_eq!(parse_number("+2"), Some(2.0));
        assert_eq!(parse_number("-0.25"), Some(-0.25));
        assert_eq!(parse_number("12%"), Some(12.0));
        for m in ["", "NaN", "nan", "inf", "-inf", "null", "-", "abc", "1e999"] {
            assert_eq!(parse_number(m), None, "{m:?}");
        }
        assert!(is_missing("N/A") && is_missing(" ") && !is_missing("0"));
    }

    #[test]
    fn numbers_with_units_as_exports_write_them() {
        let cases: [(&str, &str, f64, &str); 14] = [
            ("18.2932110000BTC", "plain", 18.293211, "BTC"),
            ("46163.10089061USDT", "plain", 46163.10089061, "USDT"),
            ("19.80 USDT", "plain", 19.8, "USDT"),
            ("USDT 19.80", "plain", 19.8, "USDT"),
            ("$1,234.50", "comma", 1234.5, "$"),
            ("-$5.00", "plain", -5.0, "$"),
            ("$-5.00", "plain", -5.0, "$"),
            ("1.234,50 €", "eu", 1234.5, "€"),
            ("(12.50)", "plain", -12.5, ""),
            ("($12.50)", "plain", -12.5, "$"),
            ("-0.5 %", "plain", -0.5, ""),
            ("12%", "plain", 12.0, ""),
            ("0.18SOL", "plain", 0.18, "SOL"),
            ("1e3 USD", "plain", 1000.0, "USD"),
        ];
        for (cell, f, want, unit) in cases {
            let f = match f {
                "comma" => NumberFormat::THOUSANDS_COMMA,
                "eu" => NumberFormat::DECIMAL_COMMA,
                _ => NumberFormat::PLAIN,
            }
            .with_affixes(true);
            assert_eq!(f.parse_with_unit(cell), Some((want, unit)), "{cell}");
        }
        // Not numbers with a unit: magnitudes, two units, words around a number, a negative
        // written twice, ids, times, instrument names.
        for cell in [
            "1.5k",
            "2M",
            "3 bn",
            "$5 USD",
            "Order 12 of 3",
            "(-5)",
            "-$-5",
            "ACC00488",
            "2026-01-01T18:39:37Z",
            "BTC-27DEC24-60000-C",
            "12 Dec 2024",
            "USDT",
            "",
            "N/A",
            "1.5 x",
        ] {
            assert_eq!(NumberFormat::PLAIN.with_affixes(true).parse(cell), None, "{cell:?}");
        }
        // The plain reader does not strip units.
        assert_eq!(parse_number("19.80 USDT"), None);
    }

    #[test]
    fn detects_units_only_when_the_column_writes_them() {
        let f = detect(["18.29BTC", "0.18SOL", "1.5ETH", "2"].into_iter());
        assert_eq!(f, NumberFormat::PLAIN.with_affixes(true));
        assert_eq!(
            units(f, ["18.29BTC", "0.18SOL", "1.5BTC", "2"].into_iter()),
            vec![("BTC".to_string(), 2), ("SOL".to_string(), 1)]
        );
        assert_eq!(
            detect(["$1,234.50", "$7.25", "($12.00)"].into_iter()),
            NumberFormat::THOUSANDS_COMMA.with_affixes(true)
        );
        assert_eq!(detect(["1.234,50 €", "7,25 €"].into_iter()), NumberFormat::DECIMAL_COMMA.with_affixes(true));
        // Plain columns stay plain, so the fast reader keeps reading them.
        assert_eq!(detect(["1.5", "2.25", "12%"].into_iter()), NumberFormat::PLAIN);
        // Mostly words: not a number column with units.
        assert_eq!(detect(["Order 12 of 3", "5 USDT", "see note 4", "x1"].into_iter()), NumberFormat::PLAIN);
        // More distinct "units" than MAX_UNITS: words, not units.
        let many: Vec<String> = (0..=MAX_UNITS)
            .map(|i| format!("{i} word{}", char::from(b'a' + (i % 26) as u8).to_string().repeat(1 + i / 26)))
            .collect();
        assert_eq!(detect(many.iter().map(String::as_str)), NumberFormat::PLAIN);
        assert!(units(NumberFormat::PLAIN, ["5 USDT"].into_iter()).is_empty());
    }

    #[test]
    fn the_fast_trim_is_str_trim() {
        for s in
            ["", " ", "a", " a", "a ", "\u{a0}x\u{a0}", "x\u{2003}", "\u{3000}", "\ty\r", "é", " é ", "~", "\u{7f}"]
        {
            assert_eq!(crate::ingest::trim(s), s.trim(), "{s:?}");
        }
    }
}
