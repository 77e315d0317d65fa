//! The command runner: any argv (no shell; `["sh", "-c", "..."]` when one is wanted) run in the root, then the
//! coverage files it wrote, found by the `run.profiles` globs relative to the root (`.git` and `.prowcov` skipped;
//! files older than the run left out), sorted.

use std::path::{Path, PathBuf};

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::process;
use super::{RunSpec, TestRun, tests_outcome};
use crate::error::{Error, Result};
use crate::fsutil::{check_globs, find_files};
use crate::warnings::Warnings;

pub(super) fn run(spec: &RunSpec<'_>) -> Result<TestRun> {
    let Some((program, args)) = spec.command.split_first() else {
        return Err(Error::config(
            None,
            None,
            "run.command: the command runner needs the test command (an argument list)",
        ));
    };
    if spec.profiles.is_empty() {
        return Err(Error::config(
            None,
            None,
            "run.profiles: the command runner needs the globs of the coverage files the command writes",
        ));
    }
    // Bad globs are found before the tests run, not after.
    let globs: Vec<String> = spec.profiles.iter().map(|g| g.as_str().to_owned()).collect();
    check_globs(&globs, "run.profiles")?;
    let args: Vec<_> = args.iter().map(Into::into).collect();
    let started = SystemTime::now();
    let finished = process::execute(&program.into(), &args, &[], spec)?;
    let profiles = written_since(spec.root, &globs, started, spec.warnings)?;
    if profiles.is_empty() {
        let quoted: Vec<String> = globs.iter().map(|g| format!("`{g}`")).collect();
        return Err(Error::Data(format!(
            "no coverage files written by `{}` match run.profiles ({}) under {}, and {}\nhint: the globs are \
             relative to the repository root (a glob without `/` matches the file name anywhere); see the test log {}",
            process::display_command(&finished.command),
            quoted.join(", "),
            spec.root.display(),
            tests_outcome(finished.exit_code),
            spec.log.display()
        )));
    }
    Ok(TestRun {
        command: finished.command,
        exit_code: finished.exit_code,
        profiles,
        duration: finished.duration,
    })
}

/// The files matching `globs` that the run wrote: those modified since `started` (rounded down to the second, less one, for
/// file systems with coarse times). Older matches are left out with a warning: a profile from an earlier run, or
/// prowcov's own artifacts, must never pass for this run's coverage.
fn written_since(root: &Path, globs: &[String], started: SystemTime, warnings: &Warnings) -> Result<Vec<PathBuf>> {
    // One second of slack below the whole second: file times come from the kernel's coarse clock, which can lag
    // the `started` reading by milliseconds, so a file written at once by a quick command can look older than the
    // run across a second boundary.
    let since = started.duration_since(UNIX_EPOCH).map_or(UNIX_EPOCH, |d| {
        UNIX_EPOCH + Duration::from_secs(d.as_secs().saturating_sub(1))
    });
    let mut fresh = Vec::new();
    for path in find_files(root, globs, "run.profiles")? {
        let modified = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .map_err(|e| Error::read(&path, e))?;
        if modified >= since {
            fresh.push(path);
        } else {
            warnings.warn(format!(
                "{} matches run.profiles but was not written by this run; it is left out",
                path.display()
            ));
        }
    }
    Ok(fresh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_written_since_the_start_count() {
        let dir = tempfile::tempdir().unwrap();
        let write = |f: &str| {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        };
        for f in ["old.lcov", ".prowcov/artifacts/x.lcov", ".git/c.lcov"] {
            write(f);
        }
        let started = SystemTime::now() + Duration::from_secs(2);
        let globs = ["*.lcov".to_owned()];
        assert!(
            written_since(dir.path(), &globs, started, &Warnings::default())
                .unwrap()
                .is_empty(),
            "older files are left out"
        );
        let found = written_since(dir.path(), &globs, SystemTime::UNIX_EPOCH, &Warnings::default()).unwrap();
        let rel: Vec<_> = found
            .iter()
            .map(|p| p.strip_prefix(dir.path()).unwrap().to_str().unwrap())
            .collect();
        assert_eq!(rel, ["old.lcov"], ".git and .prowcov are never searched");
    }
}
