//! The work of a job once its file is read: the mapping in force
//! ([`mapping_for`]), the features ([`features`]) and the analysis of them
//! ([`segment_features`]), or both in turn ([`analyse`]).

use super::{FeatureSource, JobError, Outcome, Request, Stage};
use crate::analysis::segment_timed;
use crate::features::{extract_with_progress, FeatureTable};
use crate::ingest::{detect_mapping, Mapping, Table};
use std::sync::Arc;

/// The mapping a job uses: the page's (or detected), with the edits applied.
///
/// With a model and no mapping from the page, the model's mapping is applied
/// to the detected one (by header name) before the edits.
pub fn mapping_for(req: &Request, t: &Table) -> Mapping {
    let fresh = req.mapping.is_none();
    let mut m = req.mapping.clone().unwrap_or_else(|| detect_mapping(t));
    if fresh {
        if let Ok(Some(model)) = req.model() {
            model.apply_mapping(&mut m, t);
        }
    }
    for e in &req.edits {
        e.apply(&mut m, t);
    }
    m
}

/// Features then segmentation of `t` under `m`, reporting each stage to
/// `progress(stage, step, done, total)` (the analysis steps by name, rows
/// done while computing features) and timing it with `clock` (milliseconds):
/// [`features`] then [`segment_features`].
///
/// Errors: the feature stage's ([`JobError::Features`]) or the analysis'
/// ([`JobError::Analysis`]), with the file name.
pub fn analyse(
    t: &Table,
    m: &Mapping,
    req: &Request,
    clock: &dyn Fn() -> f64,
    progress: &mut dyn FnMut(Stage, &str, f64, f64),
) -> Result<Outcome, JobError> {
    let t0 = clock();
    let ft = features(t, m, req, progress)?;
    let features_ms = clock() - t0;
    let mut out = segment_features(Arc::new(ft), m, req, clock, progress)?;
    out.features_ms = features_ms;
    Ok(out)
}

/// The feature stage of a job: per-account features of `t` under `m`,
/// reporting rows done to `progress` as [`Stage::Features`].
///
/// Errors: [`JobError::Features`], with the file name.
pub fn features(
    t: &Table,
    m: &Mapping,
    req: &Request,
    progress: &mut dyn FnMut(Stage, &str, f64, f64),
) -> Result<FeatureTable, JobError> {
    extract_with_progress(t, m, &mut |done, total| progress(Stage::Features, "", done as f64, total as f64))
        .map_err(|e| JobError::features(&req.name, &e))
}

