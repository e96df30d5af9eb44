//! A saved segmentation: the versioned JSON document **Download model**
//! writes and **Load model** reads ([`Model`]), and what applying it to
//! another file takes (`apply.rs`: the column mapping by header name, the
//! features in the model's order, the scoring).
//!
//! The document is the fitted pipeline, not the data: the column mapping,
//! the features, the fitted preprocessing (imputation medians, transforms,
//! scaler), the clustering space, the PCA, the clusters (k-means centres;
//! mixture weights, means and covariances; for HDBSCAN the training
//! accounts' points and segments, which assign a new account by its nearest
//! training account, an approximation), the segments' names and colours,
//! the k sweep and quality figures, and a fingerprint of the input. Its
//! JSON Schema is `docs/model.schema.json`, generated from these types
//! ([`schema`]; a test keeps the file in step). Numbers are written as
//! serde_json writes `f64` (shortest text that reads back to the same
//! bits), so a model read back assigns exactly as the one saved.
//!
//! Versions: [`FORMAT_VERSION`] is written; version 1 (the same document
//! without `segments`, names and colours) is read, its segments named
//! "Segment N" in the palette's colours. A newer version or a document that
//! is not a segscope model is refused with a message ([`ModelError`]).

mod apply;
pub mod pmml;
pub mod sql;

pub use apply::MissingColumns;

use crate::analysis::preprocess::FeatureStep;
use crate::analysis::segmentation::{KScore, KVote};
use crate::analysis::{
    Clusters, FittedGaussianMixture, FittedPca, FittedPreprocessor, KRule, Method, Scaling, Segmentation, Transform,
    TransformChoice,
};
use crate::features::FeatureTable;
use crate::ingest::time::TimeFormat;
use crate::ingest::{DataKind, Mapping, Role};
use crate::view_model::colours::segment_colour;
use ndarray::{Array1, Array2};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The value of [`Model::format`]: what marks a document as a segscope model.
pub const FORMAT: &str = "segscope-model";

/// The format version this build writes (and the newest it reads).
pub const FORMAT_VERSION: u32 = 2;

/// A saved segmentation. Field names are stable: a new field is added with
/// a default and a new [`FORMAT_VERSION`]; none is renamed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Model {
    /// Always [`FORMAT`] (`"segscope-model"`).
    pub format: String,
    /// [`FORMAT_VERSION`] when written by this build.
    pub format_version: u32,
    /// The segscope version that wrote it (Cargo package version).
    pub app_version: String,
    /// The file the model was fitted on.
    pub input: InputFingerprint,
    /// What the file was and which column played which role.
    pub data: DataSpec,
    /// Every feature of the fitted table, in column order: the order of
    /// `preprocessing.steps`.
    pub features: Vec<FeatureSpec>,
    pub preprocessing: Preprocessing,
    /// The features that define the segments, in the order of the
    /// clustering space's columns (of the PCA's and the centres' columns),
    /// each with its weight in the distance.
    pub clustering_space: Vec<SpaceColumn>,
    /// PCA of the clustering space (the scatter's axes).
    pub pca: PcaSpec,
    pub clustering: Clustering,
    /// One per segment, in segment order (1 = the largest when fitted).
    #[serde(default)]
    pub segments: Vec<SegmentSpec>,
    /// How k was chosen, and the sweep behind it.
    pub selection: Selection,
    pub quality: Quality,
    /// Seed of every random choice of the fit.
    pub seed: u64,
}

/// What identifies the input the model was fitted on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InputFingerprint {
    /// The file's name as loaded.
    pub file_name: String,
    /// Data rows used for the features.
    pub rows: usize,
    /// Accounts segmented.
    pub accounts: usize,
    /// SHA-256 of the file's bytes (lower-case hex), when the page had
    /// computed it (Run details); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// The data kind and the column of each role, by header name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DataSpec {
    pub kind: DataKind,
    /// The roles mapped, in the mapping panel's order.
    pub columns: Vec<ColumnRole>,
    /// How the timestamp column was read, if there is one.
    pub time_format: Option<TimeFormat>,
    /// One row per customer: the numeric columns used as features, by header.
    #[serde(default)]
    pub feature_columns: Vec<String>,
}

/// One mapped role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ColumnRole {
    pub role: Role,
    /// The column's header, as in the file.
    pub column: String,
}

/// One feature of the table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FeatureSpec {
    /// The export's column name (`total_notional`).
    pub key: String,
    pub unit: String,
    pub formula: String,
}

