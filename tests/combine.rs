//! `prowcov combine` against coverage.py's own `coverage combine`: real data recorded by `coverage run -m pytest`
//! in a small package, combined by both tools from identical inputs, then compared through `coverage report -m`
//! (or coverage.py's data API where the report does not show the difference, as for contexts).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{copy_tree, prowcov, python, python_module, run_ok, write_tree};

const CALC: &str = r#"def classify(n):
    if n < 0:
        return "negative"
    elif n == 0:
        return "zero"
    return "positive"


def total(items):
    result = 0
    for item in items:
        if item:
            result += item
    return result


def spawn():
    import subprocess
    import sys

    code = "import pkg.calc; pkg.calc.classify(0)"
    return subprocess.run([sys.executable, "-c", code], check=True).returncode
"#;

/// A package with three test files, and a `.coveragerc` with `parallel = True` plus `rc_extra`.
fn project(dir: &Path, rc_extra: &str) {
    let rc = format!("[run]\nparallel = True\nsource = pkg\n{rc_extra}\n");
    write_tree(
        dir,
        &[
            ("pkg/__init__.py", ""),
            ("pkg/calc.py", CALC),
            (
                "tests/test_a.py",
                "from pkg.calc import classify\n\ndef test_negative():\n    assert classify(-1) == \"negative\"\n",
            ),
            (
                "tests/test_b.py",
                "from pkg.calc import total\n\ndef test_total():\n    assert total([1, 0, 2]) == 3\n",
            ),
            (
                "tests/test_c.py",
                "from pkg.calc import spawn\n\ndef test_spawn():\n    assert spawn() == 0\n",
            ),
            (".coveragerc", &rc),
        ],
    );
}

fn clean_env(cmd: &mut Command, dir: &Path) {
    cmd.current_dir(dir)
        .env_remove("COVERAGE_FILE")
        .env_remove("COVERAGE_RCFILE")
        .env_remove("COVERAGE_PROCESS_START");
}

/// `coverage run [run_args] -m pytest <tests>` in `dir`.
fn cov_run(dir: &Path, run_args: &[&str], tests: &[&str]) {
    let mut cmd = python_module("coverage");
    cmd.arg("run")
        .args(run_args)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .args(tests);
    clean_env(&mut cmd, dir);
    run_ok(&mut cmd);
}

/// The `.coverage*` files in `dir`, sorted by name.
fn data_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .is_some_and(|n| n == ".coverage" || n.to_string_lossy().starts_with(".coverage."))
        })
        .collect();
    files.sort();
    files
}

fn names(files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect()
}

/// `coverage report -m` of `data_file`, read from a copy so that coverage.py's implicit combine of any parallel files
/// next to it cannot change what is reported.
fn report(dir: &Path, data_file: &Path) -> String {
    let reports = dir.join(".reports");
    std::fs::create_dir_all(&reports).expect("mkdir");
    let copy = reports.join(format!(
        "r{}.cov",
        std::fs::read_dir(&reports).expect("read_dir").count()
    ));
    std::fs::copy(data_file, &copy).expect("copy data file");
    let mut cmd = python_module("coverage");
    cmd.args(["report", "-m", "--data-file"]).arg(&copy);
    clean_env(&mut cmd, dir);
    String::from_utf8(run_ok(&mut cmd).stdout).expect("utf-8")
}

/// What one tool's combine left behind.
#[derive(Debug, PartialEq)]
struct Combined {
    report: String,
    /// coverage.py's view of the combined data: files, contexts, lines (the report alone would hide paths that were
    /// not remapped, since reporting applies `[paths]` again).
    data: String,
    /// The closing message, `Combined 2 files, skipped 1`: the last line coverage.py 7.17.3 writes to stderr, and
    /// the last line prowcov writes to stdout (results go to stdout).
    summary: String,
    /// `.coverage*` files left in the project.
    remaining: Vec<String>,
}

