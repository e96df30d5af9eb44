//! The analysis settings in the page's address, after `#`: a link or a
//! bookmark brings back k, seed, method, min cluster size, scaling, feature
//! set and balancing for the next file dropped (the file itself never goes
//! into the address; transform overrides and the ragged-rows choice are not
//! kept).
//!
//! Form: `k=6&seed=42&method=kmeans&scaling=standard&features=behaviour&balance=1`,
//! with `features=custom:<key>,<key>,...` for a custom feature set (keys
//! percent-encoded), `mcs=<n>` for HDBSCAN's min cluster size, and the test
//! hook `crash-test` as a bare word. The Risk view's thresholds follow when
//! they are not the defaults ([`super::risk::risk_fragment`]), and so do the
//! scatter's axes, colouring and biplot arrows ([`plot_fragment`]); each
//! reader ignores the others' keys. Missing or unreadable parts keep the
//! defaults; nothing in it is ever sent anywhere.

use super::explore::{axis_value, parse_axis, Axes, ColourBy, PlotChoice};
use super::inputs::{parse_k, parse_min_cluster_size, parse_seed};
use super::options::OptionValue;
use crate::analysis::{Method, Scaling};
use crate::job::{FeatureSet, Settings};

/// The fragment (without `#`) for `s`, with the `crash-test` hook if asked.
pub fn to_fragment(s: &Settings, crash_test: bool) -> String {
    let mut parts = Vec::new();
    if let Some(k) = s.k {
        parts.push(format!("k={k}"));
    }
    parts.push(format!("seed={}", s.seed));
    parts.push(format!("method={}", s.method.value()));
    if let Method::Hdbscan { min_cluster_size } = s.method {
        parts.push(format!("mcs={min_cluster_size}"));
    }
    parts.push(format!("scaling={}", s.scaling.value()));
    parts.push(match &s.features {
        FeatureSet::Custom(keys) => {
            format!("features=custom:{}", keys.iter().map(|k| encode(k)).collect::<Vec<_>>().join(","))
        }
        f => format!("features={}", f.value()),
    });
    if s.balance_families {
        parts.push("balance=1".into());
    }
    if crash_test {
        parts.push("crash-test".into());
    }
    parts.join("&")
}

/// The settings `fragment` (with or without `#`) gives, starting from
/// `base`, and whether it holds the `crash-test` hook.
pub fn from_fragment(fragment: &str, base: Settings) -> (Settings, bool) {
    let mut s = base;
    let mut crash_test = false;
    let mut mcs = None;
    for part in fragment.trim_start_matches('#').split('&') {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        match key {
            "crash-test" => crash_test = true,
            "k" => s.k = parse_k(value).unwrap_or(s.k),
            "seed" => s.seed = parse_seed(value).unwrap_or(s.seed),
            "method" => s.method = Method::from_value(value).unwrap_or(s.method),
            "mcs" => mcs = parse_min_cluster_size(value).ok(),
            "scaling" => s.scaling = Scaling::from_value(value).unwrap_or(s.scaling),
            "features" => {
                s.features = match value.strip_prefix("custom:") {
                    Some(list) => FeatureSet::Custom(list.split(',').filter(|k| !k.is_empty()).map(decode).collect()),
                    None => FeatureSet::from_value(value).unwrap_or(s.features),
                }
            }
            "balance" => s.balance_families = value == "1",
            _ => {}
        }
    }
    if let (Method::Hdbscan { min_cluster_size }, Some(m)) = (&mut s.method, mcs) {
        *min_cluster_size = m;
    }
    (s, crash_test)
}

/// The scatter's choices that are not the defaults, as fragment parts:
/// `x=pc3&y=pc1` (the axes), `colour=<feature key, percent-encoded>` and
/// `biplot=1`; empty for the defaults (PC1 x PC2, by segment, no arrows).
pub fn plot_fragment(p: &PlotChoice) -> String {
    let mut parts = Vec::new();
    if p.axes != Axes::default() {
        parts.push(format!("x={}&y={}", axis_value(p.axes.x), axis_value(p.axes.y)));
    }
    if let ColourBy::Feature(key) = &p.colour_by {
        parts.push(format!("colour={}", encode(key)));
    }
    if p.biplot {
        parts.push("biplot=1".into());
    }
    parts.join("&")
}

