//! `prowcov combine`: turns the command line and the coverage.py configuration into a [`CombineRequest`], runs it,
//! and prints coverage.py's messages (results on stdout, warnings and traces on stderr).

use std::path::{Path, PathBuf};

use crate::cli::CombineArgs;
use crate::env::Env;
use crate::error::{Error, Result, exit};
use crate::python::combine::{CombineOutcome, CombineRequest, InputStatus, combine};
use crate::python::config;

pub fn run(args: CombineArgs, env: &Env) -> Result<u8> {
    let cwd = std::env::current_dir().map_err(|e| Error::read(".", e))?;
    let config = config::load(args.rcfile.as_deref(), &cwd, env)?;
    let request = CombineRequest {
        data_file: cwd.join(args.data_file.as_deref().unwrap_or(&config.data_file)),
        inputs: args.paths,
        append: args.append,
        keep: args.keep,
        aliases: config.aliases()?,
        trace_pathmap: args.debug.iter().any(|d| d == "pathmap"),
    };
    let outcome = combine(&request)?;
    report(&outcome, &cwd, args.quiet, args.debug.iter().any(|d| d == "combine"));
    Ok(exit::OK)
}

/// Prints what happened as coverage.py 7.17 does: one summary line, a line per input only with `--debug combine`
/// (on stderr, like coverage.py's debug output), warnings always.
fn report(outcome: &CombineOutcome, cwd: &Path, quiet: bool, per_input: bool) {
    for line in &outcome.pathmap_trace {
        eprintln!("{line}");
    }
    for (path, status) in &outcome.inputs {
        match status {
            InputStatus::Combined if per_input => eprintln!("Combined data file {}", relative(path, cwd).display()),
            InputStatus::Duplicate if per_input => {
                eprintln!("Skipping duplicate data {}", relative(path, cwd).display());
            }
            InputStatus::Unusable(e) => eprintln!("warning: {e}"),
            _ => {}
        }
    }
    for e in &outcome.delete_failures {
        eprintln!("warning: {e}");
    }
    if !quiet {
        println!("{}", summary(outcome));
    }
}

/// coverage.py's closing line: `Combined 2 files, skipped 1, 1 file errored`.
fn summary(outcome: &CombineOutcome) -> String {
    let combined = outcome.count(|s| matches!(s, InputStatus::Combined));
    let skipped = outcome.count(|s| matches!(s, InputStatus::Duplicate));
    let errored = outcome.count(|s| matches!(s, InputStatus::Unusable(_)));
    let mut msg = format!("Combined {}", plural(combined, "file"));
    if skipped > 0 {
        msg += &format!(", skipped {skipped}");
    }
    if errored > 0 {
        msg += &format!(", {} errored", plural(errored, "file"));
    }
    msg
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Paths under the current directory are shown relative to it, as coverage.py does.
fn relative(path: &Path, cwd: &Path) -> PathBuf {
    path.strip_prefix(cwd)
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}
