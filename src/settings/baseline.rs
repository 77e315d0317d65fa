//! The `baseline` subcommands' settings: where baselines are stored and which job's, from the flags over the
//! repository's configuration (`[storage]`) and the environment (`PROWCOV_STORAGE`, `PROWCOV_BASELINE_JOB`, the
//! object stores' endpoints and credentials); for `put`, what is recorded (Prow's `BUILD_ID`, `PULL_BASE_SHA`,
//! `PULL_BASE_REF`, `REPO_OWNER`/`REPO_NAME`, `SOURCE_DATE_EPOCH`).

use std::path::{Path, PathBuf};

use super::inputs::repo_config;
use crate::cli::{BaselineFindArgs, BaselinePutArgs, StorageArgs};
use crate::config::{LoadedConfig, Overrides};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::ids::{BuildId, JobName};
use crate::storage::{BuildRef, FailedTests, Query, Record, StoreOptions};

/// Where the baselines are.
#[derive(Clone, Debug)]
pub struct StorageSettings {
    /// The storage URL, a relative folder resolved against the root.
    pub url: String,
    pub options: StoreOptions,
    /// The post-submit job whose builds hold the baselines.
    pub job: JobName,
    /// The configuration they were resolved from.
    pub config: LoadedConfig,
}

impl StorageSettings {
    /// Resolves `args` against the configuration found at `root`.
    pub fn resolve(args: &StorageArgs, root: &Path, env: &Env) -> Result<StorageSettings> {
        let overrides = Overrides {
            storage: args.storage.clone(),
            postsubmit_job: args.job.clone(),
            ..Overrides::default()
        };
        let config = repo_config(root, &overrides, env)?;
        let job = config.config.storage.postsubmit_job.clone().ok_or_else(|| {
            Error::Usage(
                "which post-submit job's baselines? pass --job (or set PROWCOV_BASELINE_JOB, or storage.postsubmit-job \
                 in .prowcov.toml)"
                    .into(),
            )
        })?;
        let job = JobName::try_from(job).map_err(|e| Error::Usage(format!("--job: {e}")))?;
        Ok(StorageSettings {
            url: storage_url(config.config.storage.url.as_str(), root),
            options: StoreOptions::from_env(env),
            job,
            config,
        })
    }
}

/// `url`, a relative folder resolved against `root`.
pub fn storage_url(url: &str, root: &Path) -> String {
    if url.contains("://") || Path::new(url).is_absolute() {
        url.to_owned()
    } else {
        root.join(url).to_string_lossy().into_owned()
    }
}

/// The record `baseline put` writes.
pub fn record(args: &BaselinePutArgs, job: &JobName, env: &Env) -> Result<Record> {
    let required = |flag, value, var| flag_or_env(flag, value, var, env);
    let build_id = required("--build-id", &args.build_id, "BUILD_ID")?;
    let build_id = BuildId::try_from(build_id).map_err(|e| Error::Usage(format!("--build-id: {e}")))?;
    let repo = args.repo_name.clone().or_else(|| {
        let owner = env.get("REPO_OWNER")?;
        let name = env.get("REPO_NAME")?;
        Some(format!("{owner}/{name}"))
    });
    Ok(Record {
        build: BuildRef {
            job: job.to_string(),
            build_id: build_id.to_string(),
        },
        repo,
        branch: required("--branch", &args.branch, "PULL_BASE_REF")?,
        sha: required("--sha", &args.sha, "PULL_BASE_SHA")?,
        time: args.time.map_or_else(|| crate::clock::now(env), Ok)?,
        tests_exit_status: args.tests_exit_status,
    })
}

/// `value` (a flag's), else the variable `var` of `env` (which Prow sets), else a usage error naming both.
fn flag_or_env(flag: &str, value: &Option<String>, var: &str, env: &Env) -> Result<String> {
    value
        .clone()
        .or_else(|| env.get(var).map(str::to_owned))
        .ok_or_else(|| Error::Usage(format!("{flag} is required (or {var}, which Prow sets)")))
}

/// The query `baseline find` runs, and the repository whose history it walks.
pub fn query(args: &BaselineFindArgs, storage: &StorageSettings, env: &Env) -> Result<(Query, Option<PathBuf>)> {
    let required = |flag, value, var| flag_or_env(flag, value, var, env);
    let config = &storage.config.config.storage;
    let query = Query {
        job: storage.job.to_string(),
        branch: required("--branch", &args.branch, "PULL_BASE_REF")?,
        sha: required("--sha", &args.sha, "PULL_BASE_SHA")?,
        max_walk: args.max_walk.unwrap_or(config.max_walk),
        max_builds: args.max_builds,
        failed_tests: if args.use_failed || config.use_failed_baselines {
            FailedTests::Use
        } else {
            FailedTests::Skip
        },
    };
    Ok((query, args.repo.clone()))
}
