"""Generate scikit-learn HDBSCAN reference values for segscope's Rust tests.

Writes tests/golden/sklearn_hdbscan.json (full float precision, nothing rounded).
`datasets`: each input X, already standardised where the source says so, as
numbers (`X`) and as the bit patterns of the float64s (`X_bits`, row-major
unsigned integers, which the Rust test reads so that its input is bit-for-bit
sklearn's: serde_json's default float parser is off by an ulp on ~10% of these
numbers). `cases`: a dataset, the parameters, and sklearn's `labels_` and
`probabilities_` from `HDBSCAN(min_cluster_size, min_samples)` with every other
parameter at its default (euclidean, eom, allow_single_cluster=False,
cluster_selection_epsilon=0, alpha=1).

Each case also records `labels_stable_sort` / `probabilities_stable_sort`:
sklearn's own pipeline (`mst_from_data_matrix`, `make_single_linkage`,
`tree_to_labels`, exactly as `HDBSCAN.fit` calls them) with the MST edges sorted
by `np.argsort(kind="stable")` instead of numpy's default `np.argsort`, and
`tie_sensitive`, whether that changes the answer. Equal MST weights are common
in HDBSCAN (an edge's weight is often a core distance); their order decides the
shape of the single-linkage tree and can move points between a cluster and
noise. numpy's default argsort is unstable and its order for ties depends on
the CPU (AVX-512, AVX2 or scalar code, `versions.numpy_simd` records which ran),
so for a tie-sensitive case sklearn's `labels_` differ between machines.
segscope sorts stably and is compared exactly with the stable-sort reference.

Rerun from the repository root (same environment as make_golden.py):

    python3 -m venv /tmp/goldenvenv && . /tmp/goldenvenv/bin/activate \
        && pip install -r tests/golden/requirements.txt \
        && python tests/golden/make_golden_hdbscan.py
"""

import json
import platform
from pathlib import Path

import numpy as np
import sklearn
from sklearn.cluster import HDBSCAN
from sklearn.cluster._hdbscan._linkage import make_single_linkage, mst_from_data_matrix
from sklearn.cluster._hdbscan._tree import tree_to_labels
from sklearn.datasets import load_iris, load_wine, make_blobs
from sklearn.metrics import DistanceMetric
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

OUT = Path(__file__).with_name("sklearn_hdbscan.json")
SKV = sklearn.__version__


def py(a):
    """numpy array/scalar -> plain Python lists/floats/ints (repr-exact)."""
    return np.asarray(a).tolist()


def numpy_simd():
    """The SIMD extensions numpy dispatches to on this machine (as `np.show_runtime()` lists them)."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
        return [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
    except ImportError:
        return "unknown"


def inputs():
    bundled = f"bundled in the scikit-learn {SKV} wheel"
    yield "iris", f"load_iris ({bundled}) through StandardScaler", StandardScaler().fit_transform(
        load_iris(return_X_y=True)[0])
    yield "wine", f"load_wine ({bundled}) through StandardScaler", StandardScaler().fit_transform(
        load_wine(return_X_y=True)[0])

    X, _ = make_blobs(n_samples=400, centers=3, cluster_std=[1.0, 2.5, 0.5], random_state=170)
    lo, hi = X.min(axis=0), X.max(axis=0)
    noise = np.random.RandomState(0).uniform(lo, hi, size=(10, 2))
    yield "blobs_noise", (f"make_blobs(n_samples=400, centers=3, cluster_std=[1.0, 2.5, 0.5], "
                          "random_state=170) then 10 points uniform over the bounding box from "
                          "np.random.RandomState(0).uniform(lo, hi, size=(10, 2))"), np.vstack([X, noise])

    X, _ = make_blobs(n_samples=500, centers=3, random_state=170)
    yield "aniso", ("make_blobs(n_samples=500, centers=3, random_state=170) then "
                    "X @ [[0.6, -0.6], [-0.4, 0.8]]"), X @ np.array([[0.6, -0.6], [-0.4, 0.8]])


def stable_sort_labels(X, min_cluster_size, min_samples):
    """sklearn's own pipeline (`_hdbscan_prims` + `tree_to_labels`) with a stable MST sort."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    core = NearestNeighbors(n_neighbors=min_samples).fit(X).kneighbors(X, min_samples)[0][:, -1]
    mst = mst_from_data_matrix(X, np.ascontiguousarray(core), DistanceMetric.get_metric("euclidean"), 1.0)
    mst = mst[np.argsort(mst["distance"], kind="stable")]
    return tree_to_labels(make_single_linkage(mst), min_cluster_size)


def case(name, X, min_cluster_size, min_samples=None):
    h = HDBSCAN(min_cluster_size=min_cluster_size, min_samples=min_samples, copy=True).fit(X)
    labels, probs = stable_sort_labels(X, min_cluster_size, min_samples or min_cluster_size)
    tie_sensitive = not (np.array_equal(labels, h.labels_) and np.array_equal(probs, h.probabilities_))
    return {
        "name": f"{name}_mcs{min_cluster_size}" + (f"_ms{min_samples}" if min_samples else ""),
        "dataset": name,
        "params": {"min_cluster_size": min_cluster_size, "min_samples": min_samples},
        "labels": py(h.labels_.astype(int)),
        "probabilities": py(h.probabilities_),
        "n_clusters": int(h.labels_.max() + 1),
        "labels_stable_sort": py(labels.astype(int)),
        "probabilities_stable_sort": py(probs),
        "tie_sensitive": bool(tie_sensitive),
    }


def main():
    datasets, cases = {}, []
    for name, src, X in inputs():
        X = np.ascontiguousarray(X, dtype=np.float64)
        datasets[name] = {"source": src, "X": py(X), "X_bits": py(X.view(np.uint64).ravel())}
        for mcs in (5, 15):
            cases.append(case(name, X, mcs))
        if name == "blobs_noise":
            cases.append(case(name, X, 15, min_samples=3))
        if name == "iris":  # iris has duplicate rows: core distance 0, lambda = inf
            cases.append(case(name, X, 5, min_samples=2))
    out = {
        "generated_by": "tests/golden/make_golden_hdbscan.py",
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "scikit-learn": SKV,
                     "numpy_simd": numpy_simd()},
        "estimator": "sklearn.cluster.HDBSCAN(min_cluster_size, min_samples, copy=True), other parameters default",
        "datasets": datasets,
        "cases": cases,
    }
    with OUT.open("w") as f:
        json.dump(out, f, allow_nan=False)
        f.write("\n")

    print(f"{'case':<24}{'n':>5}{'clusters':>10}{'noise':>7}{'tie-sensitive':>15}")
    for c in cases:
        print(f"{c['name']:<24}{len(c['labels']):>5}{c['n_clusters']:>10}{c['labels'].count(-1):>7}"
              f"{str(c['tie_sensitive']):>15}")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