/// Runs `coverage combine <args>` and `prowcov combine <args>`, each on the same `.coverage*` files, and returns
/// what each left behind.
fn combine_both(dir: &Path, args: &[&str]) -> (Combined, Combined) {
    let saved = tempfile::tempdir().expect("tempdir");
    for f in data_files(dir) {
        std::fs::copy(&f, saved.path().join(f.file_name().expect("name"))).expect("save");
    }
    let mut coverage = python_module("coverage");
    coverage.arg("combine");
    let mut ours = prowcov();
    ours.arg("combine");
    let mut results = Vec::new();
    for (cmd, message_stream_is_stderr) in [(&mut coverage, true), (&mut ours, false)] {
        for f in data_files(dir) {
            std::fs::remove_file(f).expect("clean");
        }
        for f in data_files(saved.path()) {
            std::fs::copy(&f, dir.join(f.file_name().expect("name"))).expect("restore");
        }
        cmd.args(args);
        clean_env(cmd, dir);
        let out = run_ok(cmd);
        let messages = if message_stream_is_stderr {
            out.stderr
        } else {
            out.stdout
        };
        let messages = String::from_utf8(messages).expect("utf-8");
        results.push(Combined {
            report: report(dir, &dir.join(".coverage")),
            data: dump_contexts(dir, &dir.join(".coverage")),
            summary: messages.lines().last().unwrap_or_default().to_string(),
            remaining: names(&data_files(dir)),
        });
    }
    let ours = results.pop().expect("two results");
    let theirs = results.pop().expect("two results");
    assert!(
        theirs.report.contains("pkg/calc.py"),
        "coverage.py's report is not meaningful:\n{}",
        theirs.report
    );
    (theirs, ours)
}

fn parallel_files(dir: &Path) -> Vec<PathBuf> {
    data_files(dir)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != ".coverage"))
        .collect()
}

