"""The pipeline benchmark's reference: pandas + scikit-learn, single thread,
on the same files as the browser (scripts/bench.sh runs both).

Per file: read (pandas.read_csv), per-account features (groupby; the same
features segscope computes from the same columns), then scale + PCA +
KMeans(k=6, n_init=10): median imputation, ln(1+x) of skewed non-negative
features, StandardScaler, PCA, KMeans. Prints one JSON line per file with
seconds per stage. For a one-row-per-customer table the feature stage is
empty.

Usage: OMP_NUM_THREADS=1 python scripts/bench_pipeline_pandas.py FILE...
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits


def instrument_type(names: pd.Series) -> pd.DataFrame:
    u = names.str.upper()
    option = u.str.contains(r"-\d+-[CP]$")
    perp = ~option & u.str.contains("PERP")
    future = ~option & ~perp & u.str.contains(r"-\d{1,2}[A-Z]{3}\d{2}$")
    spot = ~option & ~perp & ~future & u.str.contains("/")
    return pd.DataFrame({"spot": spot, "perpetual": perp, "future": future, "option": option,
                         "put": option & u.str.endswith("-P")})


def trade_features(df: pd.DataFrame) -> pd.DataFrame:
    t = pd.to_datetime(df["timestamp"], utc=True)
    notional = (df["quantity"] * df["price"]).abs()
    kinds = instrument_type(df["instrument"])
    sign = np.where(df["side"].str.lower() == "buy", 1.0, -1.0)
    d = pd.DataFrame({
        "account": df["account_id"], "t": t, "day": t.dt.floor("D"), "notional": notional,
        "leverage": df["leverage"], "fee": df["fee"], "pnl": df["realized_pnl"],
        "win": (df["realized_pnl"] > 0).astype(float), "pnl_nz": (df["realized_pnl"] != 0).astype(float),
        "maker": (df["liquidity"].str.lower() == "maker").astype(float),
        "signed": sign * notional, "instrument": df["instrument"],
    })
    for k in ["spot", "perpetual", "future", "option", "put"]:
        d[k] = kinds[k] * notional
    g = d.groupby("account", sort=False)
    last_all = t.max()
    f = pd.DataFrame({
        "trade_count": g.size(),
        "recency_days": (last_all - g["t"].max()).dt.total_seconds() / 86400,
        "tenure_days": (g["t"].max() - g["t"].min()).dt.total_seconds() / 86400,
        "active_days": g["day"].nunique(),
        "total_notional": g["notional"].sum(),
        "median_notional": g["notional"].median(),
        "mean_leverage": g["leverage"].mean(),
        "max_leverage": g["leverage"].max(),
        "long_short_bias": g["signed"].sum() / g["notional"].sum(),
        "maker_share": g["maker"].mean(),
        "total_fees": g["fee"].sum(),
        "realized_pnl": g["pnl"].sum(),
        "win_rate": g["win"].sum() / g["pnl_nz"].sum(),
        "distinct_instruments": g["instrument"].nunique(),
    })
    f["trades_per_active_day"] = f["trade_count"] / f["active_days"]
    typed = g[["spot", "perpetual", "future", "option"]].sum()
    for k in ["spot", "perpetual", "future", "option"]:
        f[f"{k}_share"] = typed[k] / typed.sum(axis=1)
    f["put_share"] = g["put"].sum() / typed["option"]
    return f


def analyse(x: np.ndarray) -> None:
    x = np.where(np.isfinite(x), x, np.nan)
    med = np.nanmedian(x, axis=0)
    x = np.where(np.isnan(x), med, x)
    mean, sd = x.mean(axis=0), x.std(axis=0)
    skew = ((x - mean) ** 3).mean(axis=0) / np.where(sd > 0, sd, 1) ** 3
    logged = (np.abs(skew) > 1) & (x.min(axis=0) >= 0)
    x[:, logged] = np.log1p(x[:, logged])
    x = x[:, x.std(axis=0) > 0]
    z = StandardScaler().fit_transform(x)
    PCA().fit_transform(z)
    KMeans(n_clusters=6, n_init=10, random_state=0).fit(z)


def main() -> None:
    for path in sys.argv[1:]:
        with threadpool_limits(1):
            t0 = time.perf_counter()
            df = pd.read_csv(path, dtype={"account_id": str, "customer_id": str})
            t1 = time.perf_counter()
            if "customer_id" in df.columns:
                f = df.set_index("customer_id")
            else:
                f = trade_features(df)
            t2 = time.perf_counter()
            analyse(f.to_numpy(dtype=float))
            t3 = time.perf_counter()
        print(json.dumps({"impl": "pandas+scikit-learn", "file": path.rsplit("/", 1)[-1], "rows": len(df), "accounts": len(f),
                          "read_s": t1 - t0, "features_s": t2 - t1, "analysis_s": t3 - t2, "total_s": t3 - t0}), flush=True)


if __name__ == "__main__":
    main()
