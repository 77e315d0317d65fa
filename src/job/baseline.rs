//! Which baseline a pre-submit compares with: the query for the base commit, from the job's settings.

use crate::settings::JobSettings;
use crate::storage::{FailedTests, Query};

/// Newest builds of the post-submit job tried when no ancestor of the base has a baseline.
pub const MAX_BUILDS: usize = 20;

impl Query {
    /// The baseline of `merge_base` (in Prow, the base commit itself) on `branch`, in the builds of the post-submit
    /// job the settings name: the commit, else its nearest first-parent ancestor within `storage.max-walk`, else
    /// one of the newest builds; baselines of failed tests only with `storage.use-failed-baselines`.
    pub fn for_presubmit(s: &JobSettings, branch: &str, merge_base: &str) -> Query {
        let storage = &s.config.config.storage;
        Query {
            job: s.postsubmit_job.to_string(),
            branch: branch.to_owned(),
            sha: merge_base.to_owned(),
            max_walk: storage.max_walk,
            max_builds: MAX_BUILDS,
            failed_tests: if storage.use_failed_baselines {
                FailedTests::Use
            } else {
                FailedTests::Skip
            },
        }
    }
}
