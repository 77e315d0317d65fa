//! `prowcov html`: read and merge the inputs, turn the flags into [`HtmlOptions`] (the changed lines from git with
//! `--base-ref`, or from a `--changed-files` list, and the history), and write the report folder.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::analysis::changes::{self, BaseRef, ChangeOptions, GitRepo};
use crate::analysis::filter::Filter;
use crate::cli::HtmlArgs;
use crate::config::Overrides;
use crate::env::Env;
use crate::error::{Error, Result, exit};
use crate::fsutil;
use crate::load;
use crate::render::html::{self, HtmlOptions, HtmlOverlay};
use crate::settings::RootDefault;
use crate::settings::inputs::Inputs;
use crate::storage;
use crate::warnings::Warnings;

pub fn run(args: HtmlArgs, env: &Env, warnings: &Warnings) -> Result<u8> {
    if args.base_ref.is_some() && args.changed_files.is_some() {
        return Err(Error::Usage(
            "--base-ref and --changed-files both name the changed lines: pass one of them".into(),
        ));
    }
    if args.changed_only && args.changed_files.is_none() && args.base_ref.is_none() {
        return Err(Error::Usage(
            "--changed-only needs the changed lines: pass --base-ref REV (from git) or --changed-files FILE".into(),
        ));
    }
    let links = args
        .link
        .iter()
        .map(|l| match l.split_once('=') {
            Some((label, url)) if html::escape::safe_url(url).is_some() => Ok((label.to_string(), url.to_string())),
            _ => Err(Error::Usage(format!(
                "--link {l}: expected LABEL=URL with an http or https URL"
            ))),
        })
        .collect::<Result<Vec<_>>>()?;

    let inputs = Inputs::resolve(&args.input, RootDefault::CurrentDir, &Overrides::default(), env)?;
    let loaded = load::load(&inputs.load, &inputs.files, env, warnings)?;
    let overlay = match (&args.changed_files, &args.base_ref) {
        (Some(path), _) => {
            let text = String::from_utf8_lossy(&fsutil::read(path)?).into_owned();
            Some(HtmlOverlay {
                changed_lines: changes::parse_changed_files(&text, path, &loaded.root)?,
                ..HtmlOverlay::default()
            })
        }
        (None, Some(rev)) => Some(overlay_from_git(&loaded, rev, env)?),
        (None, None) => None,
    };
    let history = match &args.history {
        Some(path) => storage::history::parse(&String::from_utf8_lossy(&fsutil::read(path)?), path)?,
        None => Vec::new(),
    };
    let options = HtmlOptions {
        title: args.title,
        links,
        timestamp: args.timestamp.then(now_utc),
        overlay,
        changed_only: args.changed_only,
        history,
    };
    if loaded.coverage.files.is_empty() {
        return Err(Error::Data("no data to report: the inputs measure no files".into()));
    }
    let stats = crate::publish::html_report(&loaded.coverage, &loaded.root, &options, &args.output)?;
    if stats.missing_sources > 0 {
        eprintln!(
            "warning: {} of {} files have no source under {}; their pages say so",
            stats.missing_sources,
            stats.pages,
            loaded.root.display()
        );
    }
    Ok(exit::OK)
}

/// The lines the head (`HEAD` of the checkout at the root) added or modified since its merge-base with `rev`, as
/// `prowcov diff` computes them; deleted files have no page to mark. A changed file the configuration leaves
/// unmeasured (coverage.py's `omit`, a Go test file) is not listed as "without coverage data".
fn overlay_from_git(loaded: &load::Loaded, rev: &str, env: &Env) -> Result<HtmlOverlay> {
    let repo = GitRepo::open(&loaded.root, env)?;
    let changes = repo.changes(&ChangeOptions::to_head(BaseRef::Given(rev.to_string())))?;
    let unmeasured = Filter::everything().with_unmeasured(load::unmeasured(&loaded.config, &loaded.root)?);
    let mut changed_lines = changes.head_lines();
    changed_lines
        .retain(|path, _| loaded.coverage.files.contains_key(path) || unmeasured.unmeasured_reason(path).is_none());
    Ok(HtmlOverlay {
        changed_lines,
        ..HtmlOverlay::default()
    })
}

/// The current time as `YYYY-MM-DD HH:MM:SS UTC`.
fn now_utc() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    format!(
        "{} {:02}:{:02}:{:02} UTC",
        crate::clock::civil_date(days as i64),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