/// The analysis stage of a job on features already computed (read under
/// `mapping`), under the job's settings, or scored with its model (the
/// result's features are then in the model's order), reporting each step
/// to `progress` as [`Stage::Analysis`].
/// `features_ms` of the result is 0 (the caller times the features).
///
/// Errors: [`JobError::Analysis`], or [`JobError::Model`] when the model
/// does not fit the file, with the file name.
pub fn segment_features(
    ft: Arc<FeatureTable>,
    mapping: &Mapping,
    req: &Request,
    clock: &dyn Fn() -> f64,
    progress: &mut dyn FnMut(Stage, &str, f64, f64),
) -> Result<Outcome, JobError> {
    let t1 = clock();
    let mut starting = |step: &str| progress(Stage::Analysis, step, 0.0, 0.0);
    let (ft, seg) = match req.model()? {
        Some(model) => {
            let (aligned, seg) = model
                .score(&ft, mapping, clock, &mut starting)
                .map_err(|cause| JobError::Model { file: req.name.clone(), cause })?;
            (Arc::new(aligned), seg)
        }
        None => {
            let opts = req.settings.options(&ft);
            let seg = segment_timed(&ft, &opts, clock, &mut starting).map_err(|e| JobError::analysis(&req.name, &e))?;
            (ft, seg)
        }
    };
    let t2 = clock();
    Ok(Outcome {
        ft,
        seg,
        features_ms: 0.0,
        features_from: FeatureSource::Computed,
        analysis_ms: t2 - t1,
        memory_bytes: 0.0,
        rows_to_come: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{parse_bytes, RaggedRows, Role};
    use crate::job::{decode, encode, MappingEdit, Response, Settings, TableSummary};
    use crate::sample::generate;

    #[test]
    fn a_job_survives_encoding_and_gives_the_same_segments() {
        let csv = generate(7, 300);
        let (d, t) = parse_bytes(csv.as_bytes()).unwrap();
        let req = Request {
            job: 3,
            file: 1,
            name: "s.csv".into(),
            ragged: RaggedRows::Skip,
            quoting: Default::default(),
            sheet: None,
            mapping: None,
            edits: vec![MappingEdit::Role(Role::Leverage, None), MappingEdit::Role(Role::Fee, None)],
            settings: Settings { k: Some(4), ..Default::default() },
            crash_test: false,
            model: None,
        };
        let req: Request = decode(&encode(&req).unwrap()).unwrap();
        let m = mapping_for(&req, &t);
        assert_eq!((m.get(Role::Leverage), m.get(Role::Fee)), (None, None), "both edits were applied");
        let mut stages = Vec::new();
        let ticks = std::cell::Cell::new(0.0);
        let clock = || {
            ticks.set(ticks.get() + 1.0);
            ticks.get()
        };
        let out = analyse(&t, &m, &req, &clock, &mut |s, step, done, total| {
            if s == Stage::Features {
                assert_eq!((done, total), (0.0, t.n_rows() as f64), "rows: first call at 0 of all");
            }
            stages.push((s, step.to_string()))
        })
        .unwrap();
        let mut expected = vec![(Stage::Features, String::new())];
        expected.extend(crate::analysis::STAGES.map(|s| (Stage::Analysis, s.to_string())));
        assert_eq!(stages, expected, "every stage and analysis step reported once, in order");
        let names: Vec<&str> = out.seg.stage_ms.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(names, ["scale", "k sweep", "cluster", "silhouette and stability", "PCA", "profiles and anomalies"]);
        assert!(out.seg.stage_ms.iter().all(|(_, ms)| *ms == 1.0), "each stage timed once: {:?}", out.seg.stage_ms);
        assert_eq!(out.seg.k, 4);
        assert!(out.ft.defs.iter().all(|d| !d.key.contains("leverage")));
        let resp = Response::Done { job: 3, mapping: m.clone(), outcome: Box::new(out.clone()) };
        let Response::Done { job, mapping, outcome } = decode(&encode(&resp).unwrap()).unwrap() else {
            panic!("wrong variant")
        };
        assert_eq!((job, &mapping), (3, &m));
        assert_eq!(outcome.seg.segments, out.seg.segments);
        assert_eq!(outcome.ft.ids, out.ft.ids);
        // NaN (undefined features) must survive: postcard writes f64 bits.
        let nan_in = out.ft.values.iter().filter(|v| v.is_nan()).count();
        assert_eq!(outcome.ft.values.iter().filter(|v| v.is_nan()).count(), nan_in);
        assert_eq!(TableSummary::of(&t, d).n_rows, t.n_rows());
    }

    #[test]
    fn errors_name_the_file() {
        let (_, t) = parse_bytes(b"customer_id,spend\n1,10\n2,20\n").unwrap();
        let req = Request {
            job: 1,
            file: 1,
            name: "two.csv".into(),
            ragged: RaggedRows::Skip,
            quoting: Default::default(),
            sheet: None,
            mapping: None,
            edits: vec![],
            settings: Settings { k: Some(5), ..Default::default() },
            crash_test: false,
            model: None,
        };
        let m = mapping_for(&req, &t);
        let err = analyse(&t, &m, &req, &|| 0.0, &mut |_, _, _, _| {}).unwrap_err();
        assert!(err.to_string().starts_with("two.csv: "), "{err}");
    }
}
