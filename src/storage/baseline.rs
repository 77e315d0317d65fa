//! The post-submit record and the pre-submit lookup.
//!
//! [`put`] writes the profile, then the metadata, then the completion marker, then the commit's index entry; each
//! build's files are created only if absent, so concurrent post-submits (different build ids) never overwrite each
//! other. [`find`] tries the base commit through the index (one read), then its first-parent ancestors (one read
//! each, at most `max_walk`), then the newest complete builds of the job; every candidate must have a marker whose
//! digests match, and a candidate that cannot be used is skipped with a warning naming the object.

use serde::{Deserialize, Serialize};

use super::layout::{self, BuildRef, IndexEntry, Marker, Metadata, Totals};
use super::store::{Created, Store};
use crate::analysis::changes::GitRepo;
use crate::error::{Error, Result};
use crate::formats::prowcov_json;
use crate::formats::prowcov_json::{self as json_report, JsonOptions};
use crate::model::Coverage;
use crate::model::Table;

/// What a post-submit records besides the coverage.
#[derive(Clone, Debug)]
pub struct Record {
    pub build: BuildRef,
    pub repo: Option<String>,
    pub branch: String,
    pub sha: String,
    /// Seconds since the epoch.
    pub time: u64,
    pub tests_exit_status: i32,
}

/// The steps of [`put`], in order; the hook of [`put_with_hook`] runs after each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PutStep {
    Profile,
    Metadata,
    Marker,
    Index,
}

/// What [`put`] wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct PutOutcome {
    pub build: BuildRef,
    pub metadata: Metadata,
    /// URL of the marker.
    pub marker_url: String,
}

/// Records `coverage` as the baseline of `record.sha`.
pub fn put(store: &Store, record: &Record, coverage: &Coverage) -> Result<PutOutcome> {
    put_with_hook(store, record, coverage, &mut |_| Ok(()))
}

/// [`put`], calling `hook` after each step (tests use it to stop the storage in the middle of an upload).
pub fn put_with_hook(
    store: &Store,
    record: &Record,
    coverage: &Coverage,
    hook: &mut dyn FnMut(PutStep) -> Result<()>,
) -> Result<PutOutcome> {
    let build = &record.build;
    layout::validate_names(&build.job, &record.branch, &record.sha).map_err(Error::Usage)?;
    if !layout::is_build_id(&build.build_id) {
        return Err(Error::Usage(format!(
            "build id {:?}: expected a decimal Prow build id (BUILD_ID)",
            build.build_id
        )));
    }
    let profile = to_json(|out| json_report::write(&Table::new(coverage), JsonOptions { detail: true }, out))?;
    let table = Table::new(coverage);
    let metadata = Metadata {
        schema: layout::SCHEMA,
        tool: "prowcov".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        repo: record.repo.clone(),
        branch: record.branch.clone(),
        sha: record.sha.clone(),
        job: build.job.clone(),
        build_id: build.build_id.clone(),
        time: record.time,
        tests_exit_status: record.tests_exit_status,
        totals: Totals {
            covered: table.total.ratio().0,
            total: table.total.ratio().1,
            percent: table.total.percent(),
        },
    };
    let metadata_bytes = to_json(|out| serde_json::to_writer_pretty(&mut *out, &metadata).map_err(Into::into))?;
    let marker = Marker {
        schema: layout::SCHEMA,
        profile_sha3_256: layout::digest(&profile),
        metadata_sha3_256: layout::digest(&metadata_bytes),
    };
    let marker_bytes = to_json(|out| serde_json::to_writer_pretty(&mut *out, &marker).map_err(Into::into))?;

    create(store, &build.profile(), profile)?;
    hook(PutStep::Profile)?;
    create(store, &build.metadata(), metadata_bytes)?;
    hook(PutStep::Metadata)?;
    create(store, &build.marker(), marker_bytes)?;
    hook(PutStep::Marker)?;
    let entry = IndexEntry {
        schema: layout::SCHEMA,
        job: build.job.clone(),
        build_id: build.build_id.clone(),
        sha: record.sha.clone(),
        branch: record.branch.clone(),
    };
    let entry_bytes = to_json(|out| serde_json::to_writer_pretty(&mut *out, &entry).map_err(Into::into))?;
    // A rerun for the same commit replaces the entry: both builds are complete, the newer one wins.
    store.put(
        &layout::index_entry(&build.job, &record.branch, &record.sha),
        entry_bytes,
    )?;
    hook(PutStep::Index)?;
    Ok(PutOutcome {
        build: build.clone(),
        metadata,
        marker_url: store.url_of(&build.marker()),
    })
}