/// coverage.py 7.17 prints one summary line, not a line per input (those are `--debug combine` output); so does
/// prowcov.
#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn combine_prints_one_summary_line_like_coverage_py() {
    let dir = tempfile::tempdir().expect("tempdir");
    project(dir.path(), "");
    cov_run(dir.path(), &[], &["tests/test_a.py"]);
    cov_run(dir.path(), &[], &["tests/test_b.py"]);
    let saved = tempfile::tempdir().expect("tempdir");
    for f in data_files(dir.path()) {
        std::fs::copy(&f, saved.path().join(f.file_name().expect("name"))).expect("save");
    }
    let mut theirs = python_module("coverage");
    clean_env(theirs.arg("combine"), dir.path());
    let theirs = run_ok(&mut theirs);
    for f in data_files(saved.path()) {
        std::fs::copy(&f, dir.path().join(f.file_name().expect("name"))).expect("restore");
    }
    let mut ours = prowcov();
    clean_env(ours.arg("combine"), dir.path());
    let ours = run_ok(&mut ours);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert_eq!(
        text(&ours.stdout),
        text(&theirs.stderr),
        "the whole message is the summary"
    );
    assert_eq!(text(&ours.stdout), "Combined 2 files\n");
    assert_eq!(text(&ours.stderr), "");
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn parallel_runs_report_like_coverage_combine() {
    let dir = tempfile::tempdir().expect("tempdir");
    project(dir.path(), "");
    cov_run(dir.path(), &[], &["tests/test_a.py"]);
    cov_run(dir.path(), &[], &["tests/test_b.py"]);
    assert_eq!(parallel_files(dir.path()).len(), 2);
    let (theirs, ours) = combine_both(dir.path(), &[]);
    assert_eq!(ours, theirs);
    assert_eq!(ours.summary, "Combined 2 files");
    assert_eq!(ours.remaining, [".coverage"], "inputs are deleted without --keep");
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn branch_runs_report_like_coverage_combine() {
    let dir = tempfile::tempdir().expect("tempdir");
    project(dir.path(), "branch = True");
    cov_run(dir.path(), &[], &["tests/test_a.py"]);
    cov_run(dir.path(), &[], &["tests/test_b.py"]);
    let (theirs, ours) = combine_both(dir.path(), &[]);
    assert!(theirs.report.contains("Branch"), "{}", theirs.report);
    assert_eq!(ours, theirs);
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn subprocess_data_combines_like_coverage_combine() {
    let dir = tempfile::tempdir().expect("tempdir");
    project(dir.path(), "patch = subprocess");
    cov_run(dir.path(), &[], &["tests/test_c.py"]);
    assert!(
        parallel_files(dir.path()).len() >= 2,
        "the subprocess wrote its own data file"
    );
    let (theirs, ours) = combine_both(dir.path(), &[]);
    assert_eq!(ours, theirs);
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn data_from_another_root_is_remapped_by_paths() {
    let base = tempfile::tempdir().expect("tempdir");
    let real = base.path().join("real");
    let ci = base.path().join("ci").join("proj");
    project(&real, "[paths]\nsource =\n    pkg/\n    */ci/proj/pkg/");
    copy_tree(&real, &ci);
    cov_run(&ci, &[], &["tests/test_a.py"]);
    cov_run(&real, &[], &["tests/test_b.py"]);
    for f in parallel_files(&ci) {
        std::fs::rename(&f, real.join(f.file_name().expect("name"))).expect("move data");
    }
    std::fs::remove_dir_all(&ci).expect("the other root is gone, as on a CI worker");
    let (theirs, ours) = combine_both(&real, &[]);
    assert!(
        !theirs.report.contains("ci/proj"),
        "coverage.py remapped:\n{}",
        theirs.report
    );
    assert_eq!(ours, theirs);
}

/// coverage.py's view of a data file, per file and context, as JSON.
fn dump_contexts(dir: &Path, data_file: &Path) -> String {
    let script = r#"
import json, sys
from coverage import CoverageData
d = CoverageData(sys.argv[1]); d.read()
out = {}
for f in sorted(d.measured_files()):
    for c in sorted(d.measured_contexts()):
        d.set_query_context(c)
        out[f + "|" + c] = sorted(d.lines(f) or [])
print(json.dumps({"contexts": sorted(d.measured_contexts()), "has_arcs": d.has_arcs(), "lines": out}, sort_keys=True))
"#;
    let mut cmd = Command::new(python());
    cmd.args(["-c", script]).arg(data_file);
    clean_env(&mut cmd, dir);
    String::from_utf8(run_ok(&mut cmd).stdout).expect("utf-8")
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn contexts_are_merged_by_name_like_coverage_combine() {
    let dir = tempfile::tempdir().expect("tempdir");
    project(dir.path(), "");
    cov_run(dir.path(), &["--context=a"], &["tests/test_a.py"]);
    cov_run(dir.path(), &["--context=b"], &["tests/test_b.py"]);
    cov_run(dir.path(), &["--context=a"], &["tests/test_b.py"]);
    let saved = tempfile::tempdir().expect("tempdir");
    copy_tree(dir.path(), saved.path());

    let mut cmd = python_module("coverage");
    clean_env(cmd.arg("combine"), dir.path());
    run_ok(&mut cmd);
    let theirs = dump_contexts(dir.path(), &dir.path().join(".coverage"));
    let mut cmd = prowcov();
    clean_env(cmd.arg("combine"), saved.path());
    run_ok(&mut cmd);
    let ours = dump_contexts(saved.path(), &saved.path().join(".coverage"));
    // Both combined the same data, recorded in `dir`, so the paths are the same.
    assert!(theirs.contains(r#""contexts": ["a", "b"]"#), "{theirs}");
    assert_eq!(ours, theirs);
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn keep_then_append_matches_coverage_combine() {
    let dir = tempfile::tempdir().expect("tempdir");
    project(dir.path(), "");
    cov_run(dir.path(), &[], &["tests/test_a.py"]);
    let (theirs, ours) = combine_both(dir.path(), &["--keep"]);
    assert_eq!(ours, theirs);
    assert_eq!(ours.remaining.len(), 2, "--keep keeps the input: {:?}", ours.remaining);
    let first = ours.report.clone();

    for f in parallel_files(dir.path()) {
        std::fs::remove_file(f).expect("remove combined input");
    }
    cov_run(dir.path(), &[], &["tests/test_b.py"]);
    let (theirs, ours) = combine_both(dir.path(), &["--append"]);
    assert_eq!(ours, theirs);
    assert_ne!(ours.report, first, "the appended run added lines");
    assert_eq!(ours.remaining, [".coverage"]);
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn duplicate_inputs_are_skipped_like_coverage_combine() {
    let dir = tempfile::tempdir().expect("tempdir");
    project(dir.path(), "");
    cov_run(dir.path(), &[], &["tests/test_a.py"]);
    let input = parallel_files(dir.path()).pop().expect("one data file");
    let dup = dir.path().join("dup");
    std::fs::create_dir(&dup).expect("mkdir");
    std::fs::copy(&input, dup.join(input.file_name().expect("name"))).expect("copy");
    // --keep: the copy in `dup/` must survive coverage.py's run for prowcov's run to see it too.
    let (theirs, ours) = combine_both(dir.path(), &["--keep", ".", "dup"]);
    assert_eq!(ours.summary, "Combined 1 file, skipped 1");
    assert_eq!(ours, theirs);
}

/// Regression guard for the failure mode coverage.py has: on a line/arc mix it leaves a half-combined `.coverage`.
#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn lines_mixed_with_arcs_is_an_error_that_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    project(dir.path(), "");
    cov_run(dir.path(), &[], &["tests/test_a.py"]);
    cov_run(dir.path(), &["--branch"], &["tests/test_b.py"]);
    let inputs = parallel_files(dir.path());
    std::fs::write(dir.path().join(".coverage"), "previous output").expect("write");
    let mut cmd = prowcov();
    clean_env(cmd.arg("combine"), dir.path());
    let out = cmd.output().expect("run prowcov");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot combine branch coverage data with statement data"),
        "{stderr}"
    );
    for input in &inputs {
        assert!(input.exists(), "input {} kept", input.display());
        assert!(
            stderr.contains(&*input.file_name().expect("name").to_string_lossy()),
            "names both files: {stderr}"
        );
    }
    let output = std::fs::read_to_string(dir.path().join(".coverage")).expect("read");
    assert_eq!(output, "previous output", "the existing output is untouched");
    assert_eq!(
        data_files(dir.path()).len(),
        3,
        "no temporary file left: {:?}",
        data_files(dir.path())
    );
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn relative_files_result_does_not_depend_on_input_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    project(dir.path(), "relative_files = True");
    cov_run(dir.path(), &[], &["tests/test_a.py"]);
    // A second input with absolute paths, as from a worker without relative_files: coverage.py's implicit
    // relative_files rules then depend on which input it reads first.
    project(dir.path(), "");
    cov_run(dir.path(), &[], &["tests/test_b.py"]);
    project(dir.path(), "relative_files = True");
    let inputs = parallel_files(dir.path());
    assert_eq!(inputs.len(), 2);

    let mut outputs = Vec::new();
    for (first, second) in [(&inputs[0], &inputs[1]), (&inputs[1], &inputs[0])] {
        let order = dir.path().join(format!("order{}", outputs.len()));
        std::fs::create_dir(&order).expect("mkdir");
        std::fs::copy(first, order.join(".coverage.1")).expect("copy");
        std::fs::copy(second, order.join(".coverage.2")).expect("copy");
        let mut cmd = prowcov();
        clean_env(
            cmd.args(["combine", "--data-file"])
                .arg(order.join(".coverage"))
                .arg(&order),
            dir.path(),
        );
        run_ok(&mut cmd);
        outputs.push(std::fs::read(order.join(".coverage")).expect("output"));
    }
    assert!(!outputs[0].is_empty());
    assert!(
        outputs[0] == outputs[1],
        "the same inputs in another order gave different bytes"
    );
    assert!(report(dir.path(), &dir.path().join("order0/.coverage")).contains("pkg/calc.py"));
}

// Malformed inputs: committed fixtures, no coverage.py needed.

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/coveragepy")
        .join(name)
}

/// Runs `prowcov combine` in a folder holding `files` (name in the folder, fixture), returning the output with the
/// folder redacted.
fn combine_fixtures(files: &[(&str, &str)]) -> (Output, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, fixture_name) in files {
        std::fs::copy(fixture(fixture_name), dir.path().join(name)).expect("copy fixture");
    }
    let out = prowcov()
        .arg("combine")
        .current_dir(dir.path())
        .env_remove("COVERAGE_FILE")
        .output()
        .expect("run");
    let real = dir.path().canonicalize().expect("canonical");
    let text = String::from_utf8_lossy(&out.stderr)
        .replace(&real.display().to_string(), "[DIR]")
        .replace(&dir.path().display().to_string(), "[DIR]");
    (out, text, dir)
}

#[test]
fn truncated_sqlite_input_is_named_in_the_error() {
    let (out, stderr, _dir) = combine_fixtures(&[(".coverage.x", "truncated.coverage")]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr);
}

#[test]
fn wrong_schema_version_is_named_in_the_error() {
    let (out, stderr, _dir) = combine_fixtures(&[(".coverage.x", "wrong-schema.coverage")]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr);
}

#[test]
fn non_sqlite_input_is_named_in_the_error() {
    let (out, stderr, _dir) = combine_fixtures(&[(".coverage.x", "not-sqlite.coverage")]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr);
}

#[test]
fn unusable_input_is_a_warning_kept_on_disk_while_the_rest_combine() {
    let (out, stderr, dir) = combine_fixtures(&[
        (".coverage.bad", "not-sqlite.coverage"),
        (".coverage.good", "good.coverage"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    insta::assert_snapshot!(stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().last(), Some("Combined 1 file, 1 file errored"));
    assert_eq!(
        names(&data_files(dir.path())),
        [".coverage", ".coverage.bad"],
        "bad kept, good deleted"
    );
}

#[test]
fn no_inputs_is_an_error() {
    let (out, stderr, dir) = combine_fixtures(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr, "error: No data to combine\n");
    assert!(data_files(dir.path()).is_empty());
}

#[test]
fn missing_input_path_is_named() {
    let out = prowcov().args(["combine", "no/such/dir"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr, "error: Couldn't combine from non-existent path 'no/such/dir'\n");
}
