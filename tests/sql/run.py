"""Runs a segscope scoring script in one engine and writes its result.

Usage: python tests/sql/run.py duckdb|spark SCRIPT.sql OUT_DIR
(run from the directory holding the input the script reads). Writes the
result (one row per account) as CSV under OUT_DIR and prints one JSON line:
engine, seconds (wall, statements and result written), accounts, and the
peak resident memory of the process tree (the JVM included), sampled every 0.5 s.
"""

import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check import spark_session, statements  # noqa: E402


def tree_rss_mb():
    """Resident memory of this process and all its descendants (the JVM of Spark), MB."""
    parents, rss = {}, {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                parents[int(pid)] = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/statm") as f:
                rss[int(pid)] = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            pass
    mine, frontier = {os.getpid()}, [os.getpid()]
    while frontier:
        p = frontier.pop()
        for c, pp in parents.items():
            if pp == p and c not in mine:
                mine.add(c)
                frontier.append(c)
    return sum(rss.get(p, 0) for p in mine) / 2**20


def main():
    engine, script, out = sys.argv[1:4]
    parts = statements(script)
    os.makedirs(out, exist_ok=True)
    peak = [0.0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_mb())
            time.sleep(0.5)

    threading.Thread(target=sample, daemon=True).start()
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
        spark = spark_session("segscope-sql-bench", **{"spark.driver.memory": "6g"})
        parts[0] = parts[0].replace("OPTIONS (path '", "OPTIONS (path '" + os.getcwd() + "/")
        for s in parts[:-1]:
            spark.sql(s)
        target = os.path.join(os.path.abspath(out), "spark")
        spark.sql(parts[-1]).write.mode("overwrite").option("header", "true").csv(target)
        accounts = spark.read.option("header", "true").csv(target).count()
    seconds = round(time.time() - start, 1)
    done.set()
    print(json.dumps({"engine": engine, "seconds": seconds, "accounts": accounts, "peak_rss_mb": round(peak[0])}))


if __name__ == "__main__":
    main()
