//! The page's number inputs (**Segments (k)**, **Seed**, **Min cluster
//! size**): what they accept, the message when they do not, and how the
//! HDBSCAN minimum cluster size is kept while another method is selected.

use crate::analysis::Method;
use crate::job::Settings;

/// HDBSCAN minimum cluster size the page starts with: segments smaller than this are not worth naming.
pub const DEFAULT_MIN_CLUSTER_SIZE: usize = 20;

/// Input **Segments (k)**: empty (after trimming) = `None` (k chosen by
/// the sweep), else a whole number from 2 to 20.
///
/// Errors: the message for the page's alert.
pub fn parse_k(text: &str) -> Result<Option<usize>, String> {
    let v = text.trim();
    if v.is_empty() {
        return Ok(None);
    }
    match v.parse::<usize>() {
        Ok(n) if (2..=20).contains(&n) => Ok(Some(n)),
        _ => Err(format!(
            "Segments (k): \"{v}\" is not a whole number from 2 to 20. Enter one, or leave it empty to choose k automatically."
        )),
    }
}

/// Input **Seed**: a whole number of 0 or more.
///
/// Errors: the message for the page's alert.
pub fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim().parse::<u64>().map_err(|_| "Seed: enter a whole number of 0 or more.".to_string())
}

/// Most characters of a segment name the user types (longer ones are cut).
pub const MAX_NAME_CHARS: usize = 80;

/// Input **Name of segment N**: the name typed, with whitespace runs (tabs,
/// line breaks) made single spaces and cut to [`MAX_NAME_CHARS`]
/// characters; `None` when nothing is left (the generated name comes back).
pub fn segment_name_input(text: &str) -> Option<String> {
    let name: String = text.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(MAX_NAME_CHARS).collect();
    (!name.is_empty()).then_some(name)
}

/// Input **Min cluster size**: a whole number of 2 or more.
///
/// Errors: the message for the page's alert.
pub fn parse_min_cluster_size(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(m) if m >= 2 => Ok(m),
        _ => Err("Min cluster size: enter a whole number of 2 or more.".to_string()),
    }
}

// HDBSCAN's minimum cluster size lives in ONE place at a time: in
// `settings.method` (`Method::Hdbscan { min_cluster_size }`) while HDBSCAN
// is selected, else in `aside` (the page's `AppState`), so that choosing
// HDBSCAN again brings back the size chosen before.

/// The minimum cluster size the page shows: `settings`' while HDBSCAN is selected, else `aside`.
pub fn min_cluster_size(settings: &Settings, aside: usize) -> usize {
    match settings.method {
        Method::Hdbscan { min_cluster_size } => min_cluster_size,
        _ => aside,
    }
}

/// Selects method `m`: HDBSCAN takes the size in `aside` (whatever `m`
/// carries); leaving HDBSCAN puts its size in `aside`.
pub fn choose_method(settings: &mut Settings, aside: &mut usize, m: Method) {
    if let Method::Hdbscan { min_cluster_size } = settings.method {
        *aside = min_cluster_size;
    }
    settings.method = match m {
        Method::Hdbscan { .. } => Method::Hdbscan { min_cluster_size: *aside },
        m => m,
    };
}

/// Sets the minimum cluster size: in `settings.method` while HDBSCAN is selected, else in `aside`.
pub fn set_min_cluster_size(settings: &mut Settings, aside: &mut usize, size: usize) {
    match &mut settings.method {
        Method::Hdbscan { min_cluster_size } => *min_cluster_size = size,
        _ => *aside = size,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn segment_names_typed_are_tidied_and_an_empty_one_means_the_generated() {
        assert_eq!(segment_name_input("  VIP\twhales \n"), Some("VIP whales".into()));
        assert_eq!(segment_name_input(" \t "), None);
        assert_eq!(segment_name_input(&"é".repeat(100)).map(|n| n.chars().count()), Some(MAX_NAME_CHARS));
    }

    use super::*;
    use crate::analysis::CovarianceType;

    #[test]
    fn k_is_empty_or_2_to_20() {
        assert_eq!(parse_k(""), Ok(None));
        assert_eq!(parse_k("  "), Ok(None));
        assert_eq!(parse_k(" 4 "), Ok(Some(4)));
        assert_eq!(parse_k("2"), Ok(Some(2)));
        assert_eq!(parse_k("20"), Ok(Some(20)));
        assert_eq!(
            parse_k(" 21 "),
            Err("Segments (k): \"21\" is not a whole number from 2 to 20. Enter one, or leave it empty to choose k automatically.".into())
        );
        assert!(parse_k("1").is_err());
        assert!(parse_k("3.5").is_err());
        assert!(parse_k("-3").is_err());
    }

    #[test]
    fn seed_and_min_cluster_size() {
        assert_eq!(parse_seed(" 0 "), Ok(0));
        assert_eq!(parse_seed("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(parse_seed("-1"), Err("Seed: enter a whole number of 0 or more.".into()));
        assert_eq!(parse_seed(""), Err("Seed: enter a whole number of 0 or more.".into()));
        assert_eq!(parse_min_cluster_size("60"), Ok(60));
        assert_eq!(parse_min_cluster_size(" 2"), Ok(2));
        assert_eq!(parse_min_cluster_size("1"), Err("Min cluster size: enter a whole number of 2 or more.".into()));
        assert!(parse_min_cluster_size("x").is_err());
    }

    #[test]
    fn min_cluster_size_survives_another_method() {
        let (mut s, mut aside) = (Settings::default(), DEFAULT_MIN_CLUSTER_SIZE);
        assert_eq!(min_cluster_size(&s, aside), 20);
        // Set while k-means is selected (the input is hidden then, but the value is kept).
        set_min_cluster_size(&mut s, &mut aside, 30);
        assert_eq!(s.method, Method::KMeans);
        choose_method(&mut s, &mut aside, Method::Hdbscan { min_cluster_size: DEFAULT_MIN_CLUSTER_SIZE });
        assert_eq!(s.method, Method::Hdbscan { min_cluster_size: 30 });
        set_min_cluster_size(&mut s, &mut aside, 60);
        assert_eq!(s.method, Method::Hdbscan { min_cluster_size: 60 });
        let gmm = Method::GaussianMixture { covariance: CovarianceType::Diag };
        choose_method(&mut s, &mut aside, gmm);
        assert_eq!((s.method, aside, min_cluster_size(&s, aside)), (gmm, 60, 60));
        choose_method(&mut s, &mut aside, Method::Hdbscan { min_cluster_size: 5 });
        assert_eq!(s.method, Method::Hdbscan { min_cluster_size: 60 });
    }
}
