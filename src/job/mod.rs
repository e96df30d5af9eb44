//! One analysis job as the page hands it to the analysis worker: the
//! messages between page and worker ([`Request`], [`Response`], encoded with
//! postcard) and the work after reading ([`analyse`]). Plain Rust, no web
//! dependency: the worker (`ui::worker`) only moves bytes and Blobs.
//!
//! The worker keeps the parsed [`Table`] of the last file it read (or, for
//! a large file, only the last job's features: see `ui::worker`); the page
//! keeps the [`Mapping`] and a [`TableSummary`], and sends the mapping (with
//! the [`MappingEdit`]s made since) and the [`Settings`] with every job. A fresh worker
//! (after a crash or a Cancel) reads the file again from the Blob the page
//! still holds, so a job never depends on what a worker remembers.
//!
//! The data flow of a job, in the worker:
//! 1. read the file: whole into a [`Table`] up to [`STREAM_ABOVE`] bytes,
//!    else streamed ([`Streaming`], `streaming.rs`), its features computed as
//!    it is parsed; a large trades file is read in two parts, the later one
//!    by a second worker ([`PartReader`], `parts.rs`), and merged;
//! 2. the mapping ([`mapping_for`]), the features ([`features`]) and the
//!    analysis ([`segment_features`]), in `run.rs`;
//! 3. the result back to the page, in parts if it is large
//!    ([`split_result`], [`Assembler`], `codec.rs`).
//!
//! The protocol (`protocol.rs`), every message encoded with [`encode`]:
//! - page -> worker: a [`Request`] and the file's Blob;
//! - worker -> page: [`Response::Ready`] once, then for each job
//!   [`Response::Progress`], [`Response::Read`], and [`Response::Done`]
//!   (followed by [`Response::Rows`] for a large result) or
//!   [`Response::Failed`]; [`Response::Panicked`] if the worker crashed;
//! - worker -> second worker: a [`PartJob`] and the Blob; back:
//!   [`Response::PartProgress`], then [`Response::Part`].
//!
//! [`Table`]: crate::ingest::Table
//! [`Mapping`]: crate::ingest::Mapping

mod codec;
mod error;
mod parts;
mod protocol;
mod run;
mod streaming;
#[cfg(test)]
mod test_util;

pub use codec::{decode, encode, encode_error, encoded_size, split_result, Assembler, ROWS_PER_MESSAGE};
pub use error::JobError;
pub use parts::{PartReader, PARTS_NOTE};
pub use protocol::{
    FeatureSet, FeatureSource, MappingEdit, Outcome, PartJob, PartResult, PartSpec, Request, Response, Settings, Stage,
    TableSummary,
};
pub use run::{analyse, features, mapping_for, segment_features};
pub use streaming::{Streamed, Streaming, HEAD_ROWS, KEEP_TABLE_UP_TO, STREAM_ABOVE};