fn to_json(write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write(&mut out).map_err(|e| Error::Data(format!("cannot serialise the baseline: {e}")))?;
    out.push(b'\n');
    Ok(out)
}

fn create(store: &Store, key: &str, bytes: Vec<u8>) -> Result<()> {
    match store.create(key, bytes)? {
        Created::Written => Ok(()),
        Created::AlreadyExists => Err(Error::Storage {
            url: store.url_of(key),
            message: "already exists: another post-submit wrote this build; a build id must be new (BUILD_ID)".into(),
        }),
    }
}

/// Whether baselines whose tests failed may be used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FailedTests {
    /// Skip them (the default): coverage of a failed run is often partial.
    #[default]
    Skip,
    Use,
}

/// What [`find`] looks for.
#[derive(Clone, Debug)]
pub struct Query {
    pub job: String,
    pub branch: String,
    /// The base commit (`PULL_BASE_SHA`).
    pub sha: String,
    /// First-parent ancestors to try after the base itself.
    pub max_walk: usize,
    /// Newest builds of the job to try last.
    pub max_builds: usize,
    pub failed_tests: FailedTests,
}

/// How the baseline relates to the base commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Match {
    /// The base commit itself.
    Exact,
    /// A first-parent ancestor of the base.
    Ancestor,
    /// The newest complete build of the job.
    Newest,
}

/// The baseline found.
#[derive(Clone, Debug)]
pub struct Found {
    pub build: BuildRef,
    pub metadata: Metadata,
    pub coverage: Coverage,
    pub matched: Match,
    /// Commits between the baseline's commit and the base (0 for an exact match); `None` when it is not an ancestor
    /// or no repository was given.
    pub commits_behind: Option<usize>,
    /// URL of the build folder.
    pub url: String,
}

/// A candidate that was not used, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The object that decided it.
    pub object: String,
    pub reason: String,
}

/// The outcome of [`find`]: a baseline or none (not an error), and what was skipped on the way.
#[derive(Clone, Debug)]
pub struct Lookup {
    pub found: Option<Found>,
    pub skipped: Vec<Skipped>,
}

/// What a lookup found, as one document: the body of `prowcov baseline find --format json` (after its `schema`),
/// what `prowcov diff --baseline-json` reads back, and the `baseline` of the job's `summary.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BaselineReport {
    pub found: bool,
    /// The post-submit job looked in.
    #[serde(default)]
    pub job: String,
    /// The commit a baseline was looked for.
    #[serde(default)]
    pub base_sha: String,
    #[serde(default)]
    pub build_id: Option<String>,
    /// The commit the baseline measured.
    #[serde(default)]
    pub sha: Option<String>,
    /// The branch it was recorded for (another than the one looked for, when the base commit has a baseline only
    /// there).
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(rename = "match", default)]
    pub matched: Option<Match>,
    #[serde(default)]
    pub commits_behind: Option<usize>,
    #[serde(default)]
    pub tests_exit_status: Option<i32>,
    #[serde(default)]
    pub percent: Option<f64>,
    /// The baseline build's folder in storage.
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub skipped: Vec<Skipped>,
}

