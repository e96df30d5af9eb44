//! The wire format of the job messages (postcard: [`encode`], [`decode`],
//! [`encoded_size`]) and the chunking of a large result into several
//! messages ([`split_result`], put together again by an [`Assembler`]).

use super::{JobError, Outcome, Response};
use crate::ingest::Mapping;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Accounts per [`Response::Rows`] message. A result for a million
/// accounts in one message blocked the page for a long time while it was
/// decoded (figures: BENCHMARKS.md); in parts of 32,768 accounts (4 MB with
/// 16 features) each is a short task.
pub const ROWS_PER_MESSAGE: usize = 32_768;

/// Splits a finished job's response whose features have more than `per`
/// accounts into a `Done` without their rows (`rows_to_come` says how
/// many follow) and the [`Response::Rows`] messages that carry them, made
/// one at a time as the iterator is read. Any other response comes back
/// whole, with nothing to follow. [`Assembler`] puts them together again.
pub fn split_result(r: Response, per: usize) -> (Response, Box<dyn Iterator<Item = Response>>) {
    match r {
        Response::Done { job, mapping, mut outcome } if outcome.ft.ids.len() > per.max(1) => {
            let ft = outcome.ft.clone();
            let n = ft.ids.len();
            outcome.ft = Arc::new(ft.without_rows());
            outcome.rows_to_come = n;
            let rows = (0..n).step_by(per.max(1)).map(move |a| {
                let b = (a + per.max(1)).min(n);
                let values = ft.values.slice(ndarray::s![a..b, ..]).iter().copied().collect();
                let risk = ft.risk.as_ref().map_or(Vec::new(), |r| r.rows[a..b].to_vec());
                Response::Rows { job, ids: ft.ids[a..b].to_vec(), values, risk }
            });
            (Response::Done { job, mapping, outcome }, Box::new(rows))
        }
        other => (other, Box::new(std::iter::empty())),
    }
}

/// Puts a result split by [`split_result`] together again: feed it every
/// response in order; it returns each one that is complete (a split `Done`
/// once its last rows have come, whole; any other response at once).
#[derive(Default)]
pub struct Assembler {
    pending: Option<Pending>,
}

/// A split result's `Done` (job, mapping, outcome) and the ids and features that have come.
type Pending = (u64, Mapping, Box<Outcome>, Vec<String>, Vec<f64>, Vec<crate::features::AccountRisk>);

impl Assembler {
    /// The response to pass on, if any. Rows of a job other than the one
    /// pending are dropped (a job replaced mid-way).
    pub fn push(&mut self, r: Response) -> Option<Response> {
        match r {
            Response::Done { job, mapping, outcome } if outcome.rows_to_come > 0 => {
                self.pending = None; // an unfinished result is freed before the next one is allocated
                let (n, d) = (outcome.rows_to_come, outcome.ft.defs.len());
                let risk = Vec::with_capacity(if outcome.ft.risk.is_some() { n } else { 0 });
                self.pending = Some((job, mapping, outcome, Vec::with_capacity(n), Vec::with_capacity(n * d), risk));
                None
            }
            Response::Rows { job, ids, values, risk } => {
                let (pjob, _, outcome, all_ids, all_values, all_risk) = self.pending.as_mut()?;
                if *pjob != job {
                    return None;
                }
                all_ids.extend(ids);
                all_values.extend(values);
                all_risk.extend(risk);
                if all_ids.len() < outcome.rows_to_come {
                    return None;
                }
                let (job, mapping, mut outcome, ids, values, risk) = self.pending.take()?;
                let d = outcome.ft.defs.len();
                let mut ft = outcome.ft.without_rows();
                ft.values = match ndarray::Array2::from_shape_vec((ids.len(), d), values) {
                    Ok(v) => v,
                    Err(e) => {
                        let message = JobError::Damaged { cause: e.to_string() };
                        return Some(Response::Failed { job, mapping: Some(mapping), message });
                    }
                };
                if let Some(r) = ft.risk.as_mut() {
                    if risk.len() != ids.len() {
                        let cause = format!("{} accounts, risk inputs for {}", ids.len(), risk.len());
                        return Some(Response::Failed {
                            job,
                            mapping: Some(mapping),
                            message: JobError::Damaged { cause },
                        });
                    }
                    r.rows = risk;
                }
                ft.ids = ids;
                outcome.ft = Arc::new(ft);
                outcome.rows_to_come = 0;
                Some(Response::Done { job, mapping, outcome })
            }
            other => {
                if matches!(other, Response::Panicked { .. }) {
                    self.pending = None;
                }
                Some(other)
            }
        }
    }
}

