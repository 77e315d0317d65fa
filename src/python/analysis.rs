//! Runs coverage.py (`python -m coverage json`) on coverage.py data to learn each file's statements, branches and
//! missing lines, and turns the result into the model.
//!
//! A `.coverage` file holds only what ran; which lines are statements, which are excluded and which arcs are
//! possible comes from parsing the current source, with coverage.py's rules and the project's configuration.
//! Rather than re-implement that parser, prowcov asks coverage.py itself, so the numbers are coverage.py's own.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};
use crate::formats::coveragepy::{self, CoverageData};
use crate::formats::{ReadOptions, coveragepy_json};
use crate::model::Coverage;

/// One `.coverage` input: where it came from and what it holds.
#[derive(Clone, Debug)]
pub struct DataFile {
    pub path: PathBuf,
    pub data: CoverageData,
}

/// How to run coverage.py.
#[derive(Clone, Debug)]
pub struct AnalysisOptions {
    /// The interpreter to use (`--python`/`PROWCOV_PYTHON`); default: `python3`, then `python`.
    pub python: Option<PathBuf>,
    /// coverage.py configuration file (`--rcfile`); default: coverage.py's own discovery from `root`.
    pub rcfile: Option<PathBuf>,
    /// The directory coverage.py runs in: relative paths in the data and in the report are relative to it.
    pub root: PathBuf,
    /// Pass `-i`: skip files whose source is missing or cannot be parsed.
    pub ignore_errors: bool,
}

/// Merges `inputs` and returns coverage.py's analysis of them as the model.
pub fn analyze(inputs: &[DataFile], options: &AnalysisOptions) -> Result<Coverage> {
    let python = find_python(options.python.as_deref())?;
    let tmp = tempfile::tempdir().map_err(|e| Error::write(std::env::temp_dir(), e))?;
    let data_file = tmp.path().join(".coverage");
    stage_data(inputs, &data_file)?;
    let out = tmp.path().join("coverage.json");
    run_coverage_json(&python, &data_file, &out, options)?;
    let bytes = crate::fsutil::read(&out)?;
    coveragepy_json::read(&out, &bytes, &ReadOptions::new(options.root.clone()))
}

/// Puts the data to analyse at `target`, in a directory of its own. Reporting commands of coverage.py combine (and
/// delete) `<data file>.*` files next to the data file, so coverage.py must never be pointed at the user's file.
fn stage_data(inputs: &[DataFile], target: &Path) -> Result<()> {
    match inputs {
        [] => Err(Error::Data("no coverage.py data to analyse".into())),
        // One input is copied as is: nothing to merge, and coverage.py reads exactly what it wrote.
        [one] => std::fs::copy(&one.path, target)
            .map(|_| ())
            .map_err(|e| Error::read(&one.path, e)),
        [first, rest @ ..] => {
            let mut merged = first.data.clone();
            for input in rest {
                merged.update(&input.data, &|path: &str| path.to_string())?;
            }
            coveragepy::write(&merged, target)
        }
    }
}

/// Finds a Python that can `import coverage`: `explicit` only when given, else `python3`, then `python`.
pub fn find_python(explicit: Option<&Path>) -> Result<PathBuf> {
    let candidates: Vec<PathBuf> = match explicit {
        Some(p) => vec![p.to_path_buf()],
        None => vec![PathBuf::from("python3"), PathBuf::from("python")],
    };
    let mut problems = Vec::new();
    for candidate in candidates {
        match Command::new(&candidate).args(["-c", "import coverage"]).output() {
            Ok(out) if out.status.success() => return Ok(candidate),
            Ok(out) => {
                let stderr = String::from_utf8_lossy(&out.stderr);
                let last = stderr.lines().last().unwrap_or("").trim();
                problems.push(format!("`{}` cannot import coverage ({last})", candidate.display()));
            }
            Err(e) => problems.push(format!("`{}` cannot be started ({e})", candidate.display())),
        }
    }
    Err(Error::ToolUnavailable {
        tool: "coverage.py".into(),
        purpose: "read coverage.py data (.coverage files)".into(),
        detail: format!(
            "{}. A .coverage file records only the lines that ran; coverage.py parses the source to know which \
             lines are statements, and prowcov runs it for that. Install it (`pip install coverage`) and point \
             prowcov at that Python with `--python` or PROWCOV_PYTHON. Reports from `coverage xml`, \
             `coverage json` or `coverage lcov` files need no Python.",
            problems.join("; ")
        ),
    })
}

fn run_coverage_json(python: &Path, data_file: &Path, out: &Path, options: &AnalysisOptions) -> Result<()> {
    let mut cmd = Command::new(python);
    cmd.current_dir(&options.root)
        .args(["-m", "coverage", "json", "-q"])
        .arg(format!("--data-file={}", data_file.display()))
        .arg("-o")
        .arg(out)
        // The threshold is prowcov's to check, on the merged data; coverage.py's own `fail_under` would make this
        // step fail instead.
        .arg("--fail-under=0");
    if let Some(rc) = &options.rcfile {
        // coverage.py runs in `root`; a relative rc path means the user's current directory.
        let rc = std::path::absolute(rc).map_err(|e| Error::read(rc, e))?;
        cmd.arg(format!("--rcfile={}", rc.display()));
    }
    if options.ignore_errors {
        cmd.arg("-i");
    }
    tracing::debug!(?cmd, "running coverage.py");
    let output = cmd.output().map_err(|e| Error::ToolUnavailable {
        tool: "coverage.py".into(),
        purpose: "read coverage.py data (.coverage files)".into(),
        detail: format!("`{}` cannot be started: {e}", python.display()),
    })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let said = [stderr.trim(), stdout.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    Err(Error::ToolFailed {
        tool: format!(
            "`{} -m coverage json` (in {})",
            python.display(),
            options.root.display()
        ),
        detail: format!("{}: {said}{}", output.status, hint(&said)),
    })
}

/// Advice for the failures users meet most.
fn hint(message: &str) -> &'static str {
    if message.contains("No source for code") || message.contains("Couldn't parse") {
        "\nhint: run prowcov where the measured sources are (or pass --root), or pass -i/--ignore-errors to skip \
         files whose source is missing or cannot be parsed"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_interpreter_says_what_to_do() {
        let err = find_python(Some(Path::new("/nonexistent/python"))).unwrap_err();
        assert_eq!(err.exit_code(), crate::error::exit::UNAVAILABLE);
        let text = err.to_string();
        assert!(text.contains("`/nonexistent/python` cannot be started"), "{text}");
        assert!(text.contains("pip install coverage"), "{text}");
    }

    #[test]
    fn missing_source_gets_the_ignore_errors_hint() {
        assert!(hint("No source for code: '/x/gone.py'.").contains("--ignore-errors"));
        assert_eq!(hint("No data to report."), "");
    }
}
