//! Why a job failed ([`JobError`]): a value that travels from the worker to
//! the page, which turns it into text only to show it.

use crate::analysis::AnalysisError;
use crate::features::FeatureError;
use crate::ingest::IngestError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a job, or the reading of a part of its file, failed. Its
/// [`Display`](fmt::Display) is the message the page shows (what happened,
/// where, what to do), prefixed with the file's name where there is one.
///
/// The causes from reading, the features and the analysis are kept as their
/// messages: [`IngestError`], [`FeatureError`] and [`AnalysisError`] are not
/// serialisable. The codec's cause is postcard's own error, which is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum JobError {
    /// The file could not be read: `"{file}: {cause}"`, the cause an
    /// [`IngestError`]'s message.
    Read { file: String, cause: String },
    /// As [`JobError::Read`], for [`IngestError::OpenQuote`]: a quoted field
    /// that does not close. The page offers to read the file again with
    /// quoting off ([`JobError::offers_quoting_off`]).
    OpenQuote { file: String, cause: String },
    /// No features could be computed: `"{file}: {cause}"`, the cause a
    /// [`FeatureError`]'s message.
    Features { file: String, cause: String },
    /// The analysis could not run: `"{file}: {cause}"`, the cause an
    /// [`AnalysisError`]'s message.
    Analysis { file: String, cause: String },
    /// The file must be read but the worker was not given it:
    /// `"{file}: the file is no longer available; load it again."`
    FileUnavailable { file: String },
    /// The worker holds neither the file's table nor features it can use:
    /// `"{file}: load the file again."`
    NothingHeld { file: String },
    /// A result sent in several messages did not fit together:
    /// `"the result arrived damaged ({cause}); run the analysis again"`.
    Damaged { cause: String },
    /// A message could not be encoded:
    /// `"could not encode a message for the worker: {cause}"`.
    Encode { cause: postcard::Error },
    /// A message could not be decoded:
    /// `"could not decode a message from the worker: {cause}"`.
    Decode { cause: postcard::Error },
    /// The model to apply could not be read, or does not fit the file
    /// (columns or features it needs and the file lacks): `"{file}: {cause}"`.
    Model { file: String, cause: String },
    /// A second reader could not read its part of the file (a header line
    /// or mapping it cannot use, a read error, a helper worker that stopped):
    /// the cause as it is. The first reader then reads that part itself, so
    /// this is not shown to the user.
    Part { cause: String },
}

impl JobError {
    /// Reading `file` failed with `e`.
    pub fn read(file: &str, e: &IngestError) -> Self {
        let (file, cause) = (file.into(), e.to_string());
        match e {
            IngestError::OpenQuote { .. } => JobError::OpenQuote { file, cause },
            _ => JobError::Read { file, cause },
        }
    }

    /// Whether the page offers **Read with quoting off** with this error: a
    /// quote that does not close stopped the read.
    pub fn offers_quoting_off(&self) -> bool {
        matches!(self, JobError::OpenQuote { .. })
    }

    /// The features of `file` failed with `e`.
    pub fn features(file: &str, e: &FeatureError) -> Self {
        JobError::Features { file: file.into(), cause: e.to_string() }
    }

    /// The analysis of `file` failed with `e`.
    pub fn analysis(file: &str, e: &AnalysisError) -> Self {
        JobError::Analysis { file: file.into(), cause: e.to_string() }
    }

    /// A second reader's part failed with `e` (see [`JobError::Part`]).
    pub fn part(e: impl fmt::Display) -> Self {
        JobError::Part { cause: e.to_string() }
    }
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobError::Read { file, cause }
            | JobError::OpenQuote { file, cause }
            | JobError::Features { file, cause }
            | JobError::Analysis { file, cause }
            | JobError::Model { file, cause } => {
                write!(f, "{file}: {cause}")
            }
            JobError::FileUnavailable { file } => write!(f, "{file}: the file is no longer available; load it again."),
            JobError::NothingHeld { file } => write!(f, "{file}: load the file again."),
            JobError::Damaged { cause } => write!(f, "the result arrived damaged ({cause}); run the analysis again"),
            JobError::Encode { cause } => write!(f, "could not encode a message for the worker: {cause}"),
            JobError::Decode { cause } => write!(f, "could not decode a message from the worker: {cause}"),
            JobError::Part { cause } => write!(f, "{cause}"),
        }
    }
}

impl std::error::Error for JobError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::{decode, encode};

    #[test]
    fn messages_are_the_ones_the_page_showed_as_text() {
        let ingest = IngestError::Empty;
        let features = FeatureError::NoFeatures { why: "every column is text".into() };
        let analysis = AnalysisError::NoVariance;
        let cases = [
            (JobError::read("a.csv", &ingest), format!("a.csv: {ingest}")),
            (JobError::features("a.csv", &features), format!("a.csv: {features}")),
            (JobError::analysis("a.csv", &analysis), format!("a.csv: {analysis}")),
            (
                JobError::FileUnavailable { file: "a.csv".into() },
                "a.csv: the file is no longer available; load it again.".into(),
            ),
            (JobError::NothingHeld { file: "a.csv".into() }, "a.csv: load the file again.".into()),
            (
                JobError::Damaged { cause: "bad shape".into() },
                "the result arrived damaged (bad shape); run the analysis again".into(),
            ),
            (
                JobError::Encode { cause: postcard::Error::SerializeBufferFull },
                format!("could not encode a message for the worker: {}", postcard::Error::SerializeBufferFull),
            ),
            (
                JobError::Decode { cause: postcard::Error::DeserializeUnexpectedEnd },
                format!("could not decode a message from the worker: {}", postcard::Error::DeserializeUnexpectedEnd),
            ),
            (JobError::part("the part reader stopped"), "the part reader stopped".into()),
            (JobError::Model { file: "b.csv".into(), cause: "no".into() }, "b.csv: no".into()),
        ];
        let open = IngestError::OpenQuote { row: 42, lines: 1001, bytes: 40_000, at_end: false };
        let cases = cases.into_iter().chain([(JobError::read("a.csv", &open), format!("a.csv: {open}"))]);
        for (e, shown) in cases {
            assert_eq!(e.to_string(), shown);
            assert_eq!(e.offers_quoting_off(), matches!(e, JobError::OpenQuote { .. }), "{e}");
            // It travels between worker and page as a value.
            assert_eq!(decode::<JobError>(&encode(&e).unwrap()).unwrap(), e);
        }
        assert!(JobError::read("a.csv", &open).offers_quoting_off());
        assert!(!JobError::read("a.csv", &ingest).offers_quoting_off());
    }
}
