//! The scoring script's shape and refusals, natively (that it computes what
//! the app computes is checked in DuckDB and Spark by tests/sql/check.py,
//! from the test command).

use segscope::analysis::{segment, CovarianceType, Method};
use segscope::features::extract;
use segscope::ingest::{detect_mapping, parse_bytes};
use segscope::job::Settings;
use segscope::model::sql::{script, Dialect, SelfCheck, SqlError};
use segscope::model::Model;

fn model_of(csv: &str, name: &str, method: Method) -> (Model, Result<String, SqlError>) {
    let (_, t) = parse_bytes(csv.as_bytes()).unwrap();
    let m = detect_mapping(&t);
    let ft = extract(&t, &m).unwrap();
    let seg = segment(&ft, &Settings { method, ..Default::default() }.options(&ft)).unwrap();
    let model = Model::of(name, &t.headers, &m, &ft, &seg, None);
    let with_check = script(&model, Dialect::DuckDb, name, Some(&SelfCheck { ft: &ft, seg: &seg }));
    (model, with_check)
}

/// Statements as a client splits them: on `;` at a line's end.
fn statements(sql: &str) -> Vec<&str> {
    sql.split(";\n").map(str::trim).filter(|s| !s.is_empty()).collect()
}

#[test]
fn a_k_means_script_reads_the_file_first_and_ends_with_one_row_per_account() {
    let (model, checked) = model_of(&segscope::sample::sample_csv(), "sample_trades.csv", Method::KMeans);
    for d in Dialect::ALL {
        let sql = script(&model, d, "trades 2026-01.csv", None).unwrap();
        let parts = statements(&sql);
        let code =
            |s: &str| s.lines().filter(|l| !l.starts_with("--")).collect::<Vec<_>>().join("\n").trim().to_string();
        let first = code(parts[0]);
        assert!(first.starts_with("CREATE OR REPLACE TEMPORARY VIEW segscope_input"), "{d:?}: {first}");
        assert!(first.contains("'trades 2026-01.csv'"), "{d:?}: the file by its name");
        let last = code(parts.last().unwrap());
        assert!(
            last.starts_with("SELECT s.account_id, s.segment, n.name, s.pc1, s.pc2, s.distance, s.margin\n"),
            "{d:?}: {last}"
        );
        assert!(!last.contains("p_segment"), "k-means has no probabilities");
        assert!(sql.starts_with(&format!("-- segscope {} scoring script ({})", env!("CARGO_PKG_VERSION"), d.key())));
        assert!(!sql.contains("segscope_self_check AS"), "no self-check without the app's results");
        assert!(!sql.contains("APPROXIMATION"));
        assert!(!sql.contains("NaN"), "every number finite");
    }
    let checked = checked.unwrap();
    assert!(checked.contains("CREATE OR REPLACE TEMPORARY VIEW segscope_self_check AS"));
    assert_eq!(checked.matches("max_relative_error:").count(), model.features.len());
}

#[test]
fn a_mixture_script_gives_each_segments_probability_and_hdbscan_says_it_approximates() {
    let csv = segscope::sample::generate(5, 600);
    let (model, _) = model_of(&csv, "m.csv", Method::GaussianMixture { covariance: CovarianceType::Full });
    let sql = script(&model, Dialect::Spark, "m.csv", None).unwrap();
    let last = *statements(&sql).last().unwrap();
    let probs: Vec<String> = (1..=model.selection.k).map(|s| format!("s.p_segment_{s}")).collect();
    assert!(last.contains(&format!("s.margin, {}\n", probs.join(", "))), "{last}");
    let (hdbscan, _) = model_of(&csv, "h.csv", Method::Hdbscan { min_cluster_size: 15 });
    let sql = script(&hdbscan, Dialect::DuckDb, "h.csv", None).unwrap();
    assert!(sql.lines().take(12).any(|l| l.starts_with("-- APPROXIMATION: HDBSCAN")), "said in the header");
}

#[test]
fn names_and_file_names_are_quoted_for_each_engine() {
    let (mut model, _) = model_of(&segscope::sample::generate(3, 300), "x.csv", Method::KMeans);
    model.segments[0].name = "Whales' \\ desk".into();
    let duck = script(&model, Dialect::DuckDb, "it's.csv", None).unwrap();
    assert!(duck.contains("'it''s.csv'") && duck.contains("'Whales'' \\ desk'"));
    let spark = script(&model, Dialect::Spark, "it's.csv", None).unwrap();
    assert!(spark.contains("'it\\'s.csv'") && spark.contains("'Whales\\' \\\\ desk'"));
    assert_eq!(Dialect::from_key("spark"), Some(Dialect::Spark));
    assert_eq!(Dialect::from_key("postgres"), None);
}

#[test]
fn a_customer_table_without_an_id_column_is_refused_with_the_reason() {
    let csv = "age,income,spend\n".to_string()
        + &(0..60).map(|i| format!("{},{},{}\n", 20 + i % 40, 15 + (i * 7) % 90, (i * 13) % 100)).collect::<String>();
    let (model, _) = model_of(&csv, "c.csv", Method::KMeans);
    let err = script(&model, Dialect::DuckDb, "c.csv", None).unwrap_err();
    assert!(matches!(err, SqlError::Unsupported(_)));
    assert_eq!(
        err.to_string(),
        "The model cannot be written as SQL yet: the model's table has no customer id column, and rows have no order an SQL engine keeps."
    );
}

#[test]
fn a_model_that_does_not_hold_together_is_refused() {
    let (mut model, _) = model_of(&segscope::sample::generate(3, 300), "x.csv", Method::KMeans);
    model.pca.components.clear();
    assert!(matches!(script(&model, Dialect::DuckDb, "x.csv", None), Err(SqlError::Model(_))));
}

/// docs/sample_trades-duckdb.sql is the sample's script as **Download SQL**
/// writes it on the page (the e2e test compares the page's download with the
/// same file); `SEGSCOPE_WRITE_SQL=1 cargo test --test sql_script` rewrites it.
#[test]
fn the_committed_example_is_the_samples_script() {
    let (_, sql) = model_of(&segscope::sample::sample_csv(), segscope::sample::SAMPLE_FILE_NAME, Method::KMeans);
    let sql = sql.unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/sample_trades-duckdb.sql");
    if std::env::var_os("SEGSCOPE_WRITE_SQL").is_some() {
        std::fs::write(&path, &sql).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == sql,
        "docs/sample_trades-duckdb.sql is stale: run SEGSCOPE_WRITE_SQL=1 cargo test --test sql_script"
    );
}
