//! `prowcov diff`'s settings: the flags over the repository's configuration (`[gate]`, `[paths]`,
//! `report.precision`) and Prow's variables (`PULL_BASE_SHA` for the base, `PULL_PULL_SHA` for the comment's head),
//! validated once.

use std::path::{Path, PathBuf};

use super::inputs::{load_options_of, repo_config};
use crate::analysis::changes::{BaseRef, ChangeOptions, GitRepo};
use crate::analysis::filter::Filter;
use crate::analysis::gate::GateConfig;
use crate::cli::{DiffArgs, DiffFormat};
use crate::config::Overrides;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::ids::JobName;
use crate::load::LoadOptions;
use crate::render::comment::BaselineInfo;
use crate::render::diff::DiffRenderOptions;
use crate::storage::BaselineReport;

/// The environment variable Prow sets to the base commit of a pre-submit.
pub const PULL_BASE_SHA: &str = "PULL_BASE_SHA";
/// The environment variable Prow sets to the PR's head commit (the checkout is the PR merged into the base).
pub const PULL_PULL_SHA: &str = "PULL_PULL_SHA";
/// The environment variable Prow sets to the job's name.
pub const JOB_NAME: &str = "JOB_NAME";

/// The flags, validated once.
pub struct DiffSettings {
    pub changes: ChangeOptions,
    pub filter: Filter,
    pub gate: GateConfig,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub render: DiffRenderOptions,
    pub load: LoadOptions,
}

/// `--format`, with what the comment needs.
pub enum Format {
    Text,
    Json,
    Markdown,
    Comment(CommentSettings),
}

/// What the PR comment needs besides the report.
pub struct CommentSettings {
    pub job: JobName,
    pub html_url: Option<String>,
    /// From `--baseline-json`: `Some(None)` when it says no baseline exists; `None` without the flag.
    pub baseline: Option<Option<BaselineInfo>>,
    /// `PULL_PULL_SHA`, the PR's head; the checked-out head otherwise.
    pub head_sha: Option<String>,
}

impl DiffSettings {
    /// Resolves `args` for the repository `repo` (opened from `--repo` by the caller).
    pub fn resolve(args: &DiffArgs, repo: &GitRepo, env: &Env) -> Result<DiffSettings> {
        let root = repo.workdir().map(Path::to_path_buf).ok_or_else(|| {
            Error::Usage(format!(
                "--repo {}: a bare repository has no checkout; pass the working tree the coverage was measured in",
                args.repo.as_deref().unwrap_or(Path::new(".")).display()
            ))
        })?;
        let root = root.canonicalize().unwrap_or(root);
        let overrides = Overrides {
            min_patch: args.gate.min_patch,
            max_drop: args.gate.max_drop,
            min_file: args.gate.min_file,
            include: args.gate.include.clone(),
            exclude: args.gate.exclude.clone(),
            precision: args.precision,
            ..Overrides::default()
        };
        let config = repo_config(&root, &overrides, env)?.config;
        let base = match (&args.base_ref, env.get(PULL_BASE_SHA)) {
            (Some(rev), _) => BaseRef::Given(rev.clone()),
            (None, Some(sha)) => BaseRef::PullBaseSha(sha.to_owned()),
            _ => match &config.run.main_branch {
                Some(branch) => BaseRef::MainBranch(branch.to_string()),
                None => BaseRef::Default,
            },
        };
        Ok(DiffSettings {
            changes: ChangeOptions {
                base,
                head_ref: args.head_ref.clone(),
                ignore_whitespace: args.ignore_whitespace,
            },
            filter: Filter::from_paths(&config.paths)?,
            gate: GateConfig::from(&config.gate),
            output: args.output.clone(),
            render: DiffRenderOptions {
                precision: config.report.precision.get(),
            },
            format: match args.format {
                DiffFormat::Text => Format::Text,
                DiffFormat::Json => Format::Json,
                DiffFormat::Markdown => Format::Markdown,
                DiffFormat::Comment => Format::Comment(CommentSettings::resolve(args, env)?),
            },
            load: load_options_of(root, args.rcfile.clone(), args.python.clone(), args.ignore_errors, env),
        })
    }
}

impl CommentSettings {
    fn resolve(args: &DiffArgs, env: &Env) -> Result<CommentSettings> {
        let job = match args.job.as_deref().or_else(|| env.get(JOB_NAME)).map(str::trim) {
            Some(job) => JobName::try_from(job).map_err(|_| {
                Error::Usage(format!(
                    "--job {job:?}: expected a Prow job name (letters, digits, `.`, `_` and `-`)"
                ))
            })?,
            None => {
                return Err(Error::Usage(
                    "--format comment needs --job (or JOB_NAME, which Prow sets)".to_string(),
                ));
            }
        };
        if let Some(url) = &args.html_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(Error::Usage(format!(
                "--html-url {url}: expected an http(s) URL, which a PR comment can link to"
            )));
        }
        let baseline = args.baseline_json.as_deref().map(read_baseline).transpose()?;
        Ok(CommentSettings {
            job,
            html_url: args.html_url.clone(),
            baseline,
            head_sha: env.get(PULL_PULL_SHA).map(str::to_owned),
        })
    }
}

/// Reads `--baseline-json` (the output of `prowcov baseline find --format json`): the baseline used, or `None` when
/// the lookup found none.
fn read_baseline(path: &Path) -> Result<Option<BaselineInfo>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
    let found: BaselineReport = serde_json::from_str(&text).map_err(|e| {
        Error::parse(
            path,
            Some(e.line() as u64),
            format!("expected the output of `prowcov baseline find --format json`: {e}"),
        )
    })?;
    if !found.found {
        return Ok(None);
    }
    let sha = found
        .sha
        .ok_or_else(|| Error::parse(path, None, "\"found\" is true but \"sha\" is missing"))?;
    Ok(Some(BaselineInfo {
        sha,
        commits_behind: found.commits_behind.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
        build_url: found.url,
        tests_failed: found.tests_exit_status.is_some_and(|s| s != 0),
        other_branch: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Option<BaselineInfo>> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("baseline.json");
        std::fs::write(&path, text).expect("write");
        read_baseline(&path)
    }

    #[test]
    fn baseline_json_from_baseline_find() {
        let found = read(
            r#"{"schema":1,"found":true,"job":"post","base_sha":"b","build_id":"7","sha":"abc","match":"ancestor",
                "commits_behind":3,"tests_exit_status":1,"percent":50.0,"url":"gs://x/logs/post/7","skipped":[]}"#,
        )
        .expect("valid");
        assert_eq!(
            found,
            Some(BaselineInfo {
                sha: "abc".into(),
                commits_behind: Some(3),
                build_url: Some("gs://x/logs/post/7".into()),
                tests_failed: true,
                other_branch: None,
            })
        );
        assert_eq!(read(r#"{"found":false}"#).expect("valid"), None, "no baseline yet");
        assert!(read(r#"{"found":true}"#).is_err(), "a found baseline names its commit");
        assert!(read("[]").is_err());
    }
}
