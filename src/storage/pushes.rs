//! The profiles of a PR's pushes: each pre-submit stores its head's merged coverage by PR and head commit, so that
//! the next push's comment can say what changed since the previous one. A push's profile is written first, then its
//! completion marker (with the profile's digest); a push without a marker, or whose digest does not match, is never
//! used.
//!
//! ```text
//! prowcov-pushes/<job>/<pr>/<sha>/profile.json   the head's merged coverage (prowcov JSON with line detail)
//! prowcov-pushes/<job>/<pr>/<sha>/complete       written last: build, time, the profile's SHA3-256
//! ```

use serde::{Deserialize, Serialize};

use super::layout::{self, SCHEMA};
use super::store::Store;
use crate::error::{Error, Result};
use crate::formats::prowcov_json::{self, JsonOptions};
use crate::ids::{BuildId, JobName, Sha};
use crate::model::{Coverage, Table};

/// `prowcov-pushes/<job>/<pr>`.
fn pull_dir(job: &str, pr: u64) -> String {
    format!("prowcov-pushes/{job}/{pr}")
}

/// A push's completion marker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushMarker {
    pub schema: u32,
    pub sha: String,
    pub build_id: String,
    /// Seconds since the epoch (`SOURCE_DATE_EPOCH` or the clock): the newest push is the previous one.
    pub time: u64,
    pub profile_sha3_256: String,
}

/// One push of a PR, recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct Push {
    pub marker: PushMarker,
    pub coverage: Coverage,
}

/// Records `coverage` as the push of `sha` to PR `pr` of pre-submit `job`: the profile, then the marker. A rerun of
/// the same head replaces its push.
pub fn put_push(
    store: &Store,
    job: &JobName,
    pr: u64,
    sha: &Sha,
    build_id: &BuildId,
    time: u64,
    coverage: &Coverage,
) -> Result<()> {
    let dir = format!("{}/{sha}", pull_dir(job, pr));
    let mut profile = Vec::new();
    prowcov_json::write(&Table::new(coverage), JsonOptions { detail: true }, &mut profile)
        .map_err(|e| Error::Data(format!("cannot serialise the push's profile: {e}")))?;
    let marker = PushMarker {
        schema: SCHEMA,
        sha: sha.to_string(),
        build_id: build_id.to_string(),
        time,
        profile_sha3_256: layout::digest(&profile),
    };
    let marker_bytes =
        serde_json::to_vec_pretty(&marker).map_err(|e| Error::Data(format!("cannot serialise the marker: {e}")))?;
    store.put(&format!("{dir}/profile.json"), profile)?;
    store.put(&format!("{dir}/complete"), marker_bytes)
}

/// The newest complete push of PR `pr` other than `head` (the one this run measures); `None` for a PR's first push.
/// Incomplete or damaged pushes are skipped, each with a reason in `skipped`.
pub fn previous_push(
    store: &Store,
    job: &JobName,
    pr: u64,
    head: &Sha,
    skipped: &mut Vec<String>,
) -> Result<Option<Push>> {
    let dir = pull_dir(job, pr);
    let mut markers = Vec::new();
    for sha in store.list_dirs(&dir)? {
        if sha == head.as_str() || Sha::try_from(sha.as_str()).is_err() {
            continue;
        }
        let key = format!("{dir}/{sha}/complete");
        let Some(bytes) = store.get(&key)? else {
            skipped.push(format!(
                "{}: no completion marker",
                store.url_of(&format!("{dir}/{sha}"))
            ));
            continue;
        };
        match serde_json::from_slice::<PushMarker>(&bytes) {
            Ok(marker) if marker.sha == sha => markers.push(marker),
            Ok(_) | Err(_) => skipped.push(format!("{}: unreadable marker", store.url_of(&key))),
        }
    }
    // The newest first; a tie (same second) by build id, then SHA, so the choice is deterministic.
    markers.sort_by(|a, b| {
        (b.time, b.build_id.len(), &b.build_id, &b.sha).cmp(&(a.time, a.build_id.len(), &a.build_id, &a.sha))
    });
    for marker in markers {
        let key = format!("{dir}/{}/profile.json", marker.sha);
        let Some(bytes) = store.get(&key)? else {
            skipped.push(format!("{}: missing", store.url_of(&key)));
            continue;
        };
        if layout::digest(&bytes) != marker.profile_sha3_256 {
            skipped.push(format!("{}: its digest does not match the marker", store.url_of(&key)));
            continue;
        }
        match prowcov_json::read(std::path::Path::new(&store.url_of(&key)), &bytes) {
            Ok(coverage) => return Ok(Some(Push { marker, coverage })),
            Err(e) => skipped.push(e.to_string()),
        }
    }
    Ok(None)
}
