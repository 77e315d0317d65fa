//! `prowcov diff`: validate the settings, read the changes from git, load both profiles, build the
//! [`DiffReport`], render it (as text, JSON, markdown or the PR comment body), and turn a failed gate into exit code 1.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::analysis::changes::{BaseRef, ChangeOptions, GitRepo};
use crate::analysis::filter::Filter;
use crate::analysis::gate::GateConfig;
use crate::analysis::{DiffInputs, DiffReport};
use serde::Deserialize;

use crate::cli::{DiffArgs, DiffFormat, InputArgs};
use crate::commands::{inputs, report::to_stdout};
use crate::error::{Error, Result, exit};
use crate::render::comment::{self, BaselineInfo, CommentInput, CommentLinks};
use crate::render::diff::{self, DiffRenderOptions};

/// The environment variable Prow sets to the base commit of a pre-submit.
const PULL_BASE_SHA: &str = "PULL_BASE_SHA";
/// The environment variable Prow sets to the PR's head commit (the checkout is the PR merged into the base).
const PULL_PULL_SHA: &str = "PULL_PULL_SHA";

/// The flags, validated once.
struct Settings {
    changes: ChangeOptions,
    filter: Filter,
    gate: GateConfig,
    format: Format,
    output: Option<PathBuf>,
    render: DiffRenderOptions,
}

/// `--format`, with what the comment needs.
enum Format {
    Text,
    Json,
    Markdown,
    Comment(CommentSettings),
}

/// What the PR comment needs besides the report.
struct CommentSettings {
    job: String,
    html_url: Option<String>,
    /// From `--baseline-json`: `Some(None)` when it says no baseline exists; `None` without the flag.
    baseline: Option<Option<BaselineInfo>>,
    /// `PULL_PULL_SHA`, the PR's head; the checked-out head otherwise.
    head_sha: Option<String>,
}

impl CommentSettings {
    fn new(args: &DiffArgs) -> Result<CommentSettings> {
        let job = match args.job.as_deref().map(str::trim) {
            Some(job) if comment::is_job_name(job) => job.to_string(),
            Some(job) => {
                return Err(Error::Usage(format!(
                    "--job {job:?}: expected a Prow job name (letters, digits, `.`, `_` and `-`)"
                )));
            }
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
        let head_sha = std::env::var(PULL_PULL_SHA)
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        Ok(CommentSettings {
            job,
            html_url: args.html_url.clone(),
            baseline,
            head_sha,
        })
    }
}

/// The fields of `prowcov baseline find --format json` the comment shows.
#[derive(Deserialize)]
struct FoundBaseline {
    found: bool,
    sha: Option<String>,
    commits_behind: Option<u64>,
    tests_exit_status: Option<i32>,
    url: Option<String>,
}

/// Reads `--baseline-json`: the baseline used, or `None` when the lookup found none.
fn read_baseline(path: &Path) -> Result<Option<BaselineInfo>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
    let found: FoundBaseline = serde_json::from_str(&text).map_err(|e| {
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
    }))
}

impl Settings {
    fn new(args: &DiffArgs) -> Result<Settings> {
        let base = match (&args.base_ref, std::env::var(PULL_BASE_SHA)) {
            (Some(rev), _) => BaseRef::Given(rev.clone()),
            (None, Ok(sha)) if !sha.trim().is_empty() => BaseRef::PullBaseSha(sha.trim().to_string()),
            _ => BaseRef::Default,
        };
        let threshold = |flag: &str, value: Option<f64>| match value {
            Some(v) if !(0.0..=100.0).contains(&v) => Err(Error::Usage(format!(
                "{flag} {v}: expected a percentage between 0 and 100"
            ))),
            _ => Ok(value),
        };
        Ok(Settings {
            changes: ChangeOptions {
                base,
                head_ref: args.head_ref.clone(),
                ignore_whitespace: args.ignore_whitespace,
            },
            filter: Filter::new(&args.gate.include, &args.gate.exclude)?,
            gate: GateConfig {
                min_patch: threshold("--min-patch", args.gate.min_patch)?,
                max_drop: threshold("--max-drop", args.gate.max_drop)?,
                min_file: threshold("--min-file", args.gate.min_file)?,
            },
            output: args.output.clone(),
            render: DiffRenderOptions {
                precision: args.precision,
            },
            format: match args.format {
                DiffFormat::Text => Format::Text,
                DiffFormat::Json => Format::Json,
                DiffFormat::Markdown => Format::Markdown,
                DiffFormat::Comment => Format::Comment(CommentSettings::new(args)?),
            },
        })
    }
}

