//! The command runner: any argv (no shell; `["sh", "-c", "..."]` when one is wanted) run in the root, then the
//! coverage files it wrote, found by the `run.profiles` globs relative to the root (`.git` skipped), sorted.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSetBuilder};

use super::process;
use super::{RunSpec, TestRun, tests_outcome};
use crate::config::Glob;
use crate::error::{Error, Result};

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
    let matcher = matcher(spec.profiles)?;
    let args: Vec<_> = args.iter().map(Into::into).collect();
    let finished = process::execute(&program.into(), &args, &[], spec)?;
    let profiles = find(spec.root, &matcher)?;
    if profiles.is_empty() {
        let globs: Vec<String> = spec.profiles.iter().map(|g| format!("`{}`", g.as_str())).collect();
        return Err(Error::Data(format!(
            "no coverage files match run.profiles ({}) under {} after `{}`, and {}\nhint: the globs are relative to \
             the repository root; see the test log {}",
            globs.join(", "),
            spec.root.display(),
            process::display_command(&finished.command),
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

fn matcher(globs: &[Glob]) -> Result<globset::GlobSet> {
    let invalid = |g: &str, e: globset::Error| {
        Error::config(None, None, format!("run.profiles: invalid glob `{g}`: {}", e.kind()))
    };
    let mut set = GlobSetBuilder::new();
    for glob in globs {
        let g = glob.as_str();
        set.add(
            GlobBuilder::new(g)
                .literal_separator(true)
                .build()
                .map_err(|e| invalid(g, e))?,
        );
    }
    set.build().map_err(|e| invalid("(set)", e))
}

/// The files under `root` (relative path) that `matcher` matches, as `root`-joined paths, sorted.
fn find(root: &Path, matcher: &globset::GlobSet) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let walk = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !(e.file_type().is_dir() && e.file_name() == ".git"));
    for entry in walk {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(root).to_path_buf();
            Error::read(path, e.into())
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        if matcher.is_match(rel) {
            found.push(entry.path().to_path_buf());
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_are_relative_to_the_root_and_skip_git() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["cov/a.lcov", "cov/sub/b.lcov", ".git/c.lcov", "d.lcov"] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        let globs: Vec<Glob> = ["cov/*.lcov", "**/*.lcov"]
            .map(|g| Glob::try_from(g.to_owned()).unwrap())
            .to_vec();
        let found = find(dir.path(), &matcher(&globs).unwrap()).unwrap();
        let rel: Vec<_> = found
            .iter()
            .map(|p| p.strip_prefix(dir.path()).unwrap().to_str().unwrap())
            .collect();
        assert_eq!(rel, ["cov/a.lcov", "cov/sub/b.lcov", "d.lcov"]);
    }
}