impl BaselineReport {
    /// The report of `lookup`, made for `query`.
    pub fn of(lookup: &Lookup, query: &Query) -> BaselineReport {
        let found = lookup.found.as_ref();
        BaselineReport {
            found: found.is_some(),
            job: query.job.clone(),
            base_sha: query.sha.clone(),
            build_id: found.map(|f| f.build.build_id.clone()),
            sha: found.map(|f| f.metadata.sha.clone()),
            branch: found.map(|f| f.metadata.branch.clone()),
            matched: found.map(|f| f.matched),
            commits_behind: found.and_then(|f| f.commits_behind),
            tests_exit_status: found.map(|f| f.metadata.tests_exit_status),
            percent: found.map(|f| f.metadata.totals.percent),
            url: found.map(|f| f.url.clone()),
            skipped: lookup.skipped.clone(),
        }
    }
}

/// Finds the baseline for `query.sha`. `repo` holds the base's history, to walk its first-parent ancestors; without
/// it, only the exact commit and the newest builds are tried.
pub fn find(store: &Store, query: &Query, repo: Option<&GitRepo>) -> Result<Lookup> {
    layout::validate_names(&query.job, &query.branch, &query.sha).map_err(Error::Usage)?;
    let mut lookup = Lookup {
        found: None,
        skipped: Vec::new(),
    };
    let mut tried = std::collections::BTreeSet::new();

    // 1. The base commit, then 2. its first-parent ancestors, each through the index.
    // Without the history (no repository, a shallow clone without the base) only the exact commit is tried.
    let history = match repo {
        Some(repo) => repo.first_parents(&query.sha, query.max_walk).unwrap_or_else(|e| {
            tracing::warn!("{e}; looking up the exact commit only");
            vec![query.sha.clone()]
        }),
        None => vec![query.sha.clone()],
    };
    for (behind, sha) in history.iter().enumerate() {
        // Before any ancestor: the base commit itself recorded under another branch (a clone whose base is not the
        // main branch, a commit pushed to two branches).
        if behind == 1
            && let Some(found) = exact_on_other_branch(store, query, &mut lookup, &mut tried)?
        {
            lookup.found = Some(found);
            return Ok(lookup);
        }
        let key = layout::index_entry(&query.job, &query.branch, sha);
        let Some(bytes) = store.get(&key)? else {
            continue;
        };
        let entry: IndexEntry = match serde_json::from_slice(&bytes) {
            Ok(entry) => entry,
            Err(e) => {
                skip(&mut lookup, store.url_of(&key), format!("unreadable index entry: {e}"));
                continue;
            }
        };
        let build = BuildRef {
            job: query.job.clone(),
            build_id: entry.build_id,
        };
        if !layout::is_build_id(&build.build_id) || !tried.insert(build.build_id.clone()) {
            continue;
        }
        let matched = if behind == 0 { Match::Exact } else { Match::Ancestor };
        if let Some(found) = try_build(store, query, &build, &mut lookup, Some(sha), false)? {
            lookup.found = Some(Found {
                matched,
                commits_behind: Some(behind),
                ..found
            });
            return Ok(lookup);
        }
    }

    if history.len() == 1
        && let Some(found) = exact_on_other_branch(store, query, &mut lookup, &mut tried)?
    {
        lookup.found = Some(found);
        return Ok(lookup);
    }

    // 3. The newest complete builds: `latest-build.txt` first (a hint), then the listing, newest first.
    let mut candidates = Vec::new();
    if let Some(hint) = store.get(&layout::latest_build(&query.job))? {
        let hint = String::from_utf8_lossy(&hint).trim().to_string();
        if layout::is_build_id(&hint) {
            candidates.push(hint);
        }
    }
    let mut listed: Vec<String> = store
        .list_dirs(&layout::job_dir(&query.job))?
        .into_iter()
        .filter(|id| layout::is_build_id(id))
        .collect();
    // Build ids are decimal and grow with time: compare by length, then digits, for numeric order.
    listed.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| b.cmp(a)));
    candidates.extend(listed);
    let mut attempts = 0;
    for build_id in candidates {
        if attempts >= query.max_builds {
            break;
        }
        if !tried.insert(build_id.clone()) {
            continue;
        }
        attempts += 1;
        let build = BuildRef {
            job: query.job.clone(),
            build_id,
        };
        if let Some(found) = try_build(store, query, &build, &mut lookup, None, false)? {
            let commits_behind = repo.and_then(|repo| repo.distance(&found.metadata.sha, &query.sha));
            lookup.found = Some(Found {
                matched: Match::Newest,
                commits_behind,
                ..found
            });
            return Ok(lookup);
        }
    }
    Ok(lookup)
}

