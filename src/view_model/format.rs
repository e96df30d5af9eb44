//! Numbers as the page writes them, and the page's one-line texts made of
//! them: the progress line under the bar and the **Timings** line.

use super::response::{Loaded, ResultView};
use crate::job::{FeatureSource, Stage};

/// Compact number for tables: 3 significant digits, k/M/B suffixes; `–`
/// for a value that is not finite (a feature undefined for an account).
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let a = v.abs();
    match a {
        a if a >= 1e9 => format!("{:.2}B", v / 1e9),
        a if a >= 1e6 => format!("{:.2}M", v / 1e6),
        a if a >= 1e4 => format!("{:.1}k", v / 1e3),
        a if a >= 100.0 => format!("{v:.0}"),
        a if a >= 1.0 => format!("{v:.2}"),
        0.0 => "0".into(),
        _ => format!("{v:.3}"),
    }
}

/// A size in bytes: `12.3 MB` from a million bytes, else `456 kB` (decimal units).
pub fn fmt_bytes(b: f64) -> String {
    if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.0} kB", b / 1e3)
    }
}

/// The line beside the progress bar: bytes while reading, rows while
/// computing features (when counted), else the stage's label.
pub fn progress_text(stage: Stage, done: f64, total: f64) -> String {
    match stage {
        Stage::Read => format!("Reading {} of {}", fmt_bytes(done), fmt_bytes(total)),
        Stage::ReadFeatures => format!("Reading and extracting features: {} of {}", fmt_bytes(done), fmt_bytes(total)),
        Stage::Features if total > 0.0 => format!("Extracting features: row {} of {}", fmt_num(done), fmt_num(total)),
        _ => format!("{}…", stage.label()),
    }
}

/// The **Timings** line: file, size, read, features, analysis (with its
/// steps), the scatter's last `render_ms` (0 before the first draw) and
/// the worker's memory.
pub fn timings_text(l: &Loaded, r: &ResultView, render_ms: Option<f64>) -> String {
    format!(
        "{}: {} · read {:.0} ms · features {} · analysis {:.0} ms ({}) · render {:.0} ms · worker memory {}",
        l.name,
        fmt_bytes(l.bytes),
        l.read_ms,
        match r.features_from {
            FeatureSource::Reused => "reused".to_string(),
            FeatureSource::WhileReading => "while reading".to_string(),
            FeatureSource::Computed => format!("{:.0} ms", r.features_ms),
        },
        r.analysis_ms,
        r.seg.stage_ms.iter().map(|(s, ms)| format!("{s} {ms:.0}")).collect::<Vec<_>>().join(", "),
        render_ms.unwrap_or(0.0),
        fmt_bytes(r.memory_bytes)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view_model::response::testing::{loaded, result};

    #[test]
    fn numbers_keep_three_significant_digits() {
        let cases: [(f64, &str); 18] = [
            (f64::NAN, "–"),
            (f64::INFINITY, "–"),
            (0.0, "0"),
            (-0.0, "0"),
            (0.0123, "0.012"),
            (-0.5, "-0.500"),
            (1.0, "1.00"),
            (99.994, "99.99"),
            (100.0, "100"),
            (9999.4, "9999"),
            (10_000.0, "10.0k"),
            (-12_345.0, "-12.3k"),
            (999_949.0, "999.9k"),
            (1e6, "1.00M"),
            (2_345_678.0, "2.35M"),
            (1e9, "1.00B"),
            (-3.456e12, "-3456.00B"),
            (0.0005, "0.001"),
        ];
        for (v, s) in cases {
            assert_eq!(fmt_num(v), s, "{v}");
        }
    }

    #[test]
    fn bytes_in_kb_below_a_megabyte() {
        assert_eq!(fmt_bytes(0.0), "0 kB");
        assert_eq!(fmt_bytes(999_499.0), "999 kB");
        assert_eq!(fmt_bytes(1e6), "1.0 MB");
        assert_eq!(fmt_bytes(83_412_345.0), "83.4 MB");
    }

    #[test]
    fn progress_lines() {
        assert_eq!(progress_text(Stage::Read, 2e6, 8.34e7), "Reading 2.0 MB of 83.4 MB");
        assert_eq!(
            progress_text(Stage::ReadFeatures, 5e5, 8.34e7),
            "Reading and extracting features: 500 kB of 83.4 MB"
        );
        assert_eq!(progress_text(Stage::Features, 12_000.0, 38_788.0), "Extracting features: row 12.0k of 38.8k");
        assert_eq!(progress_text(Stage::Features, 0.0, 0.0), "Extracting features…");
        assert_eq!(progress_text(Stage::Analysis, 0.0, 0.0), "Scaling, clustering and PCA…");
    }

    #[test]
    fn timings_line() {
        let (l, mut r) = (loaded(), result());
        std::sync::Arc::make_mut(&mut r.seg).stage_ms = vec![("scale".into(), 1.2), ("k sweep".into(), 30.6)];
        (r.features_ms, r.analysis_ms, r.memory_bytes) = (12.4, 40.5, 3.2e7);
        assert_eq!(
            timings_text(&l, &r, Some(7.6)),
            "s.csv: 1.5 MB · read 101 ms · features 12 ms · analysis 40 ms (scale 1, k sweep 31) · render 8 ms · worker memory 32.0 MB"
        );
        r.features_from = FeatureSource::Reused;
        assert!(timings_text(&l, &r, None).contains(" · features reused · "));
        assert!(timings_text(&l, &r, None).contains(" · render 0 ms · "));
        r.features_from = FeatureSource::WhileReading;
        assert!(timings_text(&l, &r, None).contains(" · features while reading · "));
    }
}
