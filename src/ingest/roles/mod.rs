//! Column roles: which column holds the account id, the time, the side, ...
//!
//! Detection scores each column against each role by its header name (the
//! export names of Binance, Bybit, OKX, Deribit, Hyperliquid and retail
//! invoice tables are in [`SYNONYMS`]) and then checks the values (numeric
//! roles must be numbers, a time must parse, a side must read as buy/sell).
//! Roles are then given greedily, best score first, one column per role.
//! The user can correct every choice in the mapping panel; [`Mapping::set`]
//! re-derives what depends on it.
//!
//! - `role.rs`: [`Role`] and [`DataKind`];
//! - `synonyms.rs`: the header-name tables ([`SYNONYMS`]) and [`normalise`];
//! - `detect.rs`: [`detect_mapping`] and the value checks it makes;
//! - `mapping.rs`: [`Mapping`] and the user's changes to it ([`Mapping::set`],
//!   [`Mapping::set_kind`], [`Mapping::set_time_format`]).
//!
//! The side and maker/taker cell readers live in `ingest/cells.rs` and are
//! re-exported here.

mod detect;
mod mapping;
mod role;
mod synonyms;

pub use crate::ingest::cells::{liquidity_true_is_taker, parse_liquidity, parse_side, side_is_boolean_buyer};
pub use detect::{
    detect_mapping, detect_mapping_with_unique, is_row_index, MIN_SAMPLE_ROWS, SAMPLE_CELLS, SAMPLE_ROWS,
};
pub(crate) use mapping::too_many_numeric_columns;
pub use mapping::{Mapping, MAX_FEATURE_COLUMNS};
pub use role::{DataKind, Role};
pub use synonyms::{normalise, SYNONYMS};
