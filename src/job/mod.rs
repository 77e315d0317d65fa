//! The Prow job's decisions, as functions that return values: one file per mode, each taking the resolved
//! [`JobSettings`](crate::settings::JobSettings), the measured coverage, a store and a git repository, and returning
//! what the job must write, store and post. `commands::run` does the writing, storing and posting and turns the
//! outcome into an exit code; everything here can be tested with in-memory storage and a repository made in the
//! test.
//!
//! - [`postsubmit`]: the baseline record and the full HTML report's options;
//! - [`presubmit`] (and batch): the baseline lookup ([`baseline`]), the comparison, the comment body, the commit
//!   status, what to post;
//! - [`periodic`]: the history point and the HTML report's options;
//! - [`summary`]: `summary.json`; [`links`]: the HTML report's and the comment's links (`gs://` builds, Spyglass);
//!   [`phases`]: where the job's time went.

pub mod baseline;
pub mod links;
pub mod measured;
pub mod periodic;
pub mod phases;
pub mod postsubmit;
pub mod presubmit;
pub mod summary;

pub use measured::Measured;
pub use phases::Phases;
pub use summary::RunSummary;
