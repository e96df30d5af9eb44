//! Saved models: written, read back and applied (to the very file they were
//! fitted on: the same segments, bit for bit), the previous format version,
//! refusals with their messages, and the JSON Schema in docs/ kept in step.

use segscope::analysis::{segment, CovarianceType, Method};
use segscope::features::{extract, FeatureTable};
use segscope::ingest::{detect_mapping, parse_bytes, Mapping, Table};
use segscope::job::Settings;
use segscope::model::{Model, ModelError, FORMAT_VERSION};

fn read(csv: &str) -> (Table, Mapping, FeatureTable) {
    let (_, t) = parse_bytes(csv.as_bytes()).unwrap();
    let m = detect_mapping(&t);
    let ft = extract(&t, &m).unwrap();
    (t, m, ft)
}

/// Fits `method` on `csv` as the page does, saves and reloads the model,
/// applies it to the same file read afresh: the segments must be identical.
fn round_trip(csv: &str, method: Method) -> Model {
    let (t, m, ft) = read(csv);
    let settings = Settings { method, ..Default::default() };
    let seg = segment(&ft, &settings.options(&ft)).unwrap();
    let json = Model::of("sample.csv", &t.headers, &m, &ft, &seg, None).to_json();
    let model = Model::from_json("model.json", &json).unwrap();
    let again = model.to_json();
    let first_difference = again.lines().zip(json.lines()).enumerate().find(|(_, (a, b))| a != b);
    assert_eq!(first_difference, None, "{method:?}: read back and written again, the same document");
    assert_eq!(again.len(), json.len());

    let (t2, _, _) = read(csv);
    let mut m2 = detect_mapping(&t2);
    model.apply_mapping(&mut m2, &t2);
    assert_eq!(m2, m, "the model's mapping on the same file is the detected one");
    let ft2 = extract(&t2, &m2).unwrap();
    let (aligned, applied) = model.score(&ft2, &m2, &|| 0.0, &mut |_| {}).unwrap();
    assert_eq!(aligned.ids, ft.ids);
    assert_eq!(applied.segments, seg.segments, "{method:?}: the same segments");
    assert!(applied.applied && !seg.applied);
    assert_eq!(applied.projection, seg.projection, "{method:?}: the same PCA coordinates");
    assert_eq!(applied.k, seg.k);
    let sizes = |s: &segscope::analysis::Segmentation| s.profiles.iter().map(|p| p.size).collect::<Vec<_>>();
    assert_eq!(sizes(&applied), sizes(&seg));
    let names = |s: &segscope::analysis::Segmentation| s.profiles.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&applied), model.names(), "scored accounts take the model's names");
    model
}

#[test]
fn a_saved_k_means_model_gives_the_same_segments_on_its_own_file() {
    let model = round_trip(&segscope::sample::sample_csv(), Method::KMeans);
    assert_eq!(model.format_version, FORMAT_VERSION);
    assert_eq!(model.segments.len(), model.selection.k);
    assert_eq!(model.segments[0].name, "Spot holders", "the generated name is saved");
    assert_eq!(model.segments[0].colour, "#4e79a7");
    assert!(!model.selection.sweep.is_empty(), "the k sweep is kept");
    assert_eq!(model.input.accounts, 3000);
}

#[test]
fn a_saved_mixture_gives_the_same_segments_on_its_own_file() {
    let csv = segscope::sample::generate(5, 800);
    round_trip(&csv, Method::GaussianMixture { covariance: CovarianceType::Full });
    round_trip(&csv, Method::GaussianMixture { covariance: CovarianceType::Diag });
}

#[test]
fn a_saved_hdbscan_model_gives_the_same_segments_on_its_own_file() {
    round_trip(&segscope::sample::generate(9, 600), Method::Hdbscan { min_cluster_size: 15 });
}

#[test]
fn the_previous_format_version_is_read_and_its_segments_named() {
    let text = include_str!("fixtures/model-v1.json");
    let model = Model::from_json("model-v1.json", text).unwrap();
    assert_eq!(model.format_version, 1);
    assert_eq!(model.names(), (1..=model.selection.k).map(|s| format!("Segment {s}")).collect::<Vec<_>>());
    assert_eq!(model.segments[1].colour, "#f28e2b");
    // It still scores the file it was fitted on (the first 200 accounts of the sample generator, seed 1).
    let (t, _, _) = read(&segscope::sample::generate(1, 200));
    let mut m = detect_mapping(&t);
    model.apply_mapping(&mut m, &t);
    let ft = extract(&t, &m).unwrap();
    let (_, seg) = model.score(&ft, &m, &|| 0.0, &mut |_| {}).unwrap();
    let fitted = segment(&ft, &Settings::default().options(&ft)).unwrap();
    assert_eq!(seg.segments, fitted.segments, "version 1 applies as it was fitted");
}

