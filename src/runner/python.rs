//! The Python runner: the tests run under coverage.py with the user's configuration plus `parallel`, `sigterm` and
//! `patch = subprocess` ([`super::rcfile`]); every process writes its own data file in the runner's folder
//! (`COVERAGE_FILE=<work_dir>/.coverage`, which wins over a `data_file` in the user's config: the folder is ours);
//! prowcov then combines them with the user's `[paths]` into `<work_dir>/.coverage`, the profile returned.
//!
//! How the command runs (coverage.py 7.10 or newer is needed, for `patch = subprocess`):
//! - empty, `pytest ARGS` or `py.test ARGS`: `PYTHON -m coverage run --rcfile=OURS -m pytest ARGS`, with the
//!   resolved interpreter ([`RunSpec::python`], else `PROWCOV_PYTHON`, else `python3`/`python` on `PATH`);
//! - `python[X[.Y]] [OPTIONS] -m MODULE ARGS` or `... SCRIPT ARGS`: the same interpreter and options, with
//!   `-m coverage run --rcfile=OURS` put before the module or script;
//! - anything else (`tox`, `make test`, `sh -c ...`, `python -c ...`, `python -m coverage ...`): run as it is, with
//!   `COVERAGE_PROCESS_START=OURS`, so that every Python process it starts whose environment has coverage.py 7.10+
//!   (which installs a `.pth` start-up hook) is measured.
//!
//! Under `coverage run`, `patch = subprocess` passes the whole effective configuration to child processes
//! (`COVERAGE_PROCESS_CONFIG`, with `data_file` made absolute), and the same `.pth` hook starts coverage.py in
//! them; it also forces `parallel`. No Python process runs besides the tests' own: prowcov's combine is in Rust, and
//! the interpreter is checked only when a run produced no data.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::process::{self, Finished};
use super::{RunSpec, TestRun, rcfile, tests_outcome};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::python::analysis::find_python;
use crate::python::combine::{CombineRequest, InputStatus, combine};
use crate::python::config::{self, CoverageConfig};

/// How coverage.py gets into the tests' processes.
#[derive(Debug, PartialEq)]
enum Mode {
    /// `coverage run` starts the command's Python program.
    Wrapped,
    /// The command runs as it is; coverage.py's start-up hook measures the Python processes.
    Hooked,
}

pub(super) fn run(spec: &RunSpec<'_>) -> Result<TestRun> {
    let work_dir = std::path::absolute(spec.work_dir).map_err(|e| Error::read(spec.work_dir, e))?;
    let config = config::load(None, spec.root, spec.env)?;
    let rcfile = rcfile::write(&config, &work_dir, spec.env)?;
    let python = interpreter(spec.python, spec.env);
    let (argv, mode) = plan(spec.command, &python, &rcfile);
    let data_file = work_dir.join(".coverage");
    let mut env: Vec<(&str, Option<OsString>)> = vec![
        ("COVERAGE_FILE", Some(data_file.clone().into())),
        // A configuration inherited from a measured parent would replace ours.
        ("COVERAGE_PROCESS_CONFIG", None),
    ];
    env.push((
        "COVERAGE_PROCESS_START",
        (mode == Mode::Hooked).then(|| rcfile.clone().into()),
    ));
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| Error::Usage("empty test command".into()))?;
    let finished = process::execute(program, args, &env, spec)?;
    let profile = collect(&config, &data_file, &finished, &python, spec.log)?;
    Ok(TestRun {
        command: finished.command,
        exit_code: finished.exit_code,
        profiles: vec![profile],
        duration: finished.duration,
    })
}