fn skip(lookup: &mut Lookup, object: String, reason: String) {
    tracing::warn!("skipping baseline {object}: {reason}; trying the next candidate");
    lookup.skipped.push(Skipped { object, reason });
}

/// The base commit's baseline recorded under a branch other than the query's, through the index of every branch
/// (one listing; only when the query's own branch has none). The found metadata names the branch.
fn exact_on_other_branch(
    store: &Store,
    query: &Query,
    lookup: &mut Lookup,
    tried: &mut std::collections::BTreeSet<String>,
) -> Result<Option<Found>> {
    let dir = layout::index_dir(&query.job);
    let suffix = format!("/{}.json", query.sha);
    let own = layout::index_entry(&query.job, &query.branch, &query.sha);
    for key in store.list_keys(&dir)? {
        if !key.ends_with(&suffix) || key == own {
            continue;
        }
        let Some(bytes) = store.get(&key)? else { continue };
        let Ok(entry) = serde_json::from_slice::<IndexEntry>(&bytes) else {
            skip(lookup, store.url_of(&key), "unreadable index entry".to_owned());
            continue;
        };
        if !layout::is_build_id(&entry.build_id) || !tried.insert(entry.build_id.clone()) {
            continue;
        }
        let build = BuildRef {
            job: query.job.clone(),
            build_id: entry.build_id,
        };
        if let Some(found) = try_build(store, query, &build, lookup, Some(&query.sha), true)? {
            return Ok(Some(Found {
                matched: Match::Exact,
                commits_behind: Some(0),
                ..found
            }));
        }
    }
    Ok(None)
}