/// The fitted preprocessing: per feature, impute then transform; then scale
/// the kept features: `z = (transform(x or median) - center) / scale`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Preprocessing {
    pub scaling: Scaling,
    /// One per feature, in the order of [`Model::features`].
    pub steps: Vec<StepSpec>,
}

/// What preprocessing learned for one feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StepSpec {
    pub key: String,
    /// The value a missing cell takes (the median of the present values;
    /// `null` when every cell was missing).
    pub median: Option<f64>,
    /// Missing cells imputed when fitted.
    pub imputed: usize,
    /// Skewness when fitted (after imputation, before the transform).
    pub skewness: Option<f64>,
    /// What the user asked for.
    pub choice: TransformChoice,
    /// What was applied: `"None"`, `"Log1p"` (sign(x) ln(1 + |x|)) or
    /// `{"YeoJohnson": {"lambda": ...}}` (Yeo & Johnson 2000, lambda by
    /// maximum likelihood as scipy's `yeojohnson`).
    pub transform: Transform,
    /// False when the feature was constant and dropped before scaling.
    pub kept: bool,
    /// Kept features: the centre subtracted (mean, or median when robust).
    pub center: Option<f64>,
    /// Kept features: the divisor (standard deviation, or IQR when robust; 1 where that is 0).
    pub scale: Option<f64>,
}

/// One column of the clustering space.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SpaceColumn {
    pub key: String,
    /// The scaled feature is multiplied by this in the distance.
    pub weight: f64,
}

/// A fitted PCA of the clustering space (scikit-learn's `PCA` attributes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PcaSpec {
    /// `d`: per-column mean.
    pub mean: Vec<f64>,
    /// `n_components x d`: unit-length principal axes (loadings).
    pub components: Vec<Vec<f64>>,
    pub explained_variance: Vec<f64>,
    pub explained_variance_ratio: Vec<f64>,
}

/// The clusters, in the clustering space.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Clustering {
    /// k-means: `centres[s - 1]` is segment `s`'s centre; an account goes
    /// to the nearest (Euclidean; ties: the lower segment).
    KMeans { algorithm: String, centres: Vec<Vec<f64>> },
    /// Gaussian mixture (scikit-learn's `GaussianMixture` attributes), in
    /// component order; `component_of_segment[s - 1]` is segment `s`'s
    /// component. `covariances` are `d x d` (full) or diagonal matrices.
    GaussianMixture {
        algorithm: String,
        covariance_type: crate::analysis::CovarianceType,
        weights: Vec<f64>,
        means: Vec<Vec<f64>>,
        covariances: Vec<Vec<Vec<f64>>>,
        component_of_segment: Vec<usize>,
    },
    /// HDBSCAN has no rule for new points: the training accounts' points and
    /// segments (0 = noise); a new account takes the segment of the nearest
    /// (an approximation, exact on the training accounts).
    Hdbscan { algorithm: String, min_cluster_size: usize, points: Vec<Vec<f64>>, segments: Vec<usize> },
}

/// A segment's name and colour.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SegmentSpec {
    /// `1..=k`.
    pub number: usize,
    pub name: String,
    /// CSS hex colour, `#rrggbb`.
    pub colour: String,
    /// Accounts when fitted.
    pub size: usize,
}

/// How k was chosen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Selection {
    pub k: usize,
    /// The k asked for (given, or chosen by the sweep); `k` can be lower
    /// when a cluster came out empty. `null` for HDBSCAN.
    pub k_requested: Option<usize>,
    /// True when k was chosen from the sweep.
    pub automatic: bool,
    pub rule: KRule,
    /// The k chosen on each seeded sample and the k elected.
    pub vote: Option<KVote>,
    /// The sweep's figures per k (empty when k was given, and for HDBSCAN).
    pub sweep: Vec<SweepRow>,
}

/// The figures of one k of the sweep, on the seeded sample (`null`: not
/// computed for this method, or undefined).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SweepRow {
    pub k: usize,
    pub silhouette: Option<f64>,
    pub calinski_harabasz: Option<f64>,
    pub davies_bouldin: Option<f64>,
    pub inertia: Option<f64>,
    pub bic: Option<f64>,
}

impl SweepRow {
    fn of(s: &KScore) -> Self {
        SweepRow {
            k: s.k,
            silhouette: finite(s.silhouette),
            calinski_harabasz: finite(s.calinski_harabasz),
            davies_bouldin: finite(s.davies_bouldin),
            inertia: s.inertia.and_then(finite),
            bic: s.bic.and_then(finite),
        }
    }

