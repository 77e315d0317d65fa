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

/// What to do with a measured file coverage.py cannot report: its source is gone, or it does not parse as Python.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SourceErrors {
    /// Fail, as `coverage report` does without `-i` (the reporting commands' default).
    #[default]
    Fail,
    /// Skip a file that does not parse (a template the tests executed, as jinja2's do), warning with its name, as
    /// `coverage report -i` does; still fail on a missing source, which means the job runs where the sources are
    /// not. The default of `prowcov run`.
    SkipUnparsable,
    /// Skip both, each named in a warning: `-i/--ignore-errors` or coverage.py's `[report] ignore_errors`.
    Skip,
}

/// A measured file left out of the report, and coverage.py's words for why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedSource {
    /// The path as coverage.py names it (absolute unless the data has relative paths).
    pub path: String,
    /// coverage.py's message, such as "Couldn't parse Python file '/x/t.py'".
    pub message: String,
    /// Whether the source is missing (rather than present but not Python).
    pub missing: bool,
}

/// coverage.py's analysis: the model, and the files it had to leave out.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    pub coverage: Coverage,
    /// Files skipped under [`SourceErrors::SkipUnparsable`] or [`SourceErrors::Skip`], in coverage.py's order.
    pub skipped: Vec<SkippedSource>,
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
    /// Files whose source is missing or does not parse.
    pub source_errors: SourceErrors,
}

/// Merges `inputs` and returns coverage.py's analysis of them as the model.
pub fn analyze(inputs: &[DataFile], options: &AnalysisOptions) -> Result<Analysis> {
    let python = find_python(options.python.as_deref())?;
    let tmp = tempfile::tempdir().map_err(|e| Error::write(std::env::temp_dir(), e))?;
    let data_file = tmp.path().join(".coverage");
    stage_data(inputs, &data_file)?;
    let out = tmp.path().join("coverage.json");
    let skipped = run_coverage_json(&python, &data_file, &out, options)?;
    let missing: Vec<&SkippedSource> = skipped.iter().filter(|s| s.missing).collect();
    if options.source_errors == SourceErrors::SkipUnparsable && !missing.is_empty() {
        return Err(Error::ToolFailed {
            tool: format!(
                "`{} -m coverage json` (in {})",
                python.display(),
                options.root.display()
            ),
            detail: format!(
                "no source for {} measured file(s): {}{}",
                missing.len(),
                missing.iter().map(|s| s.path.as_str()).collect::<Vec<_>>().join(", "),
                hint(NO_SOURCE)
            ),
        });
    }
    let bytes = crate::fsutil::read(&out)?;
    let coverage = coveragepy_json::read(&out, &bytes, &ReadOptions::new(options.root.clone()))?;
    Ok(Analysis { coverage, skipped })
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

/// Runs `coverage json`; returns the files it skipped (with `-i` or `[report] ignore_errors`), read from its warnings.
fn run_coverage_json(
    python: &Path,
    data_file: &Path,
    out: &Path,
    options: &AnalysisOptions,
) -> Result<Vec<SkippedSource>> {
    let mut cmd = Command::new(python);
    cmd.current_dir(&options.root)
        .args(["-m", "coverage", "json", "-q"])
        .arg(format!("--data-file={}", data_file.display()))
        .arg("-o")
        .arg(out)
        // The threshold is prowcov's to check, on the merged data; coverage.py's own `fail_under` would make this
        // step fail instead.
        .arg("--fail-under=0")
        // Skipped files are known from coverage.py's warnings only; a user's filter must not hide them.
        .env_remove("PYTHONWARNINGS");
    if let Some(rc) = &options.rcfile {
        // coverage.py runs in `root`; a relative rc path means the user's current directory.
        let rc = std::path::absolute(rc).map_err(|e| Error::read(rc, e))?;
        cmd.arg(format!("--rcfile={}", rc.display()));
    }
    if options.source_errors != SourceErrors::Fail {
        cmd.arg("-i");
    }
    tracing::debug!(?cmd, "running coverage.py");
    let output = cmd.output().map_err(|e| Error::ToolUnavailable {
        tool: "coverage.py".into(),
        purpose: "read coverage.py data (.coverage files)".into(),
        detail: format!("`{}` cannot be started: {e}", python.display()),
    })?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.success() {
        return Ok(skipped_sources(&stderr));
    }
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

/// coverage.py's words for a missing source.
const NO_SOURCE: &str = "No source for code";

/// The files coverage.py skipped, from the warnings it prints with `-i`: `Couldn't parse Python file '<path>'` (not
/// Python) and `Couldn't parse '<path>': <reason>` (for instance `No source for code: ...`).
fn skipped_sources(stderr: &str) -> Vec<SkippedSource> {
    let mut found = Vec::new();
    for line in stderr.lines() {
        let Some((_, warning)) = line.split_once("CoverageWarning: ") else {
            continue;
        };
        let message = warning
            .split_once(" (couldnt-parse)")
            .map_or(warning, |(message, _)| message)
            .trim();
        let path = if let Some(rest) = message.strip_prefix("Couldn't parse Python file '") {
            rest.rsplit_once('\'').map(|(path, _)| path)
        } else if let Some(rest) = message.strip_prefix("Couldn't parse '") {
            rest.split_once("': ")
                .map(|(path, _)| path)
                .or_else(|| rest.strip_suffix('\''))
        } else {
            None
        };
        if let Some(path) = path {
            found.push(SkippedSource {
                path: path.to_owned(),
                message: message.to_owned(),
                missing: message.contains(NO_SOURCE),
            });
        }
    }
    found
}

/// Advice for the failures users meet most.
fn hint(message: &str) -> &'static str {
    if message.contains(NO_SOURCE) || message.contains("Couldn't parse") {
        "\nhint: run prowcov where the measured sources are (or pass --root), or pass -i/--ignore-errors (or set \
         coverage.py's `[report] ignore_errors = true`) to skip files whose source is missing or cannot be parsed, \
         each named in a warning"
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

    #[test]
    fn skipped_files_are_read_from_coverage_py_warnings() {
        // coverage.py 7.17's words, as `warnings` prints them.
        let stderr = "/v/coverage/report_core.py:116: CoverageWarning: Couldn't parse Python file '/r/t.py' \
                      (couldnt-parse); see https://coverage.readthedocs.io/en/7.17.3/messages.html#warning-couldnt-parse\n  \
                      coverage._warn(msg, slug=\"couldnt-parse\")\n\
                      /v/coverage/report_core.py:122: CoverageWarning: Couldn't parse '/r/gone.py': No source for code: \
                      '/r/gone.py'. (couldnt-parse); see https://x\n\
                      /v/coverage/control.py:1: CoverageWarning: No data was collected. (no-data-collected)\n";
        let skipped = skipped_sources(stderr);
        assert_eq!(
            skipped,
            vec![
                SkippedSource {
                    path: "/r/t.py".into(),
                    message: "Couldn't parse Python file '/r/t.py'".into(),
                    missing: false,
                },
                SkippedSource {
                    path: "/r/gone.py".into(),
                    message: "Couldn't parse '/r/gone.py': No source for code: '/r/gone.py'.".into(),
                    missing: true,
                },
            ]
        );
    }
}
