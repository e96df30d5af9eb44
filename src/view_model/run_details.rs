//! Region **Run details**: what a run was made from and with, so that a
//! result can be reproduced and its input recognised: the file (name,
//! bytes, SHA-256 of its bytes), the rows and accounts used, the app's
//! version, the method as it ran, k and how it was chosen, the seed, the
//! scaling, the feature set and the transforms chosen by hand. The same
//! file and settings give the same segments, names and colours.

use crate::analysis::Segmentation;
use crate::features::FeatureTable;
use crate::job::{FeatureSet, Settings};
use crate::view_model::display::escaped;

/// The SHA-256 as the page shows it: the hex, "computing…", or why not.
pub fn sha256_text(sha: Option<&Result<String, String>>) -> String {
    match sha {
        None => "computing…".into(),
        Some(Ok(hex)) => hex.clone(),
        Some(Err(e)) => format!("not computed: {e}"),
    }
}

/// The (label, value) rows of **Run details** for the result on screen:
/// `ft` and `seg` read from `file_name` (`bytes` long) under `settings`.
pub fn run_details(
    file_name: &str,
    bytes: f64,
    sha: Option<&Result<String, String>>,
    ft: &FeatureTable,
    seg: &Segmentation,
    settings: &Settings,
) -> Vec<(&'static str, String)> {
    let features = match &settings.features {
        FeatureSet::Behaviour => "behaviour".to_string(),
        FeatureSet::All => "all".to_string(),
        FeatureSet::Custom(keys) => format!("custom ({})", keys.len()),
    };
    // Keys may be a customer table's column names: hidden characters spelled out.
    let used: Vec<String> = seg.used.iter().map(|&j| escaped(&ft.defs[j].key)).collect();
    vec![
        ("File", file_name.to_string()),
        ("Size", format!("{} bytes", crate::ingest::thousands(bytes as u64))),
        ("SHA-256 of the file", sha256_text(sha)),
        ("Rows used", crate::ingest::thousands(ft.rows_used as u64)),
        ("Accounts", crate::ingest::thousands(ft.ids.len() as u64)),
        ("segscope", env!("CARGO_PKG_VERSION").to_string()),
        (
            "Segments",
            if seg.applied {
                format!("{} (from the model in force)", seg.k)
            } else if seg.k_auto {
                format!("{} (chosen automatically)", seg.k)
            } else {
                format!("{} (set)", seg.k)
            },
        ),
        (
            "Method",
            if seg.applied { format!("{} (model applied, not fitted)", seg.algorithm) } else { seg.algorithm.clone() },
        ),
        ("Seed", seg.seed.to_string()),
        ("Scaling", format!("{:?}", seg.preprocessor.scaling).to_lowercase()),
        (
            "Features for clustering",
            format!(
                "{features}{}: {}",
                if settings.balance_families { ", families balanced" } else { "" },
                used.join(", ")
            ),
        ),
        (
            "Transforms set by hand",
            if settings.overrides.is_empty() {
                "none".into()
            } else {
                settings.overrides.iter().map(|(k, t)| format!("{}: {t:?}", escaped(k))).collect::<Vec<_>>().join(", ")
            },
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_is_described_whole() {
        let (_, t) = crate::ingest::parse_bytes(crate::sample::sample_csv().as_bytes()).unwrap();
        let ft = crate::features::extract(&t, &crate::ingest::detect_mapping(&t)).unwrap();
        let settings = Settings::default();
        let seg = crate::analysis::segment(&ft, &settings.options(&ft)).unwrap();
        let sha = Ok("ab12".to_string());
        let rows = run_details("sample_trades.csv", 3_300_000.0, Some(&sha), &ft, &seg, &settings);
        let get = |l: &str| rows.iter().find(|(k, _)| *k == l).map(|(_, v)| v.as_str()).unwrap();
        assert_eq!(get("SHA-256 of the file"), "ab12");
        assert_eq!(get("Accounts"), "3,000");
        assert_eq!(get("Segments"), format!("{} (chosen automatically)", seg.k));
        assert_eq!(get("Seed"), settings.seed.to_string());
        assert!(get("Features for clustering").starts_with("behaviour: trade_count"));
        assert_eq!(get("Transforms set by hand"), "none");
        assert_eq!(sha256_text(None), "computing…");
        // A column name with a bidi control is spelled out.
        let mut ft2 = ft.clone();
        ft2.defs[seg.used[0]].key = "spend\u{202E}gnp".into();
        let rows = run_details("x.csv", 1.0, None, &ft2, &seg, &settings);
        let get = |l: &str| rows.iter().find(|(k, _)| *k == l).map(|(_, v)| v.clone()).unwrap();
        assert!(get("Features for clustering").contains("spend\\u202Egnp"), "{}", get("Features for clustering"));
    }
}
