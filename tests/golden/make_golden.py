"""Generate scikit-learn reference values for segscope's Rust tests.

Writes tests/golden/sklearn_golden.json (full float precision, nothing rounded):
StandardScaler, RobustScaler, Yeo-Johnson (PowerTransformer), PCA, KMeans
(Lloyd, Elkan, mini-batch), GaussianMixture BIC sweeps, clustering metrics, a
k sweep and segscope's preprocessing (median imputation, ln(1+x) or
Yeo-Johnson of skewed columns, standard or robust scaling) for five small
datasets, plus a signed-log1p case. The Rust tests read only the JSON.

Rerun from the repository root:

    python3 -m venv /tmp/goldenvenv && . /tmp/goldenvenv/bin/activate \
        && pip install -r tests/golden/requirements.txt \
        && python tests/golden/make_golden.py
"""

import json
import platform
from pathlib import Path

import numpy as np
import sklearn
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.datasets import load_breast_cancer, load_iris, load_wine, make_blobs
from sklearn.decomposition import PCA
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_samples,
    silhouette_score,
)
from scipy.stats import skew
from sklearn.impute import SimpleImputer
from sklearn.mixture import GaussianMixture
from sklearn.mixture._gaussian_mixture import _estimate_gaussian_parameters
from sklearn.preprocessing import PowerTransformer, RobustScaler, StandardScaler

OUT = Path(__file__).with_name("sklearn_golden.json")
SKV = sklearn.__version__


def py(a):
    """numpy array/scalar -> plain Python lists/floats/ints (repr-exact)."""
    return np.asarray(a).tolist()


def kmeans(Xs, k, algorithm="lloyd"):
    return KMeans(n_clusters=k, n_init=10, random_state=0, algorithm=algorithm).fit(Xs)


def gmm_case(Xs, k_max=6):
    """GaussianMixture for k = 1..k_max, full and diagonal covariance, each
    started from the labels of kmeans(Xs, k) (stored, so the Rust test starts
    from the same point): weights, means and precisions of the one-hot
    responsibilities, exactly what init_params="kmeans" computes."""
    n = Xs.shape[0]
    inits = {k: (np.zeros(n, dtype=int) if k == 1 else kmeans(Xs, k).labels_.astype(int))
             for k in range(1, k_max + 1)}
    out = {"init_labels": {str(k): py(v) for k, v in inits.items()}}
    for ct in ["full", "diag"]:
        rows = []
        for k, labels in inits.items():
            resp = np.zeros((n, k))
            resp[np.arange(n), labels] = 1.0
            w, m, cov = _estimate_gaussian_parameters(Xs, resp, 1e-6, ct)
            prec = np.array([np.linalg.inv(c) for c in cov]) if ct == "full" else 1.0 / cov
            g = GaussianMixture(n_components=k, covariance_type=ct, weights_init=w / n,
                                means_init=m, precisions_init=prec, random_state=0).fit(Xs)
            rows.append({"k": k, "bic": float(g.bic(Xs)), "aic": float(g.aic(Xs)),
                         "lower_bound": float(g.lower_bound_), "n_iter": int(g.n_iter_),
                         "converged": bool(g.converged_), "weights": py(g.weights_),
                         "score_samples_first5": py(g.score_samples(Xs[:5])),
                         "predict_proba_first5": py(g.predict_proba(Xs[:5]))})
        best = min(rows, key=lambda r: r["bic"])["k"]
        out[ct] = {"by_k": rows, "best_k_by_bic": best}
    return out


def metrics(Xs, labels):
    return {
        "silhouette": float(silhouette_score(Xs, labels, metric="euclidean")),
        "calinski_harabasz": float(calinski_harabasz_score(Xs, labels)),
        "davies_bouldin": float(davies_bouldin_score(Xs, labels)),
    }


def datasets():
    bundled = f"bundled in the scikit-learn {SKV} wheel as sklearn/datasets/data/"
    for name, loader, src in [
        ("iris", load_iris,
         f"Fisher 1936 iris (R/corrected version, not UCI), {bundled}iris.csv"),
        ("wine", load_wine,
         f"UCI Wine recognition data (Forina et al., PARVUS), {bundled}wine_data.csv"),
        ("breast_cancer", load_breast_cancer,
         f"UCI Breast Cancer Wisconsin (Diagnostic), Street/Wolberg/Mangasarian 1993, "
         f"{bundled}breast_cancer.csv"),
    ]:
        X, y = loader(return_X_y=True)
        yield name, src, X, y

    X, y = make_blobs(n_samples=600, centers=4, n_features=6, cluster_std=1.0,
                      random_state=42)
    yield "blobs", (f"Synthetic: sklearn {SKV} make_blobs(n_samples=600, centers=4, "
                    "n_features=6, cluster_std=1.0, random_state=42)"), X, y

    X, y = make_blobs(n_samples=500, centers=3, random_state=170)
    X = X @ np.array([[0.6, -0.6], [-0.4, 0.8]])
    yield "aniso", (f"Synthetic: sklearn {SKV} make_blobs(n_samples=500, centers=3, "
                    "random_state=170) then X @ [[0.6, -0.6], [-0.4, 0.8]], as in "
                    "scikit-learn's 'Demonstration of k-means assumptions' example"), X, y


