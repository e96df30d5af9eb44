"""Runs segscope's scoring scripts in real engines and compares them with the app.

For each case directory written by `cargo run --example sql_cases` (the app's
features and segments, the model, duckdb.sql and spark.sql, and the input
file), runs the script in DuckDB (the `duckdb` package) and, with --spark, in
Spark SQL (`pyspark`, local mode), from the case directory (the script reads
the input by its name), and checks:
- every feature of every account to 1e-9 relative (or 1e-9 absolute near 0),
  NULL exactly where the app has no value;
- the same accounts, and at least 99.9 % in the same segment, every
  disagreement a near-tie (the app's own margin below 1e-6);
- PC1 and PC2 to 1e-6 absolute;
- the script's own self-check (segscope_self_check) finds no missing account,
  full label agreement and every feature within 1e-9.
Prints one line of figures per case and engine; exits 1 on any failure.

Usage: python tests/sql/check.py [--spark] CASE_DIR ...
"""

import csv
import math
import os
import sys

FEATURE_RTOL = 1e-9
PC_ATOL = 1e-6
NEAR_TIE = 1e-6
MIN_AGREEMENT = 0.999


def statements(path):
    text = open(path, encoding="utf-8").read()
    out = []
    for part in text.split(";\n"):
        body = "\n".join(line for line in part.splitlines() if not line.startswith("--")).strip()
        if body:
            out.append(body)
    return out


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def as_float(v):
    if v is None or v == "":
        return None
    v = float(v)
    return None if math.isnan(v) else v


def from_assignments(path, feature_columns):
    """The app's features and segments from the page's own **Download
    assignments** (written by the e2e test): the feature columns by name,
    and no margin (the near-tie check then uses the script's)."""
    head, rows = read_csv(path)
    at = {c: i for i, c in enumerate(head)}
    names = [c for c in feature_columns[1:] if c in at]
    fh = ["account_id"] + names
    app_f = [[r[0]] + [r[at[n]] for n in names] for r in rows]
    app_s = [[r[0], r[at["segment"]], r[at["pc1"]], r[at["pc2"]], ""] for r in rows]
    return fh, app_f, ["account_id", "segment", "pc1", "pc2", "margin"], app_s


def run_duckdb(case):
    import duckdb

    con = duckdb.connect()
    parts = statements(os.path.join(case, "duckdb.sql"))
    for s in parts[:-1]:
        con.execute(s)
    result = con.execute(parts[-1])
    cols = [d[0] for d in result.description]
    rows = result.fetchall()
    fcur = con.execute("SELECT * FROM segscope_features")
    fcols = [d[0] for d in fcur.description]
    frows = fcur.fetchall()
    return cols, rows, fcols, frows, con.execute("SELECT * FROM segscope_self_check").fetchall()


def spark_session(app, **conf):
    """A local Spark session on two cores, quiet, in UTC, with `conf` set."""
    from pyspark.sql import SparkSession

    b = SparkSession.builder.master("local[2]").appName(app)
    for k, v in {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.sql.session.timeZone": "UTC",
        **conf,
    }.items():
        b = b.config(k, v)
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def agreement_failures(agree, n, disagreements):
    """The agreement rule: at least MIN_AGREEMENT of the accounts in the app's
    segment, and every disagreement (account, app, other, margin) a near-tie."""
    failures = []
    share = agree / n if n else 0.0
    not_ties = [d for d in disagreements if d[3] is None or d[3] >= NEAR_TIE]
    if share < MIN_AGREEMENT:
        failures.append(f"agreement {share:.5f} below {MIN_AGREEMENT}")
    if not_ties:
        failures.append(f"{len(not_ties)} disagreements are not near-ties, e.g. {not_ties[:3]}")
    return share, failures


_spark = None


def run_spark(case):
    global _spark
    if _spark is None:
        _spark = spark_session("segscope-sql-check", **{"spark.sql.shuffle.partitions": "4"})
    parts = statements(os.path.join(case, "spark.sql"))
    # The JVM keeps the directory it started in: give the input's path whole.
    parts[0] = parts[0].replace("OPTIONS (path '", "OPTIONS (path '" + os.path.abspath(case) + "/")
    for s in parts[:-1]:
        _spark.sql(s)
    df = _spark.sql(parts[-1])
    cols = df.columns
    rows = [tuple(r) for r in df.collect()]
    fdf = _spark.sql("SELECT * FROM segscope_features")
    check = [tuple(r) for r in _spark.sql("SELECT * FROM segscope_self_check").collect()]
    return cols, rows, fdf.columns, [tuple(r) for r in fdf.collect()], check


