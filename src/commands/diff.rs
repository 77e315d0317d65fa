//! `prowcov diff`: validate the settings, read the changes from git, load both profiles, build the
//! [`DiffReport`], render it, and turn a failed gate into exit code 1.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::analysis::changes::{BaseRef, ChangeOptions, GitRepo};
use crate::analysis::filter::Filter;
use crate::analysis::gate::GateConfig;
use crate::analysis::{DiffInputs, DiffReport};
use crate::cli::{DiffArgs, InputArgs, ReportFormat};
use crate::commands::{inputs, report::to_stdout};
use crate::error::{Error, Result, exit};
use crate::render::diff::{self, DiffRenderOptions};

/// The environment variable Prow sets to the base commit of a pre-submit.
const PULL_BASE_SHA: &str = "PULL_BASE_SHA";

/// The flags, validated once.
struct Settings {
    changes: ChangeOptions,
    filter: Filter,
    gate: GateConfig,
    format: ReportFormat,
    output: Option<PathBuf>,
    render: DiffRenderOptions,
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
            filter: Filter::new(&args.include, &args.exclude)?,
            gate: GateConfig {
                min_patch: threshold("--min-patch", args.min_patch)?,
                max_drop: threshold("--max-drop", args.max_drop)?,
                min_file: threshold("--min-file", args.min_file)?,
            },
            format: args.format,
            output: args.output.clone(),
            render: DiffRenderOptions {
                precision: args.precision,
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
    let load = |paths: &[PathBuf]| {
        inputs::load(&InputArgs {
            inputs: paths.to_vec(),
            root: Some(root.clone()),
            rcfile: args.rcfile.clone(),
            python: args.python.clone(),
            ignore_errors: false,
        })
        .map(|loaded| loaded.coverage)
    };
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
        filter: &settings.filter,
        gate: &settings.gate,
    });

    let render = |w: &mut dyn Write| -> io::Result<()> {
        match settings.format {
            ReportFormat::Text => diff::text::write(&report, settings.render, w),
            ReportFormat::Json => diff::json::write(&report, settings.render, w),
            ReportFormat::Markdown => diff::markdown::write(&report, settings.render, w),
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