def preprocess_case(X):
    """segscope's preprocessing as a scikit-learn pipeline, on X with every
    17th cell (row-major) made missing: SimpleImputer(median) -> signed log1p on
    columns with |skew| > 1 (scipy, bias=True) -> StandardScaler."""
    Xm = np.array(X, dtype=float)
    flat = Xm.reshape(-1)
    flat[::17] = np.nan
    imp = SimpleImputer(strategy="median").fit(Xm)
    Xi = imp.transform(Xm)
    skewed = [j for j in range(Xi.shape[1]) if abs(skew(Xi[:, j])) > 1.0]
    logged = [j for j in skewed if Xi[:, j].min() >= 0]
    yj = [j for j in skewed if Xi[:, j].min() < 0]
    Xt = Xi.copy()
    Xt[:, logged] = np.log1p(Xt[:, logged])
    lambdas = []
    if yj:
        pt = PowerTransformer(method="yeo-johnson", standardize=False).fit(Xi[:, yj])
        Xt[:, yj] = pt.transform(Xi[:, yj])
        lambdas = py(pt.lambdas_)
    sc = StandardScaler().fit(Xt)
    rs = RobustScaler().fit(Xt)
    return {
        "missing_every": 17,
        "median": py(imp.statistics_),
        "log_columns": logged,
        "yeo_johnson_columns": yj,
        "yeo_johnson_lambdas": lambdas,
        "mean": py(sc.mean_),
        "scale": py(sc.scale_),
        "transformed_first10": py(sc.transform(Xt)[:10]),
        "robust_center": py(rs.center_),
        "robust_scale": py(rs.scale_),
        "robust_transformed_first10": py(rs.transform(Xt)[:10]),
    }


def golden(src, X, y):
    y = np.asarray(y, dtype=int)
    n_classes = int(len(np.unique(y)))
    scaler = StandardScaler().fit(X)
    Xs = scaler.transform(X)
    pca = PCA(svd_solver="full")
    Z = pca.fit_transform(Xs)
    km = kmeans(Xs, n_classes)
    elkan = kmeans(Xs, n_classes, "elkan")
    mbs = [MiniBatchKMeans(n_clusters=n_classes, random_state=s, n_init=3).fit(Xs) for s in range(64)]
    rs = RobustScaler().fit(X)
    pt = PowerTransformer(method="yeo-johnson", standardize=False).fit(Xs)
    sweep = []
    for k in range(2, 11):
        m = kmeans(Xs, k)
        sweep.append({"k": k, "inertia": float(m.inertia_),
                      "silhouette": float(silhouette_score(Xs, m.labels_))})
    return {
        "source": src,
        "X": py(X),
        "y": py(y),
        "n_classes": n_classes,
        "scaler": {"mean": py(scaler.mean_), "scale": py(scaler.scale_)},
        "robust_scaler": {"center": py(rs.center_), "scale": py(rs.scale_)},
        "yeo_johnson_on_standardised": {"lambdas": py(pt.lambdas_),
                                        "transform_first5": py(pt.transform(Xs)[:5])},
        "pca": {
            "explained_variance": py(pca.explained_variance_),
            "explained_variance_ratio": py(pca.explained_variance_ratio_),
            "singular_values": py(pca.singular_values_),
            "components": py(pca.components_),
            "transform_first5": py(Z[:5]),
        },
        "kmeans": {
            "k": n_classes,
            "inertia": float(km.inertia_),
            "n_iter": int(km.n_iter_),
            "labels": py(km.labels_.astype(int)),
            "cluster_centers": py(km.cluster_centers_),
            "ari_vs_truth": float(adjusted_rand_score(y, km.labels_)),
            "elkan_inertia": float(elkan.inertia_),
            "minibatch_inertia_seeds_0_63": [float(m.inertia_) for m in mbs],
            "minibatch_ari_vs_truth_seeds_0_63": [float(adjusted_rand_score(y, m.labels_)) for m in mbs],
        },
        "gmm": gmm_case(Xs),
        "metrics_on_kmeans_labels": metrics(Xs, km.labels_),
        "metrics_on_true_labels": metrics(Xs, y),
        "silhouette_samples_first10": py(silhouette_samples(Xs, km.labels_)[:10]),
        "k_sweep": sweep,
        "preprocess": preprocess_case(X),
    }


def main():
    out = {
        "generated_by": "tests/golden/make_golden.py",
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "scikit-learn": SKV},
        "datasets": {name: golden(src, X, y) for name, src, X, y in datasets()},
    }
    x = np.array([-1e12, -12345.678, -100.0, -1.0, -0.5, -1e-12, 0.0,
                  1e-12, 1e-6, 0.5, 1.0, 2.0, 10.0, 99.99, 1e6, 1e12, 1e300])
    out["log1p_case"] = {"x": py(x), "signed_log1p": py(np.sign(x) * np.log1p(np.abs(x)))}

    with OUT.open("w") as f:
        json.dump(out, f, allow_nan=False)
        f.write("\n")

    print(f"{'dataset':<14}{'inertia':>14}{'ari':>10}{'silhouette':>12}{'evr[0]':>10}")
    for name, d in out["datasets"].items():
        print(f"{name:<14}{d['kmeans']['inertia']:>14.4f}{d['kmeans']['ari_vs_truth']:>10.4f}"
              f"{d['metrics_on_kmeans_labels']['silhouette']:>12.4f}"
              f"{d['pca']['explained_variance_ratio'][0]:>10.4f}")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