    fn score(&self) -> KScore {
        KScore {
            k: self.k,
            silhouette: self.silhouette.unwrap_or(f64::NAN),
            calinski_harabasz: self.calinski_harabasz.unwrap_or(f64::NAN),
            davies_bouldin: self.davies_bouldin.unwrap_or(f64::NAN),
            inertia: self.inertia,
            bic: self.bic,
        }
    }
}

/// Quality figures when fitted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Quality {
    /// Mean silhouette on the seeded sample (`null` if undefined).
    pub silhouette: Option<f64>,
    pub silhouette_accounts: usize,
    /// Mean ARI of subsample pairs (`null` if not computed).
    pub stability: Option<f64>,
    /// Accounts left as noise (HDBSCAN).
    pub noise: usize,
}

/// Why a document could not be read as a model. The messages say what to do.
#[derive(Clone, Debug, PartialEq)]
pub enum ModelError {
    /// Not JSON, or JSON of another shape.
    Malformed { file: String, why: String },
    /// JSON, but not a segscope model.
    NotAModel { file: String },
    /// A format version this build does not know.
    Newer { file: String, version: u32 },
    /// A model whose parts do not fit together (a hand-edited file).
    Inconsistent { file: String, why: String },
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::Malformed { file, why } => write!(
                f,
                "{file} is not a segscope model that can be read ({why}). Choose a .json file written by Download model."
            ),
            ModelError::NotAModel { file } => write!(
                f,
                "{file} is JSON but not a segscope model (its \"format\" is not \"{FORMAT}\"). Choose a file written by Download model."
            ),
            ModelError::Newer { file, version } => write!(
                f,
                "{file} is a model of format version {version}, written by a newer segscope; this one reads versions 1 to {FORMAT_VERSION}. Open it with the newer segscope, or fit the segments again here."
            ),
            ModelError::Inconsistent { file, why } => {
                write!(f, "{file} does not hold together as a model: {why}. Download the model again from segscope.")
            }
        }
    }
}

impl std::error::Error for ModelError {}

/// `v` as JSON-able: `None` for NaN or infinity (JSON has no such numbers).
fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

fn rows(a: &Array2<f64>) -> Vec<Vec<f64>> {
    a.rows().into_iter().map(|r| r.to_vec()).collect()
}

fn matrix(rows: &[Vec<f64>], cols: usize, what: &str) -> Result<Array2<f64>, String> {
    if rows.iter().any(|r| r.len() != cols) {
        return Err(format!("a row of {what} does not have {cols} values"));
    }
    if !rows.iter().flatten().all(|v| v.is_finite()) {
        return Err(format!("{what} holds a value that is not a number"));
    }
    Array2::from_shape_vec((rows.len(), cols), rows.concat()).map_err(|e| format!("{what}: {e}"))
}

