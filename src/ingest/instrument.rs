//! Instrument types and option kinds, from a column or inferred from the
//! instrument name as the big exchanges write it.

/// The four instrument families segscope profiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InstrumentType {
    Spot,
    Perpetual,
    Future,
    Option,
}

impl InstrumentType {
    /// All types, in the order the feature table lists their shares.
    pub const ALL: [InstrumentType; 4] =
        [InstrumentType::Spot, InstrumentType::Perpetual, InstrumentType::Future, InstrumentType::Option];
    /// Lower-case name used in feature keys (`spot`, `perpetual`, `future`, `option`).
    pub fn key(self) -> &'static str {
        match self {
            InstrumentType::Spot => "spot",
            InstrumentType::Perpetual => "perpetual",
            InstrumentType::Future => "future",
            InstrumentType::Option => "option",
        }
    }
}

/// Call or put.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionKind {
    Call,
    Put,
}

/// Reads an instrument-type cell: `spot`/`cash`, `perpetual`/`perp`/`swap`,
/// `future(s)`/`delivery`, `option(s)` (case-insensitive, also inside longer
/// labels such as `USDT perpetual`).
pub fn parse_type(s: &str) -> Option<InstrumentType> {
    let l = s.trim().to_ascii_lowercase();
    if l.contains("option") {
        Some(InstrumentType::Option)
    } else if l.contains("perp") || l.contains("swap") {
        Some(InstrumentType::Perpetual)
    } else if l.contains("future") || l.contains("delivery") {
        Some(InstrumentType::Future)
    } else if l.contains("spot") || l == "cash" || l == "margin" {
        Some(InstrumentType::Spot)
    } else {
        None
    }
}

/// Reads an option-type cell: `call`/`c`, `put`/`p`.
pub fn parse_option_kind(s: &str) -> Option<OptionKind> {
    match s.trim().to_ascii_lowercase().as_str() {
        "c" | "call" | "calls" => Some(OptionKind::Call),
        "p" | "put" | "puts" => Some(OptionKind::Put),
        _ => None,
    }
}

const QUOTES: [&str; 10] = ["USDT", "USDC", "FDUSD", "BUSD", "TUSD", "USD", "EUR", "BTC", "ETH", "DAI"];

/// An expiry as exchanges write it: `27DEC24`/`7JUN25` (Deribit) or
/// `241227` (YYMMDD: Binance, OKX), with a real month and day.
fn is_date_part(p: &str) -> bool {
    const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    let b = p.as_bytes();
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    let num = |s: &str| s.parse::<u32>().unwrap_or(0);
    if (b.len() == 6 || b.len() == 7)
        && digits(&b[..b.len() - 5])
        && b[b.len() - 5..b.len() - 2].iter().all(u8::is_ascii_alphabetic)
        && digits(&b[b.len() - 2..])
    {
        let day = num(&p[..b.len() - 5]);
        return MONTHS.contains(&&p[b.len() - 5..b.len() - 2]) && (1..=31).contains(&day);
    }
    b.len() == 6 && digits(b) && (1..=12).contains(&num(&p[2..4])) && (1..=31).contains(&num(&p[4..6]))
}

/// Infers type (and option kind) from an instrument name, as written by
/// Deribit (`BTC-PERPETUAL`, `BTC-27DEC24`, `BTC-27DEC24-60000-C`), OKX
/// (`BTC-USDT`, `BTC-USDT-SWAP`, `BTC-USD-241227`, `BTC-USD-241227-60000-P`),
/// Binance (`BTCUSD_241227`, `BTC-241227-60000-C`, `BTCUSDT`) and others
/// (`BTC/USDT`, `ETH-PERP`).
///
/// A bare pair such as `BTCUSDT` is read as spot: Binance and Bybit use the
/// same name for the USDT perpetual, so files mixing both need an instrument
/// type column. Returns `None` when nothing matches (e.g. a bare `BTC`, or a
/// retail product code).
pub fn infer(name: &str) -> Option<(InstrumentType, Option<OptionKind>)> {
    let u = name.trim().to_ascii_uppercase();
    if u.is_empty() {
        return None;
    }
    let parts: Vec<&str> = u.split(['-', '_']).collect();
    let last = *parts.last()?;
    if parts.len() >= 3 && (last == "C" || last == "P") {
        let strike = parts[parts.len() - 2];
        if strike.parse::<f64>().is_ok() && parts.iter().any(|p| is_date_part(p)) {
            let kind = if last == "C" { OptionKind::Call } else { OptionKind::Put };
            return Some((InstrumentType::Option, Some(kind)));
        }
    }
    if u.contains("PERP") || last == "SWAP" {
        return Some((InstrumentType::Perpetual, None));
    }
    if parts.len() >= 2 && parts[1..].iter().any(|p| is_date_part(p)) {
        return Some((InstrumentType::Future, None));
    }
    if u.contains('/') {
        return Some((InstrumentType::Spot, None));
    }
    let alpha = |p: &str| !p.is_empty() && p.bytes().all(|c| c.is_ascii_alphanumeric());
    if parts.len() == 2 && alpha(parts[0]) && QUOTES.contains(&parts[1]) {
        return Some((InstrumentType::Spot, None));
    }
    if parts.len() == 1 && alpha(&u) {
        if let Some(q) = QUOTES.iter().find(|q| u.ends_with(*q)) {
            if u.len() > q.len() + 1 {
                return Some((InstrumentType::Spot, None));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use InstrumentType::*;

    #[test]
    fn infers_exchange_names() {
        assert_eq!(infer("BTC-PERPETUAL"), Some((Perpetual, None)));
        assert_eq!(infer("ETH-USDT-SWAP"), Some((Perpetual, None)));
        assert_eq!(infer("BTC-27DEC24"), Some((Future, None)));
        assert_eq!(infer("BTCUSD_241227"), Some((Future, None)));
        assert_eq!(infer("BTC-USD-241227"), Some((Future, None)));
        assert_eq!(infer("BTC-27DEC24-60000-C"), Some((Option, Some(OptionKind::Call))));
        assert_eq!(infer("BTC-USD-241227-60000-P"), Some((Option, Some(OptionKind::Put))));
        assert_eq!(infer("BTCUSDT"), Some((Spot, None)));
        assert_eq!(infer("BTC/USDT"), Some((Spot, None)));
        assert_eq!(infer("BTC-USDT"), Some((Spot, None)));
        assert_eq!(infer("BTC"), None);
        assert_eq!(infer("85123A"), None);
        assert_eq!(infer("PRD-100234"), None, "a product code is not an expiry");
        assert_eq!(infer("SKU-27XYZ24"), None);
        assert_eq!(parse_type("USDT Perpetual"), Some(Perpetual));
        assert_eq!(parse_option_kind("P"), Some(OptionKind::Put));
    }
}