/// Reads one build; `None` (with the reason recorded) when it cannot be used. Only storage errors that survived the
/// retries and are not about this build's objects abort the lookup.
fn try_build(
    store: &Store,
    query: &Query,
    build: &BuildRef,
    lookup: &mut Lookup,
    expected_sha: Option<&str>,
    any_branch: bool,
) -> Result<Option<Found>> {
    let read = |key: &str, lookup: &mut Lookup| -> Option<Vec<u8>> {
        match store.get(key) {
            Ok(Some(bytes)) => Some(bytes),
            Ok(None) => {
                skip(lookup, store.url_of(key), "missing".into());
                None
            }
            Err(e) => {
                skip(lookup, store.url_of(key), format!("unreadable: {e}"));
                None
            }
        }
    };
    let marker_key = build.marker();
    let marker_bytes = match store.get(&marker_key) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            skip(
                lookup,
                store.url_of(&marker_key),
                "no completion marker: the upload did not finish (or is still running)".into(),
            );
            return Ok(None);
        }
        Err(e) => {
            skip(lookup, store.url_of(&marker_key), format!("unreadable: {e}"));
            return Ok(None);
        }
    };
    let marker: Marker = match serde_json::from_slice(&marker_bytes) {
        Ok(marker) => marker,
        Err(e) => {
            skip(
                lookup,
                store.url_of(&marker_key),
                format!("corrupt completion marker: {e}"),
            );
            return Ok(None);
        }
    };
    let metadata_key = build.metadata();
    let Some(metadata_bytes) = read(&metadata_key, lookup) else {
        return Ok(None);
    };
    if layout::digest(&metadata_bytes) != marker.metadata_sha3_256 {
        skip(
            lookup,
            store.url_of(&metadata_key),
            "corrupt: its content does not match the digest in the completion marker".into(),
        );
        return Ok(None);
    }
    let metadata: Metadata = match serde_json::from_slice(&metadata_bytes) {
        Ok(metadata) => metadata,
        Err(e) => {
            skip(lookup, store.url_of(&metadata_key), format!("corrupt metadata: {e}"));
            return Ok(None);
        }
    };
    if let Some(sha) = expected_sha
        && metadata.sha != sha
    {
        skip(
            lookup,
            store.url_of(&metadata_key),
            format!("records commit {}, but the index points here for {sha}", metadata.sha),
        );
        return Ok(None);
    }
    if metadata.branch != query.branch && !any_branch {
        skip(
            lookup,
            store.url_of(&metadata_key),
            format!(
                "recorded for branch {}, but the base is on {}",
                metadata.branch, query.branch
            ),
        );
        return Ok(None);
    }
    if metadata.tests_exit_status != 0 && query.failed_tests == FailedTests::Skip {
        skip(
            lookup,
            store.url_of(&metadata_key),
            format!(
                "the tests failed (exit status {}); pass --use-failed to use such baselines",
                metadata.tests_exit_status
            ),
        );
        return Ok(None);
    }
    let profile_key = build.profile();
    let Some(profile_bytes) = read(&profile_key, lookup) else {
        return Ok(None);
    };
    if layout::digest(&profile_bytes) != marker.profile_sha3_256 {
        skip(
            lookup,
            store.url_of(&profile_key),
            "corrupt: its content does not match the digest in the completion marker".into(),
        );
        return Ok(None);
    }
    let url = store.url_of(&profile_key);
    let coverage = match prowcov_json::read(std::path::Path::new(&url), &profile_bytes) {
        Ok(coverage) => coverage,
        Err(e) => {
            skip(lookup, url, format!("corrupt profile: {e}"));
            return Ok(None);
        }
    };
    Ok(Some(Found {
        build: build.clone(),
        metadata,
        coverage,
        matched: Match::Exact,
        commits_behind: None,
        url: store.url_of(&build.dir()),
    }))
}

/// One build of the job, as `list` shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Listed {
    pub build_id: String,
    /// `complete`, `incomplete` (no marker) or `unreadable`.
    pub state: &'static str,
    pub sha: Option<String>,
    pub branch: Option<String>,
    pub tests_exit_status: Option<i32>,
    pub percent: Option<f64>,
}

/// Every build of `job`, newest first, with its state (two reads per build: for operators, not for jobs).
pub fn list(store: &Store, job: &str) -> Result<Vec<Listed>> {
    let mut ids: Vec<String> = store
        .list_dirs(&layout::job_dir(job))?
        .into_iter()
        .filter(|id| layout::is_build_id(id))
        .collect();
    ids.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| b.cmp(a)));
    let mut out = Vec::with_capacity(ids.len());
    for build_id in ids {
        let build = BuildRef {
            job: job.to_string(),
            build_id: build_id.clone(),
        };
        let complete = store.get(&build.marker())?.is_some();
        let metadata: Option<Metadata> = store
            .get(&build.metadata())?
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        out.push(Listed {
            build_id,
            state: match (&metadata, complete) {
                (Some(_), true) => "complete",
                (_, false) => "incomplete",
                (None, true) => "unreadable",
            },
            sha: metadata.as_ref().map(|m| m.sha.clone()),
            branch: metadata.as_ref().map(|m| m.branch.clone()),
            tests_exit_status: metadata.as_ref().map(|m| m.tests_exit_status),
            percent: metadata.as_ref().map(|m| m.totals.percent),
        });
    }
    Ok(out)
}