impl Model {
    /// The model of `seg`, fitted on `ft`, read from file `file_name` whose
    /// headers are `headers` under `mapping`; `names` gives each segment's
    /// name (`None`: "Segment N").
    pub fn of(
        file_name: &str,
        headers: &[String],
        mapping: &Mapping,
        ft: &FeatureTable,
        seg: &Segmentation,
        names: Option<&[String]>,
    ) -> Model {
        let header = |c: usize| headers.get(c).cloned().unwrap_or_default();
        let columns = Role::ALL
            .iter()
            .filter_map(|&role| mapping.get(role).map(|c| ColumnRole { role, column: header(c) }))
            .collect();
        let data = DataSpec {
            kind: mapping.kind,
            columns,
            time_format: mapping.time.as_ref().map(|t| t.format),
            feature_columns: if mapping.kind == DataKind::CustomerTable {
                mapping.feature_columns.iter().map(|&c| header(c)).collect()
            } else {
                Vec::new()
            },
        };
        let pre = &seg.preprocessor;
        let steps = pre
            .steps
            .iter()
            .zip(&ft.defs)
            .enumerate()
            .map(|(j, (s, d))| {
                let at = pre.kept.iter().position(|&k| k == j);
                StepSpec {
                    key: d.key.clone(),
                    median: finite(s.median),
                    imputed: s.imputed,
                    skewness: finite(s.skewness),
                    choice: s.choice,
                    transform: s.transform,
                    kept: at.is_some(),
                    center: at.map(|a| pre.center[a]),
                    scale: at.map(|a| pre.scale[a]),
                }
            })
            .collect();
        let clustering = match &seg.clusters {
            Clusters::Centres(c) => Clustering::KMeans { algorithm: seg.algorithm.clone(), centres: rows(c) },
            Clusters::Mixture { gmm, order } => Clustering::GaussianMixture {
                algorithm: seg.algorithm.clone(),
                covariance_type: gmm.covariance_type,
                weights: gmm.weights.to_vec(),
                means: rows(&gmm.means),
                covariances: gmm.covariances.iter().map(rows).collect(),
                component_of_segment: order.clone(),
            },
            Clusters::Exemplars { points, segments } => Clustering::Hdbscan {
                algorithm: seg.algorithm.clone(),
                min_cluster_size: match seg.method {
                    Method::Hdbscan { min_cluster_size } => min_cluster_size,
                    _ => 0,
                },
                points: rows(points),
                segments: segments.clone(),
            },
        };
        let segments = seg
            .profiles
            .iter()
            .map(|p| SegmentSpec {
                number: p.id,
                name: names
                    .and_then(|n| n.get(p.id - 1).cloned())
                    .or_else(|| (!p.name.is_empty()).then(|| p.name.clone()))
                    .unwrap_or_else(|| format!("Segment {}", p.id)),
                colour: segment_colour(p.id),
                size: p.size,
            })
            .collect();
        Model {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            app_version: env!("CARGO_PKG_VERSION").into(),
            input: InputFingerprint {
                file_name: file_name.into(),
                rows: ft.rows_used,
                accounts: ft.ids.len(),
                sha256: None,
            },
            data,
            features: ft
                .defs
                .iter()
                .map(|d| FeatureSpec { key: d.key.clone(), unit: d.unit.clone(), formula: d.formula.clone() })
                .collect(),
            preprocessing: Preprocessing { scaling: pre.scaling, steps },
            clustering_space: seg
                .used
                .iter()
                .zip(&seg.weights)
                .map(|(&j, &weight)| SpaceColumn { key: ft.defs[j].key.clone(), weight })
                .collect(),
            pca: PcaSpec {
                mean: seg.pca.mean.to_vec(),
                components: rows(&seg.pca.components),
                explained_variance: seg.pca.explained_variance.to_vec(),
                explained_variance_ratio: seg.pca.explained_variance_ratio.to_vec(),
            },
            clustering,
            segments,
            selection: Selection {
                k: seg.k,
                k_requested: seg.k_requested,
                automatic: seg.k_auto,
                rule: seg.k_rule,
                vote: seg.k_vote.clone(),
                sweep: seg.sweep.iter().map(SweepRow::of).collect(),
            },
            quality: Quality {
                silhouette: finite(seg.silhouette),
                silhouette_accounts: seg.silhouette_n,
                stability: seg.stability.as_ref().and_then(|s| s.as_ref().ok()).map(|s| s.mean_ari),
                noise: seg.noise,
            },
            seed: seg.seed,
        }
    }

