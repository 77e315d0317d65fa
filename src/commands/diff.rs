//! `prowcov diff`: validate the settings, read the changes from git, load both profiles, build the
//! [`DiffReport`], render it (as text, JSON, markdown or the PR comment body), and turn a failed gate into exit code 1.

use std::io::{self, Write};
use std::path::PathBuf;

use crate::analysis::changes::GitRepo;
use crate::analysis::{DiffInputs, DiffReport};
use crate::cli::DiffArgs;
use crate::commands::report::to_stdout;
use crate::env::Env;
use crate::error::{Error, Result, exit};
use crate::load;
use crate::render::comment::{self, BaselineInfo, CommentInput, CommentLinks};
use crate::render::diff::{self, DiffRenderOptions};
use crate::settings::diff::{CommentSettings, DiffSettings, Format};
use crate::warnings::Warnings;

pub fn run(args: DiffArgs, env: &Env, warnings: &Warnings) -> Result<u8> {
    let repo_dir = args.repo.clone().unwrap_or_else(|| PathBuf::from("."));
    let repo = GitRepo::open(&repo_dir, env)?;
    let settings = DiffSettings::resolve(&args, &repo, env)?;
    let reader = load::Reader::new(&settings.load, env, warnings)?;
    let filter = settings
        .filter
        .clone()
        .with_unmeasured(load::unmeasured(&reader.config, &reader.root)?);
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
            other_branch: None,
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
        previous: None,
    })
}
