//! `prowcov baseline put|find|list`: flags to settings, then `storage`; the outputs are deterministic (no clock,
//! no counters) and JSON output starts with `schema`.

use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

use crate::cli::{BaselineCommand, BaselineFindArgs, BaselineFormat, BaselineListArgs, BaselinePutArgs, StorageArgs};
use crate::commands::inputs;
use crate::error::{Error, Result, exit};
use crate::fsutil::write_atomic;
use crate::render::Table;
use crate::render::json::{self as json_report, JsonOptions};
use crate::storage::{self, BuildRef, FailedTests, Lookup, Query, Record, Skipped, Store, StoreOptions};

/// The schema of `find --format json` and `list --format json`.
const SCHEMA: u32 = 1;

/// The storage used when neither `--storage` nor `PROWCOV_STORAGE` is given.
const DEFAULT_STORAGE: &str = ".prowcov";

pub fn run(command: BaselineCommand) -> Result<u8> {
    match command {
        BaselineCommand::Put(args) => put(args),
        BaselineCommand::Find(args) => find(args),
        BaselineCommand::List(args) => list(args),
    }
}

fn open(args: &StorageArgs) -> Result<Store> {
    Store::open(
        args.storage.as_deref().unwrap_or(DEFAULT_STORAGE),
        &StoreOptions::from_env(),
    )
}

fn put(args: BaselinePutArgs) -> Result<u8> {
    let loaded = inputs::load(&args.input)?;
    let store = open(&args.storage)?;
    let repo = args.repo_name.or_else(|| {
        let owner = std::env::var("REPO_OWNER").ok().filter(|s| !s.is_empty())?;
        let name = std::env::var("REPO_NAME").ok().filter(|s| !s.is_empty())?;
        Some(format!("{owner}/{name}"))
    });
    let record = Record {
        build: BuildRef {
            job: args.storage.job,
            build_id: args.build_id,
        },
        repo,
        branch: args.branch,
        sha: args.sha,
        time: args.time.map_or_else(now, Ok)?,
        tests_exit_status: args.tests_exit_status,
    };
    let outcome = storage::put(&store, &record, &loaded.coverage)?;
    eprintln!(
        "recorded the baseline of {} ({:.2}%, tests exit status {}): {}",
        outcome.metadata.sha, outcome.metadata.totals.percent, outcome.metadata.tests_exit_status, outcome.marker_url
    );
    Ok(exit::OK)
}

/// `SOURCE_DATE_EPOCH`, else the clock.
pub(super) fn now() -> Result<u64> {
    if let Ok(value) = std::env::var("SOURCE_DATE_EPOCH") {
        return value
            .trim()
            .parse()
            .map_err(|_| Error::Usage(format!("SOURCE_DATE_EPOCH={value:?}: expected seconds since the epoch")));
    }
    Ok(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()))
}

/// `--repo`, else the repository around the current directory, else none (exact commit and newest builds only).
fn repo_dir(repo: Option<PathBuf>) -> Option<PathBuf> {
    repo.or_else(|| {
        let found = git2::Repository::discover(".").ok()?;
        found
            .workdir()
            .map(PathBuf::from)
            .or_else(|| Some(found.path().to_path_buf()))
    })
}

#[derive(Serialize)]
struct FindReport<'a> {
    schema: u32,
    found: bool,
    job: &'a str,
    base_sha: &'a str,
    build_id: Option<&'a str>,
    sha: Option<&'a str>,
    #[serde(rename = "match")]
    matched: Option<storage::Match>,
    commits_behind: Option<usize>,
    tests_exit_status: Option<i32>,
    percent: Option<f64>,
    url: Option<&'a str>,
    skipped: &'a [Skipped],
}

fn find(args: BaselineFindArgs) -> Result<u8> {
    let store = open(&args.storage)?;
    let query = Query {
        job: args.storage.job.clone(),
        branch: args.branch.clone(),
        sha: args.sha.clone(),
        repo: repo_dir(args.repo),
        max_walk: args.max_walk,
        max_builds: args.max_builds,
        failed_tests: if args.use_failed {
            FailedTests::Use
        } else {
            FailedTests::Skip
        },
    };
    let lookup = storage::find(&store, &query)?;
    if let (Some(path), Some(found)) = (&args.output, &lookup.found) {
        write_atomic(path, |w| {
            json_report::write(&Table::new(&found.coverage), JsonOptions { detail: true }, w)
        })?;
    }
    to_stdout(|out| match args.format {
        BaselineFormat::Text => find_text(&lookup, &query, out),
        BaselineFormat::Json => {
            let found = lookup.found.as_ref();
            let report = FindReport {
                schema: SCHEMA,
                found: found.is_some(),
                job: &query.job,
                base_sha: &query.sha,
                build_id: found.map(|f| f.build.build_id.as_str()),
                sha: found.map(|f| f.metadata.sha.as_str()),
                matched: found.map(|f| f.matched),
                commits_behind: found.and_then(|f| f.commits_behind),
                tests_exit_status: found.map(|f| f.metadata.tests_exit_status),
                percent: found.map(|f| f.metadata.totals.percent),
                url: found.map(|f| f.url.as_str()),
                skipped: &lookup.skipped,
            };
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)
        }
    })?;
    Ok(exit::OK)
}

fn find_text(lookup: &Lookup, query: &Query, out: &mut dyn Write) -> io::Result<()> {
    match &lookup.found {
        Some(found) => {
            let how = match (found.matched, found.commits_behind) {
                (storage::Match::Exact, _) => "the base commit itself".to_string(),
                (_, Some(1)) => "1 commit behind the base".to_string(),
                (_, Some(n)) => format!("{n} commits behind the base"),
                (_, None) => "the newest build; not a known ancestor of the base".to_string(),
            };
            writeln!(
                out,
                "baseline: build {} of {} at commit {} ({how}), {:.2}% covered, tests exit status {}",
                found.build.build_id,
                found.build.job,
                found.metadata.sha,
                found.metadata.totals.percent,
                found.metadata.tests_exit_status
            )?;
            writeln!(out, "url: {}", found.url)?;
        }
        None => writeln!(
            out,
            "no baseline exists yet for {} (job {}); head and patch coverage need none",
            query.sha, query.job
        )?,
    }
    for skipped in &lookup.skipped {
        writeln!(out, "skipped: {}: {}", skipped.object, skipped.reason)?;
    }
    Ok(())
}

#[derive(Serialize)]
struct ListReport<'a> {
    schema: u32,
    job: &'a str,
    builds: &'a [storage::Listed],
}

fn list(args: BaselineListArgs) -> Result<u8> {
    let store = open(&args.storage)?;
    let builds = storage::list(&store, &args.storage.job)?;
    to_stdout(|out| match args.format {
        BaselineFormat::Json => {
            let report = ListReport {
                schema: SCHEMA,
                job: &args.storage.job,
                builds: &builds,
            };
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)
        }
        BaselineFormat::Text => {
            for build in &builds {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}",
                    build.build_id,
                    build.state,
                    build.sha.as_deref().unwrap_or("-"),
                    build.tests_exit_status.map_or("-".to_string(), |s| s.to_string()),
                    build.percent.map_or("-".to_string(), |p| format!("{p:.2}%")),
                )?;
            }
            Ok(())
        }
    })?;
    Ok(exit::OK)
}

/// Writes to stdout; a reader that goes away early is not an error.
fn to_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    match write(&mut stdout).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Error::write("<stdout>", e)),
        _ => Ok(()),
    }
}
