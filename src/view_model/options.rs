//! The one mapping between the page's choices and the `value`s of their
//! `<option>`s. Those values are part of the README's automation contract
//! (selects **Method**, **Scaling**, **Transform of <feature>**, **Rows with
//! the wrong number of fields**, **Quoting**): they must not change.

use super::inputs::DEFAULT_MIN_CLUSTER_SIZE;
use crate::analysis::{CovarianceType, Method, Scaling, TransformChoice};
use crate::ingest::time::TimeFormat;
use crate::ingest::{DataKind, Quoting, RaggedRows};
use crate::job::FeatureSet;

/// A choice offered in a `<select>`: the `value` of its `<option>`, and back.
pub trait OptionValue: Sized {
    /// The `<option value>` of this choice.
    fn value(&self) -> &'static str;
    /// The choice with option value `v`; `None` for a value the page never offers.
    fn from_value(v: &str) -> Option<Self>;
}

/// Select **Method**. `"hdbscan"` gives [`DEFAULT_MIN_CLUSTER_SIZE`]: the
/// page puts the size the user chose in its place
/// ([`super::inputs::choose_method`]).
impl OptionValue for Method {
    fn value(&self) -> &'static str {
        match self {
            Method::KMeans => "kmeans",
            Method::GaussianMixture { covariance: CovarianceType::Full } => "gmm-full",
            Method::GaussianMixture { covariance: CovarianceType::Diag } => "gmm-diag",
            Method::Hdbscan { .. } => "hdbscan",
        }
    }
    fn from_value(v: &str) -> Option<Self> {
        Some(match v {
            "kmeans" => Method::KMeans,
            "gmm-full" => Method::GaussianMixture { covariance: CovarianceType::Full },
            "gmm-diag" => Method::GaussianMixture { covariance: CovarianceType::Diag },
            "hdbscan" => Method::Hdbscan { min_cluster_size: DEFAULT_MIN_CLUSTER_SIZE },
            _ => return None,
        })
    }
}

/// Select **Scaling**.
impl OptionValue for Scaling {
    fn value(&self) -> &'static str {
        match self {
            Scaling::Standard => "standard",
            Scaling::Robust => "robust",
        }
    }
    fn from_value(v: &str) -> Option<Self> {
        Some(match v {
            "standard" => Scaling::Standard,
            "robust" => Scaling::Robust,
            _ => return None,
        })
    }
}

/// Selects **Transform of <feature>**.
impl OptionValue for TransformChoice {
    fn value(&self) -> &'static str {
        match self {
            TransformChoice::Auto => "auto",
            TransformChoice::None => "none",
            TransformChoice::Log1p => "log1p",
            TransformChoice::YeoJohnson => "yeo-johnson",
        }
    }
    fn from_value(v: &str) -> Option<Self> {
        Some(match v {
            "auto" => TransformChoice::Auto,
            "none" => TransformChoice::None,
            "log1p" => TransformChoice::Log1p,
            "yeo-johnson" => TransformChoice::YeoJohnson,
            _ => return None,
        })
    }
}

/// Select **Rows with the wrong number of fields**.
impl OptionValue for RaggedRows {
    fn value(&self) -> &'static str {
        match self {
            RaggedRows::Skip => "skip",
            RaggedRows::Reject => "reject",
        }
    }
    fn from_value(v: &str) -> Option<Self> {
        Some(match v {
            "skip" => RaggedRows::Skip,
            "reject" => RaggedRows::Reject,
            _ => return None,
        })
    }
}

/// Select **Quoting**.
impl OptionValue for Quoting {
    fn value(&self) -> &'static str {
        match self {
            Quoting::Auto => "auto",
            Quoting::Off => "off",
        }
    }
    fn from_value(v: &str) -> Option<Self> {
        Some(match v {
            "auto" => Quoting::Auto,
            "off" => Quoting::Off,
            _ => return None,
        })
    }
}

