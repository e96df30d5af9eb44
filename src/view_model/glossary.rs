//! The page's **Glossary**: each statistical term the results use, in a
//! sentence a non-statistician can act on, with its source.

/// (term, explanation), in the order the results show them.
pub const GLOSSARY: [(&str, &str); 12] = [
    ("Segment", "A group of accounts that behave alike on the features used for clustering; numbered by size, largest first, and named from what sets it apart."),
    ("Silhouette", "How much closer each account is to its own segment than to the next one, from -1 to 1 (Rousseeuw 1987); above 0.5 the segments are well apart, near 0 they overlap."),
    ("Calinski-Harabasz index", "Spread between segments over spread within them (Calinski and Harabasz 1974); higher is better. Used to choose k automatically."),
    ("Davies-Bouldin index", "The average, over segments, of how close a segment is to its most similar one relative to their sizes (Davies and Bouldin 1979); lower is better."),
    ("Inertia", "The sum of squared distances of accounts to their segment's centre (k-means' objective); it always falls as k grows, so look for where it stops falling fast."),
    ("BIC", "Bayesian information criterion of a Gaussian mixture: fit penalised by the number of parameters (Schwarz 1978); lower is better."),
    ("Adjusted Rand index (ARI)", "Agreement of two segmentations of the same accounts, corrected for chance (Hubert and Arabie 1985): 1 = identical, 0 = as by chance. Stability is the ARI between fits on random subsamples."),
    ("SD / IQR", "The units of 'what sets it apart': standard deviations (standard scaling) or interquartile ranges (robust scaling) from the overall centre, after the feature's transform. 0.2 is a small difference, 0.8 a large one (Cohen 1988)."),
    ("Yeo-Johnson", "A power transform that makes a skewed feature closer to normal, for positive and negative values alike (Yeo and Johnson 2000); its lambda is fitted by maximum likelihood, as scikit-learn's PowerTransformer."),
    ("PC1, PC2", "The first two principal components: the directions along which accounts differ most (PCA). The scatter plots each account on them; the loadings say which features make each one."),
    ("Explained variance ratio", "Each principal component's share of the total variance of the scaled features; the scree plot shows them and their running total."),
    ("PSI", "Population stability index of a feature between two periods, over the first period's deciles: below 0.1 stable, 0.1 to 0.25 moderate drift, above 0.25 major drift."),
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_term_the_new_user_asked_about_is_explained() {
        let terms: Vec<&str> = super::GLOSSARY.iter().map(|(t, _)| *t).collect();
        for t in
            ["Calinski-Harabasz index", "Davies-Bouldin index", "Adjusted Rand index (ARI)", "Yeo-Johnson", "PC1, PC2"]
        {
            assert!(terms.contains(&t), "{t}");
        }
        assert!(super::GLOSSARY.iter().all(|(_, e)| e.len() > 40 && e.ends_with('.')));
    }
}
