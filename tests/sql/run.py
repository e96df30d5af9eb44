"""Runs a segscope scoring script in one engine and writes its result.

Usage: python tests/sql/run.py duckdb|spark SCRIPT.sql OUT_DIR
(run from the directory holding the input the script reads). Writes the
result (one row per account) as CSV under OUT_DIR and prints one JSON line:
engine, seconds (wall, statements and result written), accounts.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check import statements  # noqa: E402


def main():
    engine, script, out = sys.argv[1:4]
    parts = statements(script)
    os.makedirs(out, exist_ok=True)
    start = time.time()
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect()
        for s in parts[:-1]:
            con.execute(s)
        target = os.path.join(out, "duckdb.csv")
        con.execute(f"COPY ({parts[-1]}) TO '{target}' (HEADER)")
        accounts = con.execute(f"SELECT count(*) FROM read_csv('{target}')").fetchone()[0]
    else:
        from pyspark.sql import SparkSession

        spark = (
            SparkSession.builder.master("local[2]")
            .appName("segscope-sql-bench")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.memory", "6g")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        parts[0] = parts[0].replace("OPTIONS (path '", "OPTIONS (path '" + os.getcwd() + "/")
        for s in parts[:-1]:
            spark.sql(s)
        target = os.path.join(os.path.abspath(out), "spark")
        spark.sql(parts[-1]).write.mode("overwrite").option("header", "true").csv(target)
        accounts = spark.read.option("header", "true").csv(target).count()
    print(json.dumps({"engine": engine, "seconds": round(time.time() - start, 1), "accounts": accounts}))


if __name__ == "__main__":
    main()
