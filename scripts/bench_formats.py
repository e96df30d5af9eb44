"""Writes the 1M-trade benchmark file as an Excel workbook, for the read-time
comparison in BENCHMARKS.md ("The same trades in each format"):

    python scripts/bench_formats.py target/bench-data/trades_1m.csv [ROWS]

writes, next to the CSV, `<name>.xlsx` (openpyxl's write-only mode: numbers
as numbers, times as Excel date serials, as a spreadsheet export stores
them; `<name>_<ROWS/1000>k.xlsx` of the first ROWS data rows if given;
Excel's limit is 1,048,576 rows a sheet). The gzip and Parquet copies are
written by scripts/test.sh. Needs openpyxl (tests/fixtures/requirements.txt).
"""
import csv
import sys
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

src = Path(sys.argv[1])
rows = int(sys.argv[2]) if len(sys.argv) > 2 else None
stem = src.with_suffix("")

NUMERIC = {"quantity", "price", "leverage", "fee", "realized_pnl"}
wb = Workbook(write_only=True)
ws = wb.create_sheet("trades")
with open(src, newline="") as f:
    reader = csv.reader(f)
    header = next(reader)
    ws.append(header)
    kinds = ["num" if h in NUMERIC else "time" if h == "timestamp" else "text" for h in header]
    for n, rec in enumerate(reader):
        if rows is not None and n >= rows:
            break
        ws.append([
            float(v) if k == "num" and v != "" else
            datetime.fromisoformat(v.replace("Z", "")) if k == "time" and v != "" else v
            for k, v in zip(kinds, rec)
        ])
out = f"{stem}.xlsx" if rows is None else f"{stem}_{rows // 1000}k.xlsx"
wb.save(out)
print(f"wrote {out}")
