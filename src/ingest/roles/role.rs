//! The roles a column can play ([`Role`]) and the kinds of data a file can be ([`DataKind`]).

/// What a column can mean.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub enum Role {
    /// The account (customer, user, wallet) a row belongs to.
    Account,
    /// When the row happened ([`crate::ingest::time`] reads it).
    Timestamp,
    /// Order or invoice id.
    Order,
    /// Instrument name (`BTC-PERPETUAL`, `BTCUSDT`, a product code).
    Instrument,
    /// Instrument type: spot, perpetual, future or option.
    InstrumentType,
    /// Option type: call or put.
    OptionType,
    /// Buy or sell ([`parse_side`](super::parse_side) reads it).
    Side,
    /// Quantity (units, contracts or items); its sign can give the side of a
    /// trade, and marks a return in transactions.
    Quantity,
    /// Price per unit.
    Price,
    /// Notional value of the row, in the quote currency.
    Notional,
    /// Leverage (x).
    Leverage,
    /// Fee, summed as given (OKX writes fees charged as negative numbers).
    Fee,
    /// Realized profit and loss.
    Pnl,
    /// Maker or taker ([`parse_liquidity`](super::parse_liquidity) reads it).
    Liquidity,
}

impl Role {
    /// Every role, in mapping-panel order.
    pub const ALL: [Role; 14] = [
        Role::Account,
        Role::Timestamp,
        Role::Order,
        Role::Instrument,
        Role::InstrumentType,
        Role::OptionType,
        Role::Side,
        Role::Quantity,
        Role::Price,
        Role::Notional,
        Role::Leverage,
        Role::Fee,
        Role::Pnl,
        Role::Liquidity,
    ];

    /// Label shown in the mapping panel.
    pub fn label(self) -> &'static str {
        match self {
            Role::Account => "Account id",
            Role::Timestamp => "Timestamp",
            Role::Order => "Order / invoice id",
            Role::Instrument => "Instrument",
            Role::InstrumentType => "Instrument type",
            Role::OptionType => "Option type (call/put)",
            Role::Side => "Side (buy/sell)",
            Role::Quantity => "Quantity",
            Role::Price => "Price",
            Role::Notional => "Notional",
            Role::Leverage => "Leverage",
            Role::Fee => "Fee",
            Role::Pnl => "Realized PnL",
            Role::Liquidity => "Maker/taker",
        }
    }

    /// True for the roles whose column holds numbers (quantity, price, notional,
    /// leverage, fee, PnL).
    pub(super) fn is_numeric(self) -> bool {
        matches!(self, Role::Quantity | Role::Price | Role::Notional | Role::Leverage | Role::Fee | Role::Pnl)
    }
}

/// What the file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub enum DataKind {
    /// Fills/trades of trading accounts (side, leverage, instruments...).
    Trades,
    /// Plain purchase transactions (invoice lines): features reduce to RFM.
    Transactions,
    /// Already one row per customer: numeric columns are the features.
    CustomerTable,
}

impl DataKind {
    /// Label shown in the mapping panel.
    pub fn label(self) -> &'static str {
        match self {
            DataKind::Trades => "Trades / fills",
            DataKind::Transactions => "Transactions (RFM)",
            DataKind::CustomerTable => "One row per customer",
        }
    }
}
