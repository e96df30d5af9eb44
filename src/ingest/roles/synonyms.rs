//! The header-name tables detection scores columns by, and the normalisation
//! of header names they are written in.

use super::Role;

/// Header names that suggest a role, exact matches only (`CONTAINS`
/// covers the rest): (role, score 0-100, names). Names are normalised
/// ([`normalise`]: lower-case, letters and digits only, `Date(UTC)` ->
/// `dateutc`); when a header matches more than one row of a role, the highest
/// score counts.
///
/// Where the names come from (the README lists them): the trade exports and
/// APIs of Binance (exports: `Date(UTC)`, `Symbol`, `Side`, `Price`,
/// `Quantity`/`Executed`, `Amount`, `Fee`, `Realized Profit`; API: `qty`,
/// `quoteQty`, `commission`, `isBuyer`, `isMaker`), Bybit (`Contracts`,
/// `Filled Qty`, `Filled Price`, `Closed P&L`; API: `execQty`, `execPrice`,
/// `execValue`, `execFee`, `execTime`, `isMaker`), Kraken (trades.csv:
/// `pair`, `time`, `type`, `price`, `cost`, `fee`, `vol`, `ordertxid`), OKX (`instId`, `instType`,
/// `fillSz`, `fillPx`, `execType`), Deribit (`instrument_name`, `direction`,
/// `amount`, `liquidity`) and Hyperliquid (`coin`, `px`, `sz`, `side`, `dir`,
/// `crossed`, `closedPnl`); retail invoice tables (`InvoiceNo`, `StockCode`,
/// `InvoiceDate`, `UnitPrice`, `CustomerID`); and the usual names of ids,
/// times and amounts (`account_id`, `user_id`, `uid`, `client_id`, `trader`,
/// `wallet`, `from_address`, ...).
pub const SYNONYMS: &[(Role, u32, &[&str])] = &[
    (Role::Account, 100, &["accountid", "userid", "customerid", "clientid"]),
    (Role::Account, 95, &["account", "uid", "traderid", "walletaddress"]),
    (Role::Account, 90, &["user", "customer", "trader", "wallet", "fromaddress", "memberid", "subaccountid", "custid"]),
    (Role::Account, 85, &["client", "subaccount"]),
    (Role::Account, 80, &["address"]),
    (Role::Account, 70, &["sender"]),
    (Role::Account, 30, &["id"]),
    (Role::Timestamp, 100, &["timestamp", "dateutc", "tradetime"]),
    (Role::Timestamp, 95, &["time", "datetime", "transactiontime", "exectime", "executiontime", "filltime"]),
    (Role::Timestamp, 95, &["invoicedate", "blocktimestamp", "blocktime"]),
    (Role::Timestamp, 90, &["date", "orderdate"]),
    (Role::Timestamp, 80, &["createdtime", "ts"]),
    (Role::Timestamp, 60, &["blocknumber"]),
    (Role::Timestamp, 40, &["createdat"]),
    (Role::Timestamp, 20, &["updatedat"]),
    (Role::Order, 100, &["invoiceno", "invoiceid", "orderid"]),
    (Role::Order, 95, &["invoice", "orderno", "ordernumber"]),
    (Role::Order, 90, &["ordertxid"]),
    (Role::Order, 80, &["oid"]),
    (Role::Order, 70, &["order"]),
    (Role::Instrument, 100, &["symbol", "instrument", "instrumentname"]),
    (Role::Instrument, 95, &["instrumentid", "instid"]),
    (Role::Instrument, 90, &["contract", "contracts", "pair", "ticker", "stockcode"]),
    (Role::Instrument, 85, &["coin", "sku", "productid"]),
    (Role::Instrument, 80, &["market", "product"]),
    (Role::Instrument, 60, &["asset"]),
    (Role::InstrumentType, 100, &["instrumenttype", "insttype"]),
    (Role::InstrumentType, 95, &["producttype", "markettype", "contracttype"]),
    (Role::InstrumentType, 70, &["category", "kind"]),
    (Role::InstrumentType, 40, &["type"]),
    (Role::OptionType, 100, &["optiontype", "putcall", "callput"]),
    (Role::OptionType, 90, &["cp"]),
    (Role::OptionType, 80, &["right"]),
    (Role::Side, 100, &["side", "buysell", "orderside"]),
    (Role::Side, 90, &["direction", "dir", "isbuyer"]),
    (Role::Side, 80, &["action"]),
    (Role::Side, 70, &["tradetype"]),
    // Kraken's trades.csv: `type` is buy or sell (the values decide: an
    // instrument type column keeps it, as values fit only one of the two).
    (Role::Side, 60, &["type"]),
    (Role::Quantity, 100, &["quantity", "qty", "executedqty", "filledqty", "execqty", "fillqty", "fillsz"]),
    (Role::Quantity, 95, &["size", "sz", "filledsize"]),
    (Role::Quantity, 90, &["executed"]),
    (Role::Quantity, 85, &["vol"]),
    (Role::Quantity, 80, &["units"]),
    (Role::Quantity, 70, &["volume"]),
    (Role::Quantity, 40, &["amount"]),
    (Role::Price, 100, &["price", "px", "filledprice", "execprice", "fillprice"]),
    (Role::Price, 100, &["fillpx", "unitprice", "tradeprice", "executionprice"]),
    (Role::Price, 90, &["avgprice", "averageprice"]),
    (Role::Notional, 100, &["notional", "ntl", "notionalvalue", "execvalue"]),
    (Role::Notional, 95, &["tradevalue", "tradeamount", "quoteqty", "quotequantity"]),
    (Role::Notional, 90, &["cost"]),
    (Role::Notional, 80, &["turnover"]),
    (Role::Notional, 70, &["value", "total"]),
    (Role::Notional, 60, &["sales", "revenue"]),
    (Role::Notional, 35, &["amount"]),
    (Role::Leverage, 100, &["leverage"]),
    (Role::Leverage, 90, &["lev"]),
    (Role::Fee, 100, &["fee", "fees", "commission", "tradingfee", "execfee"]),
    (Role::Fee, 95, &["feeamount"]),
    (Role::Pnl, 100, &["realizedpnl", "realisedpnl", "realizedprofit", "closedpnl"]),
    (Role::Pnl, 95, &["closedpl"]),
    (Role::Pnl, 90, &["pnl"]),
    (Role::Pnl, 85, &["profitloss"]),
    (Role::Pnl, 80, &["profit"]),
    (Role::Liquidity, 100, &["liquidity", "makertaker", "takerormaker", "liquidityindicator", "ismaker"]),
    (Role::Liquidity, 95, &["istaker"]),
    (Role::Liquidity, 80, &["maker", "crossed"]),
    (Role::Liquidity, 60, &["role", "exectype"]),
];

