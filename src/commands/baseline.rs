//! `prowcov baseline put|find|list`: flags to settings, then `storage`; the outputs are deterministic (no clock,
//! no counters) and JSON output starts with `schema`.

use std::io::{self, Write};

use serde::Serialize;

use crate::analysis::changes::GitRepo;
use crate::cli::{BaselineCommand, BaselineFindArgs, BaselineFormat, BaselineListArgs, BaselinePutArgs};
use crate::config::Overrides;
use crate::env::Env;
use crate::error::{Error, Result, exit};
use crate::formats::prowcov_json::{self, JsonOptions};
use crate::fsutil::write_atomic;
use crate::load;
use crate::model::Table;
use crate::settings::baseline::StorageSettings;
use crate::settings::inputs::Inputs;
use crate::settings::{self, RootDefault, resolve_root};
use crate::storage::{self, BaselineReport, Lookup, Query, Store};
use crate::warnings::Warnings;

/// The schema of `find --format json` and `list --format json`.
const SCHEMA: u32 = 1;

pub fn run(command: BaselineCommand, env: &Env, warnings: &Warnings) -> Result<u8> {
    match command {
        BaselineCommand::Put(args) => put(&args, env, warnings),
        BaselineCommand::Find(args) => find(&args, env),
        BaselineCommand::List(args) => list(&args, env),
    }
}

fn open(storage: &StorageSettings) -> Result<Store> {
    Store::open(&storage.url, &storage.options)
}

fn put(args: &BaselinePutArgs, env: &Env, warnings: &Warnings) -> Result<u8> {
    let inputs = Inputs::resolve(&args.input, RootDefault::CurrentDir, &Overrides::default(), env)?;
    let storage = StorageSettings::resolve(&args.storage, &inputs.load.root, env)?;
    let record = settings::baseline::record(args, &storage.job, env)?;
    let loaded = load::load(&inputs.load, &inputs.files, env, warnings)?;
    let store = open(&storage)?;
    let outcome = storage::put(&store, &record, &loaded.coverage)?;
    eprintln!(
        "recorded the baseline of {} ({:.2}%, tests exit status {}): {}",
        outcome.metadata.sha, outcome.metadata.totals.percent, outcome.metadata.tests_exit_status, outcome.marker_url
    );
    Ok(exit::OK)
}

/// `find --format json`: the schema, then the report.
#[derive(Serialize)]
struct FindReport<'a> {
    schema: u32,
    #[serde(flatten)]
    report: &'a BaselineReport,
}

fn find(args: &BaselineFindArgs, env: &Env) -> Result<u8> {
    let cwd = resolve_root(None, RootDefault::CurrentDir)?;
    let storage = StorageSettings::resolve(&args.storage, &cwd, env)?;
    let (query, repo_dir) = settings::baseline::query(args, &storage, env)?;
    // `--repo`, else the repository around the current directory, else none (exact commit and newest builds only).
    let repo = match &repo_dir {
        Some(dir) => GitRepo::open(dir, env)
            .inspect_err(|e| tracing::warn!("{e}; looking up the exact commit only"))
            .ok(),
        None => GitRepo::open(&cwd, env).ok(),
    };
    let store = open(&storage)?;
    let lookup = storage::find(&store, &query, repo.as_ref())?;
    if let (Some(path), Some(found)) = (&args.output, &lookup.found) {
        write_atomic(path, |w| {
            prowcov_json::write(&Table::new(&found.coverage), JsonOptions { detail: true }, w)
        })?;
    }
    to_stdout(|out| match args.format {
        BaselineFormat::Text => find_text(&lookup, &query, out),
        BaselineFormat::Json => {
            let report = BaselineReport::of(&lookup, &query);
            serde_json::to_writer_pretty(
                &mut *out,
                &FindReport {
                    schema: SCHEMA,
                    report: &report,
                },
            )?;
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

fn list(args: &BaselineListArgs, env: &Env) -> Result<u8> {
    let cwd = resolve_root(None, RootDefault::CurrentDir)?;
    let storage = StorageSettings::resolve(&args.storage, &cwd, env)?;
    let store = open(&storage)?;
    let builds = storage::list(&store, &storage.job)?;
    to_stdout(|out| match args.format {
        BaselineFormat::Json => {
            let report = ListReport {
                schema: SCHEMA,
                job: &storage.job,
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
