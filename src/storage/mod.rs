//! Baselines in object storage: the only module that talks to it. [`Store`] is the one interface over a local
//! folder, GCS and S3; [`layout`] names the objects in Prow's layout; [`put`] records a post-submit's coverage with
//! the completion marker last, and [`find`] returns the baseline for a pre-submit's base commit (or none);
//! [`pushes`] keeps each PR push's profile for the next push's comment, [`history`] a periodic's totals.

mod baseline;
mod gcs_upload;
pub mod history;
pub mod layout;
pub mod pushes;
mod store;

pub use crate::retry::RetryPolicy;
pub use baseline::{
    BaselineReport, FailedTests, Found, Listed, Lookup, Match, PutOutcome, PutStep, Query, Record, Skipped, find, list,
    put, put_with_hook,
};
pub use layout::{BuildRef, Metadata, is_build_id};
pub use store::{Created, S3Keys, Store, StoreOptions};