/// Encodes a message (postcard), into a buffer of exactly its size: sized
/// first, then written, so a large result (130 MB for 1M accounts) is not
/// copied through doubling buffers.
///
/// Errors: [`JobError::Encode`].
pub fn encode<T: Serialize>(msg: &T) -> Result<Vec<u8>, JobError> {
    let buf = vec![0u8; encoded_size(msg)?];
    write(msg, buf)
}

/// The error of a failed encoding ([`JobError::Encode`]).
pub fn encode_error(e: postcard::Error) -> JobError {
    JobError::Encode { cause: e }
}

/// The size of a message's encoding, bytes (nothing is allocated).
///
/// Errors: [`JobError::Encode`].
pub fn encoded_size<T: Serialize>(msg: &T) -> Result<usize, JobError> {
    postcard::serialize_with_flavor(msg, postcard::ser_flavors::Size::default()).map_err(encode_error)
}

fn write<T: Serialize>(msg: &T, mut buf: Vec<u8>) -> Result<Vec<u8>, JobError> {
    let used = postcard::to_slice(msg, &mut buf).map_err(encode_error)?.len();
    buf.truncate(used);
    Ok(buf)
}

/// Decodes a message written by [`encode`].
///
/// Errors: [`JobError::Decode`].
pub fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, JobError> {
    postcard::from_bytes(bytes).map_err(|e| JobError::Decode { cause: e })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::parse_bytes;
    use crate::job::test_util::{assert_same_features, request};
    use crate::job::{analyse, mapping_for};
    use crate::sample::generate;

    #[test]
    fn a_large_result_sent_in_parts_arrives_whole() {
        let (_, t) = parse_bytes(generate(3, 200).as_bytes()).unwrap();
        let req = request(None, vec![]);
        let m = mapping_for(&req, &t);
        let out = analyse(&t, &m, &req, &|| 0.0, &mut |_, _, _, _| {}).unwrap();
        let n = out.ft.ids.len();
        let done = Response::Done { job: 4, mapping: m.clone(), outcome: Box::new(out.clone()) };
        let (first, rest) = split_result(done, 64);
        let mut messages = vec![first];
        messages.extend(rest);
        assert_eq!(messages.len(), 1 + n.div_ceil(64));
        let mut a = Assembler::default();
        let mut delivered = Vec::new();
        for msg in messages {
            // Each part goes through encoding, as between worker and page.
            let msg: Response = decode(&encode(&msg).unwrap()).unwrap();
            if let Response::Rows { ids, .. } = &msg {
                assert!(ids.len() <= 64);
            }
            delivered.extend(a.push(msg));
        }
        let [Response::Done { job: 4, mapping, outcome }] = &delivered[..] else { panic!("one whole Done") };
        assert_eq!(mapping, &m);
        assert_eq!(outcome.rows_to_come, 0);
        assert_same_features(&outcome.ft, &out.ft);
        assert_eq!(outcome.seg.segments, out.seg.segments);
        // A small result is not split; other responses pass at once.
        let small = Response::Done { job: 5, mapping: m, outcome: Box::new(out) };
        let (first, mut rest) = split_result(small, n);
        assert!(rest.next().is_none());
        assert!(matches!(a.push(first), Some(Response::Done { job: 5, .. })));
        assert!(matches!(a.push(Response::Ready), Some(Response::Ready)));
    }
}
