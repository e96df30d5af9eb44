//! A k-means model as PMML 4.4 (**Download PMML**), for scoring engines
//! that read PMML: a `ClusteringModel` (`modelClass="centerBased"`,
//! squared Euclidean distance) over the per-account features, with the
//! fitted preprocessing as the model's local transformations (median
//! imputation as each `MiningField`'s `missingValueReplacement`, then the
//! transform, `ln1p` or Yeo-Johnson with its lambda, the scaler and the
//! clustering weight as one `DerivedField` per clustering feature).
//!
//! It covers the k-means path only: the inputs are the features (PMML does
//! not aggregate trades per account; the SQL script does, [`super::sql`]),
//! and a mixture or HDBSCAN model is refused. Elements follow the PMML 4.4
//! schema (Data Mining Group, <https://dmg.org/pmml/v4-4/ClusteringModel.html>);
//! the test command validates the output against the schema JPMML ships and
//! scores it with JPMML's evaluator.

use super::{Clustering, Model};
use crate::analysis::{Segmentation, Transform};

/// Why no PMML could be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PmmlError {
    /// The model does not hold together (as [`Model::segmentation`] says).
    Model(String),
    /// Not a k-means model: its method, as the page names it.
    NotKMeans(String),
}

impl std::fmt::Display for PmmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PmmlError::Model(why) => write!(f, "The model cannot be written as PMML: {why}."),
            PmmlError::NotKMeans(method) => write!(
                f,
                "PMML export covers k-means models only; this one is {method}. Choose k-means as the method, or score it with Download SQL."
            ),
        }
    }
}

impl std::error::Error for PmmlError {}

