//! Reading the two categorical cells of trades: side (buy/sell) and
//! liquidity (maker/taker), and what a column's header says about its booleans.

use super::roles::normalise;

/// Reads a side cell: +1 buy, -1 sell. Accepts buy/sell, B/S, long/short,
/// bid/ask (Hyperliquid's `B`/`A`), and position actions (`Open Long`,
/// `Close Short` = buy; `Open Short`, `Close Long` = sell).
///
/// `boolean_is_buy` reads `true`/`false` as buy/sell, for columns such as
/// Binance's `isBuyer` (see [`side_is_boolean_buyer`]).
pub fn parse_side(s: &str, boolean_is_buy: bool) -> Option<i8> {
    let mut buf = [0u8; SHORT];
    let owned;
    let s = super::trim(s);
    let l = match lower_short(s, &mut buf) {
        Some(l) => l,
        None => {
            owned = s.to_ascii_lowercase();
            owned.as_str()
        }
    };
    if !boolean_is_buy {
        // The usual values, answered before the substring searches below (same answers).
        match l {
            "buy" | "long" | "b" | "bid" => return Some(1),
            "sell" | "short" | "s" | "a" | "ask" => return Some(-1),
            _ => {}
        }
    }
    if boolean_is_buy {
        return match l {
            "true" | "1" => Some(1),
            "false" | "0" => Some(-1),
            _ => None,
        };
    }
    if l.contains("close long") {
        return Some(-1);
    }
    if l.contains("close short") {
        return Some(1);
    }
    if l.contains("buy") || l.contains("long") || l == "b" || l == "bid" {
        Some(1)
    } else if l.contains("sell") || l.contains("short") || l == "s" || l == "a" || l == "ask" {
        Some(-1)
    } else {
        None
    }
}

/// Whether a side column holds booleans meaning "is buyer" (Binance's `isBuyer`).
pub fn side_is_boolean_buyer(header: &str) -> bool {
    matches!(normalise(header).as_str(), "isbuyer" | "isbuy" | "buyer")
}

/// Reads a maker/taker cell: `Some(true)` for maker. Accepts maker/taker,
/// M/T, add/remove (liquidity), and booleans; `true_is_taker` says what a
/// boolean `true` means (true for columns named like `is_taker` or
/// Hyperliquid's `crossed`).
pub fn parse_liquidity(s: &str, true_is_taker: bool) -> Option<bool> {
    let mut buf = [0u8; SHORT];
    // Every value read here is shorter than SHORT bytes.
    match lower_short(super::trim(s), &mut buf)? {
        "maker" | "m" | "make" | "add" | "added" | "adding" | "passive" => Some(true),
        "taker" | "t" | "take" | "remove" | "removed" | "removing" | "aggressive" => Some(false),
        "true" | "1" | "yes" | "y" => Some(!true_is_taker),
        "false" | "0" | "no" | "n" => Some(true_is_taker),
        _ => None,
    }
}

/// Longest value [`lower_short`] lowercases without allocating.
const SHORT: usize = 24;

/// `s` in ASCII lowercase, written into `buf`, if it is at most [`SHORT`]
/// bytes; else `None`. Side and liquidity values are short, and this runs
/// once per row (a million times for a million trades).
fn lower_short<'a>(s: &str, buf: &'a mut [u8; SHORT]) -> Option<&'a str> {
    let out = buf.get_mut(..s.len())?;
    out.copy_from_slice(s.as_bytes());
    out.make_ascii_lowercase();
    std::str::from_utf8(out).ok()
}

/// Whether a liquidity column's `true` means taker, from its header.
pub fn liquidity_true_is_taker(header: &str) -> bool {
    let n = normalise(header);
    n.contains("taker") && !n.contains("maker") || n.contains("crossed")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hyperliquid's `crossed` (true = taker) and `A` side, position actions,
    /// booleans under `isBuyer`, and values longer than the no-allocation buffer.
    #[test]
    fn side_and_liquidity_cells() {
        assert!(liquidity_true_is_taker("crossed"));
        assert_eq!(parse_liquidity("true", true), Some(false));
        assert_eq!(parse_side("A", false), Some(-1));
        assert_eq!(parse_side("Close Short", false), Some(1));
        assert_eq!(parse_side("true", false), None);
        assert_eq!(parse_side("false", true), Some(-1));
        // Values longer than the no-allocation buffer take the general path.
        assert_eq!(parse_side("  Close Short (reduce-only), partial fill ", false), Some(1));
        assert_eq!(parse_side(" SELL ", false), Some(-1));
        assert_eq!(parse_side("Kauf–Verkauf", false), None, "non-ASCII is compared as is");
        assert_eq!(parse_liquidity(" MAKER", false), Some(true));
        assert_eq!(parse_liquidity("aggressive order, removed from the book", false), None);
    }
}