pub fn run(args: DiffArgs) -> Result<u8> {
    let settings = Settings::new(&args)?;
    let repo_dir = args.repo.clone().unwrap_or_else(|| PathBuf::from("."));
    let repo = GitRepo::open(&repo_dir)?;
    let root = repo.workdir().map(Path::to_path_buf).ok_or_else(|| {
        Error::Usage(format!(
            "--repo {}: a bare repository has no checkout; pass the working tree the coverage was measured in",
            repo_dir.display()
        ))
    })?;
    let reader = inputs::Reader::new(&InputArgs {
        inputs: Vec::new(),
        root: Some(root.clone()),
        rcfile: args.rcfile.clone(),
        python: args.python.clone(),
        ignore_errors: args.ignore_errors,
    })?;
    let filter = settings
        .filter
        .clone()
        .with_unmeasured(inputs::unmeasured(&reader.config, &reader.root)?);
    let load = |paths: &[PathBuf]| reader.read(paths);
    // The profiles are read on a second thread while git computes the changes. Git's errors (a shallow clone, a
    // missing base) still come first: they say what to fix before any coverage matters.
    let started = std::time::Instant::now();
    let (changes, profiles) = std::thread::scope(|scope| {
        let profiles = scope.spawn(|| Ok::<_, Error>((load(&args.base)?, load(&args.head)?)));
        let changes = repo.changes(&settings.changes);
        let profiles = profiles.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (changes, profiles)
    });
    let changes = changes?;
    tracing::info!(
        "{} changed files read from git in {:?}",
        changes.files.len(),
        started.elapsed()
    );
    tracing::info!(
        "base {} ({}) {}, merge-base {}, head {}",
        changes.refs.base_ref,
        changes.refs.base_source,
        changes.refs.base_sha,
        changes.refs.merge_base_sha,
        changes.refs.head_sha
    );
    let (base, head) = profiles?;
    tracing::info!("profiles read after {:?}", started.elapsed());

    let mut paths: Vec<&str> = changes.files.iter().map(|f| f.path.as_str()).collect();
    paths.extend(base.files.keys().chain(head.files.keys()).map(String::as_str));
    paths.sort_unstable();
    paths.dedup();
    let attributes = repo.attributes(paths)?;
    tracing::info!("attributes read after {:?}", started.elapsed());

    let report = DiffReport::build(DiffInputs {
        base: &base,
        head: &head,
        changes: &changes,
        attributes: &attributes,
        filter: &filter,
        gate: &settings.gate,
    });

    let render = |w: &mut dyn Write| -> io::Result<()> {
        match &settings.format {
            Format::Text => diff::text::write(&report, settings.render, w),
            Format::Json => diff::json::write(&report, settings.render, w),
            Format::Markdown => diff::markdown::write(&report, settings.render, w),
            Format::Comment(c) => w.write_all(render_comment(&report, c, settings.render).as_bytes()),
        }
    };
    match &settings.output {
        Some(path) => crate::fsutil::write_atomic(path, render)?,
        None => to_stdout(render)?,
    }

    if report.gate.passed {
        return Ok(exit::OK);
    }
    for rule in report.gate.rules.iter().filter(|r| !r.passed) {
        eprintln!(
            "coverage gate failed: {}",
            diff::text::rule_text(rule, settings.render.precision)
        );
    }
    Ok(exit::THRESHOLD_FAILED)
}

/// The PR comment body for `report`.
fn render_comment(report: &DiffReport, settings: &CommentSettings, render: DiffRenderOptions) -> String {
    // Without `--baseline-json` the `--base` profile is the base commit's own coverage.
    let baseline = settings.baseline.clone().unwrap_or_else(|| {
        Some(BaselineInfo {
            sha: report.refs.base_sha.clone(),
            commits_behind: Some(0),
            build_url: None,
            tests_failed: false,
        })
    });
    comment::render(&CommentInput {
        job: &settings.job,
        head_sha: settings.head_sha.as_deref().unwrap_or(&report.refs.head_sha),
        report,
        baseline,
        links: CommentLinks {
            html_report: settings.html_url.clone(),
            html_all_files: false,
        },
        head_tests_failed: None,
        prow: true,
        precision: render.precision,
    })
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
            })
        );
        assert_eq!(read(r#"{"found":false}"#).expect("valid"), None, "no baseline yet");
        assert!(read(r#"{"found":true}"#).is_err(), "a found baseline names its commit");
        assert!(read("[]").is_err());
    }
}