/// Select **Data kind** in the Column mapping panel.
impl OptionValue for DataKind {
    fn value(&self) -> &'static str {
        match self {
            DataKind::Trades => "trades",
            DataKind::Transactions => "transactions",
            DataKind::CustomerTable => "customers",
        }
    }
    fn from_value(v: &str) -> Option<Self> {
        Some(match v {
            "trades" => DataKind::Trades,
            "transactions" => DataKind::Transactions,
            "customers" => DataKind::CustomerTable,
            _ => return None,
        })
    }
}

/// Option values of select **Timestamp format**: the position of the format in [`TimeFormat::ALL`].
const TIME_FORMAT_VALUES: [&str; TimeFormat::ALL.len()] = ["0", "1", "2", "3", "4", "5", "6", "7"];

/// Select **Timestamp format**: the format's position in [`TimeFormat::ALL`].
impl OptionValue for TimeFormat {
    fn value(&self) -> &'static str {
        let i = TimeFormat::ALL.iter().position(|f| f == self).unwrap_or(0);
        TIME_FORMAT_VALUES[i]
    }
    fn from_value(v: &str) -> Option<Self> {
        TIME_FORMAT_VALUES.iter().position(|s| *s == v).map(|i| TimeFormat::ALL[i])
    }
}

/// Select **Feature set**. `"custom"` gives an empty list: the page fills
/// in the features in use when the user switches to it.
impl OptionValue for FeatureSet {
    fn value(&self) -> &'static str {
        match self {
            FeatureSet::Behaviour => "behaviour",
            FeatureSet::All => "all",
            FeatureSet::Custom(_) => "custom",
        }
    }
    fn from_value(v: &str) -> Option<Self> {
        Some(match v {
            "behaviour" => FeatureSet::Behaviour,
            "all" => FeatureSet::All,
            "custom" => FeatureSet::Custom(Vec::new()),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every choice's value maps back to it, and the values are exactly `expected`, in order.
    fn round_trip<T: OptionValue + PartialEq + std::fmt::Debug>(all: &[T], expected: &[&str]) {
        let values: Vec<&str> = all.iter().map(|c| c.value()).collect();
        assert_eq!(values, expected);
        for c in all {
            assert_eq!(T::from_value(c.value()).as_ref(), Some(c), "{:?}", c.value());
        }
        assert_eq!(T::from_value(""), None);
        assert_eq!(T::from_value("no such option"), None);
    }

    #[test]
    fn method_values_are_the_readme_ones() {
        let all = [
            Method::KMeans,
            Method::GaussianMixture { covariance: CovarianceType::Full },
            Method::GaussianMixture { covariance: CovarianceType::Diag },
            Method::Hdbscan { min_cluster_size: DEFAULT_MIN_CLUSTER_SIZE },
        ];
        round_trip(&all, &["kmeans", "gmm-full", "gmm-diag", "hdbscan"]);
        // Any min cluster size is "hdbscan".
        assert_eq!(Method::Hdbscan { min_cluster_size: 60 }.value(), "hdbscan");
    }

    #[test]
    fn scaling_transform_ragged_kind_values() {
        round_trip(&[Scaling::Standard, Scaling::Robust], &["standard", "robust"]);
        round_trip(
            &[TransformChoice::Auto, TransformChoice::None, TransformChoice::Log1p, TransformChoice::YeoJohnson],
            &["auto", "none", "log1p", "yeo-johnson"],
        );
        round_trip(&RaggedRows::ALL, &["skip", "reject"]);
        round_trip(&Quoting::ALL, &["auto", "off"]);
        round_trip(
            &[FeatureSet::Behaviour, FeatureSet::All, FeatureSet::Custom(Vec::new())],
            &["behaviour", "all", "custom"],
        );
        round_trip(
            &[DataKind::Trades, DataKind::Transactions, DataKind::CustomerTable],
            &["trades", "transactions", "customers"],
        );
    }

    #[test]
    fn time_formats_are_their_positions() {
        round_trip(&TimeFormat::ALL, &["0", "1", "2", "3", "4", "5", "6", "7"]);
        assert_eq!(TimeFormat::from_value("8"), None);
    }
}
