"""scikit-learn side of scripts/bench-kmeans.sh: the same fits on the same
files as benches/kmeans.rs, single-threaded, printed as JSON lines.

Reads target/bench-data/blobs_<n>.f64 (little-endian f64, n x 12) for each n
given on the command line.
"""

import json
import sys
import time
from pathlib import Path

import numpy as np
import sklearn
from sklearn.cluster import KMeans, MiniBatchKMeans
from threadpoolctl import threadpool_limits

D, K = 12, 6
DATA = Path(__file__).resolve().parent.parent / "target" / "bench-data"


def best(fit, repeats):
    out = None
    for _ in range(repeats):
        t = time.perf_counter()
        m = fit()
        s = time.perf_counter() - t
        if out is None or s < out[0]:
            out = (s, m)
    return out


def main():
    with threadpool_limits(limits=1):
        for n in map(int, sys.argv[1:]):
            X = np.fromfile(DATA / f"blobs_{n}.f64", dtype="<f8").reshape(n, D)
            repeats = 3 if n >= 1_000_000 else 5
            fits = {
                "lloyd_fixed": lambda: KMeans(K, init=X[:K], n_init=1, max_iter=20, tol=0.0,
                                              algorithm="lloyd").fit(X),
                "lloyd": lambda: KMeans(K, n_init=1, random_state=0, algorithm="lloyd").fit(X),
                "elkan": lambda: KMeans(K, n_init=1, random_state=0, algorithm="elkan").fit(X),
                "minibatch": lambda: MiniBatchKMeans(K, random_state=0, n_init=3).fit(X),
            }
            for name, fit in fits.items():
                s, m = best(fit, repeats)
                it = int(m.n_iter_) if name != "minibatch" else int(m.n_steps_)
                print(json.dumps({"impl": f"scikit-learn {sklearn.__version__}", "algorithm": name, "n": n,
                                  "d": D, "k": K, "seconds": round(s, 6), "n_iter": it,
                                  "ms_per_iter": round(s * 1e3 / max(it, 1), 3),
                                  "inertia": round(float(m.inertia_), 6)}), flush=True)


if __name__ == "__main__":
    main()