def compare(case, engine, run):
    cwd = os.getcwd()
    os.chdir(case)
    try:
        cols, rows, fcols, frows, self_check = run(".")
    finally:
        os.chdir(cwd)
    failures = []
    if os.path.exists(os.path.join(case, "assignments.csv")):
        fh, app_f, sh, app_s = from_assignments(os.path.join(case, "assignments.csv"), fcols)
    else:
        fh, app_f = read_csv(os.path.join(case, "features.csv"))
        sh, app_s = read_csv(os.path.join(case, "segments.csv"))
    app_features = {r[0]: r[1:] for r in app_f}
    sql_features = {r[0]: r[1:] for r in frows}
    if fcols[0] != "account_id" or list(fcols[1:]) != fh[1:]:
        failures.append(f"feature columns {fcols} != {fh}")
    if set(app_features) != set(sql_features):
        only_app = sorted(set(app_features) - set(sql_features))[:5]
        only_sql = sorted(set(sql_features) - set(app_features))[:5]
        failures.append(f"accounts differ: {len(app_features)} in the app, {len(sql_features)} in SQL; app only {only_app}, SQL only {only_sql}")
    worst = {}
    mismatched = 0
    for acc, vals in app_features.items():
        got = sql_features.get(acc)
        if got is None:
            continue
        for name, a, b in zip(fh[1:], vals, got):
            a, b = as_float(a), as_float(b)
            if a is None or b is None:
                if (a is None) != (b is None):
                    mismatched += 1
                    if mismatched <= 5:
                        failures.append(f"{acc} {name}: app {a}, SQL {b}")
                continue
            err = abs(a - b) / max(abs(a), abs(b), 1.0)
            worst[name] = max(worst.get(name, 0.0), err)
    for name, err in worst.items():
        if err > FEATURE_RTOL:
            failures.append(f"feature {name}: max relative error {err:.3g}")
    idx = {c: i for i, c in enumerate(cols)}
    sql_rows = {r[idx["account_id"]]: r for r in rows}
    agree = 0
    disagreements = []
    pc_err = 0.0
    for r in app_s:
        acc, segment, pc1, pc2, margin = r[0], int(r[1]), float(r[2]), float(r[3]), as_float(r[4])
        got = sql_rows.get(acc)
        if got is None:
            continue
        if int(got[idx["segment"]]) == segment:
            agree += 1
        else:
            disagreements.append((acc, segment, got[idx["segment"]], margin if margin is not None else got[idx["margin"]]))
        pc_err = max(pc_err, abs(pc1 - got[idx["pc1"]]), abs(pc2 - got[idx["pc2"]]))
    n = len(app_s)
    share, more = agreement_failures(agree, n, disagreements)
    failures += more
    if pc_err > PC_ATOL:
        failures.append(f"PC error {pc_err:.3g}")
    # The script's own self-check must say the same.
    figures = dict(self_check)
    check_err = max((v for k, v in figures.items() if k.startswith("max_relative_error:")), default=0.0)
    if figures.get("missing", 1) != 0 or figures.get("label_agreement", 0) != 1.0 or check_err > FEATURE_RTOL:
        failures.append(f"self-check: {figures}")
    worst_all = max(worst.values()) if worst else 0.0
    print(
        f"{os.path.basename(case)} {engine}: {n} accounts, {len(fh) - 1} features, max feature rel. error {worst_all:.2e}, "
        f"agreement {agree}/{n} ({100 * share:.3f} %), {len(disagreements)} disagreements (all near-ties), max PC error {pc_err:.2e}; "
        f"self-check: {figures.get('accounts', 0):.0f} accounts, agreement {figures.get('label_agreement', 0):.4f}, "
        f"{figures.get('near_ties_excluded', 0):.0f} near-ties excluded, max feature error {check_err:.2e}"
        + ("" if not failures else " FAILED")
    )
    for f in failures:
        print("   ", f)
    return not failures


def main():
    args = sys.argv[1:]
    spark = "--spark" in args
    cases = [a for a in args if a != "--spark"]
    ok = True
    for case in cases:
        ok &= compare(case, "duckdb", run_duckdb)
        if spark:
            ok &= compare(case, "spark", run_spark)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