#[test]
fn newer_malformed_and_foreign_documents_are_refused_with_what_to_do() {
    let (t, m, ft) = read(&segscope::sample::generate(1, 200));
    let seg = segment(&ft, &Settings::default().options(&ft)).unwrap();
    let json = Model::of("a.csv", &t.headers, &m, &ft, &seg, None).to_json();

    let newer = json.replacen(&format!("\"format_version\": {FORMAT_VERSION}"), "\"format_version\": 99", 1);
    let e = Model::from_json("next.json", &newer).unwrap_err();
    assert_eq!(e, ModelError::Newer { file: "next.json".into(), version: 99 });
    assert!(e.to_string().contains("newer segscope"), "{e}");

    let e = Model::from_json("cut.json", &json[..json.len() / 2]).unwrap_err();
    assert!(matches!(e, ModelError::Malformed { .. }), "{e:?}");
    assert!(e.to_string().starts_with("cut.json is not a segscope model"), "{e}");

    let e = Model::from_json("other.json", r#"{"format": "something else"}"#).unwrap_err();
    assert_eq!(e, ModelError::NotAModel { file: "other.json".into() });

    // Hand-edited: one centre dropped.
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["clustering"]["centres"].as_array_mut().unwrap().pop();
    let e = Model::from_json("edited.json", &v.to_string()).unwrap_err();
    assert!(matches!(e, ModelError::Inconsistent { .. }), "{e:?}");
    assert!(e.to_string().contains("centres for k"), "{e}");
}

#[test]
fn a_file_without_a_column_the_model_needs_is_refused_naming_it() {
    let csv = segscope::sample::generate(1, 200);
    let (t, m, ft) = read(&csv);
    let seg = segment(&ft, &Settings::default().options(&ft)).unwrap();
    let model = Model::of("a.csv", &t.headers, &m, &ft, &seg, None);
    // The same file without its leverage and fee columns.
    let drop = |line: &str| {
        let c: Vec<&str> = line.split(',').collect();
        [&c[..6], &c[8..]].concat().join(",")
    };
    assert!(csv.starts_with("account_id,timestamp,instrument,side,quantity,price,leverage,fee,"));
    let cut: String = csv.lines().map(|l| drop(l) + "\n").collect();
    let (t2, _, _) = read(&cut);
    let mut m2 = detect_mapping(&t2);
    model.apply_mapping(&mut m2, &t2);
    let ft2 = extract(&t2, &m2).unwrap();
    let e = model.score(&ft2, &m2, &|| 0.0, &mut |_| {}).unwrap_err();
    assert!(e.contains("\"leverage\" (Leverage), \"fee\" (Fee), which this file lacks"), "{e}");
}

#[test]
fn the_committed_json_schema_is_the_models() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/model.schema.json");
    let generated = segscope::model::schema();
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if committed != generated {
        if std::env::var_os("SEGSCOPE_WRITE_SCHEMA").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        panic!("docs/model.schema.json is not the schema of segscope::model::Model; run with SEGSCOPE_WRITE_SCHEMA=1 to rewrite it");
    }
    // And a model written today declares what the schema requires.
    let v: serde_json::Value = serde_json::from_str(&generated).unwrap();
    let required: Vec<&str> = v["required"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    for key in ["format", "format_version", "preprocessing", "pca", "clustering", "selection"] {
        assert!(required.contains(&key), "{key}");
    }
}

#[test]
fn hand_edited_models_that_could_not_score_are_refused_not_run() {
    let (t, m, ft) = read(&segscope::sample::generate(1, 300));
    let fit = |method| {
        let seg = segment(&ft, &Settings { method, k: Some(3), ..Default::default() }.options(&ft)).unwrap();
        serde_json::from_str::<serde_json::Value>(&Model::of("a.csv", &t.headers, &m, &ft, &seg, None).to_json())
            .unwrap()
    };
    let km = fit(Method::KMeans);
    let gmm = fit(Method::GaussianMixture { covariance: CovarianceType::Full });
    let diag = fit(Method::GaussianMixture { covariance: CovarianceType::Diag });
    let hdb = fit(Method::Hdbscan { min_cluster_size: 10 });
    type Edit = fn(&mut serde_json::Value);
    let cases: Vec<(&serde_json::Value, &str, Edit)> = vec![
        (&gmm, "a covariance with a row too many", |v| {
            let c = &mut v["clustering"]["covariances"][0];
            let row = c[0].clone();
            c.as_array_mut().unwrap().push(row);
        }),
        (&gmm, "a covariance with a row too few", |v| {
            v["clustering"]["covariances"][0].as_array_mut().unwrap().pop();
        }),
        (&gmm, "a zero mixture weight", |v| v["clustering"]["weights"][0] = 0.0.into()),
        (&gmm, "two segments on one component", |v| {
            v["clustering"]["component_of_segment"][1] = v["clustering"]["component_of_segment"][0].clone()
        }),
        (&diag, "a diagonal covariance with an off-diagonal value", |v| {
            v["clustering"]["covariances"][0][0][1] = 0.5.into()
        }),
        (&km, "k = 0", |v| {
            v["selection"]["k"] = 0.into();
            v["clustering"]["centres"] = serde_json::json!([]);
        }),
        (&km, "no clustering feature", |v| v["clustering_space"] = serde_json::json!([])),
        (&km, "no PCA component", |v| {
            v["pca"]["components"] = serde_json::json!([]);
            v["pca"]["explained_variance"] = serde_json::json!([]);
            v["pca"]["explained_variance_ratio"] = serde_json::json!([]);
        }),
        (&km, "a scale of 0", |v| v["preprocessing"]["steps"][0]["scale"] = 0.0.into()),
        (&km, "a kept feature without a median", |v| {
            v["preprocessing"]["steps"][0]["median"] = serde_json::Value::Null
        }),
        (&km, "a segment list that is not k long", |v| {
            v["segments"].as_array_mut().unwrap().pop();
        }),
        (&hdb, "no HDBSCAN point", |v| {
            v["clustering"]["points"] = serde_json::json!([]);
            v["clustering"]["segments"] = serde_json::json!([]);
        }),
    ];
    for (base, what, edit) in cases {
        let mut v = base.clone();
        edit(&mut v);
        let e = Model::from_json("edited.json", &v.to_string()).expect_err(what);
        assert!(matches!(e, ModelError::Inconsistent { .. } | ModelError::Malformed { .. }), "{what}: {e:?}");
    }
}