/// `s` escaped for an XML attribute or text.
fn xml(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// A double as XML Schema's `xs:double` reads it (shortest round-trip digits).
fn num(v: f64) -> String {
    format!("{v:E}")
}

fn constant(v: f64) -> String {
    format!("<Constant dataType=\"double\">{}</Constant>", num(v))
}

fn apply(function: &str, args: &[String]) -> String {
    format!("<Apply function=\"{function}\">{}</Apply>", args.concat())
}

fn neg(e: String) -> String {
    apply("*", &[constant(-1.0), e])
}

/// `t(v)` as [`Transform::apply`] computes it, `v` a PMML expression.
fn transform(t: Transform, v: &str) -> String {
    let v = || v.to_string();
    let if_negative = |neg_branch: String, pos_branch: String| {
        apply("if", &[apply("lessThan", &[v(), constant(0.0)]), neg_branch, pos_branch])
    };
    match t {
        Transform::None => v(),
        Transform::Log1p => if_negative(neg(apply("ln1p", &[neg(v())])), apply("ln1p", &[v()])),
        Transform::YeoJohnson { lambda } => {
            let pos = if lambda.abs() < f64::EPSILON {
                apply("ln1p", &[v()])
            } else {
                apply(
                    "/",
                    &[apply("expm1", &[apply("*", &[constant(lambda), apply("ln1p", &[v()])])]), constant(lambda)],
                )
            };
            let neg_branch = if (lambda - 2.0).abs() > f64::EPSILON {
                let l = 2.0 - lambda;
                neg(apply(
                    "/",
                    &[apply("expm1", &[apply("*", &[constant(l), apply("ln1p", &[neg(v())])])]), constant(l)],
                ))
            } else {
                neg(apply("ln1p", &[neg(v())]))
            };
            if_negative(neg_branch, pos)
        }
    }
}

/// The PMML document of a k-means `model`.
///
/// Errors: [`PmmlError::NotKMeans`] for a mixture or HDBSCAN model,
/// [`PmmlError::Model`] for a model that does not hold together.
pub fn pmml(model: &Model) -> Result<String, PmmlError> {
    let Clustering::KMeans { centres, .. } = &model.clustering else {
        return Err(PmmlError::NotKMeans(model.clustering_label().to_string()));
    };
    let seg: Segmentation = model.segmentation().map_err(PmmlError::Model)?;
    let pre = &seg.preprocessor;
    let key = |j: usize| xml(&model.features[j].key);
    let fields: Vec<String> = (0..model.features.len())
        .map(|j| format!("    <DataField name=\"{}\" optype=\"continuous\" dataType=\"double\"/>\n", key(j)))
        .collect();
    let mining: Vec<String> = seg
        .used
        .iter()
        .map(|&j| {
            format!(
                "      <MiningField name=\"{}\" usageType=\"active\" missingValueReplacement=\"{}\" missingValueTreatment=\"asMedian\"/>\n",
                key(j),
                num(pre.steps[j].median)
            )
        })
        .collect();
    let derived: Vec<String> = seg
        .used
        .iter()
        .zip(&seg.weights)
        .enumerate()
        .map(|(i, (&j, &w))| {
            let at = pre.kept.iter().position(|&k| k == j).expect("used features are kept");
            let v = format!("<FieldRef field=\"{}\"/>", key(j));
            let z = apply(
                "/",
                &[
                    apply("-", &[transform(pre.steps[j].transform, &v), constant(pre.center[at])]),
                    constant(pre.scale[at]),
                ],
            );
            let x = if w != 1.0 { apply("*", &[z, constant(w)]) } else { z };
            format!(
                "      <DerivedField name=\"x{}\" optype=\"continuous\" dataType=\"double\">{x}</DerivedField>\n",
                i + 1
            )
        })
        .collect();
    let clustering_fields: Vec<String> = (1..=seg.used.len())
        .map(|i| format!("    <ClusteringField field=\"x{i}\" compareFunction=\"absDiff\"/>\n"))
        .collect();
    let names = model.names();
    let clusters: Vec<String> = centres
        .iter()
        .enumerate()
        .map(|(s, c)| {
            format!(
                "    <Cluster id=\"{}\" name=\"{}\"><Array n=\"{}\" type=\"real\">{}</Array></Cluster>\n",
                s + 1,
                xml(names.get(s).map_or("", String::as_str)),
                c.len(),
                c.iter().map(|&v| num(v)).collect::<Vec<_>>().join(" ")
            )
        })
        .collect();
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <PMML xmlns=\"http://www.dmg.org/PMML-4_4\" version=\"4.4\">\n  \
         <Header description=\"segscope k-means segmentation fitted on {file} ({accounts} accounts); inputs are the per-account features\">\n    \
         <Application name=\"segscope\" version=\"{app}\"/>\n  </Header>\n  \
         <DataDictionary numberOfFields=\"{nf}\">\n{fields}  </DataDictionary>\n  \
         <ClusteringModel modelName=\"segscope\" functionName=\"clustering\" modelClass=\"centerBased\" numberOfClusters=\"{k}\">\n    \
         <MiningSchema>\n{mining}    </MiningSchema>\n    \
         <Output>\n      <OutputField name=\"segment\" optype=\"categorical\" dataType=\"string\" feature=\"predictedValue\"/>\n      \
         <OutputField name=\"segment_name\" optype=\"categorical\" dataType=\"string\" feature=\"predictedDisplayValue\"/>\n    </Output>\n    \
         <LocalTransformations>\n{derived}    </LocalTransformations>\n    \
         <ComparisonMeasure kind=\"distance\"><squaredEuclidean/></ComparisonMeasure>\n{cf}{clusters}  </ClusteringModel>\n</PMML>\n",
        file = xml(&model.input.file_name),
        accounts = model.input.accounts,
        app = env!("CARGO_PKG_VERSION"),
        nf = fields.len(),
        fields = fields.concat(),
        k = centres.len(),
        mining = mining.concat(),
        derived = derived.concat(),
        cf = clustering_fields.concat(),
        clusters = clusters.concat(),
    ))
}