    /// The document, pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a model is plain data")
    }

    /// Reads a model written by this or an older build from `text` (the
    /// contents of `file`, named in errors). Version 1 documents get
    /// segments named "Segment N" in the palette's colours.
    ///
    /// Errors: [`ModelError`], each with what to do.
    pub fn from_json(file: &str, text: &str) -> Result<Model, ModelError> {
        let malformed = |e: serde_json::Error| ModelError::Malformed { file: file.into(), why: e.to_string() };
        // The marks first (other fields ignored), so that a foreign or newer document gets its own message.
        #[derive(Deserialize)]
        struct Marks {
            format: Option<String>,
            format_version: Option<u64>,
        }
        let marks: Marks = serde_json::from_str(text).map_err(malformed)?;
        if marks.format.as_deref() != Some(FORMAT) {
            return Err(ModelError::NotAModel { file: file.into() });
        }
        let version = marks.format_version.unwrap_or(0);
        if version > FORMAT_VERSION as u64 {
            return Err(ModelError::Newer { file: file.into(), version: version.min(u32::MAX as u64) as u32 });
        }
        if version == 0 {
            let why = "no format_version".into();
            return Err(ModelError::Malformed { file: file.into(), why });
        }
        let mut m: Model = serde_json::from_str(text).map_err(malformed)?;
        if m.format_version == 1 {
            m.segments = (1..=m.selection.k)
                .map(|s| SegmentSpec { number: s, name: format!("Segment {s}"), colour: segment_colour(s), size: 0 })
                .collect();
        }
        m.segmentation().map_err(|why| ModelError::Inconsistent { file: file.into(), why })?;
        Ok(m)
    }

    /// The clustering method's name ("k-means", "Gaussian mixture", "HDBSCAN").
    pub fn clustering_label(&self) -> &'static str {
        match self.clustering {
            Clustering::KMeans { .. } => "k-means",
            Clustering::GaussianMixture { .. } => "Gaussian mixture",
            Clustering::Hdbscan { .. } => "HDBSCAN",
        }
    }

    /// Each segment's name, in segment order.
    pub fn names(&self) -> Vec<String> {
        self.segments.iter().map(|s| s.name.clone()).collect()
    }

    /// The fitted pipeline as a [`Segmentation`] with no accounts, for
    /// [`crate::analysis::score_timed`]: features indexed in the order of
    /// [`Model::features`].
    ///
    /// Errors: what does not fit together, as a sentence.
    pub fn segmentation(&self) -> Result<Segmentation, String> {
        let n_features = self.features.len();
        if self.preprocessing.steps.len() != n_features {
            return Err(format!("{} preprocessing steps for {} features", self.preprocessing.steps.len(), n_features));
        }
        let index =
            |key: &str| self.features.iter().position(|f| f.key == key).ok_or_else(|| format!("unknown feature {key}"));
        let kept: Vec<usize> = (0..n_features).filter(|&j| self.preprocessing.steps[j].kept).collect();
        let steps: Vec<FeatureStep> = self
            .preprocessing
            .steps
            .iter()
            .map(|s| FeatureStep {
                imputed: s.imputed,
                median: s.median.unwrap_or(f64::NAN),
                skewness: s.skewness.unwrap_or(f64::NAN),
                choice: s.choice,
                transform: s.transform,
                dropped: !s.kept,
            })
            .collect();
        // A kept feature needs a finite median (missing cells take it), a finite
        // centre and a finite scale above 0; a Yeo-Johnson lambda must be finite.
        let kept_value = |j: usize, v: Option<f64>, what: &str| {
            v.filter(|v| v.is_finite() && (what != "scale" || *v > 0.0))
                .ok_or_else(|| format!("feature {} is kept but has no usable {what}", self.features[j].key))
        };
        for &j in &kept {
            let step = &self.preprocessing.steps[j];
            kept_value(j, step.median, "median")?;
            if let Transform::YeoJohnson { lambda } = step.transform {
                if !lambda.is_finite() {
                    return Err(format!(
                        "feature {} has a Yeo-Johnson lambda that is not a number",
                        self.features[j].key
                    ));
                }
            }
        }
        let center = kept
            .iter()
            .map(|&j| kept_value(j, self.preprocessing.steps[j].center, "center"))
            .collect::<Result<Vec<_>, _>>()?;
        let scale = kept
            .iter()
            .map(|&j| kept_value(j, self.preprocessing.steps[j].scale, "scale"))
            .collect::<Result<Vec<_>, _>>()?;
        let preprocessor = FittedPreprocessor {
            steps,
            kept: kept.clone(),
            scaling: self.preprocessing.scaling,
            center: Array1::from(center),
            scale: Array1::from(scale),
        };
        let used = self.clustering_space.iter().map(|c| index(&c.key)).collect::<Result<Vec<_>, _>>()?;
        if let Some(&j) = used.iter().find(|j| !kept.contains(j)) {
            return Err(format!("feature {} is in the clustering space but was dropped", self.features[j].key));
        }
        let d = used.len();
        if d == 0 {
            return Err("the clustering space has no feature".into());
        }
        if self.clustering_space.iter().any(|c| !(c.weight.is_finite() && c.weight > 0.0)) {
            return Err("a clustering weight is not a number above 0".into());
        }
        let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
        let (n_comp, ev, evr) =
            (self.pca.components.len(), &self.pca.explained_variance, &self.pca.explained_variance_ratio);
        if n_comp == 0 || n_comp > d || ev.len() != n_comp || evr.len() != n_comp || !finite(ev) || !finite(evr) {
            return Err(format!(
                "the PCA has {n_comp} components, {} variances and {} ratios for {d} columns",
                ev.len(),
                evr.len()
            ));
        }
        let pca = FittedPca {
            mean: Array1::from(self.pca.mean.clone()),
            components: matrix(&self.pca.components, d, "pca.components")?,
            explained_variance: Array1::from(self.pca.explained_variance.clone()),
            explained_variance_ratio: Array1::from(self.pca.explained_variance_ratio.clone()),
        };
        if pca.mean.len() != d || !finite(&self.pca.mean) {
            return Err(format!("pca.mean has {} values for {d} columns", pca.mean.len()));
        }
        let k = self.selection.k;
        if k == 0 || self.segments.len() != k {
            return Err(format!("{} named segments for k = {k}", self.segments.len()));
        }
        let (method, algorithm, clusters) = match &self.clustering {
            Clustering::KMeans { algorithm, centres } => {
                let c = matrix(centres, d, "centres")?;
                if c.nrows() != k {
                    return Err(format!("{} centres for k = {k}", c.nrows()));
                }
                (Method::KMeans, algorithm, Clusters::Centres(c))
            }
            Clustering::GaussianMixture {
                algorithm,
                covariance_type,
                weights,
                means,
                covariances,
                component_of_segment,
            } => {
                let m = weights.len();
                if means.len() != m || covariances.len() != m || component_of_segment.len() != k {
                    return Err("the mixture's weights, means, covariances and segments do not match".into());
                }
                if component_of_segment.iter().any(|&c| c >= m) {
                    return Err("a segment names a component the mixture does not have".into());
                }
                let covariances =
                    covariances.iter().map(|c| matrix(c, d, "covariances")).collect::<Result<Vec<_>, _>>()?;
                if covariances.iter().any(|c| c.nrows() != d || !c.iter().all(|v| v.is_finite())) {
                    return Err(format!("a covariance is not a {d} x {d} matrix of numbers"));
                }
                let diag = *covariance_type == crate::analysis::CovarianceType::Diag;
                if diag && covariances.iter().any(|c| c.indexed_iter().any(|((a, b), &v)| a != b && v != 0.0)) {
                    return Err("a diagonal covariance has values off its diagonal".into());
                }
                if !weights.iter().all(|w| w.is_finite() && *w > 0.0) {
                    return Err("a mixture weight is not a number above 0".into());
                }
                let mut seen = component_of_segment.clone();
                seen.sort_unstable();
                seen.dedup();
                if seen.len() != k {
                    return Err("two segments name the same mixture component".into());
                }
                let gmm = FittedGaussianMixture::from_parameters(
                    *covariance_type,
                    Array1::from(weights.clone()),
                    matrix(means, d, "means")?,
                    covariances,
                )
                .map_err(|e| e.to_string())?;
                (
                    Method::GaussianMixture { covariance: *covariance_type },
                    algorithm,
                    Clusters::Mixture { gmm, order: component_of_segment.clone() },
                )
            }
            Clustering::Hdbscan { algorithm, min_cluster_size, points, segments } => {
                let p = matrix(points, d, "points")?;
                if p.nrows() == 0 || segments.len() != p.nrows() || segments.iter().any(|&s| s > k) {
                    return Err("the HDBSCAN points and their segments do not match".into());
                }
                (
                    Method::Hdbscan { min_cluster_size: *min_cluster_size },
                    algorithm,
                    Clusters::Exemplars { points: p, segments: segments.clone() },
                )
            }
        };
        Ok(Segmentation {
            method,
            algorithm: algorithm.clone(),
            preprocessor,
            used,
            weights: self.clustering_space.iter().map(|c| c.weight).collect(),
            correlation: Array2::zeros((0, 0)),
            sample_size: 0,
            pca,
            projection: Array2::zeros((0, 2)),
            segments: Vec::new(),
            k,
            noise: self.quality.noise,
            k_auto: self.selection.automatic,
            k_rule: self.selection.rule,
            k_vote: self.selection.vote.clone(),
            sweep: self.selection.sweep.iter().map(SweepRow::score).collect(),
            silhouette: self.quality.silhouette.unwrap_or(f64::NAN),
            silhouette_n: self.quality.silhouette_accounts,
            silhouette_by_segment: Vec::new(),
            stability: None,
            k_requested: self.selection.k_requested,
            membership: None,
            anomaly_score: Vec::new(),
            anomaly_unit: String::new(),
            anomalies: Vec::new(),
            anomaly_features: Vec::new(),
            anomaly_features_unit: String::new(),
            overall_means: Vec::new(),
            profiles: Vec::new(),
            seed: self.seed,
            stage_ms: Vec::new(),
            clusters,
            margin: Vec::new(),
            reconstruction_error: f64::NAN,
            applied: false,
        })
    }
}

/// The JSON Schema (draft 2020-12) of [`Model`], as committed in
/// `docs/model.schema.json`.
pub fn schema() -> String {
    let mut s = serde_json::to_string_pretty(&schemars::schema_for!(Model)).expect("a schema is JSON");
    s.push('\n');
    s
}
