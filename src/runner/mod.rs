//! Running the tests under coverage, per language, and handing back the coverage files they wrote.
//!
//! [`run`] takes a resolved [`RunSpec`] and returns a [`TestRun`]: the command that ran, its exit status and the
//! profiles to read with `load::Reader`. Failing tests are not an error (the exit code says so, and
//! whatever coverage exists is returned); an error means no usable result: the command could not start, the log
//! could not be created, or no coverage data exists after the run.
//!
//! - `python`: coverage.py with the user's own configuration plus ours (`rcfile`), subprocesses measured, the
//!   parallel data combined by prowcov.
//! - `go`: `go test -covermode=atomic -coverprofile -coverpkg`.
//! - `command`: any argv, then the globs of the profiles it writes.
//! - `process` starts the child (signals forwarded, exit code) and `tee` copies its output to stderr and the log.

mod command;
mod go;
mod process;
mod python;
mod rcfile;
mod tee;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{Glob, Runner};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::warnings::Warnings;

/// What to run, already resolved from the configuration and the command line.
#[derive(Clone, Copy, Debug)]
pub struct RunSpec<'a> {
    /// `Python`, `Go` or `Command`.
    pub runner: Runner,
    /// The user's test command; empty means the runner's default.
    pub command: &'a [String],
    /// Command runner: globs (relative to `root`) of the coverage files the command writes.
    pub profiles: &'a [Glob],
    /// Go runner: the packages to test and measure; empty means `./...`.
    pub go_packages: &'a [String],
    /// The repository root; the tests run here.
    pub root: &'a Path,
    /// An empty folder the runner owns for its data (created by the caller).
    pub work_dir: &'a Path,
    /// The tests' output (both streams, in arrival order) is saved here and streamed to our stderr.
    pub log: &'a Path,
    /// The Python interpreter; `None`: `PROWCOV_PYTHON`, else `python3` (then `python`) on `PATH`.
    pub python: Option<&'a Path>,
    /// Variables taken out of the tests' environment.
    pub env_remove: &'a [&'a str],
    /// The environment prowcov was started with (the tests inherit it, less `env_remove`).
    pub env: &'a Env,
    /// Where the runner reports what it left out.
    pub warnings: &'a Warnings,
}

/// The outcome of a run whose coverage could be collected.
#[derive(Clone, Debug)]
pub struct TestRun {
    /// What was actually run.
    pub command: Vec<String>,
    /// The tests' exit status; killed by signal N is 128+N; 0 means passed.
    pub exit_code: i32,
    /// Coverage files to read with `load::Reader` (any supported format), sorted.
    pub profiles: Vec<PathBuf>,
    pub duration: Duration,
}

/// Runs the tests and collects their coverage; see the module docs for what is an error.
pub fn run(spec: &RunSpec<'_>) -> Result<TestRun> {
    match spec.runner {
        Runner::Python => python::run(spec),
        Runner::Go => go::run(spec),
        Runner::Command => command::run(spec),
        // Resolved by `settings` before a runner is called: `auto` picks one of the above, `none` runs nothing.
        Runner::Auto | Runner::None => Err(Error::Usage(format!(
            "run.runner {:?} is resolved before the tests run; expected python, go or command",
            spec.runner
        ))),
    }
}

/// The part of a "no coverage" message that says how the tests ended, so a failure is never hidden behind it.
fn tests_outcome(exit_code: i32) -> String {
    match exit_code {
        0 => "the tests passed".to_owned(),
        code if code > 128 => format!("the tests were killed by signal {} (exit code {code})", code - 128),
        code => format!("the tests failed (exit code {code})"),
    }
}
