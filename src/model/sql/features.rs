//! The per-account features as SQL views, as [`crate::features`] computes
//! them: rows read and left out as the app does (`segscope_rows`), running
//! totals per account (`segscope_totals`), and the catalogue's formulas over them
//! (`segscope_features`, one column per feature of the model, named by its
//! key). A customer table's features are its numeric columns.

use super::cells;
use super::{Dialect, SqlError};
use crate::ingest::roles::{liquidity_true_is_taker, side_is_boolean_buyer};
use crate::ingest::time::MS_PER_DAY;
use crate::ingest::{DataKind, Role};
use crate::model::Model;

/// The column of `role` in the model's mapping, if mapped.
fn column(model: &Model, role: Role) -> Option<&str> {
    model.data.columns.iter().find(|c| c.role == role).map(|c| c.column.as_str())
}

/// A customer table: the id column and each feature column read as a number.
pub(super) fn customer_features(model: &Model, d: Dialect) -> Result<String, SqlError> {
    let Some(id) = column(model, Role::Account) else {
        return Err(SqlError::Unsupported(
            "the model's table has no customer id column, and rows have no order an SQL engine keeps".into(),
        ));
    };
    if model.data.feature_columns.len() != model.features.len() {
        return Err(SqlError::Model(format!(
            "{} feature columns for {} features",
            model.data.feature_columns.len(),
            model.features.len()
        )));
    }
    let cols: Vec<String> = model
        .data
        .feature_columns
        .iter()
        .zip(&model.features)
        .map(|(c, f)| format!("  {} AS {}", cells::number(d, &cells::text(d, c)), d.ident(&f.key)))
        .collect();
    Ok(format!(
        "-- One row per customer: the features are the columns, read as numbers (NULL when missing).\n\
         CREATE OR REPLACE TEMPORARY VIEW segscope_features AS\nSELECT\n  {} AS account_id,\n{}\nFROM segscope_input;\n\n",
        cells::text(d, id),
        cols.join(",\n")
    ))
}

