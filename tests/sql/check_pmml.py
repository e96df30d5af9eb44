"""Validates segscope's PMML exports and scores them with JPMML's evaluator.

For each case directory holding a `model.pmml` (k-means cases written by
`cargo run --example sql_cases`, and the page's own **Download PMML** saved
by the e2e test): validates it against the PMML 4.4 schema JPMML ships
(`pmml.xsd` in its `pmml-model` jar, pinned with `jpmml_evaluator`), scores
the app's own per-account features with it (JPMML's evaluator, Java through
py4j) and checks that at least 99.9 % of accounts get the app's segment,
every disagreement a near-tie. Prints one line per case; exits 1 on failure.

Usage: python tests/sql/check_pmml.py CASE_DIR ...
"""

import glob
import math
import os
import sys
import zipfile

from lxml import etree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check import read_csv, from_assignments, as_float, agreement_failures  # noqa: E402


def schema():
    import jpmml_evaluator

    jars = glob.glob(os.path.join(os.path.dirname(jpmml_evaluator.__file__), "dependencies", "pmml-model-[0-9]*.jar"))
    with zipfile.ZipFile(jars[0]) as z:
        return etree.XMLSchema(etree.fromstring(z.read("pmml.xsd"))), os.path.basename(jars[0])


_evaluator_backend = None


def evaluate(path, rows, fields):
    """The segment JPMML gives each row (a dict field -> value or None)."""
    global _evaluator_backend
    from jpmml_evaluator import make_backend, make_evaluator

    if _evaluator_backend is None:
        _evaluator_backend = make_backend("py4j")
    evaluator = make_evaluator(path, backend=_evaluator_backend).verify()
    out = []
    for r in rows:
        result = evaluator.evaluate({f: r.get(f) for f in fields})
        out.append(int(result["segment"]))
    return out


def check(case, xsd):
    path = os.path.join(case, "model.pmml")
    doc = etree.parse(path)
    failures = []
    if not xsd.validate(doc):
        failures.append(f"not valid PMML 4.4: {xsd.error_log.last_error}")
    ns = {"p": "http://www.dmg.org/PMML-4_4"}
    fields = [f.get("name") for f in doc.findall(".//p:MiningField", ns)]
    if os.path.exists(os.path.join(case, "assignments.csv")):
        head = ["account_id"] + [f.get("name") for f in doc.findall(".//p:DataField", ns)]
        fh, app_f, _, app_s = from_assignments(os.path.join(case, "assignments.csv"), head)
    else:
        fh, app_f = read_csv(os.path.join(case, "features.csv"))
        _, app_s = read_csv(os.path.join(case, "segments.csv"))
    rows = [{name: as_float(v) for name, v in zip(fh[1:], r[1:])} for r in app_f]
    try:
        got = evaluate(path, rows, fields)
    except Exception as e:  # JPMML refuses what it cannot read: report it as this case's failure
        print(f"{os.path.basename(case)} pmml: FAILED, JPMML refused it: {str(e).splitlines()[0][:300]}")
        return False
    agree, disagreements = 0, []
    for r, g in zip(app_s, got):
        if int(r[1]) == g:
            agree += 1
        else:
            disagreements.append((r[0], r[1], g, as_float(r[4])))
    n = len(app_s)
    share, more = agreement_failures(agree, n, disagreements)
    failures += more
    print(
        f"{os.path.basename(case)} pmml: valid={not failures or 'not valid' not in failures[0]}, {n} accounts, "
        f"agreement {agree}/{n} ({100 * share:.3f} %), {len(disagreements)} disagreements (all near-ties)" + ("" if not failures else " FAILED")
    )
    for f in failures:
        print("   ", f)
    return not failures


def main():
    xsd, jar = schema()
    print(f"# PMML schema: pmml.xsd from {jar}")
    cases = [c for c in sys.argv[1:] if os.path.exists(os.path.join(c, "model.pmml"))]
    ok = True
    try:
        for case in cases:
            ok &= check(case, xsd)
    finally:
        # The py4j gateway's JVM outlives this process unless shut down.
        if _evaluator_backend is not None:
            from jpmml_evaluator.py4j import Py4JBackend

            Py4JBackend.destroyGateway()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