/// The scatter's choices `fragment` (with or without `#`) gives, starting
/// from the defaults. Axes take effect only both together (`x` and `y`
/// readable as `pc<n>`); a colouring key not in the next result's features
/// colours by segment there ([`super::explore::Colouring`]).
pub fn plot_from_fragment(fragment: &str) -> PlotChoice {
    let mut p = PlotChoice::default();
    let (mut x, mut y) = (None, None);
    for part in fragment.trim_start_matches('#').split('&') {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        match key {
            "x" => x = parse_axis(value),
            "y" => y = parse_axis(value),
            "colour" if !value.is_empty() => p.colour_by = ColourBy::Feature(decode(value)),
            "biplot" => p.biplot = value == "1",
            _ => {}
        }
    }
    if let (Some(x), Some(y)) = (x, y) {
        p.axes = Axes { x, y };
    }
    p
}

/// `%XX` for every byte but ASCII letters, digits, `_`, `-` and `.`.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The inverse of [`encode`] (a malformed escape is kept as it is).
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::CovarianceType;

    #[test]
    fn settings_round_trip_through_the_fragment() {
        let cases = [
            Settings::default(),
            Settings { k: Some(6), seed: 7, features: FeatureSet::All, balance_families: true, ..Settings::default() },
            Settings {
                method: Method::Hdbscan { min_cluster_size: 12 },
                scaling: Scaling::Robust,
                features: FeatureSet::Custom(vec!["trade_count".into(), "odd name, & = # %".into(), "é".into()]),
                ..Settings::default()
            },
            Settings { method: Method::GaussianMixture { covariance: CovarianceType::Diag }, ..Settings::default() },
        ];
        for s in cases {
            for crash in [false, true] {
                let f = to_fragment(&s, crash);
                assert!(!f.contains('#') && !f.contains(' '), "{f}");
                assert_eq!(from_fragment(&format!("#{f}"), Settings::default()), (s.clone(), crash), "{f}");
            }
        }
        assert_eq!(
            to_fragment(&Settings::default(), false),
            "seed=42&method=kmeans&scaling=standard&features=behaviour"
        );
    }

    #[test]
    fn the_scatters_choices_round_trip_and_the_defaults_write_nothing() {
        assert_eq!(plot_fragment(&PlotChoice::default()), "");
        assert_eq!(plot_from_fragment("#k=6&seed=1"), PlotChoice::default());
        let p =
            PlotChoice { axes: Axes { x: 2, y: 0 }, colour_by: ColourBy::Feature("p&l share=é".into()), biplot: true };
        let f = plot_fragment(&p);
        assert_eq!(f, "x=pc3&y=pc1&colour=p%26l%20share%3D%C3%A9&biplot=1");
        assert_eq!(plot_from_fragment(&format!("#k=6&{f}&shock=20")), p);
        // The settings reader ignores these keys, and this one the settings'.
        let (s, _) = from_fragment(&f, Settings::default());
        assert_eq!(s, Settings::default());
        // One axis alone, or an unreadable one, keeps PC1 x PC2.
        assert_eq!(plot_from_fragment("x=pc3").axes, Axes::default());
        assert_eq!(plot_from_fragment("x=pc3&y=foo").axes, Axes::default());
        assert_eq!(plot_from_fragment("x=pc0&y=pc2").axes, Axes::default());
    }

    #[test]
    fn the_old_crash_test_hook_and_junk_keep_the_defaults() {
        assert_eq!(from_fragment("#crash-test", Settings::default()), (Settings::default(), true));
        let (s, crash) = from_fragment("#k=1&seed=x&method=nope&features=some&zzz&k=500", Settings::default());
        assert_eq!((s, crash), (Settings::default(), false));
    }
}