/// Trades or transactions: rows, totals per account, features.
pub(super) fn account_features(model: &Model, d: Dialect) -> Result<String, SqlError> {
    let kind = model.data.kind;
    let Some(account) = column(model, Role::Account) else {
        return Err(SqlError::Model("no account column".into()));
    };
    let col = |r: Role| column(model, r);
    let time_format = col(Role::Timestamp).and(model.data.time_format);
    let real_time = time_format.is_some_and(|f| f.is_time());
    let has_notional = col(Role::Notional).is_some() || (col(Role::Quantity).is_some() && col(Role::Price).is_some());
    let qp_required = has_notional && col(Role::Notional).is_none();

    // 1. Cells as trimmed text.
    let mut cell_cols = vec![format!("  {} AS account_id", cells::text(d, account))];
    let roles = [
        (Role::Timestamp, "t_cell"),
        (Role::Order, "order_id"),
        (Role::Instrument, "instrument"),
        (Role::InstrumentType, "type_cell"),
        (Role::OptionType, "option_cell"),
        (Role::Side, "side_cell"),
        (Role::Quantity, "qty_cell"),
        (Role::Price, "price_cell"),
        (Role::Notional, "notional_cell"),
        (Role::Leverage, "lev_cell"),
        (Role::Fee, "fee_cell"),
        (Role::Pnl, "pnl_cell"),
        (Role::Liquidity, "liq_cell"),
    ];
    for (role, alias) in roles {
        if let Some(c) = col(role) {
            cell_cols.push(format!("  {} AS {alias}", cells::text(d, c)));
        }
    }
    let mut out = format!(
        "-- Each row's cells as trimmed text.\nCREATE OR REPLACE TEMPORARY VIEW segscope_cells AS\nSELECT\n{}\nFROM segscope_input;\n\n",
        cell_cols.join(",\n")
    );

    // 2. Instrument types inferred once per distinct name.
    let trades = kind == DataKind::Trades;
    if trades && col(Role::Instrument).is_some() {
        let (ty, option) = cells::inferred(d, "u");
        out.push_str(&format!(
            "-- Instrument type and option kind inferred from each distinct name (the app's rules).\n\
             CREATE OR REPLACE TEMPORARY VIEW segscope_instruments AS\nSELECT name,\n  {ty} AS inferred_type,\n  {option} AS inferred_kind\n\
             FROM (SELECT DISTINCT COALESCE(instrument, '') AS name, upper(COALESCE(instrument, '')) AS u FROM segscope_cells) AS names;\n\n"
        ));
    }

    // 3. Rows read as the app reads them; rows it leaves out left out.
    let n = |alias: &str| cells::number(d, alias);
    let mut row_cols = vec!["  c.account_id".to_string()];
    let account_ok = format!("NOT {}", cells::missing("c.account_id"));
    if let Some(f) = time_format {
        row_cols.push(format!("  {} AS ts", cells::time(d, f, "c.t_cell")));
    }
    let num_col = |role: Role, cell: &str| col(role).map(|_| n(&format!("c.{cell}")));
    let qty = num_col(Role::Quantity, "qty_cell");
    let price = num_col(Role::Price, "price_cell");
    let notional_col = num_col(Role::Notional, "notional_cell");
    // Signed notional: the notional column, else quantity x |price|.
    let signed = match (&notional_col, &qty, &price) {
        (Some(v), _, _) => Some(v.clone()),
        (None, Some(q), Some(p)) => Some(format!("({q}) * abs({p})")),
        _ => None,
    };
    if let Some(s) = &signed {
        row_cols.push(format!("  {s} AS signed"));
    }
    for (role, cell, alias) in
        [(Role::Leverage, "lev_cell", "lev"), (Role::Fee, "fee_cell", "fee"), (Role::Pnl, "pnl_cell", "pnl")]
    {
        if let Some(v) = num_col(role, cell) {
            row_cols.push(format!("  {v} AS {alias}"));
        }
    }
    if col(Role::Order).is_some() {
        row_cols.push("  COALESCE(c.order_id, '') AS order_id".into());
    }
    if col(Role::Instrument).is_some() {
        row_cols.push("  COALESCE(c.instrument, '') AS instrument".into());
    }
    if trades {
        if col(Role::Instrument).is_some() {
            let given = col(Role::InstrumentType).map(|_| cells::instrument_type("c.type_cell"));
            let ty = match &given {
                Some(g) => format!("COALESCE({g}, i.inferred_type)"),
                None => "i.inferred_type".into(),
            };
            row_cols.push(format!("  {ty} AS ty"));
            let kind = match col(Role::OptionType) {
                Some(_) => format!("COALESCE({}, i.inferred_kind)", cells::option_kind("c.option_cell")),
                None => "i.inferred_kind".into(),
            };
            row_cols.push(format!("  {kind} AS option_kind"));
        }
        let side = match (col(Role::Side), &signed) {
            (Some(c), _) => Some(cells::side("c.side_cell", side_is_boolean_buyer(c))),
            (None, Some(s)) => Some(format!("CASE WHEN {s} > 0 THEN 1 WHEN {s} < 0 THEN -1 END")),
            _ => None,
        };
        if let Some(s) = side {
            row_cols.push(format!("  {s} AS side"));
        }
    }
    if let Some(c) = col(Role::Liquidity) {
        row_cols.push(format!("  {} AS maker", cells::liquidity("c.liq_cell", liquidity_true_is_taker(c))));
    }
    let mut keep_cells = Vec::new();
    if qp_required {
        keep_cells.push(format!("{} IS NOT NULL", qty.clone().unwrap_or_default()));
        keep_cells.push(format!("{} IS NOT NULL", price.clone().unwrap_or_default()));
    }
    if let Some(v) = &notional_col {
        keep_cells.push(format!("{v} IS NOT NULL"));
    }
    let join = if trades && col(Role::Instrument).is_some() {
        "\n  LEFT JOIN segscope_instruments AS i ON i.name = COALESCE(c.instrument, '')"
    } else {
        ""
    };
    let where_cells = if keep_cells.is_empty() { String::new() } else { format!(" AND {}", keep_cells.join(" AND ")) };
    out.push_str(&format!(
        "-- Each row read as the app reads it; rows without an account, a readable time or a required\n\
         -- number are left out (as the app does, which reports them).\n\
         CREATE OR REPLACE TEMPORARY VIEW segscope_rows AS\nSELECT * FROM (\nSELECT\n{}\nFROM segscope_cells AS c{join}\nWHERE {}{where_cells}\n) AS r\nWHERE {};\n\n",
        row_cols.join(",\n"),
        account_ok,
        if time_format.is_some() { "ts IS NOT NULL" } else { "true" },
    ));

    // 4. Totals per account.
    let weight = if signed.is_some() { "COALESCE(abs(signed), 1E0)" } else { "1E0" };
    let mut totals = vec!["  account_id".to_string(), "  CAST(count(*) AS DOUBLE) AS n".into()];
    if time_format.is_some() {
        totals.push("  min(ts) AS first_t".into());
        totals.push("  max(ts) AS last_t".into());
    }
    if real_time {
        totals.push(format!("  CAST(count(DISTINCT floor(ts / {})) AS DOUBLE) AS active_days", super::num(MS_PER_DAY)));
    }
    if signed.is_some() {
        if trades {
            totals.push("  COALESCE(sum(abs(signed)), 0E0) AS notional".into());
        } else {
            totals.push("  COALESCE(sum(signed), 0E0) AS notional".into());
            totals.push("  COALESCE(sum(CASE WHEN signed >= 0 THEN signed END), 0E0) AS purchases".into());
            totals.push("  COALESCE(sum(CASE WHEN signed < 0 THEN -signed END), 0E0) AS returns".into());
        }
    }
    if col(Role::Order).is_some() && !trades {
        let purchase = if signed.is_some() { "signed IS NULL OR signed >= 0" } else { "true" };
        totals.push(format!("  CAST(count(DISTINCT CASE WHEN {purchase} THEN order_id END) AS DOUBLE) AS orders"));
    }
    if col(Role::Leverage).is_some() {
        totals.push("  COALESCE(sum(lev), 0E0) AS lev_sum".into());
        totals.push("  CAST(count(lev) AS DOUBLE) AS lev_n".into());
        totals.push("  greatest(COALESCE(max(lev), 0E0), 0E0) AS lev_max".into());
    }
    if trades && col(Role::Instrument).is_some() {
        for t in ["spot", "perpetual", "future", "option"] {
            totals.push(format!("  COALESCE(sum(CASE WHEN ty = '{t}' THEN {weight} END), 0E0) AS by_{t}"));
        }
        totals.push(format!("  COALESCE(sum(CASE WHEN ty IS NOT NULL THEN {weight} END), 0E0) AS typed"));
        for k in ["put", "call"] {
            totals.push(format!(
                "  COALESCE(sum(CASE WHEN ty = 'option' AND option_kind = '{k}' THEN {weight} END), 0E0) AS {k}s"
            ));
        }
    }
    if trades && (col(Role::Side).is_some() || signed.is_some()) {
        totals.push(format!("  COALESCE(sum(CASE WHEN side = 1 THEN {weight} END), 0E0) AS buy"));
        totals.push(format!("  COALESCE(sum(CASE WHEN side = -1 THEN {weight} END), 0E0) AS sell"));
        totals.push(format!("  COALESCE(sum(CASE WHEN side IS NOT NULL THEN {weight} END), 0E0) AS sided"));
    }
    if col(Role::Liquidity).is_some() {
        totals.push("  CAST(COALESCE(sum(maker), 0) AS DOUBLE) AS makers".into());
        totals.push("  CAST(count(maker) AS DOUBLE) AS liq_n".into());
    }
    if col(Role::Fee).is_some() {
        totals.push("  COALESCE(sum(fee), 0E0) AS fees".into());
    }
    if col(Role::Pnl).is_some() {
        totals.push("  COALESCE(sum(pnl), 0E0) AS pnl".into());
        totals.push("  CAST(count(CASE WHEN pnl > 0 THEN 1 END) AS DOUBLE) AS wins".into());
        totals.push("  CAST(count(CASE WHEN pnl <> 0 THEN 1 END) AS DOUBLE) AS pnl_n".into());
    }
    if col(Role::Instrument).is_some() {
        totals.push("  CAST(count(DISTINCT instrument) AS DOUBLE) AS instruments".into());
    }
    if model.features.iter().any(|f| f.key == "median_notional") {
        // The middle value, or the mean of the two middle values (the engines interpolate; within an ulp).
        totals.push("  median(abs(signed)) AS median_notional".into());
    }
    out.push_str(&format!(
        "-- Running totals per account (sums over no value are 0, as the app's).\n\
         CREATE OR REPLACE TEMPORARY VIEW segscope_totals AS\nSELECT\n{}\nFROM segscope_rows\nGROUP BY account_id;\n\n",
        totals.join(",\n")
    ));

    // 5. The catalogue's formulas.
    let has_order = col(Role::Order).is_some();
    let mut feats = vec!["  a.account_id".to_string()];
    for f in &model.features {
        let Some(e) = formula(&f.key, kind, has_order) else {
            return Err(SqlError::Unsupported(format!("feature {} has no SQL formula", f.key)));
        };
        feats.push(format!("  {e} AS {}", d.ident(&f.key)));
    }
    // The file's last time is the latest of the accounts' last times.
    let from = if time_format.is_some() {
        "(SELECT *, max(last_t) OVER () AS t_max FROM segscope_totals) AS a"
    } else {
        "segscope_totals AS a"
    };
    out.push_str(&format!(
        "-- The features (NULL where the app has no value: it imputes the model's median there).\n\
         CREATE OR REPLACE TEMPORARY VIEW segscope_features AS\nSELECT\n{}\nFROM {from};\n\n",
        feats.join(",\n")
    ));
    Ok(out)
}

