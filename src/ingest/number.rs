//! Number formats of a column: decimal point or decimal comma, with or
//! without thousands separators, detected from the column's values and used
//! only when the column uses them consistently.
//!
//! - `1234.5`, `1e3`: plain ([`NumberFormat::PLAIN`], what [`super::parse_number`] reads);
//! - `1,234.5`: thousands commas ([`NumberFormat::THOUSANDS_COMMA`]);
//! - `1.234,5` or `12,5`: decimal comma with dot thousands ([`NumberFormat::DECIMAL_COMMA`]).
//!
//! A column is given a non-plain format only if some of its values need it
//! and every numeric-looking value reads under it; `1,234` alone (a decimal
//! comma, or a thousands comma?) stays unread and is reported, never guessed.

use super::parse_number;

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
        let t = s.trim();
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
}
