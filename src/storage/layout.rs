//! Where a baseline lives and what its files hold: Prow's own layout (`logs/<job>/<build-id>/artifacts/...`), the
//! metadata, the completion marker and the per-commit index entry. Pure: names and documents, no I/O.
//!
//! ```text
//! logs/<job>/<build-id>/artifacts/prowcov/profile.json    the coverage (prowcov JSON with line detail), first
//! logs/<job>/<build-id>/artifacts/prowcov/metadata.json   who, what, when, the tests' exit status, totals
//! logs/<job>/<build-id>/artifacts/prowcov/complete        the completion marker, written last
//! prowcov-index/<job>/<branch>/<sha>.json                 commit → build, written after the marker
//! prowcov-history/<job>/<branch>.txt                       a periodic job's totals over time
//! ```
//!
//! The files sit in a `prowcov/` folder of the artifacts so that Prow's sidecar does not merge our `metadata.json`
//! into `finished.json` (it does that for `$ARTIFACTS/metadata.json`).

use serde::{Deserialize, Serialize};
use sha3::{Digest, Sha3_256};

use crate::ids::{Branch, BuildId, JobName, Sha};

/// The schema of the metadata, marker and index documents.
pub const SCHEMA: u32 = 1;

/// One post-submit build of one job.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BuildRef {
    pub job: String,
    pub build_id: String,
}

impl BuildRef {
    /// `logs/<job>/<build-id>`.
    pub fn dir(&self) -> String {
        format!("{}/{}", job_dir(&self.job), self.build_id)
    }
    pub fn profile(&self) -> String {
        format!("{}/artifacts/prowcov/profile.json", self.dir())
    }
    pub fn metadata(&self) -> String {
        format!("{}/artifacts/prowcov/metadata.json", self.dir())
    }
    pub fn marker(&self) -> String {
        format!("{}/artifacts/prowcov/complete", self.dir())
    }
}

/// `logs/<job>`.
pub fn job_dir(job: &str) -> String {
    format!("logs/{job}")
}

/// `logs/<job>/latest-build.txt`, written by Prow when a build *starts*: a hint, never proof of a usable build.
pub fn latest_build(job: &str) -> String {
    format!("{}/latest-build.txt", job_dir(job))
}

/// `prowcov-index/<job>/<branch>/<sha>.json`.
pub fn index_entry(job: &str, branch: &str, sha: &str) -> String {
    format!("{}/{branch}/{sha}.json", index_dir(job))
}

/// `prowcov-index/<job>`: the index entries of every branch.
pub fn index_dir(job: &str) -> String {
    format!("prowcov-index/{job}")
}

/// `prowcov-history/<job>/<branch>.txt`: the periodic job's totals over time, one `<label> <percent>` line each.
pub fn history(job: &str, branch: &str) -> String {
    format!("prowcov-history/{job}/{branch}.txt")
}

/// Whether `id` looks like a Prow build id (decimal); the folder also holds `latest-build.txt` and the like.
pub fn is_build_id(id: &str) -> bool {
    BuildId::is_valid(id)
}

/// Checks a job and branch name before they become parts of object keys (the history's have no commit).
pub fn validate_job_and_branch(job: &str, branch: &str) -> Result<(), String> {
    JobName::try_from(job).map_err(|e| e.0)?;
    Branch::try_from(branch).map_err(|e| e.0)?;
    Ok(())
}

/// Checks job, branch and SHA before they become object keys.
pub fn validate_names(job: &str, branch: &str, sha: &str) -> Result<(), String> {
    validate_job_and_branch(job, branch)?;
    Sha::try_from(sha).map_err(|e| e.0)?;
    Ok(())
}

/// The sum over all files of the profile, as recorded in the metadata.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub covered: u64,
    pub total: u64,
    pub percent: f64,
}

/// `metadata.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    pub schema: u32,
    pub tool: String,
    pub version: String,
    /// `org/repo`, when known (`REPO_OWNER`/`REPO_NAME`).
    pub repo: Option<String>,
    pub branch: String,
    pub sha: String,
    pub job: String,
    pub build_id: String,
    /// Seconds since the epoch, from the caller (so that tests and reruns can fix it).
    pub time: u64,
    /// The test command's exit status: 0 when the tests passed. Recorded rather than refusing to write, so that the
    /// pre-submit decides whether a baseline from failed tests is usable.
    pub tests_exit_status: i32,
    pub totals: Totals,
}

/// The completion marker: written last, it vouches for the exact bytes of the profile and the metadata, so that a
/// marker can never stand for a partial or replaced profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    pub schema: u32,
    pub profile_sha3_256: String,
    pub metadata_sha3_256: String,
}

/// An index entry: the commit's baseline is this build.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    pub schema: u32,
    pub job: String,
    pub build_id: String,
    pub sha: String,
    pub branch: String,
}

/// Lowercase hex SHA3-256 of `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    let hash = Sha3_256::digest(bytes);
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_prows_layout() {
        let build = BuildRef {
            job: "post-repo-coverage".into(),
            build_id: "1159243486059302912".into(),
        };
        assert_eq!(
            build.profile(),
            "logs/post-repo-coverage/1159243486059302912/artifacts/prowcov/profile.json"
        );
        assert_eq!(
            build.marker(),
            "logs/post-repo-coverage/1159243486059302912/artifacts/prowcov/complete"
        );
        assert_eq!(latest_build("j"), "logs/j/latest-build.txt");
        assert_eq!(
            index_entry("j", "release/1.2", "abc1234"),
            "prowcov-index/j/release/1.2/abc1234.json"
        );
    }

    #[test]
    fn names_that_would_escape_the_layout_are_refused() {
        assert!(validate_names("post-x", "main", "0123abcd").is_ok());
        assert!(validate_names("a/b", "main", "0123abcd").is_err());
        assert!(validate_names("j", "../x", "0123abcd").is_err());
        assert!(validate_names("j", "main", "HEAD").is_err());
        assert!(is_build_id("1159243486059302912"));
        assert!(!is_build_id("latest-build.txt"));
    }
}
