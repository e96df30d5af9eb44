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
    pub const PLAIN: NumberFormat = NumberFormat { decimal: b'.', group: None };
    /// `1,234.5`.
    pub const THOUSANDS_COMMA: NumberFormat = NumberFormat { decimal: b'.', group: Some(b',') };
    /// `1.234,5`.
    pub const DECIMAL_COMMA: NumberFormat = NumberFormat { decimal: b',', group: Some(b'.') };

    /// Reads `s` in this format (missing markers and non-numbers give `None`, as [`parse_number`]).
    pub fn parse(self, s: &str) -> Option<f64> {
        if self == NumberFormat::PLAIN {
            return parse_number(s);
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
pub fn detect<'a>(values: impl Iterator<Item = &'a str>) -> NumberFormat {
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
    fn the_fast_trim_is_str_trim() {
        for s in
            ["", " ", "a", " a", "a ", "\u{a0}x\u{a0}", "x\u{2003}", "\u{3000}", "\ty\r", "é", " é ", "~", "\u{7f}"]
        {
            assert_eq!(crate::ingest::trim(s), s.trim(), "{s:?}");
        }
    }
}