/// The interpreter: given, else `PROWCOV_PYTHON`, else `python3` or `python` found on `PATH` (no process is started
/// to check it; a missing one fails to start, with a message naming it).
fn interpreter(explicit: Option<&Path>, env: &Env) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(p) = env.path("PROWCOV_PYTHON") {
        return p;
    }
    let on_path = |name: &str| {
        env.var("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|dir| is_executable(&dir.join(name))))
    };
    let name = ["python3", "python"]
        .into_iter()
        .find(|n| on_path(n))
        .unwrap_or("python3");
    PathBuf::from(name)
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The argv to run and how it is measured; see the module docs.
fn plan(command: &[String], python: &Path, rcfile: &Path) -> (Vec<OsString>, Mode) {
    let coverage_run = |argv: &mut Vec<OsString>| {
        argv.extend(["-m", "coverage", "run"].map(OsString::from));
        argv.push(format!("--rcfile={}", rcfile.display()).into());
    };
    let pytest = |rest: &[String]| {
        let mut argv = vec![python.as_os_str().to_owned()];
        coverage_run(&mut argv);
        argv.extend(["-m", "pytest"].map(OsString::from));
        argv.extend(rest.iter().map(OsString::from));
        (argv, Mode::Wrapped)
    };
    let hooked = || (command.iter().map(OsString::from).collect(), Mode::Hooked);
    let Some((program, rest)) = command.split_first() else {
        return pytest(&[]);
    };
    let name = Path::new(program).file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name == "pytest" || name == "py.test" {
        return pytest(rest);
    }
    if !is_python(name) && Path::new(program) != python {
        return hooked();
    }
    // Interpreter options come first; then `-m MODULE`, `-c CODE`, `-` or a script.
    let mut i = 0;
    while let Some(arg) = rest.get(i) {
        match arg.as_str() {
            "-m" => match rest.get(i + 1).map(String::as_str) {
                Some("coverage") | None => return hooked(),
                Some(_) => break,
            },
            "-c" | "-" => return hooked(),
            // Options that take the next argument.
            "-W" | "-X" => i += 2,
            a if a.starts_with('-') => i += 1,
            _ => break,
        }
    }
    if i >= rest.len() {
        return hooked();
    }
    let mut argv = vec![OsString::from(program)];
    argv.extend(rest[..i].iter().map(OsString::from));
    coverage_run(&mut argv);
    argv.extend(rest[i..].iter().map(OsString::from));
    (argv, Mode::Wrapped)
}

/// `python`, `python3`, `python3.12`.
fn is_python(name: &str) -> bool {
    name.strip_prefix("python")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// Combines the run's data files with the user's `[paths]` into `data_file`, and returns it.
fn collect(config: &CoverageConfig, data_file: &Path, run: &Finished, python: &Path, log: &Path) -> Result<PathBuf> {
    let dir = data_file.parent().unwrap_or(Path::new("."));
    let name = data_file.file_name().and_then(|n| n.to_str()).unwrap_or(".coverage");
    let prefix = format!("{name}.");
    let parts = std::fs::read_dir(dir)
        .map_err(|e| Error::read(dir, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.starts_with(&prefix)))
        .count();
    if parts == 0 {
        // A command that ran `coverage run` itself without `parallel` wrote the data file directly.
        if data_file.is_file() {
            return Ok(data_file.to_path_buf());
        }
        return Err(no_data(dir, run, python, log));
    }
    let outcome = combine(&CombineRequest {
        data_file: data_file.to_path_buf(),
        inputs: Vec::new(),
        append: data_file.is_file(),
        keep: false,
        aliases: config.aliases()?,
        trace_pathmap: false,
    })?;
    for (path, status) in &outcome.inputs {
        if let InputStatus::Unusable(e) = status {
            tracing::warn!("skipped coverage data {}: {e}", path.display());
        }
    }
    for e in &outcome.delete_failures {
        tracing::warn!("{e}");
    }
    Ok(outcome.data_file)
}

fn no_data(dir: &Path, run: &Finished, python: &Path, log: &Path) -> Error {
    // Only now is it worth a process to learn whether the interpreter has coverage.py at all.
    if let Err(e) = find_python(Some(python)) {
        return e;
    }
    Error::Data(format!(
        "no coverage.py data in {} after `{}`, and {}\nhint: coverage.py 7.10 or newer must be installed where the \
         tests run (it measures subprocesses through its start-up hook); a custom `run.command` is measured only in \
         the Python processes it starts; see the test log {}",
        dir.display(),
        process::display_command(&run.command),
        tests_outcome(run.exit_code),
        log.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(command: &[&str]) -> (Vec<String>, Mode) {
        let command: Vec<String> = command.iter().map(|s| s.to_string()).collect();
        let (argv, mode) = plan(&command, Path::new("/venv/bin/python"), Path::new("/w/coveragerc"));
        (argv.into_iter().map(|a| a.into_string().unwrap()).collect(), mode)
    }

    #[test]
    fn pytest_runs_under_coverage_run_with_the_resolved_interpreter() {
        let run = "/venv/bin/python -m coverage run --rcfile=/w/coveragerc -m pytest";
        assert_eq!(
            planned(&[]),
            (run.split(' ').map(String::from).collect(), Mode::Wrapped)
        );
        let (argv, mode) = planned(&["pytest", "-x", "tests"]);
        assert_eq!((argv.join(" "), mode), (format!("{run} -x tests"), Mode::Wrapped));
    }

    #[test]
    fn a_python_command_keeps_its_interpreter_and_options() {
        let (argv, mode) = planned(&["python3.12", "-X", "dev", "-u", "-m", "unittest", "-v"]);
        assert_eq!(
            (argv.join(" "), mode),
            (
                "python3.12 -X dev -u -m coverage run --rcfile=/w/coveragerc -m unittest -v".into(),
                Mode::Wrapped
            )
        );
        let (argv, _) = planned(&["python", "run_tests.py", "--fast"]);
        assert_eq!(
            argv.join(" "),
            "python -m coverage run --rcfile=/w/coveragerc run_tests.py --fast"
        );
    }

    #[test]
    fn other_commands_run_as_they_are_with_the_start_up_hook() {
        for command in [
            &["tox", "-e", "py"][..],
            &["python", "-c", "print(1)"],
            &["python", "-m", "coverage", "run", "-m", "pytest"],
            &["python"],
            &["sh", "-c", "pytest"],
        ] {
            let (argv, mode) = planned(command);
            let expected: Vec<String> = command.iter().map(|s| s.to_string()).collect();
            assert_eq!((argv, mode), (expected, Mode::Hooked), "{command:?}");
        }
    }
}