/// `num / den`, `NULL` unless `den > 0` (the app's `ratio`).
fn ratio(num: &str, den: &str) -> String {
    format!("CASE WHEN {den} > 0 THEN {num} / {den} END")
}

/// The SQL of the catalogue feature `key` over `segscope_totals` (`a`),
/// as [`crate::features::catalog::CATALOG`] defines it.
fn formula(key: &str, kind: DataKind, has_order: bool) -> Option<String> {
    let day = super::num(MS_PER_DAY);
    Some(match key {
        "trade_count" => "a.n".into(),
        "frequency" if has_order => "a.orders".into(),
        "frequency" => "a.n".into(),
        "recency_days" => format!("(a.t_max - a.last_t) / {day}"),
        "tenure_days" => format!("(a.last_t - a.first_t) / {day}"),
        "active_days" => "a.active_days".into(),
        "trades_per_active_day" => "a.n / greatest(a.active_days, 1E0)".into(),
        "recency_blocks" => "CAST(a.t_max - a.last_t AS DOUBLE)".into(),
        "tenure_blocks" => "CAST(a.last_t - a.first_t AS DOUBLE)".into(),
        "monetary" | "total_notional" => "a.notional".into(),
        "mean_basket" => format!("a.notional / greatest({}, 1E0)", if has_order { "a.orders" } else { "a.n" }),
        "return_share" => {
            "CASE WHEN a.purchases > 0 THEN a.returns / a.purchases WHEN a.returns > 0 THEN 1E0 ELSE 0E0 END".into()
        }
        "median_notional" => "a.median_notional".into(),
        "mean_leverage" => ratio("a.lev_sum", "a.lev_n"),
        "max_leverage" => "CASE WHEN a.lev_n > 0 THEN a.lev_max END".into(),
        "spot_share" => ratio("a.by_spot", "a.typed"),
        "perpetual_share" => ratio("a.by_perpetual", "a.typed"),
        "future_share" => ratio("a.by_future", "a.typed"),
        "option_share" => ratio("a.by_option", "a.typed"),
        "put_share" => ratio("a.puts", "(a.puts + a.calls)"),
        "long_short_bias" => ratio("(a.buy - a.sell)", "a.sided"),
        "maker_share" => ratio("a.makers", "a.liq_n"),
        "total_fees" => "a.fees".into(),
        "realized_pnl" => "a.pnl".into(),
        "win_rate" => ratio("a.wins", "a.pnl_n"),
        "distinct_instruments" if kind == DataKind::Trades => "a.instruments".into(),
        "distinct_products" if kind == DataKind::Transactions => "a.instruments".into(),
        _ => return None,
    })
}