/// Substrings of a normalised header that suggest a role when no exact
/// synonym matches, with a lower score; (role, substring, excluded substrings, score).
pub(super) const CONTAINS: &[(Role, &str, &[&str], u32)] = &[
    (Role::Account, "account", &[], 60),
    (Role::Account, "customer", &[], 60),
    (Role::Account, "client", &[], 55),
    (Role::Account, "wallet", &[], 55),
    (Role::Account, "user", &[], 50),
    (Role::Timestamp, "time", &[], 50),
    (Role::Timestamp, "date", &["update"], 45),
    (Role::Order, "invoice", &[], 60),
    (Role::Instrument, "symbol", &[], 60),
    (Role::Instrument, "instrument", &["type"], 60),
    (Role::Price, "price", &[], 60),
    (Role::Leverage, "leverage", &[], 80),
    (Role::Fee, "fee", &["rate", "currency", "unit", "asset", "token", "coin"], 50),
    (Role::Fee, "commission", &["rate", "asset"], 50),
    (Role::Pnl, "pnl", &[], 60),
    (Role::Pnl, "realized", &[], 55),
    (Role::Quantity, "qty", &[], 55),
    (Role::Quantity, "quantity", &[], 55),
    (Role::Notional, "notional", &[], 60),
];

/// Lower-cases and keeps letters and digits: `Date(UTC)` -> `dateutc`.
pub fn normalise(h: &str) -> String {
    h.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonyms_are_normalised_and_listed_once_per_role() {
        let mut seen = std::collections::HashSet::new();
        for &(role, score, names) in SYNONYMS {
            assert!(score <= 100, "{role:?} {names:?}");
            for &n in names {
                assert_eq!(normalise(n), n, "{role:?}");
                assert!(seen.insert((role, n)), "{role:?} {n:?} listed twice");
            }
        }
    }
}
