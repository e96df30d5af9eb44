//! Writes, for each CSV file given and each method, what `tests/sql/check.py`
//! compares: the app's features and segments (the same code the page runs),
//! the saved model, and the model's scoring scripts for DuckDB and Spark.
//!
//! Usage: `cargo run --release --example sql_cases -- OUT_DIR FILE.csv ...`
//! (`sample` stands for the built-in sample, written to `OUT_DIR/sample.csv`).
//! For each file `F` and method `M` (`kmeans`, `gmm`), writes into
//! `OUT_DIR/F-M/`: `features.csv` (account id, then each feature, full
//! precision, empty where the app has no value), `segments.csv` (account id,
//! segment, pc1, pc2, near_tie), `model.json`, `duckdb.sql`, `spark.sql`,
//! and a link or copy of the input as `F`. Prints one line per case.

use segscope::analysis::{segment, CovarianceType, Method};
use segscope::features::extract;
use segscope::ingest::{detect_mapping, parse_bytes};
use segscope::job::Settings;
use segscope::model::sql::{script, Dialect};
use segscope::model::Model;
use std::fmt::Write as _;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (out, files) = args.split_first().ok_or("usage: sql_cases OUT_DIR FILE.csv ...")?;
    let out = Path::new(out);
    std::fs::create_dir_all(out)?;
    for file in files {
        let (name, bytes) = if file == "sample" {
            ("sample.csv".to_string(), segscope::sample::sample_csv().into_bytes())
        } else {
            let p = Path::new(file);
            (p.file_name().ok_or("no file name")?.to_string_lossy().into_owned(), std::fs::read(p)?)
        };
        let (_, t) = parse_bytes(&bytes)?;
        let m = detect_mapping(&t);
        let ft = extract(&t, &m)?;
        for (label, method) in
            [("kmeans", Method::KMeans), ("gmm", Method::GaussianMixture { covariance: CovarianceType::Full })]
        {
            let settings = Settings { method, ..Default::default() };
            let seg = segment(&ft, &settings.options(&ft))?;
            let model = Model::of(&name, &t.headers, &m, &ft, &seg, None);
            let dir = out.join(format!("{}-{label}", name.trim_end_matches(".csv")));
            std::fs::create_dir_all(&dir)?;
            std::fs::write(dir.join(&name), &bytes)?;
            std::fs::write(dir.join("model.json"), model.to_json())?;
            for d in Dialect::ALL {
                std::fs::write(dir.join(format!("{}.sql", d.key())), script(&model, d, &name)?)?;
            }
            let mut features = String::from("account_id");
            for def in &ft.defs {
                write!(features, ",{}", def.key)?;
            }
            features.push('\n');
            for (i, id) in ft.ids.iter().enumerate() {
                features.push_str(&csv_field(id));
                for v in ft.values.row(i) {
                    if v.is_finite() {
                        write!(features, ",{v:E}")?;
                    } else {
                        features.push(',');
                    }
                }
                features.push('\n');
            }
            std::fs::write(dir.join("features.csv"), features)?;
            let mut segments = String::from("account_id,segment,pc1,pc2,margin\n");
            for (i, id) in ft.ids.iter().enumerate() {
                writeln!(
                    segments,
                    "{},{},{:E},{:E},{:E}",
                    csv_field(id),
                    seg.segments[i],
                    seg.projection[[i, 0]],
                    seg.projection[[i, 1]],
                    seg.margin.get(i).copied().unwrap_or(f64::NAN)
                )?;
            }
            std::fs::write(dir.join("segments.csv"), segments)?;
            println!("{} {} accounts, {} features, k = {}", dir.display(), ft.ids.len(), ft.defs.len(), seg.k);
        }
    }
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
